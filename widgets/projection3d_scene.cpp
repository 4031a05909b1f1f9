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
#include <vtkLookupTable.h>
#include <vtkMatrix4x4.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkProperty2D.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkSmartPointer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkUnsignedCharArray.h>
#include <vtkVariant.h>

#include "colormaps.h"
#include "projection3d_density.h"
#include "projection3d_shaders.h"
#include "vtk/vtk_shapes.h"

namespace es::widgets {

namespace {

// Level of detail while the camera moves (ParaView's habit): software OpenGL (llvmpipe) draws
// about a million primitives a second, so above kLodAbove points a drag or wheel shows every
// k-th token's states and path (at most ~kLodPoints points) and the full scene once it stops.
constexpr std::size_t kLodAbove = 50000, kLodPoints = 10000;
// At most this many tokens' paths in the still scene: 30 000 paths through 33 layers are a
// million segments (a second a frame on llvmpipe) and read as a grey haze, not as paths. Above
// it, every k-th token's path is drawn (path_step()); the selected tokens' paths always are.
constexpr std::size_t kPathsMax = 2000;
// How far the farthest sprites fade towards the background (shaders/point_sprite.frag.glsl).
constexpr double kDepthCue = 0.45;
constexpr std::size_t kLabelsMax = 24;
const Projection3dScene::Rgb kSelected{230, 60, 30};

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

Projection3dScene::Rgb rgb_of(const QColor& c) {
    return {static_cast<unsigned char>(c.red()), static_cast<unsigned char>(c.green()),
            static_cast<unsigned char>(c.blue())};
}

// VTK's colours are doubles in [0, 1]; ours are bytes. For vtkProperty and vtkTextProperty.
template <typename Property>
void set_rgb(Property* p, Projection3dScene::Rgb c) {
    p->SetColor(c[0] / 255.0, c[1] / 255.0, c[2] / 255.0);
}

}  // namespace

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
    Legend color_legend;                        // what set_legend() was given (the points' colours)
    std::array<double, 2> density_range{0, 0};  // the legend's, while density is on
    std::size_t path_step = 1;
    std::size_t lod_step = 1;
    Ptr<vtkCallbackCommand> on_start = Ptr<vtkCallbackCommand>::New();
    unsigned long on_start_tag = 0;
    Layer selected;  // selected tokens: points and paths
    Ptr<vtkCubeAxesActor> axes = Ptr<vtkCubeAxesActor>::New();
    Ptr<vtkScalarBarActor> legend = Ptr<vtkScalarBarActor>::New();
    Ptr<vtkTextActor> note = Ptr<vtkTextActor>::New();  // top left, e.g. about UMAP distances
    Ptr<vtkLookupTable> legend_colors = Ptr<vtkLookupTable>::New();
    bool has_legend = false;
    Ptr<vtkActor> sphere = sphere_actor(1.0, 36, 18);
    std::vector<Ptr<vtkBillboardTextActor3D>> labels;
    // What set_points was given, for the overlays: the flat state index of each point.
    std::vector<int> states;
    std::size_t rows = 0, tokens = 0;
    bool presentation = false;
    bool lod = false;
    int still_multisamples = -1;  // the render window's multisampling outside level of detail

    // The points' bounds, or the unit cube before there are any.
    std::array<double, 6> bounds() const {
        std::array<double, 6> b{-1, 1, -1, 1, -1, 1};
        if (all_points->GetNumberOfPoints() > 0) all_points->GetBounds(b.data());
        return b;
    }
};

Projection3dScene::Projection3dScene(vtkRenderer* renderer) : d_(std::make_unique<Impl>()) {
    Impl& s = *d_;
    s.renderer = renderer;

    // Every layer draws its cells over the one set of points. The cloud, its stand-in and the
    // current layer take their colours per point (set_colors); paths and selection are flat.
    for (Layer* l :
         {&s.cloud, &s.lines, &s.cloud_lod, &s.lines_lod, &s.current, &s.current_lod, &s.selected})
        l->data->SetPoints(s.all_points);
    for (Layer* l : {&s.cloud, &s.cloud_lod, &s.current, &s.current_lod})
        l->mapper->SetScalarModeToUsePointData();
    for (Layer* l : {&s.lines, &s.lines_lod, &s.selected}) l->mapper->ScalarVisibilityOff();
    // The clouds are point sprites with depth shading (shaders/point_sprite.*.glsl); their
    // uniforms follow the camera at the start of every render.
    s.current_lod.actor->SetProperty(s.current.actor->GetProperty());
    for (Layer* l : {&s.cloud, &s.cloud_lod, &s.current, &s.current_lod})
        use_point_sprites(l->actor);
    s.current_lod.actor->VisibilityOff();
    s.on_start->SetClientData(&s);
    s.on_start->SetCallback([](vtkObject*, unsigned long, void* client, void*) {
        auto* impl = static_cast<Impl*>(client);
        const std::array<double, 3> bg{impl->background[0] / 255.0, impl->background[1] / 255.0,
                                       impl->background[2] / 255.0};
        const std::array<double, 6> bounds = impl->bounds();
        for (Layer* l : {&impl->cloud, &impl->cloud_lod, &impl->current, &impl->current_lod})
            update_point_sprites(l->actor, impl->renderer, bounds, bg, kDepthCue);
    });
    s.on_start_tag = s.renderer->AddObserver(vtkCommand::StartEvent, s.on_start);
    // Density: drawn first among the opaque props, behind everything, hidden until asked for.
    s.density_actor->SetMapper(s.density);
    s.density_actor->PickableOff();
    s.density_actor->VisibilityOff();
    {
        std::vector<std::array<unsigned char, 3>> ramp;
        for (int i = 0; i < 64; ++i)
            ramp.push_back(rgb_of(colors::sample(colors::Map::Viridis, i / 63.0)));
        s.density->set_colormap(ramp);
    }
    s.density->set_on_frame([&s](const DensityImage& img) {
        // The legend follows the range of the image just drawn (it changes with the zoom).
        if (!s.density_on || img.max <= 0) return;
        const std::array<double, 2> range{img.min_nonzero, img.max};
        if (range == s.density_range) return;
        s.density_range = range;
        s.legend_colors->SetRange(range[0], range[1] > range[0] ? range[1] : range[0] * 1.001);
    });
    s.lines.actor->GetProperty()->SetOpacity(0.18);
    s.lines.actor->GetProperty()->SetLineWidth(1.0f);
    s.lines.actor->GetProperty()->LightingOff();
    // The level-of-detail stand-ins share the looks (the same vtkProperty objects), hidden until
    // the camera moves.
    s.cloud_lod.actor->SetProperty(s.cloud.actor->GetProperty());
    s.lines_lod.actor->SetProperty(s.lines.actor->GetProperty());
    s.cloud_lod.actor->VisibilityOff();
    s.lines_lod.actor->VisibilityOff();
    set_rgb(s.selected.actor->GetProperty(), kSelected);
    s.selected.actor->GetProperty()->SetRenderPointsAsSpheres(true);
    s.selected.actor->GetProperty()->SetRenderLinesAsTubes(false);
    s.selected.actor->GetProperty()->SetLineWidth(3.0f);
    s.selected.actor->GetProperty()->LightingOff();

    // The unit sphere the spherized states lie on, faintly.
    s.sphere->GetProperty()->SetRepresentationToWireframe();
    s.sphere->GetProperty()->SetOpacity(0.07);
    s.sphere->GetProperty()->LightingOff();
    s.sphere->PickableOff();
    s.sphere->VisibilityOff();

    s.axes->SetCamera(s.renderer->GetActiveCamera());
    s.axes->SetFlyModeToOuterEdges();
    s.axes->SetGridLineLocation(vtkCubeAxesActor::VTK_GRID_LINES_FURTHEST);
    s.axes->SetUseTextActor3D(false);
    s.axes->VisibilityOff();

    // The legend: a colour bar (or a swatch per category) at the right, on a translucent panel
    // of the background colour so that points behind it do not garble its text. Its text is in
    // points: an export's scale factor (the render window's DPI) scales it with the image.
    s.legend->SetLookupTable(s.legend_colors);
    s.legend->SetOrientationToVertical();
    s.legend->SetPosition(0.86, 0.12);
    s.legend->SetPosition2(0.13, 0.62);
    s.legend->UnconstrainedFontSizeOn();
    s.legend->SetTextPositionToSucceedScalarBar();
    s.legend->SetBarRatio(0.25);
    s.legend->DrawBackgroundOn();
    s.legend->GetBackgroundProperty()->SetOpacity(0.8);
    s.legend->SetTextPad(2);
    s.legend->PickableOff();
    s.legend->VisibilityOff();
    for (vtkTextProperty* t : {s.legend->GetTitleTextProperty(), s.legend->GetLabelTextProperty(),
                               s.legend->GetAnnotationTextProperty()}) {
        t->ShadowOff();
        t->ItalicOff();
        t->SetFontFamilyToArial();
    }
    s.legend->GetTitleTextProperty()->BoldOn();
    s.legend->GetLabelTextProperty()->BoldOff();
    s.legend->GetAnnotationTextProperty()->BoldOff();
    s.note->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
    s.note->SetPosition(0.01, 0.95);
    s.note->GetTextProperty()->SetVerticalJustificationToTop();
    s.note->GetTextProperty()->SetFontFamilyToArial();
    s.note->GetTextProperty()->SetBackgroundOpacity(0.75);
    s.note->PickableOff();
    s.note->VisibilityOff();
    apply_palette();
    set_presentation(false);  // the axes' and legend's font sizes

    // Drawn in this order: translucent guides first, the overlays over the cloud.
    s.renderer->AddActor(s.density_actor);
    s.renderer->AddActor(s.sphere);
    s.renderer->AddActor(s.lines.actor);
    s.renderer->AddActor(s.cloud.actor);
    s.renderer->AddActor(s.lines_lod.actor);
    s.renderer->AddActor(s.cloud_lod.actor);
    s.renderer->AddActor(s.current.actor);
    s.renderer->AddActor(s.current_lod.actor);
    s.renderer->AddActor(s.selected.actor);
    s.renderer->AddActor(s.axes);
    s.renderer->AddViewProp(s.legend);
    s.renderer->AddViewProp(s.note);
}

void Projection3dScene::set_point_sprites(bool on) {
    Impl& s = *d_;
    for (Layer* l : {&s.cloud, &s.cloud_lod, &s.current, &s.current_lod})
        use_point_sprites(l->actor, on);
}

void Projection3dScene::set_note(const std::string& text) {
    d_->note->SetInput(text.c_str());
    d_->note->SetVisibility(!text.empty());
}

std::string Projection3dScene::note() const {
    const char* t = d_->note->GetInput();
    return d_->note->GetVisibility() && t ? t : "";
}

void Projection3dScene::apply_palette() {
    Impl& s = *d_;
    s.background = rgb_of(colors::plot_background());
    s.foreground = rgb_of(colors::plot_foreground());
    const Rgb fg = s.foreground;
    s.renderer->SetBackground(s.background[0] / 255.0, s.background[1] / 255.0,
                              s.background[2] / 255.0);
    set_rgb(s.lines.actor->GetProperty(), fg);
    set_rgb(s.sphere->GetProperty(), fg);
    for (int a = 0; a < 3; ++a) {
        set_rgb(s.axes->GetTitleTextProperty(a), fg);
        set_rgb(s.axes->GetLabelTextProperty(a), fg);
    }
    set_rgb(s.axes->GetXAxesLinesProperty(), fg);
    set_rgb(s.axes->GetYAxesLinesProperty(), fg);
    set_rgb(s.axes->GetZAxesLinesProperty(), fg);
    for (vtkTextProperty* t : {s.legend->GetTitleTextProperty(), s.legend->GetLabelTextProperty(),
                               s.legend->GetAnnotationTextProperty()})
        set_rgb(t, fg);
    set_rgb(s.legend->GetBackgroundProperty(), s.background);
    set_rgb(s.note->GetTextProperty(), fg);
    s.note->GetTextProperty()->SetBackgroundColor(s.background[0] / 255.0, s.background[1] / 255.0,
                                                  s.background[2] / 255.0);
    for (auto& label : s.labels) {
        set_rgb(label->GetTextProperty(), fg);
        label->GetTextProperty()->SetBackgroundColor(
            s.background[0] / 255.0, s.background[1] / 255.0, s.background[2] / 255.0);
    }
}

Projection3dScene::~Projection3dScene() {
    d_->renderer->RemoveObserver(d_->on_start_tag);
}

void Projection3dScene::set_points(const std::vector<Point>& points, const std::vector<int>& states,
                                   std::size_t rows, std::size_t tokens) {
    Impl& s = *d_;
    s.states = states;
    s.rows = rows;
    s.tokens = tokens;
    s.all_points->Reset();
    s.all_points->SetDataTypeToFloat();  // what OpenGL draws; half the memory of doubles
    s.all_points->SetNumberOfPoints(static_cast<vtkIdType>(points.size()));
    for (std::size_t i = 0; i < points.size(); ++i)
        s.all_points->SetPoint(static_cast<vtkIdType>(i), points[i].data());
    s.all_points->Modified();

    const std::size_t lod_step =
        std::max<std::size_t>(1, (points.size() + kLodPoints - 1) / kLodPoints);
    s.lod_step = lod_step;
    s.path_step = std::max<std::size_t>(1, (tokens + kPathsMax - 1) / kPathsMax);
    {
        std::vector<std::array<float, 3>> fp(points.size());
        for (std::size_t i = 0; i < points.size(); ++i)
            fp[i] = {static_cast<float>(points[i][0]), static_cast<float>(points[i][1]),
                     static_cast<float>(points[i][2])};
        const std::array<double, 6> b = s.bounds();
        s.density->set_points(std::move(fp), b.data());
    }
    auto verts = Ptr<vtkCellArray>::New(), lod_verts = Ptr<vtkCellArray>::New();
    for (vtkIdType i = 0; i < static_cast<vtkIdType>(points.size()); ++i) {
        verts->InsertNextCell(1, &i);
        if (static_cast<std::size_t>(states[static_cast<std::size_t>(i)]) % tokens % lod_step == 0)
            lod_verts->InsertNextCell(1, &i);
    }
    s.cloud.data->SetVerts(verts);
    s.cloud_lod.data->SetVerts(lod_verts);

    // Point id of every (row, token), -1 when null; a token's path breaks at null states.
    std::vector<vtkIdType> id(rows * tokens, -1);
    for (std::size_t i = 0; i < states.size(); ++i)
        id[static_cast<std::size_t>(states[i])] = static_cast<vtkIdType>(i);
    auto lines = Ptr<vtkCellArray>::New(), lod_lines = Ptr<vtkCellArray>::New();
    std::vector<vtkIdType> run;
    for (std::size_t t = 0; t < tokens; ++t) {
        run.clear();
        for (std::size_t row = 0; row <= rows; ++row) {
            const vtkIdType pid = row < rows ? id[row * tokens + t] : -1;
            if (pid >= 0) {
                run.push_back(pid);
                continue;
            }
            if (run.size() >= 2) {
                if (t % s.path_step == 0)
                    lines->InsertNextCell(static_cast<vtkIdType>(run.size()), run.data());
                if (t % lod_step == 0)
                    lod_lines->InsertNextCell(static_cast<vtkIdType>(run.size()), run.data());
            }
            run.clear();
        }
    }
    s.lines.data->SetLines(lines);
    s.lines.data->Modified();
    s.lines_lod.data->SetLines(lod_lines);
    s.lines_lod.data->Modified();
    s.cloud_lod.data->Modified();
    set_moving(false);  // ends a level of detail the camera left on, multisampling included
}

void Projection3dScene::set_axes(const std::array<std::string, 3>& titles, bool spherized) {
    Impl& s = *d_;
    std::array<double, 6> bounds = s.bounds();
    if (spherized) {
        for (int a = 0; a < 3; ++a) {
            bounds[2 * a] = std::min(bounds[2 * a], -1.0);
            bounds[2 * a + 1] = std::max(bounds[2 * a + 1], 1.0);
        }
    }
    s.axes->SetBounds(bounds.data());
    s.axes->SetXTitle(titles[0].c_str());
    s.axes->SetYTitle(titles[1].c_str());
    s.axes->SetZTitle(titles[2].c_str());
    s.axes->SetVisibility(s.all_points->GetNumberOfPoints() > 0);
    s.legend->SetVisibility(s.has_legend && s.all_points->GetNumberOfPoints() > 0);
    s.sphere->SetVisibility(spherized);
}

void Projection3dScene::set_colors(const std::vector<Rgb>& colors) {
    Impl& s = *d_;
    auto rgb = Ptr<vtkUnsignedCharArray>::New();
    rgb->SetName("colour");
    rgb->SetNumberOfComponents(3);
    rgb->SetNumberOfTuples(static_cast<vtkIdType>(colors.size()));
    for (std::size_t i = 0; i < colors.size(); ++i)
        rgb->SetTypedTuple(static_cast<vtkIdType>(i), colors[i].data());
    // One array serves every layer that colours points by their state.
    for (Layer* l : {&s.cloud, &s.cloud_lod, &s.current}) {
        l->data->GetPointData()->SetScalars(rgb);
        l->data->Modified();
    }
}

void Projection3dScene::set_legend(const Legend& legend) {
    d_->color_legend = legend;
    if (!d_->density_on) show_legend(legend);
}

Projection3dScene::Legend Projection3dScene::density_legend() const {
    Legend legend;
    legend.title = "points per pixel";
    for (int i = 0; i < 64; ++i)
        legend.ramp.push_back(rgb_of(colors::sample(colors::Map::Viridis, i / 63.0)));
    // Until the first density frame: a placeholder decade. Then the image's range (on_frame).
    const bool known = d_->density_range[1] > 0;
    legend.low = known ? d_->density_range[0] : 1.0;
    legend.high = known ? d_->density_range[1] : 10.0;
    legend.log = true;
    return legend;
}

void Projection3dScene::set_density(bool on) {
    Impl& s = *d_;
    s.density_on = on;
    set_moving(s.lod);  // which of the cloud, its stand-in and the density is visible
    show_legend(on ? density_legend() : s.color_legend);
}

bool Projection3dScene::density() const {
    return d_->density_on;
}

std::size_t Projection3dScene::path_step() const {
    return d_->path_step;
}

std::size_t Projection3dScene::lod_step() const {
    return d_->lod_step;
}

const DensityImage& Projection3dScene::last_density() const {
    return d_->density->last_image();
}

void Projection3dScene::show_legend(const Legend& legend) {
    Impl& s = *d_;
    s.has_legend = !legend.title.empty();
    vtkLookupTable* lut = s.legend_colors;
    lut->ResetAnnotations();
    const auto set_entry = [lut](vtkIdType i, Rgb c) {
        lut->SetTableValue(i, c[0] / 255.0, c[1] / 255.0, c[2] / 255.0, 1.0);
    };
    if (!legend.categories.empty()) {
        // One swatch per category, its name beside it (vtkScalarBarActor's indexed mode).
        const auto n = static_cast<vtkIdType>(legend.categories.size());
        lut->IndexedLookupOn();
        lut->SetNumberOfTableValues(n);
        for (vtkIdType i = 0; i < n; ++i) {
            set_entry(i, legend.categories[static_cast<std::size_t>(i)].second);
            lut->SetAnnotation(vtkVariant(static_cast<int>(i)),
                               legend.categories[static_cast<std::size_t>(i)].first);
        }
        lut->SetRange(0, static_cast<double>(n - 1));
        s.legend->DrawAnnotationsOn();
    } else {
        lut->IndexedLookupOff();
        lut->SetScale(legend.log && legend.low > 0 ? VTK_SCALE_LOG10 : VTK_SCALE_LINEAR);
        const std::vector<Rgb> ramp =
            legend.ramp.empty() ? std::vector<Rgb>{s.foreground} : legend.ramp;
        lut->SetNumberOfTableValues(static_cast<vtkIdType>(ramp.size()));
        for (std::size_t i = 0; i < ramp.size(); ++i) set_entry(static_cast<vtkIdType>(i), ramp[i]);
        // A range of one value (a single layer) is widened so the bar still has two ends.
        const double low = legend.low, high = legend.high > legend.low ? legend.high : low + 1;
        lut->SetRange(low, high);
        s.legend->DrawAnnotationsOff();
        const double span = high - low;
        s.legend->SetNumberOfLabels(
            legend.integers ? static_cast<int>(std::clamp(span, 1.0, 4.0)) + 1 : 3);
        s.legend->SetLabelFormat(legend.integers ? "%.0f" : "%-#6.3g");
    }
    lut->Build();
    lut->Modified();
    s.legend->SetTitle(legend.title.c_str());
    s.legend->SetMaximumNumberOfColors(
        std::max(2, static_cast<int>(lut->GetNumberOfTableValues())));
    s.legend->SetVisibility(s.has_legend && s.all_points->GetNumberOfPoints() > 0);
}

void Projection3dScene::set_presentation(bool on) {
    d_->presentation = on;
    for (int a = 0; a < 3; ++a) {
        d_->axes->GetTitleTextProperty(a)->SetFontSize(on ? 22 : 14);
        d_->axes->GetLabelTextProperty(a)->SetFontSize(on ? 18 : 11);
    }
    d_->legend->GetTitleTextProperty()->SetFontSize(on ? 20 : 13);
    d_->legend->GetLabelTextProperty()->SetFontSize(on ? 17 : 11);
    d_->legend->GetAnnotationTextProperty()->SetFontSize(on ? 17 : 11);
    d_->note->GetTextProperty()->SetFontSize(on ? 20 : 13);
}

void Projection3dScene::set_point_size(int px) {
    Impl& s = *d_;
    const double size = px * (s.presentation ? 1.5 : 1.0);
    s.cloud.actor->GetProperty()->SetPointSize(static_cast<float>(size));
    s.current.actor->GetProperty()->SetPointSize(static_cast<float>(size * 2.2));
    s.density->set_radius(std::max(1.0, size / 2));
    s.selected.actor->GetProperty()->SetPointSize(static_cast<float>(size * 1.6));
    s.selected.actor->GetProperty()->SetLineWidth(s.presentation ? 5.0f : 3.0f);
}

void Projection3dScene::set_overlays(int current_row, const std::vector<Marked>& marked) {
    Impl& s = *d_;
    for (auto& label : s.labels) s.renderer->RemoveActor(label);
    s.labels.clear();
    const std::size_t n_tokens = s.tokens;
    auto current = Ptr<vtkCellArray>::New();
    auto sel_verts = Ptr<vtkCellArray>::New();
    auto sel_lines = Ptr<vtkCellArray>::New();
    std::vector<vtkIdType> path;
    std::vector<vtkIdType> id_of(s.rows * n_tokens, -1);
    std::vector<vtkIdType> current_ids;
    for (std::size_t i = 0; i < s.states.size(); ++i) {
        id_of[static_cast<std::size_t>(s.states[i])] = static_cast<vtkIdType>(i);
        if (static_cast<int>(static_cast<std::size_t>(s.states[i]) / n_tokens) == current_row) {
            const vtkIdType pid = static_cast<vtkIdType>(i);
            current->InsertNextCell(1, &pid);
            current_ids.push_back(pid);
        }
    }
    for (const Marked& m : marked) {
        if (m.token < 0 || static_cast<std::size_t>(m.token) >= n_tokens) continue;
        path.clear();
        // The label stands at the token's last state up to the current row (else its first).
        vtkIdType label_at = -1;
        for (std::size_t r = 0; r < s.rows; ++r) {
            const vtkIdType pid = id_of[r * n_tokens + static_cast<std::size_t>(m.token)];
            if (pid < 0) continue;
            path.push_back(pid);
            sel_verts->InsertNextCell(1, &pid);
            if (static_cast<int>(r) <= current_row || label_at < 0) label_at = pid;
        }
        if (path.size() >= 2)
            sel_lines->InsertNextCell(static_cast<vtkIdType>(path.size()), path.data());
        // A lasso can select thousands of tokens: their paths are drawn, the first few labelled.
        if (label_at < 0 || s.labels.size() >= kLabelsMax) continue;
        auto label = Ptr<vtkBillboardTextActor3D>::New();
        label->SetInput(m.label.c_str());
        label->SetPosition(s.all_points->GetPoint(label_at));
        label->SetDisplayOffset(8, 8);
        vtkTextProperty* text = label->GetTextProperty();
        text->SetFontSize(s.presentation ? 24 : 15);
        text->SetBold(true);
        set_rgb(text, s.foreground);
        text->SetBackgroundColor(s.background[0] / 255.0, s.background[1] / 255.0,
                                 s.background[2] / 255.0);
        text->SetBackgroundOpacity(0.75);
        s.renderer->AddActor(label);
        s.labels.push_back(label);
    }
    s.current.data->SetVerts(current);
    s.current.data->Modified();
    auto current_lod = Ptr<vtkCellArray>::New();
    for (const vtkIdType pid : current_ids)
        if (static_cast<std::size_t>(s.states[static_cast<std::size_t>(pid)]) % n_tokens %
                s.lod_step ==
            0)
            current_lod->InsertNextCell(1, &pid);
    s.current_lod.data->SetVerts(current_lod);
    s.current_lod.data->Modified();
    s.selected.data->SetVerts(sel_verts);
    s.selected.data->SetLines(sel_lines);
    s.selected.data->Modified();
}

void Projection3dScene::look(Look from) {
    Impl& s = *d_;
    vtkCamera* c = s.renderer->GetActiveCamera();
    const std::array<double, 6> b = s.bounds();
    const double centre[3] = {(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2};
    c->SetFocalPoint(centre);
    switch (from) {
        case Look::Oblique:
            c->SetPosition(centre[0] + 1.0, centre[1] + 0.7, centre[2] + 1.3);
            c->SetViewUp(0, 1, 0);
            break;
        case Look::Front:  // axes 1 and 2 in the screen plane
            c->SetPosition(centre[0], centre[1], centre[2] + 1.0);
            c->SetViewUp(0, 1, 0);
            break;
        case Look::Top:  // axes 1 and 3
            c->SetPosition(centre[0], centre[1] + 1.0, centre[2]);
            c->SetViewUp(0, 0, -1);
            break;
        case Look::Side:  // axes 3 and 2
            c->SetPosition(centre[0] + 1.0, centre[1], centre[2]);
            c->SetViewUp(0, 1, 0);
            break;
    }
    // The axis pointing at the viewer would collapse into a pile of tick labels: hide it until
    // the user turns the camera (the view calls show_all_axes() on any press or key).
    s.axes->SetXAxisVisibility(from != Look::Side);
    s.axes->SetYAxisVisibility(from != Look::Top);
    s.axes->SetZAxisVisibility(from != Look::Front);
    s.renderer->ResetCamera(b.data());
    // The clipping range as set_camera() computes it, so that a camera restored from a session or
    // an export's provenance draws the very same picture: flat sprites at nearly equal depths
    // are ordered by the depth buffer, which a different near/far plane can flip.
    s.renderer->ResetCameraClippingRange();
}

void Projection3dScene::show_all_axes() {
    d_->axes->SetXAxisVisibility(true);
    d_->axes->SetYAxisVisibility(true);
    d_->axes->SetZAxisVisibility(true);
}

Projection3dScene::Camera Projection3dScene::camera() const {
    vtkCamera* c = d_->renderer->GetActiveCamera();
    Camera out;
    c->GetPosition(out.position.data());
    c->GetFocalPoint(out.focal_point.data());
    c->GetViewUp(out.view_up.data());
    return out;
}

void Projection3dScene::set_camera(const Camera& cam) {
    vtkCamera* c = d_->renderer->GetActiveCamera();
    c->SetPosition(cam.position.data());
    c->SetFocalPoint(cam.focal_point.data());
    c->SetViewUp(cam.view_up.data());
    d_->renderer->ResetCameraClippingRange();
}

double Projection3dScene::parallel_scale() const {
    return d_->renderer->GetActiveCamera()->GetParallelScale();
}

bool Projection3dScene::legend_visible() const {
    return d_->legend->GetVisibility() != 0;
}

std::string Projection3dScene::legend_title() const {
    const char* t = d_->legend->GetTitle();
    return t ? t : "";
}

std::array<double, 4> Projection3dScene::legend_box() const {
    const double* p = d_->legend->GetPosition();
    const double* p2 = d_->legend->GetPosition2();
    return {p[0], p[1], p[0] + p2[0], p[1] + p2[1]};
}

bool Projection3dScene::set_moving(bool on) {
    Impl& s = *d_;
    const bool lod = on && static_cast<std::size_t>(s.all_points->GetNumberOfPoints()) > kLodAbove;
    const bool changed = lod != s.lod;
    s.lod = lod;
    s.cloud.actor->SetVisibility(!lod && !s.density_on);
    s.density_actor->SetVisibility(!lod && s.density_on);
    // Over the density, the thinner set of paths: 2 000 dark lines through each arm of a cloud
    // of a million points turn it black and hide the density they cross.
    s.lines.actor->SetVisibility(!lod && !s.density_on);
    s.cloud_lod.actor->SetVisibility(lod);
    s.lines_lod.actor->SetVisibility(lod || s.density_on);
    // The current layer's states, drawn larger, would bury the density (30 000 sprites over a
    // million points): with density on they are not drawn; the selected tokens still are.
    s.current.actor->SetVisibility(!lod && !s.density_on);
    s.current_lod.actor->SetVisibility(lod);
    // Multisampling off while moving: on llvmpipe VTK's default 8x MSAA costs ~30 ms a frame
    // whatever the scene (a 1 000-point frame: 28 vs 136 frames/s), more than the points. The
    // still frame, and every export, keeps it.
    // The stand-in points are coloured as the cloud is: their legend while the camera moves.
    if (changed && s.density_on) show_legend(lod ? s.color_legend : density_legend());
    vtkRenderWindow* win = s.renderer->GetRenderWindow();
    if (changed && win) {
        if (lod) {
            s.still_multisamples = win->GetMultiSamples();
            win->SetMultiSamples(0);
        } else if (s.still_multisamples >= 0) {
            win->SetMultiSamples(s.still_multisamples);
        }
    }
    return lod;
}

std::size_t Projection3dScene::lod_point_count() const {
    return static_cast<std::size_t>(d_->cloud_lod.data->GetNumberOfVerts());
}

std::vector<std::size_t> Projection3dScene::lasso(const std::vector<Point>& points,
                                                  const std::vector<std::array<double, 2>>& polygon,
                                                  int width, int height) const {
    if (width <= 0 || height <= 0) return {};
    vtkMatrix4x4* m = d_->renderer->GetActiveCamera()->GetCompositeProjectionTransformMatrix(
        double(width) / double(height), -1, 1);
    return points_in_lasso(points, m->GetData(), width, height, polygon);
}

int Projection3dScene::pick(const std::vector<Point>& points, std::array<double, 2> at, int width,
                            int height) const {
    if (width <= 0 || height <= 0) return -1;
    vtkMatrix4x4* m = d_->renderer->GetActiveCamera()->GetCompositeProjectionTransformMatrix(
        double(width) / double(height), -1, 1);
    return nearest_point(points, m->GetData(), at, width, height);
}

}  // namespace es::widgets
