#include "heatmap_plot.h"

#include <qcustomplot.h>
#include <QToolTip>
#include <QVBoxLayout>
#include <QtMath>
#include <algorithm>
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
    x_ticks_.reset(new QCPAxisTickerText);
    y_ticks_.reset(new QCPAxisTickerText);
    plot_->xAxis->setTicker(x_ticks_);
    plot_->yAxis->setTicker(y_ticks_);
    // Every layout (a replot, a resize, an export at another size) checks the label steps against
    // the axis rect it has just laid out.
    connect(plot_, &QCustomPlot::afterLayout, this, [this] { thin_labels(); });
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

int HeatmapPlot::fitting_label_step(Qt::Orientation o) const {
    const bool horizontal = o == Qt::Horizontal;
    const int n = horizontal ? data_.cols : data_.rows;
    const QRect r = plot_->axisRect()->rect();
    const int pixels = horizontal ? r.width() : r.height();
    if (n <= 1 || pixels <= 0) return 1;
    const QCPAxis* axis = horizontal ? plot_->xAxis : plot_->yAxis;
    const QFontMetricsF fm(axis->tickLabelFont());
    constexpr double kGap = 2;         // pixels between neighbouring labels
    double need = fm.height() + kGap;  // rows: one line of text each
    const double angle = qDegreesToRadians(std::abs(axis->tickLabelRotation()));
    if (horizontal && angle > 0.05) {
        need /= std::sin(angle);  // parallel slanted labels s apart are s * sin(angle) apart
    } else if (horizontal) {
        const QStringList& labels = data_.col_labels;
        double widest = fm.horizontalAdvance(QString::number(n - 1));
        for (const QString& l : labels) widest = std::max(widest, fm.horizontalAdvance(l));
        need = widest + 2 * kGap;
    }
    const double cell = static_cast<double>(pixels) / n;
    return std::clamp(static_cast<int>(std::ceil(need / cell - 1e-9)), 1, n);
}

void HeatmapPlot::set_label_steps(int x_step, int y_step) {
    x_step_ = x_step;
    y_step_ = y_step;
    auto fill = [](QCPAxisTickerText& t, const QStringList& labels, int n, int step) {
        t.clear();
        for (int i = 0; i < n; i += step)
            t.addTick(i, i < labels.size() ? labels[i] : QString::number(i));
    };
    fill(*x_ticks_, data_.col_labels, data_.cols, x_step);
    fill(*y_ticks_, data_.row_labels, data_.rows, y_step);
}

void HeatmapPlot::thin_labels() {
    // The ticks of this layout were made before it, for the previous axis rect: when the rect
    // needs other steps, take them and lay out again (twice at most: the margins follow the
    // labels, the steps the margins) before anything is drawn.
    for (int pass = 0; pass < 2; ++pass) {
        const int xs = fitting_label_step(Qt::Horizontal), ys = fitting_label_step(Qt::Vertical);
        if (xs == x_step_ && ys == y_step_) return;
        set_label_steps(xs, ys);
        QCPLayout* layout = plot_->plotLayout();
        layout->update(QCPLayoutElement::upPreparation);
        layout->update(QCPLayoutElement::upMargins);
        layout->update(QCPLayoutElement::upLayout);
    }
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
    // Views mark the selection on every rebuild of their own: the cells are left alone (the
    // spectrogram's 33 x 1024 cells were filled twice for each spectrum delivered, and again at
    // each layer step).
    if (cells == marked_) return;
    marked_ = cells;
    draw_marks();
    replot_soon(plot_);
}

void HeatmapPlot::draw_marks() {
    for (int i = plot_->itemCount() - 1; i >= 0; --i)
        if (plot_->item(i)->objectName() == QLatin1String("marked")) plot_->removeItem(i);
    const QColor fg = colors::plot_foreground();
    const int R = data_.rows, C = data_.cols;
    for (const auto& [r, c] : marked_) {
        if (r < 0 || c < -1 || r >= R || c >= C) continue;
        auto* box = new QCPItemRect(plot_);
        box->setObjectName(QStringLiteral("marked"));
        box->topLeft->setCoords(c < 0 ? -0.5 : c - 0.5, r - 0.5);
        box->bottomRight->setCoords(c < 0 ? C - 0.5 : c + 0.5, r + 0.5);
        box->setPen(QPen(fg, presentation_ ? 3 : 2));
    }
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
    const auto is_faint = [&](int r, int c) {
        return data_.faint.size() == static_cast<std::size_t>(R) * static_cast<std::size_t>(C) &&
               data_.faint[static_cast<std::size_t>(r) * static_cast<std::size_t>(C) +
                           static_cast<std::size_t>(c)];
    };
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
            const bool faint = is_faint(r, c);
            map_->data()->setAlpha(c, r, std::isnan(shown) ? 0 : faint ? 110 : 255);
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
    plot_->xAxis->setTickLabelRotation(C > 8 ? 60 : 0);
    // Steps for the axis rect as it is now; the layout of the replot corrects them.
    set_label_steps(fitting_label_step(Qt::Horizontal), fitting_label_step(Qt::Vertical));
    plot_->xAxis->setLabel(data_.col_title);
    plot_->yAxis->setLabel(data_.row_title);
    plot_->xAxis->setRange(-0.5, std::max(C, 1) - 0.5);
    plot_->yAxis->setRange(-0.5, std::max(R, 1) - 0.5);
    // Faint cells also hatched, so that they read as estimates in print and for colour-blind
    // readers too: one item per run of faint cells in a row.
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C;) {
            if (!is_faint(r, c)) {
                ++c;
                continue;
            }
            const int c0 = c;
            while (c < C && is_faint(r, c)) ++c;
            auto* hatch = new QCPItemRect(plot_);
            hatch->setObjectName(QStringLiteral("faint"));
            hatch->topLeft->setCoords(c0 - 0.5, r - 0.5);
            hatch->bottomRight->setCoords(c - 0.5, r + 0.5);
            hatch->setPen(Qt::NoPen);
            QColor ink = fg;
            ink.setAlpha(90);
            hatch->setBrush(QBrush(ink, Qt::BDiagPattern));
        }
    draw_marks();
    replot_soon(plot_);
}

}  // namespace es::widgets
