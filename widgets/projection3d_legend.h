#pragma once
// The colour legend of the 3-D projection: a panel at the right of the scene with a title and
// either a swatch and a name per category or a colour bar with its tick labels.
//
// Why our own and not vtkScalarBarActor: VTK lays its annotations out in a frame that is a
// fixed fraction of the viewport while their text is sized in points, so at an export's DPI the
// category names outgrew the frame and were drawn over their swatches ("5 (2651)" over the blue
// box in a 1280 x 800 export). Here the text is measured first, at the DPI it is drawn at, and
// the panel is sized around it: names never reach a swatch and the layout is a plain function
// (layout_legend) that tests can check at any size.
#include <array>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <vtkActor2D.h>
#include <vtkSmartPointer.h>

class vtkPolyData;
class vtkTextActor;
class vtkTextProperty;

namespace es::widgets {

// What the colour of the points means. Continuous: `ramp` from low to high over [low, high].
// Categorical: `categories`, a swatch and a name each. No title: no legend.
struct LegendSpec {
    using Rgb = std::array<unsigned char, 3>;
    std::string title;
    std::vector<Rgb> ramp;
    double low = 0, high = 1;
    bool integers = false;  // whole-number labels (layers), else three significant digits
    bool log = false;       // a logarithmic ramp (low > 0)
    std::vector<std::pair<std::string, Rgb>> categories;
};

// Rectangles in pixels from the viewport's bottom left, x0 <= x1 and y0 <= y1.
struct LegendRect {
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    bool intersects(const LegendRect& o) const {
        return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1;
    }
    bool contains(const LegendRect& o) const {
        return o.x0 >= x0 && o.x1 <= x1 && o.y0 >= y0 && o.y1 <= y1;
    }
};

struct LegendText {
    std::string text;  // as drawn (a name too long for the panel is cut, ending in "...")
    LegendRect box;    // the text's measured box
    bool title = false;
};

struct LegendLayout {
    LegendRect panel;                        // the background panel, around everything else
    std::vector<LegendRect> swatches;        // categorical: one per category, in order
    LegendRect bar;                          // continuous: the colour bar (empty when categorical)
    std::vector<LegendRect> ticks;           // continuous: a short mark at each label's value
    std::vector<LegendText> texts;           // the title first, then the names or the tick labels
    int title_points = 0, label_points = 0;  // the font sizes used (smaller when it did not fit)
};

// The size of `text` drawn in `points` at the layout's DPI: its box relative to the point it is
// anchored at (x0, x1, y0, y1 as vtkTextRenderer::GetBoundingBox gives them).
using LegendMeasure =
    std::function<std::array<int, 4>(const std::string& text, int points, bool bold)>;

// Lays `spec` out at the right of a width x height viewport drawn at `dpi` (72: one point a
// pixel), the title in `title_points` and the rest in `label_points`; when the panel would not
// fit the viewport's height the fonts shrink, and names wider than ~40% of the width are cut.
// Every text box lies inside the panel and apart from every swatch, the bar and the ticks.
LegendLayout layout_legend(const LegendSpec& spec, int width, int height, double dpi,
                           int title_points, int label_points, const LegendMeasure& measure);

// The tick labels of a continuous legend: (fraction of the bar from the bottom, text).
std::vector<std::pair<double, std::string>> legend_ticks(const LegendSpec& spec);

// Draws layout_legend() of its spec in the viewport it is rendered in, laid out again whenever
// the viewport's size, the window's DPI or the spec change (the screen, then an export at its
// size and DPI).
class LegendActor : public vtkActor2D {
public:
    static LegendActor* New();
    vtkTypeMacro(LegendActor, vtkActor2D)

        void set_spec(const LegendSpec& spec);
    const LegendSpec& spec() const { return spec_; }
    void set_colors(LegendSpec::Rgb foreground, LegendSpec::Rgb background);
    void set_font_sizes(int title_points, int label_points);
    // The layout last drawn and the viewport's size it was drawn in.
    const LegendLayout& last_layout() const { return layout_; }
    std::array<int, 2> last_size() const { return {width_, height_}; }
    // The layout it draws in `viewport` at its window's DPI now (laid out again if needed):
    // where the panel will be before the frame is drawn (the 3D view's framing keeps clear of it).
    const LegendLayout& layout_in(vtkViewport* viewport);

    int RenderOpaqueGeometry(vtkViewport* viewport) override;
    int RenderOverlay(vtkViewport* viewport) override;
    int RenderTranslucentPolygonalGeometry(vtkViewport*) override { return 0; }
    vtkTypeBool HasTranslucentPolygonalGeometry() override { return 0; }
    void ReleaseGraphicsResources(vtkWindow* window) override;

protected:
    LegendActor();
    ~LegendActor() override;

private:
    LegendActor(const LegendActor&) = delete;
    void operator=(const LegendActor&) = delete;
    void rebuild(int width, int height, int dpi);
    void style_text(vtkTextProperty* t, int points, bool bold) const;

    LegendSpec spec_;
    LegendSpec::Rgb foreground_{0, 0, 0}, background_{255, 255, 255};
    int title_points_ = 13, label_points_ = 11;
    bool dirty_ = true;
    int width_ = 0, height_ = 0, dpi_ = 0;
    LegendLayout layout_;
    vtkSmartPointer<vtkActor2D> panel_;   // the translucent background
    vtkSmartPointer<vtkActor2D> shapes_;  // swatches, bar and ticks, opaque
    std::vector<vtkSmartPointer<vtkTextActor>> texts_;
};

}  // namespace es::widgets
