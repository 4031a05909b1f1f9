// Qt Test for what issue 23 added to the 3-D view: density splatting (the accumulation of a known
// point set, and the colour-mapped image with its legend in exports), lasso selection on a
// synthetic scene with known coordinates, and the note on UMAP layouts. Runs under xvfb-run.
#include <QApplication>
#include <QMouseEvent>
#include <QPushButton>
#include <QTest>
#include <cmath>

#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkRenderer.h>

#include "analysis/project.h"
#include "colormaps.h"
#include "projection3d_density.h"
#include "projection3d_view.h"
#include "selection.h"
#include "vtk_test_support.h"

using namespace es::widgets::test;
using es::widgets::Projection3dView;
namespace colors = es::widgets::colors;

namespace {

// tokens x layers states, token t at layer l at (x0 + t * dx, l * dy, 0).
es::analysis::ProjectResult grid_result(std::size_t tokens, std::size_t layers, double dx,
                                        double dy) {
    es::analysis::ProjectResult r;
    r.tokens = tokens;
    r.axis_labels = {"PC1", "PC2", "PC3"};
    for (std::size_t l = 0; l < layers; ++l) {
        r.layers.push_back(std::to_string(l));
        r.states.push_back(l);
        std::vector<std::optional<std::array<double, 3>>> row(tokens);
        for (std::size_t t = 0; t < tokens; ++t)
            row[t] = std::array<double, 3>{double(t) * dx, double(l) * dy, 0.0};
        r.coordinates.push_back(row);
    }
    return r;
}

// Screen position (widget pixels, top left) of a world point through VTK's own transform.
QPointF on_screen(Projection3dView& view, const std::array<double, 3>& p) {
    view.gl_widget()->render_window()->Render();
    vtkRenderer* ren = view.gl_widget()->renderer();
    const int* size = view.gl_widget()->render_window()->GetSize();
    const double dpr = view.gl_widget()->devicePixelRatioF();
    ren->SetWorldPoint(p[0], p[1], p[2], 1.0);
    ren->WorldToDisplay();
    double d[3];
    ren->GetDisplayPoint(d);
    return {d[0] / dpr, (size[1] - d[1]) / dpr};
}

// A square of half-side h pixels around each given point, as one polygon when they are in a
// row (left to right): the lasso a user would draw around them.
std::vector<QPointF> around(const std::vector<QPointF>& pts, double h) {
    double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9;
    for (const QPointF& p : pts) {
        x0 = std::min(x0, p.x());
        x1 = std::max(x1, p.x());
        y0 = std::min(y0, p.y());
        y1 = std::max(y1, p.y());
    }
    return {{x0 - h, y0 - h}, {x1 + h, y0 - h}, {x1 + h, y1 + h}, {x0 - h, y1 + h}};
}

int count_near(const QImage& img, QRect box, QColor c, int tol) {
    int n = 0;
    for (int y = box.top(); y <= box.bottom(); ++y)
        for (int x = box.left(); x <= box.right(); ++x) n += near(img.pixelColor(x, y), c, tol);
    return n;
}

}  // namespace

class Projection3dDensityTest : public QObject {
    Q_OBJECT
private slots:
    void density_of_a_known_point_set() {
        // Identity projection: points given in normalised device coordinates land on known
        // pixels of a 10 x 8 image (row 0 at the bottom).
        const double identity[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
        std::vector<std::array<float, 3>> pts;
        for (int i = 0; i < 5; ++i) pts.push_back({0.0f, 0.0f, 0.0f});  // pixel (5, 4)
        pts.push_back({-0.95f, -0.95f, 0.5f});                          // pixel (0, 0)
        pts.push_back({0.5f, -0.5f, 0.0f});                             // pixel (7, 2)
        pts.push_back({0.5f, -0.5f, -0.9f});                            // pixel (7, 2)
        pts.push_back({0.0f, 0.0f, 2.0f});                              // beyond the far plane
        pts.push_back({1.5f, 0.0f, 0.0f});                              // right of the view
        const es::widgets::DensityImage raw = es::widgets::density_image(pts, identity, 10, 8, 0);
        QCOMPARE(raw.drawn, std::size_t{8});
        QCOMPARE(raw.at(5, 4), 5.0f);
        QCOMPARE(raw.at(0, 0), 1.0f);
        QCOMPARE(raw.at(7, 2), 2.0f);
        float total = 0;
        for (float c : raw.counts) total += c;
        QCOMPARE(total, 8.0f);
        QCOMPARE(raw.max, 5.0f);
        QCOMPARE(raw.min_nonzero, 1.0f);
        // Splatted with radius 2: weights (1 - d^2 / 2.5^2)^2 on the disc, normalised.
        double norm = 0;
        for (int dy = -2; dy <= 2; ++dy)
            for (int dx = -2; dx <= 2; ++dx)
                norm += std::pow(std::max(0.0, 1.0 - (dx * dx + dy * dy) / 6.25), 2);
        const auto w = [norm](int dx, int dy) {
            return std::pow(std::max(0.0, 1.0 - (dx * dx + dy * dy) / 6.25), 2) / norm;
        };
        const es::widgets::DensityImage s = es::widgets::density_image(pts, identity, 10, 8, 2);
        // (5, 4): its own 5 at the centre; (7, 2) is at distance sqrt(8) > 2.5, outside.
        QVERIFY(std::abs(s.at(5, 4) - 5 * w(0, 0)) < 1e-6);
        QVERIFY(std::abs(s.at(4, 4) - 5 * w(1, 0)) < 1e-6);
        QVERIFY(std::abs(s.at(6, 3) - (5 * w(1, 1) + 2 * w(1, 1))) < 1e-6);  // both clumps
        QVERIFY(std::abs(s.at(3, 6) - 5 * w(2, 2)) < 1e-9);                  // the disc's corner: 0
        QCOMPARE(s.at(5, 7), 0.0f);  // 3 rows up: outside the disc
        QVERIFY(std::abs(s.at(5, 6) - 5 * w(0, 2)) < 1e-6);
        float inner = 0;  // all 5 + 2 of the two clumps are inside the view: nothing lost
        for (int y = 0; y < 8; ++y)
            for (int x = 3; x < 10; ++x) inner += s.at(x, y);
        QVERIFY(std::abs(inner - 7.0f) < 1e-5f);
        // Threads do not change the sums (a large set, split over parts).
        std::vector<std::array<float, 3>> many;
        for (int i = 0; i < 300000; ++i)
            many.push_back({float(i % 1000) / 500.0f - 1.0f, float(i % 777) / 388.5f - 1.0f, 0});
        const auto one = es::widgets::density_image(many, identity, 64, 48, 2, 1);
        const auto two = es::widgets::density_image(many, identity, 64, 48, 2, 2);
        QCOMPARE(one.counts, two.counts);
        QCOMPARE(one.drawn, std::size_t{300000});
    }

    void density_image_and_legend_in_exports() {
        // 40 000 points in a front view: 100 tokens in one dense clump and 1900 on a sparse grid,
        // each token still across its 20 layers (so no path crosses the clump). The export shows
        // the colour map's top at the clump, the background where nothing is, and the legend
        // (points per pixel) over the range the frame drew.
        es::analysis::ProjectResult r = grid_result(2000, 20, 1.0, 1.0);
        for (std::size_t l = 0; l < 20; ++l)
            for (std::size_t t = 0; t < 2000; ++t)
                r.coordinates[l][t] =
                    t < 100 ? std::array<double, 3>{50.5 + 0.001 * double(t), 10.5, 0.0}
                            : std::array<double, 3>{double(t % 100), double(t / 100), 0.0};
        std::vector<es::TokenInfo> info(r.tokens);
        Projection3dView view;
        view.resize(800, 600);
        view.set_result(r, info);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.set_camera_preset(Projection3dView::CameraPreset::Front);
        view.set_draw(Projection3dView::Draw::Points);
        QVERIFY(!view.drawing_density());
        QCOMPARE(view.legend_title(), QStringLiteral("layer"));
        view.set_draw(Projection3dView::Draw::Density);
        QVERIFY(view.drawing_density());
        QCOMPARE(view.legend_title(), QStringLiteral("points per pixel"));
        const QImage img = view.render_image(QSize(800, 600));
        if (!qEnvironmentVariableIsEmpty("EIGENSCOPE_SCREENSHOT"))
            img.save(qEnvironmentVariable("EIGENSCOPE_SCREENSHOT"));
        // The densest pixel of the frame just exported is the clump's, drawn in the ramp's top
        // colour; a sparse pixel in a lower one.
        const es::widgets::DensityImage* d = view.last_density();
        QVERIFY(d && d->width == 800 && d->height == 600);
        int mx = 0, my = 0;
        for (int y = 0; y < d->height; ++y)
            for (int x = 0; x < d->width; ++x)
                if (d->at(x, y) > d->at(mx, my)) mx = x, my = y;
        QCOMPARE(d->at(mx, my), d->max);
        QVERIFY(d->max > 20 * d->at(mx + 15, my));  // the clump stands out of the grid
        const QColor top = img.pixelColor(mx, 599 - my);
        QVERIFY2(near(top, colors::sample(colors::Map::Viridis, 1.0), 3),
                 qPrintable(describe(top)));
        const QColor sparse = img.pixelColor(mx + 15, 599 - my);
        QVERIFY2(!near(sparse, top, 40) && !near(sparse, colors::plot_background(), 10),
                 qPrintable(describe(sparse)));
        QVERIFY(near(img.pixelColor(3, 3), colors::plot_background(), 3));
        const auto b = view.legend_box();
        const QRect box(QPoint(int(b[0] * 800), int((1 - b[3]) * 600)),
                        QPoint(int(b[2] * 800) - 1, int((1 - b[1]) * 600) - 1));
        // (VTK's bar samples a log-scale table between its entries: within 14 of the ramp.)
        for (double t : {0.0, 0.5, 1.0})
            QVERIFY2(count_near(img, box, colors::sample(colors::Map::Viridis, t), 14) > 20,
                     qPrintable(QStringLiteral("viridis(%1) in the legend").arg(t)));
        QVERIFY(count_near(img, box, colors::plot_foreground(), 40) > 30);  // its text
        // Auto: density only above the threshold; this scene (40 000) draws points.
        view.set_draw(Projection3dView::Draw::Auto);
        QVERIFY(!view.drawing_density());
    }

    void lasso_selects_the_right_tokens() {
        // 6 tokens x 2 layers on a grid, seen from the front: a lasso around tokens 1 and 2's
        // first-layer states selects tokens 1 and 2 (everywhere: in the selection model).
        const es::analysis::ProjectResult r = grid_result(6, 2, 1.0, 1.0);
        std::vector<es::TokenInfo> info(r.tokens);
        es::widgets::SelectionModel model;
        model.set_layer_count(2);
        Projection3dView view;
        view.follow(&model);
        view.resize(800, 600);
        view.set_result(r, info);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.set_camera_preset(Projection3dView::CameraPreset::Front);
        const QPointF p10 = on_screen(view, {1, 0, 0}), p20 = on_screen(view, {2, 0, 0});
        const double gap = p20.x() - p10.x();
        QVERIFY2(gap > 40, qPrintable(QString::number(gap)));
        QCOMPARE(view.lasso_select(around({p10, p20}, gap / 3)), (QList<int>{1, 2}));
        QCOMPARE(model.selection().tokens, (QList<int>{1, 2}));
        // Ctrl adds: token 4's second-layer state.
        const QPointF p41 = on_screen(view, {4, 1, 0});
        QCOMPARE(view.lasso_select(around({p41}, gap / 3), true), (QList<int>{4}));
        QCOMPARE(model.selection().tokens, (QList<int>{1, 2, 4}));
        // The same with the mouse: lasso button on, drag a triangle around token 5's states.
        auto* button = view.findChild<QPushButton*>(QStringLiteral("lasso"));
        QVERIFY(button);
        button->setChecked(true);
        const QPointF p50 = on_screen(view, {5, 0, 0}), p51 = on_screen(view, {5, 1, 0});
        const double h = gap / 3;
        const std::vector<QPointF> path = {{p50.x() - h, p50.y() + h},
                                           {p50.x() + h, p50.y() + h},
                                           {p51.x() + h, p51.y() - h},
                                           {p51.x() - h, p51.y() - h}};
        QWidget* gl = view.gl_widget();
        const auto send = [gl](QEvent::Type type, QPointF at, Qt::MouseButton button,
                               Qt::MouseButtons held) {
            QMouseEvent e(type, at, gl->mapToGlobal(at), button, held, Qt::NoModifier);
            QApplication::sendEvent(gl, &e);
        };
        const auto camera_before = view.camera();
        send(QEvent::MouseButtonPress, path[0], Qt::LeftButton, Qt::LeftButton);
        for (std::size_t i = 1; i < path.size(); ++i)
            send(QEvent::MouseMove, path[i], Qt::NoButton, Qt::LeftButton);
        send(QEvent::MouseButtonRelease, path.back(), Qt::LeftButton, Qt::NoButton);
        QCOMPARE(model.selection().tokens, (QList<int>{5}));
        QCOMPARE(view.camera()->position, camera_before->position);  // the drag did not orbit
    }

    void colour_by_position_and_axis() {
        // 2 prompts x 4 positions: the colour is viridis(position / 3), whatever the prompt or
        // layer, and the legend says so, in the view and its exports.
        es::analysis::ProjectResult r = grid_result(8, 2, 1.0, 1.0);
        std::vector<es::TokenInfo> info(8);
        for (std::size_t t = 0; t < 8; ++t) {
            info[t].prompt = t / 4;
            info[t].position = t % 4;
        }
        const auto cloud = es::widgets::projection3d_cloud(r);
        const auto rgb = es::widgets::projection3d_colors(
            r, cloud.states, info, es::widgets::Projection3dColoring::Position);
        for (std::size_t i = 0; i < cloud.states.size(); ++i) {
            const QColor want =
                colors::sample(colors::Map::Viridis, double(cloud.states[i] % 8 % 4) / 3.0);
            QCOMPARE(QColor(rgb[i][0], rgb[i][1], rgb[i][2]).rgb(), want.rgb());
        }
        const auto legend =
            es::widgets::projection3d_legend(r, info, es::widgets::Projection3dColoring::Position);
        QCOMPARE(legend.title, std::string("position in prompt"));
        QCOMPARE(legend.high, 3.0);
        // By the projection on axis 1 (here x = token index 0..7): diverging, centred on 0.
        const auto by_axis = es::widgets::projection3d_colors(
            r, cloud.states, info, es::widgets::Projection3dColoring::Axis1);
        for (std::size_t i = 0; i < cloud.states.size(); ++i) {
            const double x = double(cloud.states[i] % 8);
            const QColor want = colors::sample(colors::Map::Diverging, 0.5 + x / 14.0);
            QCOMPARE(QColor(by_axis[i][0], by_axis[i][1], by_axis[i][2]).rgb(), want.rgb());
        }
        const auto axis_legend =
            es::widgets::projection3d_legend(r, info, es::widgets::Projection3dColoring::Axis1);
        QCOMPARE(axis_legend.title, std::string("PC1 projection"));
        QCOMPARE(axis_legend.low, -7.0);
        QCOMPARE(axis_legend.high, 7.0);
        Projection3dView view;
        view.resize(640, 480);
        view.set_result(r, info);
        view.set_color_by(Projection3dView::ColorBy::Position);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QCOMPARE(view.legend_title(), QStringLiteral("position in prompt"));
        QVERIFY(view.legend_visible());
    }

    void colour_by_token_and_metadata() {
        // 8 tokens x 2 layers: strings a b a c a b d e ("a" 3 times, "b" twice, the rest once)
        // and a numeric column 0..7 with a NaN at token 6. By token: one palette colour per
        // string, most frequent first, the same at both layers; by the column: viridis over
        // [0, 7], grey where missing. The legend names them, in the view and in its export.
        es::analysis::ProjectResult r = grid_result(8, 2, 1.0, 1.0);
        std::vector<es::TokenInfo> info(8);
        const std::vector<std::string> text = {"a", "b", "a", "c", "a", "b", "d", "e"};
        for (std::size_t t = 0; t < 8; ++t) info[t].text = text[t];
        es::TokenColumn col;
        col.name = "surprisal";
        for (int t = 0; t < 8; ++t) col.values.push_back(t == 6 ? NAN : double(t));
        const auto cloud = es::widgets::projection3d_cloud(r);
        const auto by_token = es::analysis::token_coloring(info, {col}, "token", 3);
        const auto rgb = es::widgets::projection3d_token_colors(r, cloud.states, by_token);
        const std::vector<int> want_cat = {0, 1, 0, 2, 0, 1, -1, -1};  // a, b, c; d, e other
        for (std::size_t i = 0; i < cloud.states.size(); ++i) {
            const int c = want_cat[static_cast<std::size_t>(cloud.states[i] % 8)];
            const QColor want = c < 0 ? QColor(150, 150, 150) : colors::categorical(c);
            QCOMPARE(QColor(rgb[i][0], rgb[i][1], rgb[i][2]).rgb(), want.rgb());
        }
        const auto legend = es::widgets::projection3d_token_legend(by_token);
        QCOMPARE(legend.title, std::string("token"));
        QCOMPARE(legend.categories.size(), std::size_t{4});
        QCOMPARE(legend.categories[0].first, std::string("a (3)"));
        QCOMPARE(legend.categories[3].first, std::string("other: 2 kinds (2)"));
        const auto by_col = es::analysis::token_coloring(info, {col}, "surprisal");
        const auto vals = es::widgets::projection3d_token_colors(r, cloud.states, by_col);
        for (std::size_t i = 0; i < cloud.states.size(); ++i) {
            const int t = cloud.states[i] % 8;
            const QColor want =
                t == 6 ? QColor(150, 150, 150) : colors::sample(colors::Map::Viridis, t / 7.0);
            QCOMPARE(QColor(vals[i][0], vals[i][1], vals[i][2]).rgb(), want.rgb());
        }
        Projection3dView view;
        view.resize(800, 600);
        view.set_result(r, info, {col});
        view.set_color_by(Projection3dView::ColorBy::Token);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QCOMPARE(view.legend_title(), QStringLiteral("token"));
        const auto box_in = [&view](const QImage& img) {
            const auto b = view.legend_box();
            return QRect(QPoint(int(b[0] * img.width()), int((1 - b[3]) * img.height())),
                         QPoint(int(b[2] * img.width()) - 1, int((1 - b[1]) * img.height()) - 1));
        };
        QImage img = view.render_image(QSize(800, 600));
        if (!qEnvironmentVariableIsEmpty("EIGENSCOPE_SCREENSHOT"))
            img.save(qEnvironmentVariable("EIGENSCOPE_SCREENSHOT") + "-token.png");
        // The view names up to 7 strings: all 5 here, a swatch each in the palette's first
        // colours, and no grey "other".
        for (int c = 0; c < 5; ++c)
            QVERIFY2(count_near(img, box_in(img), colors::categorical(c), 8) > 20,
                     qPrintable(QStringLiteral("swatch %1").arg(c)));
        QCOMPARE(es::widgets::projection3d_token_legend(
                     es::analysis::token_coloring(info, {col}, "token"))
                     .categories.size(),
                 std::size_t{5});
        QVERIFY(count_near(img, box_in(img), colors::plot_foreground(), 40) > 30);  // names
        view.set_color_by(Projection3dView::ColorBy::Metadata);
        QCOMPARE(view.color_column(), QStringLiteral("surprisal"));
        QCOMPARE(view.legend_title(), QStringLiteral("surprisal"));
        img = view.render_image(QSize(800, 600));
        for (double t : {0.0, 0.5, 1.0})
            QVERIFY2(count_near(img, box_in(img), colors::sample(colors::Map::Viridis, t), 14) > 20,
                     qPrintable(QStringLiteral("viridis(%1) in the legend").arg(t)));
        // A column set before the dump that has it (a session, a headless export's --set):
        // asked for at once, chosen when the result comes.
        es::TokenColumn other;
        other.name = "depth";
        other.values.assign(8, 1.0);
        Projection3dView later;
        later.resize(640, 480);
        later.set_color_by(Projection3dView::ColorBy::Metadata);
        later.set_color_column(QStringLiteral("surprisal"));
        QCOMPARE(later.color_column(), QStringLiteral("surprisal"));
        later.set_result(r, info, {other, col});
        QCOMPARE(later.color_column(), QStringLiteral("surprisal"));
        QCOMPARE(later.legend_title(), QStringLiteral("surprisal"));
    }

    void umap_layouts_carry_a_note() {
        es::analysis::ProjectResult r = grid_result(30, 3, 1.0, 1.0);
        std::vector<es::TokenInfo> info(r.tokens);
        Projection3dView view;
        view.resize(800, 600);
        view.set_result(r, info);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.note().isEmpty());
        const QImage pca = view.render_image(QSize(800, 600));
        r.method = "umap";
        r.axis_labels = {"UMAP 1", "UMAP 2", "UMAP 3"};
        view.set_result(r, info);
        QVERIFY(view.note().contains(QStringLiteral("not the model's geometry")));
        QVERIFY(view.status_text().contains(QStringLiteral("UMAP")));
        const QImage umap = view.render_image(QSize(800, 600));
        const QRect corner(0, 0, 400, 40);  // the note's line, top left
        const int text_pca = count_near(pca, corner, colors::plot_foreground(), 60);
        const int text_umap = count_near(umap, corner, colors::plot_foreground(), 60);
        QVERIFY2(text_umap > text_pca + 100,
                 qPrintable(QStringLiteral("%1 vs %2").arg(text_umap).arg(text_pca)));
    }
};

int main(int argc, char** argv) {
    set_vtk_surface_format();
    QApplication app(argc, argv);
    Projection3dDensityTest test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_projection3d_density.moc"
