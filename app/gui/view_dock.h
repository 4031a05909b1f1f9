#pragma once
// A dock that holds one view under a caption line ("norm of each token's residual state, layer
// by layer") and a "What am I looking at?" button with the view's help.
#include <QDockWidget>

#include "view.h"

class QLabel;
class QVBoxLayout;

namespace es::app {

class ViewDock : public QDockWidget {
    Q_OBJECT
public:
    ViewDock(widgets::View* view, QWidget* parent = nullptr);
    widgets::View* view() const { return view_; }
    void set_presentation(bool on);
    void show_help();
    QLabel* caption_label() const { return caption_; }
    // Presentation mode shows the view on a page of its own: the dock lends it out (the caller
    // reparents it) and takes it back under its caption.
    widgets::View* lend_view();
    void take_back_view();
    bool view_lent() const { return lent_; }

private:
    widgets::View* view_;
    QLabel* caption_ = nullptr;
    QVBoxLayout* layout_ = nullptr;
    bool lent_ = false;
};

}  // namespace es::app
