// The 3D view's "UMAP, this layer" layout in the real window on the demo (issue 23): the view
// shows a UMAP of the selected layer's states alone, the same coordinates as the analysis run
// directly, a new one when another layer is selected; the pooled layouts do not follow the
// layer. Offscreen: the view has no OpenGL here and keeps its data side.
#include <QStandardPaths>
#include <QTest>
#include <cmath>

#include "analysis/project.h"
#include "app_test_support.h"
#include "main_window.h"
#include "projection3d_view.h"
#include "selection.h"
#include "view.h"
#include "view_dock.h"

using es::test::open_and_wait;

namespace {

es::widgets::Projection3dView* p3d_of(es::app::MainWindow& w) {
    for (es::widgets::View* v : w.views())
        if (auto* x = qobject_cast<es::widgets::Projection3dView*>(v)) return x;
    return nullptr;
}

bool shows_layer(const es::widgets::Projection3dView& v, std::size_t state, const char* method) {
    const auto& r = v.result();
    return r && r->method == method && r->states == std::vector<std::size_t>{state};
}

}  // namespace

class TestProjection3dLayers : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void umapOfTheSelectedLayerFollowsTheLayer() {
        const QString demo = QStringLiteral(EIGENSCOPE_SOURCE_DIR "/resources/demo/demo.h5");
        es::app::MainWindow w;
        QVERIFY(open_and_wait(w, demo));
        auto* p3d = p3d_of(w);
        QVERIFY(p3d);
        w.dock(QStringLiteral("projection3d"))->raise();  // behind a tab it would not compute
        w.selection_model()->set_layer(2);
        p3d->set_umap(true, true);
        QVERIFY(p3d->umap() && p3d->umap_layer());
        QTRY_VERIFY_WITH_TIMEOUT(shows_layer(*p3d, 2, "umap"), 60000);
        // The analysis run directly: one seed, one layout whatever the threads.
        auto dump = es::Dump::open(demo.toStdString());
        es::analysis::ProjectOptions o;
        o.method = es::analysis::ProjectMethod::Umap;
        o.layers = {2};
        const auto want = es::analysis::project(*dump, o, es::no_progress());
        const auto& got = *p3d->result();
        QCOMPARE(got.coordinates.size(), std::size_t{1});
        QCOMPARE(got.coordinates[0].size(), want.coordinates[0].size());
        double worst = 0;
        for (std::size_t t = 0; t < want.coordinates[0].size(); ++t)
            for (std::size_t c = 0; c < 3; ++c)
                worst = std::max(
                    worst, std::abs((*got.coordinates[0][t])[c] - (*want.coordinates[0][t])[c]));
        QVERIFY2(worst < 1e-9, qPrintable(QString::number(worst)));
        // Another layer: another layout of that layer's states.
        w.selection_model()->set_layer(3);
        QTRY_VERIFY_WITH_TIMEOUT(shows_layer(*p3d, 3, "umap"), 60000);
        // Pooled UMAP: every state, and a layer change does not ask again.
        p3d->set_umap(true, false);
        QTRY_VERIFY_WITH_TIMEOUT(p3d->result() && p3d->result()->states.size() > 1, 60000);
        const auto pooled = p3d->result()->states;
        w.selection_model()->set_layer(1);
        QTest::qWait(300);
        QVERIFY(w.jobs()->wait_for_idle(60000));
        QCOMPARE(p3d->result()->states, pooled);
        QCOMPARE(p3d->result()->method, std::string("umap"));
    }
};

QTEST_MAIN(TestProjection3dLayers)
#include "test_projection3d_layers.moc"
