#pragma once
// Checkpoint view (a series is open): the singular values of one weight or head circuit over
// training steps, and how far its top singular subspace turns between consecutive steps and
// from the final step — when the spectrum splits into bands and when subspaces lock in.
#include <optional>

#include "analysis/checkpoint_series_analysis.h"
#include "result_view.h"

class QComboBox;
class QCustomPlot;
class QCPAxisRect;
class QSpinBox;

namespace es::widgets {

class CheckpointView : public ResultViewOf<analysis::CheckpointSeriesResult> {
    Q_OBJECT
public:
    explicit CheckpointView(QWidget* parent = nullptr);

    void set_sources(const QStringList& matrices);  // weights and head circuits of the series
    QString matrix() const;
    int top() const;
    bool left_side() const;
    void set_matrix(const QString& m);

    void set_result(const analysis::CheckpointSeriesResult& result);
    QCustomPlot* plot() const { return plot_; }
    std::vector<QCustomPlot*> figure_plots(const QString&) override { return {plot_}; }

signals:
    void options_changed();

protected:
    void on_selection(const Selection&) override {}
    void rebuild() override;

private:
    QComboBox* matrix_ = nullptr;
    QComboBox* side_ = nullptr;
    QSpinBox* top_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    QCPAxisRect* sv_rect_ = nullptr;
    QCPAxisRect* angle_rect_ = nullptr;
    QString wanted_matrix_;
};

}  // namespace es::widgets
