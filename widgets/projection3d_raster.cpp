#include "projection3d_raster.h"

#include <algorithm>
#include <cmath>

#include <vtkCamera.h>
#include <vtkObjectFactory.h>
#include <vtkRenderer.h>
#include <vtkType.h>

#include "es_point_raster_composite_frag.h"  // shaders/point_raster_composite.frag.glsl
#include "projection3d_shaders.h"
#include "util/parallel.h"

namespace es::widgets {

std::vector<SpriteTexel> sprite_stencil(double size) {
    // gl_PointCoord-like: r = distance from the centre pixel's centre in radii (size / 2); the
    // sprite keeps r <= 1, as shaders/point_sprite.frag.glsl discards r > 1.
    const double radius = std::max(0.5, size / 2);
    const int reach = static_cast<int>(std::floor(radius));
    std::vector<SpriteTexel> out;
    for (int dy = -reach; dy <= reach; ++dy)
        for (int dx = -reach; dx <= reach; ++dx) {
            const double r2 = (dx * dx + dy * dy) / (radius * radius);
            if (r2 > 1.0) continue;
            out.push_back({dx, dy, static_cast<float>(0.35 + 0.65 * std::sqrt(1.0 - r2))});
        }
    return out;
}

namespace {

// One range of points into one colour + depth image (depth test: strictly nearer wins, so the
// first of equally deep points keeps the pixel).
std::size_t stamp(const std::vector<std::array<float, 3>>& points,
                  const std::vector<std::array<std::uint8_t, 3>>& colors, std::size_t lo,
                  std::size_t hi, const double m[16], int width, int height,
                  const RasterStyle& style, const std::vector<SpriteTexel>& stencil,
                  std::uint8_t* rgba, float* depth) {
    const double hw = 0.5 * width, hh = 0.5 * height;
    const double span = std::max(style.far - style.near, 1e-12);
    const float bg[3] = {style.background[0] * 255.0f, style.background[1] * 255.0f,
                         style.background[2] * 255.0f};
    int reach = 0;
    for (const SpriteTexel& t : stencil) reach = std::max({reach, std::abs(t.dx), std::abs(t.dy)});
    std::size_t n = 0;
    for (std::size_t i = lo; i < hi; ++i) {
        const double x = points[i][0], y = points[i][1], z = points[i][2];
        const double cw = m[12] * x + m[13] * y + m[14] * z + m[15];
        if (!(cw > 0)) continue;  // behind the camera
        const double cz = (m[8] * x + m[9] * y + m[10] * z + m[11]) / cw;
        if (!(cz >= -1 && cz <= 1)) continue;  // outside the clipping range
        const double px = ((m[0] * x + m[1] * y + m[2] * z + m[3]) / cw + 1.0) * hw;
        const double py = ((m[4] * x + m[5] * y + m[6] * z + m[7]) / cw + 1.0) * hh;
        // As OpenGL clips a point by its centre, so does this.
        if (!(px >= 0 && px < width && py >= 0 && py < height)) continue;
        ++n;
        const int cx = static_cast<int>(px), cy = static_cast<int>(py);
        const float d = static_cast<float>(0.5 * cz + 0.5);
        const double t = style.parallel ? 0.5 * cz + 0.5 : (cw - style.near) / span;
        const float a = static_cast<float>(style.depth_cue * std::clamp(t, 0.0, 1.0));
        const std::array<std::uint8_t, 3>& c = colors[i];
        const float lit[3] = {c[0] * (1 - a), c[1] * (1 - a), c[2] * (1 - a)};
        const float back[3] = {bg[0] * a + 0.5f, bg[1] * a + 0.5f, bg[2] * a + 0.5f};
        const bool inside = cx >= reach && cx + reach < width && cy >= reach && cy + reach < height;
        for (const SpriteTexel& s : stencil) {
            const int sx = cx + s.dx, sy = cy + s.dy;
            if (!inside && (sx < 0 || sx >= width || sy < 0 || sy >= height)) continue;
            const std::size_t p = static_cast<std::size_t>(sy) * width + sx;
            if (!(d < depth[p])) continue;
            depth[p] = d;
            std::uint8_t* o = rgba + p * 4;
            // lit * shade + back <= 255.5 by construction (shade <= 1): no clamp needed.
            o[0] = static_cast<std::uint8_t>(lit[0] * s.shade + back[0]);
            o[1] = static_cast<std::uint8_t>(lit[1] * s.shade + back[1]);
            o[2] = static_cast<std::uint8_t>(lit[2] * s.shade + back[2]);
            o[3] = 255;
        }
    }
    return n;
}

}  // namespace

PointRaster rasterize_points(const std::vector<std::array<float, 3>>& points,
                             const std::vector<std::array<std::uint8_t, 3>>& colors,
                             const double to_ndc[16], int width, int height,
                             const RasterStyle& style, int threads) {
    PointRaster img;
    if (width <= 0 || height <= 0) return img;
    img.width = width;
    img.height = height;
    const std::size_t pixels = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    const int nthreads = util::resolve_threads(threads);
    const std::size_t n = std::min(points.size(), colors.size());
    const std::vector<SpriteTexel> stencil = sprite_stencil(style.size);
    // An image per part (part 0 writes the result); parts are fixed ranges of points, so the
    // merged image does not depend on the thread count or on scheduling.
    const std::size_t parts =
        std::clamp<std::size_t>(n / 65536, 1, static_cast<std::size_t>(nthreads));
    std::vector<std::vector<std::uint8_t>> rgba(parts);
    std::vector<std::vector<float>> depth(parts);
    std::vector<std::size_t> drawn(parts, 0);
    util::parallel_for(parts, nthreads, [&](std::size_t b, std::size_t e) {
        for (std::size_t p = b; p < e; ++p) {
            rgba[p].assign(pixels * 4, 0);
            depth[p].assign(pixels, 1.0f);
            drawn[p] = stamp(points, colors, n * p / parts, n * (p + 1) / parts, to_ndc, width,
                             height, style, stencil, rgba[p].data(), depth[p].data());
        }
    });
    img.rgba = std::move(rgba[0]);
    img.depth = std::move(depth[0]);
    for (std::size_t k : drawn) img.drawn += k;
    if (parts > 1) {
        // Later parts hold later points: they take a pixel only when strictly nearer, the rule
        // within a part, so the merge equals one pass over all the points in order.
        util::parallel_for(pixels, nthreads, [&](std::size_t b, std::size_t e) {
            for (std::size_t p = 1; p < parts; ++p)
                for (std::size_t i = b; i < e; ++i) {
                    if (!(depth[p][i] < img.depth[i])) continue;
                    img.depth[i] = depth[p][i];
                    std::copy_n(&rgba[p][i * 4], 4, &img.rgba[i * 4]);
                }
        });
    }
    return img;
}

vtkStandardNewMacro(PointRasterMapper)

    PointRasterMapper::PointRasterMapper()
    : ScreenPassMapper(es_point_raster_composite_frag, "point raster composite") {}

void PointRasterMapper::set_colors(std::vector<std::array<std::uint8_t, 3>> colors) {
    colors_ = std::move(colors);
    Modified();
}

void PointRasterMapper::set_style(double size, const std::array<double, 3>& background,
                                  double depth_cue) {
    size_ = size;
    background_ = background;
    depth_cue_ = depth_cue;
    Modified();
}

void PointRasterMapper::Render(vtkRenderer* ren, vtkActor*) {
    Frame f;
    if (!frame_of(ren, f)) return;
    vtkCamera* camera = ren->GetActiveCamera();
    RasterStyle style;
    // Sprites grow with the DPI (an export at 2x draws what the screen shows, sharper).
    style.size = size_ * f.dpi_scale;
    style.background = {static_cast<float>(background_[0]), static_cast<float>(background_[1]),
                        static_cast<float>(background_[2])};
    style.depth_cue = depth_cue_;
    style.parallel = camera->GetParallelProjection() != 0;
    const std::array<double, 2> range = view_depth_range(
        camera, {bounds_[0], bounds_[1], bounds_[2], bounds_[3], bounds_[4], bounds_[5]});
    style.near = range[0];
    style.far = range[1];
    image_ = rasterize_points(points_, colors_, f.to_ndc, f.width, f.height, style);
    if (image_.drawn == 0) return;
    if (!ready_program(f.window)) return;
    upload(0, "colors", f.window, f.width, f.height, 4, VTK_UNSIGNED_CHAR, image_.rgba.data());
    upload(1, "depths", f.window, f.width, f.height, 1, VTK_FLOAT, image_.depth.data());
    // An opaque prop: depth-tested against what is drawn and writing its depth, no blending.
    draw(f.window, true);
}

}  // namespace es::widgets
