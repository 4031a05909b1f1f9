// Head-similarity heatmap fed real analyses: cells equal the matrix in natural or clustered
// order, the colour map matches the metric's sign, a click selects the two heads, baseline.
#include <qcustomplot.h>
#include <QCheckBox>
#include <QFontMetrics>
#include <QLabel>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <utility>

#include "analysis/head_similarity.h"
#include "analysis/subspace_angles.h"
#include "heads_view.h"
#include "plot_style.h"
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

    void theAnglesHeadingFitsANarrowPanel() {
        auto d = open_demo();
        DemoHeads ui;
        auto& view = ui.view;
        view.set_result(similarity(*d, es::analysis::HeadMetric::OvCosine, 2));
        es::Progress p;
        const auto angles = es::analysis::subspace_angles(*d, "blocks.2.attn.OV[1]:right:0-8",
                                                          "blocks.2.attn.OV[3]:right:0-8", p);
        view.set_angles(angles);
        QCustomPlot* plot = view.angles_plot();
        // Drawn at a width (the heading is laid out above the axis rect, never over the bars),
        // each line within the plot, its end (where the heads differ) kept; with room, whole.
        const auto heading_at = [&](int width) {
            plot->toPixmap(width, 240);
            const QStringList lines = es::widgets::plot_heading(plot);
            QFont f = plot->font();
            f.setPointSizeF(es::widgets::plot_style(false).font_pt);
            const QFontMetrics fm(f);
            for (const QString& line : lines)
                if (fm.horizontalAdvance(line) > width)
                    qWarning("%s: %d px in %d", qPrintable(line), fm.horizontalAdvance(line),
                             width);
            const bool fits = std::all_of(lines.begin(), lines.end(), [&](const QString& l) {
                return fm.horizontalAdvance(l) <= width;
            });
            return std::pair(lines, fits);
        };
        const auto [narrow, narrow_fits] = heading_at(240);
        QVERIFY(narrow_fits);
        QCOMPARE(narrow.size(), 2);
        QVERIFY2(narrow[0].endsWith("OV[1]:right:0-8"), qPrintable(narrow[0]));
        // The overlap stays whole; the spec before it gives way, from its start.
        const QString overlap = QStringLiteral(" · overlap %1").arg(angles.overlap, 0, 'f', 3);
        QVERIFY2(narrow[1].endsWith(overlap), qPrintable(narrow[1]));
        QVERIFY2(narrow[1].startsWith(QChar(0x2026)) &&
                     narrow[1].chopped(overlap.size()).endsWith("3]:right:0-8"),
                 qPrintable(narrow[1]));
        const auto [wide, wide_fits] = heading_at(900);
        QVERIFY(wide_fits);
        QCOMPARE(wide[0], QStringLiteral("A = blocks.2.attn.OV[1]:right:0-8"));
        QCOMPARE(wide[1], QStringLiteral("B = blocks.2.attn.OV[3]:right:0-8 · overlap %1")
                              .arg(angles.overlap, 0, 'f', 3));
        // Above the axis rect: the heading's bottom is the rect's top.
        plot->toPixmap(400, 240);
        QCPLayoutElement* heading = plot->plotLayout()->element(0, 0);
        QVERIFY(heading && heading != plot->axisRect());
        QVERIFY(heading->outerRect().bottom() <= plot->axisRect()->outerRect().top());
    }

    void thePairsAnglesCompareWhatTheMetricCompares() {
        // For an overlap metric the pair's angles are of the metric's own subspaces: their mean
        // cos² is the clicked cell. Cosines and patterns get their circuit's natural side.
        auto d = open_demo();
        es::Progress p;
        using M = es::analysis::HeadMetric;
        const std::pair<M, const char*> overlaps[] = {{M::SubspaceOverlap, "OV[1]:right"},
                                                      {M::OvReadOverlap, "OV[1]:left"},
                                                      {M::QkQueryOverlap, "QK[1]:left"},
                                                      {M::QkKeyOverlap, "QK[1]:right"}};
        for (const auto& [metric, side] : overlaps) {
            DemoHeads ui;
            auto& view = ui.view;
            view.set_clustered(false);
            const auto r = similarity(*d, metric, 2);
            view.set_result(r);
            const QString a = view.pair_spec(9), b = view.pair_spec(11);  // L2H1, L2H3
            QCOMPARE(a, QStringLiteral("blocks.2.attn.%1:0-%2").arg(side).arg(r.rank));
            const auto angles =
                es::analysis::subspace_angles(*d, a.toStdString(), b.toStdString(), p);
            QVERIFY2(std::abs(angles.overlap - r.matrix[1 * 4 + 3]) < 1e-12,
                     qPrintable(QStringLiteral("%1: %2 vs %3")
                                    .arg(a)
                                    .arg(angles.overlap, 0, 'g', 17)
                                    .arg(r.matrix[1 * 4 + 3], 0, 'g', 17)));
        }
        DemoHeads ui;
        auto& [model, view] = ui;
        view.set_clustered(false);
        view.set_result(similarity(*d, M::QkCosine, 2));
        QCOMPARE(view.pair_spec(9), QStringLiteral("blocks.2.attn.QK[1]:right:0-8"));
        view.set_result(similarity(*d, M::PatternCorr, 2));
        QCOMPARE(view.pair_spec(9), QStringLiteral("blocks.2.attn.QK[1]:right:0-8"));
        view.set_result(similarity(*d, M::OvCosine, 2));
        QCOMPARE(view.pair_spec(9), QStringLiteral("blocks.2.attn.OV[1]:right:0-8"));
        // A pair shown: another metric asks for the pair's angles again; the same circuit and
        // side does not.
        QSignalSpy pair(&view, &HeadsView::pair_chosen);
        emit view.heatmap()->cell_clicked(1, 3);
        QCOMPARE(pair.count(), 1);
        view.set_angles(es::analysis::subspace_angles(*d, view.pair_spec(9).toStdString(),
                                                      view.pair_spec(11).toStdString(), p));
        view.set_result(similarity(*d, M::SubspaceOverlap, 2));  // OV right again
        QCOMPARE(pair.count(), 1);
        view.set_result(similarity(*d, M::QkQueryOverlap, 2));
        QCOMPARE(pair.count(), 2);
        QCOMPARE(pair.last(), (QList<QVariant>{9, 11}));
    }

    void thePairsRequestKeepsTheMatrix() {
        // The pair's request is the view's second: what it is doing and its errors go to the
        // pair's part of the status line; the matrix stays, without "updating" over it.
        auto d = open_demo();
        DemoHeads ui;
        auto& view = ui.view;
        const QLabel* status = view.findChild<QLabel*>(QStringLiteral("status"));
        QVERIFY(status);
        view.set_result(similarity(*d, es::analysis::HeadMetric::OvCosine, 2));
        view.show_pair_message(QStringLiteral("computing principal angles of demo.h5…"));
        QCOMPARE(status->text(),
                 QStringLiteral("block 2, 4 heads · computing principal angles of demo.h5…"));
        QCOMPARE(view.state_text(), QString());
        es::Progress p;
        view.set_angles(es::analysis::subspace_angles(*d, "blocks.2.attn.OV[1]:right:0-8",
                                                      "blocks.2.attn.OV[3]:right:0-8", p));
        QCOMPARE(status->text(), QStringLiteral("block 2, 4 heads"));
        view.show_pair_message(QStringLiteral("principal angles: no such head"));
        QCOMPARE(view.heatmap()->data().rows, 4);
        QVERIFY(status->text().endsWith(QStringLiteral("no such head")));
        QVERIFY(!view.angles_plot()->isHidden());
        // Another dump: the matrix is forgotten, and the pair's angles with it.
        view.show_empty(QStringLiteral("Open a dump with attention weights."));
        QVERIFY(view.angles_plot()->isHidden());
        QCOMPARE(view.angles_plot()->plottableCount(), 0);
        QVERIFY(es::widgets::plot_heading(view.angles_plot()).isEmpty());
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
