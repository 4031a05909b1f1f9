// Projection3dScene::frame(): the camera fitted to what is drawn in one frame (an export's, or
// the screen's on reset).
//
// Why measured and not computed from the bounds: vtkRenderer::ResetCamera() fits the bounding
// sphere of the points' box into the vertical view angle, which leaves wide empty bands (the
// sphere is larger than the box's picture, most of all at an oblique look) and knows nothing of
// what is drawn around the box: the tick labels and titles of the cube axes stand outside it and
// were cut at the frame's edge (a 1280 x 800 export of a million points: ~170 px empty above the
// cloud, PC1's and PC3's far "100" cut at the bottom). The texts' extents depend on the fonts,
// the DPI and which edges the cube axes pick for this camera, so the cheap props are rendered as
// they stand and their pixels measured; the cloud, which can be millions of points, is projected
// instead of drawn (its sprites' radius added).
#include "projection3d_scene_impl.h"

#include <QImage>

namespace es::widgets {

namespace {

using Box = std::array<double, 4>;  // x0, y0, x1, y1: pixels from the bottom left
constexpr Box kNothing{1e300, 1e300, -1e300, -1e300};
// Renders before giving up on settling (each draws the axes and texts alone: cheap).
constexpr int kProbesMax = 12;

bool is_empty(const Box& b) {
    return b[0] > b[2] || b[1] > b[3];
}

void grow(Box& b, const Box& o) {
    b = {std::min(b[0], o[0]), std::min(b[1], o[1]), std::max(b[2], o[2]), std::max(b[3], o[3])};
}

// The box of the pixels of `image` (rows top-down, as QImage holds them) that are not the
// background colour.
Box drawn_box(const QImage& image, Projection3dScene::Rgb bg) {
    const QRgb background = qRgb(bg[0], bg[1], bg[2]) & 0xffffffu;
    const int w = image.width(), h = image.height();
    int x0 = w, x1 = -1, y0 = h, y1 = -1;
    for (int y = 0; y < h; ++y) {
        const auto* row = reinterpret_cast<const QRgb*>(image.constScanLine(y));
        int first = -1, last = -1;
        for (int x = 0; x < w; ++x) {
            if ((row[x] & 0xffffffu) == background) continue;
            if (first < 0) first = x;
            last = x;
        }
        if (first < 0) continue;
        x0 = std::min(x0, first);
        x1 = std::max(x1, last);
        y0 = std::min(y0, y);
        y1 = std::max(y1, y);
    }
    if (x1 < 0) return kNothing;
    return {double(x0), double(h - 1 - y1), double(x1 + 1), double(h - y0)};
}

// The box of `points` projected by `camera` into a width x height frame, each grown by `pad`
// pixels (its sprite's radius).
Box projected_box(vtkPoints* points, vtkCamera* camera, int w, int h, double pad) {
    vtkMatrix4x4* m = camera->GetCompositeProjectionTransformMatrix(double(w) / h, -1, 1);
    const double* e = m->GetData();  // row-major
    Box b = kNothing;
    const vtkIdType n = points->GetNumberOfPoints();
    for (vtkIdType i = 0; i < n; ++i) {
        double p[3];
        points->GetPoint(i, p);
        const double cw = e[12] * p[0] + e[13] * p[1] + e[14] * p[2] + e[15];
        if (cw <= 0) continue;  // behind the camera: not drawn
        const double x = (e[0] * p[0] + e[1] * p[1] + e[2] * p[2] + e[3]) / cw;
        const double y = (e[4] * p[0] + e[5] * p[1] + e[6] * p[2] + e[7]) / cw;
        const double px = (x + 1) / 2 * w, py = (y + 1) / 2 * h;
        grow(b, {px - pad, py - pad, px + pad, py + pad});
    }
    return b;
}

// Moves `camera` so that the picture shifts by (dx, dy) pixels in a frame `h` pixels high, then
// magnifies it `k` times about the frame's centre (dolly: the camera's direction and the
// perspective stay, so the axes keep their look).
void shift_and_zoom(vtkCamera* camera, double dx, double dy, double k, int h) {
    const double world_per_px =
        camera->GetParallelProjection()
            ? 2 * camera->GetParallelScale() / h
            : 2 * camera->GetDistance() * std::tan(camera->GetViewAngle() * M_PI / 360) / h;
    const double* v = camera->GetViewTransformMatrix()->GetData();  // rows: right, up, back
    double pos[3], focal[3];
    camera->GetPosition(pos);
    camera->GetFocalPoint(focal);
    for (int a = 0; a < 3; ++a) {
        const double move = -(dx * v[a] + dy * v[4 + a]) * world_per_px;
        pos[a] += move;
        focal[a] += move;
    }
    camera->SetPosition(pos);
    camera->SetFocalPoint(focal);
    if (camera->GetParallelProjection())
        camera->SetParallelScale(camera->GetParallelScale() / k);
    else
        camera->Dolly(k);
}

void set_camera_only(vtkRenderer* renderer, const Projection3dScene::Camera& c) {
    vtkCamera* camera = renderer->GetActiveCamera();
    camera->SetPosition(c.position.data());
    camera->SetFocalPoint(c.focal_point.data());
    camera->SetViewUp(c.view_up.data());
    renderer->ResetCameraClippingRange();
}

}  // namespace

Projection3dScene::Framing Projection3dScene::frame(
    int w, int h, double scale, const std::function<QImage(int width, int height)>& probe) {
    Impl& s = *d_;
    Framing out;
    if (w < 16 || h < 16 || s.all_points->GetNumberOfPoints() == 0 || !probe) {
        s.last_framing = out;
        return out;
    }
    vtkCamera* const cam = s.renderer->GetActiveCamera();
    // The probes draw what cannot be computed (the axes with their texts, the sphere, the
    // selection and its labels); the clouds and paths are projected (the paths join the points),
    // the legend and the note are kept clear of.
    vtkProp* const hidden[] = {
        s.density_actor,     s.raster_actor,    s.cloud.actor,   s.lines.actor,
        s.cloud_lod.actor,   s.lines_lod.actor, s.current.actor, s.current_raster_actor,
        s.current_lod.actor, s.legend,          s.note};
    std::array<vtkTypeBool, std::size(hidden)> was{};
    for (std::size_t i = 0; i < std::size(hidden); ++i) {
        was[i] = hidden[i]->GetVisibility();
        hidden[i]->VisibilityOff();
    }
    const bool legend_on = was[9];
    const bool note_on = was[10];
    const bool density_drawn = was[0];
    // The density legend's labels follow the last density frame drawn (its range), which would
    // make this frame depend on what was drawn before: it starts from the empty range {0, 0},
    // and the range of this framing's own density frame is checked below.
    if (s.density_on) {
        s.density_range = {0, 0};
        s.legend->set_spec(density_legend());
    }

    // A margin of 2% of the smaller side (at least 4 px) at every edge and before the legend.
    const double margin = std::max(4.0, std::round(0.02 * std::min(w, h)));
    Box free{margin, margin, w - margin, h - margin};
    const auto keep_clear_of_overlays = [&] {
        if (legend_on) {
            const LegendLayout& legend = s.legend->layout_in(s.renderer);
            if (legend.panel.x1 > legend.panel.x0)
                free[2] = std::min(w - margin, legend.panel.x0 - margin);
        }
        if (note_on) {
            double note[4] = {0, 0, 0, 0};  // xmin, xmax, ymin, ymax
            s.note->GetBoundingBox(s.renderer, note);
            free[3] = std::min(h - margin, note[2] - margin);
        }
        // A frame too small for its overlays: the whole frame rather than nothing.
        if (free[2] - free[0] < 16 || free[3] - free[1] < 16)
            free = {margin, margin, w - margin, h - margin};
    };
    keep_clear_of_overlays();
    // The largest sprites drawn (the current layer's), at the frame's DPI (as the raster and the
    // density draw them), plus a pixel of antialiasing.
    const double pad = 0.5 * s.current.actor->GetProperty()->GetPointSize() * scale + 1;

    // The probes see a quarter of the frame beyond each edge: what the camera would cut is
    // measured too. The view angle (or parallel scale) grows with the canvas so that every pixel
    // keeps its offset from the centre and every text its size.
    const int ox = w / 4, oy = h / 4, pw = w + 2 * ox, ph = h + 2 * oy;
    // Without multisampling (on llvmpipe a good part of a frame's cost): an edge's antialiasing
    // is a pixel, within the margin.
    vtkRenderWindow* window = s.renderer->GetRenderWindow();
    const int multisamples = window ? window->GetMultiSamples() : 0;
    if (window) window->SetMultiSamples(0);
    const auto probe_box = [&] {
        const double angle = cam->GetViewAngle(), parallel = cam->GetParallelScale();
        cam->SetViewAngle(2 * std::atan(std::tan(angle * M_PI / 360) * ph / h) * 180 / M_PI);
        cam->SetParallelScale(parallel * ph / h);
        const QImage image = probe(pw, ph);
        cam->SetViewAngle(angle);
        cam->SetParallelScale(parallel);
        ++out.probes;
        Box box = image.isNull() ? kNothing : drawn_box(image, s.background);
        if (!is_empty(box)) box = {box[0] - ox, box[1] - oy, box[2] - ox, box[3] - oy};
        return box;
    };
    // Where a frame cannot hold it all (a pane a couple of hundred pixels high, where the tick
    // labels and titles alone are taller), the least cut of the cameras tried is kept.
    struct Tried {
        double overflow = 1e300;
        Camera camera;
        Box content = kNothing;
    };
    const auto fit = [&] {
        Tried best{1e300, camera(), kNothing};
        for (int i = 0; i < kProbesMax; ++i) {
            Box box = probe_box();
            grow(box, projected_box(s.all_points, cam, w, h, pad));
            out.content = box;
            out.free = free;
            if (is_empty(box)) return;
            const double fw = free[2] - free[0], fh = free[3] - free[1];
            const double bw = std::max(1.0, box[2] - box[0]), bh = std::max(1.0, box[3] - box[1]);
            const double k = std::clamp(std::min(fw / bw, fh / bh), 0.05, 20.0);
            const double bx = (box[0] + box[2]) / 2, by = (box[1] + box[3]) / 2;
            const double fx = (free[0] + free[2]) / 2, fy = (free[1] + free[3]) / 2;
            const double overflow =
                std::max(0.0, free[0] - box[0]) + std::max(0.0, free[1] - box[1]) +
                std::max(0.0, box[2] - free[2]) + std::max(0.0, box[3] - free[3]);
            out.converged =
                overflow <= 0.5 && k < 1.02 && std::abs(bx - fx) <= 1.5 && std::abs(by - fy) <= 1.5;
            if (out.converged) return;
            if (overflow < best.overflow - 0.5) best = {overflow, camera(), box};
            if (i + 1 == kProbesMax) {
                set_camera_only(s.renderer, best.camera);
                out.content = best.content;
                return;
            }
            // Shift the content's centre to where, once magnified k times about the frame's
            // centre, it lands on the free area's centre. Perspective and the texts' fixed size
            // make this inexact; the next probe measures again.
            const double cx = w / 2.0, cy = h / 2.0;
            shift_and_zoom(cam, (fx - cx) / k + cx - bx, (fy - cy) / k + cy - by, k, h);
            s.renderer->ResetCameraClippingRange();
        }
    };
    fit();
    if (density_drawn) {
        // The density frame at this camera sets the legend's range; wider labels move its panel
        // left, and the cloud is fitted again clear of it.
        s.density_actor->VisibilityOn();
        (void)probe(w, h);
        ++out.probes;
        s.density_actor->VisibilityOff();
        const double right = free[2];
        keep_clear_of_overlays();
        if (free[2] < right - 0.5) fit();
    }

    if (window) window->SetMultiSamples(multisamples);
    for (std::size_t i = 0; i < std::size(hidden); ++i) hidden[i]->SetVisibility(was[i]);
    s.renderer->ResetCameraClippingRange();
    if (s.framed) s.framed = Impl::Framed{s.framed->look, camera(), cam->GetViewAngle()};
    s.last_framing = out;
    return out;
}

}  // namespace es::widgets
