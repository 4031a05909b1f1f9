#pragma once
// Logit-lens view: for the selected token, the top-k next tokens the unembedding reads out of
// every layer's state, as a table (layers as rows, ranks as columns, "token (p%)" shaded by
// probability). The selected layer's row is highlighted; clicking a row selects that layer.
#include <optional>

#include "analysis/lens.h"
#include "result_view.h"

class QSpinBox;
class QTableWidget;

namespace es::widgets {

class LensView : public ResultViewOf<analysis::LensResult> {
    Q_OBJECT
public:
    explicit LensView(QWidget* parent = nullptr);
    void set_presentation(bool on) override;

    void set_result(const analysis::LensResult& result);
    // No unembedding in the dump: the table is cleared and the reason shown in the view.
    void show_unavailable(const QString& text);
    int top_k() const;
    void set_top_k(int k);
    int token_for(const Selection& s) const;
    void set_positions(int n_positions) { positions_ = n_positions; }

    // Exported as a table drawn with a painter: a heading naming the token, then one row per state
    // with its top tokens and their probabilities (cells shaded by probability).
    FigureKind figure_kind() const override { return FigureKind::Painted; }
    bool paint_figure(const QString& figure, QPainter& painter, const QRectF& rect) override;

    QTableWidget* table() const { return table_; }
    int highlighted_row() const { return highlighted_; }

signals:
    void options_changed();  // top-k changed: the app re-requests

protected:
    void on_selection(const Selection& selection) override;
    void rebuild() override;

private:
    void update_highlight();
    QTableWidget* table_ = nullptr;
    QSpinBox* top_k_ = nullptr;
    Selection selection_;
    int highlighted_ = -1;
    int positions_ = 0;
};

}  // namespace es::widgets
