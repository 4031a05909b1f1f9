#pragma once
// The colour maps every view uses, defined once: colour-blind-safe sequential (viridis, cividis),
// a diverging map centred at 0 for signed values, and a categorical palette (Okabe-Ito).
#include <QColor>
#include <QVector>

class QCPColorGradient;

namespace es::widgets::colors {

enum class Map { Viridis, Cividis, Diverging };

// t in [0, 1]; for Diverging, 0.5 is the centre (white-ish) and signed values map as
// t = 0.5 + v / (2 * max|v|).
QColor sample(Map map, double t);
// The same as a QCustomPlot gradient for colour maps and colour scales.
QCPColorGradient gradient(Map map);
// Okabe-Ito: eight colours distinguishable with the common colour-vision deficiencies.
QColor categorical(int index);
// Foreground (axes, text) and background for plots in the current palette (light/dark aware).
QColor plot_foreground();
QColor plot_background();
QColor plot_grid();

}  // namespace es::widgets::colors
