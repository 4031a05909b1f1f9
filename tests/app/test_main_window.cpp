// The main window with real widgets (offscreen platform): opening good and bad files; the status
// bar's progress box.
#include <QFile>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTreeWidget>
#include <atomic>
#include <string>

#include "dump_tree_view.h"
#include "job_runner.h"
#include "main_window.h"
#include "util/progress.h"

class TestMainWindow : public QObject {
    Q_OBJECT
private:
    static QString fixture(const char* rel) {
        return QStringLiteral(EIGENSCOPE_FIXTURES "/") + rel;
    }

    static QMessageBox* error_dialog(QWidget* window) {
        return window->findChild<QMessageBox*>(QStringLiteral("errorDialog"));
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // not the user's ~/.cache and ~/.config
    }

    void opensAGoodFileAndListsWhatItHolds() {
        es::app::MainWindow w;
        w.show();
        QSignalSpy loaded(&w, &es::app::MainWindow::loaded);
        w.open_file(fixture("good/tl_batched_f32.h5"));
        QVERIFY(loaded.wait(10000));
        auto* panel = w.dataset_panel();
        QTreeWidgetItem* streams = panel->section(QStringLiteral("Streams"));
        QVERIFY(streams);
        QCOMPARE(streams->childCount(), 10);
        QCOMPARE(streams->child(0)->text(0), QStringLiteral("resid"));
        QVERIFY(streams->child(0)->text(1).startsWith(
            QStringLiteral("4 states × 2 prompts × 5 positions × 8 dims")));
        QCOMPARE(panel->section(QStringLiteral("Weights"))->childCount(), 35);
        QTreeWidgetItem* tokens = panel->section(QStringLiteral("Tokens"));
        QCOMPARE(tokens->childCount(), 2);  // two prompts
        QCOMPARE(tokens->child(1)->child(2)->text(1), QString::fromUtf8("naïve"));
        QVERIFY(w.windowTitle().contains(QStringLiteral("tl_batched_f32.h5")));
    }

    void badFilesShowAnErrorAndTheAppStaysUsable() {
        es::app::MainWindow w;
        w.show();
        for (const char* bad : {"bad/truncated.h5", "bad/not_hdf5.h5", "bad/missing_filter.h5",
                                "bad/inconsistent_shapes.h5", "bad/no_layout.h5"}) {
            QSignalSpy failed(&w, &es::app::MainWindow::load_failed);
            w.open_file(fixture(bad));
            QVERIFY2(failed.wait(10000), bad);
            QMessageBox* box = error_dialog(&w);
            QVERIFY2(box, bad);
            QVERIFY(box->isVisible());
            QVERIFY2(box->text().contains(fixture(bad)), qPrintable(box->text()));
            box->accept();
            QTRY_VERIFY(error_dialog(&w) == nullptr);
        }
        // Still usable: a good file opens afterwards.
        QSignalSpy loaded(&w, &es::app::MainWindow::loaded);
        w.open_file(fixture("good/hf_batched.h5"));
        QVERIFY(loaded.wait(10000));
        QVERIFY(w.dump());
        QTreeWidgetItem* streams = w.dataset_panel()->section(QStringLiteral("Streams"));
        QVERIFY(streams->child(0)->text(1).contains(QStringLiteral("float16")));
    }

    void damagedFilesExplainThemselvesWithTheLibrarysDetailBehindAButton() {
        // Files damaged here: the dialog's text is the sentence (the file, what is wrong, what to
        // do), HDF5's own words are behind "Show Details..." (the detailed text), never in it.
        QTemporaryDir dir;
        QFile good(fixture("good/tl_batched_f32.h5"));
        QVERIFY(good.open(QIODevice::ReadOnly));
        const QByteArray bytes = good.readAll();
        const QString half = dir.filePath(QStringLiteral("half.h5"));
        const QString text = dir.filePath(QStringLiteral("table.h5"));
        QFile h(half), t(text);
        QVERIFY(h.open(QIODevice::WriteOnly) && t.open(QIODevice::WriteOnly));
        h.write(bytes.left(bytes.size() / 2));
        t.write(QByteArray("layer,token,x,y,z\n").repeated(200));
        h.close();
        t.close();
        es::app::MainWindow w;
        w.show();
        const struct {
            QString path, says, detail;
        } cases[] = {
            {half, QStringLiteral("truncated HDF5 file: it ends at"), QStringLiteral("stored_eof")},
            {text, QStringLiteral("not an HDF5 file"), QStringLiteral("signature")},
        };
        for (const auto& c : cases) {
            QSignalSpy failed(&w, &es::app::MainWindow::load_failed);
            w.open_file(c.path);
            QVERIFY2(failed.wait(10000), qPrintable(c.path));
            QCOMPARE(failed.first().size(), 3);
            QVERIFY2(failed.first().at(2).toString().contains(c.detail),
                     qPrintable(failed.first().at(2).toString()));
            QMessageBox* box = error_dialog(&w);
            QVERIFY(box);
            QVERIFY2(box->text().contains(c.path) && box->text().contains(c.says),
                     qPrintable(box->text()));
            for (const char* internal : {"sblock", "stored_eof", "addr", "H5F", "H5D", "#0"})
                QVERIFY2(!box->text().contains(QLatin1String(internal)), qPrintable(box->text()));
            QVERIFY2(box->detailedText().contains(c.detail), qPrintable(box->detailedText()));
            box->accept();
            QTRY_VERIFY(error_dialog(&w) == nullptr);
        }
        // A file refused for its contents, not damage: a sentence naming the dataset.
        QSignalSpy failed(&w, &es::app::MainWindow::load_failed);
        w.open_file(fixture("bad/integer_activations.h5"));
        QVERIFY(failed.wait(10000));
        QMessageBox* box = error_dialog(&w);
        QVERIFY(box);
        QVERIFY2(box->text().contains(QStringLiteral("/blocks.1.hook_resid_post")) &&
                     box->text().contains(QStringLiteral("where floating-point activations")),
                 qPrintable(box->text()));
        QVERIFY(box->detailedText().isEmpty());  // nothing more to say: no Details button
        box->accept();
    }

    void filterHidesWhatDoesNotMatch() {
        es::app::MainWindow w;
        QSignalSpy loaded(&w, &es::app::MainWindow::loaded);
        w.open_file(fixture("good/tl_batched_f32.h5"));
        QVERIFY(loaded.wait(10000));
        auto* filter = w.dataset_panel()->findChild<QLineEdit*>();
        QVERIFY(filter);
        filter->setText(QStringLiteral("W_Q"));
        QTreeWidgetItem* weights = w.dataset_panel()->section(QStringLiteral("Weights"));
        int visible = 0;
        for (int i = 0; i < weights->childCount(); ++i)
            visible += weights->child(i)->isHidden() ? 0 : 1;
        QCOMPARE(visible, 3);  // blocks.{0,1,2}.attn.W_Q
    }

    // The progress box shows what runs now: with two jobs the one started last (and how many
    // run); when it finishes (its last words "done" at 100%), the other one's progress, not the
    // finished one's; with none, an idle text, not the last job's "100%".
    void progressBoxShowsWhatRunsNow() {
        es::app::MainWindow w;
        w.show();
        auto* box = w.findChild<QProgressBar*>(QStringLiteral("jobProgress"));
        QVERIFY(box);
        std::atomic<bool> end_a{false}, end_b{false};
        // Reports `f` and `message`, runs until told to end, then reports done at 100%.
        auto until = [](std::atomic<bool>& end, double f, std::string message) {
            return [&end, f, message](es::Progress& p) {
                p.report(f, message);
                while (!end.load()) {
                    p.check();
                    QThread::msleep(2);
                }
                p.report(1.0, "done");
                return 1;
            };
        };
        int delivered = 0;
        auto count = [&delivered](const int& r) { delivered += r; };
        es::app::JobRunner* jobs = w.jobs();
        jobs->request_as<int>("a", "doc9/trajectory/resid", until(end_a, 0.5, "layer 3 of 4"),
                              count);
        jobs->request_as<int>("b", "doc9/spectrum/resid", until(end_b, 0.25, "layer 17 of 33"),
                              count);
        QTRY_COMPARE_WITH_TIMEOUT(box->text(),
                                  QStringLiteral("2 jobs: spectrum: layer 17 of 33 25%"), 5000);
        QCOMPARE(box->value(), 250);
        QCOMPARE(box->toolTip(), QStringLiteral("2 jobs: spectrum: layer 17 of 33"));

        end_b = true;
        QTRY_COMPARE_WITH_TIMEOUT(delivered, 1, 5000);
        QCOMPARE(jobs->running_count(), 1);
        QCOMPARE(box->text(), QStringLiteral("trajectory: layer 3 of 4 50%"));
        QCOMPARE(box->value(), 500);

        end_a = true;
        QTRY_COMPARE_WITH_TIMEOUT(delivered, 2, 5000);
        QVERIFY(!jobs->busy());
        QCOMPARE(box->text(), QStringLiteral("idle"));
        QCOMPARE(box->value(), 0);
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
