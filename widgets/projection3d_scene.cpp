// Projection3dScene: points, paths and colours (the legend, overlays, camera and picking are in
// projection3d_scene_camera.cpp; the shared pipeline in projection3d_scene_impl.h).
#include "projection3d_scene_impl.h"

namespace es::widgets {

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
    s.density->set_on_frame([this](const DensityImage& img) {
        // The legend follows the range of the image just drawn (it changes with the zoom); the
        // legend is drawn after the density, so it shows this frame's range.
        Impl& impl = *d_;
        if (!impl.density_on || img.max <= 0) return;
        const std::array<double, 2> range{img.min_nonzero, img.max};
        if (range == impl.density_range) return;
        impl.density_range = range;
        impl.legend->set_spec(density_legend());
    });
    s.raster_actor->SetMapper(s.raster);
    s.raster_actor->PickableOff();
    s.raster_actor->VisibilityOff();
    s.current_raster_actor->SetMapper(s.current_raster);
    s.current_raster_actor->PickableOff();
    s.current_raster_actor->VisibilityOff();
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
    // points: an export's DPI scales it with the image, and the layout follows the text.
    s.legend->VisibilityOff();
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
    s.renderer->AddActor(s.raster_actor);
    s.renderer->AddActor(s.lines_lod.actor);
    s.renderer->AddActor(s.cloud_lod.actor);
    s.renderer->AddActor(s.current.actor);
    s.renderer->AddActor(s.current_raster_actor);
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

void Projection3dScene::set_raster(Raster mode) {
    d_->raster_mode = mode;
    set_moving(d_->lod);  // which of the cloud and its raster is visible
}

void Projection3dScene::set_raster_current(bool on) {
    d_->current_rasterised = on;
    set_moving(d_->lod);
}

void Projection3dScene::update_current_raster() {
    Impl& s = *d_;
    std::vector<std::array<float, 3>> points;
    std::vector<Rgb> colors;
    points.reserve(s.current_ids.size());
    colors.reserve(s.current_ids.size());
    for (const vtkIdType pid : s.current_ids) {
        if (pid >= s.all_points->GetNumberOfPoints()) continue;  // of points set since
        double p[3];
        s.all_points->GetPoint(pid, p);
        points.push_back(
            {static_cast<float>(p[0]), static_cast<float>(p[1]), static_cast<float>(p[2])});
        const auto i = static_cast<std::size_t>(pid);
        colors.push_back(i < s.colors.size() ? s.colors[i] : s.foreground);
    }
    // The cloud's bounds: the depth fade runs over the same range as the cloud's.
    const std::array<double, 6> b = s.bounds();
    s.current_raster->set_points(std::move(points), b.data());
    s.current_raster->set_colors(std::move(colors));
}

const PointRaster& Projection3dScene::last_current_raster() const {
    return d_->current_raster->last_image();
}

bool Projection3dScene::raster() const {
    return d_->raster_actor->GetVisibility() != 0;
}

const PointRaster& Projection3dScene::last_raster() const {
    return d_->raster->last_image();
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
    update_raster_style();
    for (int a = 0; a < 3; ++a) {
        set_rgb(s.axes->GetTitleTextProperty(a), fg);
        set_rgb(s.axes->GetLabelTextProperty(a), fg);
    }
    set_rgb(s.axes->GetXAxesLinesProperty(), fg);
    set_rgb(s.axes->GetYAxesLinesProperty(), fg);
    set_rgb(s.axes->GetZAxesLinesProperty(), fg);
    s.legend->set_colors(fg, s.background);
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
    s.current_ids.clear();  // until set_overlays() names the new points

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
        s.raster->set_points(fp, b.data());
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
    s.raster->set_colors(colors);
    s.colors = colors;
    update_current_raster();
    // One array serves every layer that colours points by their state.
    for (Layer* l : {&s.cloud, &s.cloud_lod, &s.current}) {
        l->data->GetPointData()->SetScalars(rgb);
        l->data->Modified();
    }
}

}  // namespace es::widgets
