#include "welcome_page.h"

#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace es::app {

WelcomePage::WelcomePage(QWidget* parent) : QFrame(parent) {
    setObjectName(QStringLiteral("welcomePage"));
    // Opaque, framed: it lies over the docks' "Open a dump first." lines.
    setFrameShape(QFrame::StyledPanel);
    setFrameShadow(QFrame::Raised);
    setLineWidth(2);
    setAutoFillBackground(true);
    auto* outer = new QVBoxLayout(this);
    outer->addStretch(1);
    auto* title =
        new QLabel(tr("<h1>Eigenscope</h1><p>Explore how a transformer moves, grows, rotates and "
                      "filters its hidden states.</p>"),
                   this);
    title->setAlignment(Qt::AlignCenter);
    outer->addWidget(title);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    auto add = [&](const QString& text, const QString& name, void (WelcomePage::*sig)()) {
        auto* b = new QPushButton(text, this);
        b->setObjectName(name);
        b->setMinimumHeight(40);
        connect(b, &QPushButton::clicked, this, sig);
        buttons->addWidget(b);
    };
    add(tr("Open file…"), QStringLiteral("openFile"), &WelcomePage::open_file_requested);
    add(tr("Open folder (checkpoints)…"), QStringLiteral("openFolder"),
        &WelcomePage::open_folder_requested);
    add(tr("Open demo"), QStringLiteral("openDemo"), &WelcomePage::open_demo_requested);
    buttons->addStretch(1);
    outer->addLayout(buttons);
    auto* recent_label = new QLabel(tr("Recent files"), this);
    recent_label->setAlignment(Qt::AlignCenter);
    outer->addSpacing(20);
    outer->addWidget(recent_label);
    recent_ = new QListWidget(this);
    recent_->setMaximumWidth(700);
    recent_->setMaximumHeight(220);
    auto* row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(recent_, 4);
    row->addStretch(1);
    outer->addLayout(row);
    outer->addStretch(2);
    connect(recent_, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        emit open_recent_requested(item->data(Qt::UserRole).toString());
    });
}

void WelcomePage::set_recent(const QStringList& files) {
    recent_->clear();
    for (const QString& f : files) {
        auto* item = new QListWidgetItem(
            QStringLiteral("%1 — %2").arg(QFileInfo(f).fileName(), QFileInfo(f).absolutePath()),
            recent_);
        item->setData(Qt::UserRole, f);
        item->setToolTip(f);
    }
    if (files.isEmpty()) new QListWidgetItem(tr("(none yet)"), recent_);
}

}  // namespace es::app
