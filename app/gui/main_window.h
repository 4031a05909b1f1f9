#pragma once
// The main window: opens dumps off the GUI thread, shows what they hold in the dataset panel,
// reports bad files in a dialog and stays up.
#include <QFutureWatcher>
#include <QMainWindow>
#include <memory>

#include "io/data_health.h"
#include "io/dump.h"

class QLabel;

namespace es::widgets {
class DumpTreeView;
}

namespace es::app {

// What opening a file produces: a dump and its health, or the one-line error.
struct LoadResult {
    QString path;
    std::shared_ptr<Dump> dump;
    DataHealth health;
    QString error;
};

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Starts opening a file in the background; loaded() or load_failed() follows.
    void open_file(const QString& path);
    std::shared_ptr<Dump> dump() const { return dump_; }
    widgets::DumpTreeView* dataset_panel() const { return tree_; }

signals:
    void loaded(const QString& path);
    void load_failed(const QString& path, const QString& error);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void build_menus();
    void on_loaded();
    void show_error(const QString& title, const QString& text);

    widgets::DumpTreeView* tree_ = nullptr;
    QLabel* status_file_ = nullptr;
    QLabel* status_dims_ = nullptr;
    QFutureWatcher<LoadResult> watcher_;
    std::shared_ptr<Dump> dump_;
    DataHealth health_;
};

}  // namespace es::app
