#pragma once
// Density splatting for the 3-D projection: every point adds its weight to the pixel it falls
// on, the sums are smoothed by a small splat kernel, and a GLSL pass
// (shaders/density_colormap.frag.glsl) draws them through a colour map in one full-screen quad.
//
// The accumulation runs on the CPU, on both cores. On Mesa llvmpipe, the renderer this must run
// on, every point primitive costs about a microsecond in the rasteriser's setup whatever its
// size, so a million points additively blended into a float framebuffer would cost a second a
// frame; projecting and binning them here costs a few milliseconds (docs/PERFORMANCE.md, "The 3D
// view"). On a hardware GPU the accumulation would belong in a shader too; the colour-map pass
// and its legend would not change.
#include <array>
#include <cstddef>
#include <functional>
#include <vector>

#include "projection3d_screen_pass.h"

namespace es::widgets {

// Summed splat weights of a width x height viewport, row 0 at the bottom (OpenGL's order).
struct DensityImage {
    int width = 0, height = 0;
    std::vector<float> counts;
    float max = 0;          // the largest sum
    float min_nonzero = 0;  // the smallest sum above zero
    std::size_t drawn = 0;  // points that fell inside the viewport and the clipping range
    float at(int x, int y) const { return counts[static_cast<std::size_t>(y) * width + x]; }
};

// The splat: a (2r + 1)^2 kernel, row-major, weights (1 - d^2 / (r + 1/2)^2)^2 inside the disc
// of radius r + 1/2 and 0 outside, summing to 1. Round, so that a lone point is a dot and not a
// square (on a log scale every splat shows its whole support).
std::vector<float> density_kernel(int r);

// `to_ndc`: the camera's composite projection (world to normalised device coordinates),
// row-major as vtkMatrix4x4 stores it. Each point inside the view adds 1 at its pixel; the sums
// are then spread by density_kernel(radius) (radius 0: not at all), which keeps their total
// away from the borders.
DensityImage density_image(const std::vector<std::array<float, 3>>& points, const double to_ndc[16],
                           int width, int height, int radius, int threads = 0);

// A VTK mapper that draws density_image() of its points through a colour map, behind the rest of
// the opaque scene: one full-screen pass (projection3d_screen_pass.h) with no depth test and no
// depth writes. The sums are mapped logarithmically from min_nonzero (the first colour) to max
// (the last).
class DensityMapper : public ScreenPassMapper {
public:
    static DensityMapper* New();
    vtkTypeMacro(DensityMapper, ScreenPassMapper)

        // Low to high density, 8-bit RGB triples.
        void set_colormap(const std::vector<std::array<unsigned char, 3>>& ramp);
    // The splat's radius at 72 DPI; an export at a higher DPI splats proportionally wider.
    void set_radius(double px);
    // Called in every render with the image just drawn (the legend follows its range).
    void set_on_frame(std::function<void(const DensityImage&)> fn);
    const DensityImage& last_image() const { return image_; }

    void Render(vtkRenderer* renderer, vtkActor* actor) override;
    void ReleaseGraphicsResources(vtkWindow* window) override;

protected:
    DensityMapper();
    ~DensityMapper() override = default;

private:
    DensityMapper(const DensityMapper&) = delete;
    void operator=(const DensityMapper&) = delete;

    std::vector<unsigned char> colormap_;  // RGBA, 256 entries
    bool colormap_changed_ = true;         // its texture is to be uploaded again
    double radius_ = 1.5;
    std::function<void(const DensityImage&)> on_frame_;
    DensityImage image_;
};

}  // namespace es::widgets
