// The app's analyses lease their working sets from one memory gate (issue 20): the window sets
// the gate's budget to the analyses' memory, and with trajectory, spectrum, CKA and the equaliser
// (floated beside them, as a user does) computing at once under a budget smaller than their
// working sets together, the leases held at once never exceed it and every view completes.
// Drives the real MainWindow, shown (offscreen), on a dump written at test time.
#include <QDockWidget>
#include <QLabel>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "app_test_support.h"
#include "main_window.h"
#include "numerics/memory_gate.h"
#include "result_view.h"
#include "view_dock.h"
#include "view_feeds.h"

using es::widgets::ResultView;
using es::widgets::ViewState;

class TestMemoryGateApp : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void feedsLeasesNeverExceedTheBudget() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString file = dir.filePath(QStringLiteral("gated.h5"));
        // 6 states of 200 tokens x 256 (reference_gated.py): each analysis' lease is 0.6-1.5 MiB.
        QProcess python;
        python.setStandardOutputFile(QProcess::nullDevice());
        python.start(QStringLiteral(EIGENSCOPE_PYTHON),
                     {QStringLiteral(EIGENSCOPE_SOURCE_DIR "/tests/reference/reference_gated.py"),
                      file, QStringLiteral("200"), QStringLiteral("256"), QStringLiteral("6")});
        QVERIFY(python.waitForFinished(60000));
        QCOMPARE(python.exitCode(), 0);

        es::numerics::MemoryGate& gate = es::numerics::memory_gate();
        es::app::MainWindow w;
        // The window gives the analyses' memory (672 MiB) to the gate.
        QCOMPARE(gate.budget(), es::app::analysis_memory());
        QCOMPARE(gate.budget(), std::size_t{672} << 20);
        w.clear_result_cache();
        w.resize(1400, 900);
        w.show();
        // A budget smaller than the working sets together, so that the feeds' jobs wait for each
        // other's memory (on the 4096-wide dumps that is 672 MiB).
        const std::size_t budget = std::size_t{2} << 20;
        gate.set_budget(budget);
        gate.reset_peak();
        const std::size_t nested_before = gate.nested_grants();
        QDockWidget* eq = w.dock(QStringLiteral("equaliser"));
        eq->setFloating(true);
        eq->resize(700, 400);
        eq->show();
        eq->raise();
        QVERIFY(es::test::open_and_wait(w, file));
        QStringList ids{"trajectory", "spectrum", "cka", "equaliser"};
        for (const QString& id : ids)
            QTRY_VERIFY2_WITH_TIMEOUT(w.on_screen(w.dock(id)->view()), qPrintable(id), 5000);
        const auto complete = [&] {
            for (const QString& id : ids) {
                auto* v = qobject_cast<ResultView*>(w.dock(id)->view());
                if (!v || v->state() != ViewState::Result || !v->incomplete().isEmpty())
                    return false;
            }
            return true;
        };
        QTRY_VERIFY_WITH_TIMEOUT(complete(), 120000);
        QVERIFY(w.jobs()->wait_for_idle(30000));
        // Leased at all (more than any one lease), never beyond the budget, all given back, and no
        // job asked for a second lease while holding one.
        QVERIFY2(gate.peak_held() > (std::size_t{1} << 20),
                 qPrintable(QString::number(gate.peak_held())));
        QVERIFY2(gate.peak_held() <= budget, qPrintable(QString::number(gate.peak_held())));
        QCOMPARE(gate.held(), std::size_t{0});
        QCOMPARE(gate.nested_grants(), nested_before);
        gate.set_budget(es::app::analysis_memory());
    }
};

QTEST_MAIN(TestMemoryGateApp)
#include "test_memory_gate_app.moc"
