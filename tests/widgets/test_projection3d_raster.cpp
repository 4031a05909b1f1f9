// Qt Test for the CPU point raster of the 3-D view (widgets/projection3d_raster.h, issue 23):
// the image of a known point set (coverage, shading, depth fade, depth test, clipping) against
// the formulas computed here in double precision; the thread count not changing the image; and
// in the view, that the raster composited with gl_FragDepth hides the GL-drawn selection behind
// a point and is hidden by the selection in front, as the GL sprites it replaces do. Runs under
// xvfb-run.
#include <QApplication>
#include <QTest>
#include <cmath>

#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkRenderer.h>

#include "analysis/project.h"
#include "colormaps.h"
#include "projection3d_raster.h"
#include "projection3d_scene.h"
#include "projection3d_view.h"
#include "vtk_test_support.h"

using namespace es::widgets::test;
using es::widgets::PointRaster;
using es::widgets::Projection3dScene;
using es::widgets::Projection3dView;
using es::widgets::RasterStyle;
namespace colors = es::widgets::colors;

namespace {

constexpr double kIdentity[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};

// Pixel of a point given in normalised device coordinates in a w x h image (row 0 at the bottom).
QPoint pixel_of(double x, double y, int w, int h) {
    return {int((x + 1) * 0.5 * w), int((y + 1) * 0.5 * h)};
}

// The expected 8-bit colour channel: ball shade at distance r (in radii), faded towards the
// background by `fade`, rounded as the raster rounds.
int expected(int channel, double background, double r2, double fade) {
    const double shade = 0.35 + 0.65 * std::sqrt(1.0 - r2);
    return int(channel * shade * (1 - fade) + background * 255.0 * fade + 0.5);
}

// Within one level: the raster works in float32 and may round a channel the other way.
bool within_one(int got, int want) {
    return std::abs(got - want) <= 1;
}

QPointF on_screen(Projection3dView& view, const std::array<double, 3>& p) {
    view.gl_widget()->render_window()->Render();
    vtkRenderer* ren = view.gl_widget()->renderer();
    const int* size = view.gl_widget()->render_window()->GetSize();
    ren->SetWorldPoint(p[0], p[1], p[2], 1.0);
    ren->WorldToDisplay();
    double d[3];
    ren->GetDisplayPoint(d);
    return {d[0], size[1] - d[1]};
}

// A projection whose layer l holds `layers[l]`, one point a token (every layer as many).
es::analysis::ProjectResult layers_of(
    const std::vector<std::vector<std::array<double, 3>>>& layers) {
    es::analysis::ProjectResult r;
    r.tokens = layers.empty() ? 0 : layers[0].size();
    r.axis_labels = {"PC1", "PC2", "PC3"};
    for (std::size_t l = 0; l < layers.size(); ++l) {
        r.layers.push_back(std::to_string(l));
        r.states.push_back(l);
        r.coordinates.emplace_back(layers[l].begin(), layers[l].end());
    }
    return r;
}

}  // namespace

class Projection3dRasterTest : public QObject {
    Q_OBJECT
private slots:
    void stencil_is_the_sprites_disc() {
        // Size 3: radius 1.5, every offset with dx^2 + dy^2 <= 2.25: the 3 x 3 block.
        const auto s3 = es::widgets::sprite_stencil(3);
        QCOMPARE(s3.size(), std::size_t{9});
        // Size 5: radius 2.5: 21 offsets (the 5 x 5 block less its 4 corners, 8 > 6.25).
        const auto s5 = es::widgets::sprite_stencil(5);
        QCOMPARE(s5.size(), std::size_t{21});
        for (const auto& t : s5) {
            const double r2 = (t.dx * t.dx + t.dy * t.dy) / 6.25;
            QVERIFY(r2 <= 1.0);
            QVERIFY(std::abs(t.shade - (0.35 + 0.65 * std::sqrt(1 - r2))) < 1e-6);
        }
        QCOMPARE(es::widgets::sprite_stencil(1).size(), std::size_t{1});  // a pixel at least
    }

    void raster_of_a_known_point_set() {
        const int w = 40, h = 30;
        RasterStyle style;
        style.size = 3;
        style.background = {1.0f, 1.0f, 1.0f};
        style.depth_cue = 0.5;
        style.parallel = true;  // the fade runs over the normalised depth: 0.5 * z + 0.5
        std::vector<std::array<float, 3>> pts = {
            {0.0f, 0.0f, 0.2f},     // red, behind
            {0.0f, 0.0f, -0.4f},    // green, the same pixel, nearer: wins
            {0.5f, -0.5f, 0.6f},    // blue, alone
            {0.5f, -0.5f, 0.6f},    // white at the same depth after it: loses (first wins)
            {-0.2f, 0.4f, 1.5f},    // beyond the far plane
            {1.2f, 0.0f, 0.0f},     // right of the view
            {-0.99f, -0.99f, 0.0f}  // at the corner: its sprite is cut by the border
        };
        const std::vector<std::array<std::uint8_t, 3>> rgb = {
            {200, 0, 0}, {0, 180, 0}, {0, 0, 250},    {255, 255, 255},
            {9, 9, 9},   {9, 9, 9},   {100, 100, 100}};
        const PointRaster img = es::widgets::rasterize_points(pts, rgb, kIdentity, w, h, style, 1);
        QCOMPARE(img.drawn, std::size_t{5});
        // The green point's centre pixel and a corner of its 3 x 3 sprite.
        const QPoint g = pixel_of(0, 0, w, h);
        const double fade_g = 0.5 * (0.5 * -0.4 + 0.5);
        QVERIFY(std::abs(img.depth_at(g.x(), g.y()) - (0.5 * -0.4 + 0.5)) < 1e-6);
        std::array<int, 4> c = img.at(g.x(), g.y());
        QVERIFY(within_one(c[0], expected(0, 1.0, 0.0, fade_g)));
        QVERIFY(within_one(c[1], expected(180, 1.0, 0.0, fade_g)));
        QCOMPARE(c[3], 255);
        c = img.at(g.x() + 1, g.y() - 1);
        QVERIFY(within_one(c[1], expected(180, 1.0, 2.0 / 2.25, fade_g)));
        QVERIFY(within_one(c[0], expected(0, 1.0, 2.0 / 2.25, fade_g)));
        // The blue point keeps its pixel against the white one at the same depth.
        const QPoint b = pixel_of(0.5, -0.5, w, h);
        const double fade_b = 0.5 * (0.5 * 0.6 + 0.5);
        c = img.at(b.x(), b.y());
        QVERIFY(within_one(c[2], expected(250, 1.0, 0.0, fade_b)));
        QVERIFY(within_one(c[0], expected(0, 1.0, 0.0, fade_b)));
        // Two pixels off a sprite of size 3: nothing, depth at the far plane.
        QCOMPARE(img.at(b.x() + 2, b.y())[3], 0);
        QCOMPARE(img.depth_at(b.x() + 2, b.y()), 1.0f);
        // The corner point: its pixel (0, 0) and (1, 1) drawn, nothing wraps to the other side.
        QCOMPARE(img.at(0, 0)[3], 255);
        QCOMPARE(img.at(1, 1)[3], 255);
        QCOMPARE(img.at(w - 1, 0)[3], 0);
        QCOMPARE(img.at(0, h - 1)[3], 0);
        int covered = 0;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) covered += img.at(x, y)[3] == 255;
        QCOMPARE(covered, 9 + 9 + 4);  // two whole sprites and the corner's quarter
    }

    void threads_do_not_change_the_image() {
        // Bit-identical is the contract here: rasterize_points() splits the points in fixed
        // ranges and merges the images with the rule of one sequential pass (nearer wins, the
        // earlier point on a tie), so a picture does not change with the cores it ran on.
        std::vector<std::array<float, 3>> pts;
        std::vector<std::array<std::uint8_t, 3>> rgb;
        for (int i = 0; i < 300000; ++i) {
            pts.push_back({float(i % 1000) / 500.0f - 1.0f, float(i % 777) / 388.5f - 1.0f,
                           float(i % 13) / 6.5f - 1.0f});
            rgb.push_back({std::uint8_t(i % 251), std::uint8_t(i % 241), std::uint8_t(i % 7)});
        }
        RasterStyle style;
        style.size = 5;
        style.depth_cue = 0.45;
        const PointRaster one =
            es::widgets::rasterize_points(pts, rgb, kIdentity, 96, 64, style, 1);
        const PointRaster two =
            es::widgets::rasterize_points(pts, rgb, kIdentity, 96, 64, style, 2);
        QCOMPARE(one.drawn, std::size_t{300000});
        QCOMPARE(two.drawn, one.drawn);
        QVERIFY(one.rgba == two.rgba);
        QVERIFY(one.depth == two.depth);
        // And the depth test held: every pixel's depth is the least of the points covering it
        // (checked at the centre pixel of point 0, z = -1: the nearest possible).
        const QPoint p0 = pixel_of(-1.0, -1.0, 96, 64);
        QVERIFY(std::abs(one.depth_at(p0.x(), p0.y()) - 0.0f) < 1e-6f);
    }

    void exports_raster_at_their_size_and_dpi() {
        // Three tokens far apart, one layer: an export re-renders the raster at the export's
        // size, and at twice the DPI every sprite is twice as wide (the screen's picture, sharper).
        es::analysis::ProjectResult r;
        r.tokens = 3;
        r.axis_labels = {"PC1", "PC2", "PC3"};
        r.layers = {"0"};
        r.states = {0};
        r.coordinates.push_back({std::array<double, 3>{0, 0, 0}, std::array<double, 3>{4, 0, 0},
                                 std::array<double, 3>{0, 3, 0}});
        std::vector<es::TokenInfo> info(r.tokens);
        Projection3dView view;
        view.resize(640, 480);
        view.set_result(r, info);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.set_camera_preset(Projection3dView::CameraPreset::Front);
        view.scene()->set_raster(Projection3dScene::Raster::On);
        const auto covered = [&view] {
            const PointRaster& ras = view.scene()->last_raster();
            std::size_t n = 0;
            for (int y = 0; y < ras.height; ++y)
                for (int x = 0; x < ras.width; ++x) n += ras.at(x, y)[3] == 255;
            return n;
        };
        for (const double scale : {1.0, 2.0}) {
            view.render_image(QSize(900, 700), scale);
            const PointRaster& ras = view.scene()->last_raster();
            QCOMPARE(ras.width, 900);
            QCOMPARE(ras.height, 700);
            QCOMPARE(ras.drawn, std::size_t{3});
            const std::size_t want =
                3 * es::widgets::sprite_stencil(view.point_size() * scale).size();
            QCOMPARE(covered(), want);
        }
    }

    void composite_keeps_the_depth_order() {
        // Nine tokens on a 3 x 3 grid at z = 0, token 9 hidden right behind the centre one and
        // token 10 in front of the left one. Seen from the front, the selected token's larger
        // GL sphere shows only its rim around a point in front of it, and covers the point
        // behind it: the same with the CPU raster as with the GL sprites.
        es::analysis::ProjectResult r;
        r.tokens = 11;
        r.axis_labels = {"PC1", "PC2", "PC3"};
        r.layers = {"0"};
        r.states = {0};
        std::vector<std::optional<std::array<double, 3>>> row(11);
        for (int t = 0; t < 9; ++t) row[t] = std::array<double, 3>{double(t % 3), double(t / 3), 0};
        row[9] = std::array<double, 3>{1, 1, -0.5};
        row[10] = std::array<double, 3>{0, 1, 0.5};
        r.coordinates.push_back(row);
        std::vector<es::TokenInfo> info(r.tokens);
        Projection3dView view;
        view.resize(640, 480);
        view.set_result(r, info);
        view.set_point_size(12);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.set_camera_preset(Projection3dView::CameraPreset::Front);
        const QColor selected(230, 60, 30);
        for (const auto mode : {Projection3dScene::Raster::On, Projection3dScene::Raster::Off}) {
            view.scene()->set_raster(mode);
            QCOMPARE(view.scene()->raster(), mode == Projection3dScene::Raster::On);
            for (const int token : {9, 10}) {
                // No current layer drawn over the cloud (row -1): the cloud and the selection.
                view.scene()->set_overlays(-1, {{token, ""}});
                // At the GL widget's own size, so that on_screen()'s pixels are the image's.
                const QSize size = view.gl_widget()->size();
                const QImage img = view.render_image(size);
                const QPointF at = on_screen(view, *row[static_cast<std::size_t>(token)]);
                const QColor centre = img.pixelColor(at.toPoint());
                const QString where =
                    QStringLiteral("token %1, %2: %3")
                        .arg(token)
                        .arg(mode == Projection3dScene::Raster::On ? "raster" : "GL")
                        .arg(describe(centre));
                if (token == 9) {
                    // Behind: the centre is the cloud's colour, the sphere's rim shows around.
                    QVERIFY2(!near(centre, selected, 40), qPrintable(where));
                    QVERIFY2(!near(centre, colors::plot_background(), 20), qPrintable(where));
                    int rim = 0;
                    for (int dy = -10; dy <= 10; ++dy)
                        for (int dx = -10; dx <= 10; ++dx)
                            rim +=
                                near(img.pixelColor(at.toPoint() + QPoint(dx, dy)), selected, 40);
                    QVERIFY2(rim > 10, qPrintable(where + QStringLiteral(", rim %1").arg(rim)));
                } else {
                    QVERIFY2(near(centre, selected, 40), qPrintable(where));
                }
                if (mode == Projection3dScene::Raster::On && token == 9) {
                    // The composite copies the raster's colour (row 0 at the bottom).
                    const PointRaster& ras = view.scene()->last_raster();
                    QCOMPARE(ras.width, size.width());
                    const auto c = ras.at(int(at.x()), size.height() - 1 - int(at.y()));
                    QVERIFY2(near(centre, QColor(c[0], c[1], c[2]), 3), qPrintable(where));
                }
            }
        }
    }

    void current_layer_is_rasterised_with_the_cloud() {
        // Two layers of three tokens, seen from the front; layer 1 is the current one, drawn
        // 2.2 times larger. With the raster on, its three states are stamped by a raster of
        // their own at that size (30 000 GL sprites cost llvmpipe more than stamping them), and
        // the picture around them is what the GL sprites drew: the larger sprite's colour at
        // 1.6 point radii from its centre, where the cloud's own sprite does not reach.
        const es::analysis::ProjectResult r =
            layers_of({{{0, 0, 0}, {4, 0, 0}, {0, 3, 0}}, {{2, 0, 0}, {4, 2, 0}, {2, 3, 0}}});
        std::vector<es::TokenInfo> info(r.tokens);
        Projection3dView view;
        view.resize(640, 480);
        view.set_result(r, info);
        view.set_point_size(8);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.set_camera_preset(Projection3dView::CameraPreset::Front);
        view.scene()->set_raster(Projection3dScene::Raster::On);
        view.scene()->set_overlays(1, {});
        const QSize size = view.gl_widget()->size();
        const QImage raster = view.render_image(size);
        const PointRaster& current = view.scene()->last_current_raster();
        QCOMPARE(current.drawn, std::size_t{3});
        std::size_t covered = 0;
        for (int y = 0; y < current.height; ++y)
            for (int x = 0; x < current.width; ++x) covered += current.at(x, y)[3] == 255;
        QCOMPARE(covered, 3 * es::widgets::sprite_stencil(8 * 2.2).size());
        QCOMPARE(view.scene()->last_raster().drawn, std::size_t{6});
        view.scene()->set_raster_current(false);
        const QImage gl = view.render_image(size);
        view.scene()->set_raster_current(true);
        for (std::size_t t = 0; t < 3; ++t) {
            const QPointF at = on_screen(view, *r.coordinates[1][t]);
            const QPoint off = at.toPoint() + QPoint(int(std::round(8 * 0.8)), 0);
            const QString where = QStringLiteral("token %1: raster %2, GL %3")
                                      .arg(t)
                                      .arg(describe(raster.pixelColor(off)))
                                      .arg(describe(gl.pixelColor(off)));
            QVERIFY2(!near(raster.pixelColor(off), colors::plot_background(), 20),
                     qPrintable(where));
            // The same sprite, shaded alike: within the GL and CPU shading's rounding.
            QVERIFY2(near(raster.pixelColor(off), gl.pixelColor(off), 24), qPrintable(where));
        }
    }
};

int main(int argc, char** argv) {
    set_vtk_surface_format();
    QApplication app(argc, argv);
    Projection3dRasterTest test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_projection3d_raster.moc"
