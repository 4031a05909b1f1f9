#include "presentation_mode.h"

#include <QApplication>
#include <QDockWidget>
#include <QEvent>
#include <QGridLayout>
#include <QLabel>
#include <QMenuBar>
#include <QPainter>
#include <QScreen>
#include <QShortcut>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>
#include <cmath>

#include "analysis/trajectory_step.h"
#include "main_window.h"
#include "plot_style.h"
#include "presentation_readout.h"
#include "result_view.h"
#include "trajectory_view.h"
#include "view_dock.h"

namespace es::app {

namespace {

// The page's type follows its height, so that 1280x720 and 1920x1080 look alike.
class Page : public QWidget {
public:
    Page(QLabel*& title, QLabel*& caption, QLabel*& footer) {
        setObjectName(QStringLiteral("presentationPage"));
        setFocusPolicy(Qt::StrongFocus);
        setAutoFillBackground(true);
        title = title_ = new QLabel(this);
        title->setObjectName(QStringLiteral("presentationTitle"));
        caption = caption_ = new QLabel(this);
        caption->setObjectName(QStringLiteral("presentationCaption"));
        caption->setWordWrap(true);
        caption->setStyleSheet(QStringLiteral("font-style: italic;"));
        footer = footer_ = new QLabel(this);
        footer->setObjectName(QStringLiteral("presentationFooter"));
        soften();
        for (QLabel* l : {title, caption, footer})
            l->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);  // never widen it
    }

    // Secondary text: the text colour, lighter, but readable on a projector (palette(mid) is
    // not). Set again when the theme changes the palette.
    void soften() {
        for (QLabel* l : {caption_, footer_}) {
            QPalette p = palette();
            QColor c = p.color(QPalette::WindowText);
            c.setAlphaF(0.7);
            p.setColor(QPalette::WindowText, c);
            l->setPalette(p);
        }
    }

protected:
    void changeEvent(QEvent* event) override {
        if (event->type() == QEvent::PaletteChange) soften();
        QWidget::changeEvent(event);
    }
    void resizeEvent(QResizeEvent* event) override {
        const double px = height();
        auto size = [](QLabel* l, double pixels, bool bold) {
            QFont f = l->font();
            f.setPixelSize(std::max(9, static_cast<int>(pixels)));
            f.setBold(bold);
            l->setFont(f);
        };
        size(title_, px / 24, true);
        size(caption_, px / 48, false);
        size(footer_, px / 60, false);
        QWidget::resizeEvent(event);
    }

private:
    QLabel* title_ = nullptr;
    QLabel* caption_ = nullptr;
    QLabel* footer_ = nullptr;
};

}  // namespace

PresentationMode::PresentationMode(MainWindow& window) : QObject(&window), window_(window) {
    page_ = new Page(title_, caption_, footer_);
    page_->hide();
    page_->installEventFilter(this);  // the plots' type follows the page's height
    auto* grid = new QGridLayout(page_);
    grid->setContentsMargins(24, 12, 24, 8);
    grid->setHorizontalSpacing(24);
    auto* header = new QVBoxLayout;
    header->setSpacing(0);
    header->addWidget(title_);
    header->addWidget(caption_);
    grid->addLayout(header, 0, 0, 1, 2);
    slot_ = new QVBoxLayout;
    slot_->setContentsMargins(0, 0, 0, 0);
    grid->addLayout(slot_, 1, 0);
    readout_ = new widgets::ReadoutPanel(page_);
    grid->addWidget(readout_, 1, 1);
    grid->addWidget(footer_, 2, 0, 1, 2);
    grid->setColumnStretch(0, 7);
    grid->setColumnStretch(1, 3);
    grid->setRowStretch(1, 1);

    // Keys of a clicker and a keyboard, while the page has the focus (the slider is hidden).
    auto key = [this](QKeySequence k, auto fn) {
        auto* s = new QShortcut(k, page_);
        s->setContext(Qt::WidgetWithChildrenShortcut);
        connect(s, &QShortcut::activated, this, fn);
    };
    auto* model = window_.selection_model();
    key(QKeySequence(Qt::Key_Right), [model] { model->step_layer(1); });
    key(QKeySequence(Qt::Key_Down), [model] { model->step_layer(1); });
    key(QKeySequence(Qt::Key_Left), [model] { model->step_layer(-1); });
    key(QKeySequence(Qt::Key_Up), [model] { model->step_layer(-1); });
    key(QKeySequence(Qt::Key_Home), [model] { model->set_layer(0); });
    key(QKeySequence(Qt::Key_End), [model] { model->set_layer(model->layer_count() - 1); });
    key(QKeySequence(Qt::Key_Tab), [this] { cycle(1); });
    key(QKeySequence(Qt::Key_Backtab), [this] { cycle(-1); });

    connect(model, &widgets::SelectionModel::changed, this, [this] { update_readout(); });
    if (ViewDock* d = window_.dock(QStringLiteral("trajectory")))
        if (auto* t = qobject_cast<widgets::TrajectoryView*>(d->view())) {
            connect(t, &widgets::TrajectoryView::result_changed, this,
                    [this] { update_readout(); });
            connect(t, &widgets::ResultView::state_changed, this, [this] { update_readout(); });
        }
    update_readout();
}

PresentationMode::~PresentationMode() {
    // The page is the window's central widget while presenting (deleted with it); otherwise
    // it is ours.
    if (page_ && !page_->parent()) delete page_;
}

QWidget* PresentationMode::page() const {
    return page_;
}

QStringList PresentationMode::presentable() const {
    QStringList ids;
    for (widgets::View* v : window_.views())
        if (qobject_cast<widgets::ResultView*>(v)) ids << v->view_id();
    return ids;
}

void PresentationMode::enter(bool full_screen) {
    if (active_) return;
    active_ = true;
    saved_state_ = window_.saveState();
    saved_geometry_ = window_.saveGeometry();
    was_full_screen_ = window_.isFullScreen();
    was_maximized_ = window_.isMaximized();
    for (QDockWidget* d : window_.findChildren<QDockWidget*>()) d->hide();
    for (QToolBar* t : window_.findChildren<QToolBar*>()) t->hide();
    window_.menuBar()->hide();
    window_.statusBar()->hide();
    if (!presentable().contains(view_id_)) view_id_ = QStringLiteral("trajectory");
    lend(view_id_);
    window_.setCentralWidget(page_);
    page_->show();
    if (full_screen) {
        window_.showFullScreen();
        // Without a window manager (a bare X server, a kiosk) nobody applies the full-screen
        // state: the window takes the screen itself.
        QTimer::singleShot(200, this, [this] {
            const QScreen* screen = window_.screen();
            if (active_ && screen && window_.geometry() != screen->geometry())
                window_.setGeometry(screen->geometry());
        });
    }
    page_->setFocus();
    update_readout();
}

void PresentationMode::leave() {
    if (!active_) return;
    active_ = false;
    give_back();
    window_.takeCentralWidget();  // the page, kept for next time
    page_->hide();
    window_.menuBar()->show();
    window_.statusBar()->show();
    for (QToolBar* t : window_.findChildren<QToolBar*>()) t->show();
    window_.restoreState(saved_state_);  // docks as they were, closed ones stay closed
    if (window_.isFullScreen() && !was_full_screen_) {
        if (was_maximized_)
            window_.showMaximized();
        else
            window_.showNormal();
    }
    if (!was_full_screen_ && !was_maximized_) window_.restoreGeometry(saved_geometry_);
}

bool PresentationMode::present(const QString& view_id) {
    if (!presentable().contains(view_id)) return false;
    if (!active_) {
        view_id_ = view_id;
        enter();
        return true;
    }
    if (view_id == view_id_) return true;
    give_back();
    view_id_ = view_id;
    lend(view_id_);
    page_->setFocus();
    return true;
}

void PresentationMode::cycle(int step) {
    const QStringList ids = presentable();
    if (ids.isEmpty()) return;
    int i = std::max(0, static_cast<int>(ids.indexOf(view_id_)));
    // Views with nothing to show for this dump (no attention, not a series) are passed over.
    for (int n = 0; n < ids.size(); ++n) {
        i = (i + step + ids.size()) % ids.size();
        const auto* v = qobject_cast<const widgets::ResultView*>(window_.dock(ids[i])->view());
        if (v && v->state() != widgets::ViewState::Empty) break;
    }
    present(ids[i]);
}

void PresentationMode::lend(const QString& view_id) {
    lent_from_ = window_.dock(view_id);
    if (!lent_from_) return;
    widgets::View* view = lent_from_->lend_view();
    view->setParent(page_);
    slot_->addWidget(view, 1);
    view->show();
    view->set_presentation(true);  // drawn with the type of this page's size
    update_header();
    emit presented_changed(view_id);
}

void PresentationMode::give_back() {
    if (!lent_from_) return;
    slot_->removeWidget(lent_from_->view());
    lent_from_->take_back_view();
    lent_from_ = nullptr;
}

void PresentationMode::update_header() {
    if (!lent_from_) return;
    const widgets::View* v = lent_from_->view();
    title_->setText(v->title());
    caption_->setText(v->caption());
    const QStringList ids = presentable();
    footer_->setText(tr("PgUp/PgDn or ←/→ step through the layers  ·  Space plays  ·  "
                        "Tab: next view (%1 of %2)  ·  Esc leaves")
                         .arg(ids.indexOf(view_id_) + 1)
                         .arg(ids.size()));
}

void PresentationMode::update_readout() {
    // The numbers come from the trajectory, whichever view is presented.
    const ViewDock* d = window_.dock(QStringLiteral("trajectory"));
    const auto* t = d ? qobject_cast<const widgets::TrajectoryView*>(d->view()) : nullptr;
    if (!t) return;
    const int layer = window_.selection_model()->selection().layer;
    std::optional<analysis::TrajectoryStep> step;
    QString why;
    if (t->result()) {
        step = analysis::trajectory_step(*t->result(), static_cast<std::size_t>(layer));
        if (!step)
            why = t->partial() ? tr("state %1: computing…").arg(layer)
                               : tr("state %1 is left out of the trajectory").arg(layer);
    } else {
        why = t->state() == widgets::ViewState::Computing ? tr("computing the trajectory…")
                                                          : t->state_text();
    }
    readout_->set_text(widgets::readout_text(step, why));
}

bool PresentationMode::eventFilter(QObject* watched, QEvent* event) {
    if (watched == page_ && event->type() == QEvent::Resize && active_) {
        // sqrt: 1080 pixels get type 1.22x that of 720, so more of the figure fits as well.
        const double scale = std::sqrt(std::max(1, page_->height()) / 720.0);
        if (std::abs(scale - widgets::presentation_scale()) > 0.01) {
            widgets::set_presentation_scale(scale);
            if (lent_from_) lent_from_->view()->set_presentation(true);  // redrawn with it
        }
    }
    return QObject::eventFilter(watched, event);
}

QImage PresentationMode::render(QSize size) {
    // Off screen, at the slide's size: the page leaves the window for the time of the drawing.
    const bool in_window = page_->parent() != nullptr;
    if (in_window) window_.takeCentralWidget();
    page_->setAttribute(Qt::WA_DontShowOnScreen, true);
    footer_->hide();  // the keys are for the presenter, not for the deck
    page_->resize(size);
    page_->show();
    QApplication::sendPostedEvents();
    QApplication::processEvents();  // layouts, and the plots' replots at their new sizes
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(page_->palette().color(QPalette::Window));
    page_->render(&image);
    page_->hide();
    footer_->show();
    page_->setAttribute(Qt::WA_DontShowOnScreen, false);
    if (in_window) {
        window_.setCentralWidget(page_);
        page_->show();
        page_->setFocus();
    }
    return image;
}

}  // namespace es::app
