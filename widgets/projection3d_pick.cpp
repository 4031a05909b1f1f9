// Which points lie where on the screen: the nearest to a pixel (picking) and those inside a
// lasso, through the camera's composite projection. Plain arithmetic on the points, exact
// whatever the scene draws (density, level of detail); Projection3dScene passes its camera.
#include <algorithm>
#include <cmath>
#include <limits>

#include "projection3d_scene.h"

namespace es::widgets {

namespace {
constexpr int kPickRadius = 8;  // viewport pixels
}  // namespace

int nearest_point(const std::vector<Projection3dScene::Point>& points, const double m[16],
                  std::array<double, 2> at, int width, int height) {
    if (width <= 0 || height <= 0) return -1;
    double best = double(kPickRadius) * kPickRadius;
    double best_depth = std::numeric_limits<double>::infinity();
    int found = -1;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const double in[4] = {points[i][0], points[i][1], points[i][2], 1.0};
        double out[4];
        for (int r = 0; r < 4; ++r)
            out[r] = m[4 * r] * in[0] + m[4 * r + 1] * in[1] + m[4 * r + 2] * in[2] + m[4 * r + 3];
        if (out[3] <= 0) continue;
        const double sx = (out[0] / out[3] + 1.0) * 0.5 * width;
        const double sy = (1.0 - out[1] / out[3]) * 0.5 * height;
        const double depth = out[2] / out[3];
        const double d2 = (sx - at[0]) * (sx - at[0]) + (sy - at[1]) * (sy - at[1]);
        // Nearest on screen; among (nearly) coincident ones, the closest to the camera.
        if (d2 < best - 0.25 || (d2 <= best + 0.25 && depth < best_depth)) {
            best = std::min(best, d2);
            best_depth = depth;
            found = static_cast<int>(i);
        }
    }
    return found;
}

std::vector<std::size_t> points_in_lasso(const std::vector<Projection3dScene::Point>& points,
                                         const double m[16], int width, int height,
                                         const std::vector<std::array<double, 2>>& polygon) {
    std::vector<std::size_t> inside;
    if (polygon.size() < 3 || width <= 0 || height <= 0) return inside;
    double x0 = polygon[0][0], x1 = x0, y0 = polygon[0][1], y1 = y0;
    for (const auto& v : polygon) {
        x0 = std::min(x0, v[0]);
        x1 = std::max(x1, v[0]);
        y0 = std::min(y0, v[1]);
        y1 = std::max(y1, v[1]);
    }
    for (std::size_t i = 0; i < points.size(); ++i) {
        const auto& p = points[i];
        const double w = m[12] * p[0] + m[13] * p[1] + m[14] * p[2] + m[15];
        if (!(w > 0)) continue;
        const double sx =
            ((m[0] * p[0] + m[1] * p[1] + m[2] * p[2] + m[3]) / w + 1.0) * 0.5 * width;
        const double sy =
            (1.0 - (m[4] * p[0] + m[5] * p[1] + m[6] * p[2] + m[7]) / w) * 0.5 * height;
        if (sx < x0 || sx > x1 || sy < y0 || sy > y1) continue;
        // Even-odd rule: a ray to the right crosses the outline an odd number of times.
        bool in = false;
        for (std::size_t a = 0, b = polygon.size() - 1; a < polygon.size(); b = a++) {
            const auto& pa = polygon[a];
            const auto& pb = polygon[b];
            if ((pa[1] > sy) != (pb[1] > sy) &&
                sx < (pb[0] - pa[0]) * (sy - pa[1]) / (pb[1] - pa[1]) + pa[0])
                in = !in;
        }
        if (in) inside.push_back(i);
    }
    return inside;
}

}  // namespace es::widgets
