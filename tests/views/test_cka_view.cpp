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
