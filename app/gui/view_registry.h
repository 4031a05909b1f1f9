#pragma once
// Every analysis view the app shows, as the rows of one table: its id, where its dock goes, the
// figures `eigenscope --export` renders from it, and how it is made and fed. A new view is its
// files (core/analysis, widgets/<name>_view, a feed) plus one row in view_registry.cpp.
#include <QString>
#include <QStringList>
#include <Qt>
#include <functional>

class QWidget;
#include <vector>

namespace es::widgets {
class View;
}

namespace es::app {

class MainWindow;

// Where a view's dock goes on the first screen: the trajectory (the lecturer's view) first, the
// spectrum beside it, CKA under it, every other view in a tab with CKA.
enum class DockPlace { First, Beside, Below, Tabbed };

struct ViewRow {
    QString id;  // the view's view_id(): sessions, --export, the dock's object name
    DockPlace place = DockPlace::Tabbed;
    QStringList figures;        // what --export accepts from this view (View::figures())
    bool needs_opengl = false;  // its figure is a raster of an OpenGL scene (needs an X server)
    // Creates the view, docks it (MainWindow::add_view) and connects its feed.
    std::function<widgets::View*(MainWindow&)> make;
    // Creates the view alone, without a window or a feed (its declared settings: --list-options).
    std::function<widgets::View*(QWidget*)> create;
};

// A row's make(): the view of type V, docked on the right and fed by `feed`. (MainWindow must be
// complete where this is used: the feed files include main_window.h.)
template <typename V, typename Window = MainWindow>
std::function<widgets::View*(MainWindow&)> fed_by(void (*feed)(Window&, V*)) {
    return [feed](Window& w) -> widgets::View* {
        auto* view = new V(&w);
        w.add_view(view, Qt::RightDockWidgetArea);
        feed(w, view);
        return view;
    };
}

// A row: figures default to the view's id alone.
template <typename V, typename Window = MainWindow>
ViewRow view_row(const char* id, DockPlace place, void (*feed)(Window&, V*),
                 QStringList figures = {}, bool needs_opengl = false) {
    if (figures.isEmpty()) figures << QString::fromLatin1(id);
    return {QString::fromLatin1(id),
            place,
            figures,
            needs_opengl,
            fed_by(feed),
            [](QWidget* parent) -> widgets::View* { return new V(parent); }};
}

// The table, in the order the docks are created.
const std::vector<ViewRow>& view_table();
// Every figure id --export accepts, from the table.
QStringList figure_ids();
// The row whose view draws this figure, or nullptr.
const ViewRow* row_for_figure(const QString& figure);
// Whether exporting this figure needs OpenGL; false for unknown ids.
bool figure_needs_opengl(const QString& figure);

// Creates every view of the table in the window and places the docks.
void create_views(MainWindow& window);
// Gives the docks their default proportions for the window's current size.
void arrange_docks(MainWindow& window);

}  // namespace es::app
