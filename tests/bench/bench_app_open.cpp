// The app's responsiveness on a big dump (issue targets: the first trajectory picture within
// 1.5 s of opening; the GUI never stalls more than 50 ms while the spectra and the other views'
// analyses run). A benchmark, not a test: it prints figures (run by packaging/bench.sh).
//   bench_app_open FILE
// Measures, with the real MainWindow and views on the offscreen platform (no 3D view: no GL):
// time from open_file() to the first (partial) and the complete trajectory picture, to the
// spectrum view's result, and the worst gap of a 5 ms event-loop timer over the whole time.
#include <QApplication>
#include <QElapsedTimer>
#include <QTimer>
#include <cstdio>
#include <vector>

#include "main_window.h"
#include "spectrum_view.h"
#include "trajectory_view.h"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_app_open FILE\n");
        return 2;
    }
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("EigenscopeBench"));  // own settings/cache
    es::app::MainWindow window;
    window.set_batch_mode(true);
    window.clear_result_cache();  // computed, not served from an earlier run
    window.resize(1600, 1000);
    window.show();
    es::widgets::TrajectoryView* traj = nullptr;
    es::widgets::SpectrumView* spec = nullptr;
    for (es::widgets::View* v : window.views()) {
        if (auto* t = qobject_cast<es::widgets::TrajectoryView*>(v)) traj = t;
        if (auto* s = qobject_cast<es::widgets::SpectrumView*>(v)) spec = s;
    }
    QElapsedTimer clock;
    qint64 first_picture = -1, full_picture = -1, spectrum = -1, worst_gap = 0, last_tick = -1,
           worst_at = 0;
    std::vector<std::pair<qint64, qint64>> gaps;  // (ended at, length) of gaps over 50 ms
    QObject::connect(traj, &es::widgets::TrajectoryView::result_changed, traj, [&] {
        if (first_picture < 0) {
            first_picture = clock.elapsed();
            std::printf("first trajectory picture at %lld ms\n", first_picture);
            std::fflush(stdout);
        }
        if (!traj->partial() && full_picture < 0) {
            full_picture = clock.elapsed();
            std::printf("complete trajectory at %lld ms\n", full_picture);
            std::fflush(stdout);
        }
    });
    QTimer probe;
    probe.setInterval(5);
    QObject::connect(&probe, &QTimer::timeout, &probe, [&] {
        const qint64 now = clock.elapsed();
        if (last_tick >= 0 && now - last_tick > worst_gap) {
            worst_gap = now - last_tick;
            worst_at = now;
        }
        if (last_tick >= 0 && now - last_tick > 50) gaps.emplace_back(now, now - last_tick);
        last_tick = now;
        if (spectrum < 0 && spec->result()) spectrum = now;
    });
    clock.start();
    probe.start();
    window.open_file(QString::fromLocal8Bit(argv[1]));
    QTimer::singleShot(0, &app, [&] {
        while ((full_picture < 0 || spectrum < 0) && clock.elapsed() < 600000)
            QApplication::processEvents(QEventLoop::AllEvents, 5);
        app.quit();
    });
    app.exec();
    std::printf("app on %s (offscreen, views as docked):\n", argv[1]);
    std::printf("  first trajectory picture %lld ms (target <= 1500), complete %lld ms\n",
                first_picture, full_picture);
    std::printf("  spectrum view result %lld ms\n", spectrum);
    std::printf(
        "  worst event-loop gap while analysing %lld ms, ending at %lld ms (target <= 50)\n",
        worst_gap, worst_at);
    for (const auto& [at, len] : gaps)
        std::printf("    gap of %lld ms ending at %lld ms\n", len, at);
    std::printf(
        "{\"first_picture_ms\": %lld, \"full_picture_ms\": %lld, \"spectrum_ms\": %lld, "
        "\"worst_gap_ms\": %lld}\n",
        first_picture, full_picture, spectrum, worst_gap);
    window.jobs()->cancel_all();
    window.jobs()->wait_for_idle(10000);
    return 0;
}
