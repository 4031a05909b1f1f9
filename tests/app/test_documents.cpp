// What the screen shows belongs to the documents that are open: the scenarios of a user who opens
// one file after another, a checkpoint folder after a dump, compares two dumps whose tokens
// differ, or two files of the same name. Each drives the real MainWindow through the calls the
// File menu's dialogs make, then checks every view, the navigation bar's boxes and the selection.
#include <qcustomplot.h>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QProgressBar>
#include <QSlider>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>
#include <cmath>

#include "app_test_support.h"
#include "attention_view.h"
#include "cka_view.h"
#include "main_window.h"
#include "result_view.h"
#include "view_dock.h"

using es::test::fixture;
using es::test::open_and_wait;
using es::widgets::ResultView;
using es::widgets::ViewState;

namespace {

QString demo() {
    return QStringLiteral(EIGENSCOPE_SOURCE_DIR "/resources/demo/demo.h5");
}

QList<ResultView*> result_views(es::app::MainWindow& w) {
    QList<ResultView*> out;
    for (es::widgets::View* v : w.views())
        if (auto* r = qobject_cast<ResultView*>(v)) out << r;
    return out;
}

// Every view shows either no result or one computed from the documents open now.
QString stale_views(es::app::MainWindow& w) {
    QStringList open;
    for (const es::app::Document* d : w.documents()) open << d->id();
    QStringList stale;
    for (ResultView* v : result_views(w)) {
        if (v->state() != ViewState::Result) continue;
        const QString doc = v->source().section(QLatin1Char('|'), 0, 0);
        if (v->source().startsWith(QLatin1String("series:"))) continue;  // a folder, checked apart
        if (!open.contains(doc)) stale << v->view_id() + QStringLiteral(" shows ") + v->source();
    }
    return stale.join(QStringLiteral("; "));
}

// What a view without a result still draws: plottables with data, heatmap cells with a value,
// or axis ranges beyond the neutral 0..1 (1..10 on log axes), that is, of a result it had.
QString drawn_without_result(es::app::MainWindow& w) {
    QStringList drawn;
    for (ResultView* v : result_views(w)) {
        if (v->state() == ViewState::Result) continue;
        for (const QString& figure : v->figures())
            for (QCustomPlot* plot : v->figure_plots(figure)) {
                for (int i = 0; i < plot->plottableCount(); ++i) {
                    QCPAbstractPlottable* p = plot->plottable(i);
                    if (!p->visible()) continue;
                    if (p->interface1D() && p->interface1D()->dataCount() > 0)
                        drawn << figure + QStringLiteral(": ") + p->name();
                    if (auto* map = dynamic_cast<QCPColorMap*>(p)) {
                        QCPColorMapData* d = map->data();
                        for (int x = 0; x < d->keySize(); ++x)
                            for (int y = 0; y < d->valueSize(); ++y)
                                if (!std::isnan(d->cell(x, y)) && d->alpha(x, y) > 0) {
                                    drawn << figure + QStringLiteral(": heatmap cells");
                                    x = d->keySize();
                                    break;
                                }
                    }
                }
                for (QCPAxisRect* rect : plot->axisRects())
                    for (QCPAxis* a : rect->axes())
                        if (a->visible() && a->range().upper > 10)
                            drawn << figure + QStringLiteral(": axis to ") +
                                         QString::number(a->range().upper);
            }
    }
    drawn.removeDuplicates();
    return drawn.join(QStringLiteral("; "));
}

QStringList items(QComboBox* box) {
    QStringList out;
    for (int i = 0; i < box->count(); ++i) out << box->itemText(i);
    return out;
}

}  // namespace

class TestDocuments : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void aSecondFileReplacesEverythingTheFirstShowed() {
        es::app::MainWindow w;
        w.show();
        QVERIFY(open_and_wait(w, demo()));
        QVERIFY(w.jobs()->wait_for_idle(60000));
        w.selection_model()->set_tokens({13});
        auto* tokens = w.findChild<QComboBox*>(QStringLiteral("tokenPicker"));
        QVERIFY(tokens);
        const QStringList demo_tokens = items(tokens);

        const QString other = fixture("good/tl_batched_f32.h5");
        QVERIFY(open_and_wait(w, other));
        QVERIFY(w.jobs()->wait_for_idle(60000));
        QCOMPARE(w.documents().size(), std::size_t(1));
        QCOMPARE(w.documents().front()->path(), other);
        // The token box lists this file's tokens of prompt 0, each "position text".
        const auto& t = w.dump()->tokens();
        QStringList expected;
        for (const auto& tok : t)
            if (tok.prompt == 0)
                expected << QStringLiteral("%1 %2")
                                .arg(tok.position)
                                .arg(QString::fromStdString(tok.label()));
        QCOMPARE(items(tokens), expected);
        QVERIFY(items(tokens) != demo_tokens);
        // A token picked in the demo means nothing here.
        QVERIFY(w.selection_model()->selection().tokens.isEmpty());
        QVERIFY2(stale_views(w).isEmpty(), qPrintable(stale_views(w)));
        // Views that show activations have a result of this file.
        for (const char* id : {"trajectory", "spectrum", "cka"}) {
            auto* v = qobject_cast<ResultView*>(w.dock(QString::fromLatin1(id))->view());
            QCOMPARE(v->state(), ViewState::Result);
            QVERIFY(v->source().startsWith(w.documents().front()->id() + QLatin1Char('|')));
        }
    }

    void aCheckpointFolderAfterADumpLeavesNothingOfTheDump() {
        es::app::MainWindow w;
        w.show();
        QVERIFY(open_and_wait(w, demo()));
        QVERIFY(w.jobs()->wait_for_idle(60000));
        QSignalSpy loaded(&w, &es::app::MainWindow::loaded);
        w.open_folder(fixture("weights_series"));  // weights only: no activations
        QVERIFY(loaded.wait(20000));
        QVERIFY(w.jobs()->wait_for_idle(60000));
        QVERIFY2(stale_views(w).isEmpty(), qPrintable(stale_views(w)));
        QVERIFY2(drawn_without_result(w).isEmpty(), qPrintable(drawn_without_result(w)));
        for (const char* id : {"trajectory", "spectrum", "cka", "equaliser", "projection3d"}) {
            auto* v = qobject_cast<ResultView*>(w.dock(QString::fromLatin1(id))->view());
            QCOMPARE(v->state(), ViewState::Empty);
            QVERIFY2(v->state_text().contains(QStringLiteral("no activations")),
                     qPrintable(v->state_text()));
        }
        auto* tokens = w.findChild<QComboBox*>(QStringLiteral("tokenPicker"));
        QCOMPARE(tokens->count(), 0);
    }

    void aComparisonWithOtherTokensIsAnErrorShownWholeAndNeverOverAStaleMatrix() {
        es::app::MainWindow w;
        w.show();
        QVERIFY(open_and_wait(w, demo()));
        QVERIFY(w.jobs()->wait_for_idle(60000));
        auto* cka = qobject_cast<es::widgets::CkaView*>(w.dock(QStringLiteral("cka"))->view());
        QCOMPARE(cka->state(), ViewState::Result);
        QVERIFY(open_and_wait(w, fixture("good/tl_batched_f32.h5"), true));
        QVERIFY(w.jobs()->wait_for_idle(60000));
        QCOMPARE(w.selection_model()->selection().compare_document, 1);
        QCOMPARE(cka->state(), ViewState::Error);
        QVERIFY(!cka->result());  // the demo's own matrix is gone
        auto* line = cka->findChild<QLabel*>(QStringLiteral("stateLine"));
        QVERIFY(line && line->isVisible() && line->wordWrap());
        QVERIFY2(line->text().contains(QStringLiteral("tokens")), qPrintable(line->text()));
        // Another stream: still about the pair, never the previous stream's matrix.
        auto* streams = w.findChild<QComboBox*>(QStringLiteral("streamPicker"));
        const int mlp = streams->findData(QStringLiteral("mlp_out"));
        QVERIFY(mlp >= 0);
        w.selection_model()->set_stream(QStringLiteral("mlp_out"));
        QVERIFY(w.jobs()->wait_for_idle(60000));
        QVERIFY(cka->state() == ViewState::Error || cka->state() == ViewState::Empty);
        QVERIFY(!cka->result());
        QVERIFY(cka->source().contains(QStringLiteral("|mlp_out|")) ||
                cka->state() == ViewState::Empty);
    }

    void filesOfTheSameNameAreToldApartAndTheNewestComparisonIsCompared() {
        QTemporaryDir tmp;
        for (const char* run : {"run1", "run2", "run3"}) {
            QVERIFY(QDir(tmp.path()).mkpath(QString::fromLatin1(run)));
            QVERIFY(QFile::copy(fixture("good/tl_batched_f32.h5"),
                                tmp.filePath(QStringLiteral("%1/tl_f32.h5").arg(run))));
        }
        es::app::MainWindow w;
        w.show();
        QVERIFY(open_and_wait(w, tmp.filePath(QStringLiteral("run1/tl_f32.h5"))));
        QVERIFY(open_and_wait(w, tmp.filePath(QStringLiteral("run2/tl_f32.h5")), true));
        auto* compare = w.findChild<QComboBox*>(QStringLiteral("comparePicker"));
        QCOMPARE(items(compare),
                 (QStringList{QStringLiteral("none"), QStringLiteral("run2/tl_f32.h5")}));
        QCOMPARE(w.selection_model()->selection().compare_document, 1);
        // A second comparison becomes the compared dump.
        QVERIFY(open_and_wait(w, tmp.filePath(QStringLiteral("run3/tl_f32.h5")), true));
        QCOMPARE(items(compare),
                 (QStringList{QStringLiteral("none"), QStringLiteral("run2/tl_f32.h5"),
                              QStringLiteral("run3/tl_f32.h5")}));
        QCOMPARE(w.selection_model()->selection().compare_document, 2);
        QCOMPARE(compare->currentText(), QStringLiteral("run3/tl_f32.h5"));
        auto* status = w.findChild<QLabel*>(QStringLiteral("statusFile"));
        QVERIFY2(status->text().contains(QStringLiteral("run1/tl_f32.h5")) &&
                     status->text().contains(QStringLiteral("run3/tl_f32.h5")),
                 qPrintable(status->text()));
        QVERIFY(w.jobs()->wait_for_idle(60000));
        QVERIFY2(stale_views(w).isEmpty(), qPrintable(stale_views(w)));
    }

    void shortJobsNeverFlashTheProgressBarLongOnesShowIt() {
        es::app::MainWindow w;
        w.show();
        auto* bar = w.findChild<QProgressBar*>(QStringLiteral("jobProgress"));
        QVERIFY(bar);
        auto job = [](int ms) {
            return [ms](es::Progress& p) -> es::app::JobRunner::Result {
                for (int t = 0; t < ms; t += 10) {
                    p.check();
                    QThread::msleep(10);
                }
                return std::make_shared<int>(ms);
            };
        };
        // A step of play: work done well within the delay never shows the bar.
        w.jobs()->request(QStringLiteral("short"), QStringLiteral("short/1"), job(20),
                          [](const es::app::JobRunner::Result&) {});
        bool shown = false;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < es::app::MainWindow::progress_delay_ms() + 300) {
            QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
            shown |= bar->isVisible();
        }
        QVERIFY(!shown);
        // Work that lasts shows it, and it goes when the work is done.
        w.jobs()->request(QStringLiteral("long"), QStringLiteral("long/1"), job(2000),
                          [](const es::app::JobRunner::Result&) {});
        QTRY_VERIFY_WITH_TIMEOUT(bar->isVisible(), 1900);
        QVERIFY(w.jobs()->wait_for_idle(10000));
        QTRY_VERIFY(!bar->isVisible());
    }

    void theAttentionViewShowsTheSlidersBlock() {
        es::app::MainWindow w;
        w.show();
        QVERIFY(open_and_wait(w, demo()));
        auto* attention =
            qobject_cast<es::widgets::AttentionView*>(w.dock(QStringLiteral("attention"))->view());
        QVERIFY(attention);
        w.dock(QStringLiteral("attention"))->raise();  // behind a tab it would not compute
        for (int state : {3, 1, 4}) {
            w.selection_model()->set_layer(state);
            QVERIFY(w.jobs()->wait_for_idle(30000));
            QTRY_VERIFY(attention->result().has_value());
            QCOMPARE(attention->result()->layer, state - 1);  // state l+1 is block l's output
        }
        // The head picker moves the slider to its block.
        auto* heads = w.findChild<QComboBox*>(QStringLiteral("headPicker"));
        const int i = heads->findText(QStringLiteral("L1H2"));
        QVERIFY(i >= 0);
        heads->activated(i);
        QCOMPARE(w.selection_model()->selection().layer, 2);
        QVERIFY(w.jobs()->wait_for_idle(30000));
        QTRY_COMPARE(attention->result()->layer, 1);
        QCOMPARE(attention->result()->head, 2);
    }
};

QTEST_MAIN(TestDocuments)
#include "test_documents.moc"
