#include "projection3d_legend.h"

#include <algorithm>
#include <cmath>

#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkObjectFactory.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper2D.h>
#include <vtkProperty2D.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkTextRenderer.h>
#include <vtkUnsignedCharArray.h>
#include <vtkViewport.h>
#include <vtkWindow.h>

#include "util/number_text.h"

namespace es::widgets {

namespace {

std::string tick_text(double v, bool integers) {
    if (integers) return util::format_number(std::round(v), 17);
    // Three significant digits, but a count in the thousands keeps its digits ("12588", not
    // "1.26e+04").
    if (std::abs(v) >= 1000 && std::abs(v) < 1e6) return util::format_number(std::round(v), 7);
    return util::format_number(v, 3);
}

// `text` cut at the end, "..." appended, until it measures at most `max_width`.
std::string fit_text(const std::string& text, double max_width, int points, bool bold,
                     const LegendMeasure& measure) {
    const auto width = [&](const std::string& t) {
        const auto b = measure(t, points, bold);
        return static_cast<double>(b[1] - b[0]);
    };
    if (width(text) <= max_width) return text;
    std::string cut = text;
    while (!cut.empty()) {
        cut.pop_back();
        // Never split a UTF-8 sequence: drop continuation bytes with their lead byte.
        while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0x80)
            cut.pop_back();
        if (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0x80)) cut.pop_back();
        if (width(cut + "...") <= max_width) return cut + "...";
    }
    return "...";
}

LegendLayout layout_at(const LegendSpec& spec, int width, int height, double dpi, int title_points,
                       int label_points, const LegendMeasure& measure) {
    LegendLayout out;
    out.title_points = title_points;
    out.label_points = label_points;
    const double s = dpi / 72.0;
    const double pad = std::round(6 * s), gap = std::round(5 * s), row_gap = std::round(3 * s);
    const double margin = std::round(10 * s);
    const auto size_of = [&](const std::string& t, bool title) {
        const auto b = measure(t, title ? title_points : label_points, title);
        return std::array<double, 2>{double(b[1] - b[0]), double(b[3] - b[2])};
    };
    // Line heights from a string with an ascender and a descender, so that every row is as tall
    // whatever its text.
    const double title_h = size_of("Ag", true)[1];
    const double line_h = size_of("Ag", false)[1];
    // At most ~40% of the viewport's width for the panel; its text is cut to fit.
    const double max_panel_w = std::max(0.4 * width, 60 * s);
    const double max_text_w = std::max(10.0, max_panel_w - 2 * pad);
    const std::string title = fit_text(spec.title, max_text_w, title_points, true, measure);
    const double title_w = size_of(title, true)[0];
    const bool categorical = !spec.categories.empty();

    double content_w = title_w, panel_h = 0;
    std::vector<std::string> names;
    std::vector<std::pair<double, std::string>> ticks;
    const double swatch = std::round(line_h);  // a square as tall as a line of text
    const double bar_w = std::round(std::max(10.0, 12 * s));
    const double tick_len = std::round(4 * s);
    double label_w = 0;
    if (categorical) {
        for (const auto& [name, rgb] : spec.categories) {
            names.push_back(
                fit_text(name, max_text_w - swatch - gap, label_points, false, measure));
            label_w = std::max(label_w, size_of(names.back(), false)[0]);
        }
        content_w = std::max(content_w, swatch + gap + label_w);
        const double n = static_cast<double>(names.size());
        panel_h = pad + title_h + gap + n * line_h + (n - 1) * row_gap + pad;
    } else {
        ticks = legend_ticks(spec);
        for (const auto& [at, text] : ticks) label_w = std::max(label_w, size_of(text, false)[0]);
        content_w = std::max(content_w, bar_w + tick_len + gap + label_w);
        // As tall as 62% of the viewport (the colours need room to read), at least a few lines.
        panel_h = std::max(0.62 * height, pad + title_h + gap + 4 * line_h + pad);
    }
    const double panel_w = std::ceil(content_w + 2 * pad);
    // At the right edge; the top at 74% of the height (the UMAP note and the axes' corner stay
    // clear above it) unless it is too tall for that.
    const double x1 = width - margin, x0 = x1 - panel_w;
    const double top = std::min(height - margin, std::max(0.74 * height, margin + panel_h));
    out.panel = {x0, top - panel_h, x1, top};

    const double left = x0 + pad;
    double y = top - pad;  // the next row's top
    const auto add_text = [&](const std::string& text, double tx, double ty_top, bool is_title) {
        const auto sz = size_of(text, is_title);
        out.texts.push_back({text, {tx, ty_top - sz[1], tx + sz[0], ty_top}, is_title});
    };
    add_text(title, left, y, true);
    y -= title_h + gap;
    if (categorical) {
        for (std::size_t i = 0; i < names.size(); ++i) {
            out.swatches.push_back({left, y - swatch, left + swatch, y});
            const double h = size_of(names[i], false)[1];
            add_text(names[i], left + swatch + gap, y - (line_h - h) / 2, false);
            y -= line_h + row_gap;
        }
        return out;
    }
    // The bar leaves half a line above and below, where the end labels reach.
    const double bar_top = y - line_h / 2, bar_bottom = out.panel.y0 + pad + line_h / 2;
    out.bar = {left, std::min(bar_bottom, bar_top), left + bar_w, bar_top};
    const double bar_h = out.bar.y1 - out.bar.y0;
    for (const auto& [at, text] : ticks) {
        const double ty = std::round(out.bar.y0 + at * bar_h);
        const double half = std::max(1.0, std::round(0.5 * s));
        out.ticks.push_back({out.bar.x1, ty - half, out.bar.x1 + tick_len, ty + half});
        const double h = size_of(text, false)[1];
        add_text(text, out.bar.x1 + tick_len + gap, ty + h / 2, false);
    }
    return out;
}

}  // namespace

std::vector<std::pair<double, std::string>> legend_ticks(const LegendSpec& spec) {
    std::vector<std::pair<double, std::string>> out;
    const double low = spec.low, high = spec.high > spec.low ? spec.high : spec.low + 1;
    const bool log = spec.log && low > 0;
    if (spec.integers) {
        // Up to five labels at whole numbers, at their own heights.
        const double span = high - low;
        const int n = static_cast<int>(std::clamp(span, 1.0, 4.0)) + 1;
        for (int i = 0; i < n; ++i) {
            const double v = low + std::round(i * span / (n - 1));
            out.emplace_back((v - low) / span, tick_text(v, true));
        }
        return out;
    }
    for (double f : {0.0, 0.5, 1.0}) {
        const double v = log ? std::exp(std::log(low) + f * (std::log(high) - std::log(low)))
                             : low + f * (high - low);
        out.emplace_back(f, tick_text(v, false));
    }
    return out;
}

LegendLayout layout_legend(const LegendSpec& spec, int width, int height, double dpi,
                           int title_points, int label_points, const LegendMeasure& measure) {
    LegendLayout out = layout_at(spec, width, height, dpi, title_points, label_points, measure);
    // Too tall for the viewport (a small dock, many categories): smaller type, down to 6 points.
    const double room = height - 2 * std::round(10 * dpi / 72.0);
    const double tall = out.panel.y1 - out.panel.y0;
    if (!spec.categories.empty() && tall > room && room > 0) {
        const double f = room / tall;
        const int tp = std::max(6, static_cast<int>(std::floor(title_points * f)));
        const int lp = std::max(6, static_cast<int>(std::floor(label_points * f)));
        out = layout_at(spec, width, height, dpi, tp, lp, measure);
    }
    return out;
}

vtkStandardNewMacro(LegendActor)

    LegendActor::LegendActor()
    : panel_(vtkSmartPointer<vtkActor2D>::New()), shapes_(vtkSmartPointer<vtkActor2D>::New()) {
    for (vtkActor2D* a : {panel_.Get(), shapes_.Get()}) {
        auto mapper = vtkSmartPointer<vtkPolyDataMapper2D>::New();
        mapper->SetInputData(vtkSmartPointer<vtkPolyData>::New());
        a->SetMapper(mapper);
    }
    static_cast<vtkPolyDataMapper2D*>(shapes_->GetMapper())->SetScalarModeToUseCellData();
    static_cast<vtkPolyDataMapper2D*>(panel_->GetMapper())->ScalarVisibilityOff();
    panel_->GetProperty()->SetOpacity(0.8);  // points behind it show faintly, never its text
    PickableOff();
}

LegendActor::~LegendActor() = default;

void LegendActor::set_spec(const LegendSpec& spec) {
    spec_ = spec;
    dirty_ = true;
    Modified();
}

void LegendActor::set_colors(LegendSpec::Rgb foreground, LegendSpec::Rgb background) {
    foreground_ = foreground;
    background_ = background;
    dirty_ = true;
    Modified();
}

void LegendActor::set_font_sizes(int title_points, int label_points) {
    title_points_ = title_points;
    label_points_ = label_points;
    dirty_ = true;
    Modified();
}

void LegendActor::style_text(vtkTextProperty* t, int points, bool bold) const {
    t->SetFontFamilyToArial();
    t->SetFontSize(points);
    t->SetBold(bold);
    t->ItalicOff();
    t->ShadowOff();
    t->SetJustificationToLeft();
    t->SetVerticalJustificationToBottom();
    t->SetColor(foreground_[0] / 255.0, foreground_[1] / 255.0, foreground_[2] / 255.0);
}

void LegendActor::rebuild(int width, int height, int dpi) {
    auto probe = vtkSmartPointer<vtkTextProperty>::New();
    vtkTextRenderer* renderer = vtkTextRenderer::GetInstance();
    // Measured as vtkTextActor will draw it: the same properties, at the window's DPI.
    const LegendMeasure measure = [&](const std::string& text, int points, bool bold) {
        style_text(probe, points, bold);
        int b[4] = {0, 0, 0, 0};
        if (renderer && !text.empty()) renderer->GetBoundingBox(probe, text, b, dpi);
        return std::array<int, 4>{b[0], b[1], b[2], b[3]};
    };
    layout_ = layout_legend(spec_, width, height, dpi, title_points_, label_points_, measure);
    width_ = width;
    height_ = height;
    dpi_ = dpi;
    dirty_ = false;

    // Rectangles as quads, one colour per cell.
    const auto quads = [](const std::vector<std::pair<LegendRect, LegendSpec::Rgb>>& rects) {
        auto points = vtkSmartPointer<vtkPoints>::New();
        auto cells = vtkSmartPointer<vtkCellArray>::New();
        auto rgb = vtkSmartPointer<vtkUnsignedCharArray>::New();
        rgb->SetNumberOfComponents(3);
        for (const auto& [r, c] : rects) {
            const vtkIdType first = points->GetNumberOfPoints();
            points->InsertNextPoint(r.x0, r.y0, 0);
            points->InsertNextPoint(r.x1, r.y0, 0);
            points->InsertNextPoint(r.x1, r.y1, 0);
            points->InsertNextPoint(r.x0, r.y1, 0);
            const vtkIdType ids[4] = {first, first + 1, first + 2, first + 3};
            cells->InsertNextCell(4, ids);
            rgb->InsertNextTypedTuple(c.data());
        }
        auto poly = vtkSmartPointer<vtkPolyData>::New();
        poly->SetPoints(points);
        poly->SetPolys(cells);
        poly->GetCellData()->SetScalars(rgb);
        return poly;
    };
    static_cast<vtkPolyDataMapper2D*>(panel_->GetMapper())
        ->SetInputData(quads({{layout_.panel, background_}}));
    panel_->GetProperty()->SetColor(background_[0] / 255.0, background_[1] / 255.0,
                                    background_[2] / 255.0);
    std::vector<std::pair<LegendRect, LegendSpec::Rgb>> shapes;
    for (std::size_t i = 0; i < layout_.swatches.size(); ++i)
        shapes.emplace_back(layout_.swatches[i], spec_.categories[i].second);
    if (layout_.bar.y1 > layout_.bar.y0 && !spec_.ramp.empty()) {
        // One band per ramp entry, bottom (low) to top (high), on whole pixels.
        const std::size_t n = spec_.ramp.size();
        const LegendRect& b = layout_.bar;
        for (std::size_t i = 0; i < n; ++i) {
            const double y0 = std::round(b.y0 + (b.y1 - b.y0) * double(i) / double(n));
            const double y1 = std::round(b.y0 + (b.y1 - b.y0) * double(i + 1) / double(n));
            if (y1 > y0) shapes.emplace_back(LegendRect{b.x0, y0, b.x1, y1}, spec_.ramp[i]);
        }
    }
    for (const LegendRect& t : layout_.ticks) shapes.emplace_back(t, foreground_);
    static_cast<vtkPolyDataMapper2D*>(shapes_->GetMapper())->SetInputData(quads(shapes));

    // A text actor per text, its measured box's corner at the layout's.
    while (texts_.size() < layout_.texts.size()) {
        texts_.push_back(vtkSmartPointer<vtkTextActor>::New());
        texts_.back()->PickableOff();
    }
    texts_.resize(layout_.texts.size());
    for (std::size_t i = 0; i < layout_.texts.size(); ++i) {
        const LegendText& t = layout_.texts[i];
        vtkTextActor* a = texts_[i];
        const int points = t.title ? layout_.title_points : layout_.label_points;
        style_text(a->GetTextProperty(), points, t.title);
        a->SetInput(t.text.c_str());
        const auto b = measure(t.text, points, t.title);
        a->SetDisplayPosition(static_cast<int>(std::lround(t.box.x0)) - b[0],
                              static_cast<int>(std::lround(t.box.y0)) - b[2]);
    }
}

const LegendLayout& LegendActor::layout_in(vtkViewport* viewport) {
    const int* size = viewport->GetSize();
    vtkWindow* win = viewport->GetVTKWindow();
    const int dpi = win ? win->GetDPI() : 72;
    if (dirty_ || size[0] != width_ || size[1] != height_ || dpi != dpi_)
        rebuild(size[0], size[1], dpi);
    return layout_;
}

int LegendActor::RenderOpaqueGeometry(vtkViewport* viewport) {
    if (spec_.title.empty()) return 0;
    layout_in(viewport);
    int drawn = 0;
    // Text actors build their textures here, for RenderOverlay to draw.
    for (auto& t : texts_) drawn += t->RenderOpaqueGeometry(viewport);
    return drawn;
}

int LegendActor::RenderOverlay(vtkViewport* viewport) {
    if (spec_.title.empty() || dirty_) return 0;
    int drawn = panel_->RenderOverlay(viewport) + shapes_->RenderOverlay(viewport);
    for (auto& t : texts_) drawn += t->RenderOverlay(viewport);
    return drawn;
}

void LegendActor::ReleaseGraphicsResources(vtkWindow* window) {
    panel_->ReleaseGraphicsResources(window);
    shapes_->ReleaseGraphicsResources(window);
    for (auto& t : texts_) t->ReleaseGraphicsResources(window);
    vtkActor2D::ReleaseGraphicsResources(window);
}

}  // namespace es::widgets
