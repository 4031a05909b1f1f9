#pragma once
// The main window: documents (one primary dump, optionally others to compare), dockable views
// that follow one shared selection, the navigation toolbar, background jobs with progress and
// cancel, sessions, presentation mode and themes.
#include <QMainWindow>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>
#include <memory>
#include <optional>
#include <vector>

#include "cache/result_cache.h"
#include "document.h"
#include "document_set.h"
#include "io/checkpoint_series.h"
#include "job_runner.h"
#include "selection.h"
#include "session.h"

class QLabel;
class QMenu;
class QProgressBar;
class QToolButton;

namespace es::widgets {
class DumpTreeView;
class View;
}  // namespace es::widgets

namespace es::app {

class NavigationBar;
class PresentationMode;
class ViewDock;
class WelcomePage;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens a dump in the background (probe in a child process, then in-process). With
    // as_comparison the primary dump stays and this one becomes the compared dump.
    void open_file(const QString& path, bool as_comparison = false);
    // A Hugging Face model folder opens as one dump; any other folder as a checkpoint series
    // (the last step is primary).
    void open_folder(const QString& folder);
    // Reopens the primary dump with its weights from `path` (File > Attach Weights...).
    void attach_weights(const QString& path);
    void close_all();

    // Sessions: save writes atomically; restore opens the dumps and then applies the rest.
    bool save_session(const QString& path, QString* error = nullptr);
    void restore_session(const QString& path);
    SessionState session_state() const;

    // Presentation mode (presentation_mode.h): one view full-screen with a live readout.
    void set_presentation(bool on);
    bool presentation() const { return presentation_; }
    PresentationMode* presentation_mode() const { return presentation_mode_; }
    void set_theme(const QString& theme);

    void add_view(widgets::View* view, Qt::DockWidgetArea area);
    QList<widgets::View*> views() const;
    ViewDock* dock(const QString& view_id) const;

    std::shared_ptr<Dump> dump() const;  // the primary dump, or null
    DocumentSet& document_set() { return docs_; }
    const std::vector<Document*>& documents() const { return docs_.documents(); }
    widgets::DumpTreeView* dataset_panel() const { return tree_; }
    // The open checkpoint series (empty when none), ordered by step.
    const std::vector<CheckpointEntry>& series() const { return docs_.series(); }
    const QString& series_folder() const { return docs_.series_folder(); }
    widgets::SelectionModel* selection_model() { return &selection_; }
    JobRunner* jobs() { return &jobs_; }
    // Results kept on disk between runs (XDG cache dir, size limit from the settings).
    const std::shared_ptr<ResultCache>& result_cache() const { return result_cache_; }
    void clear_result_cache();
    // Headless use (eigenscope --export): the user's recent files and last session are left alone.
    void set_batch_mode(bool on) { batch_ = on; }
    // Whether a view's analysis waits until it is shown: the window is on screen (not headless,
    // not batch) and the view is not (a dock behind another tab, or closed). Shown, it asks again
    // (JobRunner::release). What runs and what waits is in the status bar.
    bool waits_until_shown(const QWidget* view) const;
    // Whether a view is on screen: shown, and its dock not a tab behind another (Qt keeps the
    // docks of a tab group all "visible", stacked, so isVisible() alone does not say).
    bool on_screen(const QWidget* view) const;
    NavigationBar* navigation() const { return nav_; }
    // The last session is autosaved this often (and on close) so a crash loses at most this
    // much work; tests shorten it to see the autosave happen.
    int autosave_interval_ms() const { return autosave_timer_.interval(); }
    void set_autosave_interval_ms(int ms) { autosave_timer_.setInterval(ms); }
    static QString autosave_file();
    // Jobs shorter than this never show the progress bar.
    static constexpr int progress_delay_ms() { return kProgressDelayMs; }
    WelcomePage* welcome() const { return welcome_; }
    // While a new primary document's selection is set: primary_changed() follows, so the feeds
    // ask once, then.
    bool refreshing_primary() const { return refreshing_primary_; }

signals:
    void loaded(const QString& path);
    void load_failed(const QString& path, const QString& error, const QString& detail);
    void session_restored();
    void primary_changed();  // views re-request their analyses

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void build_menus();
    void build_status_bar();
    void build_shortcuts();
    // The dock's entries in the View menu (show / bring forward / close) and in View ▸ Present.
    void add_to_view_menu(ViewDock* dock);
    void on_documents_changed();
    void on_loaded(const QString& path, Document* doc);
    void on_load_failed(const QString& path, const QString& error, const QString& detail);
    void offer_reload(Document* doc, const QString& reason);
    void refresh_primary();
    // The welcome card leaves the docks to themselves (once a file is opening or open).
    void show_workspace();
    // The welcome card's place: centred over the docks, between the toolbars and status bar.
    void place_welcome();
    void show_error(const QString& title, const QString& text);
    void add_recent(const QString& path);
    const QStringList& recent_files() const { return recent_; }
    void rebuild_recent_menu();
    void apply_pending_session();
    void autosave();
    void update_memory();

    widgets::SelectionModel selection_;
    // Settings and autosaves are written here, one at a time and in order: each write ends in
    // an fdatasync (QLockFile, QSaveFile) that took 526 ms on the GUI thread while a build wrote
    // to the same disk (bench_app_open on M: the open's longest stall). Waited for on
    // destruction, so the last autosave lands.
    QThreadPool disk_writes_;
    QStringList recent_;  // the recent files, as last written
    JobRunner jobs_;
    DocumentSet docs_{jobs_};  // after jobs_: it cancels the jobs of documents it closes
    std::shared_ptr<ResultCache> result_cache_;
    bool batch_ = false;
    NavigationBar* nav_ = nullptr;
    WelcomePage* welcome_ = nullptr;
    widgets::DumpTreeView* tree_ = nullptr;
    std::vector<ViewDock*> docks_;
    QString shown_primary_;  // the primary document the selection was last set up for
    std::optional<SessionState> pending_session_;
    bool refreshing_primary_ = false;
    QStringList pending_session_files_;
    bool presentation_ = false;
    PresentationMode* presentation_mode_ = nullptr;
    QString theme_ = QStringLiteral("system");
    QFont normal_font_;

    QLabel* status_file_ = nullptr;
    QLabel* status_dims_ = nullptr;
    QLabel* status_memory_ = nullptr;
    QLabel* status_jobs_ = nullptr;  // "spectrum: layer 17 of 33 · cka: ... · 4 views wait"
    QProgressBar* progress_ = nullptr;
    QToolButton* cancel_ = nullptr;
    QMenu* recent_menu_ = nullptr;
    QTimer memory_timer_, autosave_timer_;
    QTimer progress_delay_;
    static constexpr int kProgressDelayMs = 400;
};

}  // namespace es::app
