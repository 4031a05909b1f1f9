#pragma once
// Head-similarity heatmap: which heads are redundant. One layer's H x H matrix or every head
// against every head (LH x LH), metric selector, clustered or natural order; clicking a cell
// selects the two heads and shows the principal angles between their subspaces.
#include <optional>

#include "analysis/head_similarity.h"
#include "analysis/subspace_angles.h"
#include "heatmap_plot.h"
#include "result_view.h"

class QCheckBox;
class QComboBox;
class QSplitter;
class QCustomPlot;
class QSpinBox;

namespace es::widgets {

class HeadsView : public ResultViewOf<analysis::HeadSimilarityResult> {
    Q_OBJECT
public:
    explicit HeadsView(QWidget* parent = nullptr);
    void set_presentation(bool on) override;

    // What the feed should compute.
    QString metric() const;
    bool all_layers() const;
    bool clustered() const;
    int rank() const;
    void set_metric(const QString& metric);
    void set_all_layers(bool on);
    void set_clustered(bool on);
    // Heads per layer (for mapping a flat head index to its layer); set by the feed.
    void set_model(int n_layers, int n_heads, bool has_patterns);

    void set_result(const analysis::HeadSimilarityResult& result);
    void set_angles(const analysis::SubspaceAnglesResult& angles);
    // The subspace of a head (flat index l*H+h) that a chosen pair's angles compare, as the
    // metric of the matrix shown: an overlap metric's own circuit and side (so the angles'
    // mean cos² is the clicked cell), a cosine its circuit's right side, attention patterns
    // (which QK makes) QK's key side; the top `rank` directions.
    QString pair_spec(int flat_head) const;
    // What the chosen pair's request is doing or why it failed, after the matrix's own status
    // (the request is the view's second: its state must not hide or forget the matrix).
    void show_pair_message(const QString& message);

    HeatmapPlot* heatmap() const { return heatmap_; }
    QCustomPlot* angles_plot() const { return angles_; }
    std::vector<QCustomPlot*> figure_plots(const QString&) override {
        return {heatmap_->plot(), angles_};
    }
    // The block shown for a selected state (the block whose output the state is).
    int block_for_state(int state) const;
    int block() const { return block_; }

signals:
    void options_changed();                    // metric, layer mode or rank: recompute
    void pair_chosen(int head_a, int head_b);  // flat indices: the feed computes angles

protected:
    void resizeEvent(QResizeEvent* event) override;
    void on_selection(const Selection& selection) override;
    void rebuild() override;  // the matrix in the order chosen
    void clear_result() override;

private:
    void draw_angles();           // the chosen pair's angles, in the current style
    QString status_text() const;  // the matrix's status, then the pair's

    QSplitter* split_ = nullptr;  // the matrix above the chosen pair's angles
    QComboBox* metric_ = nullptr;
    QCheckBox* all_layers_ = nullptr;
    QCheckBox* clustered_ = nullptr;
    QSpinBox* rank_ = nullptr;
    HeatmapPlot* heatmap_ = nullptr;
    QCustomPlot* angles_ = nullptr;
    std::optional<analysis::SubspaceAnglesResult> angles_result_;
    QString status_base_, status_pair_;  // the matrix's status, the pair's request's
    Selection selection_;
    int n_layers_ = 0, n_heads_ = 0, block_ = 0;
};

}  // namespace es::widgets
