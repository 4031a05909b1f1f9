// Frame rate of the 3D projection view with a large scene: 200k points (20 layers x 10k tokens)
// and 10k token polylines, orbiting the camera. A benchmark, not a test: it prints figures and
// asserts nothing about speed (run under xvfb-run; packaging/bench.sh does).
//   bench_projection3d [--points-per-layer N] [--layers L] [--frames F]
// Reference in the same run: the same view and window with a 1k-point scene, so the figure can
// be read as a ratio to what the bridge and the window system cost on their own.
#include <sys/resource.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QTest>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>

#include <vtkCamera.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkMatrix4x4.h>
#include <vtkProp.h>
#include <vtkPropCollection.h>
#include <vtkRenderer.h>

#include "analysis/project.h"
#include "projection3d_raster.h"
#include "projection3d_scene.h"
#include "projection3d_view.h"
#include "vtk/vtk_gl_widget.h"

namespace {

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

es::analysis::ProjectResult synthetic(std::size_t layers, std::size_t tokens,
                                      std::vector<es::TokenInfo>& token_info) {
    es::analysis::ProjectResult r;
    r.stream = "resid";
    r.tokens = tokens;
    r.axis_labels = {"PC1", "PC2", "PC3"};
    r.explained_variance = {0.3, 0.2, 0.1};
    std::mt19937 g(7);
    std::normal_distribution<double> nd;
    // Each token drifts outwards layer by layer (the residual stream's growing norm).
    std::vector<std::array<double, 3>> pos(tokens);
    for (auto& p : pos) p = {nd(g), nd(g), nd(g)};
    for (std::size_t l = 0; l < layers; ++l) {
        r.layers.push_back("blocks." + std::to_string(l) + ".hook_resid_post");
        r.states.push_back(l);
        std::vector<std::optional<std::array<double, 3>>> row(tokens);
        for (std::size_t t = 0; t < tokens; ++t) {
            for (double& c : pos[t]) c = c * 1.08 + 0.1 * nd(g);
            row[t] = pos[t];
        }
        r.coordinates.push_back(std::move(row));
    }
    token_info.resize(tokens);
    for (std::size_t t = 0; t < tokens; ++t) {
        token_info[t].text = "tok" + std::to_string(t);
        token_info[t].prompt = t / 512;
        token_info[t].position = t % 512;
    }
    return r;
}

struct Figures {
    double set_result_ms = 0, fps = 0, ms_per_frame = 0;
    double moving_fps = 0, moving_ms_per_frame = 0;    // level of detail while the camera moves
    double density_fps = 0, density_ms_per_frame = 0;  // still, drawn as density
    double spheres_fps = 0;     // still, points as VTK's lit spheres instead of our sprites
    double gl_sprites_fps = 0;  // still, points as GL sprites instead of the CPU raster
    // The CPU raster alone (rasterize_points of the still frame): CPU and wall ms a frame, on
    // one thread and on two; CPU time does not depend on what else the machine runs.
    double raster_cpu_ms[2] = {0, 0}, raster_wall_ms[2] = {0, 0};
    bool raster = false;  // whether the still frame was rasterised by the CPU
    // Still, with the raster on: the current layer's larger sprites drawn as GL sprites over it
    // (before) or rasterised with it (after), A/B/A/B in this process; frames/s and the CPU
    // time of the whole process (llvmpipe's threads included) a frame.
    double current_fps[2] = {0, 0}, current_cpu_ms[2] = {0, 0};
    std::size_t moving_points = 0;
};

// Orbits the camera by one full turn in `frames` steps; frames per second actually drawn.
double orbit(vtkGenericOpenGLRenderWindow* win, vtkCamera* cam, int frames) {
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < frames; ++i) {
        cam->Azimuth(360.0 / frames);
        win->Render();
        win->WaitForCompletion();  // glFinish: count frames the GPU (llvmpipe) actually drew
    }
    return frames / (static_cast<double>(clock.nsecsElapsed()) / 1e9);
}

Figures measure(std::size_t layers, std::size_t tokens, int frames) {
    std::vector<es::TokenInfo> info;
    const es::analysis::ProjectResult r = synthetic(layers, tokens, info);
    es::widgets::Projection3dView view;
    view.resize(1280, 800);
    view.show();
    if (!QTest::qWaitForWindowExposed(&view)) std::fprintf(stderr, "window not exposed\n");
    Figures f;
    QElapsedTimer clock;
    clock.start();
    view.set_draw(es::widgets::Projection3dView::Draw::Points);
    view.set_result(r, info);
    f.set_result_ms = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    vtkGenericOpenGLRenderWindow* win = view.gl_widget()->render_window();
    vtkCamera* cam = view.gl_widget()->renderer()->GetActiveCamera();
    for (int i = 0; i < 3; ++i) {  // warm-up: shader compilation, buffer upload
        win->Render();
        win->WaitForCompletion();
    }
    f.fps = orbit(win, cam, frames);  // still: the full scene (what an export shows)
    f.ms_per_frame = 1000.0 / f.fps;
    f.raster = view.scene()->raster();
    const char* snapshot = std::getenv("BENCH_SNAPSHOT");
    if (snapshot) view.gl_widget()->grabFramebuffer().save(QString(snapshot) + "-points.png");
    {
        std::vector<std::array<float, 3>> pts;
        for (const auto& p : view.points()) pts.push_back({float(p[0]), float(p[1]), float(p[2])});
        const std::vector<std::array<std::uint8_t, 3>> rgb(pts.size(), {200, 180, 40});
        int w = 0, h = 0;
        w = win->GetSize()[0];
        h = win->GetSize()[1];
        vtkMatrix4x4* m = cam->GetCompositeProjectionTransformMatrix(double(w) / h, -1, 1);
        es::widgets::RasterStyle style;
        style.size = view.point_size();
        for (int t = 1; t <= 2; ++t) {
            const double c0 = cpu_seconds();
            clock.restart();
            for (int i = 0; i < 3; ++i)
                es::widgets::rasterize_points(pts, rgb, m->GetData(), w, h, style, t);
            f.raster_wall_ms[t - 1] = static_cast<double>(clock.nsecsElapsed()) / 3e6;
            f.raster_cpu_ms[t - 1] = (cpu_seconds() - c0) * 1000.0 / 3;
        }
    }
    if (f.raster) {
        for (int round = 0; round < 2; ++round)
            for (int rasterised = 0; rasterised < 2; ++rasterised) {
                view.scene()->set_raster_current(rasterised != 0);
                for (int i = 0; i < 2; ++i) {
                    win->Render();
                    win->WaitForCompletion();
                }
                const double c0 = cpu_seconds();
                const double fps = orbit(win, cam, frames);
                f.current_cpu_ms[rasterised] += (cpu_seconds() - c0) * 1000.0 / frames / 2;
                f.current_fps[rasterised] += fps / 2;
            }
        view.scene()->set_raster_current(true);
    }
    // The GL paths the CPU raster replaces above 50 000 points, in the same run: our sprites,
    // and VTK's RenderPointsAsSpheres. At a million points they take seconds a frame, so fewer
    // frames (a turn in bigger steps; the cost is per primitive, not per view).
    const int gl_frames = f.raster ? std::max(2, frames / 10) : frames;
    view.scene()->set_raster(es::widgets::Projection3dScene::Raster::Off);
    for (int i = 0; i < 2; ++i) {
        win->Render();
        win->WaitForCompletion();
    }
    f.gl_sprites_fps = orbit(win, cam, gl_frames);
    if (snapshot) view.gl_widget()->grabFramebuffer().save(QString(snapshot) + "-gl-points.png");
    view.scene()->set_point_sprites(false);
    for (int i = 0; i < 2; ++i) {
        win->Render();
        win->WaitForCompletion();
    }
    f.spheres_fps = orbit(win, cam, gl_frames);
    view.scene()->set_point_sprites(true);
    view.scene()->set_raster(es::widgets::Projection3dScene::Raster::Auto);
    view.set_draw(es::widgets::Projection3dView::Draw::Density);
    for (int i = 0; i < 2; ++i) {
        win->Render();
        win->WaitForCompletion();
    }
    f.density_fps = orbit(win, cam, frames);
    f.density_ms_per_frame = 1000.0 / f.density_fps;
    if (snapshot) view.gl_widget()->grabFramebuffer().save(QString(snapshot) + "-density.png");
    view.set_interacting(true);  // what a drag shows
    f.moving_points = view.interacting() ? view.lod_point_count() : view.points().size();
    f.moving_fps = orbit(win, cam, frames);
    f.moving_ms_per_frame = 1000.0 / f.moving_fps;
    // BENCH_SNAPSHOT=PREFIX: what the screen shows while moving and at rest, to look at.
    if (snapshot) view.gl_widget()->grabFramebuffer().save(QString(snapshot) + "-moving.png");
    view.set_interacting(false);
    if (snapshot) view.gl_widget()->grabFramebuffer().save(QString(snapshot) + "-still.png");
    if (std::getenv("BENCH_BREAKDOWN")) {  // frame time with each prop alone (diagnosis)
        vtkPropCollection* props = view.gl_widget()->renderer()->GetViewProps();
        const int n = props->GetNumberOfItems();
        std::vector<int> was(static_cast<std::size_t>(n));
        for (int k = 0; k < n; ++k)
            was[static_cast<std::size_t>(k)] =
                static_cast<vtkProp*>(props->GetItemAsObject(k))->GetVisibility();
        for (int only = -1; only < n; ++only) {
            for (int k = 0; k < n; ++k)
                static_cast<vtkProp*>(props->GetItemAsObject(k))
                    ->SetVisibility(only < 0 ? 0 : (k == only && was[static_cast<std::size_t>(k)]));
            clock.restart();
            for (int i = 0; i < 10; ++i) {
                cam->Azimuth(3);
                win->Render();
                win->WaitForCompletion();
            }
            std::printf("    only prop %d (%s): %.1f ms/frame\n", only,
                        only < 0 ? "none" : props->GetItemAsObject(only)->GetClassName(),
                        static_cast<double>(clock.nsecsElapsed()) / 1e7);
        }
    }
    return f;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t per_layer = 10000, layers = 20;
    int frames = 60;
    for (int i = 1; i + 1 < argc; ++i) {
        if (!std::strcmp(argv[i], "--points-per-layer"))
            per_layer = std::stoul(argv[++i]);
        else if (!std::strcmp(argv[i], "--layers"))
            layers = std::stoul(argv[++i]);
        else if (!std::strcmp(argv[i], "--frames"))
            frames = std::stoi(argv[++i]);
    }
    es::widgets::VtkGlWidget::set_default_surface_format();
    QApplication app(argc, argv);
    QString reason;
    if (!es::widgets::VtkGlWidget::opengl_available(&reason)) {
        std::fprintf(stderr, "bench_projection3d: no OpenGL (%s); run under xvfb-run\n",
                     qPrintable(reason));
        return 2;
    }
    const Figures ref = measure(1, 1000, frames);
    const Figures big = measure(layers, per_layer, frames);
    std::printf("projection3d frame rate, 1280x800, %d frames orbiting the camera\n", frames);
    std::printf("  reference 1 x 1000 points:                %7.1f frames/s (%6.1f ms/frame)\n",
                ref.fps, ref.ms_per_frame);
    std::printf(
        "  %zu x %zu = %zu points, %zu polylines, still (%s):  %7.2f frames/s (%6.1f ms/frame), "
        "set_result %.0f ms\n",
        layers, per_layer, layers * per_layer, per_layer, big.raster ? "CPU raster" : "GL sprites",
        big.fps, big.ms_per_frame, big.set_result_ms);
    std::printf(
        "  CPU raster alone (%zu points): 1 thread %.1f ms (cpu %.1f), 2 threads %.1f ms (cpu "
        "%.1f)\n",
        layers * per_layer, big.raster_wall_ms[0], big.raster_cpu_ms[0], big.raster_wall_ms[1],
        big.raster_cpu_ms[1]);
    if (big.raster)
        std::printf(
            "  still, current layer (%zu points) as GL sprites: %.2f frames/s (cpu %.1f ms/frame); "
            "rasterised: %.2f frames/s (cpu %.1f ms/frame)\n",
            per_layer, big.current_fps[0], big.current_cpu_ms[0], big.current_fps[1],
            big.current_cpu_ms[1]);
    std::printf("  same scene still, points as GL sprites:     %7.2f frames/s (%6.1f ms/frame)\n",
                big.gl_sprites_fps, 1000.0 / big.gl_sprites_fps);
    std::printf("  same scene still, points as VTK spheres:    %7.2f frames/s (%6.1f ms/frame)\n",
                big.spheres_fps, 1000.0 / big.spheres_fps);
    std::printf("  same scene still, drawn as density:        %7.1f frames/s (%6.1f ms/frame)\n",
                big.density_fps, big.density_ms_per_frame);
    std::printf(
        "  same scene while the camera moves (%zu points drawn): %7.1f frames/s (%6.1f "
        "ms/frame)\n",
        big.moving_points, big.moving_fps, big.moving_ms_per_frame);
    std::printf(
        "  ratio to the reference frame time: still %.2f, moving %.2f; target >= 20 "
        "frames/s while moving: %s; >= 2 still as points: %s\n",
        big.ms_per_frame / ref.ms_per_frame, big.moving_ms_per_frame / ref.ms_per_frame,
        big.moving_fps >= 20.0 ? "met" : "NOT met", big.fps >= 2.0 ? "met" : "NOT met");
    std::printf(
        "{\"reference_fps\": %.2f, \"still_fps\": %.2f, \"still_raster\": %s, "
        "\"raster_cpu_ms\": %.1f, \"raster_wall_ms_2threads\": %.1f, "
        "\"gl_sprites_fps\": %.2f, \"spheres_fps\": %.2f, "
        "\"density_fps\": %.2f, \"current_gl_fps\": %.2f, \"current_raster_fps\": %.2f, "
        "\"moving_fps\": %.2f, "
        "\"points\": %zu, \"moving_points\": %zu, \"polylines\": %zu, "
        "\"set_result_ms\": %.1f}\n",
        ref.fps, big.fps, big.raster ? "true" : "false", big.raster_cpu_ms[1],
        big.raster_wall_ms[1], big.gl_sprites_fps, big.spheres_fps, big.density_fps,
        big.current_fps[0], big.current_fps[1], big.moving_fps, layers * per_layer,
        big.moving_points, per_layer, big.set_result_ms);
    return 0;
}
