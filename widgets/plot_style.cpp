#include "plot_style.h"

#include <qcustomplot.h>

#include <QFontMetrics>
#include <QStyle>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <limits>

#include "colormaps.h"
#include "simd_state.h"

namespace es::widgets {

namespace {
double scale_ = 1.0;  // GUI thread only, like every widget
}  // namespace

void set_presentation_scale(double scale) {
    scale_ = std::clamp(scale, 0.75, 3.0);
}

double presentation_scale() {
    return scale_;
}

PlotStyle plot_style(bool presentation) {
    PlotStyle s;
    if (presentation) {
        s.font_pt = 16.0 * scale_;
        s.line_width = 3.2 * scale_;
    }
    return s;
}

void style_plot(QCustomPlot* plot, bool presentation) {
    guard_plot(plot);  // every replot's math at full speed (simd_state.h)
    const PlotStyle s = plot_style(presentation);
    const QColor fg = colors::plot_foreground(), grid = colors::plot_grid();
    plot->setBackground(colors::plot_background());
    QFont font = plot->font();
    font.setPointSizeF(s.font_pt);
    for (QCPAxisRect* rect : plot->axisRects()) {
        for (QCPAxis* axis : rect->axes()) {
            axis->setBasePen(QPen(fg, 1));
            axis->setTickPen(QPen(fg, 1));
            axis->setSubTickPen(QPen(fg, 1));
            axis->setTickLabelColor(fg);
            axis->setLabelColor(fg);
            axis->setTickLabelFont(font);
            QFont label = font;
            label.setPointSizeF(s.font_pt * 1.1);
            axis->setLabelFont(label);
            axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
            axis->grid()->setZeroLinePen(Qt::NoPen);
        }
    }
    if (plot->legend) style_legend(plot->legend, font);
}

QCPLegend* inset_legend(QCPAxisRect* rect, Qt::Alignment where) {
    auto* legend = new QCPLegend;
    rect->insetLayout()->addElement(legend, where);
    legend->setLayer(QStringLiteral("legend"));
    return legend;
}

void place_legend_clear_of_data(QCPLegend* legend, QCPAxisRect* rect,
                                const std::vector<Qt::Alignment>& spots) {
    QCPLayoutInset* inset = rect->insetLayout();
    int index = -1;
    for (int i = 0; i < inset->elementCount(); ++i)
        if (inset->elementAt(i) == legend) index = i;
    if (index < 0 || spots.empty()) return;
    const QRect area = rect->rect();
    const QSize size = legend->minimumOuterSizeHint();
    if (area.width() < size.width() + 20 || area.height() < size.height() + 20) {
        inset->setInsetAlignment(index, spots.front());
        return;
    }
    // The graphs as pixels: each line sampled eight times between its points (a legend between
    // two points of a steep line still covers it), a band's fill at eight heights per key.
    constexpr int kSamples = 8;
    std::vector<QPointF> samples;
    for (QCPAbstractPlottable* p : rect->plottables()) {
        auto* g = qobject_cast<QCPGraph*>(p);
        if (!g || !g->visible()) continue;
        QCPAxis* x = g->keyAxis();
        QCPAxis* y = g->valueAxis();
        QPointF previous;
        bool joined = false;
        for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
            if (!std::isfinite(it->value)) {
                joined = false;
                continue;
            }
            const QPointF at(x->coordToPixel(it->key), y->coordToPixel(it->value));
            if (joined)
                for (int k = 1; k < kSamples; ++k)
                    samples.push_back(previous + (at - previous) * (double(k) / kSamples));
            samples.push_back(at);
            previous = at;
            joined = true;
        }
        if (QCPGraph* other = g->channelFillGraph();
            other && other->data()->size() == g->data()->size()) {
            auto o = other->data()->constBegin();
            for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it, ++o) {
                if (!std::isfinite(it->value) || !std::isfinite(o->value)) continue;
                const double px = x->coordToPixel(it->key);
                const double y0 = y->coordToPixel(it->value), y1 = y->coordToPixel(o->value);
                for (int k = 1; k < kSamples; ++k)
                    samples.emplace_back(px, y0 + (y1 - y0) * (double(k) / kSamples));
            }
        }
    }
    std::size_t best = 0, fewest = std::numeric_limits<std::size_t>::max();
    for (std::size_t i = 0; i < spots.size(); ++i) {
        // Where QCPLayoutInset puts it: aligned in the rect, a few pixels in.
        const QRect r =
            QStyle::alignedRect(Qt::LeftToRight, spots[i], size, area.adjusted(4, 4, -4, -4));
        const auto covered = static_cast<std::size_t>(
            std::count_if(samples.begin(), samples.end(),
                          [&](const QPointF& s) { return r.contains(s.toPoint()); }));
        if (covered < fewest) {
            fewest = covered;
            best = i;
        }
        if (covered == 0) break;
    }
    inset->setInsetAlignment(index, spots[best]);
}

QCPBars* angle_bars(QCustomPlot* plot, const std::vector<double>& angles_deg, double width) {
    auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
    QVector<double> x, y;
    for (std::size_t i = 0; i < angles_deg.size(); ++i) {
        x << double(i + 1);
        y << angles_deg[i];
    }
    bars->setData(x, y);
    bars->setWidth(width);
    bars->setPen(Qt::NoPen);
    bars->setBrush(colors::categorical(0));
    plot->xAxis->setRange(0.3, std::max<double>(1, angles_deg.size()) + 0.7);
    plot->yAxis->setRange(0, 92);
    return bars;
}

namespace {
// A title element whose lines are elided to its own width when drawn, i.e. after the layout of
// whatever size the plot is drawn at.
class FittedHeading : public QCPTextElement {
public:
    explicit FittedHeading(QCustomPlot* plot) : QCPTextElement(plot) {
        setTextFlags(Qt::AlignCenter);
    }
    QStringList lines;

protected:
    QSize minimumOuterSizeHint() const override {
        // The lines' height at any width: the full text's width would widen the whole layout.
        return {0, QCPTextElement::minimumOuterSizeHint().height()};
    }
    void draw(QCPPainter* painter) override {
        const QFontMetrics fm(mainFont());
        const int room = std::max(0, mRect.width() - 4);
        QStringList fitted;
        for (const QString& line : lines) {
            // The tail from the last " · " on (a value) stays whole; the text before it gives.
            const qsizetype dot = line.lastIndexOf(QStringLiteral(" · "));
            const QString tail = dot < 0 ? QString() : line.mid(dot);
            const QString head = dot < 0 ? line : line.left(dot);
            fitted << fm.elidedText(head, Qt::ElideLeft,
                                    std::max(0, room - fm.horizontalAdvance(tail))) +
                          tail;
        }
        mText = fitted.join(QLatin1Char('\n'));
        QCPTextElement::draw(painter);
    }
};

FittedHeading* heading_of(const QCustomPlot* plot) {
    QCPLayoutGrid* grid = plot->plotLayout();
    for (int i = 0; i < grid->elementCount(); ++i)
        if (auto* h = dynamic_cast<FittedHeading*>(grid->elementAt(i))) return h;
    return nullptr;
}
}  // namespace

void set_plot_heading(QCustomPlot* plot, const QStringList& lines, bool presentation) {
    FittedHeading* h = heading_of(plot);
    if (lines.isEmpty()) {
        if (h) {
            plot->plotLayout()->remove(h);
            plot->plotLayout()->simplify();
        }
        return;
    }
    if (!h) {
        plot->plotLayout()->insertRow(0);
        h = new FittedHeading(plot);
        plot->plotLayout()->addElement(0, 0, h);
    }
    h->lines = lines;
    h->setText(lines.join(QLatin1Char('\n')));
    QFont font = plot->font();
    font.setPointSizeF(plot_style(presentation).font_pt);
    h->setFont(font);
    h->setTextColor(colors::plot_foreground());
}

QStringList plot_heading(const QCustomPlot* plot) {
    const FittedHeading* h = heading_of(plot);
    return h ? h->text().split(QLatin1Char('\n')) : QStringList();
}

void style_legend(QCPLegend* legend, const QFont& font) {
    legend->setFont(font);
    legend->setTextColor(colors::plot_foreground());
    QColor bg = colors::plot_background();
    bg.setAlpha(210);
    legend->setBrush(bg);
    legend->setBorderPen(QPen(colors::plot_grid()));
}

void replot_soon(QCustomPlot* plot) {
    static const QString name = QStringLiteral("replotSoon");
    auto* timer = plot->findChild<QTimer*>(name, Qt::FindDirectChildrenOnly);
    if (!timer) {
        timer = new QTimer(plot);  // a timer, not a posted event: see the header
        timer->setObjectName(name);
        timer->setSingleShot(true);
        timer->setInterval(0);
        QObject::connect(timer, &QTimer::timeout, plot, [plot] { plot->replot(); });
    }
    timer->start();
}

}  // namespace es::widgets
