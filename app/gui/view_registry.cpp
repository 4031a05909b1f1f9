#include <algorithm>

#include "view_registry.h"

#include <QScreen>
#include <QTabBar>
#include <QTimer>

#include "main_window.h"
#include "view_dock.h"
#include "view_feeds.h"

namespace es::app {

const std::vector<ViewRow>& view_table() {
    static const std::vector<ViewRow> table = [] {
        std::vector<ViewRow> rows;
        for (auto part : {layer_view_rows, weight_view_rows, token_view_rows, projection_view_rows,
                          directions_view_rows})
            for (ViewRow& row : part()) rows.push_back(std::move(row));
        return rows;
    }();
    return table;
}

QStringList figure_ids() {
    QStringList out;
    for (const ViewRow& row : view_table()) out << row.figures;
    return out;
}

const ViewRow* row_for_figure(const QString& figure) {
    for (const ViewRow& row : view_table())
        if (row.figures.contains(figure)) return &row;
    return nullptr;
}

bool figure_needs_opengl(const QString& figure) {
    const ViewRow* row = row_for_figure(figure);
    return row && row->needs_opengl;
}

void create_views(MainWindow& w) {
    for (const ViewRow& row : view_table()) {
        widgets::View* view = row.make(w);
        Q_ASSERT(view->view_id() == row.id && view->figures() == row.figures);
    }
    const auto first = std::find_if(view_table().begin(), view_table().end(),
                                    [](const ViewRow& r) { return r.place == DockPlace::First; });
    const auto below = std::find_if(view_table().begin(), view_table().end(),
                                    [](const ViewRow& r) { return r.place == DockPlace::Below; });
    ViewDock* top = w.dock(first->id);
    ViewDock* tabs = w.dock(below->id);
    // Beside and below the first view first, then the tabs: splitting a tabbed dock would move
    // the whole tab group.
    for (const ViewRow& row : view_table())
        if (row.place == DockPlace::Beside) w.splitDockWidget(top, w.dock(row.id), Qt::Horizontal);
    w.splitDockWidget(top, tabs, Qt::Vertical);
    for (const ViewRow& row : view_table())
        if (row.place == DockPlace::Tabbed) w.tabifyDockWidget(tabs, w.dock(row.id));
    tabs->raise();
    arrange_docks(w);
}

void arrange_docks(MainWindow& w) {
    // A narrow dataset panel, the trajectory (the lecturer's view) largest, the tabbed analyses
    // under it. Called again once the window is shown: sizes set before it are only a guess.
    // Per dock area: a size list spanning the left and right areas is not applied.
    for (const char* id : {"dataset", "trajectory", "spectrum", "cka"})
        if (!w.dock(QString::fromLatin1(id))) return;  // a window without the standard views
    // resizeDocks gives a lone dock all the space the other area does not claim, so the dataset
    // panel is capped for one layout pass instead and released afterwards (user can widen it).
    // The window never stays larger than its screen (a 1280x720 projector): while the docks
    // were first filled, their summed minimum sizes may have grown it.
    if (const QScreen* screen = w.screen(); screen && !w.isFullScreen() && !w.isMaximized()) {
        const QRect avail = screen->availableGeometry();
        const QSize room = avail.size() - (w.frameGeometry().size() - w.geometry().size());
        if (w.width() > room.width() || w.height() > room.height()) {
            w.resize(w.size().boundedTo(room));
            w.move(avail.topLeft());
        } else if (!avail.contains(w.frameGeometry())) {
            // It fits but was placed half off screen (grown after being centred; X without a
            // window manager does not move it back): slide it in.
            const QRect f = w.frameGeometry();
            w.move(std::clamp(f.x(), avail.left(), avail.right() + 1 - f.width()),
                   std::clamp(f.y(), avail.top(), avail.bottom() + 1 - f.height()));
        }
    }
    ViewDock* dataset = w.dock(QStringLiteral("dataset"));
    const int width = std::max(260, w.width() / 5);
    dataset->setMaximumWidth(width);
    w.resizeDocks({dataset}, {width}, Qt::Horizontal);
    QTimer::singleShot(0, dataset, [dataset] { dataset->setMaximumWidth(QWIDGETSIZE_MAX); });
    w.resizeDocks({w.dock(QStringLiteral("trajectory")), w.dock(QStringLiteral("spectrum"))},
                  {56, 44}, Qt::Horizontal);
    w.resizeDocks({w.dock(QStringLiteral("trajectory")), w.dock(QStringLiteral("cka"))}, {540, 360},
                  Qt::Vertical);
    // Tabs say the whole name ("Attention", not "At…"); when they do not fit, the bar scrolls.
    for (QTabBar* tabs : w.findChildren<QTabBar*>()) {
        tabs->setElideMode(Qt::ElideNone);
        tabs->setUsesScrollButtons(true);
    }
}

}  // namespace es::app
