#pragma once
// Spectrum view: the singular values of the centred activations of the selected layer (a scree
// plot, optionally every layer overlaid), the cumulative explained variance with the effective
// rank marked, and a spectrogram (layers x component, log colour) to see the spectrum change
// through depth.
#include <optional>

#include "analysis/spectrum.h"
#include "heatmap_plot.h"
#include "result_view.h"

class QCheckBox;
class QCustomPlot;
class QCPAxisRect;
class QCPTextElement;

namespace es::widgets {

class SpectrumView : public ResultViewOf<analysis::SpectrumResult> {
    Q_OBJECT
public:
    explicit SpectrumView(QWidget* parent = nullptr);
    void set_presentation(bool on) override;

    // A partial result (layers still computing, or a layer's top values estimated before its
    // exact spectrum) is drawn as far as it goes, marked as partial (an estimate dashed, with its
    // bound), and not exported (incomplete()).
    void set_result(const analysis::SpectrumResult& result);
    bool partial() const { return result_ && result_->partial(); }
    // Whether the selected layer's values are shown exact (computed, not an estimate).
    bool selected_exact() const;
    QString incomplete() const override;
    bool centred() const;
    void set_overlay(bool on);
    void set_log_x(bool on);

    QCustomPlot* plot() const { return plot_; }
    HeatmapPlot* spectrogram() const { return spectrogram_; }
    // "spectrum": the curves over the spectrogram, as on screen; "spectrogram": the heatmap alone.
    QStringList figures() const override;
    std::vector<QCustomPlot*> figure_plots(const QString& figure) override;
    int curve_count() const;

signals:
    void options_changed();  // centred/uncentred: the app re-requests

protected:
    void on_selection(const Selection& selection) override;
    void clear_result() override;  // the spectrogram too
    void rebuild() override;

private:
    int layer_row(int state) const;        // index into result_->layers for a state, -1 if absent
    std::vector<std::size_t> row_states_;  // the state of each spectrogram row
    QCustomPlot* plot_ = nullptr;
    QCPAxisRect* scree_ = nullptr;
    QCPAxisRect* cumulative_ = nullptr;
    QCPTextElement* rank_title_ = nullptr;
    HeatmapPlot* spectrogram_ = nullptr;
    QCheckBox* overlay_ = nullptr;
    QCheckBox* log_x_ = nullptr;
    QCheckBox* centred_ = nullptr;
    Selection selection_;
};

}  // namespace es::widgets
