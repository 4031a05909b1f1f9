// The job runner: latest request wins, stale results are dropped, identical requests share one
// computation, cancellation is prompt, and the GUI thread stays responsive while jobs run.
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTest>
#include <QTimer>
#include <atomic>
#include <cerrno>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "job_runner.h"
#include "numerics/linalg.h"
#include "util/error.h"

using es::app::JobRunner;

namespace {

// Busy work for `ms` milliseconds that checks for cancellation every millisecond.
int spin(es::Progress& p, int ms, int value) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        p.check();
        p.report(double(t.elapsed()) / ms, "spinning");
        std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    return value;
}

// A job for `slot` that counts itself started and holds its thread, checking, until *flag.
void request_busy(JobRunner& runner, const QString& slot, std::atomic<bool>* flag,
                  std::atomic<int>& started) {
    runner.request_as<int>(
        slot, QStringLiteral("doc/") + slot,
        [flag, &started](es::Progress& p) {
            ++started;
            while (!flag->load()) {
                p.check();
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            return 0;
        },
        [](const int&) {});
}

}  // namespace

class TestJobRunner : public QObject {
    Q_OBJECT
private slots:
    // A view behind another tab holds its request: nothing starts until release(owner); asking
    // for something else, cancelling the slot or closing its document drops the hold.
    void heldRequestsStartOnlyWhenReleased() {
        JobRunner runner;
        QObject view, other_view;
        int resumed = 0, delivered = 0;
        auto ask = [&](const QString& key) {
            runner.request_as<int>(
                "equaliser", key, [](es::Progress& p) { return spin(p, 20, 3); },
                [&](const int&) { ++delivered; });
        };
        runner.hold("equaliser", "doc1/equaliser/t=0", &view, [&] {
            ++resumed;
            ask("doc1/equaliser/t=0");
        });
        QVERIFY(runner.held("equaliser"));
        QCOMPARE(runner.started_count(), 0);
        QVERIFY(runner.activity().isEmpty());
        runner.release(&other_view);  // another view shown: this one still waits
        QVERIFY(runner.held("equaliser"));
        runner.release(&view);
        QCOMPARE(resumed, 1);
        QVERIFY(!runner.held("equaliser"));
        QCOMPARE(runner.started_count(), 1);
        QVERIFY(runner.wait_for_idle(5000));
        QCOMPARE(delivered, 1);
        runner.release(&view);  // nothing held any more: nothing runs twice
        QCOMPARE(resumed, 1);

        // Dropped by a newer request of the slot, by cancel_slot, by its document closing.
        runner.hold("equaliser", "doc1/equaliser/t=1", &view, [&] { ++resumed; });
        ask("doc1/equaliser/t=0");  // cached: the slot wants t=0 again
        QVERIFY(!runner.held("equaliser"));
        runner.hold("equaliser", "doc1/equaliser/t=1", &view, [&] { ++resumed; });
        runner.cancel_slot("equaliser");
        QVERIFY(!runner.held("equaliser"));
        runner.hold("equaliser", "doc2/equaliser/t=1", &view, [&] { ++resumed; });
        runner.cancel_prefix("doc2/");
        QCOMPARE(runner.held_count(), 0);
        runner.release(&view);
        QCOMPARE(resumed, 1);
    }

    // A view hidden while its request runs (its tab sent behind another, or closed): the job
    // stops, the request is held, and it is asked again when the view is shown. A finished
    // request, another view's, or one never made resumable (the trajectory's) is left alone.
    void runningRequestsOfAHiddenViewStopAndAskAgainWhenShown() {
        JobRunner runner;
        QObject cka_view, other_view;
        int delivered = 0, resumed = 0, cancelled_seen = 0;
        std::atomic<bool> stopped{false};
        QObject::connect(&runner, &JobRunner::job_finished,
                         [&](const QString&, qint64, bool ok) { cancelled_seen += ok ? 0 : 1; });
        std::function<void()> ask;
        ask = [&] {
            runner.request_as<int>(
                "cka", "doc1/cka/resid",
                [&](es::Progress& p) {
                    try {
                        return spin(p, resumed ? 50 : 20000, 7);
                    } catch (const es::CancelledError&) {
                        stopped = true;
                        throw;
                    }
                },
                [&](const int& v) { delivered += v; });
            runner.resumable("cka", "doc1/cka/resid", &cka_view, [&] {
                ++resumed;
                ask();
            });
        };
        ask();
        // Running, not only queued (a queued one would never start at all).
        QTRY_VERIFY_WITH_TIMEOUT(runner.activity() == QStringList{"cka: spinning"}, 3000);
        QCOMPARE(runner.suspend(&other_view), 0);  // not that view's request
        QCOMPARE(runner.suspend(&cka_view), 1);
        QVERIFY(runner.held("cka"));
        QTRY_VERIFY_WITH_TIMEOUT(stopped.load(), 3000);  // the work itself stopped
        QVERIFY(runner.wait_for_idle(5000));
        QCOMPARE(cancelled_seen, 1);
        QCOMPARE(delivered, 0);
        QCOMPARE(runner.suspend(&cka_view), 0);  // held already: nothing more to stop
        runner.release(&cka_view);  // shown again: asked again, and this time it completes
        QCOMPARE(resumed, 1);
        QVERIFY(runner.wait_for_idle(5000));
        QCOMPARE(delivered, 7);
        QCOMPARE(runner.suspend(&cka_view), 0);  // finished and cached: left alone
        QVERIFY(!runner.held("cka"));

        // A request never made resumable runs on while its view is hidden.
        int trajectory = 0;
        runner.request_as<int>(
            "trajectory", "doc1/trajectory/resid", [](es::Progress& p) { return spin(p, 200, 5); },
            [&](const int& v) { trajectory = v; });
        QCOMPARE(runner.suspend(&cka_view), 0);
        QVERIFY(runner.wait_for_idle(5000));
        QCOMPARE(trajectory, 5);
    }

    // The status bar's list: each running job as "analysis: its latest message".
    void activityNamesEachRunningJobWithItsProgress() {
        JobRunner runner;
        runner.request_as<int>(
            "spectrum", "doc1/spectrum/resid", [](es::Progress& p) { return spin(p, 400, 1); },
            [](const int&) {});
        QTRY_VERIFY_WITH_TIMEOUT(runner.activity() == QStringList{"spectrum: spinning"}, 3000);
        QVERIFY(runner.wait_for_idle(5000));
        QVERIFY(runner.activity().isEmpty());
    }

    void latestRequestWinsAndStaleResultsAreDropped() {
        JobRunner runner;
        QList<int> delivered;
        for (int i = 0; i < 50; ++i) {
            runner.request_as<int>(
                "slider", QString("doc/spectrum/layer%1").arg(i),
                [i](es::Progress& p) { return spin(p, 300, i); },
                [&](const int& v) { delivered.append(v); });
        }
        QVERIFY(runner.wait_for_idle(10000));
        QCOMPARE(delivered, QList<int>{49});
        // Superseded requests never queue up real work: at most the ones that already had a
        // thread ran, and they were cancelled.
        QVERIFY2(runner.started_count() == 50, "every request is accounted for");
        QVERIFY(runner.cached("doc/spectrum/layer49"));
        QVERIFY(!runner.cached("doc/spectrum/layer10"));
    }

    void identicalRequestsShareOneComputation() {
        JobRunner runner;
        std::atomic<int> computed{0};
        int a = 0, b = 0;
        auto work = [&](es::Progress& p) {
            ++computed;
            return spin(p, 100, 7);
        };
        runner.request_as<int>("view-a", "doc/trajectory", work, [&](const int& v) { a = v; });
        runner.request_as<int>("view-b", "doc/trajectory", work, [&](const int& v) { b = v; });
        QVERIFY(runner.wait_for_idle(5000));
        QCOMPARE(computed.load(), 1);
        QCOMPARE(a, 7);
        QCOMPARE(b, 7);
        // Cached now: a third view gets it at once, synchronously, without new work.
        int c = 0;
        runner.request_as<int>("view-c", "doc/trajectory", work, [&](const int& v) { c = v; });
        QCOMPARE(c, 7);
        QCOMPARE(computed.load(), 1);
    }

    void cancellationIsPrompt() {
        JobRunner runner;
        QElapsedTimer since_cancel;
        qint64 finished_after = -1;
        connect(&runner, &JobRunner::job_finished, this, [&](const QString&, qint64, bool ok) {
            QVERIFY(!ok);
            finished_after = since_cancel.elapsed();
        });
        bool delivered = false;
        runner.request_as<int>(
            "v", "doc/long", [](es::Progress& p) { return spin(p, 20000, 1); },
            [&](const int&) { delivered = true; });
        QTest::qWait(200);
        since_cancel.start();
        runner.cancel_slot("v");
        QVERIFY(runner.wait_for_idle(2000));
        QVERIFY(!delivered);
        qInfo("cancel -> job finished: %lld ms", finished_after);
        QVERIFY2(finished_after >= 0 && finished_after < 100, "a cancelled job ends within 100 ms");
    }

    // A background slot's job (the health scan) queued before a view's waits behind it: the
    // first thread to come free runs the view's job.
    void aBackgroundSlotWaitsBehindTheViews() {
        JobRunner runner;
        const int threads = runner.pool()->maxThreadCount();
        std::vector<std::unique_ptr<std::atomic<bool>>> go;
        std::atomic<int> started{0}, order{0}, health_at{0}, view_at{0};
        for (int i = 0; i < threads; ++i) {  // every thread busy until its flag is set
            go.push_back(std::make_unique<std::atomic<bool>>(false));
            request_busy(runner, QStringLiteral("busy%1").arg(i), go.back().get(), started);
        }
        QTRY_COMPARE_WITH_TIMEOUT(started.load(), threads, 5000);
        runner.set_background("doc-health");
        runner.request_as<int>(
            "doc-health", "doc/health", [&](es::Progress&) { return health_at = ++order; },
            [](const int&) {});
        std::atomic<bool> view_go{false};  // the view's job holds its thread until checked
        runner.request_as<int>(
            "equaliser", "doc/equaliser",
            [&](es::Progress& p) {
                view_at = ++order;
                while (!view_go.load()) {
                    p.check();
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
                return 0;
            },
            [](const int&) {});
        go[0]->store(true);  // one thread comes free: the view's job, queued later, runs first
        QTRY_COMPARE_WITH_TIMEOUT(view_at.load(), 1, 5000);
        QTest::qWait(50);
        QCOMPARE(health_at.load(), 0);  // still queued: no other thread came free
        view_go = true;
        for (auto& flag : go) flag->store(true);
        QVERIFY(runner.wait_for_idle(5000));
        QCOMPARE(health_at.load(), 2);
    }

    // With three views' jobs running, the health scan waits although a thread is free; that
    // thread is a fourth view's (one floated beside them), whose first picture then starts at
    // once. When a view's job ends, the scan starts; cancelled while it waits, it ends.
    void aFourthViewStartsAtOnceWhileTheHealthScanWaitsForTheViews() {
        JobRunner runner;
        QVERIFY(runner.pool()->maxThreadCount() >= 4);
        std::vector<std::unique_ptr<std::atomic<bool>>> go;
        std::atomic<int> started{0}, health_runs{0};
        auto busy = [&](const QString& slot) {
            go.push_back(std::make_unique<std::atomic<bool>>(false));
            request_busy(runner, slot, go.back().get(), started);
        };
        for (const char* view : {"trajectory", "spectrum", "cka"}) busy(QLatin1String(view));
        QTRY_COMPARE_WITH_TIMEOUT(started.load(), 3, 5000);
        runner.set_background("doc-health");
        runner.request_as<int>(
            "doc-health", "doc/health", [&](es::Progress&) { return ++health_runs; },
            [](const int&) {});
        QTest::qWait(100);
        QCOMPARE(health_runs.load(), 0);  // a thread is free, but three views run
        busy(QStringLiteral("equaliser"));
        QTRY_COMPARE_WITH_TIMEOUT(started.load(), 4, 2000);  // the fourth view: at once
        QCOMPARE(health_runs.load(), 0);
        go[0]->store(true);
        go[3]->store(true);  // two views end: the scan starts
        QTRY_COMPARE_WITH_TIMEOUT(health_runs.load(), 1, 5000);
        // Deferred again behind three views, then cancelled: it ends, the runner goes idle.
        busy(QStringLiteral("projection"));
        busy(QStringLiteral("timescales"));
        QTRY_COMPARE_WITH_TIMEOUT(started.load(), 6, 5000);
        runner.clear_cache();
        runner.request_as<int>(
            "doc-health", "doc/health2", [&](es::Progress&) { return ++health_runs; },
            [](const int&) {});
        QTest::qWait(50);
        QCOMPARE(health_runs.load(), 1);
        runner.cancel_slot("doc-health");
        for (auto& flag : go) flag->store(true);
        QVERIFY(runner.wait_for_idle(5000));
        QCOMPARE(health_runs.load(), 1);  // cancelled before it started: never ran
    }

    void errorsReachTheRequester() {
        JobRunner runner;
        QString error;
        runner.request_as<int>(
            "v", "doc/bad", [](es::Progress&) -> int { throw es::InputError("f.h5: /x: broken"); },
            [](const int&) { QFAIL("no result expected"); }, [&](const QString& e) { error = e; });
        QVERIFY(runner.wait_for_idle(2000));
        QCOMPARE(error, QString("f.h5: /x: broken"));
        QVERIFY(!runner.cached("doc/bad"));
    }

    void aKeyIsNeverReadAsAnotherResultType() {
        // Two requests of one key with different result types: the second gets an error naming
        // the key, never the first's bytes reinterpreted (results are std::any, checked).
        es::app::JobRunner runner;
        int got_int = 0;
        QString error;
        runner.request_as<int>(
            "a", "doc/same", [](es::Progress&) { return 7; }, [&](const int& v) { got_int = v; });
        QVERIFY(runner.wait_for_idle(5000));
        QCOMPARE(got_int, 7);
        bool got_double = false;
        runner.request_as<double>(
            "b", "doc/same", [](es::Progress&) { return 1.5; },
            [&](const double&) { got_double = true; }, [&](const QString& e) { error = e; });
        QVERIFY(!got_double);
        QVERIFY2(error.contains("doc/same") && error.contains("another result type"),
                 qPrintable(error));
    }

    void closingADocumentCancelsItsJobsAndForgetsItsResults() {
        JobRunner runner;
        runner.request_as<int>(
            "a", "doc1/x", [](es::Progress& p) { return spin(p, 10, 1); }, [](const int&) {});
        QVERIFY(runner.wait_for_idle(2000));
        QVERIFY(runner.cached("doc1/x"));
        bool delivered = false;
        runner.request_as<int>(
            "b", "doc1/y", [](es::Progress& p) { return spin(p, 20000, 1); },
            [&](const int&) { delivered = true; });
        runner.request_as<int>(
            "c", "doc2/y", [](es::Progress& p) { return spin(p, 10, 2); }, [](const int&) {});
        runner.cancel_prefix("doc1/");
        QVERIFY(runner.wait_for_idle(2000));
        QVERIFY(!delivered);
        QVERIFY(!runner.cached("doc1/x"));
        QVERIFY(runner.cached("doc2/y"));
    }

    void analysesAndTheBlasThreadsRunBelowTheGuiThread() {
        // Analyses at nice 10, and so the BLAS library's threads (started at nice 0 as it loaded:
        // they computed the selected layer's eigenvalues at the GUI thread's priority).
        const auto nice_of = [](long tid) {
            errno = 0;
            const int n = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
            return errno == 0 ? n : -100;
        };
        const auto comm = [](const QString& tid) {
            QFile f(QStringLiteral("/proc/self/task/%1/comm").arg(tid));
            return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : QByteArray();
        };
        const long gui = ::syscall(SYS_gettid);
        const QByteArray program = comm(QString::number(gui));
        QVERIFY(!program.isEmpty());
        JobRunner runner;
        std::atomic<int> job_nice{-100};
        runner.request_as<int>(
            "a", "doc/nice",
            [&](es::Progress&) {
                job_nice = nice_of(::syscall(SYS_gettid));
                return 0;
            },
            [](const int&) {});
        QVERIFY(runner.wait_for_idle(10000));
        QCOMPARE(job_nice.load(), 10);
        QCOMPARE(nice_of(gui), 0);
        int blas = 0;
        for (const QString& tid :
             QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            if (tid.toLong() == gui || comm(tid) != program) continue;
            ++blas;
            QVERIFY2(nice_of(tid.toLong()) >= 10, qPrintable(tid));
        }
        qInfo("BLAS threads: %d of %d lowered to nice 10", blas, es::numerics::blas_threads() - 1);
        // OpenBLAS starts one thread fewer than it uses (the caller is the last).
        QVERIFY(blas >= es::numerics::blas_threads() - 1);
    }

    void guiThreadStaysResponsiveWhileJobsRun() {
        // Event-loop latency probe: a 5 ms timer; the largest gap between its ticks while two
        // CPU-bound jobs run is how long the GUI thread was unavailable.
        JobRunner runner;
        QElapsedTimer clock;
        clock.start();
        qint64 last = 0, worst = 0;
        QTimer probe;
        probe.setInterval(5);
        connect(&probe, &QTimer::timeout, this, [&] {
            const qint64 now = clock.elapsed();
            worst = std::max(worst, now - last);
            last = now;
        });
        auto burn = [](es::Progress& p) {
            volatile double x = 0;
            QElapsedTimer t;
            t.start();
            while (t.elapsed() < 1500) {
                for (int i = 0; i < 100000; ++i) x = x + i * 1e-9;
                p.check();
                p.report(t.elapsed() / 1500.0, "burning");
            }
            return double(x);
        };
        int progress_signals = 0;
        connect(&runner, &JobRunner::progress, this,
                [&](double, const QString&) { ++progress_signals; });
        probe.start();
        last = clock.elapsed();
        runner.request_as<double>("a", "doc/burn1", burn, [](const double&) {});
        runner.request_as<double>("b", "doc/burn2", burn, [](const double&) {});
        QVERIFY(runner.wait_for_idle(10000));
        probe.stop();
        qInfo(
            "GUI event-loop latency while 2 jobs ran 1.5 s: worst gap %lld ms (target <= 50 ms); "
            "%d progress signals",
            worst, progress_signals);
        QVERIFY2(worst < 150, "the GUI thread was blocked");
        QVERIFY(progress_signals <= 2 * 1500 / 50 + 4);  // throttled to one per 50 ms per job
    }
};

QTEST_MAIN(TestJobRunner)
#include "test_job_runner.moc"
