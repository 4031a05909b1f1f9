// The CKA view fed a real analysis: cells equal the matrix, the diagonal is 1, clicking a cell
// selects the row's layer, the selected layer is outlined, and it matches its baseline.
#include <qcustomplot.h>
#include <QTest>

#include "analysis/cka.h"
#include "cka_view.h"
#include "image_baseline.h"
#include "io/dump.h"
#include "selection.h"

using es::widgets::CkaView;

namespace {
es::analysis::CkaResult cka_of(const char* fixture) {
    auto dump = es::Dump::open(std::string(EIGENSCOPE_FIXTURES "/") + fixture);
    es::Progress p;
    return es::analysis::cka(*dump, {}, p);
}
int marked(QCustomPlot* plot) {
    int n = 0;
    for (int i = 0; i < plot->itemCount(); ++i)
        n += plot->item(i)->objectName() == "marked" ? 1 : 0;
    return n;
}
}  // namespace

class TestCkaView : public QObject {
    Q_OBJECT
private slots:
    void cellsEqualTheMatrix() {
        const auto r = cka_of("good/tl_batched_f32.h5");
        es::widgets::SelectionModel model;
        model.set_layer_count(4);
        CkaView view;
        view.follow(&model);
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
        QCOMPARE(marked(view.heatmap()->plot()), 1);
        emit view.heatmap()->cell_clicked(3, 1);
        QCOMPARE(model.selection().layer, 3);
    }

    void matchesItsImageBaseline() {
        es::widgets::SelectionModel model;
        model.set_layer_count(4);
        model.set_layer(1);
        CkaView view;
        view.follow(&model);
        view.set_result(cka_of("good/tl_batched_f32.h5"));
        const QImage image = view.heatmap()->plot()->toPixmap(600, 500, 1.0).toImage();
        QCOMPARE(image.size(), QSize(600, 500));
        const auto r = es::test::compare_to_baseline(image, "cka_tl_batched_f32");
        qInfo("%s", qPrintable(r.message));
        QVERIFY2(r.ok, qPrintable(r.message));
    }
};

QTEST_MAIN(TestCkaView)
#include "test_cka_view.moc"
