// Projection3dScene: the colour legend, overlays (current layer, selection, labels), camera,
// level of detail while moving, lasso and picking.
#include "projection3d_scene_impl.h"

namespace es::widgets {

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
    s.legend->set_spec(legend);
    s.legend->SetVisibility(s.has_legend && s.all_points->GetNumberOfPoints() > 0);
}

void Projection3dScene::set_presentation(bool on) {
    d_->presentation = on;
    for (int a = 0; a < 3; ++a) {
        d_->axes->GetTitleTextProperty(a)->SetFontSize(on ? 22 : 14);
        d_->axes->GetLabelTextProperty(a)->SetFontSize(on ? 18 : 11);
    }
    d_->legend->set_font_sizes(on ? 20 : 13, on ? 17 : 11);
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
    update_raster_style();
}

void Projection3dScene::update_raster_style() {
    Impl& s = *d_;
    const std::array<double, 3> bg{s.background[0] / 255.0, s.background[1] / 255.0,
                                   s.background[2] / 255.0};
    s.raster->set_style(s.cloud.actor->GetProperty()->GetPointSize(), bg, kDepthCue);
    s.current_raster->set_style(s.current.actor->GetProperty()->GetPointSize(), bg, kDepthCue);
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
    s.current_ids = current_ids;
    update_current_raster();
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
    s.framed = Impl::Framed{from, camera(), c->GetViewAngle()};
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

void Projection3dScene::set_camera(const Camera& cam, std::optional<Look> framed) {
    vtkCamera* c = d_->renderer->GetActiveCamera();
    c->SetPosition(cam.position.data());
    c->SetFocalPoint(cam.focal_point.data());
    c->SetViewUp(cam.view_up.data());
    d_->renderer->ResetCameraClippingRange();
    if (framed)
        d_->framed = Impl::Framed{*framed, camera(), c->GetViewAngle()};
    else
        d_->framed.reset();
}

std::optional<Projection3dScene::Look> Projection3dScene::framed_look() const {
    const Impl& s = *d_;
    if (!s.framed) return std::nullopt;
    vtkCamera* c = s.renderer->GetActiveCamera();
    const Camera now = camera();
    // Bit-identical on purpose: any move of the camera (the mouse, set_camera, a test's Zoom)
    // makes it the user's, and only an untouched framing is fitted again for another frame.
    const bool same = now.position == s.framed->camera.position &&
                      now.focal_point == s.framed->camera.focal_point &&
                      now.view_up == s.framed->camera.view_up &&
                      c->GetViewAngle() == s.framed->view_angle;
    if (!same) return std::nullopt;
    return s.framed->look;
}

const Projection3dScene::Framing& Projection3dScene::last_framing() const {
    return d_->last_framing;
}

double Projection3dScene::parallel_scale() const {
    return d_->renderer->GetActiveCamera()->GetParallelScale();
}

bool Projection3dScene::legend_visible() const {
    return d_->legend->GetVisibility() != 0;
}

std::string Projection3dScene::legend_title() const {
    return d_->legend->spec().title;
}

std::array<double, 4> Projection3dScene::legend_box() const {
    // The panel as last drawn (on screen or in an export), in that viewport's fractions.
    const auto [w, h] = d_->legend->last_size();
    if (w <= 0 || h <= 0) return {0, 0, 0, 0};
    const LegendRect& p = d_->legend->last_layout().panel;
    return {p.x0 / w, p.y0 / h, p.x1 / w, p.y1 / h};
}

bool Projection3dScene::set_moving(bool on) {
    Impl& s = *d_;
    const bool lod = on && static_cast<std::size_t>(s.all_points->GetNumberOfPoints()) > kLodAbove;
    const bool changed = lod != s.lod;
    s.lod = lod;
    s.cloud.actor->SetVisibility(!lod && !s.density_on && !s.raster_on());
    s.raster_actor->SetVisibility(!lod && !s.density_on && s.raster_on());
    s.density_actor->SetVisibility(!lod && s.density_on);
    // Over the density, the thinner set of paths: 2 000 dark lines through each arm of a cloud
    // of a million points turn it black and hide the density they cross.
    s.lines.actor->SetVisibility(!lod && !s.density_on);
    s.cloud_lod.actor->SetVisibility(lod);
    s.lines_lod.actor->SetVisibility(lod || s.density_on);
    // The current layer's states, drawn larger, would bury the density (30 000 sprites over a
    // million points): with density on they are not drawn; the selected tokens still are.
    const bool current_raster = s.raster_on() && s.current_rasterised;
    s.current.actor->SetVisibility(!lod && !s.density_on && !current_raster);
    s.current_raster_actor->SetVisibility(!lod && !s.density_on && current_raster);
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
