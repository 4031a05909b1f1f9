#pragma once
// Directions view: does a set of token pairs (king:queen, man:woman) share one direction, and at
// which layer does it appear? Left: per layer the pairs' consistency (mean cosine between their
// difference vectors), the same for random pairs (the null), the direction's cosine to the
// previous layer's, and the sides' separation along it (right axis, pooled standard deviations).
// Right: every token's projection on the direction across layers, the pair members highlighted
// (side a blue, side b orange), the selected tokens in black. Below: the nearest neighbours of
// the selected token at the selected layer; a click selects one. The pairs are typed in the view;
// a text or /regex/ search selects the matching tokens everywhere. Third plot: an analogy
// ("king - man + woman") answered at every layer, raw and with every vector normalised, as the
// rank of the expected token per layer; the line under the plots gives both top answers at the
// selected layer.
#include <QList>
#include <QStringList>
#include <optional>

#include "analysis/analogy.h"
#include "analysis/directions.h"
#include "analysis/neighbours.h"
#include "result_view.h"

class QCustomPlot;
class QCPAxisRect;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace es::widgets {

// An analogy at every layer, raw and normalised (the view's third plot).
struct AnalogyCurves {
    analysis::AnalogyResult raw, normalized;
};

class DirectionsView : public ResultViewOf<analysis::DirectionsResult> {
    Q_OBJECT
public:
    explicit DirectionsView(QWidget* parent = nullptr);

    void set_result(const analysis::DirectionsResult& result);
    // The pairs as typed: "king:queen,man:woman" (token_lookup.h's names).
    QString pairs() const;
    void set_pairs(const QString& pairs);
    // Every token's display text by flat index: the search matches against them.
    void set_token_texts(const QStringList& texts);
    // The neighbour panel: the neighbours of the selected token, or why there are none.
    void set_neighbours(const analysis::NeighboursResult& result);
    void show_neighbours_message(const QString& message);
    // The analogy typed in the view ("king - man + woman") and its expected answer ("queen").
    QString analogy() const;
    QString expected() const;
    void set_analogy(const AnalogyCurves& curves);
    // The analogy's curves drawn, or none (computing, or its line says why not).
    const std::optional<AnalogyCurves>& analogy_curves() const { return curves_data_; }
    void show_analogy_message(const QString& message);
    // Flat indices matching the search text: a substring, or a regular expression in /.../.
    QList<int> search_matches(const QString& text) const;

    QCustomPlot* plot() const { return plot_; }
    QCPAxisRect* curves_rect() const { return curves_; }
    QCPAxisRect* trajectories_rect() const { return trajectories_; }
    QCPAxisRect* analogy_rect() const { return analogy_rect_; }
    QLabel* analogy_line() const { return analogy_line_; }
    QListWidget* neighbour_list() const { return neighbours_; }
    QPushButton* select_neighbours_button() const { return select_neighbours_; }
    QLineEdit* search_box() const { return search_; }
    std::vector<QCustomPlot*> figure_plots(const QString&) override { return {plot_}; }

signals:
    void options_changed();                        // the pairs changed: the app re-requests
    void analogy_changed();                        // the analogy or its expected answer changed
    void select_tokens(const QList<int>& tokens);  // the search or a neighbour was chosen

protected:
    void on_selection(const Selection& selection) override;
    void rebuild() override;

private:
    void run_search();
    void draw_analogy(bool with_data);
    void describe_analogy();
    QLineEdit* pairs_ = nullptr;
    QLineEdit* search_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    QCPAxisRect* curves_ = nullptr;
    QCPAxisRect* trajectories_ = nullptr;
    QCPAxisRect* analogy_rect_ = nullptr;
    QLineEdit* analogy_ = nullptr;
    QLineEdit* expected_ = nullptr;
    QLabel* analogy_line_ = nullptr;
    std::optional<AnalogyCurves> curves_data_;
    QLabel* neighbours_title_ = nullptr;
    QListWidget* neighbours_ = nullptr;
    QPushButton* select_neighbours_ = nullptr;
    QList<int> neighbour_tokens_;  // the query token first, then its neighbours
    QStringList token_texts_;
    Selection selection_;
};

}  // namespace es::widgets
