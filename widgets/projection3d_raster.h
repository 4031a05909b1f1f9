#pragma once
// The point cloud of the 3-D projection drawn by the CPU: every point rasterised as a round,
// shaded, depth-faded sprite (what shaders/point_sprite.*.glsl draw) into a colour and a depth
// image on both cores, then put on screen by one full-screen pass
// (shaders/point_raster_composite.frag.glsl) that writes gl_FragDepth, so that the paths, the
// selection and the axes drawn through OpenGL still hide and are hidden by the points.
//
// Why: on Mesa llvmpipe, the renderer this must run on, every GL point costs about a microsecond
// of primitive setup whatever its size, so a million points take a second a frame; projecting
// and stamping them here costs tens of milliseconds (docs/PERFORMANCE.md, "A million points").
// On a hardware GPU the GL path would be the faster one; the scene uses this one above
// kRasterAbove points only.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "projection3d_screen_pass.h"

namespace es::widgets {

// How the sprites look: their diameter in pixels, the colour the farthest fade to (RGB in
// [0, 1]) and how far (0: not at all, 1: to the background), and the depth range the fade runs
// over (distances along the view direction, or with `parallel` the normalised depth).
struct RasterStyle {
    double size = 5;
    std::array<float, 3> background{1, 1, 1};
    double depth_cue = 0;
    bool parallel = false;
    double near = 0, far = 1;
};

// A width x height image, row 0 at the bottom (OpenGL's order). `rgba`: 8-bit colour, alpha 0
// where no point was drawn; `depth`: window depth in [0, 1] as OpenGL's depth buffer holds it
// (0.5 * z_ndc + 0.5), 1 where empty.
struct PointRaster {
    int width = 0, height = 0;
    std::vector<std::uint8_t> rgba;
    std::vector<float> depth;
    std::size_t drawn = 0;  // points whose centre fell inside the viewport and the clipping range
    std::array<int, 4> at(int x, int y) const {
        const std::size_t i = (static_cast<std::size_t>(y) * width + x) * 4;
        return {rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]};
    }
    float depth_at(int x, int y) const { return depth[static_cast<std::size_t>(y) * width + x]; }
};

// The offsets (dx, dy) from a sprite's centre pixel that it covers, and the ball shading of
// each (0.35 + 0.65 * sqrt(1 - r^2), r the distance from the centre in radii): the pixels whose
// centre lies within size / 2 of the centre pixel's. A point of any size covers its own pixel.
struct SpriteTexel {
    int dx, dy;
    float shade;
};
std::vector<SpriteTexel> sprite_stencil(double size);

// Rasterises `points` (world coordinates) with `colors` (8-bit RGB, one each) through `to_ndc`
// (world to normalised device coordinates, row-major as vtkMatrix4x4 stores it). Each point
// inside the view and the clipping range stamps sprite_stencil(style.size) at its pixel,
// depth-tested: the nearest point wins a pixel, and among points at the same depth the first
// in `points`. The points are split over `threads` (0: both cores) in fixed ranges, each into
// its own image, merged pixel by pixel with the same rule, so the image does not depend on the
// thread count.
PointRaster rasterize_points(const std::vector<std::array<float, 3>>& points,
                             const std::vector<std::array<std::uint8_t, 3>>& colors,
                             const double to_ndc[16], int width, int height,
                             const RasterStyle& style, int threads = 0);

// A VTK mapper that draws rasterize_points() of its points as an opaque prop: one full-screen
// pass (projection3d_screen_pass.h) writing colour and gl_FragDepth with the depth test on.
class PointRasterMapper : public ScreenPassMapper {
public:
    static PointRasterMapper* New();
    vtkTypeMacro(PointRasterMapper, ScreenPassMapper)

        void set_colors(std::vector<std::array<std::uint8_t, 3>> colors);
    // The sprite's diameter at 72 DPI (an export at a higher DPI draws them proportionally
    // larger), the fade's colour (RGB in [0, 1]) and strength.
    void set_style(double size, const std::array<double, 3>& background, double depth_cue);
    const PointRaster& last_image() const { return image_; }

    void Render(vtkRenderer* renderer, vtkActor* actor) override;

protected:
    PointRasterMapper();
    ~PointRasterMapper() override = default;

private:
    PointRasterMapper(const PointRasterMapper&) = delete;
    void operator=(const PointRasterMapper&) = delete;

    std::vector<std::array<std::uint8_t, 3>> colors_;
    double size_ = 5, depth_cue_ = 0;
    std::array<double, 3> background_{1, 1, 1};
    PointRaster image_;
};

}  // namespace es::widgets
