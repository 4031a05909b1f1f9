#pragma once
// The trajectory view (the lecturer's demo): the norm of every token's residual state against
// layer, with the mean, a p10-p90 band and optionally one thin line per token, and below it how
// far each state's direction turns (cosine to the previous and to the first layer). It makes
// "the norm grows tens of times while the direction barely moves" visible at a glance.
#include <QStringList>
#include <optional>

#include "analysis/trajectory.h"
#include "result_view.h"

class QCheckBox;
class QCustomPlot;
class QCPAxisRect;
class QCPGraph;
class QCPLegend;
class QCPTextElement;

namespace es::widgets {

class TrajectoryView : public ResultViewOf<analysis::TrajectoryResult> {
    Q_OBJECT
public:
    explicit TrajectoryView(QWidget* parent = nullptr);

    // token_texts: display text of every token by flat index; has_final_norm: the stream's last
    // state has the final norm applied (offer the toggle).
    void set_result(const analysis::TrajectoryResult& result, const QStringList& token_texts,
                    bool has_final_norm);
    bool include_final_norm() const;
    bool log_scale() const;
    bool token_lines() const;
    void set_log_scale(bool on);
    void set_token_lines(bool on);

    // For tests and export.
    QCustomPlot* plot() const { return plot_; }
    std::vector<QCustomPlot*> figure_plots(const QString&) override { return {plot_}; }
    // A partial result is shown (layers still coming in from a running analysis).
    bool partial() const { return result_ && result_->layers_total > result_->layers.size(); }
    QString incomplete() const override;
    int token_line_count() const { return token_lines_drawn_; }
    QStringList highlighted_labels() const;

signals:
    void result_changed();   // a result (partial or final) was shown
    void options_changed();  // include_final_norm changed: the app re-requests the analysis

protected:
    void clear_result() override;
    void on_selection(const Selection& selection) override;
    void rebuild() override;

private:
    void mouse_move(QMouseEvent* event);
    void mouse_press(QMouseEvent* event);
    int nearest_token(const QPoint& pos, int* layer_out) const;
    // Presentation mode puts the legends and the growth headline in rows of their own above the
    // panels (nothing covers the data) and gives the cosine panel as much height as the norms.
    void arrange(bool outside);

    QCustomPlot* plot_ = nullptr;
    QCPAxisRect* norm_rect_ = nullptr;
    QCPAxisRect* cos_rect_ = nullptr;
    QCPLegend* norm_inset_ = nullptr;  // inside the panels (the normal layout)
    QCPLegend* cos_inset_ = nullptr;
    QCPLegend* norm_row_ = nullptr;  // in rows above them (presentation)
    QCPLegend* cos_row_ = nullptr;
    QCPTextElement* headline_ = nullptr;
    QCheckBox* log_ = nullptr;
    QCheckBox* tokens_ = nullptr;
    QCheckBox* final_norm_ = nullptr;
    QStringList token_texts_;
    Selection selection_;
    int token_lines_drawn_ = 0;
};

}  // namespace es::widgets
