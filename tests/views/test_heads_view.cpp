// Head-similarity heatmap fed real analyses: cells equal the matrix in natural or clustered
// order, the colour map matches the metric's sign, a click selects the two heads, baseline.
#include <qcustomplot.h>
#include <QCheckBox>
#include <QFontMetrics>
#include <QLabel>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <utility>

#include "analysis/head_similarity.h"
#include "analysis/subspace_angles.h"
#include "heads_view.h"
#include "view_test_support.h"

using es::test::open_demo;
using es::widgets::HeadsView;

namespace {
es::analysis::HeadSimilarityResult similarity(const es::Dump& d, es::analysis::HeadMetric m,
                                              std::optional<std::size_t> layer) {
    es::analysis::HeadSimilarityOptions o;
    o.metric = m;
    o.layer = layer;
    return es::test::analyse(d, es::analysis::head_similarity, o);
}

// A heads view of the demo's 4 layers x 4 heads, following a model of its 5 states.
struct DemoHeads : es::test::Following<HeadsView> {
    DemoHeads() : Following(5) { view.set_model(4, 4, true); }
};
}  // namespace

class TestHeadsView : public QObject {
    Q_OBJECT
private slots:
    void cellsEqualTheMatrixInEitherOrder() {
        auto d = open_demo();
        const auto r = similarity(*d, es::analysis::HeadMetric::QkCosine, 1);
        DemoHeads ui;
        auto& [model, view] = ui;
        view.set_clustered(false);
        view.set_result(r);
        const auto& h = view.heatmap()->data();
        QCOMPARE(h.rows, 4);
        QCOMPARE(h.row_labels, (QStringList{"L1H0", "L1H1", "L1H2", "L1H3"}));
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j)
                QCOMPARE(*view.heatmap()->value(i, j),
                         r.matrix[static_cast<std::size_t>(i * 4 + j)]);
        QCOMPARE(int(h.map), int(es::widgets::colors::Map::Diverging));  // cosines are signed
        view.set_clustered(true);
        for (int a = 0; a < 4; ++a)
            for (int b = 0; b < 4; ++b)
                QCOMPARE(*view.heatmap()->value(a, b),
                         r.matrix[r.order[static_cast<std::size_t>(a)] * 4 +
                                  r.order[static_cast<std::size_t>(b)]]);
        QCOMPARE(view.heatmap()->data().row_labels[0], QString::fromStdString(r.heads[r.order[0]]));
    }

    void aClickSelectsBothHeadsAndTheLayerPicksTheBlock() {
        auto d = open_demo();
        DemoHeads ui;
        auto& [model, view] = ui;
        view.set_clustered(false);
        QSignalSpy pair(&view, &HeadsView::pair_chosen);
        view.set_result(similarity(*d, es::analysis::HeadMetric::OvCosine, 2));
        emit view.heatmap()->cell_clicked(1, 3);
        QCOMPARE(model.selection().heads, (QList<int>{9, 11}));  // L2H1, L2H3 as l*H+h
        QCOMPARE(pair.count(), 1);
        // State l+1 of the residual stream is block l's output; the embedding (state 0) shows block
        // 0.
        QSignalSpy recompute(&view, &HeadsView::options_changed);
        model.set_layer(3);
        QCOMPARE(view.block(), 2);
        model.set_layer(4);
        QCOMPARE(view.block(), 3);
        QCOMPARE(recompute.count(), 2);
        model.set_layer(1);
        model.set_layer(0);  // still block 0: nothing to recompute
        QCOMPARE(view.block(), 0);
        QCOMPARE(recompute.count(), 3);
        es::Progress p;
        const auto angles = es::analysis::subspace_angles(*d, "blocks.2.attn.OV[1]:right:0-8",
                                                          "blocks.2.attn.OV[3]:right:0-8", p);
        // No pair chosen yet: no angles panel (an empty strip of axes under the matrix), and
        // the status line says how to get one.
        QVERIFY(view.angles_plot()->isHidden());
        const QLabel* status = view.findChild<QLabel*>(QStringLiteral("status"));
        QVERIFY(status);
        view.set_result(similarity(*d, es::analysis::HeadMetric::QkCosine, 2));
        QVERIFY2(status->text().contains(QStringLiteral("click a cell")),
                 qPrintable(status->text()));
        view.set_angles(angles);
        QVERIFY(!view.angles_plot()->isHidden());
        QVERIFY(!status->text().contains(QStringLiteral("click a cell")));
        COMPARE_BARS(view.angles_plot(), angles.angles_deg, 8);
    }

    void theAnglesNoteFitsANarrowPanel() {
        auto d = open_demo();
        DemoHeads ui;
        auto& view = ui.view;
        view.set_result(similarity(*d, es::analysis::HeadMetric::OvCosine, 2));
        es::Progress p;
        const auto angles = es::analysis::subspace_angles(*d, "blocks.2.attn.OV[1]:right:0-8",
                                                          "blocks.2.attn.OV[3]:right:0-8", p);
        view.set_angles(angles);
        auto* note = qobject_cast<QCPItemText*>(view.angles_plot()->item(0));
        QVERIFY(note);
        // Drawn at a width, each line within the axis rect, its end (where the heads differ)
        // kept; at a width with room, the whole line.
        const auto lines_at = [&](int width) {
            view.angles_plot()->toPixmap(width, 240);
            const int room = view.angles_plot()->axisRect()->width();
            const QFontMetrics fm(note->font());
            const QStringList lines = note->text().split(QLatin1Char('\n'));
            for (const QString& line : lines)
                if (fm.horizontalAdvance(line) > room)
                    qWarning("%s: %d px in %d", qPrintable(line), fm.horizontalAdvance(line), room);
            return std::pair(lines, std::all_of(lines.begin(), lines.end(), [&](const QString& l) {
                                 return fm.horizontalAdvance(l) <= room;
                             }));
        };
        const auto [narrow, narrow_fits] = lines_at(200);
        QVERIFY(narrow_fits);
        QCOMPARE(narrow.size(), 3);
        QVERIFY2(narrow[0].startsWith(QChar(0x2026)) && narrow[0].endsWith("OV[1]:right:0-8"),
                 qPrintable(narrow[0]));
        QVERIFY2(narrow[1].endsWith("OV[3]:right:0-8"), qPrintable(narrow[1]));
        const auto [wide, wide_fits] = lines_at(900);
        QVERIFY(wide_fits);
        QCOMPARE(wide[0], QStringLiteral("A = blocks.2.attn.OV[1]:right:0-8"));
        QCOMPARE(wide[1], QStringLiteral("B = blocks.2.attn.OV[3]:right:0-8"));
    }

    void matchesItsImageBaseline() {
        auto d = open_demo();
        DemoHeads ui;
        ui.view.set_result(
            similarity(*d, es::analysis::HeadMetric::PatternCorr, std::nullopt));  // 16 x 16
        QCOMPARE(ui.view.heatmap()->data().rows, 16);
        VERIFY_BASELINE(ui.view.heatmap()->plot()->toPixmap(700, 600, 1.0).toImage(),
                        "heads_pattern_corr_demo");
    }
};

QTEST_MAIN(TestHeadsView)
#include "test_heads_view.moc"
