// The desktop shell with real widgets: keyboard layer stepping reaches every view, a token chosen
// in one view is selected everywhere, sessions round-trip, a probe that crashes or hangs does not
// take the app down, and a file changed on disk is noticed.
#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QTreeWidget>
#include <atomic>

#include <qcustomplot.h>
#include "app_test_support.h"
#include "dump_tree_view.h"
#include "main_window.h"
#include "navigation_bar.h"
#include "presentation_mode.h"
#include "presentation_readout.h"
#include "result_view.h"
#include "slides.h"
#include "spectrum_view.h"
#include "trajectory_view.h"
#include "view.h"
#include "view_dock.h"

namespace {

// A view that records what it was told, standing in for any view that follows the selection.
class RecordingView : public es::widgets::View {
public:
    explicit RecordingView(QString id) : id_(std::move(id)) {}
    QString view_id() const override { return id_; }
    QString title() const override { return id_; }
    QString caption() const override { return QStringLiteral("records the selection"); }
    QString help_text() const override { return QStringLiteral("test view"); }
    QJsonObject save_settings() const override { return {{"zoom", zoom}}; }
    void restore_settings(const QJsonObject& s) override { zoom = s.value("zoom").toDouble(1.0); }
    es::widgets::Selection last;
    double zoom = 1.0;

protected:
    void on_selection(const es::widgets::Selection& s) override { last = s; }

private:
    QString id_;
};

using es::test::fixture;
using es::test::open_and_wait;

}  // namespace

class TestShell : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // settings and autosave go to a test location
    }

    void layerKeysReachEveryView() {
        es::app::MainWindow w;
        auto* a = new RecordingView("a");
        auto* b = new RecordingView("b");
        w.add_view(a, Qt::RightDockWidgetArea);
        w.add_view(b, Qt::RightDockWidgetArea);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(open_and_wait(w, fixture("good/tl_batched_f32.h5")));
        QSlider* slider = w.navigation()->layer_slider();
        QCOMPARE(slider->maximum(), 3);  // resid: 4 states
        slider->setFocus();
        const int before_a = a->selection_updates(),
                  before_panel = w.dataset_panel()->selection_updates();
        QTest::keyClick(slider, Qt::Key_Right);
        QCOMPARE(w.selection_model()->selection().layer, 1);
        for (es::widgets::View* v : w.views())
            QVERIFY2(v->selection_updates() > 0, qPrintable(v->view_id()));
        QCOMPARE(a->last.layer, 1);
        QCOMPARE(b->last.layer, 1);
        QVERIFY(a->selection_updates() > before_a);
        QVERIFY(w.dataset_panel()->selection_updates() > before_panel);
        // PageDown/PageUp are next/previous layer everywhere in the window: what a presenter's
        // clicker sends for next/previous slide.
        QTest::keyClick(slider, Qt::Key_PageDown);
        QCOMPARE(a->last.layer, 2);
        QTest::keyClick(slider, Qt::Key_PageUp);
        QCOMPARE(a->last.layer, 1);
        QTest::keyClick(slider, Qt::Key_End);
        QCOMPARE(b->last.layer, 3);
        QTest::keyClick(slider, Qt::Key_Home);
        QCOMPARE(a->last.layer, 0);
        QTest::keyClick(slider, Qt::Key_Left);  // clamps at 0
        QCOMPARE(a->last.layer, 0);
        // Window-wide keys for the lecturer: PageDown steps without focusing the slider.
        w.dataset_panel()->tree()->setFocus();
        QTest::keyClick(&w, Qt::Key_PageDown);
        QCOMPARE(b->last.layer, 1);
    }

    void playAnimatesLayers() {
        es::app::MainWindow w;
        auto* a = new RecordingView("a");
        w.add_view(a, Qt::RightDockWidgetArea);
        QVERIFY(open_and_wait(w, fixture("good/tl_batched_f32.h5")));
        w.navigation()->set_speed(8.0);
        w.navigation()->set_playing(true);
        QTRY_VERIFY_WITH_TIMEOUT(a->last.layer == 3, 3000);
        QTRY_VERIFY_WITH_TIMEOUT(a->last.layer == 0, 3000);  // loops
        w.navigation()->set_playing(false);
        QVERIFY(!w.navigation()->playing());
    }

    void aTokenChosenInOneViewIsSelectedEverywhere() {
        es::app::MainWindow w;
        auto* a = new RecordingView("a");
        w.add_view(a, Qt::RightDockWidgetArea);
        w.resize(1600, 1000);
        w.show();
        QVERIFY(open_and_wait(w, fixture("good/tl_batched_f32.h5")));
        QVERIFY(w.jobs()->wait_for_idle(10000));
        QTreeWidgetItem* item = w.dataset_panel()->token_item(7);  // prompt 1, position 2: "naïve"
        QVERIFY(item);
        QCOMPARE(item->text(1), QString::fromUtf8("naïve"));
        QTreeWidget* tree = w.dataset_panel()->tree();
        tree->scrollToItem(item);
        QTest::mouseClick(tree->viewport(), Qt::LeftButton, {},
                          tree->visualItemRect(item).topLeft() + QPoint(4, 4));
        QCOMPARE(w.selection_model()->selection().tokens, QList<int>{7});
        QCOMPARE(a->last.tokens, QList<int>{7});
        QVERIFY(item->font(1).bold());
        // Ctrl+click adds a second token.
        QTreeWidgetItem* other = w.dataset_panel()->token_item(1);
        tree->scrollToItem(other);
        QTest::mouseClick(tree->viewport(), Qt::LeftButton, Qt::ControlModifier,
                          tree->visualItemRect(other).topLeft() + QPoint(4, 4));
        QCOMPARE(a->last.tokens, (QList<int>{7, 1}));
        // And the other way round: selecting in the selection model marks the panel.
        w.selection_model()->select_token(3);
        QVERIFY(w.dataset_panel()->token_item(3)->font(1).bold());
        QVERIFY(!item->font(1).bold());
    }

    void sessionSaveCloseRestoreGivesTheSameState() {
        QTemporaryDir dir;
        const QString session = dir.filePath("s.eigenscope");
        es::app::SessionState saved;
        {
            es::app::MainWindow w;
            auto* a = new RecordingView("a");
            w.add_view(a, Qt::RightDockWidgetArea);
            w.show();
            QVERIFY(open_and_wait(w, fixture("good/tl_batched_f32.h5")));
            QVERIFY(open_and_wait(w, fixture("good/tl_f64_fletcher.h5"), true));
            QCOMPARE(int(w.documents().size()), 2);
            w.selection_model()->set_layer(2);
            w.selection_model()->set_tokens({4, 9});
            w.selection_model()->set_heads({3});
            w.selection_model()->set_prompt(1);
            a->zoom = 2.5;
            w.dataset_panel()->findChild<QLineEdit*>()->setText("W_Q");
            QString error;
            QVERIFY2(w.save_session(session, &error), qPrintable(error));
            saved = w.session_state();
            w.close_all();
            QVERIFY(w.documents().empty());
        }
        QVERIFY(QFile::exists(session));
        es::app::MainWindow w2;
        auto* a2 = new RecordingView("a");
        w2.add_view(a2, Qt::RightDockWidgetArea);
        w2.show();
        QSignalSpy restored(&w2, &es::app::MainWindow::session_restored);
        w2.restore_session(session);
        QVERIFY(restored.wait(15000));
        const es::app::SessionState now = w2.session_state();
        QCOMPARE(now.documents, saved.documents);
        QCOMPARE(now.selection.layer, 2);
        QCOMPARE(now.selection.tokens, (QList<int>{4, 9}));
        QCOMPARE(now.selection.heads, QList<int>{3});
        QCOMPARE(now.selection.prompt, 1);
        QCOMPARE(now.selection.compare_document, 1);
        QCOMPARE(a2->zoom, 2.5);
        QCOMPARE(now.views.value("dataset").toObject().value("filter").toString(),
                 QStringLiteral("W_Q"));
        QCOMPARE(a2->last.layer, 2);
    }

    void aCrashingOrHangingProbeDoesNotTakeTheAppDown() {
        QTemporaryDir dir;
        const QString crash = dir.filePath("crash.sh"), hang = dir.filePath("hang.sh");
        QFile c(crash), h(hang);
        QVERIFY(c.open(QIODevice::WriteOnly));
        c.write("#!/bin/sh\necho 'HDF5-DIAG: something awful' >&2\nkill -SEGV $$\n");
        c.close();
        QVERIFY(h.open(QIODevice::WriteOnly));
        h.write("#!/bin/sh\nexec sleep 30\n");
        h.close();
        QFile::setPermissions(crash, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QFile::setPermissions(hang, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        es::app::MainWindow w;
        w.show();
        QVERIFY(open_and_wait(w, fixture("good/tl_batched_f32.h5")));  // something open already
        for (const QString& probe : {crash, hang}) {
            qputenv("EIGENSCOPE_PROBE", probe.toUtf8());
            qputenv("EIGENSCOPE_PROBE_TIMEOUT_MS", "1500");
            QSignalSpy failed(&w, &es::app::MainWindow::load_failed);
            w.open_file(fixture("good/hf_batched.h5"));
            QVERIFY(failed.wait(10000));
            const QString error = failed.first().at(1).toString();
            QVERIFY2(error.contains(probe == crash ? "crashed" : "did not finish"),
                     qPrintable(error));
            auto* box = w.findChild<QMessageBox*>("errorDialog");
            QVERIFY(box);
            box->accept();
            QTRY_VERIFY(w.findChild<QMessageBox*>("errorDialog") == nullptr);
            // What was open stays open and usable.
            QVERIFY(w.dump());
            QCOMPARE(QString::fromStdString(w.dump()->path()), fixture("good/tl_batched_f32.h5"));
        }
        qunsetenv("EIGENSCOPE_PROBE");
        qunsetenv("EIGENSCOPE_PROBE_TIMEOUT_MS");
        QVERIFY(open_and_wait(w, fixture("good/hf_batched.h5")));
    }

    void aFileChangedOnDiskIsNoticedAndOfferedForReload() {
        QTemporaryDir dir;
        es::app::MainWindow w;
        const QString copy = es::test::open_copy(w, dir, "good/tl_bf16.h5");
        QVERIFY(!copy.isEmpty());
        QVERIFY(es::test::write_file(copy, QIODevice::Append, QByteArray(4096, '\0')));
        QMessageBox* box = es::test::reload_offer(w);
        QVERIFY(box && box->text().contains("changed on disk"));
        QSignalSpy loaded(&w, &es::app::MainWindow::loaded);
        box->button(QMessageBox::Yes)->click();
        QVERIFY(loaded.wait(10000));  // reloaded (the appended bytes do not hurt HDF5)
        QTRY_VERIFY(w.findChild<QMessageBox*>("reloadDialog") == nullptr);
        // Deleting it is noticed too, and nothing crashes.
        QVERIFY(QFile::remove(copy));
        box = es::test::reload_offer(w);
        QVERIFY(box && box->text().contains("deleted"));
    }

    void trajectoriesFillInLayerByLayer() {
        // The real trajectory view and feed: a partial picture (the first layers) is shown while
        // the analysis runs, then the full one; the layer axis never changes length.
        es::app::MainWindow w;
        es::widgets::TrajectoryView* view = nullptr;
        for (es::widgets::View* v : w.views())
            if (auto* t = qobject_cast<es::widgets::TrajectoryView*>(v)) view = t;
        QVERIFY(view);
        struct Shown {
            std::size_t layers, total;
        };
        std::vector<Shown> shown;
        QObject shown_scope;  // goes with `shown`, before the window
        connect(view, &es::widgets::TrajectoryView::result_changed, &shown_scope, [&] {
            shown.push_back({view->result()->layers.size(), view->result()->layers_total});
        });
        QVERIFY(open_and_wait(w, fixture("good/tl_batched_f32.h5")));
        QTRY_VERIFY_WITH_TIMEOUT(!shown.empty() && !view->partial(), 10000);
        QVERIFY2(shown.size() >= 2, "no partial result was shown before the final one");
        QCOMPARE(shown.front().total, std::size_t{4});
        QVERIFY(shown.front().layers < shown.front().total);
        QCOMPARE(shown.back().layers, std::size_t{4});
        for (std::size_t i = 1; i < shown.size(); ++i)
            QVERIFY(shown[i].layers > shown[i - 1].layers);
        QCOMPARE(view->plot()->axisRect(0)->axis(QCPAxis::atBottom)->range().upper, 3.25);
    }

    void resultsAreKeptOnDiskBetweenRuns() {
        // Opening the same dump again takes its spectra and CKA from the disk cache (test-mode
        // XDG cache dir), identical to the computed ones; "Clear Result Cache" empties it.
        const QString demo = QStringLiteral(EIGENSCOPE_SOURCE_DIR "/resources/demo/demo.h5");
        auto spectrum_of = [](es::app::MainWindow& w) {
            es::widgets::SpectrumView* v = nullptr;
            for (es::widgets::View* view : w.views())
                if (auto* s = qobject_cast<es::widgets::SpectrumView*>(view)) v = s;
            return v;
        };
        std::string first;
        {
            es::app::MainWindow w;
            w.clear_result_cache();
            QVERIFY(open_and_wait(w, demo));
            es::widgets::SpectrumView* v = spectrum_of(w);
            QVERIFY(v);
            // The complete result (partial ones, layers still coming, come first).
            QTRY_VERIFY_WITH_TIMEOUT(v->result().has_value() && v->incomplete().isEmpty(), 20000);
            // Every view computes (the window is not shown): 60 s for a loaded machine.
            QVERIFY2(w.jobs()->wait_for_idle(60000), qPrintable(w.jobs()->activity().join(" | ")));
            QCOMPARE(w.result_cache()->stats().hits, std::size_t{0});
            QVERIFY(w.result_cache()->stats().entries >= 2);  // spectrum and CKA at least
            first = es::analysis::to_json(*v->result()).dump();
        }
        es::app::MainWindow w;
        QVERIFY(open_and_wait(w, demo));
        es::widgets::SpectrumView* v = spectrum_of(w);
        QTRY_VERIFY_WITH_TIMEOUT(v->result().has_value() && v->incomplete().isEmpty(), 20000);
        // The views not cached compute again: the same 60 s as above (20 s was too short for
        // the ASan build on a machine loaded by other builds).
        QVERIFY2(w.jobs()->wait_for_idle(60000), qPrintable(w.jobs()->activity().join(" | ")));
        QVERIFY(w.result_cache()->stats().hits >= 2);
        QCOMPARE(es::analysis::to_json(*v->result()).dump(), first);
        QVERIFY(QDir(QString::fromStdString(w.result_cache()->dir()))
                    .absolutePath()
                    .startsWith(QStandardPaths::writableLocation(QStandardPaths::CacheLocation)));
        auto* clear = w.findChild<QAction*>(QStringLiteral("clearResultCache"));
        QVERIFY(clear);
        clear->trigger();
        QCOMPARE(w.result_cache()->stats().entries, std::size_t{0});
    }

    void paintingIsNotBlockedByRunningAnalyses() {
        // Qt's raster engine splits some painting across Qt's global thread pool and waits for
        // it: analyses must run elsewhere (JobRunner::pool()), or a repaint waits for them.
        es::app::MainWindow w;
        w.resize(1600, 1000);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(open_and_wait(w, fixture("good/tl_batched_f32.h5")));
        QVERIFY(w.jobs()->wait_for_idle(20000));
        std::atomic<int> started{0};
        for (int i = 0; i < 2; ++i)
            w.jobs()->request(
                QStringLiteral("busy%1").arg(i), QStringLiteral("busy%1").arg(i),
                [&started](es::Progress& p) -> es::app::JobRunner::Result {
                    ++started;
                    for (int k = 0; k < 300; ++k) {  // 3 s unless cancelled
                        p.check();
                        QThread::msleep(10);
                    }
                    return std::make_shared<int>(0);
                },
                [](const es::app::JobRunner::Result&) {});
        QTRY_COMPARE_WITH_TIMEOUT(started.load(), 2, 5000);
        QElapsedTimer clock;
        clock.start();
        for (int i = 0; i < 5; ++i) w.repaint();  // synchronous full-window paints
        const qint64 ms = clock.elapsed();
        qInfo("5 full repaints of a 1600x1000 window while 2 analyses ran: %lld ms", ms);
        QVERIFY2(ms < 1000, qPrintable(QString::number(ms)));
        w.jobs()->cancel_all();
        QVERIFY(w.jobs()->wait_for_idle(5000));
    }

    void presentationModeIsALayoutWithALiveReadout() {
        es::app::MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(open_and_wait(w, QStringLiteral(EIGENSCOPE_SOURCE_DIR "/resources/demo/demo.h5")));
        auto* trajectory = qobject_cast<es::widgets::TrajectoryView*>(w.dock("trajectory")->view());
        QTRY_VERIFY(trajectory->result() && !trajectory->partial());
        const qreal normal = QApplication::font().pointSizeF();
        QTest::keyClick(&w, Qt::Key_F5);
        QTRY_VERIFY(w.presentation());
        QVERIFY(w.isFullScreen());
        QVERIFY(QApplication::font().pointSizeF() > normal * 1.3);
        // One view on the page beside the readout; menus, toolbar and the other panels gone.
        auto* mode = w.presentation_mode();
        QCOMPARE(w.centralWidget(), mode->page());
        QCOMPARE(trajectory->parentWidget(), mode->page());
        QVERIFY(!w.menuBar()->isVisible() && !w.navigation()->isVisible());
        for (es::widgets::View* v : w.views())
            if (v != trajectory) QVERIFY2(!v->isVisible(), qPrintable(v->view_id()));
        // Legends and the growth headline above the panels, not over the data.
        QCPLayoutGrid* grid = trajectory->plot()->plotLayout();
        QCOMPARE(grid->rowCount(), 5);
        QVERIFY(qobject_cast<QCPTextElement*>(grid->element(0, 0)));
        QVERIFY(qobject_cast<QCPTextElement*>(grid->element(0, 0))->text().contains("×33.4"));
        // The readout follows the layer: the demo's mean norms
        // (tests/reference/expected/demo.json).
        auto* readout = mode->readout();
        QCOMPARE(readout->text().title, QStringLiteral("embedding"));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Right);
        QCOMPARE(w.selection_model()->selection().layer, 1);
        QCOMPARE(readout->text().title, QStringLiteral("block 0 output"));
        QCOMPARE(readout->text().rows[0].value, QStringLiteral("24.4"));
        QCOMPARE(readout->text().rows[0].note, QStringLiteral("×26.50 from the previous state"));
        QTest::keyClick(&w, Qt::Key_PageDown);
        QCOMPARE(readout->text().title, QStringLiteral("block 1 output"));
        QCOMPARE(readout->text().rows[0].note, QStringLiteral("×1.08 from the previous state"));
        QCOMPARE(readout->text().rows[1].value, QStringLiteral("0.958"));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_End);
        QCOMPARE(readout->text().title, QStringLiteral("block 3 output"));
        // Tab presents the next view; the readout stays.
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QVERIFY(mode->presented() != QStringLiteral("trajectory"));
        QVERIFY(w.dock(mode->presented())->view()->isVisible());
        QCOMPARE(trajectory->parentWidget(), w.dock("trajectory")->widget());
        QCOMPARE(readout->text().title, QStringLiteral("block 3 output"));
        // Esc: the window as it was.
        QTest::keyClick(&w, Qt::Key_Escape);
        QVERIFY(!w.presentation());
        QCOMPARE(QApplication::font().pointSizeF(), normal);
        QVERIFY(!w.isFullScreen());
        QTRY_VERIFY(w.menuBar()->isVisible() && w.navigation()->isVisible());
        QVERIFY(trajectory->isVisible());
        QCOMPARE(grid->rowCount(), 2);
        for (es::widgets::View* v : w.views())
            QVERIFY2(v->parentWidget() == w.dock(v->view_id())->widget(), qPrintable(v->view_id()));
        // F5 again presents the view presented last.
        const QString last = mode->presented();
        QTest::keyClick(&w, Qt::Key_F5);
        QTRY_VERIFY(w.presentation());
        QCOMPARE(mode->presented(), last);
        QTest::keyClick(&w, Qt::Key_F5);
        QTRY_VERIFY(!w.presentation());
    }

    void exportSlidesWritesEveryStateAndLeavesTheWindowAsItWas() {
        // File > Export Slides: the presentation page of the spectrum once per state, then the
        // window as it was (not presenting, the same layer, the view back in its dock).
        es::app::MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(open_and_wait(w, QStringLiteral(EIGENSCOPE_SOURCE_DIR "/resources/demo/demo.h5")));
        w.selection_model()->set_layer(2);
        QTemporaryDir dir;
        auto* writer =
            new es::app::SlideWriter(w, QStringLiteral("spectrum"), dir.path(), QSize(800, 450));
        QSignalSpy done(writer, &es::app::SlideWriter::finished);
        writer->start();
        QVERIFY(w.presentation());
        QVERIFY(done.wait(120000));
        QVERIFY2(done.at(0).at(0).toBool(), qPrintable(done.at(0).at(1).toString()));
        const QStringList files = QDir(dir.path()).entryList(QDir::Files, QDir::Name);
        QCOMPARE(files.size(), 5);
        QCOMPARE(files.first(), QStringLiteral("00-embedding.png"));
        for (const QString& f : files) {
            const QImage slide(QDir(dir.path()).filePath(f));
            QCOMPARE(slide.size(), QSize(800, 450));
            QCOMPARE(slide.text(QStringLiteral("view")), QStringLiteral("spectrum"));
        }
        QVERIFY(!w.presentation());
        QCOMPARE(w.selection_model()->selection().layer, 2);
        QCOMPARE(w.dock("spectrum")->view()->parentWidget(), w.dock("spectrum")->widget());
    }

    void theViewMenuBringsAPanelBehindATabForward() {
        es::app::MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(open_and_wait(w, fixture("good/tl_batched_f32.h5")));
        es::app::ViewDock* lens = w.dock(QStringLiteral("lens"));
        w.dock(QStringLiteral("cka"))->raise();
        // A tab behind CKA: open, but nothing of it in sight.
        QTRY_VERIFY(lens->visibleRegion().isEmpty());
        auto* entry = w.findChild<QAction*>(QStringLiteral("panel_lens"));
        QVERIFY(entry && entry->isChecked());
        entry->trigger();  // one click: in sight, still open
        QTRY_VERIFY(!lens->visibleRegion().isEmpty());
        QVERIFY(entry->isChecked());
        entry->trigger();  // in sight: closes
        QTRY_VERIFY(lens->isHidden());
        QVERIFY(!entry->isChecked());
        // View > Present View presents any view.
        auto* present = w.findChild<QMenu*>(QStringLiteral("presentMenu"));
        QVERIFY(present &&
                present->actions().size() == w.presentation_mode()->presentable().size());
        present->actions().at(2)->trigger();
        QVERIFY(w.presentation());
        QCOMPARE(w.presentation_mode()->presented(), w.presentation_mode()->presentable().at(2));
        QTest::keyClick(&w, Qt::Key_Escape);
        QVERIFY(!w.presentation());
    }

    void theHelpButtonExplainsAView() {
        es::app::MainWindow w;
        w.dock("dataset")->show_help();
        auto* help = w.findChild<QMessageBox*>("helpDialog");
        QVERIFY(help);
        QVERIFY(help->text().contains("residual stream"));
    }

    void aNewFileFocusesTheSliderAndCtrlEOpensTheExportDialog() {
        // The Dataset filter had the focus once a file was open, and took Ctrl+E as "end".
        es::app::MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(open_and_wait(w, fixture("good/tl_batched_f32.h5")));
        QTRY_VERIFY(QApplication::focusWidget());
        QCOMPARE(QApplication::focusWidget()->objectName(), QStringLiteral("layerSlider"));
        bool dialog = false;
        QTimer::singleShot(200, &w, [&dialog] {
            if (QWidget* modal = QApplication::activeModalWidget()) {
                dialog = true;
                modal->close();
            }
        });
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_E, Qt::ControlModifier);
        QTRY_VERIFY(dialog);
    }

    void theViewMenuListsEveryPanelAndReopensAClosedOne() {
        es::app::MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        auto* menu = w.findChild<QMenu*>(QStringLiteral("viewMenu"));
        QVERIFY(menu);
        QStringList listed;
        for (QAction* a : menu->actions()) listed << a->text();
        for (es::widgets::View* v : w.views())
            QVERIFY2(listed.contains(v->title()),
                     qPrintable(v->title() + " not in " + listed.join(QStringLiteral(", "))));
        es::app::ViewDock* lens = w.dock(QStringLiteral("lens"));
        lens->close();
        QVERIFY(lens->isHidden());
        QAction* reopen = nullptr;
        for (QAction* a : menu->actions())
            if (a->text() == lens->view()->title()) reopen = a;
        QVERIFY(reopen && reopen->isCheckable() && !reopen->isChecked());
        reopen->trigger();
        QTRY_VERIFY(!lens->isHidden());
    }

    void everyViewHasItsCaptionAndHelpPage() {
        // resources/help/<id>.html, compiled in: a one-line caption and at least a paragraph.
        es::app::MainWindow w;
        for (es::widgets::View* v : w.views()) {
            QVERIFY2(!v->caption().isEmpty() && !v->caption().contains(QLatin1Char('\n')),
                     qPrintable(v->view_id()));
            QVERIFY2(v->help_text().startsWith(QLatin1String("<p>")) && v->help_text().size() > 100,
                     qPrintable(v->view_id() + QStringLiteral(": ") + v->help_text()));
        }
        QCOMPARE(w.dock("spectrum")->view()->caption(),
                 QStringLiteral("singular values of the token states at each layer: how many "
                                "directions the layer really uses"));
    }
};

QTEST_MAIN(TestShell)
#include "test_shell.moc"
