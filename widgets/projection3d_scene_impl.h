#pragma once
// Private to Projection3dScene: its VTK pipeline (Impl) and the constants and helpers that
// projection3d_scene.cpp (points, paths, colours) and projection3d_scene_camera.cpp (legend,
// overlays, camera, level of detail, picking) share. Not for other files.
#include "projection3d_scene.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <vtkActor.h>
#include <vtkBillboardTextActor3D.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkCubeAxesActor.h>
#include <vtkMatrix4x4.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkUnsignedCharArray.h>
#include <vtkVariant.h>

#include "colormaps.h"
#include "projection3d_density.h"
#include "projection3d_raster.h"
#include "projection3d_shaders.h"
#include "vtk/vtk_shapes.h"

namespace es::widgets {
namespace projection3d_detail {

// Level of detail while the camera moves (ParaView's habit): software OpenGL (llvmpipe) draws
// about a million primitives a second, so above kLodAbove points a drag or wheel shows every
// k-th token's states and path (at most ~kLodPoints points) and the full scene once it stops.
inline constexpr std::size_t kLodAbove = 50000, kLodPoints = 10000;
// Above this many points the still cloud is rasterised by the CPU (projection3d_raster.h): at
// ~1 us a GL point, 50 000 of them already cost 50 ms a frame on llvmpipe.
inline constexpr std::size_t kRasterAbove = 50000;
// At most this many tokens' paths in the still scene: 30 000 paths through 33 layers are a
// million segments (a second a frame on llvmpipe) and read as a grey haze, not as paths. Above
// it, every k-th token's path is drawn (path_step()); the selected tokens' paths always are.
inline constexpr std::size_t kPathsMax = 2000;
// How far the farthest sprites fade towards the background (shaders/point_sprite.frag.glsl).
inline constexpr double kDepthCue = 0.45;
inline constexpr std::size_t kLabelsMax = 24;
inline const Projection3dScene::Rgb kSelected{230, 60, 30};

template <typename T>
using Ptr = vtkSmartPointer<T>;

struct Layer {
    Ptr<vtkPolyData> data = Ptr<vtkPolyData>::New();
    Ptr<vtkPolyDataMapper> mapper = Ptr<vtkPolyDataMapper>::New();
    Ptr<vtkActor> actor = Ptr<vtkActor>::New();
    Layer() {
        mapper->SetInputData(data);
        actor->SetMapper(mapper);
    }
};

inline Projection3dScene::Rgb rgb_of(const QColor& c) {
    return {static_cast<unsigned char>(c.red()), static_cast<unsigned char>(c.green()),
            static_cast<unsigned char>(c.blue())};
}

// VTK's colours are doubles in [0, 1]; ours are bytes. For vtkProperty and vtkTextProperty.
template <typename Property>
void set_rgb(Property* p, Projection3dScene::Rgb c) {
    p->SetColor(c[0] / 255.0, c[1] / 255.0, c[2] / 255.0);
}

}  // namespace projection3d_detail

using namespace projection3d_detail;

struct Projection3dScene::Impl {
    vtkRenderer* renderer = nullptr;
    Rgb background{}, foreground{};
    Ptr<vtkPoints> all_points = Ptr<vtkPoints>::New();
    Layer cloud;                 // every state
    Layer lines;                 // one polyline per token
    Layer cloud_lod, lines_lod;  // every k-th token: shown instead while the camera moves
    Layer current;               // the current layer's states, larger
    Layer current_lod;           // every k-th token's of them, while the camera moves
    // The density image of every state (density splatting), instead of the cloud when on.
    Ptr<DensityMapper> density = Ptr<DensityMapper>::New();
    Ptr<vtkActor> density_actor = Ptr<vtkActor>::New();
    bool density_on = false;
    // The still cloud drawn by the CPU instead of as GL points (Raster::Auto: above kRasterAbove).
    Ptr<PointRasterMapper> raster = Ptr<PointRasterMapper>::New();
    Ptr<vtkActor> raster_actor = Ptr<vtkActor>::New();
    Raster raster_mode = Raster::Auto;
    // The current layer's larger sprites, rasterised too whenever the cloud is: 30 000 GL
    // sprites cost llvmpipe more than projecting and stamping them (docs/PERFORMANCE.md).
    Ptr<PointRasterMapper> current_raster = Ptr<PointRasterMapper>::New();
    Ptr<vtkActor> current_raster_actor = Ptr<vtkActor>::New();
    bool current_rasterised = true;      // set_raster_current(): the benchmark's A/B
    std::vector<Rgb> colors;             // set_colors()'s, one per point
    std::vector<vtkIdType> current_ids;  // the current layer's points
    bool raster_on() const {
        return raster_mode == Raster::On ||
               (raster_mode == Raster::Auto &&
                static_cast<std::size_t>(all_points->GetNumberOfPoints()) > kRasterAbove);
    }
    Legend color_legend;                        // what set_legend() was given (the points' colours)
    std::array<double, 2> density_range{0, 0};  // the legend's, while density is on
    std::size_t path_step = 1;
    std::size_t lod_step = 1;
    Ptr<vtkCallbackCommand> on_start = Ptr<vtkCallbackCommand>::New();
    unsigned long on_start_tag = 0;
    Layer selected;  // selected tokens: points and paths
    Ptr<vtkCubeAxesActor> axes = Ptr<vtkCubeAxesActor>::New();
    Ptr<LegendActor> legend = Ptr<LegendActor>::New();
    Ptr<vtkTextActor> note = Ptr<vtkTextActor>::New();  // top left, e.g. about UMAP distances
    bool has_legend = false;
    Ptr<vtkActor> sphere = sphere_actor(1.0, 36, 18);
    std::vector<Ptr<vtkBillboardTextActor3D>> labels;
    // What set_points was given, for the overlays: the flat state index of each point.
    std::vector<int> states;
    std::size_t rows = 0, tokens = 0;
    bool presentation = false;
    bool lod = false;
    // The camera look() or frame() left, and for which Look (framed_look()).
    struct Framed {
        Look look = Look::Oblique;
        Camera camera;
        double view_angle = 0;
    };
    std::optional<Framed> framed;
    Framing last_framing;
    int still_multisamples = -1;  // the render window's multisampling outside level of detail

    // The points' bounds, or the unit cube before there are any.
    std::array<double, 6> bounds() const {
        std::array<double, 6> b{-1, 1, -1, 1, -1, 1};
        if (all_points->GetNumberOfPoints() > 0) all_points->GetBounds(b.data());
        return b;
    }
};

}  // namespace es::widgets
