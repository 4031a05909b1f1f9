// MainWindow: the recent files, sessions (saved, restored, autosaved) and the result cache.
#include <QDir>
#include <QFileInfo>
#include <QMenu>
#include <QSettings>
#include <QStandardPaths>

#include "main_window.h"
#include "view_dock.h"
#include "welcome_page.h"

namespace es::app {

namespace {

constexpr int kMaxRecent = 10;

QString autosave_path() {
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QDir().mkpath(dir);
    return QDir(dir).filePath(QStringLiteral("last-session.eigenscope"));
}

}  // namespace

void MainWindow::add_recent(const QString& path) {
    if (batch_) return;
    QStringList files = recent_;
    const QString abs = QFileInfo(path).absoluteFilePath();
    files.removeAll(abs);
    files.prepend(abs);
    while (files.size() > kMaxRecent) files.removeLast();
    recent_ = files;
    disk_writes_.start([files] { QSettings().setValue(QStringLiteral("recent_files"), files); });
    rebuild_recent_menu();
    if (welcome_) welcome_->set_recent(files);
}

void MainWindow::rebuild_recent_menu() {
    recent_menu_->clear();
    for (const QString& f : recent_files())
        recent_menu_->addAction(f, this, [this, f] { open_file(f); });
    recent_menu_->setEnabled(!recent_menu_->isEmpty());
}

SessionState MainWindow::session_state() const {
    SessionState s;
    for (Document* d : docs_.documents()) s.documents << QFileInfo(d->path()).absoluteFilePath();
    s.series_folder = docs_.series_folder();
    if (docs_.primary())
        s.primary_weights = QString::fromStdString(docs_.primary()->dump()->weights_path());
    s.geometry = saveGeometry();
    s.window_state = saveState();
    s.selection = selection_.selection();
    for (ViewDock* d : docks_) s.views.insert(d->view()->view_id(), d->view()->save_settings());
    s.presentation = presentation_;
    s.theme = theme_;
    return s;
}

bool MainWindow::save_session(const QString& path, QString* error) {
    return write_session(path, session_state(), error);
}

void MainWindow::restore_session(const QString& path) {
    QString error;
    auto s = read_session(path, &error);
    if (!s) {
        show_error(tr("Cannot open the session"), error);
        return;
    }
    pending_session_ = *s;
    pending_session_files_ = s->documents;
    close_all();
    // A series that is gone: the dumps still open; the panel shows no steps.
    if (!s->series_folder.isEmpty()) docs_.set_series(s->series_folder, nullptr);
    for (int i = 0; i < s->documents.size(); ++i)
        docs_.open(s->documents[i], i > 0, i == 0 ? s->primary_weights : QString());
    apply_pending_session();
}

void MainWindow::apply_pending_session() {
    if (!pending_session_ || !pending_session_files_.isEmpty() || docs_.loads_in_flight() > 0)
        return;
    const SessionState s = *pending_session_;
    pending_session_.reset();
    restoreGeometry(s.geometry);
    restoreState(s.window_state);
    set_theme(s.theme.isEmpty() ? theme_ : s.theme);
    for (ViewDock* d : docks_)
        d->view()->restore_settings(s.views.value(d->view()->view_id()).toObject());
    selection_.set_selection(s.selection);
    set_presentation(s.presentation);
    emit session_restored();
}

void MainWindow::clear_result_cache() {
    result_cache_->clear();
    jobs_.clear_cache();  // and the in-memory copies, so nothing stale is shown
}

QString MainWindow::autosave_file() {
    return autosave_path();
}

void MainWindow::autosave() {
    if (docs_.documents().empty() || batch_) return;
    disk_writes_.start(
        [path = autosave_path(), state = session_state()] { write_session(path, state, nullptr); });
}

}  // namespace es::app
