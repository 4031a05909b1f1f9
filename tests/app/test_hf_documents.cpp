// Hugging Face checkpoints in the app: a model folder opens as one dump (not a series), a Trainer
// output folder as a checkpoint series with its steps in order and the copied checkpoint marked,
// and an activation dump takes its weights from a model folder (File > Attach Weights...): the
// logit lens then has W_U. The Dataset panel shows config.json's facts and each weight's source
// tensor. Fixtures are written at test time by tests/fixtures/make_hf_series.py and
// make_hf_attach.py.
#include <QProcess>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include "app_test_support.h"
#include "dump_tree_view.h"
#include "main_window.h"
#include "result_view.h"
#include "view_dock.h"

using es::widgets::ResultView;
using es::widgets::ViewState;

namespace {

bool run_script(const char* script, const QString& out) {
    QProcess p;
    p.start(QStringLiteral(EIGENSCOPE_PYTHON),
            {QStringLiteral(EIGENSCOPE_FIXTURES "/") + QLatin1String(script), out});
    return p.waitForFinished(120000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

es::widgets::DumpTreeView* panel(es::app::MainWindow& w) {
    return qobject_cast<es::widgets::DumpTreeView*>(w.dock(QStringLiteral("dataset"))->view());
}

QTreeWidgetItem* child(QTreeWidgetItem* parent, const QString& name) {
    for (int i = 0; parent && i < parent->childCount(); ++i)
        if (parent->child(i)->text(0) == name) return parent->child(i);
    return nullptr;
}

bool open_folder_and_wait(es::app::MainWindow& w, const QString& folder) {
    QSignalSpy loaded(&w, &es::app::MainWindow::loaded);
    w.open_folder(folder);
    return loaded.wait(20000);
}

}  // namespace

class HfDocuments : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString series_, attach_;

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        series_ = dir_.filePath(QStringLiteral("series"));
        attach_ = dir_.filePath(QStringLiteral("attach"));
        QVERIFY(QDir().mkpath(series_) && QDir().mkpath(attach_));
        QVERIFY(run_script("make_hf_series.py", series_));
        QVERIFY(run_script("make_hf_attach.py", attach_));
    }

    void aModelFolderOpensAsOneModelWithItsConfig() {
        es::app::MainWindow w;
        w.show();
        const QString folder = series_ + QStringLiteral("/trainer/checkpoint-100");
        QVERIFY(open_folder_and_wait(w, folder));
        QVERIFY(w.series().empty());
        QCOMPARE(w.documents().size(), std::size_t{1});
        QCOMPARE(w.documents().front()->path(), folder);
        QTreeWidgetItem* config = panel(w)->section(QStringLiteral("config.json"));
        QVERIFY(config);
        QCOMPARE(child(config, QStringLiteral("model_type"))->text(1), QStringLiteral("gpt2"));
        QCOMPARE(child(config, QStringLiteral("n_head"))->text(1), QStringLiteral("4"));
        QTreeWidgetItem* wq = child(panel(w)->section(QStringLiteral("Weights")),
                                    QStringLiteral("blocks.0.attn.W_Q"));
        QVERIFY(wq);
        QVERIFY2(wq->text(1).contains(QStringLiteral("← transformer.h.0.attn.c_attn.weight")),
                 qPrintable(wq->text(1)));
        QTreeWidgetItem* step =
            child(panel(w)->section(QStringLiteral("File")), QStringLiteral("Training step"));
        QVERIFY(step);
        QCOMPARE(step->text(1), QStringLiteral("100"));
    }

    void aTrainerFolderIsASeriesWithTheCopyMarked() {
        es::app::MainWindow w;
        w.show();
        QVERIFY(open_folder_and_wait(w, series_ + QStringLiteral("/trainer")));
        QCOMPARE(w.series().size(), std::size_t{4});
        QCOMPARE(w.series()[0].step, 20);
        QCOMPARE(w.series()[3].step, 500);
        QTreeWidgetItem* steps = panel(w)->section(QStringLiteral("Checkpoint steps"));
        QVERIFY(steps);
        QCOMPARE(steps->childCount(), 4);
        QCOMPARE(steps->child(0)->text(1), QStringLiteral("step 20: checkpoint-20"));
        QCOMPARE(steps->child(3)->text(1),
                 QStringLiteral("step 500: checkpoint-500 (same weights as step 300)"));
    }

    void attachedWeightsGiveTheLensItsUnembedding() {
        es::app::MainWindow w;
        w.show();
        QVERIFY(es::test::open_and_wait(w, attach_ + QStringLiteral("/act.h5")));
        QVERIFY(w.jobs()->wait_for_idle(60000));
        auto* lens = qobject_cast<ResultView*>(w.dock(QStringLiteral("lens"))->view());
        w.dock(QStringLiteral("lens"))->raise();  // behind a tab it would not compute
        QCoreApplication::processEvents();
        QVERIFY(w.jobs()->wait_for_idle(60000));
        QVERIFY(lens->state() != ViewState::Result);  // no W_U in the activation file
        QSignalSpy loaded(&w, &es::app::MainWindow::loaded);
        w.attach_weights(attach_ + QStringLiteral("/llama"));
        QVERIFY(loaded.wait(20000));
        QVERIFY(w.jobs()->wait_for_idle(60000));
        QCOMPARE(w.documents().size(), std::size_t{1});
        QCOMPARE(QString::fromStdString(w.documents().front()->dump()->weights_path()),
                 attach_ + QStringLiteral("/llama"));
        QTreeWidgetItem* from =
            child(panel(w)->section(QStringLiteral("File")), QStringLiteral("Weights from"));
        QVERIFY(from);
        QVERIFY(panel(w)->section(QStringLiteral("config.json")));
        QVERIFY2(lens->state() == ViewState::Result, qPrintable(lens->state_text()));
        // A session keeps where the weights came from.
        const QString session = dir_.filePath(QStringLiteral("attached.eigenscope"));
        QString error;
        QVERIFY2(w.save_session(session, &error), qPrintable(error));
        es::app::MainWindow again;
        again.show();
        QSignalSpy restored(&again, &es::app::MainWindow::loaded);
        again.restore_session(session);
        QVERIFY(restored.wait(20000));
        QCOMPARE(again.documents().size(), std::size_t{1});
        QCOMPARE(QString::fromStdString(again.documents().front()->dump()->weights_path()),
                 attach_ + QStringLiteral("/llama"));
    }
};

QTEST_MAIN(HfDocuments)
#include "test_hf_documents.moc"
