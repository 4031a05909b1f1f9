#pragma once
// What the 3-D projection's CPU-drawn layers share (projection3d_density.h, the density splat,
// and projection3d_raster.h, the point raster): a VTK mapper that keeps the points it draws and
// their bounds, computes an image of them on the CPU at the viewport's size each frame, and puts
// that image on screen with one full-screen quad of an embedded fragment shader over textures
// uploaded from the image. Each subclass says what image and which shader; this class owns the
// quad, the textures, the bounds VTK asks for and their release with the GL context.
#include <array>
#include <cstddef>
#include <memory>
#include <vector>

#include <vtkMapper.h>

class vtkOpenGLQuadHelper;
class vtkOpenGLRenderWindow;
class vtkShaderProgram;
class vtkTextureObject;

namespace es::widgets {

class ScreenPassMapper : public vtkMapper {
public:
    vtkAbstractTypeMacro(ScreenPassMapper, vtkMapper)

        // The points (world coordinates) and their bounds (x0, x1, y0, y1, z0, z1), which VTK
        // frames the camera with: the quad itself has no place in the world.
        void set_points(std::vector<std::array<float, 3>> points, const double bounds[6]);

    double* GetBounds() override;
    using vtkMapper::GetBounds;
    void ReleaseGraphicsResources(vtkWindow* window) override;

protected:
    // `fragment`: the embedded GLSL (vtkOpenGLQuadHelper supplies the vertex stage and texCoord);
    // `what`: the pass's name in the error when it does not compile.
    ScreenPassMapper(const char* fragment, const char* what);
    ~ScreenPassMapper() override;

    // The renderer's viewport and camera for this frame: the GL window, the viewport's size in
    // pixels, the camera's composite projection (world to normalised device coordinates,
    // row-major) and the window's DPI over 72 (an export at 2x draws what the screen shows,
    // sharper). False when there is nothing to draw into.
    struct Frame {
        vtkOpenGLRenderWindow* window = nullptr;
        int width = 0, height = 0;
        const double* to_ndc = nullptr;
        double dpi_scale = 1;
    };
    static bool frame_of(vtkRenderer* renderer, Frame& frame);

    // The shader program, ready for this frame's draw; null (and a VTK error) when it did not
    // compile.
    vtkShaderProgram* ready_program(vtkOpenGLRenderWindow* window);
    // Uploads a width x height image of `components` values of VTK type `type` per pixel into
    // texture `slot`, the shader's sampler `sampler`, sampled at the nearest texel (one texel
    // per pixel: nothing to filter); `clamp`: clamped at its edges (a colour map's ends). A
    // slot keeps its image until the next upload.
    void upload(std::size_t slot, const char* sampler, vtkOpenGLRenderWindow* window, int width,
                int height, int components, int type, const void* data, bool clamp = false);
    // Draws the quad with every slot's texture active and bound to its sampler, blending off.
    // `depth`: tested against the scene and written (an opaque prop), else neither (a backdrop
    // behind it). After ready_program() and the uploads.
    void draw(vtkOpenGLRenderWindow* window, bool depth);

    std::vector<std::array<float, 3>> points_;
    double bounds_[6] = {-1, 1, -1, 1, -1, 1};

private:
    ScreenPassMapper(const ScreenPassMapper&) = delete;
    void operator=(const ScreenPassMapper&) = delete;

    const char* fragment_;
    const char* what_;
    std::unique_ptr<vtkOpenGLQuadHelper> quad_;
    struct Slot {
        vtkTextureObject* texture = nullptr;  // created in the window's context on first upload
        const char* sampler = nullptr;
    };
    std::vector<Slot> slots_;
};

}  // namespace es::widgets
