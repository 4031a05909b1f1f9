// The spectrum view fed a real analysis: one curve per layer, values equal to the result, the
// spectrogram cells equal the singular values, it follows the layer, and matches its baseline.
#include <qcustomplot.h>
#include <QTest>
#include <cmath>

#include "analysis/spectrum.h"
#include "spectrum_view.h"
#include "view_test_support.h"

using es::widgets::SpectrumView;

namespace {
es::analysis::SpectrumResult spectrum_of(const char* fixture) {
    es::analysis::SpectrumOptions o;
    o.top_k = 0;
    return es::test::analyse(fixture, es::analysis::spectrum, o);
}
}  // namespace

class TestSpectrumView : public QObject {
    Q_OBJECT
private slots:
    void contentEqualsTheResult() {
        const auto r = spectrum_of("good/tl_batched_f32.h5");
        QCOMPARE(int(r.layers.size()), 4);
        es::test::Following<SpectrumView> ui(4, 2);
        SpectrumView& view = ui.view;
        view.set_result(r);
        QCOMPARE(view.curve_count(), 4);  // every layer overlaid
        QCPGraph* selected = nullptr;
        for (int i = 0; i < view.plot()->graphCount(); ++i)
            if (view.plot()->graph(i)->name() == "layer 2" &&
                view.plot()->graph(i)->scatterStyle().shape() != QCPScatterStyle::ssNone)
                selected = view.plot()->graph(i);
        QVERIFY(selected);
        const auto& sv = r.layers[2].singular_values;
        int positive = 0;
        for (double s : sv) positive += s > sv.front() * 1e-6 ? 1 : 0;
        QCOMPARE(selected->data()->size(), positive);
        for (int i = 0; i < selected->data()->size(); ++i)
            QCOMPARE(selected->data()->at(i)->value, sv[static_cast<std::size_t>(i)]);
        QVERIFY(selected->valueAxis()->range().contains(sv.front()));
        // Spectrogram: rows = layers, columns = components, cells = singular values.
        const auto& h = view.spectrogram()->data();
        QCOMPARE(h.rows, 4);
        QCOMPARE(h.cols, int(sv.size()));
        for (int c = 0; c < h.cols; ++c) {
            const double s = sv[static_cast<std::size_t>(c)];
            if (s > sv.front() * 1e-6)
                QCOMPARE(*view.spectrogram()->value(2, c), s);
            else
                QVERIFY(!view.spectrogram()->value(2, c));  // numerically zero: blank
        }
        view.set_overlay(false);
        QCOMPARE(view.curve_count(), 1);
    }

    void followsTheLayerAndMarksTheEffectiveRank() {
        const auto r = spectrum_of("good/tl_batched_f32.h5");
        es::test::Following<SpectrumView> ui(4);
        auto& [model, view] = ui;
        view.set_result(r);
        for (int layer : {0, 3}) {
            model.set_layer(layer);
            bool found = false;
            for (int i = 0; i < view.plot()->itemCount(); ++i)
                if (auto* line = qobject_cast<QCPItemStraightLine*>(view.plot()->item(i))) {
                    QCOMPARE(line->point1->coords().x(),
                             r.layers[static_cast<std::size_t>(layer)].effective_rank);
                    found = true;
                }
            QVERIFY(found);
        }
        // Clicking a spectrogram row selects that layer.
        emit view.spectrogram()->cell_clicked(1, 0);
        QCOMPARE(model.selection().layer, 1);
    }

    void matchesItsImageBaseline() {
        es::test::Following<SpectrumView> ui(5, 2);
        ui.view.set_result(spectrum_of("good/tl_nested_nobatch_f16.h5"));
        const QImage image = ui.view.plot()->toPixmap(900, 400, 1.0).toImage();
        QCOMPARE(image.size(), QSize(900, 400));
        VERIFY_BASELINE(image, "spectrum_scree_tl_nested_nobatch_f16");
        VERIFY_BASELINE(ui.view.spectrogram()->plot()->toPixmap(900, 300, 1.0).toImage(),
                        "spectrogram_tl_nested_nobatch_f16");
    }
};

QTEST_MAIN(TestSpectrumView)
#include "test_spectrum_view.moc"
