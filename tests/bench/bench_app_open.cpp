// The app's responsiveness on a big dump (issue 20's targets: every visible view's first picture
// within 1.5 s of opening and complete within 60 s, the GUI never stalling more than 50 ms, peak
// RSS under 1 GB, views hidden behind tabs not computed). A benchmark, not a test: it prints
// figures (run by packaging/bench.sh).
//   bench_app_open FILE [--json] [--timeout SECONDS] [--no-opengl] [--generic-blas]
//                  [--raise VIEW] [--show ID,ID,...] [--no-gate] [--no-foreground]
// --raise: the view's tab comes forward in its dock area (as a user clicks it), e.g. --raise
// equaliser.
// --show: these views are made visible too (each not on screen in the default layout is floated
// beside the window, as a user floats the equaliser beside CKA), e.g. --show equaliser.
// --no-gate: the analyses' memory gate without a budget (every lease granted at once), as before
// the gate: the reference for its peak RSS and times in the same build.
// --no-foreground: jobs do not yield to what is on screen (core/util/foreground.h) and the
// selected layer does not take both cores: the reference for "selected_exact_ms", when the
// spectrum view shows the selected layer's exact values.
// The real MainWindow, shown at 1600 x 1000 with its default layout (offscreen unless
// QT_QPA_PLATFORM or a DISPLAY says otherwise). From open_file(): for every analysis view, when
// it first shows a picture (a result, partial or not) and when its result is complete; which
// views are visible; the worst gap of a 5 ms event-loop timer until every visible view is
// complete; the process's peak RSS. With --json one object on stdout:
//   {"visible": [ids], "views": {id: {"first_ms", "complete_ms", "state", "cpu_s_at_first",
//    "cpu_s_at_complete"}},
//    "worst_gap_ms", "selected_exact_ms", "peak_rss_mb", "hidden_computed": [ids], "complete",
//    "load_start",
//    "load_end", "status_samples": [...], "cpu_s", "gui_cpu_s", "jobs_ms": {key: ms},
//    "slow_gui_events": [...], "rss_shown_mb", "rss_idle_mb", "jobs_trace": [...],
//    "top_gaps": [{"ms", "end_ms"}], "gui_breakdown": [...]}
// --raise VIEW brings a view's tab forward before the open (the equaliser, behind CKA by default),
// as a user clicking its tab would. (first_ms null: never shown a picture); the human summary goes
// to stderr then. top_gaps: the three longest event-loop gaps; gui_breakdown: inside each slow
// event, the app's timed pieces of GUI work (app/gui/gui_timing.h) with their wall and GUI-thread
// CPU milliseconds.
#include <malloc.h>
#include <time.h>
#include <QApplication>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <vector>

#include "gui_timing.h"
#include "main_window.h"
#include "numerics/blas_kernels.h"
#include "numerics/memory_gate.h"
#include "result_view.h"
#include "spectrum_view.h"
#include "view_dock.h"
#include "vtk/vtk_gl_widget.h"

namespace {

struct Times {
    qint64 first = -1, complete = -1;
    double cpu_at_first = -1, cpu_at_complete = -1;  // the process's CPU seconds by then
};

double cpu_seconds(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// What ran on the GUI thread for long: every event delivered from the event loop (nesting
// depth 0) is timed, and the longest are kept with the receiver's class and the event type,
// so that a stall names what caused it (a queued result for a view is a MetaCall to that view).
class TimedApplication : public QApplication {
public:
    using QApplication::QApplication;
    struct Slow {
        qint64 ms, at;
        QString what;
        double cpu_ms;
    };
    std::vector<Slow> slow;
    QElapsedTimer* clock = nullptr;
    bool notify(QObject* receiver, QEvent* event) override {
        if (depth_++ > 0 || !clock) {
            const bool r = QApplication::notify(receiver, event);
            --depth_;
            return r;
        }
        const qint64 start = clock->elapsed();
        const double cpu0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
        const int type = event->type();
        const QString name = QString::fromLatin1(receiver->metaObject()->className()) +
                             QLatin1Char('/') + receiver->objectName();
        const bool r = QApplication::notify(receiver, event);
        --depth_;
        const qint64 ms = clock->elapsed() - start;
        // The GUI thread's own CPU in it: less than the wall time when other threads or
        // processes held the core meanwhile.
        const double cpu_ms = 1000 * (cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - cpu0);
        if (ms >= 20)
            slow.push_back({ms, start + ms,
                            QStringLiteral("%1 event %2 (%3 ms CPU)")
                                .arg(name)
                                .arg(type)
                                .arg(cpu_ms, 0, 'f', 0),
                            cpu_ms});
        return r;
    }

private:
    int depth_ = 0;
};

// Peak resident set size of this process (VmHWM), MB.
// The 1-minute load average: what else wanted the cores while this ran.
double load_average() {
    QFile f(QStringLiteral("/proc/loadavg"));
    return f.open(QIODevice::ReadOnly) ? f.readAll().split(' ').first().toDouble() : -1;
}

// A memory line of /proc/self/status in MB: "VmHWM:" the peak RSS, "VmRSS:" the current one.
double status_mb(const char* field) {
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly)) return -1;
    const int n = static_cast<int>(std::strlen(field));
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith(field))
            return line.mid(n).trimmed().split(' ').first().toDouble() / 1024.0;
    return -1;
}

double peak_rss_mb() {
    return status_mb("VmHWM:");
}

QString state_name(es::widgets::ViewState s) {
    switch (s) {
        case es::widgets::ViewState::Empty:
            return QStringLiteral("empty");
        case es::widgets::ViewState::Computing:
            return QStringLiteral("computing");
        case es::widgets::ViewState::Result:
            return QStringLiteral("result");
        case es::widgets::ViewState::Error:
            return QStringLiteral("error");
    }
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    const char* file = nullptr;
    bool json = false;
    // --no-opengl: the 3D view makes no QOpenGLWidget (it shows its "unavailable" pane), so the
    // window is not composed through OpenGL; to measure what that composition costs.
    bool no_opengl = false, generic_blas = false;
    double timeout_s = 300;
    QStringList raise;  // view ids whose tabs come forward
    QStringList show_ids;
    bool no_gate = false, no_foreground = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--json") == 0)
            json = true;
        else if (std::strcmp(argv[i], "--no-opengl") == 0)
            no_opengl = true;
        else if (std::strcmp(argv[i], "--generic-blas") == 0)
            generic_blas = true;
        else if (std::strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout_s = std::atof(argv[++i]);
        else if (std::strcmp(argv[i], "--raise") == 0 && i + 1 < argc)
            raise << QString::fromLocal8Bit(argv[++i]);
        else if (std::strcmp(argv[i], "--show") == 0 && i + 1 < argc)
            show_ids = QString::fromLocal8Bit(argv[++i]).split(QLatin1Char(','));
        else if (std::strcmp(argv[i], "--no-gate") == 0)
            no_gate = true;
        else if (std::strcmp(argv[i], "--no-foreground") == 0)
            no_foreground = true;
        else
            file = argv[i];
    }
    if (!file) {
        std::fprintf(stderr,
                     "usage: bench_app_open FILE [--json] [--timeout SECONDS] [--no-opengl] "
                     "[--generic-blas] [--raise VIEW] [--show ID,ID,...] [--no-gate] "
                     "[--no-foreground]\n");
        return 2;
    }
    FILE* human = json ? stderr : stdout;
    // As the app's main() does, unless --generic-blas: the kernels OpenBLAS picks by itself
    // (its generic ones on a CPU model it does not know), to measure the difference.
    if (!generic_blas) es::numerics::choose_blas_kernels();
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    TimedApplication app(argc, argv);
    if (no_opengl)
        es::widgets::VtkGlWidget::disable_opengl(QStringLiteral("bench_app_open --no-opengl"));
    QApplication::setOrganizationName(QStringLiteral("EigenscopeBench"));  // own settings/cache
    es::app::MainWindow window;
    if (no_gate) es::numerics::memory_gate().set_budget(0);
    if (no_foreground) window.jobs()->set_yielding(false);
    window.clear_result_cache();  // computed, not served from an earlier run
    window.resize(1600, 1000);
    window.show();
    for (const QString& id : raise) {
        es::app::ViewDock* d = window.dock(id);
        if (!d) {
            std::fprintf(stderr, "bench_app_open: no view %s to raise\n", qPrintable(id));
            return 2;
        }
        d->show();
        d->raise();
    }
    QApplication::processEvents();
    for (const QString& id : show_ids) {
        es::widgets::View* view = nullptr;
        for (es::widgets::View* v : window.views())
            if (v->view_id() == id) view = v;
        if (!view) {
            std::fprintf(stderr, "bench_app_open: no view '%s'\n", qPrintable(id));
            return 2;
        }
        if (window.on_screen(view)) continue;
        QWidget* dock = view;
        while (dock && !qobject_cast<QDockWidget*>(dock)) dock = dock->parentWidget();
        if (auto* d = qobject_cast<QDockWidget*>(dock)) {
            d->setFloating(true);
            d->resize(800, 500);
            d->show();
            d->raise();
        }
        QApplication::processEvents();
    }
    const double rss_shown = status_mb("VmRSS:");

    std::vector<es::widgets::ResultView*> views;
    for (es::widgets::View* v : window.views())
        if (auto* r = qobject_cast<es::widgets::ResultView*>(v)) views.push_back(r);
    std::map<QString, Times> times;
    es::widgets::SpectrumView* spectrum = nullptr;
    for (es::widgets::View* v : window.views())
        if (auto* sv = qobject_cast<es::widgets::SpectrumView*>(v)) spectrum = sv;
    qint64 selected_exact = -1;  // when the spectrum first shows the selected layer exact
    QStringList visible, hidden_computed, status_samples, trace;
    QString last_trace;
    bool loaded = false;
    QObject::connect(&window, &es::app::MainWindow::loaded, &window, [&] { loaded = true; });

    const double load_start = load_average();
    QElapsedTimer clock;
    qint64 worst_gap = 0, last_tick = -1, worst_at = 0, last_sample = -1000;
    std::vector<std::pair<qint64, qint64>> gaps;  // (ended at, length) of gaps over 20 ms
    bool done = false;
    QLabel* status_jobs = window.findChild<QLabel*>(QStringLiteral("statusJobs"));
    double cpu_start = 0;
    QTimer probe;
    probe.setInterval(5);
    QObject::connect(&probe, &QTimer::timeout, &probe, [&] {
        const qint64 now = clock.elapsed();
        if (last_tick >= 0 && now - last_tick > worst_gap) {
            worst_gap = now - last_tick;
            worst_at = now;
        }
        if (last_tick >= 0 && now - last_tick > 20) gaps.emplace_back(now, now - last_tick);
        last_tick = now;
        if (selected_exact < 0 && spectrum && spectrum->selected_exact()) selected_exact = now;
        for (es::widgets::ResultView* v : views) {
            Times& t = times[v->view_id()];
            if (v->state() != es::widgets::ViewState::Result) continue;
            if (t.first < 0) {
                t.first = now;
                t.cpu_at_first = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
            }
            if (t.complete < 0 && v->incomplete().isEmpty()) {
                t.complete = now;
                t.cpu_at_complete = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
            }
        }
        // Every change of the running jobs in the first 60 s (300 at most), to see when each job
        // waited for a thread, started and moved on ("spectrum: layer 0: estimating ...").
        if (now < 60000 && trace.size() < 300) {
            const QString jobs = window.jobs()->activity().join(QStringLiteral(" · "));
            if (jobs != last_trace) {
                last_trace = jobs;
                trace << QStringLiteral("%1 ms: %2").arg(now).arg(jobs);
            }
        }
        // What the status bar says, every 5 s (20 samples at most): the priorities as shown.
        if (status_jobs && now - last_sample >= 5000 && status_samples.size() < 60 &&
            !status_jobs->text().isEmpty()) {
            last_sample = now;
            // With the RSS and the gate's leases then: which jobs the peak came with.
            status_samples << QStringLiteral("%1 ms (RSS %2 MB, leased %3 MB): %4")
                                  .arg(now)
                                  .arg(status_mb("VmRSS:"), 0, 'f', 0)
                                  .arg(double(es::numerics::memory_gate().held()) / (1 << 20), 0,
                                       'f', 0)
                                  .arg(status_jobs->text());
        }
        if (!loaded || window.document_set().loads_in_flight() > 0) return;
        if (visible.isEmpty())  // the layout once the dump is open
            for (es::widgets::ResultView* v : views)
                if (window.on_screen(v)) visible << v->view_id();
        // Done when every visible view is complete, or has settled on nothing to show.
        done = true;
        for (es::widgets::ResultView* v : views) {
            if (!visible.contains(v->view_id())) continue;
            const bool settled = v->state() == es::widgets::ViewState::Empty ||
                                 v->state() == es::widgets::ViewState::Error;
            if (times[v->view_id()].complete < 0 && !settled) done = false;
        }
    });
    es::app::gui_timing::enable(true);
    clock.start();
    app.clock = &clock;
    cpu_start = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
    const double gui_cpu_start = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    std::map<QString, std::pair<qint64, qint64>> jobs;  // key: (finished at, ms)
    QObject::connect(window.jobs(), &es::app::JobRunner::job_finished, &window,
                     [&](const QString& key, qint64 ms, bool) {
                         jobs[key] = {clock.elapsed(), ms};
                     });
    probe.start();
    window.open_file(QString::fromLocal8Bit(file));
    // The app's own event loop (not a processEvents loop inside a slot), so that the events it
    // delivers are timed at the top level.
    QTimer finish;
    finish.setInterval(20);
    QObject::connect(&finish, &QTimer::timeout, &app, [&] {
        if (done || clock.elapsed() >= timeout_s * 1000) app.quit();
    });
    finish.start();
    app.exec();
    const qint64 end = clock.elapsed();
    for (es::widgets::ResultView* v : views)
        if (!visible.contains(v->view_id()) && times[v->view_id()].first >= 0)
            hidden_computed << v->view_id();
    const double rss = peak_rss_mb();
    // What the process holds besides the analyses' working sets (issue 20's budget split): the
    // dump open and every result drawn, once no analysis runs and freed memory went back.
    window.jobs()->cancel_all();
    window.jobs()->wait_for_idle(10000);
    malloc_trim(0);
    const double rss_idle = status_mb("VmRSS:");
    const double cpu = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start,
                 gui_cpu = cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - gui_cpu_start;

    std::fprintf(human, "app on %s (%s, %d x %d, default layout), %s after %lld ms:\n", file,
                 qPrintable(QApplication::platformName()), window.width(), window.height(),
                 done ? "every visible view complete" : "timed out", end);
    QJsonObject per_view;
    for (es::widgets::ResultView* v : views) {
        const Times& t = times[v->view_id()];
        const bool vis = visible.contains(v->view_id());
        std::fprintf(human,
                     "  %-14s %-8s first %6lld ms (process CPU %.2f s by then), complete %6lld "
                     "ms (process CPU %.1f s by then), now %s\n",
                     qPrintable(v->view_id()), vis ? "visible" : "hidden", t.first, t.cpu_at_first,
                     t.complete, t.cpu_at_complete, qPrintable(state_name(v->state())));
        per_view[v->view_id()] = QJsonObject{
            {"first_ms", t.first >= 0 ? QJsonValue(double(t.first)) : QJsonValue()},
            {"complete_ms", t.complete >= 0 ? QJsonValue(double(t.complete)) : QJsonValue()},
            {"state", state_name(v->state())},
            {"cpu_s_at_first", t.cpu_at_first >= 0 ? QJsonValue(t.cpu_at_first) : QJsonValue()},
            {"cpu_s_at_complete",
             t.cpu_at_complete >= 0 ? QJsonValue(t.cpu_at_complete) : QJsonValue()}};
    }
    std::fprintf(human, "  process CPU %.1f s, of it the GUI thread %.1f s\n", cpu, gui_cpu);
    QJsonObject job_times;
    for (const auto& [key, t] : jobs) {
        std::fprintf(human, "  job %s: %lld ms, finished at %lld ms\n", qPrintable(key), t.second,
                     t.first);
        job_times[key] = double(t.second);
    }
    std::sort(app.slow.begin(), app.slow.end(),
              [](const auto& a, const auto& b) { return a.ms > b.ms; });
    QJsonArray slow_events;
    for (std::size_t i = 0; i < std::min<std::size_t>(app.slow.size(), 12); ++i) {
        std::fprintf(human, "  GUI event of %lld ms ending at %lld ms: %s\n", app.slow[i].ms,
                     app.slow[i].at, qPrintable(app.slow[i].what));
        slow_events.append(QStringLiteral("%1 ms at %2 ms: %3")
                               .arg(app.slow[i].ms)
                               .arg(app.slow[i].at)
                               .arg(app.slow[i].what));
    }
    // Inside each slow event, what the app's timed pieces of GUI work took (wall and CPU).
    const std::vector<es::app::gui_timing::Entry> timed = es::app::gui_timing::take();
    const double clock_origin_ms = static_cast<double>(clock.msecsSinceReference());
    QJsonArray breakdown;
    for (const auto& e : timed)  // the open's pieces, whether slow or not
        if (e.depth == 0 && e.cpu_ms >= 1)
            std::fprintf(human, "  GUI work %s ending at %.0f ms: %.1f ms wall, %.1f ms CPU\n",
                         qPrintable(e.what), 1e-6 * double(e.end_ns) - clock_origin_ms, e.wall_ms,
                         e.cpu_ms);
    for (std::size_t i = 0; i < std::min<std::size_t>(app.slow.size(), 3); ++i) {
        const auto& ev = app.slow[i];
        std::fprintf(human, "  inside the GUI event of %lld ms ending at %lld ms:\n", ev.ms, ev.at);
        for (const auto& e : timed) {
            const double end_ms = 1e-6 * static_cast<double>(e.end_ns) - clock_origin_ms;
            // Both clocks are CLOCK_MONOTONIC; the event's bounds are whole milliseconds.
            if (end_ms < static_cast<double>(ev.at - ev.ms) - 2 ||
                end_ms > static_cast<double>(ev.at) + 2 || e.cpu_ms < 0.5)
                continue;
            const QString line = QStringLiteral("%1%2: %3 ms wall, %4 ms CPU")
                                     .arg(QString(2 * e.depth, QLatin1Char(' ')), e.what)
                                     .arg(e.wall_ms, 0, 'f', 1)
                                     .arg(e.cpu_ms, 0, 'f', 1);
            std::fprintf(human, "    %s\n", qPrintable(line));
            breakdown.append(QStringLiteral("event at %1 ms: ").arg(ev.at) + line.trimmed());
        }
    }
    std::fprintf(human, "  worst event-loop gap %lld ms, ending at %lld ms (target <= 50)\n",
                 worst_gap, worst_at);
    std::sort(gaps.begin(), gaps.end(),
              [](const auto& a, const auto& b) { return a.second > b.second; });
    QJsonArray top_gaps;
    for (std::size_t i = 0; i < std::min<std::size_t>(gaps.size(), 3); ++i) {
        std::fprintf(human, "    gap of %lld ms ending at %lld ms\n", gaps[i].second,
                     gaps[i].first);
        top_gaps.append(
            QJsonObject{{"ms", double(gaps[i].second)}, {"end_ms", double(gaps[i].first)}});
    }
    std::fprintf(human, "  load average %.1f at the start, %.1f at the end (2 cores)\n", load_start,
                 load_average());
    std::fprintf(human, "  BLAS kernels %s\n", es::numerics::blas_kernels().c_str());
    std::fprintf(human,
                 "  RSS %.0f MB with the window shown before opening, %.0f MB idle at the end\n",
                 rss_shown, rss_idle);
    std::fprintf(human, "  memory gate: budget %.0f MB, most leased at once %.0f MB\n",
                 double(es::numerics::memory_gate().budget()) / (1 << 20),
                 double(es::numerics::memory_gate().peak_held()) / (1 << 20));
    std::fprintf(human, "  peak RSS %.0f MB; hidden views that computed: %s\n", rss,
                 hidden_computed.isEmpty() ? "none" : qPrintable(hidden_computed.join(", ")));
    for (const QString& s : status_samples) std::fprintf(human, "  status: %s\n", qPrintable(s));
    for (const QString& s : trace) std::fprintf(human, "  jobs: %s\n", qPrintable(s));
    if (json) {
        const QJsonObject out{
            {"file", QString::fromLocal8Bit(file)},
            {"visible", QJsonArray::fromStringList(visible)},
            {"views", per_view},
            {"worst_gap_ms", double(worst_gap)},
            {"selected_exact_ms",
             selected_exact >= 0 ? QJsonValue(double(selected_exact)) : QJsonValue()},
            {"peak_rss_mb", rss},
            {"gate_budget_mb", double(es::numerics::memory_gate().budget()) / (1 << 20)},
            {"gate_peak_mb", double(es::numerics::memory_gate().peak_held()) / (1 << 20)},
            {"gate_nested", double(es::numerics::memory_gate().nested_grants())},
            {"hidden_computed", QJsonArray::fromStringList(hidden_computed)},
            {"complete", done},
            {"load_start", load_start},
            {"load_end", load_average()},
            {"status_samples", QJsonArray::fromStringList(status_samples)},
            {"jobs_trace", QJsonArray::fromStringList(trace)},
            {"blas_kernels", QString::fromStdString(es::numerics::blas_kernels())},
            {"cpu_s", cpu},
            {"gui_cpu_s", gui_cpu},
            {"jobs_ms", job_times},
            {"slow_gui_events", slow_events},
            {"rss_shown_mb", rss_shown},
            {"rss_idle_mb", rss_idle},
            {"top_gaps", top_gaps},
            {"gui_breakdown", breakdown}};
        std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);  // kept if the teardown below fails
    }
    return done ? 0 : 1;
}
