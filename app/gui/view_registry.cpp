#include <algorithm>

#include "view_registry.h"

#include <QTimer>

#include "angles_view.h"
#include "attention_view.h"
#include "checkpoint_view.h"
#include "cka_view.h"
#include "equaliser_view.h"
#include "heads_view.h"
#include "lens_view.h"
#include "main_window.h"
#include "projection3d_view.h"
#include "spectrum_view.h"
#include "timescales_view.h"
#include "trajectory_view.h"
#include "view_dock.h"
#include "view_feeds.h"
#include "weight_spectrum_view.h"

namespace es::app {

namespace {

// A row's make(): the view of type V, docked on the right and fed by `feed` (view_feeds*.cpp).
template <typename V>
std::function<widgets::View*(MainWindow&)> fed_by(void (*feed)(MainWindow&, V*)) {
    return [feed](MainWindow& w) -> widgets::View* {
        auto* view = new V(&w);
        w.add_view(view, Qt::RightDockWidgetArea);
        feed(w, view);
        return view;
    };
}

QStringList ids(std::initializer_list<const char*> names) {
    QStringList out;
    for (const char* n : names) out << QString::fromLatin1(n);
    return out;
}

}  // namespace

const std::vector<ViewRow>& view_table() {
    static const std::vector<ViewRow> table = {
        {"trajectory", DockPlace::First, ids({"trajectory"}), false, fed_by(feed_trajectory)},
        {"spectrum", DockPlace::Beside, ids({"spectrum", "spectrogram"}), false,
         fed_by(feed_spectrum)},
        {"cka", DockPlace::Below, ids({"cka"}), false, fed_by(feed_cka)},
        {"heads", DockPlace::Tabbed, ids({"heads"}), false, fed_by(feed_heads)},
        {"angles", DockPlace::Tabbed, ids({"angles"}), false, fed_by(feed_angles)},
        {"checkpoints", DockPlace::Tabbed, ids({"checkpoints"}), false, fed_by(feed_checkpoints)},
        {"weight_spectrum", DockPlace::Tabbed, ids({"weight_spectrum"}), false,
         fed_by(feed_weight_spectrum)},
        {"equaliser", DockPlace::Tabbed, ids({"equaliser"}), false, fed_by(feed_equaliser)},
        {"attention", DockPlace::Tabbed, ids({"attention"}), false, fed_by(feed_attention)},
        {"lens", DockPlace::Tabbed, ids({"lens"}), false, fed_by(feed_lens)},
        {"timescales", DockPlace::Tabbed, ids({"timescales"}), false, fed_by(feed_timescales)},
        {"projection3d", DockPlace::Tabbed, ids({"projection3d"}), true, fed_by(feed_projection3d)},
    };
    return table;
}

QStringList figure_ids() {
    QStringList out;
    for (const ViewRow& row : view_table()) out << row.figures;
    return out;
}

bool figure_needs_opengl(const QString& figure) {
    for (const ViewRow& row : view_table())
        if (row.figures.contains(figure)) return row.needs_opengl;
    return false;
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
    ViewDock* dataset = w.dock(QStringLiteral("dataset"));
    const int width = std::max(260, w.width() / 5);
    dataset->setMaximumWidth(width);
    w.resizeDocks({dataset}, {width}, Qt::Horizontal);
    QTimer::singleShot(0, dataset, [dataset] { dataset->setMaximumWidth(QWIDGETSIZE_MAX); });
    w.resizeDocks({w.dock(QStringLiteral("trajectory")), w.dock(QStringLiteral("spectrum"))},
                  {56, 44}, Qt::Horizontal);
    w.resizeDocks({w.dock(QStringLiteral("trajectory")), w.dock(QStringLiteral("cka"))}, {480, 420},
                  Qt::Vertical);
}

}  // namespace es::app
