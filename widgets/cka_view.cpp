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

std::vector<unsigned char> CkaView::estimated_cells(const analysis::CkaResult& r) const {
    if (!estimate_ || r.computed.empty()) return {};
    const analysis::CkaResult& e = *estimate_;
    // Only an estimate of this very matrix (same files, stream and layers) stands in.
    const bool same = e.file == r.file && e.other_file == r.other_file && e.stream == r.stream &&
                      e.layers == r.layers && e.other_layers == r.other_layers &&
                      e.matrix.size() == r.matrix.size();
    if (!same) return {};
    std::vector<unsigned char> cells(r.computed.size(), 0);
    for (std::size_t i = 0; i < r.matrix.size(); ++i) {
        const std::size_t cols = r.matrix[i].size();
        for (std::size_t j = 0; j < cols && j < e.matrix[i].size(); ++j)
            cells[i * cols + j] = !r.computed[i * cols + j] && e.matrix[i][j].has_value();
    }
    return cells;
}

bool CkaView::shows_estimate(int row, int col) const {
    if (!result_ || estimated_.empty() || row < 0 || col < 0 ||
        static_cast<std::size_t>(row) >= result_->matrix.size())
        return false;
    const std::size_t i = static_cast<std::size_t>(row), j = static_cast<std::size_t>(col),
                      cols = result_->matrix[i].size();
    return j < cols && estimated_[i * cols + j] != 0;
}

void CkaView::set_result(const analysis::CkaResult& r) {
    if (r.preview_tokens) {
        estimate_ = r;
        estimated_.clear();  // hatched all over (rebuild), but no exact cell to stand in for
        take_result(r, tr("partial: an estimate from %1 tokens; the exact matrix follows (not "
                          "exported until complete)")
                           .arg(r.preview_tokens));
        return;
    }
    if (!r.computed.empty()) {
        // Before take_result: it redraws, and the status names the estimate only when it stands
        // in for the rest.
        estimated_ = estimated_cells(r);
        // Short enough not to be cut at the dock's edge in the default layout.
        const QString rest =
            !estimated_.empty()
                ? tr("hatched: an estimate from %1 tokens").arg(estimate_->preview_tokens)
                : tr("the empty cells follow");
        take_result(r, tr("partial: %1 of %2 layer pairs exact; %3 (not exported until complete)")
                           .arg(r.pairs_done)
                           .arg(r.pairs_total)
                           .arg(rest));
        return;
    }
    estimate_.reset();
    estimated_.clear();
    take_result(r, tr("%1 tokens%2")
                       .arg(r.tokens)
                       .arg(r.excluded_tokens ? tr(", %1 excluded (NaN/Inf)").arg(r.excluded_tokens)
                                              : QString()));
}

void CkaView::clear_result() {
    estimated_.clear();
    ResultViewOf::clear_result();
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
    // An estimate alone is hatched all over: the exact pairs, when they come, stand out solid.
    if (r.preview_tokens) d.faint.assign(d.values.size(), 1);
    if (!estimated_.empty() && estimated_.size() == d.values.size()) {
        d.faint = estimated_;
        for (int i = 0; i < d.rows; ++i)
            for (int j = 0; j < d.cols; ++j) {
                const auto k = static_cast<std::size_t>(i * d.cols + j);
                if (estimated_[k])
                    d.values[k] =
                        estimate_->matrix[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
            }
    }
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
