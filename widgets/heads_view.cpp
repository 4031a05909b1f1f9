#include "heads_view.h"

#include <qcustomplot.h>
#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardItemModel>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "angles_view.h"
#include "plot_style.h"

namespace es::widgets {

namespace {
bool signed_metric(const QString& m) {
    return m.endsWith(QLatin1String("cosine")) || m == QLatin1String("pattern_corr");
}
}  // namespace

HeadsView::HeadsView(QWidget* parent) : ResultViewOf(QStringLiteral("heads"), tr("Heads"), parent) {
    metric_ = new QComboBox(this);
    metric_->setObjectName(QStringLiteral("metric"));
    metric_->setMinimumContentsLength(12);
    metric_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    const std::pair<const char*, const char*> metrics[] = {
        {"qk_cosine", "QK circuit cosine"},
        {"ov_cosine", "OV circuit cosine"},
        {"subspace_overlap", "OV write-subspace overlap"},
        {"ov_read_overlap", "OV read-subspace overlap"},
        {"qk_query_overlap", "QK query-side overlap"},
        {"qk_key_overlap", "QK key-side overlap"},
        {"pattern_corr", "attention-pattern correlation"}};
    for (const auto& [id, label] : metrics) metric_->addItem(tr(label), QString::fromLatin1(id));
    all_layers_ = new QCheckBox(tr("all layers"), this);
    all_layers_->setObjectName(QStringLiteral("allLayers"));
    clustered_ = new QCheckBox(tr("clustered order"), this);
    clustered_->setObjectName(QStringLiteral("clustered"));
    clustered_->setChecked(true);
    rank_ = new QSpinBox(this);
    rank_->setRange(1, 512);
    rank_->setValue(8);
    rank_->setPrefix(tr("rank "));
    rank_->setToolTip(tr("Dimension of the head subspaces compared by the overlap metrics"));
    // The four controls fill a 560 px dock: the status ("block 2, 4 heads · click a cell ...")
    // had 40 px at the row's end, cut to nothing.
    add_controls({metric_, rank_, all_layers_, clustered_}, false);
    add_status_line();
    QStringList metric_names;
    for (const auto& m : metrics) metric_names << QString::fromLatin1(m.first);
    bind_setting(
        QStringLiteral("metric"), metric_, metric_names,
        QStringLiteral("how two heads are compared (pattern_corr needs attention patterns)"));
    bind_setting(QStringLiteral("all_layers"), all_layers_,
                 QStringLiteral("compare the heads of every layer, not one block's"));
    bind_setting(QStringLiteral("clustered"), clustered_,
                 QStringLiteral("order heads by average-linkage clustering"));
    bind_setting(QStringLiteral("rank"), rank_,
                 QStringLiteral("dimension of the subspaces the overlap metrics compare"));
    split_ = new QSplitter(Qt::Vertical, this);
    heatmap_ = new HeatmapPlot(split_);
    angles_ = make_plot(QStringLiteral("anglesPlot"), {0, 70}, split_);
    split_->addWidget(heatmap_);
    split_->addWidget(angles_);
    split_->setStretchFactor(0, 4);
    split_->setStretchFactor(1, 1);
    // The angles panel comes when a pair is chosen: empty, it was a strip of cramped axes
    // under the matrix (a fifth of a 290 px dock).
    angles_->hide();
    column()->addWidget(split_, 1);

    connect(metric_, &QComboBox::currentIndexChanged, this, [this] {
        rank_->setEnabled(metric().contains(QLatin1String("overlap")));
        emit options_changed();
    });
    connect(rank_, &QSpinBox::valueChanged, this, [this] { emit options_changed(); });
    connect(all_layers_, &QCheckBox::toggled, this, [this] { emit options_changed(); });
    connect(clustered_, &QCheckBox::toggled, this, [this] { rebuild(); });
    connect(heatmap_, &HeatmapPlot::cell_clicked, this, [this](int row, int col) {
        if (!result_) return;
        const auto& order = result_->order;
        const bool cl = clustered_->isChecked() && order.size() == result_->n();
        const int i = cl ? static_cast<int>(order[static_cast<std::size_t>(row)]) : row;
        const int j = cl ? static_cast<int>(order[static_cast<std::size_t>(col)]) : col;
        // Flat head indices l*H+h: one layer's matrix is offset by its block.
        const int base = result_->layer ? static_cast<int>(*result_->layer) * n_heads_ : 0;
        if (selection_model()) selection_model()->set_heads({base + i, base + j});
        emit pair_chosen(base + i, base + j);
    });
    rank_->setEnabled(false);
    style_plot(angles_, false);
    show_empty(tr("Open a dump with attention weights to compare its heads."));
}

void HeadsView::resizeEvent(QResizeEvent* event) {
    ResultViewOf::resizeEvent(event);
    // The chosen pair's angles beside the matrix in a wide dock (the tabs under the trajectory:
    // 560 x 290), under it in a tall one: stacked in the wide one they had 80 px.
    split_->setOrientation(width() > height() * 5 / 4 ? Qt::Horizontal : Qt::Vertical);
}

QString HeadsView::metric() const {
    return metric_->currentData().toString();
}
bool HeadsView::all_layers() const {
    return all_layers_->isChecked();
}
bool HeadsView::clustered() const {
    return clustered_->isChecked();
}
int HeadsView::rank() const {
    return rank_->value();
}
void HeadsView::set_metric(const QString& m) {
    const int i = metric_->findData(m);
    if (i >= 0) metric_->setCurrentIndex(i);
}
void HeadsView::set_all_layers(bool on) {
    all_layers_->setChecked(on);
}
void HeadsView::set_clustered(bool on) {
    clustered_->setChecked(on);
}

void HeadsView::set_model(int n_layers, int n_heads, bool has_patterns) {
    n_layers_ = n_layers;
    n_heads_ = n_heads;
    const int i = metric_->findData(QStringLiteral("pattern_corr"));
    if (auto* model = qobject_cast<QStandardItemModel*>(metric_->model()); model && i >= 0)
        model->item(i)->setEnabled(has_patterns);
    block_ = block_for_state(selection_.layer);
}

int HeadsView::block_for_state(int state) const {
    // For the residual stream state l+1 is block l's output; state 0 (the embedding) shows block 0.
    return std::clamp(state - 1, 0, std::max(0, n_layers_ - 1));
}

void HeadsView::set_presentation(bool on) {
    View::set_presentation(on);
    heatmap_->set_presentation(on);
    draw_angles();
    angles_->replot();
}

void HeadsView::on_selection(const Selection& selection) {
    const int block = block_for_state(selection.layer);
    const bool block_changed = block != block_;
    selection_ = selection;
    block_ = block;
    if (block_changed && !all_layers()) emit options_changed();
}

void HeadsView::set_result(const analysis::HeadSimilarityResult& r) {
    status_base_ = r.layer ? tr("block %1, %2 heads").arg(*r.layer).arg(r.n())
                           : tr("%1 heads in all layers").arg(r.n());
    take_result(r, status_text());
    // The chosen pair's angles follow the matrix: another metric may compare another circuit
    // or side, so they are asked for again (the panel keeps the old ones until they come).
    const QList<int>& heads = selection_.heads;
    if (angles_result_ && heads.size() == 2 &&
        pair_spec(heads[0]).toStdString() != angles_result_->a)
        emit pair_chosen(heads[0], heads[1]);
}

void HeadsView::rebuild() {
    if (!result_) {
        heatmap_->clear();
        return;
    }
    const auto& r = *result_;
    const std::size_t n = r.n();
    const bool cl = clustered_->isChecked() && r.order.size() == n;
    HeatmapData d;
    d.rows = d.cols = static_cast<int>(n);
    d.values.resize(n * n);
    for (std::size_t a = 0; a < n; ++a) {
        const std::size_t i = cl ? r.order[a] : a;
        d.row_labels << QString::fromStdString(r.heads[i]);
        for (std::size_t b = 0; b < n; ++b) {
            const std::size_t j = cl ? r.order[b] : b;
            const double v = r.matrix[i * n + j];
            if (std::isfinite(v)) d.values[a * n + b] = v;
        }
    }
    d.col_labels = d.row_labels;
    d.row_title = d.col_title = tr("head");
    // Title from the result, not the combo: the combo may already ask for the next metric.
    const int mi = metric_->findData(QString::fromStdString(r.metric));
    d.value_title = mi >= 0 ? metric_->itemText(mi) : QString::fromStdString(r.metric);
    const bool s = signed_metric(QString::fromStdString(r.metric));
    d.map = s ? colors::Map::Diverging : colors::Map::Viridis;
    d.lo = s ? -1.0 : 0.0;
    d.hi = 1.0;
    heatmap_->set_data(d);
}

QString HeadsView::pair_spec(int flat_head) const {
    // The result's metric and rank (the combo may already ask for the next matrix).
    const QString m = result_ ? QString::fromStdString(result_->metric) : metric();
    const int r = result_ && result_->rank ? static_cast<int>(result_->rank) : rank();
    const bool qk = m.startsWith(QLatin1String("qk_")) || m == QLatin1String("pattern_corr");
    const bool left =
        m == QLatin1String("qk_query_overlap") || m == QLatin1String("ov_read_overlap");
    const int h = std::max(1, n_heads_);
    return QStringLiteral("blocks.%1.attn.%2[%3]:%4:0-%5")
        .arg(flat_head / h)
        .arg(qk ? QStringLiteral("QK") : QStringLiteral("OV"))
        .arg(flat_head % h)
        .arg(left ? QStringLiteral("left") : QStringLiteral("right"))
        .arg(r);
}

void HeadsView::set_angles(const analysis::SubspaceAnglesResult& a) {
    angles_result_ = a;
    draw_angles();
    if (angles_->isHidden()) {
        angles_->show();
        const int length =
            split_->orientation() == Qt::Vertical ? split_->height() : split_->width();
        if (length > 0) split_->setSizes({length * 11 / 20, length - length * 11 / 20});
    }
    show_pair_message({});
    angles_->replot();
}

void HeadsView::clear_result() {
    // The pair's angles were of the matrix forgotten (another dump, or none): gone with it.
    angles_result_.reset();
    draw_angles();
    angles_->hide();
    status_pair_.clear();
    ResultViewOf::clear_result();
}

void HeadsView::show_pair_message(const QString& message) {
    status_pair_ = message;
    if (status() && result_) status()->setText(status_text());
}

QString HeadsView::status_text() const {
    // Until a pair is shown (or asked for) the status says how to get one.
    const QString pair = !status_pair_.isEmpty() ? status_pair_
                         : angles_->isHidden()
                             ? tr("click a cell for the two heads' principal angles")
                             : QString();
    return pair.isEmpty() ? status_base_ : status_base_ + QStringLiteral(" · ") + pair;
}

void HeadsView::draw_angles() {
    angles_->clearPlottables();
    angles_->clearItems();
    style_plot(angles_, presentation_);
    set_plot_heading(angles_,
                     angles_result_ ? AnglesView::heading_of(*angles_result_) : QStringList(),
                     presentation_);
    if (!angles_result_) return;
    angle_bars(angles_, angles_result_->angles_deg, 0.7);
    angles_->xAxis->setLabel(tr("principal angle index"));
    angles_->yAxis->setLabel(tr("angle (degrees)"));
}

}  // namespace es::widgets
