#pragma once
// A labelled heatmap with a colour bar on QCustomPlot, shared by the CKA, head-similarity and
// spectrogram views: one cell per value (null cells drawn blank), row/column labels, a hover
// tooltip with the exact value, and a signal when a cell is clicked. Row and column labels are
// thinned to every k-th so that none overlap at the size drawn (on screen or exported): k from the
// cells' pixel size and the tick-label font; the tooltip still names every cell.
#include <QSharedPointer>
#include <QStringList>
#include <QWidget>
#include <optional>
#include <vector>

#include "colormaps.h"

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPAxisTickerText;

namespace es::widgets {

struct HeatmapData {
    int rows = 0, cols = 0;
    std::vector<std::optional<double>> values;  // row-major, rows x cols
    QStringList row_labels, col_labels;         // empty: numbers
    QString row_title, col_title, value_title;
    colors::Map map = colors::Map::Viridis;
    std::optional<double> lo, hi;  // colour range; default: data range (symmetric for Diverging)
    bool log_colour = false;       // colour by log10(value)
    // Row-major, rows x cols (empty: none): cells drawn faded and hatched, e.g. estimates shown
    // among exact values until these replace them.
    std::vector<unsigned char> faint;
};

class HeatmapPlot : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapPlot(QWidget* parent = nullptr);
    void set_data(const HeatmapData& data);
    void clear();
    void set_presentation(bool on);
    // Outline cells (row, col), e.g. the selected layer or head pair; col -1 outlines the whole
    // row.
    void set_marked(const std::vector<std::pair<int, int>>& cells);

    QCustomPlot* plot() const { return plot_; }
    QCPColorMap* color_map() const { return map_; }
    const HeatmapData& data() const { return data_; }
    std::optional<double> value(int row, int col) const;
    // Every how many rows (Qt::Vertical) or columns a label is drawn, as of the last layout.
    int label_step(Qt::Orientation o) const { return o == Qt::Vertical ? y_step_ : x_step_; }
    // The step at which labels of `o` do not overlap in the axis rect as laid out now.
    int fitting_label_step(Qt::Orientation o) const;

signals:
    void cell_clicked(int row, int col);

private:
    void rebuild();
    void draw_marks();  // the outlines of marked_, in place of those drawn before
    bool cell_at(const QPoint& pos, int* row, int* col) const;
    void set_label_steps(int x_step, int y_step);
    void thin_labels();
    QCustomPlot* plot_ = nullptr;
    QCPColorMap* map_ = nullptr;
    QCPColorScale* scale_ = nullptr;
    QSharedPointer<QCPAxisTickerText> x_ticks_, y_ticks_;
    int x_step_ = 1, y_step_ = 1;
    HeatmapData data_;
    std::vector<std::pair<int, int>> marked_;
    bool presentation_ = false;
};

}  // namespace es::widgets
