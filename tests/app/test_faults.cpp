// Faults in the desktop app: a disk that fills up under a session save or an export (a small
// tmpfs when mounting is allowed, else an injected write failure via RLIMIT_FSIZE: the same
// assertions either way), a file rewritten with garbage while open, 1000 rapid layer changes and
// cancellations, and the autosave that bounds what a crash can lose. User files stay
// byte-identical throughout.

#include <QAbstractButton>
#include <QApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QMessageBox>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include "app_test_support.h"
#include "export/figure_export.h"
#include "full_disk.h"
#include "main_window.h"
#include "navigation_bar.h"
#include "session.h"
#include "view.h"

using es::test::fixture;
using es::test::open_and_wait;

namespace {

QByteArray file_bytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QByteArray sha(const QString& path) {
    return QCryptographicHash::hash(file_bytes(path), QCryptographicHash::Sha256);
}

}  // namespace

class TestFaults : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // settings and autosave go to a test location
        for (const char* f :
             {"good/tl_batched_f32.h5", "good/tl_bf16.h5", "good/analysis_synth.h5"})
            user_files_[fixture(f)] = sha(fixture(f));
    }
    void cleanup() {
        // Nothing lost: no test may change a user file, whatever it did to its copies.
        for (auto it = user_files_.cbegin(); it != user_files_.cend(); ++it)
            QVERIFY2(sha(it.key()) == it.value(), qPrintable(it.key() + " changed"));
    }

    void aSessionOrExportOnAFullDiskFailsCleanlyAndKeepsTheOldFile() {
        QTemporaryDir tmp;
        es::test::FullDisk disk(tmp.filePath("full"));
        const QString session = tmp.filePath("full/s.eigenscope"),
                      csv = tmp.filePath("full/numbers.csv");
        es::app::SessionState small;
        small.documents = {fixture("good/tl_batched_f32.h5")};
        QString error;
        QVERIFY2(es::app::write_session(session, small, &error), qPrintable(error));
        QVERIFY(es::widgets::write_atomically(csv, "a,b\n1,2\n", &error));
        const QByteArray session_before = file_bytes(session), csv_before = file_bytes(csv);
        disk.fill();
        es::app::SessionState big = small;
        for (int i = 0; i < 400; ++i) big.documents << QStringLiteral("/data/dump_%1.h5").arg(i);
        error.clear();
        const bool session_ok = es::app::write_session(session, big, &error);
        QString export_error;
        const bool export_ok =
            es::widgets::write_atomically(csv, QByteArray(64 * 1024, '7'), &export_error);
        disk.release();
        QVERIFY(!session_ok);
        QVERIFY2(error.startsWith(session + ": cannot write"), qPrintable(error));
        QVERIFY(!export_ok);
        QVERIFY2(export_error.startsWith(csv + ": cannot write"), qPrintable(export_error));
        // Atomic: the old files are intact and no temporary file is left behind.
        QCOMPARE(file_bytes(session), session_before);
        QCOMPARE(file_bytes(csv), csv_before);
        QCOMPARE(disk.leftovers({"s.eigenscope", "numbers.csv"}), QStringList());
        QVERIFY(es::app::read_session(session, &error).has_value());
    }

    void aFileRewrittenWithGarbageWhileOpenIsNoticedAndReloadFailsCleanly() {
        QTemporaryDir dir;
        es::app::MainWindow w;
        const QString copy = es::test::open_copy(w, dir, "good/tl_bf16.h5");
        QVERIFY(!copy.isEmpty());
        // Same inode, new contents: what an exporter re-running over the file does.
        QVERIFY(es::test::write_file(copy, QIODevice::WriteOnly | QIODevice::Truncate,
                                     QByteArray(3000, 'g')));
        // Views still asking for layers of the old contents get errors, never a crash.
        for (int layer = 0; layer < 3; ++layer) w.selection_model()->set_layer(layer);
        QMessageBox* box = es::test::reload_offer(w);
        QVERIFY(box && box->text().contains("changed on disk"));
        QSignalSpy failed(&w, &es::app::MainWindow::load_failed);
        box->button(QMessageBox::Yes)->click();
        QVERIFY(failed.wait(20000));
        QVERIFY2(failed.first().at(1).toString().contains("not an HDF5 file"),
                 qPrintable(failed.first().at(1).toString()));
        QTRY_VERIFY(w.findChild<QMessageBox*>("errorDialog") != nullptr);
        w.findChild<QMessageBox*>("errorDialog")->accept();
        QVERIFY(w.jobs()->wait_for_idle(20000));
        // Still usable: another file opens.
        QVERIFY(open_and_wait(w, fixture("good/tl_batched_f32.h5")));
        QCOMPARE(QString::fromStdString(w.dump()->path()), fixture("good/tl_batched_f32.h5"));
    }

    void aThousandRapidLayerChangesAndCancellationsEndInTheRightState() {
        es::app::MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(open_and_wait(w, fixture("good/analysis_synth.h5")));
        QVERIFY(w.jobs()->wait_for_idle(60000));
        const int layers = w.selection_model()->layer_count();
        QVERIFY(layers > 2);
        auto* cancel = w.findChild<QToolButton*>("cancelJobs");
        QVERIFY(cancel);
        for (int i = 0; i < 1000; ++i) {
            w.selection_model()->set_layer((i * 7) % layers);
            if (i % 3 == 0) QApplication::processEvents();  // let some jobs start
            if (i % 5 == 0) w.jobs()->cancel_all();
            if (i % 50 == 0) cancel->click();
        }
        const int final_layer = 1;
        w.selection_model()->set_layer(final_layer);
        QVERIFY(w.jobs()->wait_for_idle(120000));
        QCOMPARE(w.selection_model()->selection().layer, final_layer);
        QCOMPARE(w.navigation()->layer_slider()->value(), final_layer);
        QCOMPARE(w.jobs()->running_count(), 0);
        QVERIFY(!w.jobs()->busy());
        // No error dialog: cancellation is not a failure.
        QVERIFY(w.findChild<QMessageBox*>("errorDialog") == nullptr);
        for (es::widgets::View* v : w.views())
            QVERIFY2(v->selection_updates() > 0, qPrintable(v->view_id()));
    }

    void theLastSessionIsAutosavedAtLeastEveryMinute() {
        es::app::MainWindow w;
        QVERIFY(w.autosave_interval_ms() > 0);
        QVERIFY(w.autosave_interval_ms() <= 60000);
        QFile::remove(es::app::MainWindow::autosave_file());
        w.set_autosave_interval_ms(200);
        QVERIFY(open_and_wait(w, fixture("good/tl_batched_f32.h5")));
        w.selection_model()->set_layer(2);
        // The timer alone (no close, no save): what survives a crash.
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(es::app::MainWindow::autosave_file()), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(
            es::app::read_session(es::app::MainWindow::autosave_file(), nullptr).has_value() &&
                es::app::read_session(es::app::MainWindow::autosave_file(), nullptr)
                        ->selection.layer == 2,
            5000);
        const auto s = es::app::read_session(es::app::MainWindow::autosave_file(), nullptr);
        QCOMPARE(s->documents, QStringList{fixture("good/tl_batched_f32.h5")});
        QVERIFY(w.jobs()->wait_for_idle(20000));
    }

private:
    QMap<QString, QByteArray> user_files_;
};

QTEST_MAIN(TestFaults)
#include "test_faults.moc"
