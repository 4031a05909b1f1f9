#pragma once
// Attention view: the query x key attention pattern of one head (the first selected head, flat
// layer * n_heads + head; default L0H0) for the selected prompt, as a heatmap with the tokens on
// both axes. Entries above the diagonal are masked by the causal mask and drawn blank.
#include <QStringList>
#include <optional>
#include <vector>

#include "analysis/attention.h"
#include "heatmap_plot.h"
#include "result_view.h"

namespace es::widgets {

class AttentionView : public ResultViewOf<analysis::AttentionResult> {
    Q_OBJECT
public:
    explicit AttentionView(QWidget* parent = nullptr);
    void set_presentation(bool on) override;

    void set_result(const analysis::AttentionResult& pattern);
    // Model dimensions for reading the selection (heads are flat layer * n_heads + head).
    void set_dims(int n_layers, int n_heads, int n_positions);
    // The (block, head) shown for a selection: the block from the layer slider, the head from the
    // head picker.
    std::pair<int, int> head_for(const Selection& s) const;
    bool mask_causal() const { return mask_causal_; }
    void set_mask_causal(bool on);

    HeatmapPlot* heatmap() const { return heatmap_; }
    std::vector<QCustomPlot*> figure_plots(const QString&) override { return {heatmap_->plot()}; }

signals:
    void wanted_changed();  // the selected head or prompt changed: the app reads the pattern

protected:
    void on_selection(const Selection& selection) override;
    void rebuild() override;

private:
    HeatmapPlot* heatmap_ = nullptr;
    Selection selection_;
    bool have_selection_ = false;
    bool mask_causal_ = true;
    int n_layers_ = 0, n_heads_ = 0, n_positions_ = 0;
};

}  // namespace es::widgets
