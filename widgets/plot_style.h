#pragma once
// Styling shared by all 2D views: palette-aware colours (light/dark), fonts and line widths that
// grow in presentation mode, so every figure looks like it belongs in the same paper.
class QCustomPlot;
class QCPAxisRect;

namespace es::widgets {

struct PlotStyle {
    double font_pt = 9.0;
    double line_width = 1.6;  // main lines; thin per-token lines use a fraction of it
};

PlotStyle plot_style(bool presentation);
// Applies colours, fonts and grid to every axis rect of the plot.
void style_plot(QCustomPlot* plot, bool presentation);

}  // namespace es::widgets
