// The spectrum view's overlay (every layer's values on log-log axes) replotted as the view drew it
// before (0.96 px lines; the reference), with the SIMD-state guard (widgets/simd_state.h), and
// with the guard and 1 px lines (what it draws now), in the same run, interleaved. Prints
// GUI-thread CPU per replot and the ratio to the reference, for 33 layers of 1024 and of 4096
// values (the 33 x 4096 x 1024 and the M dumps), in a panel the size of the default layout's;
// and what the upper SIMD state does to 135k std::log calls. Offscreen; docs/PERFORMANCE.md.
#include <qcustomplot.h>
#include <QApplication>
#include <QImage>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <vector>

#include "simd_state.h"

namespace {

double thread_cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

struct Curves {
    QVector<double> keys;
    std::vector<QVector<double>> values, cumulative;  // a layer each
};

// `layers` spectra of `n` values decaying at slightly different rates, and their cumulative
// variance.
Curves curves(int layers, int n) {
    Curves c;
    for (int i = 0; i < n; ++i) c.keys << i + 1.0;
    for (int l = 0; l < layers; ++l) {
        QVector<double> s, cum;
        double total = 0, acc = 0;
        for (int i = 0; i < n; ++i) {
            s << 100.0 * std::exp(-i * (0.004 + 1e-4 * l));
            total += s.back() * s.back();
        }
        for (int i = 0; i < n; ++i) cum << (acc += s[i] * s[i] / total);
        c.values.push_back(s);
        c.cumulative.push_back(cum);
    }
    return c;
}

// Two panels (values, cumulative variance) of every layer's curve, as the view draws them.
void fill(QCustomPlot& plot, const Curves& c, bool one_px) {
    plot.clearGraphs();
    for (QCPAxis* a : {plot.xAxis, plot.yAxis, plot.xAxis2}) {
        a->setScaleType(QCPAxis::stLogarithmic);
        a->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    }
    const QPen pen(QColor(30, 120, 160, 140), one_px ? 1.0 : 0.96);
    for (std::size_t l = 0; l < c.values.size(); ++l)
        for (auto [x, y, v] : {std::tuple{plot.xAxis, plot.yAxis, &c.values[l]},
                               std::tuple{plot.xAxis2, plot.yAxis2, &c.cumulative[l]}}) {
            QCPGraph* g = plot.addGraph(x, y);
            g->setData(c.keys, *v, true);
            g->setPen(pen);
        }
    const double n = c.keys.size();
    plot.xAxis->setRange(0.8, n * 1.25);
    plot.xAxis2->setRange(0.8, n * 1.25);
    plot.yAxis->setRange(1e-3, 200);
    plot.yAxis2->setRange(0, 1.02);
}

// CPU time of 135k std::log calls (the overlay's 33 x 2 x 1024 values), to show what the upper
// SIMD state does to libm (widgets/simd_state.h).
double log_probe_ms() {
    std::vector<double> x(33 * 2 * 1024), y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1.0 + static_cast<double>(i % 1024);
    const double t = thread_cpu_ms();
    for (std::size_t i = 0; i < x.size(); ++i) y[i] = std::log(x[i]);
    const double ms = thread_cpu_ms() - t;
    volatile double sink = y[y.size() / 2];
    (void)sink;
    return ms;
}

}  // namespace

int main(int argc, char** argv) {
    const double log_before_app = log_probe_ms();
    QApplication app(argc, argv);
    const bool dirty_after_app = es::widgets::upper_simd_state_dirty();
    const double log_after_app = log_probe_ms();
    es::widgets::clear_upper_simd_state();
    const double log_cleared = log_probe_ms();
    std::printf(
        "{\"log_probe_ms\": {\"before_qapplication\": %.2f, \"after\": %.2f, "
        "\"upper_state_dirty_after\": %s, \"after_vzeroupper\": %.2f},\n",
        log_before_app, log_after_app, dirty_after_app ? "true" : "false", log_cleared);
    // The reference: 0.96 px pens, no guard (what the view drew before); then the guard alone,
    // and the guard with 1 px pens (what it draws now).
    struct Config {
        const char* name;
        bool one_px, guarded;
    };
    const Config configs[] = {
        {"before", false, false}, {"guarded", false, true}, {"guarded_1px", true, true}};
    std::printf(" \"overlay\": [");
    bool first = true;
    for (int n : {1024, 4096}) {
        const Curves c = curves(33, n);
        std::vector<std::unique_ptr<QCustomPlot>> plots;
        std::vector<double> build(std::size(configs));
        std::vector<std::vector<double>> replots(std::size(configs));
        for (const Config& config : configs) {
            plots.push_back(std::make_unique<QCustomPlot>());
            QCustomPlot* p = plots.back().get();
            p->resize(620, 360);  // the spectrum panel in the default 1600 x 1000 layout
            p->xAxis2->setVisible(true);
            p->yAxis2->setVisible(true);
            if (config.guarded) es::widgets::guard_plot(p);
            fill(*p, c, config.one_px);  // once before timing: first allocations
            p->replot();
        }
        for (std::size_t i = 0; i < std::size(configs); ++i) {
            QImage dirt(64, 64, QImage::Format_ARGB32_Premultiplied);
            dirt.fill(Qt::white);  // what a replot's paint buffers do first
            const double t = thread_cpu_ms();
            fill(*plots[i], c, configs[i].one_px);
            build[i] = thread_cpu_ms() - t;
        }
        for (int r = 0; r < 15; ++r)  // interleaved, so load changes hit all alike
            for (std::size_t i = 0; i < std::size(configs); ++i) {
                const double t = thread_cpu_ms();
                plots[i]->replot();
                replots[i].push_back(thread_cpu_ms() - t);
            }
        std::printf("%s{\"layers\": 33, \"values\": %d", first ? "" : ", ", n);
        double reference = 0;
        for (std::size_t i = 0; i < std::size(configs); ++i) {
            std::sort(replots[i].begin(), replots[i].end());
            const double median = replots[i][replots[i].size() / 2];
            if (i == 0) reference = median;
            std::printf(", \"%s\": {\"replot_ms\": %.2f, \"ratio\": %.3f, \"build_ms\": %.2f}",
                        configs[i].name, median, median / reference, build[i]);
        }
        std::printf("}");
        first = false;
    }
    std::printf("]}\n");
    return 0;
}
