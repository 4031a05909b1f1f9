// Drawing a figure at any size onto any painter: the view's QCustomPlots re-laid out for the
// target rect (stacked as in the view), heatmap cells as vector polygons for SVG/PDF, the logit
// lens table drawn as text, and the 3D view as a raster rendered at the requested resolution.
#include <qcustomplot.h>
#include <QPainter>
#include <algorithm>
#include <cmath>

#include "colormaps.h"
#include "export/figure_export.h"
#include "export/svg_sink.h"
#include "simd_state.h"
#include "view.h"

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
            if (!child->realVisibility() || is_simd_state_guard(child)) continue;
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

QString no_raster_message(const QString& figure) {
    return QStringLiteral(
               "the %1 view could not render: it needs an X server with OpenGL (e.g. run under "
               "xvfb-run)")
        .arg(figure);
}

bool has_data(QCustomPlot* plot) {
    for (int i = 0; i < plot->plottableCount(); ++i) {
        QCPAbstractPlottable* p = plot->plottable(i);
        if (!p->interface1D() || p->interface1D()->dataCount() > 0) return true;
    }
    return false;
}

// The plots a figure is made of, top to bottom, less those the view hides in its current mode.
std::vector<QCustomPlot*> plots_of(View* view, const QString& figure) {
    std::vector<QCustomPlot*> out = view->figure_plots(figure);
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
            if (auto* map = dynamic_cast<QCPColorMap*>(plot->plottable(i)); map && map->visible())
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
    switch (view->figure_kind()) {
        case FigureKind::Raster: {
            // A raster at the device's resolution for the rect (the 3D scene has no vector form).
            // At least twice the nominal resolution: SVG and PDF are zoomed into.
            const double device_scale = std::max(painter.deviceTransform().m11(), 2.0);
            const QSize px(qRound(rect.width() * device_scale),
                           qRound(rect.height() * device_scale));
            const QImage image = view->render_image(px, device_scale);
            if (image.isNull()) return fail(no_raster_message(figure));
            painter.drawImage(rect, image);
            return true;
        }
        case FigureKind::Painted:
            if (!transparent) painter.fillRect(rect, colors::plot_background());
            if (!view->paint_figure(figure, painter, rect))
                return fail(QStringLiteral("the %1 view has nothing to show yet").arg(figure));
            return true;
        case FigureKind::Plots:
            break;
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
    if (view && view->figure_kind() == FigureKind::Raster) {
        QImage image = view->render_image(px, scale);
        if (image.isNull() && error) *error = no_raster_message(figure);
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
