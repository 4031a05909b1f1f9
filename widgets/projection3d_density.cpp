#include "projection3d_density.h"

#include <algorithm>
#include <cmath>

#include <vtkObjectFactory.h>
#include <vtkShaderProgram.h>
#include <vtkType.h>

#include "es_density_colormap_frag.h"  // shaders/density_colormap.frag.glsl, embedded by the build
#include "util/parallel.h"

namespace es::widgets {

std::vector<float> density_kernel(int r) {
    const int side = 2 * r + 1;
    std::vector<float> k(static_cast<std::size_t>(side * side), 0.0f);
    const double R2 = (r + 0.5) * (r + 0.5);
    double sum = 0;
    for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx) {
            const double q = 1.0 - (dx * dx + dy * dy) / R2;
            const double w = q > 0 ? q * q : 0.0;
            k[static_cast<std::size_t>((dy + r) * side + dx + r)] = static_cast<float>(w);
            sum += w;
        }
    for (float& w : k) w = static_cast<float>(w / sum);
    return k;
}

namespace {

// Spreads each pixel's count over a disc of radius r + 0.5 pixels with the weights of
// density_kernel(), gathering per output pixel so that rows can be split over threads.
std::vector<float> splat(const std::vector<float>& counts, int width, int height, int r,
                         int threads) {
    const std::vector<float> kernel = density_kernel(r);
    const int side = 2 * r + 1;
    std::vector<float> out(counts.size(), 0.0f);
    // Rows with nothing in them are common (a cloud in the middle of the view): skipped.
    std::vector<char> row_used(static_cast<std::size_t>(height), 0);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width && !row_used[static_cast<std::size_t>(y)]; ++x)
            row_used[static_cast<std::size_t>(y)] =
                counts[static_cast<std::size_t>(y) * width + x] > 0;
    util::parallel_for(
        static_cast<std::size_t>(height), threads, [&](std::size_t b, std::size_t e) {
            for (int y = static_cast<int>(b); y < static_cast<int>(e); ++y)
                for (int dy = -r; dy <= r; ++dy) {
                    const int sy = y - dy;
                    if (sy < 0 || sy >= height || !row_used[static_cast<std::size_t>(sy)]) continue;
                    const float* src = &counts[static_cast<std::size_t>(sy) * width];
                    float* dst = &out[static_cast<std::size_t>(y) * width];
                    for (int dx = -r; dx <= r; ++dx) {
                        const float w = kernel[static_cast<std::size_t>((dy + r) * side + dx + r)];
                        if (w == 0) continue;
                        const int x0 = std::max(0, dx), x1 = std::min(width, width + dx);
                        for (int x = x0; x < x1; ++x) dst[x] += w * src[x - dx];
                    }
                }
        });
    return out;
}

}  // namespace

DensityImage density_image(const std::vector<std::array<float, 3>>& points, const double m[16],
                           int width, int height, int radius, int threads) {
    DensityImage img;
    if (width <= 0 || height <= 0) return img;
    img.width = width;
    img.height = height;
    const std::size_t pixels = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    img.counts.assign(pixels, 0.0f);
    const int nthreads = util::resolve_threads(threads);
    // A grid per part (part 0 writes the result), so that threads never share a pixel; parts
    // are fixed ranges of points, so the sums do not depend on scheduling.
    const std::size_t parts =
        std::clamp<std::size_t>(points.size() / 65536, 1, static_cast<std::size_t>(nthreads));
    std::vector<std::vector<float>> grids(parts - 1, std::vector<float>(pixels, 0.0f));
    std::vector<std::size_t> drawn(parts, 0);
    const double hw = 0.5 * width, hh = 0.5 * height;
    util::parallel_for(parts, nthreads, [&](std::size_t b, std::size_t e) {
        for (std::size_t p = b; p < e; ++p) {
            std::vector<float>& grid = p == 0 ? img.counts : grids[p - 1];
            const std::size_t lo = points.size() * p / parts, hi = points.size() * (p + 1) / parts;
            std::size_t n = 0;
            for (std::size_t i = lo; i < hi; ++i) {
                const double x = points[i][0], y = points[i][1], z = points[i][2];
                const double cw = m[12] * x + m[13] * y + m[14] * z + m[15];
                if (!(cw > 0)) continue;  // behind the camera
                const double cz = (m[8] * x + m[9] * y + m[10] * z + m[11]) / cw;
                if (cz < -1 || cz > 1) continue;  // outside the clipping range
                const double px = ((m[0] * x + m[1] * y + m[2] * z + m[3]) / cw + 1.0) * hw;
                const double py = ((m[4] * x + m[5] * y + m[6] * z + m[7]) / cw + 1.0) * hh;
                if (!(px >= 0 && px < width && py >= 0 && py < height)) continue;
                grid[static_cast<std::size_t>(py) * static_cast<std::size_t>(width) +
                     static_cast<std::size_t>(px)] += 1.0f;
                ++n;
            }
            drawn[p] = n;
        }
    });
    for (std::size_t n : drawn) img.drawn += n;
    if (!grids.empty()) {
        util::parallel_for(pixels, nthreads, [&](std::size_t b, std::size_t e) {
            for (const auto& g : grids)
                for (std::size_t i = b; i < e; ++i) img.counts[i] += g[i];
        });
    }
    if (radius > 0) img.counts = splat(img.counts, width, height, radius, nthreads);
    img.min_nonzero = 0;
    for (float c : img.counts) {
        if (!(c > 0)) continue;
        img.max = std::max(img.max, c);
        if (img.min_nonzero == 0 || c < img.min_nonzero) img.min_nonzero = c;
    }
    return img;
}

vtkStandardNewMacro(DensityMapper)

    DensityMapper::DensityMapper()
    : ScreenPassMapper(es_density_colormap_frag, "density colour map") {
    set_colormap({{0, 0, 0}, {255, 255, 255}});
}

void DensityMapper::set_colormap(const std::vector<std::array<unsigned char, 3>>& ramp) {
    // Resampled to 256 entries, linearly between the ramp's colours.
    colormap_.assign(256 * 4, 255);
    for (int i = 0; i < 256; ++i) {
        const double at = ramp.size() < 2 ? 0.0 : i / 255.0 * static_cast<double>(ramp.size() - 1);
        const std::size_t a = static_cast<std::size_t>(at);
        const std::size_t b = std::min(a + 1, ramp.size() - 1);
        const double f = at - static_cast<double>(a);
        for (int c = 0; c < 3; ++c)
            colormap_[static_cast<std::size_t>(i * 4 + c)] = static_cast<unsigned char>(
                std::lround((1 - f) * ramp[a][static_cast<std::size_t>(c)] +
                            f * ramp[b][static_cast<std::size_t>(c)]));
    }
    colormap_changed_ = true;
    Modified();
}

void DensityMapper::set_radius(double px) {
    radius_ = px;
    Modified();
}

void DensityMapper::set_on_frame(std::function<void(const DensityImage&)> fn) {
    on_frame_ = std::move(fn);
}

void DensityMapper::ReleaseGraphicsResources(vtkWindow* window) {
    ScreenPassMapper::ReleaseGraphicsResources(window);
    colormap_changed_ = true;  // its texture went with the others
}

void DensityMapper::Render(vtkRenderer* ren, vtkActor*) {
    Frame f;
    if (!frame_of(ren, f)) return;
    // Splats widen with the DPI (an export at 2x draws what the screen shows, sharper).
    const int radius = static_cast<int>(std::lround(radius_ * f.dpi_scale));
    image_ = density_image(points_, f.to_ndc, f.width, f.height, radius);
    if (on_frame_) on_frame_(image_);
    if (image_.max <= 0) return;
    vtkShaderProgram* program = ready_program(f.window);
    if (!program) return;
    upload(0, "counts", f.window, f.width, f.height, 1, VTK_FLOAT, image_.counts.data());
    if (colormap_changed_) {
        upload(1, "colormap", f.window, 256, 1, 4, VTK_UNSIGNED_CHAR, colormap_.data(), true);
        colormap_changed_ = false;
    }
    // From the faintest splat to the densest pixel; one level everywhere still gets the ramp's
    // top (a span of zero would divide by zero).
    const float low = std::min(image_.min_nonzero, image_.max * 0.999f);
    program->SetUniformf("logLow", std::log(low));
    program->SetUniformf("logSpan", std::max(1e-6f, std::log(image_.max) - std::log(low)));
    // Behind the rest of the scene: no depth test, no depth writes, no blending.
    draw(f.window, false);
}

}  // namespace es::widgets
