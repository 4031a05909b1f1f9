#include "simd_state.h"

#include <qcustomplot.h>
#include <QCoreApplication>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define ES_X86 1
#endif

namespace es::widgets {

namespace {

#ifdef ES_X86
bool has_avx() {
    static const bool avx = __builtin_cpu_supports("avx");
    return avx;
}

__attribute__((target("avx"))) void zero_upper() {
    _mm256_zeroupper();
}

// XGETBV with ECX=1 (the XINUSE bitmap) exists where CPUID.(EAX=0DH,ECX=1):EAX bit 2 is set.
bool has_xinuse() {
    static const bool yes = [] {
        unsigned a = 0, b = 0, c = 0, d = 0;
        if (!__get_cpuid_count(0x0d, 1, &a, &b, &c, &d)) return false;
        return (a & (1u << 2)) != 0;
    }();
    return yes;
}
#endif

class Filter : public QObject {
public:
    using QObject::QObject;
    bool eventFilter(QObject*, QEvent*) override {
        clear_upper_simd_state();
        return false;
    }
};

// Draws nothing; drawn first in its layer, it clears the state for the layer's other elements.
class Guard : public QCPLayerable {
public:
    Guard(QCustomPlot* plot, QCPLayer* layer) : QCPLayerable(plot) {
        setObjectName(QString::fromLatin1(kGuardName));
        moveToLayer(layer, true);
    }
    static constexpr const char* kGuardName = "es_simd_state_guard";

protected:
    void applyDefaultAntialiasingHint(QCPPainter*) const override {}
    void draw(QCPPainter*) override { clear_upper_simd_state(); }
};

}  // namespace

void clear_upper_simd_state() {
#ifdef ES_X86
    if (has_avx()) zero_upper();
#endif
}

bool upper_simd_state_dirty() {
#ifdef ES_X86
    if (!has_xinuse()) return false;
    unsigned a = 0, d = 0;
    asm volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(1));
    return (a & (1u << 2)) != 0;  // bit 2: the upper halves of YMM0-15
#else
    return false;
#endif
}

void install_simd_state_guard() {
    static Filter* filter = nullptr;
    if (filter || !QCoreApplication::instance()) return;
    filter = new Filter(QCoreApplication::instance());
    QCoreApplication::instance()->installEventFilter(filter);
}

void guard_plot(QCustomPlot* plot) {
    if (!plot) return;
    // One guard at the front of each layer: drawing a layer's elements can leave the state dirty
    // again for the next layer (the axes found it so after the plottables 3 times in 4).
    for (int i = 0; i < plot->layerCount(); ++i) {
        QCPLayer* layer = plot->layer(i);
        const QList<QCPLayerable*> children = layer->children();
        const bool guarded = !children.isEmpty() &&
                             children.front()->objectName() == QLatin1String(Guard::kGuardName);
        if (!guarded) new Guard(plot, layer);
    }
}

bool is_simd_state_guard(const QCPLayerable* layerable) {
    return layerable && layerable->objectName() == QLatin1String(Guard::kGuardName);
}

void GuardedGraph::draw(QCPPainter* painter) {
    clear_upper_simd_state();
    QCPGraph::draw(painter);
}

}  // namespace es::widgets
