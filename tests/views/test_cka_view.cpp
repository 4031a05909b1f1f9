// The CKA view fed a real analysis: cells equal the matrix, the diagonal is 1, clicking a cell
// selects the row's layer, the selected layer is outlined, and it matches its baseline.
#include <qcustomplot.h>
#include <QTest>

#include "analysis/cka.h"
#include "cka_view.h"
#include "view_test_support.h"

using es::test::items_named;
using es::widgets::CkaView;

class TestCkaView : public QObject {
    Q_OBJECT
private slots:
    void cellsEqualTheMatrix() {
        const auto r = es::test::analyse("good/tl_batched_f32.h5", es::analysis::cka);
        es::test::Following<CkaView> ui(4);
        auto& [model, view] = ui;
        view.set_result(r);
        const auto& d = view.heatmap()->data();
        QCOMPARE(d.rows, 4);
        QCOMPARE(d.cols, 4);
        for (int i = 0; i < 4; ++i) {
            QVERIFY(std::abs(*view.heatmap()->value(i, i) - 1.0) < 1e-9);
            for (int j = 0; j < 4; ++j)
                QCOMPARE(*view.heatmap()->value(i, j),
                         *r.matrix[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)]);
        }
        QCOMPARE(items_named(view.heatmap()->plot(), "marked"), 1);
        emit view.heatmap()->cell_clicked(3, 1);
        QCOMPARE(model.selection().layer, 3);
    }

    // Pairs filling in after an estimate of the same matrix (real partial deliveries of the panel
    // scheme on the demo): after each one, the hatched (faint) cells, the cells shows_estimate()
    // names and the cells not computed yet are the same set, the exact cells hold the exact
    // values and the others the estimate's; the complete result clears the hatching.
    void hatchedCellsAreThePairsNotYetExact() {
        auto dump = es::test::open_demo();
        es::analysis::CkaOptions o;
        o.gram_scheme = "panels";
        o.panel_grams = 2;  // a few Grams at a time: several partial deliveries
        std::vector<es::analysis::CkaResult> deliveries;
        o.on_pairs = [&](const es::analysis::CkaResult& p) { deliveries.push_back(p); };
        es::Progress progress;
        const auto exact = es::analysis::cka(*dump, o, progress);
        const auto estimate = es::analysis::cka_preview(*dump, o, 16, progress);
        QVERIFY(deliveries.size() >= 3);
        const std::size_t L = exact.matrix.size();
        QVERIFY(L >= 3);
        QCOMPARE(estimate.matrix.size(), L);

        es::test::Following<CkaView> ui(static_cast<int>(L));
        CkaView& view = ui.view;
        view.set_result(estimate);
        for (int i = 0; i < int(L); ++i) QVERIFY(!view.shows_estimate(i, i));
        std::size_t last_done = 0;
        for (const auto& partial : deliveries) {
            QVERIFY(partial.pairs_done > last_done);  // the pairs fill in
            last_done = partial.pairs_done;
            view.set_result(partial);
            const auto& faint = view.heatmap()->data().faint;
            QCOMPARE(faint.size(), L * L);
            std::size_t hatched = 0, solid_pairs = 0;
            for (std::size_t i = 0; i < L; ++i)
                for (std::size_t j = 0; j < L; ++j) {
                    const bool pending = partial.computed[i * L + j] == 0;
                    QCOMPARE(faint[i * L + j] != 0, pending);
                    QCOMPARE(view.shows_estimate(int(i), int(j)), pending);
                    hatched += pending;
                    solid_pairs += !pending && j >= i;
                    const auto shown = view.heatmap()->value(int(i), int(j));
                    QVERIFY(shown.has_value());
                    // Copied values; the tolerance only guards the lookup.
                    const auto& from = pending ? estimate : exact;
                    QVERIFY(std::abs(*shown - *from.matrix[i][j]) < 1e-12);
                }
            // Distinct pairs (i <= j) drawn solid: the ones the delivery says are done.
            QCOMPARE(solid_pairs, partial.pairs_done);
            QVERIFY(hatched > 0);
        }
        QVERIFY(deliveries.front().pairs_done < deliveries.front().pairs_total);
        view.set_result(exact);
        QVERIFY(view.heatmap()->data().faint.empty());
        for (int i = 0; i < int(L); ++i)
            for (int j = 0; j < int(L); ++j) QVERIFY(!view.shows_estimate(i, j));
    }

    void matchesItsImageBaseline() {
        es::test::Following<CkaView> ui(4, 1);
        ui.view.set_result(es::test::analyse("good/tl_batched_f32.h5", es::analysis::cka));
        const QImage image = ui.view.heatmap()->plot()->toPixmap(600, 500, 1.0).toImage();
        QCOMPARE(image.size(), QSize(600, 500));
        VERIFY_BASELINE(image, "cka_tl_batched_f32");
    }
};

QTEST_MAIN(TestCkaView)
#include "test_cka_view.moc"
