#pragma once
// A dock that holds one view under a caption line ("norm of each token's residual state, layer
// by layer") and a "What am I looking at?" button with the view's help.
#include <QDockWidget>

#include "view.h"

class QLabel;

namespace es::app {

class ViewDock : public QDockWidget {
    Q_OBJECT
public:
    ViewDock(widgets::View* view, QWidget* parent = nullptr);
    widgets::View* view() const { return view_; }
    void set_presentation(bool on);
    void show_help();
    QLabel* caption_label() const { return caption_; }

private:
    widgets::View* view_;
    QLabel* caption_ = nullptr;
};

}  // namespace es::app
