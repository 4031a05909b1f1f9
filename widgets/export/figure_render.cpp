// Drawing a figure at any size onto any painter: the view's QCustomPlots re-laid out for the
// target rect (stacked as in the view), heatmap cells as vector polygons for SVG/PDF, the logit
// lens table drawn as text, and the 3D view as a raster rendered at the requested resolution.
#include <qcustomplot.h>
#include <QPainter>
#include <algorithm>
#include <cmath>

#include "angles_view.h"
#include "attention_view.h"
#include "checkpoint_view.h"
#include "cka_view.h"
#include "colormaps.h"
#include "equaliser_view.h"
#include "export/figure_export.h"
#include "export/svg_sink.h"
#include "heads_view.h"
#include "lens_view.h"
#include "projection3d_view.h"
#include "spectrum_view.h"
#include "timescales_view.h"
#include "trajectory_view.h"
#include "weight_spectrum_view.h"

namespace es::widgets {

namespace {

// The base layout size of a figure when no size is asked for; large exports scale fonts from it.
constexpr double kBaseWidth = 800.0, kBaseHeight = 600.0;

// Reads QCustomPlot's background brush (protected, no getter) to restore it after a transparent
// export.
struct PlotAccess : QCustomPlot {
    static QBrush background_of(const QCustomPlot* plot) {
        return plot->*(&PlotAccess::mBackgroundBrush);
    }
    static void update_layout(QCustomPlot* plot) { (plot->*(&PlotAccess::updateLayout))(); }
};

// QCustomPlot::draw() layer by layer, for the SVG sink (each layerable clipped on its own).
struct LayerableAccess : QCPLayerable {
    static QRect clip(const QCPLayerable* l) { return (l->*(&LayerableAccess::clipRect))(); }
    static void paint(QCPLayerable* l, QCPPainter* p) {
        (l->*(&LayerableAccess::applyDefaultAntialiasingHint))(p);
        (l->*(&LayerableAccess::draw))(p);
    }
};

// What toPainter() does, with every layerable in its own clipped SVG piece. The painter is
// re-begun on each piece and left begun on a fresh unclipped piece with its old transform.
void draw_plot_pieces(QCustomPlot* plot, SvgSink& sink, QCPPainter& painter, const QRectF& rect) {
    const QTransform base = painter.transform();
    const QTransform local = QTransform::fromTranslate(rect.left(), rect.top()) * base;
    const QRect viewport = plot->viewport();
    plot->setViewport(
        QRect(0, 0, std::max(1, qRound(rect.width())), std::max(1, qRound(rect.height()))));
    PlotAccess::update_layout(plot);
    sink.finish(painter);
    const QBrush background = PlotAccess::background_of(plot);
    if (background.style() != Qt::NoBrush) {
        sink.start(painter, local);
        painter.fillRect(plot->viewport(), background);
        sink.finish(painter);
    }
    for (int i = 0; i < plot->layerCount(); ++i)
        for (QCPLayerable* child : plot->layer(i)->children()) {
            if (!child->realVisibility()) continue;
            sink.start(painter, local, QRectF(LayerableAccess::clip(child).translated(0, -1)));
            painter.setMode(QCPPainter::pmVectorized);
            painter.setMode(QCPPainter::pmNoCaching);
            LayerableAccess::paint(child, &painter);
            sink.finish(painter);
        }
    plot->setViewport(viewport);
    sink.start(painter, base);
}

// One polygon per heatmap cell, drawn instead of the colour map's bitmap in vector output so
// SVG/PDF heatmaps stay sharp at any zoom and each cell is one element.
class CellPolygons : public QCPAbstractPlottable {
public:
    explicit CellPolygons(QCPColorMap* map)
        : QCPAbstractPlottable(map->keyAxis(), map->valueAxis()), map_(map) {}
    double selectTest(const QPointF&, bool, QVariant*) const override { return -1; }
    QCPRange getKeyRange(bool& found, QCP::SignDomain) const override {
        found = false;
        return {};
    }
    QCPRange getValueRange(bool& found, QCP::SignDomain, const QCPRange&) const override {
        found = false;
        return {};
    }

protected:
    void draw(QCPPainter* painter) override {
        QCPColorMapData* d = map_->data();
        const int nk = d->keySize(), nv = d->valueSize();
        const double hk = nk > 1 ? d->keyRange().size() / (nk - 1) / 2 : 0.5;
        const double hv = nv > 1 ? d->valueRange().size() / (nv - 1) / 2 : 0.5;
        const bool log = map_->dataScaleType() == QCPAxis::stLogarithmic;
        for (int i = 0; i < nk; ++i)
            for (int j = 0; j < nv; ++j) {
                const double v = d->cell(i, j);
                if (std::isnan(v) || d->alpha(i, j) == 0) continue;
                double key = 0, value = 0;
                d->cellToCoord(i, j, &key, &value);
                const QColor c =
                    QColor::fromRgba(map_->gradient().color(v, map_->dataRange(), log));
                // A hairline of the cell's own colour closes the seams viewers antialias in.
                painter->setPen(QPen(c, 0.5));
                painter->setBrush(c);
                painter->drawPolygon(QPolygonF{
                    coordsToPixels(key - hk, value - hv), coordsToPixels(key + hk, value - hv),
                    coordsToPixels(key + hk, value + hv), coordsToPixels(key - hk, value + hv)});
            }
    }
    void drawLegendIcon(QCPPainter*, const QRectF&) const override {}

private:
    QCPColorMap* map_;
};

bool hidden_in_view(const QWidget* w, const View* view) {
    // Explicitly hidden by the view (a mode without that panel); never-shown widgets count as
    // visible so a batch export of a window that was never on screen still finds its plots.
    for (; w && w != view; w = w->parentWidget())
        if (w->isHidden() && w->testAttribute(Qt::WA_WState_ExplicitShowHide)) return true;
    return false;
}

bool has_data(QCustomPlot* plot) {
    for (int i = 0; i < plot->plottableCount(); ++i) {
        QCPAbstractPlottable* p = plot->plottable(i);
        if (!p->interface1D() || p->interface1D()->dataCount() > 0) return true;
    }
    return false;
}

// The plots a figure is made of, top to bottom.
std::vector<QCustomPlot*> plots_of(View* view, const QString& figure) {
    std::vector<QCustomPlot*> out;
    if (auto* v = qobject_cast<TrajectoryView*>(view)) out = {v->plot()};
    if (auto* v = qobject_cast<SpectrumView*>(view))
        out = figure == QLatin1String("spectrogram")
                  ? std::vector<QCustomPlot*>{v->spectrogram()->plot()}
                  : std::vector<QCustomPlot*>{v->plot(), v->spectrogram()->plot()};
    if (auto* v = qobject_cast<CkaView*>(view)) out = {v->heatmap()->plot()};
    if (auto* v = qobject_cast<HeadsView*>(view)) out = {v->heatmap()->plot(), v->angles_plot()};
    if (auto* v = qobject_cast<AttentionView*>(view)) out = {v->heatmap()->plot()};
    if (auto* v = qobject_cast<AnglesView*>(view)) out = {v->plot()};
    if (auto* v = qobject_cast<CheckpointView*>(view)) out = {v->plot()};
    if (auto* v = qobject_cast<EqualiserView*>(view)) out = {v->plot()};
    if (auto* v = qobject_cast<TimescalesView*>(view)) out = {v->plot()};
    if (auto* v = qobject_cast<WeightSpectrumView*>(view)) out = {v->plot()};
    out.erase(std::remove_if(out.begin(), out.end(),
                             [view](QCustomPlot* p) { return !p || hidden_in_view(p, view); }),
              out.end());
    // A secondary panel with nothing in it yet (the heads view's angles before a pair is
    // chosen) would be an empty frame in the figure.
    if (out.size() > 1)
        out.erase(
            std::remove_if(out.begin() + 1, out.end(), [](QCustomPlot* p) { return !has_data(p); }),
            out.end());
    return out;
}

void draw_plot(QCustomPlot* plot, QCPPainter& painter, const QRectF& rect, bool vector,
               bool transparent) {
    const QBrush background = PlotAccess::background_of(plot);
    if (transparent) plot->setBackground(QBrush(Qt::NoBrush));
    std::vector<std::pair<QCPColorMap*, CellPolygons*>> swapped;
    QCPLayer* cells_layer = nullptr;
    if (vector) {
        for (int i = 0; i < plot->plottableCount(); ++i)
            if (auto* map = qobject_cast<QCPColorMap*>(plot->plottable(i)); map && map->visible())
                swapped.emplace_back(map, nullptr);
        if (!swapped.empty()) {
            // A layer just under the map's, so selection marks (items) stay on top of the cells.
            plot->addLayer(QStringLiteral("es_export_cells"), swapped.front().first->layer(),
                           QCustomPlot::limBelow);
            cells_layer = plot->layer(QStringLiteral("es_export_cells"));
        }
        for (auto& [map, cells] : swapped) {
            cells = new CellPolygons(map);
            cells->removeFromLegend();  // plots may add new plottables to their legend
            cells->setLayer(cells_layer);
            map->setVisible(false);
        }
    }
    if (SvgSink* sink = vector ? SvgSink::active() : nullptr) {
        draw_plot_pieces(plot, *sink, painter, rect);
    } else {
        painter.save();
        painter.translate(rect.topLeft());
        painter.setMode(QCPPainter::pmVectorized, vector);
        plot->toPainter(&painter, std::max(1, qRound(rect.width())),
                        std::max(1, qRound(rect.height())));
        painter.restore();
    }
    for (auto& [map, cells] : swapped) {
        plot->removePlottable(cells);
        map->setVisible(true);
    }
    if (cells_layer) plot->removeLayer(cells_layer);
    if (transparent) plot->setBackground(background);
    plot->replot(QCustomPlot::rpQueuedReplot);  // the widget back at its own size
}

// The logit lens as a table: a heading naming the token, then one row per state with its top
// tokens and their probabilities (cells shaded by probability).
void draw_lens(const analysis::LensResult& r, QPainter& painter, const QRectF& rect) {
    const int rows = static_cast<int>(r.layers.size()) + 1;
    std::size_t k = 0;
    for (const auto& l : r.layers) k = std::max(k, l.top.size());
    const int cols = static_cast<int>(std::min<std::size_t>(k, 8));
    const double heading = 34;
    const double rh = (rect.height() - heading) / rows;
    QFont font = painter.font();
    font.setPixelSize(std::clamp(static_cast<int>(rh * 0.26), 8, 16));
    painter.setFont(font);
    const QFontMetricsF fm(font, painter.device());
    double name_w = fm.horizontalAdvance(QStringLiteral("state"));
    for (const auto& l : r.layers)
        name_w = std::max(name_w, fm.horizontalAdvance(QString::fromStdString(l.name)));
    name_w = std::min(name_w + 16, rect.width() * 0.35);
    const double cw = cols > 0 ? (rect.width() - name_w) / cols : 0;
    painter.setPen(colors::plot_foreground());
    QFont bold = font;
    bold.setBold(true);
    bold.setPixelSize(font.pixelSize() + 2);
    painter.setFont(bold);
    painter.drawText(
        QRectF(rect.left() + 4, rect.top(), rect.width() - 8, heading),
        Qt::AlignVCenter | Qt::AlignLeft,
        QStringLiteral("logit lens of token %1 \u201c%2\u201d (prompt %3, position %4)")
            .arg(r.token)
            .arg(QString::fromStdString(r.token_text).trimmed())
            .arg(r.prompt)
            .arg(r.position));
    painter.setFont(font);
    auto cell = [&](int row, int col) {
        const double top = rect.top() + heading + row * rh;
        if (col < 0) return QRectF(rect.left() + 4, top, name_w - 8, rh);
        return QRectF(rect.left() + name_w + col * cw, top, cw, rh).adjusted(1, 1, -1, -1);
    };
    painter.drawText(cell(0, -1), Qt::AlignVCenter | Qt::AlignLeft, QStringLiteral("state"));
    for (int c = 0; c < cols; ++c)
        painter.drawText(cell(0, c), Qt::AlignCenter, QStringLiteral("top %1").arg(c + 1));
    for (int i = 1; i < rows; ++i) {
        const auto& l = r.layers[static_cast<std::size_t>(i - 1)];
        painter.drawText(
            cell(i, -1), Qt::AlignVCenter | Qt::AlignLeft,
            fm.elidedText(QString::fromStdString(l.name), Qt::ElideMiddle, name_w - 8));
        for (int c = 0; c < cols && c < static_cast<int>(l.top.size()); ++c) {
            const auto& e = l.top[static_cast<std::size_t>(c)];
            QColor shade = colors::sample(colors::Map::Viridis, e.probability);
            shade.setAlpha(110);
            painter.fillRect(cell(i, c), shade);
            painter.drawText(cell(i, c), Qt::AlignCenter,
                             QStringLiteral("%1\n%2").arg(QString::fromStdString(e.text).trimmed(),
                                                          QString::number(e.probability, 'f', 3)));
        }
    }
}

}  // namespace

void render_plot(QCustomPlot* plot, QCPPainter& painter, const QRectF& rect, bool vector,
                 bool transparent) {
    draw_plot(plot, painter, rect, vector, transparent);
}

std::pair<QSize, double> resolved_size(const ExportOptions& o) {
    const double dpi_scale = o.dpi > 0 ? o.dpi / 96.0 : 0.0;
    if (o.size.isEmpty()) {
        const double s = dpi_scale > 0 ? dpi_scale : 1.0;
        return {QSize(qRound(kBaseWidth * s), qRound(kBaseHeight * s)), s};
    }
    // No DPI: large sizes keep the proportions of the base layout instead of tiny text.
    const double s =
        dpi_scale > 0
            ? dpi_scale
            : std::max(1.0, std::min(o.size.width() / kBaseWidth, o.size.height() / kBaseHeight));
    return {o.size, s};
}

bool render_figure(View* view, const QString& figure, QCPPainter& painter, const QRectF& rect,
                   bool vector, bool transparent, QString* error) {
    auto fail = [error](const QString& e) {
        if (error) *error = e;
        return false;
    };
    if (!view) return fail(QStringLiteral("no view for %1").arg(figure));
    if (auto* v = qobject_cast<Projection3dView*>(view)) {
        // A raster at the device's resolution for the rect (the 3D scene has no vector form).
        // At least twice the nominal resolution: SVG and PDF are zoomed into.
        const double device_scale = std::max(painter.deviceTransform().m11(), 2.0);
        const QSize px(qRound(rect.width() * device_scale), qRound(rect.height() * device_scale));
        const QImage image = v->render_image(px, device_scale);
        if (image.isNull())
            return fail(QStringLiteral(
                "the 3D view could not render: it needs an X server with OpenGL (e.g. run under "
                "xvfb-run)"));
        painter.drawImage(rect, image);
        return true;
    }
    if (auto* v = qobject_cast<LensView*>(view)) {
        if (!v->result()) return fail(QStringLiteral("the lens view has nothing to show yet"));
        if (!transparent) painter.fillRect(rect, colors::plot_background());
        draw_lens(*v->result(), painter, rect);
        return true;
    }
    const std::vector<QCustomPlot*> plots = plots_of(view, figure);
    if (plots.empty())
        return fail(QStringLiteral("the %1 view has no figure to export").arg(figure));
    // Stacked as the view stacks them, in proportion to their heights on screen (equal when the
    // view was never laid out).
    std::vector<double> weights;
    double total = 0;
    for (QCustomPlot* p : plots) total += p->height() > 20 ? p->height() : 0;
    for (QCustomPlot* p : plots)
        weights.push_back(total > 0 && p->height() > 20 ? p->height() / total
                                                        : 1.0 / static_cast<double>(plots.size()));
    double y = rect.top();
    for (std::size_t i = 0; i < plots.size(); ++i) {
        const double h = rect.height() * weights[i];
        draw_plot(plots[i], painter, QRectF(rect.left(), y, rect.width(), h), vector, transparent);
        y += h;
    }
    return true;
}

QImage render_figure_image(View* view, const QString& figure, const ExportOptions& options,
                           QString* error) {
    const auto [px, scale] = resolved_size(options);
    if (qobject_cast<Projection3dView*>(view)) {
        QImage image = static_cast<Projection3dView*>(view)->render_image(px, scale);
        if (image.isNull() && error)
            *error = QStringLiteral(
                "the 3D view could not render: it needs an X server with OpenGL (e.g. run under "
                "xvfb-run)");
        return image;
    }
    QImage image(px, QImage::Format_ARGB32_Premultiplied);
    // 96 dpi while drawing so point sizes mean the same here as in SVG and PDF; scale() does the
    // rest. The PNG then records the real resolution.
    image.setDotsPerMeterX(qRound(96 / 0.0254));
    image.setDotsPerMeterY(qRound(96 / 0.0254));
    image.fill(options.transparent ? QColor(Qt::transparent) : colors::plot_background());
    QCPPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);
    painter.scale(scale, scale);
    const bool ok =
        render_figure(view, figure, painter, QRectF(0, 0, px.width() / scale, px.height() / scale),
                      false, options.transparent, error);
    painter.end();
    if (!ok) return {};
    image.setDotsPerMeterX(qRound(96 * scale / 0.0254));
    image.setDotsPerMeterY(qRound(96 * scale / 0.0254));
    return image;
}

}  // namespace es::widgets
