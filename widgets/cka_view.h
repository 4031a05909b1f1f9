#pragma once
// CKA heatmap: linear CKA between every pair of layers of one dump, or between the layers of two
// dumps holding the same tokens (checkpoint A vs B, teacher vs student).
#include <optional>
#include <vector>

#include "analysis/cka.h"
#include "heatmap_plot.h"
#include "result_view.h"

namespace es::widgets {

class CkaView : public ResultViewOf<analysis::CkaResult> {
    Q_OBJECT
public:
    explicit CkaView(QWidget* parent = nullptr);
    void set_presentation(bool on) override;

    // A partial result (an estimate from a few tokens, or the pairs computed so far, exact) is
    // drawn marked as such and not exported (incomplete()). While pairs fill in after an
    // estimate of the same matrix, the pairs not computed yet show the estimate, faded and
    // hatched, so the picture never goes blank; the complete result replaces both.
    void set_result(const analysis::CkaResult& result);
    QString incomplete() const override;
    // Whether cell (row, col) shows the estimate rather than an exact value.
    bool shows_estimate(int row, int col) const;
    HeatmapPlot* heatmap() const { return heatmap_; }
    std::vector<QCustomPlot*> figure_plots(const QString&) override { return {heatmap_->plot()}; }

protected:
    void on_selection(const Selection& selection) override;
    void clear_result() override;  // the cells shown as estimated too
    void rebuild() override;

private:
    void update_marks();
    // Which cells of `partial` (row-major) the estimate stands in for: those not computed yet
    // that it has a value for; empty when it is not an estimate of this very matrix. Worked out
    // once per result, not per cell (the list comparisons made a redraw of 33 x 33 cells compare
    // the layer lists a thousand times).
    std::vector<unsigned char> estimated_cells(const analysis::CkaResult& partial) const;
    HeatmapPlot* heatmap_ = nullptr;
    // The estimate that came first, kept while exact pairs of the same matrix fill in.
    std::optional<analysis::CkaResult> estimate_;
    std::vector<unsigned char> estimated_;  // estimated_cells(*result_)
    Selection selection_;
};

}  // namespace es::widgets
