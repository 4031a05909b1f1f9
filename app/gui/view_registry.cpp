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

void create_views(MainWindow& w) {
    auto* trajectory = new widgets::TrajectoryView(&w);
    w.add_view(trajectory, Qt::RightDockWidgetArea);
    feed_trajectory(w, trajectory);
    auto* spectrum = new widgets::SpectrumView(&w);
    w.add_view(spectrum, Qt::RightDockWidgetArea);
    feed_spectrum(w, spectrum);
    auto* cka = new widgets::CkaView(&w);
    w.add_view(cka, Qt::RightDockWidgetArea);
    feed_cka(w, cka);

    // Trajectory and spectrum side by side, CKA under the trajectory; views added below are tabbed
    // with the CKA dock so the first screen stays readable.
    w.splitDockWidget(w.dock(QStringLiteral("trajectory")), w.dock(QStringLiteral("spectrum")),
                      Qt::Horizontal);
    w.splitDockWidget(w.dock(QStringLiteral("trajectory")), w.dock(QStringLiteral("cka")),
                      Qt::Vertical);

    auto* heads = new widgets::HeadsView(&w);
    w.add_view(heads, Qt::RightDockWidgetArea);
    feed_heads(w, heads);
    auto* angles = new widgets::AnglesView(&w);
    w.add_view(angles, Qt::RightDockWidgetArea);
    feed_angles(w, angles);
    auto* checkpoints = new widgets::CheckpointView(&w);
    w.add_view(checkpoints, Qt::RightDockWidgetArea);
    feed_checkpoints(w, checkpoints);
    auto* weight_spectrum = new widgets::WeightSpectrumView(&w);
    w.add_view(weight_spectrum, Qt::RightDockWidgetArea);
    feed_weight_spectrum(w, weight_spectrum);
    for (const char* id : {"heads", "angles", "checkpoints", "weight_spectrum"})
        w.tabifyDockWidget(w.dock(QStringLiteral("cka")), w.dock(QString::fromLatin1(id)));
    auto* equaliser = new widgets::EqualiserView(&w);
    w.add_view(equaliser, Qt::RightDockWidgetArea);
    feed_equaliser(w, equaliser);
    auto* attention = new widgets::AttentionView(&w);
    w.add_view(attention, Qt::RightDockWidgetArea);
    feed_attention(w, attention);
    auto* lens = new widgets::LensView(&w);
    w.add_view(lens, Qt::RightDockWidgetArea);
    feed_lens(w, lens);
    auto* timescales = new widgets::TimescalesView(&w);
    w.add_view(timescales, Qt::RightDockWidgetArea);
    feed_timescales(w, timescales);
    for (const char* id : {"equaliser", "attention", "lens", "timescales"})
        w.tabifyDockWidget(w.dock(QStringLiteral("cka")), w.dock(QString::fromLatin1(id)));
    auto* projection3d = new widgets::Projection3dView(&w);
    w.add_view(projection3d, Qt::RightDockWidgetArea);
    feed_projection3d(w, projection3d);
    w.tabifyDockWidget(w.dock(QStringLiteral("cka")), w.dock(QStringLiteral("projection3d")));
    w.dock(QStringLiteral("cka"))->raise();
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
