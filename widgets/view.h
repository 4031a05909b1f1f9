#pragma once
// What every view offers the shell: a name, a one-line caption (presentation mode), a short
// "What am I looking at?" text, its settings for sessions, and the shared selection to follow.
#include <QJsonObject>
#include <QWidget>

#include "selection.h"

namespace es::widgets {

class View : public QWidget {
    Q_OBJECT
public:
    using QWidget::QWidget;

    virtual QString view_id() const = 0;    // stable id for sessions and --export ("trajectory")
    virtual QString title() const = 0;      // dock title
    virtual QString caption() const = 0;    // one line: what is shown
    virtual QString help_text() const = 0;  // a short paragraph, plain or simple HTML
    virtual QJsonObject save_settings() const { return {}; }
    virtual void restore_settings(const QJsonObject&) {}
    // Presentation mode: large fonts and thick lines.
    virtual void set_presentation(bool on) { presentation_ = on; }

    // Follow a selection model (owned by the shell). Views react in on_selection().
    void follow(SelectionModel* model);
    SelectionModel* selection_model() const { return model_; }
    // How many selection changes this view has seen (tests check every view follows).
    int selection_updates() const { return updates_; }

protected:
    virtual void on_selection(const Selection& selection) = 0;
    bool presentation_ = false;

private:
    SelectionModel* model_ = nullptr;
    int updates_ = 0;
};

}  // namespace es::widgets
