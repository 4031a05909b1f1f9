#include "checkpoint_view.h"

#include <qcustomplot.h>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QToolTip>
#include <QVBoxLayout>
#include <cmath>

#include "colormaps.h"
#include "plot_style.h"

namespace es::widgets {

CheckpointView::CheckpointView(QWidget* parent)
    : ResultViewOf(QStringLiteral("checkpoints"), tr("Checkpoints"), parent) {
    matrix_ = new QComboBox(this);
    matrix_->setObjectName(QStringLiteral("matrix"));
    matrix_->setMinimumContentsLength(12);
    matrix_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    side_ = new QComboBox(this);
    side_->addItem(tr("right subspace"), false);
    side_->addItem(tr("left subspace"), true);
    top_ = new QSpinBox(this);
    top_->setRange(1, 256);
    top_->setValue(8);
    top_->setPrefix(tr("top "));
    add_controls({matrix_, side_, top_});
    declare_setting(
        {QStringLiteral("matrix"),
         SettingSpec::Type::Text,
         QString(),
         {},
         0,
         0,
         QStringLiteral("the matrix followed: a weight or head circuit name (default "
                        "blocks.0.attn.OV[0])")},
        [this] { return QJsonValue(matrix()); },
        [this](const QJsonValue& v) { set_matrix(v.toString()); });
    bind_setting(QStringLiteral("top"), top_,
                 QStringLiteral("rank of the subspace compared between checkpoints"));
    declare_setting(
        {QStringLiteral("left"),
         SettingSpec::Type::Bool,
         false,
         {},
         0,
         0,
         QStringLiteral("follow the left singular subspace instead of the right")},
        [this] { return QJsonValue(left_side()); },
        [this](const QJsonValue& v) { side_->setCurrentIndex(v.toBool() ? 1 : 0); });
    plot_ = make_plot(QStringLiteral("checkpointPlot"), {260, 180});
    plot_->plotLayout()->clear();
    sv_rect_ = new QCPAxisRect(plot_);
    angle_rect_ = new QCPAxisRect(plot_);
    plot_->plotLayout()->addElement(0, 0, sv_rect_);
    plot_->plotLayout()->addElement(1, 0, angle_rect_);
    auto* margins = new QCPMarginGroup(plot_);
    sv_rect_->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
    angle_rect_->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
    plot_->legend = inset_legend(angle_rect_, Qt::AlignBottom | Qt::AlignRight);
    column()->addWidget(plot_, 1);
    connect(matrix_, &QComboBox::currentIndexChanged, this, [this] {
        if (matrix_->currentIndex() >= 0) wanted_matrix_ = matrix_->currentText();
        emit options_changed();
    });
    connect(side_, &QComboBox::currentIndexChanged, this, [this] { emit options_changed(); });
    connect(top_, &QSpinBox::valueChanged, this, [this] { emit options_changed(); });
    connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        if (!result_ || result_->steps.empty()) return;
        QCPAxis* x = sv_rect_->axis(QCPAxis::atBottom);
        const double key = x->pixelToCoord(e->pos().x());
        std::size_t best = 0;
        for (std::size_t i = 0; i < result_->steps.size(); ++i)
            if (std::abs(double(result_->steps[i]) - key) <
                std::abs(double(result_->steps[best]) - key))
                best = i;
        QString tip = tr("<b>step %1</b><br>σ: ").arg(result_->steps[best]);
        for (double s : result_->singular_values[best])
            tip += QString::number(s, 'g', 4) + QStringLiteral(" ");
        auto fmt = [](double v) {
            return std::isfinite(v) ? QString::number(v, 'f', 3) : QStringLiteral("–");
        };
        tip += tr("<br>overlap with previous %1, with final %2")
                   .arg(fmt(result_->overlap_prev[best]), fmt(result_->overlap_final[best]));
        QToolTip::showText(e->globalPosition().toPoint(), tip, plot_);
    });
    style_plot(plot_, false);
    show_empty(tr(
        "Open a folder of checkpoints (File ▸ Open Folder) to follow a matrix through training."));
}

QString CheckpointView::matrix() const {
    return matrix_->currentText();
}
int CheckpointView::top() const {
    return top_->value();
}
bool CheckpointView::left_side() const {
    return side_->currentData().toBool();
}

void CheckpointView::set_matrix(const QString& m) {
    wanted_matrix_ = m;
    const int i = matrix_->findText(m);
    if (i >= 0) matrix_->setCurrentIndex(i);
}

void CheckpointView::set_sources(const QStringList& matrices) {
    const QString keep = wanted_matrix_;
    const QSignalBlocker block(matrix_);
    matrix_->clear();
    matrix_->addItems(matrices);
    int i = matrix_->findText(keep);
    if (i < 0) i = matrix_->findText(QStringLiteral("blocks.0.attn.OV[0]"));
    matrix_->setCurrentIndex(std::max(0, i));
    if (!matrices.isEmpty()) emit options_changed();
}

void CheckpointView::set_result(const analysis::CheckpointSeriesResult& r) {
    take_result(r, tr("%1 steps, %2 subspace of rank %3")
                       .arg(r.steps.size())
                       .arg(QString::fromStdString(r.side))
                       .arg(r.k));
}

void CheckpointView::rebuild() {
    plot_->clearGraphs();
    style_plot(plot_, presentation_);
    const PlotStyle st = plot_style(presentation_);
    QCPAxis* sx = sv_rect_->axis(QCPAxis::atBottom);
    QCPAxis* sy = sv_rect_->axis(QCPAxis::atLeft);
    QCPAxis* ax = angle_rect_->axis(QCPAxis::atBottom);
    QCPAxis* ay = angle_rect_->axis(QCPAxis::atLeft);
    sy->setLabel(tr("singular value σ"));
    ax->setLabel(tr("training step"));
    ay->setLabel(tr("subspace overlap (mean cos²)"));
    if (!result_ || result_->steps.empty()) {
        plot_->replot();
        return;
    }
    const auto& r = *result_;
    QVector<double> steps;
    for (long long s : r.steps) steps << double(s);
    std::size_t k = 0;
    for (const auto& sv : r.singular_values) k = std::max(k, sv.size());
    double top = 0;
    for (std::size_t i = 0; i < k; ++i) {
        QVector<double> y;
        for (const auto& sv : r.singular_values) y << (i < sv.size() ? sv[i] : qQNaN());
        QCPGraph* g = plot_->addGraph(sx, sy);
        g->setData(steps, y, true);
        g->setPen(QPen(
            colors::sample(colors::Map::Viridis, k > 1 ? 0.85 * double(i) / double(k - 1) : 0.0),
            st.line_width));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, st.line_width * 2.5));
        g->setName(tr("σ%1").arg(i + 1));
        g->removeFromLegend();
        for (double v : y)
            if (std::isfinite(v)) top = std::max(top, v);
    }
    auto overlap = [&](const std::vector<double>& v, int colour, const QString& name) {
        QVector<double> y;
        for (double x : v) y << (std::isfinite(x) ? x : qQNaN());
        QCPGraph* g = plot_->addGraph(ax, ay);
        g->setData(steps, y, true);
        g->setPen(QPen(colors::categorical(colour), st.line_width * 1.3));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, st.line_width * 3));
        g->setName(name);
    };
    overlap(r.overlap_prev, 1, tr("with the previous step"));
    overlap(r.overlap_final, 2, tr("with the final step"));
    const double span = std::max(1.0, steps.last() - steps.first());
    for (QCPAxis* x : {sx, ax})
        x->setRange(steps.first() - 0.04 * span, steps.last() + 0.04 * span);
    sy->setRange(0, top * 1.1 + 1e-12);
    ay->setRange(0, 1.05);
    plot_->replot();
}

}  // namespace es::widgets
