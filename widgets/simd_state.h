#pragma once
// Keeps the GUI thread's floating-point code at full speed.
//
// Qt 6.4's raster code (QImage::fill, which clears every QCustomPlot paint buffer at each replot,
// and QGuiApplication's set-up) leaves the upper halves of the AVX registers marked in use. On
// this machine's CPU, glibc's libm then runs ~30x slower: 135k std::log calls took 0.7 ms before
// QApplication was constructed and 22 ms after, 0.7 ms again after a vzeroupper (probe in
// tests/bench/bench_plot_overlay). Every log axis (two logarithms a point), every thick line
// (QStroker's joins call atan2) and every logarithmic colour scale paid it. Clearing the state is
// one instruction; it is done at the start of every event (install_simd_state_guard) and at the
// start of each layer of every replot (guard_plot) and before each graph of the plots that draw
// many (GuardedGraph).
#include <qcustomplot.h>

namespace es::widgets {

// vzeroupper where the CPU has AVX; nothing otherwise.
void clear_upper_simd_state();
// Whether the upper halves of the AVX registers are marked in use (XGETBV 1; false where the CPU
// cannot tell). For tests and benchmarks.
bool upper_simd_state_dirty();
// An application-wide event filter that clears the state before each event is delivered.
void install_simd_state_guard();
// An element at the front of each of `plot`'s layers that clears the state when the layer draws:
// after QCustomPlot has cleared its paint buffers, before the grid, plottables, axes or legend.
// Idempotent (style_plot() calls it).
void guard_plot(QCustomPlot* plot);
// Whether `layerable` is one of those elements (they draw nothing; vector export skips them).
bool is_simd_state_guard(const QCPLayerable* layerable);

// A graph that clears the state before it draws, for plots of many graphs: drawing one graph can
// leave it dirty for the next (the spectrum view's overlay of every layer).
class GuardedGraph : public QCPGraph {
public:
    using QCPGraph::QCPGraph;  // adds itself to the axes' plot, as QCustomPlot::addGraph does

protected:
    void draw(QCPPainter* painter) override;
};

}  // namespace es::widgets
