#include "main_window.h"

#include <malloc.h>
#include <unistd.h>
#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetrics>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScopedValueRollback>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QTabBar>
#include <QTimer>
#include <QToolButton>

#include "demo_locator.h"
#include "dump_tree_view.h"
#include "error_dialog.h"
#include "gui_timing.h"
#include "navigation_bar.h"
#include "numerics/memory_gate.h"
#include "presentation_mode.h"
#include "result_view.h"
#include "simd_state.h"
#include "theme.h"
#include "view_dock.h"
#include "view_feeds.h"
#include "view_registry.h"
#include "welcome_page.h"

namespace es::app {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("Eigenscope"));
    setAcceptDrops(true);
    setDockNestingEnabled(true);
    widgets::install_simd_state_guard();  // libm at full speed in every event (simd_state.h)
    normal_font_ = QApplication::font();
    disk_writes_.setMaxThreadCount(1);  // in order: the last write of a setting wins
    recent_ = QSettings().value(QStringLiteral("recent_files")).toStringList();
    // Expensive results survive the session in the user's cache directory (never next to the
    // dump); the size limit is a setting (cache/limit_mb, default 2 GB).
    result_cache_ = std::make_shared<ResultCache>(
        QDir(QStandardPaths::writableLocation(QStandardPaths::CacheLocation))
            .filePath(QStringLiteral("results"))
            .toStdString(),
        static_cast<std::uint64_t>(
            QSettings().value(QStringLiteral("cache/limit_mb"), 2048).toLongLong())
            << 20);

    // The welcome page is a card over the docks, not the central widget: beside the docks it
    // added its width to theirs (1689 px minimum, past a 1600 px screen), and its leaving
    // re-laid out every dock as a file opened.
    welcome_ = new WelcomePage(this);
    connect(welcome_, &WelcomePage::open_demo_requested, this,
            [this] { open_file(demo_dump_path()); });
    connect(welcome_, &WelcomePage::open_recent_requested, this,
            [this](const QString& p) { open_file(p); });

    nav_ = new NavigationBar(&selection_, this);
    addToolBar(Qt::TopToolBarArea, nav_);

    build_menus();  // first: each view's dock adds itself to the View menu (add_view)
    tree_ = new widgets::DumpTreeView(this);
    add_view(tree_, Qt::LeftDockWidgetArea);
    // Every heavy analysis leases its working set from one gate (issue 20): side-by-side
    // views wait for each other's memory instead of adding up past 1 GB.
    numerics::memory_gate().set_budget(analysis_memory());
#ifdef __GLIBC__
    // And what a lease gave back goes back to the system: glibc's dynamic mmap threshold (up to
    // 32 MiB) otherwise keeps freed blocks in its per-thread arenas, ~100 MB beside the leases
    // on M (peak 1061 MB with the gate full, 960 MB with this).
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    create_views(*this);
    presentation_mode_ = new PresentationMode(*this);

    build_status_bar();
    build_shortcuts();
    // Everything tied to a file follows the document set's one change signal.
    connect(&docs_, &DocumentSet::loading, this, [this](const QString& path) {
        const QString opening = tr("Opening %1…").arg(QFileInfo(path).fileName());
        status_file_->setText(opening);
        if (!docs_.documents().empty()) return;  // a comparison: the workspace stays as it is
        // The workspace takes the window now, while the file loads on other threads: its first
        // layout (every dock's geometry, 15-30 ms of the GUI thread) then no longer runs back to
        // back with the document's arrival (issue 20: no stall over 50 ms).
        show_workspace();
        for (ViewDock* d : docks_)
            if (auto* v = qobject_cast<widgets::ResultView*>(d->view()))
                if (v->state() == widgets::ViewState::Empty) v->show_empty(opening);
    });
    connect(&docs_, &DocumentSet::changed, this, &MainWindow::on_documents_changed);
    connect(&docs_, &DocumentSet::loaded, this, &MainWindow::on_loaded);
    connect(&docs_, &DocumentSet::load_failed, this, &MainWindow::on_load_failed);
    connect(&docs_, &DocumentSet::changed_on_disk, this, &MainWindow::offer_reload);
    connect(welcome_, &WelcomePage::open_file_requested, this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Open activation dump"), QString(),
                                         tr("HDF5 dumps (*.h5 *.hdf5);;All files (*)"));
        if (!path.isEmpty()) open_file(path);
    });
    connect(welcome_, &WelcomePage::open_folder_requested, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open checkpoint folder"));
        if (!dir.isEmpty()) open_folder(dir);
    });
    welcome_->set_recent(recent_files());

    // The progress box follows what runs now (JobRunner::now), not whichever job reported last:
    // a finished job's "done 100%" stayed there while others still ran.
    connect(&jobs_, &JobRunner::activity_changed, this, [this] {
        const std::optional<JobRunner::Now> now = jobs_.now();
        // The text before the value: setValue() may repaint at once, with the text it has.
        if (!now) {
            progress_->setFormat(tr("idle"));
            progress_->setToolTip(QString());
            progress_->setValue(0);
            return;
        }
        const QString text = now->running > 1
                                 ? tr("%1 jobs: %2").arg(QString::number(now->running), now->text)
                                 : now->text;
        // Elided to the box, the percentage always shown; the whole text in the tooltip.
        const QFontMetrics fm(progress_->font());
        const int room = progress_->width() - fm.horizontalAdvance(QStringLiteral(" 100%")) - 16;
        progress_->setFormat(fm.elidedText(text, Qt::ElideRight, room) + QStringLiteral(" %p%"));
        progress_->setToolTip(text);
        progress_->setValue(static_cast<int>(now->fraction * 1000));
    });
    // The bar and Cancel appear only once work has lasted a moment: while playing through
    // layers, each step's quick jobs would otherwise flash "100% / Cancel" in the status bar.
    progress_delay_.setSingleShot(true);
    progress_delay_.setInterval(kProgressDelayMs);
    connect(&progress_delay_, &QTimer::timeout, this, [this] {
        progress_->setVisible(jobs_.busy());
        cancel_->setVisible(jobs_.busy());
    });
    connect(&jobs_, &JobRunner::busy_changed, this, [this](bool busy) {
        if (busy && !progress_->isVisible()) progress_delay_.start();
        if (busy) return;
        progress_delay_.stop();
        progress_->hide();
        cancel_->hide();
    });
    memory_timer_.setInterval(2000);
    connect(&memory_timer_, &QTimer::timeout, this, &MainWindow::update_memory);
    memory_timer_.start();
    autosave_timer_.setInterval(60000);  // a crash loses at most the last minute
    connect(&autosave_timer_, &QTimer::timeout, this, &MainWindow::autosave);
    autosave_timer_.start();
    update_memory();
    resize(1400, 900);
}

MainWindow::~MainWindow() {
    // Not wait_for_idle(): processing events here delivered job ends and timers into a window
    // half torn down (a test's receiver already gone threw bad_alloc from inside it).
    jobs_.shut_down(3000);
    disk_writes_.waitForDone();
    // The docks and views outlive this destructor's body (QWidget deletes its children later):
    // nothing they emit or filter from now on may reach a MainWindow member.
    for (ViewDock* d : docks_) {
        d->disconnect(this);
        if (d->view()) d->view()->removeEventFilter(this);
    }
}

void MainWindow::update_memory() {
    // Resident set size from /proc: what the user sees in their system monitor.
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly)) return;
    const QList<QByteArray> parts = statm.readAll().split(' ');
    if (parts.size() < 2) return;
    const double mb =
        parts[1].toDouble() * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
    status_memory_->setText(tr("%1 MB").arg(mb, 0, 'f', 0));
}

// ---------------------------------------------------------------------------------------------
// Views

void MainWindow::add_view(widgets::View* view, Qt::DockWidgetArea area) {
    auto* d = new ViewDock(view, this);
    addDockWidget(area, d);
    docks_.push_back(d);
    view->follow(&selection_);
    // Shown (its tab brought forward, its dock opened, or presented): its held analyses start.
    view->installEventFilter(this);
    connect(d, &QDockWidget::visibilityChanged, this,
            [this, view = QPointer<QWidget>(view)](bool on) {
                if (!view) return;
                // Settled after the tab switch or the close: on screen, its held requests run;
                // hidden, its running ones stop until it is shown (JobRunner::suspend).
                QTimer::singleShot(0, this, [this, view, on] {
                    if (!view) return;
                    if (on && on_screen(view))
                        jobs_.release(view.data());
                    else if (!on && !batch_ && isVisible() && !on_screen(view))
                        jobs_.suspend(view.data());
                });
            });
    add_to_view_menu(d);
    d->set_presentation(presentation_);
}

bool MainWindow::waits_until_shown(const QWidget* view) const {
    return !batch_ && isVisible() && !on_screen(view);
}

bool MainWindow::on_screen(const QWidget* view) const {
    if (!view->isVisible()) return false;
    const QWidget* dock = view;
    while (dock && !qobject_cast<const QDockWidget*>(dock)) dock = dock->parentWidget();
    if (!dock) return true;  // lent to the presentation page
    // A tab group's bar keeps each dock's address as its tab data (QDockAreaLayoutInfo).
    const auto id = static_cast<qulonglong>(reinterpret_cast<quintptr>(dock));
    for (const QTabBar* bar : findChildren<QTabBar*>(QString(), Qt::FindDirectChildrenOnly))
        for (int i = 0; i < bar->count(); ++i)
            if (bar->tabData(i).toULongLong() == id) return i == bar->currentIndex();
    return true;
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::Show) {
        // After the show completes: the held requests redraw the view's state line.
        QTimer::singleShot(0, this,
                           [this, view = QPointer<QWidget>(qobject_cast<QWidget*>(watched))] {
                               if (view && on_screen(view)) jobs_.release(view.data());
                           });
    }
    return QMainWindow::eventFilter(watched, event);
}

QList<widgets::View*> MainWindow::views() const {
    QList<widgets::View*> out;
    for (ViewDock* d : docks_) out.append(d->view());
    return out;
}

ViewDock* MainWindow::dock(const QString& view_id) const {
    for (ViewDock* d : docks_)
        if (d->view()->view_id() == view_id) return d;
    return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Documents

std::shared_ptr<Dump> MainWindow::dump() const {
    return docs_.primary() ? docs_.primary()->dump() : nullptr;
}

void MainWindow::open_file(const QString& path, bool as_comparison) {
    docs_.open(path, as_comparison);
}

void MainWindow::open_folder(const QString& folder) {
    if (is_model_folder(folder.toStdString())) {  // one Hugging Face model, not a series
        open_file(folder);
        return;
    }
    QString error;
    if (!docs_.open_folder(folder, &error)) show_error(tr("Cannot open %1").arg(folder), error);
}

void MainWindow::attach_weights(const QString& path) {
    QString error;
    if (!docs_.attach_weights(path, &error)) show_error(tr("Cannot attach %1").arg(path), error);
}

void MainWindow::on_documents_changed() {
    refresh_primary();
    if (docs_.documents().empty()) emit primary_changed();  // refresh_primary emits otherwise
}

void MainWindow::on_loaded(const QString& path, Document* doc) {
    // The health scan reads every value once: a background job, the panel fills in when done.
    const gui_timing::Scope timed("window: file loaded");
    const std::shared_ptr<Dump> dump = doc->dump();
    QPointer<Document> guard(doc);
    jobs_.set_background(doc->id() + QStringLiteral("-health"));
    jobs_.request_as<DataHealth>(
        doc->id() + QStringLiteral("-health"), doc->id() + QStringLiteral("/health"),
        [dump](Progress& p) { return scan_health(*dump, p); },
        [this, guard](const DataHealth& h) {
            if (!guard) return;
            guard->set_health(h);
            if (docs_.primary() == guard) tree_->show_health(h);
        });
    add_recent(path);
    emit loaded(path);
    if (pending_session_) {
        pending_session_files_.removeAll(path);
        apply_pending_session();
    }
}

void MainWindow::on_load_failed(const QString& path, const QString& error, const QString& detail) {
    // The status line (and, with no file open, the views) said "Opening ...".
    on_documents_changed();
    show_error_dialog(this, tr("Cannot open %1").arg(QFileInfo(path).fileName()), error, detail);
    emit load_failed(path, error, detail);
    if (pending_session_) {
        pending_session_files_.removeAll(path);
        apply_pending_session();
    }
}

void MainWindow::offer_reload(Document* doc, const QString& reason) {
    auto* box = new QMessageBox(
        QMessageBox::Warning, tr("File changed on disk"),
        reason + tr("\n\nReload it? Results shown so far came from the file as it was."),
        QMessageBox::Yes | QMessageBox::No, this);
    box->setObjectName(QStringLiteral("reloadDialog"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    const QString path = doc->path();
    const bool primary = docs_.primary() == doc;
    connect(box->button(QMessageBox::Yes), &QPushButton::clicked, this,
            [this, path, primary] { open_file(path, !primary); });
    box->open();
}

void MainWindow::refresh_primary() {
    const std::vector<Document*>& documents = docs_.documents();
    if (documents.empty()) {
        if (presentation_) set_presentation(false);  // nothing to present; the welcome page
        setWindowTitle(QStringLiteral("Eigenscope"));
        status_file_->setText(tr("No file open"));
        status_dims_->clear();
        tree_->clear();
        nav_->set_dump(nullptr, {});
        if (!presentation_) {
            welcome_->show();
            place_welcome();
        }
        return;
    }
    show_workspace();
    Document* doc = documents.front();
    const Dump& d = *doc->dump();
    // The dataset panel is filled on a turn of its own (a timer: see DocumentSet::on_loaded),
    // so that the document's arrival is two shorter events; DocumentSet says loaded() after it.
    // The series' steps are a section of the panel: set after it is filled.
    QStringList steps;
    const auto& series = docs_.series();
    for (const auto& e : series) {
        steps << tr("step %1: %2")
                     .arg(e.step)
                     .arg(QFileInfo(QString::fromStdString(e.path)).fileName());
        // Same bytes as an earlier step (one file under two names): not a step of its own.
        if (e.same_as >= 0)
            steps.back() += tr(" (same weights as step %1)")
                                .arg(series[static_cast<std::size_t>(e.same_as)].step);
    }
    QTimer::singleShot(gui_timing::kDeferMs, tree_, [this, steps, doc = QPointer<Document>(doc)] {
        if (!doc || docs_.primary() != doc) return;
        const gui_timing::Scope timed("dataset tree");
        tree_->show_dump(*doc->dump(), doc->health());
        tree_->show_series(steps);
    });
    // The selection's new stream would make every feed ask now and again on primary_changed.
    const QScopedValueRollback<bool> refreshing(refreshing_primary_, true);
    // Names that tell the open files apart (two tl_f32.h5 of different runs: by their folders).
    const QStringList others = docs_.names().mid(1);
    const StreamInfo* stream = d.streams().empty() ? nullptr : &d.stream();
    widgets::Selection s = selection_.selection();
    if (stream && !d.find_stream(s.stream.toStdString()))
        s.stream = QString::fromStdString(stream->name);
    const StreamInfo* current = stream ? d.find_stream(s.stream.toStdString()) : nullptr;
    selection_.set_layer_count(current ? static_cast<int>(current->n_states()) : 1);
    if (s.prompt >= static_cast<int>(d.n_prompts())) s.prompt = 0;
    if (doc->id() != shown_primary_) {
        // Another file: tokens and heads picked in the last one mean nothing here.
        shown_primary_ = doc->id();
        s.tokens.clear();
        s.heads.clear();
        s.prompt = 0;
    }
    // The newest comparison is the one compared with; an earlier choice stays while it is open.
    const int newest = docs_.take_newest_comparison();
    if (documents.size() < 2)
        s.compare_document = -1;
    else if (newest > 0)
        s.compare_document = newest;
    else if (s.compare_document < 1 || s.compare_document >= static_cast<int>(documents.size()))
        s.compare_document = 1;
    {
        const gui_timing::Scope timed("selection (views and feeds following it)");
        selection_.set_selection(s);
    }
    {
        const gui_timing::Scope timed("navigation bar");
        nav_->set_dump(&d, others);
    }
    setWindowTitle(tr("%1 — Eigenscope").arg(QFileInfo(doc->path()).fileName()));
    const int compared = selection_.selection().compare_document;
    status_file_->setText(
        doc->path() +
        (compared > 0 && compared < static_cast<int>(documents.size())
             ? tr("  (compared with %1)").arg(documents[static_cast<std::size_t>(compared)]->path())
             : QString()));
    const ModelDims& m = d.dims();
    auto v = [](const std::optional<std::size_t>& x) {
        return x ? QString::number(*x) : QStringLiteral("?");
    };
    status_dims_->setText(tr("%1 layers · %2 heads · d_model %3 · %4 tokens")
                              .arg(v(m.n_layers), v(m.n_heads), v(m.d_model))
                              .arg(d.tokens().size()));
    const gui_timing::Scope timed("primary_changed (feeds)");
    refreshing_primary_ = false;
    emit primary_changed();
}

void MainWindow::show_workspace() {
    welcome_->hide();
}

void MainWindow::place_welcome() {
    if (!welcome_ || welcome_->isHidden()) return;
    // Centred between the toolbars and the status bar, over the empty views.
    QRect area = rect();
    area.setTop(std::max(menuBar()->geometry().bottom(), nav_->geometry().bottom()) + 1);
    area.setBottom(statusBar()->geometry().top() - 1);
    const QSize size = QSize(std::min(760, area.width() - 40), std::min(520, area.height() - 40))
                           .expandedTo(welcome_->minimumSizeHint())
                           .boundedTo(area.size());
    welcome_->setGeometry(QStyle::alignedRect(layoutDirection(), Qt::AlignCenter, size, area));
    welcome_->raise();
}

void MainWindow::close_all() {
    docs_.close_all();
}

void MainWindow::show_error(const QString& title, const QString& text) {
    show_error_dialog(this, title, text);  // error_dialog.h
}

// ---------------------------------------------------------------------------------------------
// Presentation, theme, window events

void MainWindow::set_presentation(bool on) {
    if (!presentation_mode_) return;  // not before the views exist
    presentation_ = on;
    // Controls read from afar too; the plots and the readout size their type themselves.
    QFont f = normal_font_;
    if (on) f.setPointSizeF(normal_font_.pointSizeF() * 1.4);
    QApplication::setFont(f);
    for (ViewDock* d : docks_) d->set_presentation(on);
    // The welcome card (no file open) stays out of a presentation and comes back after it.
    welcome_->setVisible(!on && docs_.documents().empty() && docs_.loads_in_flight() == 0);
    if (QAction* a = findChild<QAction*>(QStringLiteral("presentationAction"));
        a && a->isChecked() != on)
        a->setChecked(on);
    if (on)
        presentation_mode_->enter(!batch_);
    else
        presentation_mode_->leave();
    place_welcome();
}

void MainWindow::set_theme(const QString& theme) {
    theme_ = apply_theme(theme);
}

void MainWindow::resizeEvent(QResizeEvent* event) {
    QMainWindow::resizeEvent(event);
    place_welcome();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    for (int i = 0; i < urls.size() && i < 2; ++i) {
        if (!urls[i].isLocalFile()) continue;
        const QString p = urls[i].toLocalFile();
        if (p.endsWith(QLatin1String(".eigenscope")))
            restore_session(p);
        else if (QFileInfo(p).isDir())
            open_folder(p);
        else
            open_file(p, i > 0);
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
    autosave();
    jobs_.cancel_all();
    QMainWindow::closeEvent(event);
}

}  // namespace es::app
