#pragma once
// Timescales view: for the top principal directions of the selected layer, how far along the
// prompt their projections stay correlated (half-life in tokens, bars; the autocorrelation curves
// vs lag), and how persistent the top-k subspace is through depth (principal angles between
// consecutive layers' subspaces).
#include <optional>

#include "analysis/timescales.h"
#include "result_view.h"

class QCustomPlot;
class QCPAxisRect;
class QCPLegend;
class QSpinBox;

namespace es::widgets {

class TimescalesView : public ResultViewOf<analysis::TimescalesResult> {
    Q_OBJECT
public:
    explicit TimescalesView(QWidget* parent = nullptr);

    void set_result(const analysis::TimescalesResult& result);
    int components() const;
    void set_components(int k);

    QCustomPlot* plot() const { return plot_; }
    QCPAxisRect* half_life_rect() const { return half_life_; }
    QCPAxisRect* autocorrelation_rect() const { return autocorr_; }
    QCPAxisRect* persistence_rect() const { return persistence_; }
    std::vector<QCustomPlot*> figure_plots(const QString&) override { return {plot_}; }

signals:
    void options_changed();  // number of components changed: the app re-requests

protected:
    void on_selection(const Selection& selection) override;
    void rebuild() override;

private:
    void mouse_move(QMouseEvent* event);
    QCustomPlot* plot_ = nullptr;
    QCPAxisRect* half_life_ = nullptr;
    QCPAxisRect* autocorr_ = nullptr;
    QCPAxisRect* persistence_ = nullptr;
    QCPLegend* autocorr_legend_ = nullptr;
    QCPLegend* persistence_legend_ = nullptr;
    QSpinBox* components_ = nullptr;
    Selection selection_;
};

}  // namespace es::widgets
