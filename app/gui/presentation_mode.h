#pragma once
// Presentation mode (F5): a layout for a lecture room, not a font size. One view fills the
// screen beside a live readout of the state on screen ("block 7 output", mean ‖h‖ and its growth
// from the previous state, mean cosine to it), under the view's name and caption; menus,
// toolbar, status bar and the other panels step aside. Any view can be presented; Tab and
// Shift+Tab cycle through those with something to show. Stepping keys stay as they are (PageUp,
// PageDown, Space, Ctrl+Home/End) and arrows, Home and End step too; Esc or F5 leaves and brings
// the window back as it was. The same page rendered off screen at a chosen size is a slide
// (slides.h).
#include <QImage>
#include <QObject>
#include <QPointer>
#include <QSize>
#include <QString>
#include <QStringList>

class QLabel;
class QVBoxLayout;
class QWidget;

namespace es::widgets {
class ReadoutPanel;
class View;
}  // namespace es::widgets

namespace es::app {

class MainWindow;
class ViewDock;

class PresentationMode : public QObject {
    Q_OBJECT
public:
    explicit PresentationMode(MainWindow& window);
    ~PresentationMode() override;

    bool active() const { return active_; }
    // Enters with the view presented last (the trajectory at first). full_screen: false for
    // slides rendered without a screen.
    void enter(bool full_screen = true);
    void leave();
    // Presents another view (entering if needed); false for an id no view has.
    bool present(const QString& view_id);
    // The next (step 1) or previous (-1) view with something to show.
    void cycle(int step);
    const QString& presented() const { return view_id_; }
    // The views that can be presented, in the View menu's order.
    QStringList presentable() const;

    QWidget* page() const;
    widgets::ReadoutPanel* readout() const { return readout_; }
    // The page as a slide of `size` pixels: laid out and drawn again at that size off screen
    // (ParaView's habit: re-render at the target size, never grab the screen).
    QImage render(QSize size);

signals:
    void presented_changed(const QString& view_id);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void lend(const QString& view_id);
    void give_back();
    void update_readout();
    void update_header();

    MainWindow& window_;
    QWidget* page_ = nullptr;
    QLabel* title_ = nullptr;
    QLabel* caption_ = nullptr;
    QLabel* footer_ = nullptr;
    QVBoxLayout* slot_ = nullptr;
    widgets::ReadoutPanel* readout_ = nullptr;
    QString view_id_ = QStringLiteral("trajectory");
    ViewDock* lent_from_ = nullptr;
    QByteArray saved_state_, saved_geometry_;
    bool was_full_screen_ = false, was_maximized_ = false;
    bool active_ = false;
};

}  // namespace es::app
