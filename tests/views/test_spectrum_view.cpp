// The spectrum view fed a real analysis: one curve per layer, values equal to the result, the
// spectrogram cells equal the singular values, it follows the layer, and matches its baseline.
#include <qcustomplot.h>
#include <QLabel>
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <cmath>
#include <memory>

#include "analysis/spectrum.h"
#include "export/figure_export.h"
#include "io/dump.h"
#include "spectrum_view.h"
#include "util/progress.h"
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

    // The top values estimated before a layer's exact spectrum (issue 20): drawn dashed with the
    // estimate named, marked partial, refused by export; the exact result lifts all of it.
    void estimateIsMarkedAndNeverExported() {
        auto dump = es::test::open_fixture("good/analysis_wide.h5");
        es::analysis::SpectrumOptions o;
        o.top_k = 0;
        o.threads = 1;
        o.estimate_top = 6;
        o.focus = std::make_shared<std::atomic<long long>>(2);
        std::vector<es::analysis::SpectrumResult> partials;
        o.on_layer = [&](const es::analysis::SpectrumResult& p) { partials.push_back(p); };
        const auto full = es::analysis::spectrum(*dump, o, es::no_progress());
        QVERIFY(!partials.empty());
        const auto& first = partials.front();  // layer 2's estimate, the rest pending
        QCOMPARE(first.layers.size(), std::size_t{1});
        const auto& e = first.layers.front();
        QCOMPARE(e.layer, std::size_t{2});
        QCOMPARE(e.estimate_of, std::size_t{24});
        QCOMPARE(e.singular_values.size(), std::size_t{6});

        es::test::Following<SpectrumView> ui(int(full.layers.size()), 2);
        SpectrumView& view = ui.view;
        view.set_result(first);
        QVERIFY(view.partial());
        QCOMPARE(view.incomplete(), QStringLiteral("layer 2: top 6 of 24 values, estimate; 0 of %1 "
                                                   "layers")
                                        .arg(full.layers.size()));
        QCPGraph* curve = nullptr;
        for (int i = 0; i < view.plot()->graphCount(); ++i)
            if (view.plot()->graph(i)->name() == QLatin1String("layer 2 (estimate)"))
                curve = view.plot()->graph(i);
        QVERIFY(curve);
        QCOMPARE(curve->pen().style(), Qt::DashLine);
        QCOMPARE(curve->data()->size(), 6);
        // Exact: the plotted points are copies of the result's values, not recomputed.
        for (int i = 0; i < 6; ++i)
            QCOMPARE(curve->data()->at(i)->value, e.singular_values[static_cast<std::size_t>(i)]);
        // Its axis spans the layer's 24 values: the estimate is seen as their top.
        QVERIFY(curve->keyAxis()->range().upper >= 24);
        // So do the spectrogram's columns: the top 6 filled in layer 2's row, the rest empty
        // until the exact values come, on the same 24 columns (the axis does not jump).
        const auto& grid = view.spectrogram()->data();
        QCOMPARE(grid.cols, 24);
        QCOMPARE(grid.col_labels.size(), 24);
        for (int c = 0; c < 24; ++c) {
            const auto cell = view.spectrogram()->value(2, c);
            QCOMPARE(cell.has_value(), c < 6);
            if (cell)  // a copy of the result's value, not recomputed: exact
                QCOMPARE(*cell, e.singular_values[static_cast<std::size_t>(c)]);
        }
        auto* status = view.findChild<QLabel*>(QStringLiteral("status"));
        QVERIFY(status && status->text().startsWith(QLatin1String("partial: layer 2: top 6")));
        QVERIFY(!es::widgets::figure_ready(&view, QStringLiteral("spectrum")));
        QTemporaryDir dir;
        VERIFY_NO_PARTIAL_EXPORT(&view, "spectrum", dir, "spectrum",
                                 (QStringList{".json", ".csv", ".png", ".svg"}));
        const es::widgets::ExportOptions options;
        es::widgets::Provenance provenance;

        view.set_result(full);
        QVERIFY(!view.partial() && view.incomplete().isEmpty());
        QCOMPARE(view.spectrogram()->data().cols, 24);
        QCOMPARE(view.spectrogram()->data().cols,
                 static_cast<int>(full.layers[2].singular_values.size()));
        for (int i = 0; i < view.plot()->graphCount(); ++i)
            QCOMPARE(view.plot()->graph(i)->pen().style(), Qt::SolidLine);
        QString error;
        QVERIFY2(es::widgets::export_figure(&view, QStringLiteral("spectrum"),
                                            dir.filePath(QStringLiteral("complete.json")), options,
                                            provenance, &error),
                 qPrintable(error));
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
