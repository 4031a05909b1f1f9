// The main window's menus, status bar and window-wide keys (main_window.cpp holds the rest).
#include <QAction>
#include <QActionGroup>
#include <QFileDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QSettings>
#include <QShortcut>
#include <QStatusBar>
#include <QToolButton>

#include "demo_locator.h"
#include "export_actions.h"
#include "main_window.h"
#include "navigation_bar.h"
#include "presentation_mode.h"
#include "result_view.h"
#include "version.h"
#include "view_dock.h"

namespace es::app {

// ---------------------------------------------------------------------------------------------
// Menus, status bar, keyboard

void MainWindow::build_menus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open…"), QKeySequence::Open, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open activation dump"), QString(),
            tr("Dumps and checkpoints (*.h5 *.hdf5 *.safetensors *.safetensors.index.json);;"
               "HDF5 dumps (*.h5 *.hdf5);;Hugging Face checkpoints (*.safetensors "
               "*.safetensors.index.json);;Sessions (*.eigenscope);;All files (*)"));
        if (path.endsWith(QLatin1String(".eigenscope")))
            restore_session(path);
        else if (!path.isEmpty())
            open_file(path);
    });
    file->addAction(tr("Open for &Comparison…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open a dump to compare"), QString(), tr("HDF5 dumps (*.h5 *.hdf5)"));
        if (!path.isEmpty()) open_file(path, true);
    });
    // A model folder (config.json, .safetensors) opens as one model; any other folder (.h5
    // dumps, Trainer checkpoint-STEP/ folders, model folders) as a checkpoint series.
    file->addAction(tr("Open &Folder (model or checkpoint series)…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(
            this, tr("Open a Hugging Face model folder or a checkpoint folder"));
        if (!dir.isEmpty()) open_folder(dir);
    });
    QAction* attach = file->addAction(tr("Attach &Weights…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(
            this, tr("Weights for this dump: a Hugging Face model folder"));
        if (!dir.isEmpty()) attach_weights(dir);
    });
    attach->setObjectName(QStringLiteral("attachWeights"));
    attach->setToolTip(
        tr("Take the weights (logit lens, W_E/W_U angles, head views) from a model folder"));
    file->addAction(tr("Open &Demo"), this, [this] { open_file(demo_dump_path()); });
    recent_menu_ = file->addMenu(tr("Open &Recent"));
    rebuild_recent_menu();
    file->addSeparator();
    file->addAction(tr("&Save Session…"), QKeySequence::Save, this, [this] {
        QString path = QFileDialog::getSaveFileName(this, tr("Save session"), QString(),
                                                    tr("Sessions (*.eigenscope)"));
        if (path.isEmpty()) return;
        if (!path.endsWith(QLatin1String(".eigenscope"))) path += QStringLiteral(".eigenscope");
        QString error;
        if (!save_session(path, &error)) show_error(tr("Cannot save the session"), error);
    });
    file->addAction(tr("Open Sess&ion…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open session"), QString(),
                                                          tr("Sessions (*.eigenscope)"));
        if (!path.isEmpty()) restore_session(path);
    });
    file->addAction(tr("&Close"), QKeySequence::Close, this, &MainWindow::close_all);
    file->addSeparator();
    QAction* clear = file->addAction(tr("Clear Result C&ache"), this, [this] {
        clear_result_cache();
        statusBar()->showMessage(tr("Result cache cleared"), 4000);
    });
    clear->setObjectName(QStringLiteral("clearResultCache"));
    clear->setToolTip(tr("Forget the spectra, CKA, projections and weight spectra kept on disk"));
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    add_export_actions(*this, file);  // Export View/Report in File, Copy Image in Edit
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("viewMenu"));
    QAction* present =
        view->addAction(tr("&Presentation Mode"), this, [this](bool on) { set_presentation(on); });
    present->setObjectName(QStringLiteral("presentationAction"));
    present->setCheckable(true);
    present->setShortcut(Qt::Key_F5);
    addAction(present);  // F5 leaves again with the menu bar hidden (a hidden menu's keys are off)
    QMenu* present_view = view->addMenu(tr("P&resent View"));
    present_view->setObjectName(QStringLiteral("presentMenu"));
    QMenu* theme = view->addMenu(tr("&Theme"));
    auto* group = new QActionGroup(this);
    for (const auto& [id, label] : {std::pair{QStringLiteral("system"), tr("System")},
                                    std::pair{QStringLiteral("light"), tr("Light")},
                                    std::pair{QStringLiteral("dark"), tr("Dark")}}) {
        QAction* a = theme->addAction(label, this, [this, id = id] { set_theme(id); });
        a->setCheckable(true);
        a->setChecked(id == QStringLiteral("system"));
        group->addAction(a);
    }
    QAction* restore = view->addAction(tr("Restore Last Session on Start"));
    restore->setCheckable(true);
    restore->setChecked(QSettings().value(QStringLiteral("restore_last_session"), false).toBool());
    connect(restore, &QAction::toggled, this, [this](bool on) {
        disk_writes_.start(
            [on] { QSettings().setValue(QStringLiteral("restore_last_session"), on); });
    });
    view->addSeparator();
    view->addSection(tr("Panels"));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Eigenscope"), this, [this] {
        QMessageBox::about(
            this, tr("About Eigenscope"),
            tr("<b>Eigenscope %1</b><p>An explorer for the latent geometry of transformer "
               "language models.</p>")
                .arg(QStringLiteral(EIGENSCOPE_VERSION)));
    });
}

void MainWindow::build_status_bar() {
    status_file_ =
        new QLabel(tr("No file open: File ▸ Open, drop an .h5 file here, or Open Demo"), this);
    status_file_->setObjectName(QStringLiteral("statusFile"));
    status_file_->setSizePolicy(QSizePolicy::Ignored,
                                QSizePolicy::Preferred);  // long paths never widen the window
    status_dims_ = new QLabel(this);
    status_memory_ = new QLabel(this);
    status_memory_->setObjectName(QStringLiteral("statusMemory"));
    progress_ = new QProgressBar(this);
    progress_->setObjectName(QStringLiteral("jobProgress"));
    progress_->setRange(0, 1000);
    // Wide enough for "2 jobs: spectrum: layer 17 of 33 52%" (longer texts are elided): at its
    // size hint (about 90 px) the text wrapped and was cut to "2 jobs: health:".
    progress_->setFixedWidth(320);
    progress_->setTextVisible(true);
    progress_->hide();
    cancel_ = new QToolButton(this);
    cancel_->setObjectName(QStringLiteral("cancelJobs"));
    cancel_->setText(tr("Cancel"));
    cancel_->hide();
    connect(cancel_, &QToolButton::clicked, this, [this] { jobs_.cancel_all(); });
    // What computes now and what waits until shown, in the order the jobs started.
    status_jobs_ = new QLabel(this);
    status_jobs_->setObjectName(QStringLiteral("statusJobs"));
    status_jobs_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    connect(&jobs_, &JobRunner::activity_changed, status_jobs_, [this] {
        QStringList parts = jobs_.activity();
        if (const int held = jobs_.held_count())
            parts << tr("%n hidden view(s) wait until shown", nullptr, held);
        status_jobs_->setText(parts.join(QStringLiteral(" · ")));
    });
    statusBar()->addWidget(status_file_, 1);
    statusBar()->addWidget(status_jobs_, 2);
    statusBar()->addPermanentWidget(progress_);
    statusBar()->addPermanentWidget(cancel_);
    statusBar()->addPermanentWidget(status_dims_);
    statusBar()->addPermanentWidget(status_memory_);
}

void MainWindow::build_shortcuts() {
    // Window-wide, so the lecturer drives layers without clicking the slider first.
    auto shortcut = [this](QKeySequence key, auto fn) {
        auto* s = new QShortcut(key, this);
        s->setContext(Qt::WindowShortcut);
        connect(s, &QShortcut::activated, this, fn);
    };
    shortcut(QKeySequence(Qt::Key_PageDown), [this] { selection_.step_layer(1); });
    shortcut(QKeySequence(Qt::Key_PageUp), [this] { selection_.step_layer(-1); });
    shortcut(QKeySequence(Qt::CTRL | Qt::Key_Home), [this] { selection_.set_layer(0); });
    shortcut(QKeySequence(Qt::CTRL | Qt::Key_End),
             [this] { selection_.set_layer(selection_.layer_count() - 1); });
    shortcut(QKeySequence(Qt::Key_Space), [this] { nav_->set_playing(!nav_->playing()); });
    shortcut(QKeySequence(Qt::Key_Escape), [this] {
        if (presentation_) set_presentation(false);
    });
}

void MainWindow::add_to_view_menu(ViewDock* d) {
    // One click finds a panel by name: a closed one opens, one behind another tab comes forward,
    // one in sight closes. The check mark says whether it is open.
    if (auto* menu = findChild<QMenu*>(QStringLiteral("viewMenu"))) {
        QAction* a = menu->addAction(d->view()->title());
        a->setObjectName(QStringLiteral("panel_") + d->view()->view_id());
        a->setCheckable(true);
        a->setChecked(d->toggleViewAction()->isChecked());
        connect(d->toggleViewAction(), &QAction::toggled, a, &QAction::setChecked);
        connect(a, &QAction::triggered, d, [d, a] {
            if (d->isVisible() && !d->visibleRegion().isEmpty()) {
                d->close();
            } else {
                d->show();
                d->raise();
            }
            a->setChecked(!d->isHidden());
        });
    }
    auto* present = findChild<QMenu*>(QStringLiteral("presentMenu"));
    if (present && qobject_cast<widgets::ResultView*>(d->view())) {
        const QString id = d->view()->view_id();
        present->addAction(d->view()->title(), this, [this, id] {
            if (!presentation_) set_presentation(true);
            presentation_mode_->present(id);
        });
    }
}

}  // namespace es::app
