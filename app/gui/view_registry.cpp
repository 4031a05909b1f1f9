#include "view_registry.h"

#include "cka_view.h"
#include "main_window.h"
#include "spectrum_view.h"
#include "trajectory_view.h"
#include "view_dock.h"
#include "view_feeds.h"

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

    // Trajectory and spectrum side by side, CKA under the spectrum; views added below are tabbed
    // with the CKA dock so the first screen stays readable.
    w.splitDockWidget(w.dock(QStringLiteral("trajectory")), w.dock(QStringLiteral("spectrum")), Qt::Horizontal);
    w.splitDockWidget(w.dock(QStringLiteral("spectrum")), w.dock(QStringLiteral("cka")), Qt::Vertical);
    w.resizeDocks({w.dock(QStringLiteral("dataset")), w.dock(QStringLiteral("trajectory")), w.dock(QStringLiteral("spectrum"))},
                  {300, 700, 600}, Qt::Horizontal);
}

}  // namespace es::app
