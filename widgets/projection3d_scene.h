#pragma once
// The 3-D projection's VTK scene: the point cloud, each token's path, the current layer and the
// selection drawn over them, the labelled axes, the unit sphere, the camera. It knows VTK and
// plain C++ only, no Qt widget: Projection3dView owns the controls, the data and the selection
// and tells the scene what to draw; the VtkGlWidget that owns the renderer draws it.
#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/project.h"
#include "analysis/token_coloring.h"
#include "io/dump.h"
#include "projection3d_legend.h"

class QImage;
class vtkRenderer;

namespace es::widgets {

struct DensityImage;
struct PointRaster;

class Projection3dScene {
public:
    using Rgb = std::array<unsigned char, 3>;
    using Point = std::array<double, 3>;
    // Where the camera looks from: Oblique is the default (reset), the others look along an axis.
    enum class Look { Oblique, Front, Top, Side };
    struct Camera {
        Point position, focal_point, view_up;
    };
    struct Marked {  // a selected token and the text of its label
        int token = -1;
        std::string label;
    };
    // What the colour of the points means, drawn at the right of the scene (and of every export)
    // by our own legend (projection3d_legend.h): a colour bar, or a swatch and name per category.
    using Legend = LegendSpec;

    // Adds its actors to `renderer`, which must outlive the scene (the VtkGlWidget's), in the
    // plots' colours (colormaps.h).
    explicit Projection3dScene(vtkRenderer* renderer);
    ~Projection3dScene();
    Projection3dScene(const Projection3dScene&) = delete;
    Projection3dScene& operator=(const Projection3dScene&) = delete;

    // The points, each with its flat state index (row * tokens + token) in a rows x tokens grid
    // of states (rows: the projected layers); shows the full scene.
    void set_points(const std::vector<Point>& points, const std::vector<int>& states,
                    std::size_t rows, std::size_t tokens);
    // Axes around the points (and around the unit sphere, shown when spherized).
    void set_axes(const std::array<std::string, 3>& titles, bool spherized);
    void set_colors(const std::vector<Rgb>& colors);  // one per point
    void set_legend(const Legend& legend);            // shown while there are points
    // Density splatting instead of the point cloud (projection3d_density.h): the legend then
    // shows points per pixel, on a log scale over what the last frame drew, and set_legend()'s
    // comes back when it is off. The selection stays drawn, and the paths of every
    // lod_step()-th token; the current layer's states are not (they would cover the density).
    void set_density(bool on);
    bool density() const;
    Legend density_legend() const;
    const DensityImage& last_density() const;  // for tests
    // The clouds as our point sprites (the default) or as VTK's lit spheres (a benchmark's A/B).
    void set_point_sprites(bool on);
    // The still cloud rasterised by the CPU (projection3d_raster.h) or drawn as GL point sprites:
    // Auto rasterises above 50 000 points; On and Off force one (tests, the benchmark's A/B).
    enum class Raster { Auto, Off, On };
    void set_raster(Raster mode);
    bool raster() const;  // whether the still cloud is rasterised now
    // Whether the current layer's larger sprites are rasterised with the cloud (the default)
    // or drawn as GL sprites over it (the benchmark's A/B).
    void set_raster_current(bool on);
    const PointRaster& last_current_raster() const;  // for tests: the current layer's image
    const PointRaster& last_raster() const;          // for tests: the image of the last frame drawn
    // A line of text at the top left of the scene and its exports (empty: none).
    void set_note(const std::string& text);
    std::string note() const;
    // Every path_step()-th token's path is drawn (1: all); see kPathsMax. Over the density,
    // and while the camera moves, every lod_step()-th token's.
    std::size_t path_step() const;
    std::size_t lod_step() const;
    // The text and background colours again from the palette (after a theme change).
    void apply_palette();
    // Larger text, points and lines for a projector: the axes at once, the points, paths and
    // labels from the next set_point_size() and set_overlays().
    void set_presentation(bool on);
    void set_point_size(int px);  // the cloud's; the current row's and the marked ones' larger
    // The current row's states drawn larger; the marked tokens' states and paths highlighted,
    // each labelled at its last state up to the current row (else at its first).
    void set_overlays(int current_row, const std::vector<Marked>& marked);

    void look(Look from);
    void show_all_axes();  // after a Look hid the one facing the viewer
    Camera camera() const;
    // `framed`: the camera is that Look's framing (an on-screen one put back after an export),
    // else it is the user's (a session's, an export's provenance) and framed_look() is empty.
    void set_camera(const Camera& c, std::optional<Look> framed = std::nullopt);

    // What frame() measured: the drawn content's box and the free area it was fitted into
    // (x0, y0, x1, y1 in pixels from the bottom left), the renders it took, whether it settled.
    struct Framing {
        std::array<double, 4> content{}, free{};
        int probes = 0;
        bool converged = false;
    };
    // Moves the camera (along and across its view, never turning it) so that everything drawn
    // (the cloud with its sprites, the paths, the axes with their tick labels and titles, the
    // labels, the sphere) fills a width x height frame drawn at `scale` with a small margin,
    // clear of the legend's panel and the note. `probe` renders the scene as it stands at the
    // frame's DPI and the size it is given (VtkGlWidget::render_to_image's prepare gives it): the
    // texts are measured as drawn, the cloud's points by projecting them. Deterministic: the same
    // camera, scene and frame give the same result.
    Framing frame(int width, int height, double scale,
                  const std::function<QImage(int width, int height)>& probe);
    // The Look whose framing the camera still is (after look() or frame(), until anything else
    // moves it: the mouse, set_camera(), a test's Zoom), else none.
    std::optional<Look> framed_look() const;
    const Framing& last_framing() const;
    double parallel_scale() const;  // the camera's, for tests: how much of the scene is framed

    // For tests: whether the legend is drawn, its title, and its box in normalized viewport
    // coordinates (x0, y0, x1, y1, from the bottom left).
    bool legend_visible() const;
    std::string legend_title() const;
    std::array<double, 4> legend_box() const;

    // Level of detail while the camera moves: with more than a threshold of points, every k-th
    // token's states and paths instead of all, and no multisampling. Returns whether it is on.
    bool set_moving(bool on);
    std::size_t lod_point_count() const;

    // Index into `points` (those given to set_points) of the one nearest to `at` (pixels from the
    // top left of a `width` x `height` viewport) within a few pixels, else -1.
    int pick(const std::vector<Point>& points, std::array<double, 2> at, int width,
             int height) const;

    // Indices into `points` of those whose screen position lies inside `polygon` (pixels from
    // the top left of a width x height viewport), whatever their depth.
    std::vector<std::size_t> lasso(const std::vector<Point>& points,
                                   const std::vector<std::array<double, 2>>& polygon, int width,
                                   int height) const;

private:
    void show_legend(const Legend& legend);
    void update_raster_style();    // the raster's sprites: the cloud's size, the background
    void update_current_raster();  // the current layer's points and colours for its raster
    struct Impl;
    std::unique_ptr<Impl> d_;
};

// Index of the point nearest to `at` (pixels from the top left of a width x height viewport)
// through `to_ndc` (world to normalised device coordinates, row-major), within a few pixels
// (among nearly coincident ones the nearest to the camera), else -1.
int nearest_point(const std::vector<Projection3dScene::Point>& points, const double to_ndc[16],
                  std::array<double, 2> at, int width, int height);

// Indices of the points whose projection through `to_ndc` (world to normalised device
// coordinates, row-major) falls inside `polygon` (pixels, top-left origin, even-odd rule) in a
// width x height viewport; points behind the camera are out.
std::vector<std::size_t> points_in_lasso(const std::vector<Projection3dScene::Point>& points,
                                         const double to_ndc[16], int width, int height,
                                         const std::vector<std::array<double, 2>>& polygon);

// The points the scene draws for `result`: one per non-null state, in row-major (row, token)
// order, the result's coordinates scaled to unit length when it is spherized; and the flat
// state index (row * tokens + token) of each.
struct Projection3dCloud {
    std::vector<Projection3dScene::Point> points;
    std::vector<int> states;
};
Projection3dCloud projection3d_cloud(const analysis::ProjectResult& result);

enum class Projection3dColoring { Layer, Prompt, Norm, Position, Axis1 };
// A colour for each of `states` (a cloud's): by layer (viridis over the rows), by its token's
// prompt (categorical; `tokens`: the dump's token table), by the length of its projected
// coordinate before any spherizing (viridis over the range of all of them), or by its token's
// position in its prompt (viridis from 0 to the last position), or by its projection on the
// first axis, a direction in model space (diverging, centred on 0, over +-the largest
// magnitude).
std::vector<Projection3dScene::Rgb> projection3d_colors(const analysis::ProjectResult& result,
                                                        const std::vector<int>& states,
                                                        const std::vector<TokenInfo>& tokens,
                                                        Projection3dColoring by);
// The legend of those colours: "layer" over the projected layers, "prompt" with a swatch per
// prompt present, or "norm of the projected state" over its range.
Projection3dScene::Legend projection3d_legend(const analysis::ProjectResult& result,
                                              const std::vector<TokenInfo>& tokens,
                                              Projection3dColoring by);

// Colours by a token's string or a metadata column (analysis/token_coloring.h), the same for
// a token at every layer: the categories in the categorical palette and "other" in grey, or
// viridis over the values' range (grey where a value is missing).
std::vector<Projection3dScene::Rgb> projection3d_token_colors(
    const analysis::ProjectResult& result, const std::vector<int>& states,
    const analysis::TokenColoring& coloring);
// Its legend: a swatch per category named as it reads on screen, with its token count, and
// "other (N kinds)"; or the values' ramp.
Projection3dScene::Legend projection3d_token_legend(const analysis::TokenColoring& coloring);

}  // namespace es::widgets
