#include "heatmap_plot.h"

#include <qcustomplot.h>
#include <QToolTip>
#include <QVBoxLayout>
#include <cmath>

#include "plot_style.h"

namespace es::widgets {

HeatmapPlot::HeatmapPlot(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(200, 130);
    layout->addWidget(plot_);
    map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
    map_->setInterpolate(false);
    scale_ = new QCPColorScale(plot_);
    plot_->plotLayout()->addElement(0, 1, scale_);
    scale_->setType(QCPAxis::atRight);
    map_->setColorScale(scale_);
    auto* group = new QCPMarginGroup(plot_);
    plot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    scale_->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    plot_->yAxis->setRangeReversed(true);  // row 0 at the top, like a matrix
    connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        int r = 0, c = 0;
        if (!cell_at(e->pos(), &r, &c)) return;
        const auto v = value(r, c);
        const QString rl = r < data_.row_labels.size() ? data_.row_labels[r] : QString::number(r);
        const QString cl = c < data_.col_labels.size() ? data_.col_labels[c] : QString::number(c);
        QToolTip::showText(e->globalPosition().toPoint(),
                           QStringLiteral("%1 %2, %3 %4<br><b>%5 = %6</b>")
                               .arg(data_.row_title, rl, data_.col_title, cl, data_.value_title,
                                    v ? QString::number(*v, 'g', 6) : tr("n/a")),
                           plot_);
    });
    connect(plot_, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        int r = 0, c = 0;
        if (cell_at(e->pos(), &r, &c)) emit cell_clicked(r, c);
    });
    style_plot(plot_, false);
}

std::optional<double> HeatmapPlot::value(int row, int col) const {
    if (row < 0 || col < 0 || row >= data_.rows || col >= data_.cols) return std::nullopt;
    return data_.values[static_cast<std::size_t>(row * data_.cols + col)];
}

bool HeatmapPlot::cell_at(const QPoint& pos, int* row, int* col) const {
    if (data_.rows == 0 || !plot_->axisRect()->rect().contains(pos)) return false;
    *col = static_cast<int>(std::lround(plot_->xAxis->pixelToCoord(pos.x())));
    *row = static_cast<int>(std::lround(plot_->yAxis->pixelToCoord(pos.y())));
    return *row >= 0 && *col >= 0 && *row < data_.rows && *col < data_.cols;
}

void HeatmapPlot::clear() {
    data_ = HeatmapData{};
    rebuild();
}

void HeatmapPlot::set_data(const HeatmapData& data) {
    data_ = data;
    rebuild();
}

void HeatmapPlot::set_presentation(bool on) {
    presentation_ = on;
    rebuild();
}

void HeatmapPlot::set_marked(const std::vector<std::pair<int, int>>& cells) {
    marked_ = cells;
    rebuild();
}

void HeatmapPlot::rebuild() {
    style_plot(plot_, presentation_);
    plot_->clearItems();
    const QColor fg = colors::plot_foreground();
    scale_->axis()->setBasePen(QPen(fg));
    scale_->axis()->setTickLabelColor(fg);
    scale_->axis()->setLabelColor(fg);
    scale_->axis()->setTickLabelFont(plot_->xAxis->tickLabelFont());
    scale_->axis()->setLabelFont(plot_->xAxis->labelFont());
    const int R = data_.rows, C = data_.cols;
    // Without data the map's one placeholder cell would be drawn: no map at all instead.
    map_->setVisible(R > 0 && C > 0);
    map_->data()->setSize(std::max(C, 1), std::max(R, 1));
    map_->data()->setRange(QCPRange(0, std::max(C - 1, 0)), QCPRange(0, std::max(R - 1, 0)));
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c) {
            auto v = value(r, c);
            double shown = qQNaN();
            if (v && std::isfinite(*v) && (!data_.log_colour || *v > 0)) {
                shown = data_.log_colour ? std::log10(*v) : *v;
                lo = std::min(lo, shown);
                hi = std::max(hi, shown);
            }
            map_->data()->setCell(c, r, shown);
            map_->data()->setAlpha(c, r, std::isnan(shown) ? 0 : 255);
        }
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    if (data_.lo) lo = data_.log_colour ? std::log10(*data_.lo) : *data_.lo;
    if (data_.hi) hi = data_.log_colour ? std::log10(*data_.hi) : *data_.hi;
    if (data_.map == colors::Map::Diverging && !data_.lo && !data_.hi) {
        const double m = std::max(std::abs(lo), std::abs(hi));  // centred at 0
        lo = -m;
        hi = m;
    }
    if (hi <= lo) hi = lo + 1e-12;
    map_->setGradient(colors::gradient(data_.map));
    map_->setDataRange(QCPRange(lo, hi));
    scale_->axis()->setLabel(data_.log_colour ? QStringLiteral("log₁₀ ") + data_.value_title
                                              : data_.value_title);
    auto labelled = [](const QStringList& labels, int n) {
        QSharedPointer<QCPAxisTickerText> t(new QCPAxisTickerText);
        const int step = std::max(1, n / 24);  // at most ~24 labels; the tooltip names every cell
        for (int i = 0; i < n; i += step)
            t->addTick(i, i < labels.size() ? labels[i] : QString::number(i));
        return t;
    };
    plot_->xAxis->setTicker(labelled(data_.col_labels, C));
    plot_->yAxis->setTicker(labelled(data_.row_labels, R));
    plot_->xAxis->setTickLabelRotation(C > 8 ? 60 : 0);
    plot_->xAxis->setLabel(data_.col_title);
    plot_->yAxis->setLabel(data_.row_title);
    plot_->xAxis->setRange(-0.5, std::max(C, 1) - 0.5);
    plot_->yAxis->setRange(-0.5, std::max(R, 1) - 0.5);
    for (const auto& [r, c] : marked_) {
        if (r < 0 || c < -1 || r >= R || c >= C) continue;
        auto* box = new QCPItemRect(plot_);
        box->setObjectName(QStringLiteral("marked"));
        box->topLeft->setCoords(c < 0 ? -0.5 : c - 0.5, r - 0.5);
        box->bottomRight->setCoords(c < 0 ? C - 0.5 : c + 0.5, r + 0.5);
        box->setPen(QPen(fg, presentation_ ? 3 : 2));
    }
    plot_->replot();
}

}  // namespace es::widgets
