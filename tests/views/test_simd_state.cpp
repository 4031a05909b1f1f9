// widgets/simd_state: the guards that keep the GUI thread's libm at full speed. Structure: one
// guard at the front of every layer, added once however often style_plot() runs, skipped by
// vector export; GuardedGraph is a graph of its plot. Effect: where this CPU reports the upper
// AVX state (XGETBV 1) and Qt's raster fill leaves it dirty, every layer and every guarded graph
// draws with it clean, and without the guards the plottables would have drawn with it dirty.
#include <qcustomplot.h>
#include <QImage>
#include <QTest>

#include "plot_style.h"
#include "simd_state.h"

using namespace es::widgets;

namespace {

// Records, each time it is drawn, whether the upper state was dirty.
class Probe : public QCPLayerable {
public:
    Probe(QCustomPlot* plot, const QString& layer) : QCPLayerable(plot, layer) {}
    std::vector<bool> seen;
    void to_front(QCPLayer* layer) { moveToLayer(layer, true); }

protected:
    void applyDefaultAntialiasingHint(QCPPainter*) const override {}
    void draw(QCPPainter*) override { seen.push_back(upper_simd_state_dirty()); }
};

// Whether Qt's raster fill leaves the state dirty on this machine (then the effect is testable).
bool fill_dirties() {
    clear_upper_simd_state();
    QImage image(64, 64, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    return upper_simd_state_dirty();
}

}  // namespace

class TestSimdState : public QObject {
    Q_OBJECT
private slots:
    void everyLayerHasOneGuardInFrontAddedOnce() {
        QCustomPlot plot;
        style_plot(&plot, false);
        style_plot(&plot, true);
        guard_plot(&plot);
        QVERIFY(plot.layerCount() >= 5);  // background, grid, main, axes, legend, overlay
        for (int i = 0; i < plot.layerCount(); ++i) {
            const QList<QCPLayerable*> children = plot.layer(i)->children();
            QVERIFY2(!children.isEmpty() && is_simd_state_guard(children.front()),
                     qPrintable(plot.layer(i)->name()));
            int guards = 0;
            for (QCPLayerable* c : children) guards += is_simd_state_guard(c) ? 1 : 0;
            QCOMPARE(guards, 1);
        }
        QVERIFY(!is_simd_state_guard(plot.xAxis));
        auto* g = new GuardedGraph(plot.xAxis, plot.yAxis);
        QCOMPARE(plot.graphCount(), 1);
        QCOMPARE(plot.graph(0), g);
    }

    void plottablesDrawWithTheStateClean() {
        if (!fill_dirties())
            QVERIFY2(!upper_simd_state_dirty(), "nothing to clean on this CPU: state reads clean");
        const bool observable = fill_dirties();
        for (const bool guarded : {false, true}) {
            QCustomPlot plot;
            plot.resize(400, 300);
            // Graphs whose drawing fills and strokes (a brush, a thick line) in the main layer,
            // and a probe in every layer, each first in its layer until guard_plot() puts its
            // guard in front of it.
            for (int i = 0; i < 3; ++i) {
                QCPGraph* g = guarded ? new GuardedGraph(plot.xAxis, plot.yAxis)
                                      : plot.addGraph(plot.xAxis, plot.yAxis);
                g->setData({0, 1, 2, 3}, {0.1 * i, 1.0 + i, 0.5, 2.0});
                g->setPen(QPen(Qt::black, 2.5));
                g->setBrush(QColor(0, 0, 255, 60));
            }
            std::vector<Probe*> probes;
            for (int i = 0; i < plot.layerCount(); ++i) {
                probes.push_back(new Probe(&plot, plot.layer(i)->name()));
                probes.back()->to_front(plot.layer(i));
            }
            if (guarded) guard_plot(&plot);
            plot.rescaleAxes();
            plot.replot();
            int dirty = 0;
            for (Probe* p : probes) {
                QCOMPARE(p->seen.size(), std::size_t{1});
                dirty += p->seen.front() ? 1 : 0;
            }
            if (guarded)
                QCOMPARE(dirty, 0);  // every layer starts clean
            else if (observable)
                QVERIFY(dirty > 0);  // the paint buffers' fill left it dirty at least there
        }
    }
};

QTEST_MAIN(TestSimdState)
#include "test_simd_state.moc"
