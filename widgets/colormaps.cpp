#include "colormaps.h"

#include <qcustomplot.h>
#include <QApplication>
#include <QPalette>
#include <algorithm>
#include <array>
#include <cmath>

namespace es::widgets::colors {

namespace {

struct Stop {
    double t;
    int r, g, b;
};

// Key points of matplotlib's viridis and cividis (sampled at 9 positions; linear interpolation
// between them stays within 1-2 RGB units of the full 256-entry tables).
constexpr std::array<Stop, 9> kViridis{{{0.000, 68, 1, 84},
                                        {0.125, 71, 44, 122},
                                        {0.250, 59, 81, 139},
                                        {0.375, 44, 113, 142},
                                        {0.500, 33, 144, 141},
                                        {0.625, 39, 173, 129},
                                        {0.750, 92, 200, 99},
                                        {0.875, 170, 220, 50},
                                        {1.000, 253, 231, 37}}};
constexpr std::array<Stop, 9> kCividis{{{0.000, 0, 34, 78},
                                        {0.125, 18, 53, 112},
                                        {0.250, 59, 73, 108},
                                        {0.375, 87, 92, 109},
                                        {0.500, 112, 113, 115},
                                        {0.625, 138, 134, 120},
                                        {0.750, 165, 156, 116},
                                        {0.875, 196, 180, 98},
                                        {1.000, 253, 234, 69}}};
// Diverging blue - white - red after ColorBrewer RdBu (reversed), safe for red-green deficiency.
constexpr std::array<Stop, 7> kDiverging{{{0.00, 33, 102, 172},
                                          {0.17, 67, 147, 195},
                                          {0.33, 146, 197, 222},
                                          {0.50, 247, 247, 247},
                                          {0.67, 244, 165, 130},
                                          {0.83, 214, 96, 77},
                                          {1.00, 178, 24, 43}}};

template <std::size_t N>
QColor interpolate(const std::array<Stop, N>& stops, double t) {
    if (!std::isfinite(t)) t = 0;
    t = std::clamp(t, 0.0, 1.0);
    for (std::size_t i = 1; i < N; ++i) {
        if (t <= stops[i].t) {
            const Stop& a = stops[i - 1];
            const Stop& b = stops[i];
            const double f = (t - a.t) / (b.t - a.t);
            return QColor::fromRgbF(static_cast<float>((a.r + f * (b.r - a.r)) / 255.0),
                                    static_cast<float>((a.g + f * (b.g - a.g)) / 255.0),
                                    static_cast<float>((a.b + f * (b.b - a.b)) / 255.0));
        }
    }
    return QColor(stops[N - 1].r, stops[N - 1].g, stops[N - 1].b);
}

}  // namespace

QColor sample(Map map, double t) {
    switch (map) {
        case Map::Viridis:
            return interpolate(kViridis, t);
        case Map::Cividis:
            return interpolate(kCividis, t);
        case Map::Diverging:
            return interpolate(kDiverging, t);
    }
    return {};
}

QCPColorGradient gradient(Map map) {
    QCPColorGradient g;
    g.clearColorStops();
    for (int i = 0; i <= 32; ++i) g.setColorStopAt(i / 32.0, sample(map, i / 32.0));
    g.setColorInterpolation(QCPColorGradient::ciRGB);
    g.setLevelCount(256);
    return g;
}

QColor categorical(int index) {
    static const QColor okabe_ito[] = {
        QColor(0, 114, 178),  QColor(230, 159, 0), QColor(0, 158, 115),  QColor(204, 121, 167),
        QColor(86, 180, 233), QColor(213, 94, 0),  QColor(240, 228, 66), QColor(0, 0, 0)};
    return okabe_ito[((index % 8) + 8) % 8];
}

QColor plot_foreground() {
    return QApplication::palette().color(QPalette::WindowText);
}
QColor plot_background() {
    return QApplication::palette().color(QPalette::Base);
}
QColor plot_grid() {
    QColor c = plot_foreground();
    c.setAlpha(40);
    return c;
}

}  // namespace es::widgets::colors
