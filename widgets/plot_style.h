#pragma once
// Styling shared by all 2D views: palette-aware colours (light/dark), fonts and line widths that
// grow in presentation mode, so every figure looks like it belongs in the same paper.
#include <QStringList>
#include <Qt>
#include <vector>

class QCustomPlot;
class QCPAxisRect;
class QCPBars;
class QCPLegend;
class QFont;
class QString;

namespace es::widgets {

struct PlotStyle {
    double font_pt = 9.0;
    double line_width = 1.6;  // main lines; thin per-token lines use a fraction of it
};

PlotStyle plot_style(bool presentation);
// Presentation type and lines grow with the page they are shown on: 1 for a 720-pixel-high page
// (presentation_mode.cpp sets it from the page's height; slides at 1080 get the same look as the
// screen at 1080).
void set_presentation_scale(double scale);
double presentation_scale();
// Applies colours, fonts and grid to every axis rect of the plot.
void style_plot(QCustomPlot* plot, bool presentation);
// A legend of its own inside an axis rect, at `where`, on the plot's "legend" layer.
QCPLegend* inset_legend(QCPAxisRect* rect, Qt::Alignment where);
// Moves an inset legend of `rect` to the first of `spots` where it covers none of the rect's
// graphs (their lines, sampled between points, and the bands between channel-filled pairs; the
// faint token-line curves do not count), else to the spot that covers the fewest samples. Pixel
// sizes come from the rect's last layout, so call it before a replot at the same size (a
// rebuild); with no layout yet the legend takes the first spot.
void place_legend_clear_of_data(QCPLegend* legend, QCPAxisRect* rect,
                                const std::vector<Qt::Alignment>& spots);
// Colours a legend like the plot (a translucent background, a grid-coloured border).
void style_legend(QCPLegend* legend, const QFont& font);
// Principal angles (degrees, smallest first) as bars of `width` at x = 1, 2, ... on the plot's
// main axes, both ranged to hold them (0-92°).
QCPBars* angle_bars(QCustomPlot* plot, const std::vector<double>& angles_deg, double width);
// Lines of text in a row of their own above the plot's axis rect (what the figure compares, e.g.
// two subspaces), never over its data, in the plot's type at the style's size. Each line is
// elided from its start to the plot's width whenever drawn (on screen, after a resize, or
// exported at another size), so a narrow panel shows the lines' ends, where subspace specs
// differ; a line's tail from its last " · " on (a value) is kept whole. Kept across rebuilds;
// no lines remove it.
void set_plot_heading(QCustomPlot* plot, const QStringList& lines, bool presentation);
// The heading's lines as last drawn (elided), empty without a heading.
QStringList plot_heading(const QCustomPlot* plot);
// Draws the plot on the event loop's next round of timers, once however often it is asked
// before then. A view's rebuild and its drawing (600 token lines: 25-30 ms) were one event with
// the result's delivery, and QCustomPlot's rpQueuedReplot did not split them: it posts an event,
// which Qt runs in the same pass as the delivery (an event-loop gap of 63 ms on M).
void replot_soon(QCustomPlot* plot);

}  // namespace es::widgets
