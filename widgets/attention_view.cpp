#include "attention_view.h"

#include <qcustomplot.h>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>

namespace es::widgets {

AttentionView::AttentionView(QWidget* parent)
    : ResultViewOf(QStringLiteral("attention"), tr("Attention"), parent) {
    add_status_line();
    heatmap_ = new HeatmapPlot(this);
    heatmap_->setObjectName(QStringLiteral("attentionHeatmap"));
    column()->addWidget(heatmap_, 1);
    connect(heatmap_, &HeatmapPlot::cell_clicked, this, [this](int row, int) {
        if (result_ && selection_model())
            selection_model()->select_token(static_cast<int>(result_->prompt * result_->positions) +
                                            row);
    });
    show_empty(tr("Open a dump with attention patterns to see them."));
    declare_setting(
        {QStringLiteral("mask_causal"),
         SettingSpec::Type::Bool,
         true,
         {},
         0,
         0,
         QStringLiteral("leave the entries above the diagonal (future keys) blank")},
        [this] { return QJsonValue(mask_causal_); },
        [this](const QJsonValue& v) { set_mask_causal(v.toBool(true)); });
}

void AttentionView::set_presentation(bool on) {
    View::set_presentation(on);
    heatmap_->set_presentation(on);
}

void AttentionView::set_dims(int n_layers, int n_heads, int n_positions) {
    n_layers_ = n_layers;
    n_heads_ = n_heads;
    n_positions_ = n_positions;
}

std::pair<int, int> AttentionView::head_for(const Selection& s) const {
    // The block follows the layer slider (state l+1 is block l's output; state 0, the embedding,
    // shows block 0), the head within it follows the head picker.
    const int block = std::clamp(s.layer - 1, 0, std::max(0, n_layers_ - 1));
    if (s.heads.isEmpty() || n_heads_ <= 0) return {block, 0};
    return {block, std::max(s.heads.last(), 0) % n_heads_};
}

void AttentionView::set_mask_causal(bool on) {
    mask_causal_ = on;
    rebuild();
}

void AttentionView::set_result(const analysis::AttentionResult& pattern) {
    take_result(pattern, tr("layer %1, head %2, prompt %3")
                             .arg(pattern.layer)
                             .arg(pattern.head)
                             .arg(pattern.prompt));
}

void AttentionView::on_selection(const Selection& selection) {
    const bool wanted = !have_selection_ || head_for(selection) != head_for(selection_) ||
                        selection.prompt != selection_.prompt;
    const bool tokens = selection.tokens != selection_.tokens;
    selection_ = selection;
    have_selection_ = true;
    if (wanted) emit wanted_changed();
    if (tokens && !wanted) rebuild();
}

void AttentionView::rebuild() {
    if (!result_) {
        heatmap_->clear();
        return;
    }
    const analysis::AttentionResult& p = *result_;
    const int n = static_cast<int>(p.positions);
    HeatmapData d;
    d.rows = d.cols = n;
    d.values.assign(p.positions * p.positions, std::nullopt);
    for (int q = 0; q < n; ++q)
        for (int k = 0; k < n; ++k) {
            if (mask_causal_ && k > q) continue;  // masked: 0 in the data, shown blank
            const auto i = static_cast<std::size_t>(q * n + k);
            if (i < p.values.size()) d.values[i] = double(p.values[i]);
        }
    for (int i = 0; i < n; ++i) {
        const QString t =
            QString::fromStdString(analysis::token_label_of(p, static_cast<std::size_t>(i)));
        d.row_labels << QStringLiteral("%1 %2").arg(i).arg(t.left(12));
        d.col_labels << QStringLiteral("%1 %2").arg(i).arg(t.left(12));
    }
    d.row_title = tr("query token");
    d.col_title = tr("key token");
    d.value_title = tr("attention");
    d.map = colors::Map::Viridis;
    d.lo = 0.0;
    d.hi = 1.0;
    heatmap_->set_data(d);
    // Title: which head and prompt; outline the selected query token's row when it is in this
    // prompt.
    QCustomPlot* plot = heatmap_->plot();
    if (plot->plotLayout()->rowCount() < 2 ||
        !qobject_cast<QCPTextElement*>(plot->plotLayout()->element(0, 0))) {
        plot->plotLayout()->insertRow(0);
        plot->plotLayout()->addElement(0, 0, new QCPTextElement(plot, QString()));
    }
    auto* title = qobject_cast<QCPTextElement*>(plot->plotLayout()->element(0, 0));
    title->setObjectName(QStringLiteral("title"));
    title->setText(tr("layer %1, head %2 · prompt %3").arg(p.layer).arg(p.head).arg(p.prompt));
    QFont f = plot->xAxis->labelFont();
    f.setBold(true);
    title->setFont(f);
    title->setTextColor(colors::plot_foreground());
    std::vector<std::pair<int, int>> marks;
    for (int t : selection_.tokens)
        if (n > 0 && t / n == static_cast<int>(p.prompt)) marks.push_back({t % n, -1});
    heatmap_->set_marked(marks);
}

}  // namespace es::widgets
