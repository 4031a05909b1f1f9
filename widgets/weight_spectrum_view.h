#pragma once
// Weight spectrum: the empirical spectral density of WᵀW for one weight matrix (log-binned
// histogram of its eigenvalues s²) with the power law fitted as WeightWatcher does, and alpha.
#include <optional>

#include "analysis/weight_spectra.h"
#include "result_view.h"

class QComboBox;
class QCustomPlot;

namespace es::widgets {

class WeightSpectrumView : public ResultView {
    Q_OBJECT
public:
    explicit WeightSpectrumView(QWidget* parent = nullptr);

    void set_matrices(const QStringList& names);
    QString matrix() const;
    // The matrix named, now or once the dump's matrices arrive (set_matrices).
    void restore_matrix(const QString& name);
    void set_result(const analysis::MatrixSpectrum& spectrum);
    QCustomPlot* plot() const { return plot_; }
    // Histogram as drawn: bin centres (geometric) and densities; counts sum to the eigenvalues
    // shown.
    const std::vector<double>& bin_counts() const { return counts_; }
    const std::optional<analysis::MatrixSpectrum>& spectrum() const { return spectrum_; }
    // The matrix's JSON as `eigenscope-cli weights --json` prints it; CSV: index,singular_value.
    std::optional<FigureNumbers> numbers(const QString& figure) const override;
    std::vector<QCustomPlot*> figure_plots(const QString&) override { return {plot_}; }

signals:
    void matrix_changed();

protected:
    void clear_result() override;
    void on_selection(const Selection&) override {}
    void rebuild() override;

private:
    QComboBox* matrix_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    std::optional<analysis::MatrixSpectrum> spectrum_;
    std::vector<double> counts_;
    QString wanted_;
};

}  // namespace es::widgets
