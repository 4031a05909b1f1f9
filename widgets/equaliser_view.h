#pragma once
// Equaliser view: a spectrum analyser for one hidden state (the selected token at the selected
// layer): its energy per band of principal components (default), per principal component, or per
// raw dimension, raw or unit-normalised, with peak-hold markers; or its energy along a set of
// directions (one bar each: typed, or by default the Directions view's pairs, one direction per
// pair). It animates across layers from the result's frames (one analysis per token and basis; no
// recomputation per layer).
#include <QVector>
#include <optional>
#include <vector>

#include "analysis/equaliser.h"
#include "result_view.h"

class QCheckBox;
class QComboBox;
class QLineEdit;
class QCustomPlot;

namespace es::widgets {

class EqualiserView : public ResultViewOf<analysis::EqualiserResult> {
    Q_OBJECT
public:
    enum class Mode { Bands = 0, Components = 1, Dimensions = 2, Directions = 3 };

    explicit EqualiserView(QWidget* parent = nullptr);

    // In the dims basis the bars are coloured by the sign of the token's coordinate at each
    // frame (the result's frame_coordinates).
    void set_result(const analysis::EqualiserResult& result);
    // A partial result (frames still computing, the selected layer's first): "12 of 33 layers".
    QString incomplete() const override;

    // What the app requests: basis and band count follow the mode.
    Mode mode() const;
    void set_mode(Mode m);
    bool normalize() const;
    void set_normalize(bool on);
    bool peak_hold() const;
    void set_peak_hold(bool on);
    analysis::EqualiserBasis basis() const;
    // The directions mode's directions as typed (analysis/direction_spec.h), and those it uses
    // when none are typed: the Directions view's pairs, one direction each (set by the app).
    QString directions() const;
    void set_directions(const QString& text);
    void set_default_directions(const QString& text);
    QString effective_directions() const;
    std::size_t requested_bands() const;  // 32 in band mode, "all" (a large number) otherwise
    // The token the view shows for a selection: first selected token, or position 0 of the prompt.
    int token_for(const Selection& s) const;
    void set_positions(int n_positions) { positions_ = n_positions; }

    // For tests.
    QCustomPlot* plot() const { return plot_; }
    std::vector<QCustomPlot*> figure_plots(const QString&) override { return {plot_}; }
    int frame() const { return frame_; }   // index into frames shown, -1 when none
    QVector<double> bar_heights() const;   // shown bar heights, in bar order
    QVector<double> peak_heights() const;  // peak-hold marker heights
    // Whether the value axis fits the shown layer rather than the peaks (its bars would stay
    // under an eighth of the peaks' height); the peaks above it are triangles at its top.
    bool fits_layer() const { return fits_layer_; }
    int bar_count() const { return bar_heights().size(); }
    double last_redraw_ms() const { return last_redraw_ms_; }

signals:
    void options_changed();  // mode or normalise changed: the app re-requests

protected:
    void on_selection(const Selection& selection) override;
    void rebuild() override;

private:
    static QString layers_done(const analysis::EqualiserResult& r);
    // "estimate: basis from 1024 of 4096 tokens, error about ±2.4% of ‖x‖² (split halves)".
    static QString estimate_text(const analysis::EqualiserResult& r);
    void mouse_move(QMouseEvent* event);
    QCustomPlot* plot_ = nullptr;
    QComboBox* mode_ = nullptr;
    QCheckBox* normalize_ = nullptr;
    QLineEdit* directions_ = nullptr;
    QString default_directions_;
    QCheckBox* peaks_ = nullptr;
    std::vector<double> peak_;  // max over all frames, per bar
    Selection selection_;
    int frame_ = -1;
    int positions_ = 0;
    double last_redraw_ms_ = 0;
    bool fits_layer_ = false;
};

}  // namespace es::widgets
