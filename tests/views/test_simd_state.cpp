// widgets/simd_state: the guards that keep the GUI thread's libm at full speed. Structure: one
// guard at the front of every layer, added once however often style_plot() runs, skipped by
// vector export; GuardedGraph is a graph of its plot. Effect: where this CPU reports the upper
// AVX state (XGETBV 1), a layer that ends with the state dirty (as Qt's raster fill left it on
// the machines where the guards were measured) hands it on dirty to the next layer's elements
// without the guards, and clean with them.
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

// Writes the upper half of YMM0, as AVX code left without VZEROUPPER does. The dirt is made here
// rather than by a Qt fill: whether Qt's raster fill leaves the state dirty depends on the CPU and
// on which of Qt's and glibc's routines it picks (one CI machine's paint left it clean).
void dirty_upper_simd_state() {
#if defined(__x86_64__) || defined(__i386__)
    if (!__builtin_cpu_supports("avx")) return;
    asm volatile("vpcmpeqd %%xmm0, %%xmm0, %%xmm0\n\tvinsertf128 $1, %%xmm0, %%ymm0, %%ymm0" ::
                     : "xmm0");
#endif
}

// Drawn last in its layer: leaves the state dirty for whatever the plot draws next.
class Dirtier : public QCPLayerable {
public:
    Dirtier(QCustomPlot* plot, QCPLayer* layer) : QCPLayerable(plot) { moveToLayer(layer, false); }

protected:
    void applyDefaultAntialiasingHint(QCPPainter*) const override {}
    void draw(QCPPainter*) override { dirty_upper_simd_state(); }
};

// Whether this CPU reports the upper state at all (AVX and XGETBV 1): then the effect is testable.
bool state_readable() {
    clear_upper_simd_state();
    const bool clean_reads_clean = !upper_simd_state_dirty();
    dirty_upper_simd_state();
    const bool dirt_reads_dirty = upper_simd_state_dirty();
    clear_upper_simd_state();
    return clean_reads_clean && dirt_reads_dirty;
}

// Under AddressSanitizer the allocator is the sanitizer's, and it clears the state where glibc's
// does not (on the AVX2 machine the fresh-clone CI ran on: after a 51 KB malloc the state read
// clean under ASan, dirty without it), so the dirt a layer leaves may not reach the next layer,
// guards or not (the project's CI, ASan phase: every unguarded probe read clean). The guarded half
// holds in every build.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAllocatorClearsState = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAllocatorClearsState = true;
#else
constexpr bool kAllocatorClearsState = false;
#endif
#else
constexpr bool kAllocatorClearsState = false;
#endif

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
        const bool observable = state_readable();
        if (!observable)
            QVERIFY2(!upper_simd_state_dirty(), "no XINUSE on this CPU: the state reads clean");
        for (const bool guarded : {false, true}) {
            QCustomPlot plot;
            plot.resize(400, 300);
            // Graphs whose drawing fills and strokes (a brush, a thick line) in the main layer;
            // in every layer a probe, first until guard_plot() puts its guard in front of it, and
            // a dirtier, last.
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
                new Dirtier(&plot, plot.layer(i));
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
            else if (observable && !kAllocatorClearsState)
                QVERIFY(dirty > 0);  // a layer's dirt reached the next layer's first element
        }
    }
};

QTEST_MAIN(TestSimdState)
#include "test_simd_state.moc"
