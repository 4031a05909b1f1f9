// Qt Test for the 3-D view's colour legend (widgets/projection3d_legend.h): its layout at the
// export sizes and DPIs, and the rendered images, where a name drawn over its swatch (as VTK's
// scalar bar did in a 1280 x 800 export: "5 (2651)" over the blue box) fails. Runs under
// xvfb-run (the images need OpenGL); the layout checks measure text with VTK's FreeType.
#include <QApplication>
#include <QTest>
#include <algorithm>
#include <climits>
#include <cmath>

#include <vtkSmartPointer.h>
#include <vtkTextProperty.h>
#include <vtkTextRenderer.h>

#include "analysis/project.h"
#include "colormaps.h"
#include "projection3d_legend.h"
#include "projection3d_view.h"
#include "util/number_text.h"
#include "vtk_test_support.h"

using namespace es::widgets::test;
using es::widgets::LegendLayout;
using es::widgets::LegendRect;
using es::widgets::LegendSpec;
using es::widgets::Projection3dView;
namespace colors = es::widgets::colors;

namespace {

// The export sizes of the issue with the DPI `eigenscope --export --size` gives them (72 x the
// scale of figure_render.cpp's resolved_size), the view's own 72 DPI, and a small dock.
struct Target {
    int width, height;
    double scale;
};
const Target kTargets[] = {
    {1280, 800, 4.0 / 3.0}, {1920, 1080, 1.8}, {3840, 2160, 3.6}, {800, 600, 1.0}, {360, 240, 1.0}};

// The cloud1m dump's "cluster" legend as the app builds it: seven named, the rest "other".
LegendSpec cluster_legend() {
    LegendSpec s;
    s.title = "cluster";
    const char* names[] = {"5 (2651)", "0 (2560)", "11 (2531)", "3 (2516)",
                           "8 (2489)", "2 (2410)", "9 (2255)"};
    for (int i = 0; i < 7; ++i) {
        const QColor c = colors::categorical(i);
        s.categories.emplace_back(names[i], LegendSpec::Rgb{static_cast<unsigned char>(c.red()),
                                                            static_cast<unsigned char>(c.green()),
                                                            static_cast<unsigned char>(c.blue())});
    }
    s.categories.emplace_back("other: 5 kinds (12588)", LegendSpec::Rgb{150, 150, 150});
    return s;
}

LegendSpec ramp_legend(const std::string& title, double low, double high, bool integers, bool log) {
    LegendSpec s;
    s.title = title;
    s.low = low;
    s.high = high;
    s.integers = integers;
    s.log = log;
    for (int i = 0; i < 64; ++i) {
        const QColor c = colors::sample(colors::Map::Viridis, i / 63.0);
        s.ramp.push_back({static_cast<unsigned char>(c.red()),
                          static_cast<unsigned char>(c.green()),
                          static_cast<unsigned char>(c.blue())});
    }
    return s;
}

// Text measured as the legend actor measures it: Arial, VTK's FreeType, at `dpi`.
es::widgets::LegendMeasure freetype_at(int dpi) {
    return [dpi](const std::string& text, int points, bool bold) {
        auto p = vtkSmartPointer<vtkTextProperty>::New();
        p->SetFontFamilyToArial();
        p->SetFontSize(points);
        p->SetBold(bold);
        p->SetJustificationToLeft();
        p->SetVerticalJustificationToBottom();
        int b[4] = {0, 0, 0, 0};
        vtkTextRenderer::GetInstance()->GetBoundingBox(p, text, b, dpi);
        return std::array<int, 4>{b[0], b[1], b[2], b[3]};
    };
}

QString rect_text(const LegendRect& r) {
    return QStringLiteral("[%1,%2 - %3,%4]").arg(r.x0).arg(r.y0).arg(r.x1).arg(r.y1);
}

// Empty when no text box meets a swatch, the bar, a tick or another text, and everything lies
// inside the panel and the panel inside the viewport.
QString layout_problem(const LegendLayout& l, int width, int height) {
    const LegendRect viewport{0, 0, double(width), double(height)};
    if (!viewport.contains(l.panel)) return QStringLiteral("panel ") + rect_text(l.panel);
    std::vector<LegendRect> marks = l.swatches;
    if (l.bar.y1 > l.bar.y0) marks.push_back(l.bar);
    marks.insert(marks.end(), l.ticks.begin(), l.ticks.end());
    for (const LegendRect& m : marks)
        if (!l.panel.contains(m)) return QStringLiteral("mark outside the panel ") + rect_text(m);
    for (std::size_t i = 0; i < l.texts.size(); ++i) {
        const auto& t = l.texts[i];
        const QString name = QString::fromStdString(t.text);
        if (!l.panel.contains(t.box)) return name + QStringLiteral(" outside the panel");
        for (const LegendRect& m : marks)
            if (t.box.intersects(m)) return name + QStringLiteral(" over ") + rect_text(m);
        for (std::size_t j = i + 1; j < l.texts.size(); ++j)
            if (t.box.intersects(l.texts[j].box))
                return name + QStringLiteral(" over ") + QString::fromStdString(l.texts[j].text);
    }
    return {};
}

// The image's pixels near colour `c` within `box` (image coordinates, top left), as a rect;
// `count` gets how many there were.
QRect extent_of(const QImage& img, QRect box, QColor c, int tol, int* count) {
    int x0 = INT_MAX, y0 = INT_MAX, x1 = -1, y1 = -1, n = 0;
    for (int y = box.top(); y <= box.bottom(); ++y)
        for (int x = box.left(); x <= box.right(); ++x)
            if (near(img.pixelColor(x, y), c, tol)) {
                x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x),
                y1 = std::max(y1, y), ++n;
            }
    *count = n;
    return n ? QRect(QPoint(x0, y0), QPoint(x1, y1)) : QRect();
}

int count_in(const QImage& img, QRect box, QColor c, int tol) {
    int n = 0;
    for (int y = box.top(); y <= box.bottom(); ++y)
        for (int x = box.left(); x <= box.right(); ++x)
            n += near(img.pixelColor(x, y), c, tol) ? 1 : 0;
    return n;
}

QRect panel_in(const Projection3dView& view, const QImage& img) {
    const auto b = view.legend_box();
    return QRect(QPoint(int(b[0] * img.width()), int((1 - b[3]) * img.height())),
                 QPoint(int(std::ceil(b[2] * img.width())) - 1,
                        int(std::ceil((1 - b[1]) * img.height())) - 1))
        .intersected(img.rect());
}

// tokens x layers on a line; token t's string is names[t % names.size()] repeated so that the
// first names are the most frequent.
es::analysis::ProjectResult line_result(std::size_t tokens, std::size_t layers) {
    es::analysis::ProjectResult r;
    r.tokens = tokens;
    r.axis_labels = {"PC1", "PC2", "PC3"};
    for (std::size_t l = 0; l < layers; ++l) {
        r.layers.push_back(std::to_string(l));
        r.states.push_back(l);
        std::vector<std::optional<std::array<double, 3>>> row(tokens);
        for (std::size_t t = 0; t < tokens; ++t)
            row[t] = std::array<double, 3>{double(t % 40), double(l) + double(t / 40) * 0.1,
                                           std::sin(double(t))};
        r.coordinates.push_back(row);
    }
    return r;
}

// `view` at 800 x 600 showing `r` coloured `by`; true once its window is exposed.
bool show_colored(Projection3dView& view, const es::analysis::ProjectResult& r,
                  const std::vector<es::TokenInfo>& info, Projection3dView::ColorBy by) {
    view.resize(800, 600);
    view.set_result(r, info);
    view.set_color_by(by);
    view.show();
    return QTest::qWaitForWindowExposed(&view);
}

}  // namespace

class Projection3dLegendTest : public QObject {
    Q_OBJECT

private slots:
    void ticks_name_the_range() {
        // Layers 0..32: five whole numbers at their own heights on the bar.
        const auto layers = es::widgets::legend_ticks(ramp_legend("layer", 0, 32, true, false));
        QCOMPARE(layers.size(), std::size_t{5});
        const char* want[] = {"0", "8", "16", "24", "32"};
        for (std::size_t i = 0; i < 5; ++i) {
            QCOMPARE(layers[i].second, std::string(want[i]));
            QVERIFY(std::abs(layers[i].first - i / 4.0) < 1e-12);
        }
        // Two layers: both ends only.
        QCOMPARE(es::widgets::legend_ticks(ramp_legend("layer", 3, 4, true, false)).size(),
                 std::size_t{2});
        // Density, log scale: the ends and their geometric mean, three significant digits; a
        // count in the thousands keeps its digits.
        const auto density =
            es::widgets::legend_ticks(ramp_legend("points per pixel", 0.0026, 835, false, true));
        QCOMPARE(density.size(), std::size_t{3});
        QCOMPARE(density[0].second, std::string("0.0026"));
        QCOMPARE(density[1].second,
                 std::string(es::util::format_number(std::sqrt(0.0026 * 835), 3)));
        QCOMPARE(density[1].second, std::string("1.47"));
        QCOMPARE(density[2].second, std::string("835"));
        const auto big =
            es::widgets::legend_ticks(ramp_legend("norm", -12588.4, 12588.4, false, false));
        QCOMPARE(big[0].second, std::string("-12588"));
        QCOMPARE(big[1].second, std::string("0"));
    }

    void layout_keeps_text_off_the_swatches() {
        // At every export size and DPI, and in the view: no name meets a swatch, no tick label
        // the bar, no text another, all inside the panel, the panel inside the picture.
        const std::vector<LegendSpec> specs = {
            cluster_legend(), ramp_legend("layer", 0, 32, true, false),
            ramp_legend("points per pixel", 0.0026, 835, false, true),
            ramp_legend("PC1 projection", -7.25, 7.25, false, false)};
        for (const Target& t : kTargets) {
            const int dpi = std::max(1, qRound(72 * t.scale));
            for (const LegendSpec& spec : specs) {
                const LegendLayout l = es::widgets::layout_legend(spec, t.width, t.height, dpi, 13,
                                                                  11, freetype_at(dpi));
                const QString where = QStringLiteral("%1 at %2x%3, %4 dpi")
                                          .arg(QString::fromStdString(spec.title))
                                          .arg(t.width)
                                          .arg(t.height)
                                          .arg(dpi);
                const QString problem = layout_problem(l, t.width, t.height);
                QVERIFY2(problem.isEmpty(), qPrintable(where + ": " + problem));
                QCOMPARE(l.texts.size(),
                         1 + (spec.categories.empty() ? es::widgets::legend_ticks(spec).size()
                                                      : spec.categories.size()));
                QCOMPARE(l.swatches.size(), spec.categories.size());
            }
        }
        // The type scales with the DPI: at 3.6x the names are 3.3-3.9x as wide as at 1x.
        const auto w = [](int dpi) {
            const auto b = freetype_at(dpi)("other: 5 kinds (12588)", 11, false);
            return double(b[1] - b[0]);
        };
        QVERIFY2(w(259) > 3.3 * w(72) && w(259) < 3.9 * w(72),
                 qPrintable(QStringLiteral("%1 vs %2").arg(w(259)).arg(w(72))));
        // A name too long for 40% of a small view is cut, and still ends before the panel does.
        LegendSpec longer = cluster_legend();
        longer.categories[0].first = std::string(200, 'w');
        const LegendLayout l =
            es::widgets::layout_legend(longer, 360, 240, 72, 13, 11, freetype_at(72));
        QVERIFY(l.texts[1].text.size() < 200);
        QVERIFY(l.texts[1].text.size() > 3 &&
                l.texts[1].text.substr(l.texts[1].text.size() - 3) == "...");
        QVERIFY(l.panel.x1 - l.panel.x0 <= 0.4 * 360 + 1);
        QVERIFY2(layout_problem(l, 360, 240).isEmpty(), qPrintable(layout_problem(l, 360, 240)));
    }

    void exported_names_sit_beside_their_swatches() {
        // Rendered: the view coloured by token (seven strings named, five more "other"), at the
        // export sizes. Each swatch is a solid square of its colour (a name drawn over it would
        // hole it), no text ink touches it, and its name's ink is beside it on its row.
        const char* names[] = {"5", "0", "11", "3", "8", "2", "9", "1", "4", "6", "7", "10"};
        es::analysis::ProjectResult r = line_result(780, 2);
        std::vector<es::TokenInfo> info(r.tokens);
        for (std::size_t t = 0; t < r.tokens; ++t) {
            // Token t takes name k for the k-th band of a triangular split: the first most often.
            std::size_t k = 0, acc = 0;
            while (k + 1 < 12 && t >= acc + (12 - k) * 10) acc += (12 - k) * 10, ++k;
            info[t].text = names[k];
        }
        Projection3dView view;
        QVERIFY(show_colored(view, r, info, Projection3dView::ColorBy::Token));
        QCOMPARE(view.legend_title(), QStringLiteral("token"));
        std::vector<QColor> swatch_colors;
        for (int i = 0; i < 7; ++i) swatch_colors.push_back(colors::categorical(i));
        swatch_colors.emplace_back(150, 150, 150);
        for (const Target& t : kTargets) {
            const QImage img = view.render_image(QSize(t.width, t.height), t.scale);
            const QString where = QStringLiteral("%1x%2").arg(t.width).arg(t.height);
            if (!qEnvironmentVariableIsEmpty("EIGENSCOPE_SCREENSHOT"))
                img.save(qEnvironmentVariable("EIGENSCOPE_SCREENSHOT") + "-" + where + ".png");
            // One pixel in from the panel's edge: only the legend's own pixels.
            const QRect panel = panel_in(view, img).adjusted(1, 1, -1, -1);
            QVERIFY2(panel.width() > 20 && panel.height() > 50, qPrintable(where));
            // Text ink: the foreground colour, within the panel.
            const QColor ink = colors::plot_foreground();
            QVERIFY(count_in(img, panel, ink, 60) > 100);
            QRect column, previous;  // the swatches' column; the swatch above this one
            for (std::size_t i = 0; i < swatch_colors.size(); ++i) {
                // The palette's colours are nowhere else in the panel; grey is also in the
                // text's antialiased edges, so "other" is looked for in the swatches' column,
                // below the last coloured one.
                const bool grey = i + 1 == swatch_colors.size();
                const QRect look = grey ? QRect(QPoint(column.left(), previous.bottom() + 1),
                                                QPoint(column.right(), panel.bottom()))
                                        : panel;
                int n = 0;
                const QRect sw = extent_of(img, look, swatch_colors[i], 2, &n);
                column = column.isNull() ? sw : column.united(sw);
                previous = sw;
                const QString what =
                    where + QStringLiteral(" swatch %1 %2")
                                .arg(i)
                                .arg(QStringLiteral("%1x%2").arg(sw.width()).arg(sw.height()));
                QVERIFY2(n > 0, qPrintable(what));
                // Solid: all but a rim of antialiased edge pixels of its bounding box.
                QVERIFY2(n >= 0.9 * sw.width() * sw.height(), qPrintable(what + " has holes"));
                QVERIFY2(sw.width() >= 0.75 * sw.height() && sw.width() <= 1.34 * sw.height(),
                         qPrintable(what + " is not square"));
                // No ink on it or in the pixel around it.
                QCOMPARE(count_in(img, sw.adjusted(-1, -1, 1, 1), ink, 60), 0);
                // Its name: ink on its row, to its right, inside the panel.
                const QRect row(QPoint(sw.right() + 2, sw.top()),
                                QPoint(panel.right(), sw.bottom()));
                QVERIFY2(count_in(img, row, ink, 60) > 5, qPrintable(what + " has no name"));
            }
        }
    }

    void exported_bar_labels_sit_beside_the_bar() {
        // Coloured by layer (0..7): the bar's viridis pixels form one column with no ink on it,
        // and the labels' ink lies to its right, at every export size.
        es::analysis::ProjectResult r = line_result(200, 8);
        std::vector<es::TokenInfo> info(r.tokens);
        Projection3dView view;
        QVERIFY(show_colored(view, r, info, Projection3dView::ColorBy::Layer));
        QCOMPARE(view.legend_title(), QStringLiteral("layer"));
        for (const Target& t : kTargets) {
            const QImage img = view.render_image(QSize(t.width, t.height), t.scale);
            const QString where = QStringLiteral("%1x%2").arg(t.width).arg(t.height);
            const QRect panel = panel_in(view, img).adjusted(1, 1, -1, -1);
            // The bar: from the ramp's first colour (bottom) to its last (top).
            int n_low = 0, n_high = 0;
            const QRect low =
                extent_of(img, panel, colors::sample(colors::Map::Viridis, 0.0), 6, &n_low);
            const QRect high =
                extent_of(img, panel, colors::sample(colors::Map::Viridis, 1.0), 6, &n_high);
            QVERIFY2(n_low > 10 && n_high > 10, qPrintable(where));
            QVERIFY2(low.top() > high.bottom(), qPrintable(where + " low is not below high"));
            QVERIFY2(std::abs(low.left() - high.left()) <= 1, qPrintable(where));
            const QRect bar(QPoint(high.left(), high.top()), QPoint(high.right(), low.bottom()));
            const QColor ink = colors::plot_foreground();
            QCOMPARE(count_in(img, bar, ink, 60), 0);
            const QRect labels(QPoint(bar.right() + 1, bar.top()),
                               QPoint(panel.right(), bar.bottom()));
            QVERIFY2(count_in(img, labels, ink, 60) > 40, qPrintable(where + " labels"));
        }
    }
};

int main(int argc, char** argv) {
    set_vtk_surface_format();
    QApplication app(argc, argv);
    Projection3dLegendTest test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_projection3d_legend.moc"
