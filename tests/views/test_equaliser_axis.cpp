// The equaliser's value axis: an early layer dwarfed by the later layers' peaks gets an axis of
// its own, and the legend stays above the tallest bars (split from test_equaliser_view.cpp).
#include <qcustomplot.h>
#include <QTest>
#include <cmath>
#include <functional>

#include "analysis/equaliser.h"
#include "equaliser_view.h"
#include "view_test_support.h"

using es::widgets::EqualiserView;

namespace {

// Frames of B bands over L layers in the dims basis, band i of layer l = value(i, l).
es::analysis::EqualiserResult growing(
    std::size_t B, std::size_t L, const std::function<double(std::size_t, std::size_t)>& value) {
    es::analysis::EqualiserResult r;
    r.basis = "dims";
    r.layer_name = "blocks.0.hook_resid_pre";
    for (std::size_t l = 0; l < L; ++l) {
        r.frame_layers.push_back("state " + std::to_string(l));
        std::vector<std::optional<double>> f(B);
        for (std::size_t i = 0; i < B; ++i) f[i] = value(i, l);
        r.frames.push_back(f);
    }
    for (std::size_t i = 0; i <= B; ++i) r.band_edges.push_back(i);
    r.bands.assign(B, 0.0);
    return r;
}

}  // namespace

class TestEqualiserAxis : public QObject {
    Q_OBJECT
private slots:
    void anEarlyLayerDwarfedByThePeaksGetsItsOwnAxis() {
        // A stream whose energy grows 64x over its layers (as M's and the 1024 dump's do): at
        // layer 0 the peaks set by the late layers would leave the bars under 2% of the plot.
        const std::size_t B = 8, L = 4;
        const es::analysis::EqualiserResult r =
            growing(B, L, [](std::size_t i, std::size_t l) {  // x4 a layer
                return (1.0 + double(i % 3)) * std::pow(4.0, double(l));
            });
        es::test::Following<EqualiserView> ui(static_cast<int>(L));
        EqualiserView& view = ui.view;
        es::widgets::SelectionModel& model = ui.model;
        view.set_mode(EqualiserView::Mode::Components);
        view.resize(800, 400);
        view.set_result(r);
        const auto axis_top = [&] { return view.plot()->yAxis->range().upper; };
        const auto above = [&] {
            for (int i = 0; i < view.plot()->graphCount(); ++i)
                if (view.plot()->graph(i)->objectName() == QLatin1String("peaksAbove"))
                    return view.plot()->graph(i)->dataCount();
            return 0;
        };
        // Layer 0: bars up to 3, peaks up to 3 * 64 = 192: the axis fits the layer (3 with its
        // headroom for the legend) and every peak is a triangle at its top.
        model.set_layer(0);
        QVERIFY(view.fits_layer());
        QVERIFY2(axis_top() > 3.0 && axis_top() < 3.0 * 1.25,
                 qPrintable(QString::number(axis_top())));
        QCOMPARE(above(), static_cast<int>(B));
        // Layer 2 (bars up to 48, a quarter of the peaks): the peaks set the axis, as when
        // stepping through layers, and no peak is above it.
        model.set_layer(2);
        QVERIFY(!view.fits_layer());
        QVERIFY(axis_top() > 192.0 && axis_top() < 192.0 * 1.25);
        QCOMPARE(above(), 0);
        // Without peak hold the axis is always the peaks' (unchanged behaviour).
        view.set_peak_hold(false);
        model.set_layer(0);
        QVERIFY(!view.fits_layer());
    }

    void theLegendStaysAboveTheTallestBars() {
        // Peak hold on, the axis fitted to an early layer (bars up to its top): the two-row
        // legend in the top right corner covered the tallest bars with the fixed 1.2 headroom.
        const std::size_t B = 32, L = 4;
        const es::analysis::EqualiserResult r =
            growing(B, L, [B](std::size_t i, std::size_t l) {  // the tallest bars at the right
                return (1.0 + double(i) / double(B)) * std::pow(4.0, double(l));
            });
        es::test::Following<EqualiserView> ui(static_cast<int>(L));
        EqualiserView& view = ui.view;
        es::widgets::SelectionModel& model = ui.model;
        view.set_mode(EqualiserView::Mode::Components);
        view.resize(700, 320);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.set_result(r);
        for (int layer : {1, 0}) {  // the second redraw knows the plot's height
            model.set_layer(layer);
            QTest::qWait(20);
        }
        QVERIFY(view.fits_layer());
        QCustomPlot* plot = view.plot();
        QVERIFY(plot->legend->visible());
        const QRect legend = plot->legend->outerRect();
        int bars = 0;
        for (int i = 0; i < plot->plottableCount(); ++i) {
            auto* b = qobject_cast<QCPBars*>(plot->plottable(i));
            if (!b) continue;
            for (auto it = b->data()->constBegin(); it != b->data()->constEnd(); ++it, ++bars) {
                const double x0 = b->keyAxis()->coordToPixel(it->key - b->width() / 2);
                const double x1 = b->keyAxis()->coordToPixel(it->key + b->width() / 2);
                const double top = b->valueAxis()->coordToPixel(it->value);
                const double bottom = b->valueAxis()->coordToPixel(0);
                const QRectF bar(QPointF(x0, top), QPointF(x1, bottom));
                QVERIFY2(!bar.intersects(QRectF(legend)),
                         qPrintable(QStringLiteral("bar %1 (value %2, top at %3 px) under the "
                                                   "legend (%4 px to %5 px)")
                                        .arg(it->key)
                                        .arg(it->value)
                                        .arg(top)
                                        .arg(legend.top())
                                        .arg(legend.bottom())));
            }
        }
        QCOMPARE(bars, static_cast<int>(B));
    }
};

QTEST_MAIN(TestEqualiserAxis)
#include "test_equaliser_axis.moc"
