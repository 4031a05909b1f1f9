#include "view_dock.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace es::app {

ViewDock::ViewDock(widgets::View* view, QWidget* parent)
    : QDockWidget(view->title(), parent), view_(view) {
    setObjectName(QStringLiteral("dock_") + view->view_id());  // saveState() keys docks by name
    auto* box = new QWidget(this);
    auto* layout = layout_ = new QVBoxLayout(box);
    layout->setContentsMargins(4, 2, 4, 4);
    auto* header = new QHBoxLayout;
    caption_ = new QLabel(view->caption(), box);
    caption_->setObjectName(QStringLiteral("caption"));
    caption_->setWordWrap(true);
    caption_->setStyleSheet(QStringLiteral("color: palette(mid); font-style: italic;"));
    auto* help = new QToolButton(box);
    help->setText(QStringLiteral("?"));
    help->setToolTip(tr("What am I looking at?"));
    connect(help, &QToolButton::clicked, this, &ViewDock::show_help);
    header->addWidget(caption_, 1);
    header->addWidget(help);
    layout->addLayout(header);
    layout->addWidget(view, 1);
    setWidget(box);
    // A status line may be long ("144 tokens, 3 excluded ..."); it must never widen the window.
    for (QLabel* status : view->findChildren<QLabel*>(QStringLiteral("status")))
        status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    caption_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
}

void ViewDock::show_help() {
    auto* box = new QMessageBox(QMessageBox::Information,
                                tr("What am I looking at? — %1").arg(view_->title()),
                                view_->help_text(), QMessageBox::Close, this);
    box->setObjectName(QStringLiteral("helpDialog"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

widgets::View* ViewDock::lend_view() {
    layout_->removeWidget(view_);
    lent_ = true;
    return view_;
}

void ViewDock::take_back_view() {
    if (!lent_) return;
    lent_ = false;
    view_->setParent(widget());
    layout_->addWidget(view_, 1);
    view_->show();
}

void ViewDock::set_presentation(bool on) {
    QFont f = caption_->font();
    f.setPointSizeF(on ? 16 : 9);
    caption_->setFont(f);
    view_->set_presentation(on);
}

}  // namespace es::app
