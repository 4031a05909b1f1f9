#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QStatusBar>
#include <QtConcurrent/QtConcurrentRun>

#include "demo_locator.h"
#include "dump_tree_view.h"
#include "util/error.h"
#include "version.h"

namespace es::app {

namespace {

LoadResult load(const QString& path) {
    LoadResult r;
    r.path = path;
    try {
        r.dump = Dump::open(path.toStdString());
        r.health = scan_health(*r.dump);
    } catch (const std::exception& e) {
        r.dump.reset();
        r.error = QString::fromStdString(e.what());
    }
    return r;
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(QStringLiteral("Eigenscope"));
    setAcceptDrops(true);
    tree_ = new widgets::DumpTreeView(this);
    setCentralWidget(tree_);
    status_file_ = new QLabel(tr("No file open: File ▸ Open, drop an .h5 file here, or File ▸ Open Demo"), this);
    status_dims_ = new QLabel(this);
    statusBar()->addWidget(status_file_, 1);
    statusBar()->addPermanentWidget(status_dims_);
    build_menus();
    connect(&watcher_, &QFutureWatcher<LoadResult>::finished, this, &MainWindow::on_loaded);
    resize(1100, 750);
}

MainWindow::~MainWindow() { watcher_.waitForFinished(); }

void MainWindow::build_menus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open activation dump"), QString(),
                                                          tr("HDF5 dumps (*.h5 *.hdf5);;All files (*)"));
        if (!path.isEmpty()) open_file(path);
    });
    open->setShortcut(QKeySequence::Open);
    file->addAction(tr("Open &Demo"), this, [this] { open_file(demo_dump_path()); });
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Eigenscope"), this, [this] {
        QMessageBox::about(this, tr("About Eigenscope"),
                           tr("<b>Eigenscope %1</b><p>An explorer for the latent geometry of transformer "
                              "language models.</p>").arg(QStringLiteral(EIGENSCOPE_VERSION)));
    });
}

void MainWindow::open_file(const QString& path) {
    if (watcher_.isRunning()) watcher_.waitForFinished();  // one load at a time; loads are short
    status_file_->setText(tr("Opening %1…").arg(QFileInfo(path).fileName()));
    watcher_.setFuture(QtConcurrent::run(load, path));
}

void MainWindow::on_loaded() {
    LoadResult r = watcher_.result();
    if (!r.dump) {
        status_file_->setText(dump_ ? QString::fromStdString(dump_->path()) : tr("No file open"));
        show_error(tr("Cannot open %1").arg(QFileInfo(r.path).fileName()), r.error);
        emit load_failed(r.path, r.error);
        return;
    }
    dump_ = r.dump;
    health_ = r.health;
    tree_->show_dump(*dump_, health_);
    setWindowTitle(tr("%1 — Eigenscope").arg(QFileInfo(r.path).fileName()));
    status_file_->setText(r.path);
    const ModelDims& m = dump_->dims();
    auto v = [](const std::optional<std::size_t>& x) { return x ? QString::number(*x) : QStringLiteral("?"); };
    status_dims_->setText(tr("%1 layers · %2 heads · d_model %3 · %4 tokens")
                              .arg(v(m.n_layers), v(m.n_heads), v(m.d_model))
                              .arg(dump_->tokens().size()));
    emit loaded(r.path);
}

void MainWindow::show_error(const QString& title, const QString& text) {
    // Window-modal and non-blocking: the event loop (and any test driving it) keeps running.
    auto* box = new QMessageBox(QMessageBox::Critical, title, text, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("errorDialog"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile()) open_file(urls.first().toLocalFile());
}

}  // namespace es::app
