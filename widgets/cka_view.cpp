#include "cka_view.h"

#include <QFileInfo>
#include <QLabel>
#include <QVBoxLayout>

namespace es::widgets {

CkaView::CkaView(QWidget* parent) : ResultViewOf(QStringLiteral("cka"), tr("CKA"), parent) {
    add_status_line();
    heatmap_ = new HeatmapPlot(this);
    column()->addWidget(heatmap_, 1);
    connect(heatmap_, &HeatmapPlot::cell_clicked, this, [this](int row, int) {
        if (selection_model()) selection_model()->set_layer(row);
    });
    show_empty(tr("Open a dump to compare its layers."));
}

void CkaView::set_presentation(bool on) {
    View::set_presentation(on);
    heatmap_->set_presentation(on);
}

QString CkaView::incomplete() const {
    if (!result_) return {};
    if (result_->preview_tokens)
        return tr("an estimate from %1 tokens").arg(result_->preview_tokens);
    if (!result_->computed.empty())
        return tr("%1 of %2 layer pairs computed so far")
            .arg(result_->pairs_done)
            .arg(result_->pairs_total);
    return {};
}

void CkaView::set_result(const analysis::CkaResult& r) {
    if (!r.computed.empty()) {
        take_result(r, tr("partial: %1 of %2 layer pairs computed (exact; the empty cells follow, "
                          "not exported until complete)")
                           .arg(r.pairs_done)
                           .arg(r.pairs_total));
        return;
    }
    if (r.preview_tokens) {
        take_result(r, tr("partial: an estimate from %1 tokens; the exact matrix follows (not "
                          "exported until complete)")
                           .arg(r.preview_tokens));
        return;
    }
    take_result(r, tr("%1 tokens%2")
                       .arg(r.tokens)
                       .arg(r.excluded_tokens ? tr(", %1 excluded (NaN/Inf)").arg(r.excluded_tokens)
                                              : QString()));
}

void CkaView::rebuild() {
    if (!result_) {
        heatmap_->clear();
        return;
    }
    const analysis::CkaResult& r = *result_;
    HeatmapData d;
    d.rows = static_cast<int>(r.matrix.size());
    d.cols = d.rows ? static_cast<int>(r.matrix.front().size()) : 0;
    for (const auto& row : r.matrix) d.values.insert(d.values.end(), row.begin(), row.end());
    for (int i = 0; i < d.rows; ++i) d.row_labels << QString::number(i);
    for (int j = 0; j < d.cols; ++j) d.col_labels << QString::number(j);
    const bool cross = !r.other_layers.empty();
    d.row_title = cross
                      ? tr("layer of %1").arg(QFileInfo(QString::fromStdString(r.file)).fileName())
                      : tr("layer");
    d.col_title =
        cross ? tr("layer of %1").arg(QFileInfo(QString::fromStdString(r.other_file)).fileName())
              : tr("layer");
    d.value_title = tr("CKA");
    d.lo = 0.0;
    d.hi = 1.0;
    heatmap_->set_data(d);
    update_marks();
}

void CkaView::on_selection(const Selection& selection) {
    selection_ = selection;
    update_marks();
}

void CkaView::update_marks() {
    if (!result_) return;
    const int l = selection_.layer;
    heatmap_->set_marked({{l, l}});
}

}  // namespace es::widgets
