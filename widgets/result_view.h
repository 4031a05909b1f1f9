#pragma once
// The base of every analysis view: it is always in exactly one of four states, and what it shows
// always belongs to the current inputs.
//   Empty      nothing to show, and why ("This dump has no activations.", "Click a cell to ...")
//   Computing  what is being computed ("spectrum of run1.h5, stream resid")
//   Result     the view's own drawing of its result
//   Error      the whole message, wrapped, never cut off
// A result is drawn for one source: the document, stream and compared document it came from, as
// the feed names it ("doc3|resid|doc4"). Leaving the Result state forgets and undraws the result
// (clear_result), except while a new result for the same source is computed (another layer of
// the same file, another option): the old picture stays, marked as updating, so that stepping
// through layers does not flicker, but a picture of another file is never shown.
#include <QLabel>
#include <QSize>
#include <QString>
#include <initializer_list>
#include <optional>

#include "view.h"

class QCustomPlot;
class QHBoxLayout;
class QVBoxLayout;

namespace es::widgets {

enum class ViewState { Empty, Computing, Result, Error };

class ResultView : public View {
    Q_OBJECT
public:
    explicit ResultView(QWidget* parent = nullptr);
    ResultView(QString id, QString title, QWidget* parent = nullptr);

    ViewState state() const { return state_; }
    // The state line's text ("" in the Result state).
    QString state_text() const;
    // The source of the result drawn, or of the one being computed.
    const QString& source() const { return source_; }

    void show_empty(const QString& reason);
    void show_computing(const QString& source, const QString& what);
    void show_error(const QString& message);
    // Presentation mode redraws (rebuild) with its fonts and lines.
    void set_presentation(bool on) override;

signals:
    void state_changed(ViewState state);

protected:
    // Where a view puts its widgets (instead of on `this`), under the state line. It stays shown
    // in every state: its controls (a metric, two subspaces to choose) are inputs too.
    QWidget* content() const { return content_; }
    // The column of the content (no margins) that the view fills top to bottom.
    QVBoxLayout* column();
    // Adds a row of controls to the column: `widgets` left to right, then a stretch and the
    // status label at the right.
    // with_status false: the status goes on a line of its own (add_status_line), for a row of
    // controls that leaves it no room.
    QHBoxLayout* add_controls(std::initializer_list<QWidget*> widgets, bool with_status = true);
    // Adds the status label to the column as a line of its own (views without controls).
    void add_status_line();
    // The status label (objectName "status"): facts about the result drawn (tokens, shapes).
    QLabel* status() const { return status_; }
    // A plot for the view (objectName `name`, at least `minimum` large), its parent `parent` or
    // else the view; the view places it.
    QCustomPlot* make_plot(const QString& name, QSize minimum, QWidget* parent = nullptr);
    // Draws what the view holds again (the result, or empty axes); clear_result and presentation
    // mode call it.
    virtual void rebuild() {}
    // A view calls this when it draws a result: the view enters the Result state.
    void show_result();
    // Forget the result and undraw it: plots emptied, no title or axis naming what was shown.
    virtual void clear_result() = 0;

    void resizeEvent(QResizeEvent* event) override;

private:
    void enter(ViewState state, const QString& text);
    // Leaves the Result state: clear_result(), and the plots' axes back to neutral ranges.
    void forget_result();
    void place_line();
    QLabel* make_status();

    ViewState state_ = ViewState::Empty;
    QString source_;
    bool has_result_ = false;
    QLabel* line_ = nullptr;
    QWidget* content_ = nullptr;
    QVBoxLayout* column_ = nullptr;
    QLabel* status_ = nullptr;
};

// A ResultView that draws one analysis result struct R (core/analysis): it keeps the result, and
// the numbers it exports are R's to_json/to_csv, the output of the matching CLI verb.
template <typename R>
class ResultViewOf : public ResultView {
public:
    using ResultView::ResultView;
    const std::optional<R>& result() const { return result_; }
    std::optional<FigureNumbers> numbers(const QString&) const override {
        return numbers_of_result(result_);
    }

protected:
    // Draws a new result: the Result state, `status_text` in the status label, rebuild().
    void take_result(const R& result, const QString& status_text) {
        show_result();
        result_ = result;
        if (status()) status()->setText(status_text);
        rebuild();
    }
    // Forgets the result: no status, rebuild() draws empty axes.
    void clear_result() override {
        result_.reset();
        if (status()) status()->clear();
        rebuild();
    }

    std::optional<R> result_;
};

}  // namespace es::widgets
