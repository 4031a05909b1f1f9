#pragma once
// CKA heatmap: linear CKA between every pair of layers of one dump, or between the layers of two
// dumps holding the same tokens (checkpoint A vs B, teacher vs student).
#include <optional>

#include "analysis/cka.h"
#include "heatmap_plot.h"
#include "result_view.h"

namespace es::widgets {

class CkaView : public ResultViewOf<analysis::CkaResult> {
    Q_OBJECT
public:
    explicit CkaView(QWidget* parent = nullptr);
    void set_presentation(bool on) override;

    // A partial result (the pairs computed so far, exact, the others empty; or an estimate from
    // a few tokens) is drawn marked as such and not exported (incomplete()).
    void set_result(const analysis::CkaResult& result);
    QString incomplete() const override;
    HeatmapPlot* heatmap() const { return heatmap_; }
    std::vector<QCustomPlot*> figure_plots(const QString&) override { return {heatmap_->plot()}; }

protected:
    void on_selection(const Selection& selection) override;
    void rebuild() override;

private:
    void update_marks();
    HeatmapPlot* heatmap_ = nullptr;
    Selection selection_;
};

}  // namespace es::widgets
