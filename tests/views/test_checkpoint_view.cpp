// Checkpoint view fed the demo's training checkpoints: one line per singular value over steps,
// overlaps with the previous and final step, and a baseline image.
#include <qcustomplot.h>
#include <QTest>
#include <cmath>

#include "analysis/checkpoint_series_analysis.h"
#include "checkpoint_view.h"
#include "view_test_support.h"

using es::widgets::CheckpointView;

class TestCheckpointView : public QObject {
    Q_OBJECT
private slots:
    void linesEqualTheSeries() {
        es::analysis::CheckpointSeriesOptions o;
        o.matrix = "blocks.0.attn.OV[0]";
        o.top = 6;
        es::Progress p;
        const auto r = es::analysis::checkpoint_series_analysis(
            std::string(EIGENSCOPE_SOURCE_DIR) + "/resources/demo/checkpoints", o, p);
        QCOMPARE(int(r.steps.size()), 4);
        CheckpointView view;
        view.set_sources({"blocks.0.attn.OV[0]", "blocks.0.mlp.W_in"});
        QCOMPARE(view.matrix(), QString("blocks.0.attn.OV[0]"));
        view.set_result(r);
        // 6 singular-value lines + 2 overlap lines.
        QCOMPARE(view.plot()->graphCount(), 8);
        for (int i = 0; i < 6; ++i) {
            QCPGraph* g = view.plot()->graph(i);
            QCOMPARE(g->data()->size(), 4);
            for (int s = 0; s < 4; ++s) {
                QCOMPARE(g->data()->at(s)->key, double(r.steps[static_cast<std::size_t>(s)]));
                QCOMPARE(
                    g->data()->at(s)->value,
                    r.singular_values[static_cast<std::size_t>(s)][static_cast<std::size_t>(i)]);
            }
        }
        QCPGraph* final_overlap = view.plot()->graph(7);
        QCOMPARE(final_overlap->name(), QString("with the final step"));
        QVERIFY(std::abs(final_overlap->data()->at(3)->value - 1.0) <
                1e-9);  // the final step with itself
        QVERIFY(std::isnan(
            view.plot()->graph(6)->data()->at(0)->value));  // no previous step for step 0
        VERIFY_BASELINE(view.plot()->toPixmap(800, 550, 1.0).toImage(), "checkpoints_demo_ov");
    }
};

QTEST_MAIN(TestCheckpointView)
#include "test_checkpoint_view.moc"
