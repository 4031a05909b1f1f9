// Qt Test for the 3-D projection view (widgets/projection3d_view.h) fed analysis::project of the
// demo dump. Runs under xvfb-run (Mesa llvmpipe) for the OpenGL parts; `--nogl` checks the
// offscreen fallback (no crash, the bridge's message, data side still works).
#include <QApplication>
#include <QJsonObject>
#include <QLineF>
#include <QPalette>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QToolTip>
#include <QWheelEvent>
#include <cmath>
#include <cstring>
#include <set>

#include <vtkCamera.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkRenderer.h>

#include "analysis/axis_spec.h"
#include "analysis/project.h"
#include "colormaps.h"
#include "image_baseline.h"
#include "projection3d_view.h"
#include "util/progress.h"
#include "vtk_test_support.h"

using namespace es::widgets::test;
using es::widgets::Projection3dView;

namespace {

bool g_nogl = false;

struct Fixture {
    std::shared_ptr<es::Dump> dump;
    es::analysis::ProjectResult plain, sphere;
};

const Fixture& fixture() {
    static const Fixture f = [] {
        Fixture out;
        out.dump = es::Dump::open(std::string(EIGENSCOPE_SOURCE_DIR) + "/resources/demo/demo.h5");
        es::Progress p;
        es::analysis::ProjectOptions o;
        out.plain = es::analysis::project(*out.dump, o, p);
        o.spherize = true;
        out.sphere = es::analysis::project(*out.dump, o, p);
        return out;
    }();
    return f;
}

std::size_t non_null(const es::analysis::ProjectResult& r) {
    std::size_t n = 0;
    for (const auto& layer : r.coordinates)
        for (const auto& c : layer) n += c ? 1 : 0;
    return n;
}

// Screen position (widget pixels) of every point through VTK's own world-to-display transform.
std::vector<QPointF> screen_positions(Projection3dView& view) {
    view.gl_widget()->render_window()->Render();
    vtkRenderer* ren = view.gl_widget()->renderer();
    const int* size = view.gl_widget()->render_window()->GetSize();
    const double dpr = view.gl_widget()->devicePixelRatioF();
    std::vector<QPointF> screen;
    for (const auto& p : view.points()) {
        ren->SetWorldPoint(p[0], p[1], p[2], 1.0);
        ren->WorldToDisplay();
        double d[3];
        ren->GetDisplayPoint(d);
        screen.emplace_back(d[0] / dpr, (size[1] - d[1]) / dpr);
    }
    return screen;
}

// Index of a point with no other point within `clearance` px that lies well inside the widget.
int isolated_point(const std::vector<QPointF>& screen, QSize widget, double clearance = 12.0) {
    for (std::size_t i = 0; i < screen.size(); ++i) {
        const QPointF& p = screen[i];
        if (p.x() < 20 || p.y() < 20 || p.x() > widget.width() - 20 || p.y() > widget.height() - 20)
            continue;
        bool isolated = true;
        for (std::size_t j = 0; j < screen.size() && isolated; ++j)
            isolated = j == i || QLineF(p, screen[j]).length() > clearance;
        if (isolated) return static_cast<int>(i);
    }
    return -1;
}

// The scene the image tests draw: the demo's projection, layer 3 current, tokens 1 and 5
// selected, in a 900 x 700 view (shown).
struct DemoScene {
    es::widgets::SelectionModel model;
    Projection3dView view;
    DemoScene() {
        const Fixture& f = fixture();
        model.set_layer_count(static_cast<int>(f.dump->streams().front().n_states()));
        view.follow(&model);
        view.resize(900, 700);
        view.set_result(f.plain, f.dump->tokens());
        model.set_layer(3);
        model.set_tokens({1, 5});
        view.show();
    }
};

}  // namespace

class Projection3dViewTest : public QObject {
    Q_OBJECT
private slots:
    void points_match_result() {
        const Fixture& f = fixture();
        Projection3dView view;
        view.set_result(f.plain, f.dump->tokens());
        QVERIFY(f.plain.tokens > 0);
        QCOMPARE(view.points().size(), non_null(f.plain));
        QCOMPARE(view.points().size(), f.plain.coordinates.size() * f.plain.tokens);
        for (std::size_t i = 0; i < view.points().size(); ++i) {
            const auto st = static_cast<std::size_t>(view.point_states()[i]);
            const auto& c = f.plain.coordinates[st / f.plain.tokens][st % f.plain.tokens];
            QVERIFY(c);
            for (int a = 0; a < 3; ++a) QCOMPARE(view.points()[i][a], (*c)[a]);
        }
        QVERIFY(!view.hover_text(0).isEmpty());
    }

    void leaving_the_result_undraws_the_scene() {
        // Another file opened, or an error: the 3D picture of the old result must not stay on
        // screen (or in an export) under the new state line.
        DemoScene scene;
        QVERIFY(QTest::qWaitForWindowExposed(&scene.view));
        const auto coloured = [](const QImage& image) {
            const QRgb background = image.pixel(2, 2);
            int n = 0;
            for (int y = 0; y < image.height(); ++y)
                for (int x = 0; x < image.width(); ++x) n += image.pixel(x, y) != background;
            return n;
        };
        const QImage drawn = scene.view.render_image(QSize(400, 300));
        QVERIFY(!drawn.isNull());
        QVERIFY2(coloured(drawn) > 2000, "the demo's points are drawn");
        scene.view.show_empty(QStringLiteral("Open a dump first."));
        QVERIFY(scene.view.points().empty());
        const QImage empty = scene.view.render_image(QSize(400, 300));
        QVERIFY(!empty.isNull());
        QCOMPARE(coloured(empty), 0);
    }

    void spherized_points_on_unit_sphere() {
        const Fixture& f = fixture();
        Projection3dView view;
        view.set_spherize(true);
        view.set_result(f.sphere, f.dump->tokens());
        QCOMPARE(view.points().size(), non_null(f.sphere));
        QVERIFY(!view.points().empty());
        for (const auto& p : view.points()) {
            const double r = std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
            QVERIFY2(std::abs(r - 1.0) < 1e-6, qPrintable(QString::number(r, 'g', 12)));
        }
    }

    void settings_round_trip() {
        const Fixture& f = fixture();
        Projection3dView a;
        a.set_color_by(Projection3dView::ColorBy::Prompt);
        a.set_point_size(9);
        a.set_result(f.plain, f.dump->tokens());
        a.set_camera_preset(Projection3dView::CameraPreset::Top);
        const QJsonObject s = a.save_settings();
        Projection3dView b;
        b.restore_settings(s);
        QCOMPARE(b.color_by(), Projection3dView::ColorBy::Prompt);
        QCOMPARE(b.point_size(), 9);
        b.set_result(f.plain, f.dump->tokens());
        QCOMPARE(b.save_settings(), s);
    }

    void pick_known_point() {
        const Fixture& f = fixture();
        Projection3dView view;
        view.resize(800, 600);
        view.set_result(f.plain, f.dump->tokens());
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY2(view.gl_widget()->has_opengl(), qPrintable(view.gl_widget()->status_message()));
        // Once shown, the view frames its camera to the pane (Projection3dScene::frame).
        QTRY_VERIFY(view.scene()->last_framing().probes > 0);
        const std::vector<QPointF> screen = screen_positions(view);
        // Points with no other point within 9 px must be picked exactly; coincident ones (the
        // same token text at the embedding layer) could legitimately be either.
        int checked = 0;
        for (std::size_t i = 0; i < screen.size() && checked < 20; ++i) {
            bool isolated = true;
            for (std::size_t j = 0; j < screen.size() && isolated; ++j)
                isolated = j == i || QLineF(screen[i], screen[j]).length() > 9.0;
            if (!isolated) continue;
            const QPoint at = screen[i].toPoint();
            QCOMPARE(view.pick(at), view.point_states()[i]);
            QCOMPARE(view.pick(at + QPoint(3, -2)), view.point_states()[i]);
            ++checked;
        }
        QVERIFY2(checked >= 5, qPrintable(QString::number(checked)));
        QCOMPARE(view.pick(QPoint(-100, -100)), -1);
    }

    void hover_and_click_reach_the_selection() {
        // End to end through real mouse events on the GL widget: hovering a point shows its
        // token's tooltip, clicking selects the token in the shared selection (every view).
        const Fixture& f = fixture();
        es::widgets::SelectionModel model;
        model.set_layer_count(static_cast<int>(f.dump->streams().front().n_states()));
        Projection3dView view, other;
        view.follow(&model);
        other.follow(&model);
        view.resize(800, 600);
        view.set_result(f.plain, f.dump->tokens());
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QTRY_VERIFY(view.scene()->last_framing().probes > 0);  // framed to the pane once shown
        const std::vector<QPointF> screen = screen_positions(view);
        const int i = isolated_point(screen, view.gl_widget()->size());
        QVERIFY2(i >= 0, "no isolated point to aim at");
        const QPoint at = screen[static_cast<std::size_t>(i)].toPoint();
        const int state = view.point_states()[static_cast<std::size_t>(i)];
        const int token = state % static_cast<int>(f.plain.tokens);

        QTest::mouseMove(view.gl_widget(), at);
        QTRY_VERIFY_WITH_TIMEOUT(QToolTip::isVisible(), 3000);
        QCOMPARE(QToolTip::text(), view.hover_text(state));
        const QString text =
            QString::fromStdString(f.dump->tokens()[static_cast<std::size_t>(token)].label());
        QVERIFY2(QToolTip::text().contains(text.toHtmlEscaped()), qPrintable(QToolTip::text()));

        QSignalSpy changed(&model, &es::widgets::SelectionModel::changed);
        QTest::mouseClick(view.gl_widget(), Qt::LeftButton, Qt::NoModifier, at);
        QTRY_VERIFY_WITH_TIMEOUT(!changed.isEmpty(), 2000);
        QCOMPARE(model.selection().tokens, QList<int>{token});
        QVERIFY(other.selection_updates() > 0);
        // A drag is a camera move, not a click: the selection stays.
        const QList<int> before = model.selection().tokens;
        QTest::mousePress(view.gl_widget(), Qt::LeftButton, Qt::NoModifier, QPoint(30, 30));
        QTest::mouseMove(view.gl_widget(), QPoint(120, 90));
        QTest::mouseRelease(view.gl_widget(), Qt::LeftButton, Qt::NoModifier, QPoint(120, 90));
        QCOMPARE(model.selection().tokens, before);
    }

    void custom_axes_from_the_selection() {
        // "from selection" turns the first two selected tokens at the current layer into an
        // axis and asks the app for a new projection; the text is part of the session.
        const Fixture& f = fixture();
        es::widgets::SelectionModel model;
        model.set_layer_count(static_cast<int>(f.dump->streams().front().n_states()));
        Projection3dView view;
        view.follow(&model);
        view.set_result(f.plain, f.dump->tokens());
        auto* button = view.findChild<QPushButton*>(QStringLiteral("axesFromSelection"));
        QVERIFY(button);
        QVERIFY(!button->isEnabled());
        model.set_layer(2);
        model.set_tokens({7, 3});
        QVERIFY(button->isEnabled());
        QSignalSpy asked(&view, &Projection3dView::options_changed);
        button->click();
        QCOMPARE(asked.count(), 1);
        QCOMPARE(view.custom_axes(), QStringLiteral("7-3@2"));
        model.set_tokens({1, 5});
        button->click();
        QCOMPARE(view.custom_axes(), QStringLiteral("7-3@2, 1-5@2"));
        QCOMPARE(view.save_settings().value(QStringLiteral("axes")).toString(), view.custom_axes());
        Projection3dView restored;
        restored.restore_settings(view.save_settings());
        QCOMPARE(restored.custom_axes(), view.custom_axes());
        // The axes the app computes from that text label the cube axes with token texts.
        es::analysis::ProjectOptions o;
        const auto& stream = f.dump->streams().front();
        o.axes = es::analysis::parse_axes(view.custom_axes().toStdString(), *f.dump, stream, 0);
        QCOMPARE(o.axes.size(), std::size_t{2});
        QCOMPARE(o.axes[0].token_a, std::size_t{7});
        QCOMPARE(o.axes[1].layer, std::size_t{2});
        const es::analysis::ProjectResult r = es::analysis::project(*f.dump, o, es::no_progress());
        view.set_result(r, f.dump->tokens());
        QCOMPARE(view.points().size(), non_null(r));
        view.show_axes_error(QStringLiteral("axis 'x' must look like A-B"));
        QCOMPARE(view.status_text(), QStringLiteral("axis 'x' must look like A-B"));
    }

    void matches_baseline_image() {
        // F3D's habit: a fixed scene at a fixed size against a committed image, with a tolerance
        // for rasteriser differences (Mesa llvmpipe here).
        DemoScene scene;
        Projection3dView& view = scene.view;
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.set_camera_preset(Projection3dView::CameraPreset::Front);
        const QImage img = view.render_image(QSize(640, 480));
        const es::test::BaselineResult b = es::test::compare_to_baseline(img, "projection3d_demo");
        QVERIFY2(b.ok, qPrintable(b.message));
    }

    void large_scene_draws_a_subset_while_moving() {
        // 100k points: a wheel turn shows every k-th token (about 10k points) and the full scene
        // again once the wheel rests; small scenes are always drawn whole.
        es::analysis::ProjectResult r;
        const std::size_t layers = 20, tokens = 5000;
        r.tokens = tokens;
        r.axis_labels = {"PC1", "PC2", "PC3"};
        for (std::size_t l = 0; l < layers; ++l) {
            r.layers.push_back(std::to_string(l));
            r.states.push_back(l);
            std::vector<std::optional<std::array<double, 3>>> row(tokens);
            for (std::size_t t = 0; t < tokens; ++t)
                row[t] = std::array<double, 3>{double(t % 100), double(t / 100), double(l)};
            r.coordinates.push_back(row);
        }
        std::vector<es::TokenInfo> info(tokens);
        Projection3dView view;
        view.resize(640, 480);
        view.set_result(r, info);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QCOMPARE(view.points().size(), layers * tokens);
        QCOMPARE(view.lod_point_count(), std::size_t{10000});  // every 10th token, all layers
        QVERIFY(!view.interacting());
        const int still_samples = view.gl_widget()->render_window()->GetMultiSamples();
        QWheelEvent wheel(QPointF(320, 240), view.gl_widget()->mapToGlobal(QPointF(320, 240)),
                          QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase,
                          false);
        QApplication::sendEvent(view.gl_widget(), &wheel);
        QVERIFY(view.interacting());
        // No multisampling while moving (on llvmpipe it costs more than the points); restored at
        // rest, so the still frame and exports keep their antialiasing.
        QCOMPARE(view.gl_widget()->render_window()->GetMultiSamples(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(!view.interacting(), 2000);
        QCOMPARE(view.gl_widget()->render_window()->GetMultiSamples(), still_samples);
        // A result arriving while the camera moves (an analysis finishing during a drag) shows
        // the full scene, multisampled again: else every later still frame and export lost it.
        QApplication::sendEvent(view.gl_widget(), &wheel);
        QVERIFY(view.interacting());
        view.set_result(r, info);
        QVERIFY(!view.interacting());
        QCOMPARE(view.gl_widget()->render_window()->GetMultiSamples(), still_samples);
        Projection3dView small;
        small.set_result(fixture().plain, fixture().dump->tokens());
        small.set_interacting(true);
        QVERIFY(!small.interacting());  // the demo's 720 points are always drawn whole
    }

    void a_new_dump_refits_the_camera() {
        // The rule (Projection3dView::set_result): another source (dump, stream) or basis is
        // framed afresh; the same source (another layer, a recompute) keeps the user's camera.
        const Fixture& f = fixture();
        es::analysis::ProjectResult big = f.plain;  // "dump B": 1000 times larger, elsewhere
        for (auto& layer : big.coordinates)
            for (auto& c : layer)
                if (c)
                    for (double& x : *c) x = x * 1000.0 + 5000.0;
        es::widgets::SelectionModel model;
        model.set_layer_count(static_cast<int>(f.dump->streams().front().n_states()));
        Projection3dView view;
        view.follow(&model);
        view.resize(640, 480);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.show_computing(QStringLiteral("doc1|resid"), QStringLiteral("A"));
        view.set_result(f.plain, f.dump->tokens());
        const double scale_a = view.camera_scale();
        QVERIFY(scale_a > 0);
        // The user turns and zooms within dump A; stepping layers and recomputing keep it.
        view.set_camera_preset(Projection3dView::CameraPreset::Top);
        view.gl_widget()->renderer()->GetActiveCamera()->Zoom(2.0);
        const auto moved = *view.camera();
        const double moved_scale = view.camera_scale();
        model.set_layer(2);
        view.show_computing(QStringLiteral("doc1|resid"), QStringLiteral("A again"));
        view.set_result(f.plain, f.dump->tokens());
        QCOMPARE(view.camera()->position, moved.position);
        QCOMPARE(view.camera()->focal_point, moved.focal_point);
        QCOMPARE(view.camera_scale(), moved_scale);
        // Dump B: framed afresh, around B's points at B's scale.
        view.show_computing(QStringLiteral("doc2|resid"), QStringLiteral("B"));
        view.set_result(big, f.dump->tokens());
        const double scale_b = view.camera_scale();
        QVERIFY2(scale_b > 500 * scale_a && scale_b < 2000 * scale_a,
                 qPrintable(QStringLiteral("%1 vs %2").arg(scale_b).arg(scale_a)));
        std::array<double, 6> b{1e300, -1e300, 1e300, -1e300, 1e300, -1e300};
        for (const auto& p : view.points())
            for (int a = 0; a < 3; ++a) {
                b[2 * a] = std::min(b[2 * a], p[a]);
                b[2 * a + 1] = std::max(b[2 * a + 1], p[a]);
            }
        // Looking into B's points: the framing moves the focal point off their centre (towards
        // the side the legend takes, and to balance the axes' labels), never out of their box.
        const auto focal = view.camera()->focal_point;
        for (int a = 0; a < 3; ++a)
            QVERIFY2(focal[a] > b[2 * a] && focal[a] < b[2 * a + 1],
                     qPrintable(QString::number(focal[a])));
        // Every point of B is inside the picture.
        const std::vector<QPointF> screen = screen_positions(view);
        const QRectF inside(QPointF(0, 0), QSizeF(view.gl_widget()->size()));
        for (const QPointF& p : screen) QVERIFY2(inside.contains(p), "a point of B is off screen");
        // Back to A's stream of another dump: framed at A's scale again.
        view.show_computing(QStringLiteral("doc3|resid"), QStringLiteral("A2"));
        view.set_result(f.plain, f.dump->tokens());
        QVERIFY(std::abs(view.camera_scale() - scale_a) < 1e-6 * scale_a);
    }

    void legend_says_what_the_colour_means() {
        // The legend is in the scene, so on screen and in every export: its title names what
        // the colour encodes, its bar shows the colour map (or a swatch per prompt).
        DemoScene scene;
        Projection3dView& view = scene.view;
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const auto box_of = [&view](const QImage& img) {
            const auto b = view.legend_box();
            return QRect(QPoint(int(b[0] * img.width()), int((1 - b[3]) * img.height())),
                         QPoint(int(b[2] * img.width()) - 1, int((1 - b[1]) * img.height()) - 1));
        };
        // Pixels within the legend's box near `c`.
        const auto count_near = [](const QImage& img, QRect box, QColor c, int tol = 6) {
            int n = 0;
            for (int y = box.top(); y <= box.bottom(); ++y)
                for (int x = box.left(); x <= box.right(); ++x)
                    n += near(img.pixelColor(x, y), c, tol) ? 1 : 0;
            return n;
        };
        using es::widgets::colors::Map;
        namespace colors = es::widgets::colors;
        QVERIFY(view.legend_visible());
        QCOMPARE(view.legend_title(), QStringLiteral("layer"));
        const QImage img = view.render_image(QSize(800, 600));
        const QRect box = box_of(img);
        QVERIFY(box.width() > 40 && box.height() > 150);
        for (double t : {0.0, 0.5, 1.0})
            QVERIFY2(count_near(img, box, colors::sample(Map::Viridis, t)) > 20,
                     qPrintable(QStringLiteral("viridis(%1) in the legend").arg(t)));
        // The foreground colour (its title and labels) is there too.
        QVERIFY(count_near(img, box, colors::plot_foreground(), 40) > 30);

        // At twice the scale, the legend (bar and text) is twice as large each way.
        const QImage big = view.render_image(QSize(1600, 1200), 2.0);
        const int bar1 = count_near(img, box, colors::sample(Map::Viridis, 0.5), 12);
        const int bar2 = count_near(big, box_of(big), colors::sample(Map::Viridis, 0.5), 12);
        QVERIFY2(bar2 > 3 * bar1, qPrintable(QStringLiteral("%1 vs %2").arg(bar2).arg(bar1)));
        const int text1 = count_near(img, box, colors::plot_foreground(), 40);
        const int text2 = count_near(big, box_of(big), colors::plot_foreground(), 40);
        QVERIFY2(text2 > 3 * text1, qPrintable(QStringLiteral("%1 vs %2").arg(text2).arg(text1)));

        // By prompt: categorical, one swatch per prompt colour.
        view.set_color_by(Projection3dView::ColorBy::Prompt);
        QCOMPARE(view.legend_title(), QStringLiteral("prompt"));
        const QImage by_prompt = view.render_image(QSize(800, 600));
        std::set<std::size_t> prompts;
        for (const auto& t : fixture().dump->tokens()) prompts.insert(t.prompt);
        QVERIFY(prompts.size() >= 2);
        for (std::size_t p : prompts)
            if (p < 8)
                QVERIFY2(count_near(by_prompt, box_of(by_prompt),
                                    colors::categorical(static_cast<int>(p)), 4) > 20,
                         qPrintable(QStringLiteral("prompt %1's swatch").arg(p)));
        view.set_color_by(Projection3dView::ColorBy::Norm);
        QCOMPARE(view.legend_title(), QStringLiteral("projected norm"));

        // Leaving the result hides it with the points.
        view.show_empty(QStringLiteral("Open a dump first."));
        QVERIFY(!view.legend_visible());
    }

    void legend_follows_the_theme() {
        // A dark palette: the scene's background and the legend's text follow it.
        DemoScene scene;
        Projection3dView& view = scene.view;
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const QPalette light = QApplication::palette();
        QPalette dark = light;
        dark.setColor(QPalette::Base, QColor(30, 30, 30));
        dark.setColor(QPalette::WindowText, QColor(230, 230, 230));
        QApplication::setPalette(dark);
        QCoreApplication::processEvents();
        const QImage img = view.render_image(QSize(800, 600));
        QApplication::setPalette(light);
        QCoreApplication::processEvents();
        QVERIFY2(near(img.pixelColor(2, 2), QColor(30, 30, 30)),
                 qPrintable(describe(img.pixelColor(2, 2))));
        const auto b = view.legend_box();
        const QRect box(QPoint(int(b[0] * 800), int((1 - b[3]) * 600)),
                        QPoint(int(b[2] * 800) - 1, int((1 - b[1]) * 600) - 1));
        int light_text = 0;
        for (int y = box.top(); y <= box.bottom(); ++y)
            for (int x = box.left(); x <= box.right(); ++x)
                light_text += near(img.pixelColor(x, y), QColor(230, 230, 230), 30) ? 1 : 0;
        QVERIFY2(light_text > 30, qPrintable(QString::number(light_text)));
    }

    void render_not_blank() {
        const Fixture& f = fixture();
        DemoScene scene;
        Projection3dView& view = scene.view;
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const QImage img = view.render_image(QSize(800, 600));
        QCOMPARE(img.size(), QSize(800, 600));
        const QRgb bg = img.pixel(2, 2);
        int differing = 0;
        for (int y = 0; y < img.height(); y += 2)
            for (int x = 0; x < img.width(); x += 2) differing += img.pixel(x, y) != bg ? 1 : 0;
        QVERIFY2(differing > 2000, qPrintable(QString::number(differing)));
        const QByteArray out = qgetenv("EIGENSCOPE_SCREENSHOT");
        if (!out.isEmpty()) {
            img.save(QString::fromLocal8Bit(out));
            view.set_spherize(true);
            view.set_result(f.sphere, f.dump->tokens());
            view.render_image(QSize(800, 600))
                .save(QString::fromLocal8Bit(out).replace(".png", "_sphere.png"));
        }
    }
};

// Run with --nogl (offscreen, no OpenGL): only the fallback test applies, so it is its own class
// rather than a skip in the OpenGL one.
class Projection3dViewNoGlTest : public QObject {
    Q_OBJECT
private slots:
    void nogl_shows_message() {
        Projection3dView view;
        QVERIFY(view.gl_widget() == nullptr);
        auto* pane = view.findChild<QWidget*>(QStringLiteral("projection3dUnavailable"));
        QVERIFY(pane);
        QVERIFY(pane->accessibleName().contains(QStringLiteral("3D view unavailable")));
        view.resize(640, 480);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.set_result(fixture().plain, fixture().dump->tokens());
        QCOMPARE(view.pick(QPoint(10, 10)), -1);
        QVERIFY(view.render_image(QSize(80, 60)).isNull());
    }
};

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--nogl") == 0) {
            g_nogl = true;
            for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
            --argc;
            break;
        }
    }
    if (!g_nogl) set_vtk_surface_format();
    QApplication app(argc, argv);
    if (g_nogl) {
        Projection3dViewNoGlTest test;
        return QTest::qExec(&test, argc, argv);
    }
    Projection3dViewTest test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_projection3d_view.moc"
