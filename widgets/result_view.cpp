#include "result_view.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>
#include <utility>

namespace es::widgets {

ResultView::ResultView(QWidget* parent) : ResultView(QString(), QString(), parent) {}

ResultView::ResultView(QString id, QString title, QWidget* parent)
    : View(std::move(id), std::move(title), parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    content_ = new QWidget(this);
    content_->setObjectName(QStringLiteral("content"));
    layout->addWidget(content_, 1);
    // The state line lies over the content rather than in the layout: it must not make the view
    // (and, through the docks, the window) taller than a laptop screen allows. Over an emptied
    // plot it stands in the middle; over a picture kept while it updates, along the bottom.
    line_ = new QLabel(this);
    line_->setObjectName(QStringLiteral("stateLine"));
    line_->setWordWrap(true);  // an error is read whole, however narrow the dock
    line_->setAlignment(Qt::AlignCenter);
    line_->setContentsMargins(12, 8, 12, 8);
    line_->setAutoFillBackground(true);
    enter(ViewState::Empty, QString());
}

QVBoxLayout* ResultView::column() {
    if (!column_) {
        column_ = new QVBoxLayout(content_);
        column_->setContentsMargins(0, 0, 0, 0);
    }
    return column_;
}

QHBoxLayout* ResultView::add_controls(std::initializer_list<QWidget*> widgets, bool with_status) {
    auto* row = new QHBoxLayout;
    for (QWidget* w : widgets) row->addWidget(w);
    row->addStretch(1);
    if (with_status) row->addWidget(make_status());
    column()->addLayout(row);
    return row;
}

void ResultView::add_status_line() {
    column()->addWidget(make_status());
}

QLabel* ResultView::make_status() {
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("status"));
    // A long line (a partial result's state and the layer's figures) may be cut at the dock's
    // edge rather than widen it: left to its text's width, it was the dock's minimum width and
    // grew the window past the screen's edge. Its preferred width is still the whole text.
    status_->setMinimumWidth(40);
    return status_;
}

QCustomPlot* ResultView::make_plot(const QString& name, QSize minimum, QWidget* parent) {
    auto* plot = new QCustomPlot(parent ? parent : this);
    plot->setObjectName(name);
    plot->setMinimumSize(minimum);
    return plot;
}

void ResultView::set_presentation(bool on) {
    View::set_presentation(on);
    rebuild();
}

void ResultView::resizeEvent(QResizeEvent* event) {
    View::resizeEvent(event);
    place_line();
}

void ResultView::place_line() {
    const int w = width();
    const int h = std::min(height(), line_->heightForWidth(w));
    const int y = has_result_ ? height() - h : (height() - h) / 2;
    line_->setGeometry(0, std::max(0, y), w, h);
    line_->raise();
}

QString ResultView::state_text() const {
    return state_ == ViewState::Result ? QString() : line_->text();
}

void ResultView::show_empty(const QString& reason) {
    source_.clear();
    enter(ViewState::Empty, reason);
}

void ResultView::show_computing(const QString& source, const QString& what) {
    // Another source: the picture shown is of something else, it goes at once.
    if (source != source_ && has_result_) forget_result();
    source_ = source;
    enter(ViewState::Computing,
          has_result_ ? tr("updating: %1…").arg(what) : tr("computing %1…").arg(what));
}

void ResultView::show_error(const QString& message) {
    enter(ViewState::Error, message);
}

void ResultView::show_result() {
    has_result_ = true;
    enter(ViewState::Result, QString());
}

void ResultView::forget_result() {
    has_result_ = false;
    clear_result();
    // Axis ranges would still say how far the old result reached (0 to 4 layers, norms to 1250):
    // every plot of the view's figures back to a neutral range.
    for (const QString& figure : figures())
        for (QCustomPlot* plot : figure_plots(figure)) {
            for (QCPAxisRect* rect : plot->axisRects())
                for (QCPAxis* axis : rect->axes())
                    axis->setRange(axis->scaleType() == QCPAxis::stLogarithmic ? QCPRange(1, 10)
                                                                               : QCPRange(0, 1));
            plot->replot(QCustomPlot::rpQueuedReplot);
        }
}

void ResultView::enter(ViewState state, const QString& text) {
    if (state == ViewState::Empty || state == ViewState::Error) {
        if (has_result_) forget_result();
    }
    const bool changed = state != state_;
    state_ = state;
    line_->setText(text);
    line_->setStyleSheet(state == ViewState::Error ? QStringLiteral("color: #c0392b;") : QString());
    // Clicks reach the plot and controls underneath; an error's text can be selected and copied.
    line_->setAttribute(Qt::WA_TransparentForMouseEvents, state != ViewState::Error);
    line_->setTextInteractionFlags(state == ViewState::Error ? Qt::TextSelectableByMouse
                                                             : Qt::NoTextInteraction);
    line_->setVisible(state != ViewState::Result && !text.isEmpty());
    place_line();
    if (changed) emit state_changed(state);
}

}  // namespace es::widgets
