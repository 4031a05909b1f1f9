#pragma once
// Shown while no dump is open, as a card over the (empty) docks: open a file, a folder
// (checkpoint series), the demo, or a recent file.
#include <QFrame>

class QListWidget;

namespace es::app {

class WelcomePage : public QFrame {
    Q_OBJECT
public:
    explicit WelcomePage(QWidget* parent = nullptr);
    void set_recent(const QStringList& files);
    QListWidget* recent_list() const { return recent_; }

signals:
    void open_file_requested();
    void open_folder_requested();
    void open_demo_requested();
    void open_recent_requested(const QString& path);

private:
    QListWidget* recent_ = nullptr;
};

}  // namespace es::app
