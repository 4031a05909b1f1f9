#pragma once
// The toolbar every view follows: stream, layer slider (arrows/PageUp/PageDown step, Home/End
// jump), prompt and token pickers, head picker, play/pause across layers with a speed, and the
// dump to compare with. It only writes into the shared SelectionModel and mirrors it back.
#include <QStringList>
#include <QTimer>
#include <QToolBar>

#include "io/dump.h"
#include "selection.h"

class QComboBox;
class QLabel;
class QSlider;

namespace es::app {

class NavigationBar : public QToolBar {
    Q_OBJECT
public:
    NavigationBar(widgets::SelectionModel* model, QWidget* parent = nullptr);

    // Fills the pickers from the primary dump; compare_names lists the other open dumps.
    void set_dump(const Dump* dump, const QStringList& compare_names);
    QSlider* layer_slider() const { return slider_; }
    QAction* play_action() const { return play_; }
    bool playing() const { return timer_.isActive(); }
    void set_playing(bool on);
    void set_speed(double layers_per_second);
    double speed() const;

private:
    // A labelled combo box on the bar ("Token" and its box), named for tests.
    QComboBox* add_picker(const QString& label, const QString& name);
    void sync_from_model(const widgets::Selection& s);
    void fill_tokens(int prompt);
    widgets::SelectionModel* model_;
    const Dump* dump_ = nullptr;
    QComboBox* stream_ = nullptr;
    QSlider* slider_ = nullptr;
    QLabel* layer_label_ = nullptr;
    QComboBox* prompt_ = nullptr;
    QComboBox* token_ = nullptr;
    QComboBox* head_ = nullptr;
    QComboBox* speed_ = nullptr;
    QComboBox* compare_ = nullptr;
    QAction* play_ = nullptr;
    QTimer timer_;
    bool syncing_ = false;
};

}  // namespace es::app
