#include "timescales_view.h"

#include <qcustomplot.h>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QToolTip>
#include <QVBoxLayout>
#include <cmath>

#include "colormaps.h"
#include "plot_style.h"

namespace es::widgets {

TimescalesView::TimescalesView(QWidget* parent)
    : ResultViewOf(QStringLiteral("timescales"), tr("Timescales"), parent) {
    auto* label = new QLabel(tr("principal directions"), this);
    components_ = new QSpinBox(this);
    components_->setObjectName(QStringLiteral("components"));
    components_->setRange(1, 32);
    components_->setValue(8);
    components_->setToolTip(tr("k: how many top principal directions of the layer to analyse."));
    add_controls({label, components_});
    bind_setting(QStringLiteral("components"), components_,
                 QStringLiteral("how many top principal directions of the layer to analyse"));

    plot_ = make_plot(QStringLiteral("timescalesPlot"), {320, 180});
    plot_->plotLayout()->clear();
    auto* top = new QCPLayoutGrid;
    plot_->plotLayout()->addElement(0, 0, top);
    half_life_ = new QCPAxisRect(plot_);
    autocorr_ = new QCPAxisRect(plot_);
    persistence_ = new QCPAxisRect(plot_);
    top->addElement(0, 0, half_life_);
    top->addElement(0, 1, autocorr_);
    // The persistence legend sits right of its axes: the lines span the whole width.
    auto* bottom = new QCPLayoutGrid;
    plot_->plotLayout()->addElement(1, 0, bottom);
    bottom->addElement(0, 0, persistence_);
    autocorr_legend_ = inset_legend(autocorr_, Qt::AlignTop | Qt::AlignRight);
    auto* side = new QCPLayoutGrid;  // the legend on top, an empty stretch below it
    bottom->addElement(0, 1, side);
    bottom->setColumnStretchFactor(1, 0.001);
    persistence_legend_ = new QCPLegend;
    side->addElement(0, 0, persistence_legend_);
    side->addElement(1, 0, new QCPLayoutElement(plot_));
    side->setRowStretchFactor(0, 0.001);
    side->setMargins(QMargins(8, 0, 10, 0));
    auto* left = new QCPMarginGroup(plot_);  // the two left axes line up
    half_life_->setMarginGroup(QCP::msLeft, left);
    persistence_->setMarginGroup(QCP::msLeft, left);
    persistence_legend_->setLayer(QStringLiteral("legend"));
    plot_->legend = autocorr_legend_;
    column()->addWidget(plot_, 1);
    connect(components_, qOverload<int>(&QSpinBox::valueChanged), this,
            [this] { emit options_changed(); });
    connect(plot_, &QCustomPlot::mouseMove, this, &TimescalesView::mouse_move);
    style_plot(plot_, false);
    show_empty(tr("Open a dump to see the timescales of its principal directions."));
}

int TimescalesView::components() const {
    return components_->value();
}
void TimescalesView::set_components(int k) {
    components_->setValue(k);
}

void TimescalesView::set_result(const analysis::TimescalesResult& result) {
    take_result(result,
                tr("%1: %2 tokens, %3 positions%4")
                    .arg(QString::fromStdString(result.layer_name))
                    .arg(result.tokens)
                    .arg(result.positions)
                    .arg(result.excluded_tokens ? tr(", %1 excluded").arg(result.excluded_tokens)
                                                : QString()));
}

void TimescalesView::on_selection(const Selection& selection) {
    const bool changed = selection.layer != selection_.layer;
    selection_ = selection;
    if (changed) rebuild();
}

void TimescalesView::rebuild() {
    // Plottables remove themselves only from the plot's main legend: empty the inset legends first,
    // or they keep items pointing at deleted graphs (a crash at the next replot).
    for (QCPLegend* legend : {autocorr_legend_, persistence_legend_})
        if (legend) legend->clearItems();
    plot_->clearPlottables();
    plot_->clearItems();
    style_plot(plot_, presentation_);
    const PlotStyle st = plot_style(presentation_);
    QFont font = plot_->font();
    font.setPointSizeF(st.font_pt);
    for (QCPLegend* legend : {autocorr_legend_, persistence_legend_}) {
        style_legend(legend, font);
        legend->setRowSpacing(0);
    }
    const QColor fg = colors::plot_foreground();
    QCPAxis* hx = half_life_->axis(QCPAxis::atBottom);
    QCPAxis* hy = half_life_->axis(QCPAxis::atLeft);
    QCPAxis* ax = autocorr_->axis(QCPAxis::atBottom);
    QCPAxis* ay = autocorr_->axis(QCPAxis::atLeft);
    QCPAxis* px = persistence_->axis(QCPAxis::atBottom);
    QCPAxis* py = persistence_->axis(QCPAxis::atLeft);
    hx->setLabel(tr("principal direction"));
    hy->setLabel(tr("half-life (tokens)"));
    ax->setLabel(tr("lag (tokens)"));
    ay->setLabel(tr("autocorrelation r"));
    px->setLabel(tr("layer transition"));
    py->setLabel(tr("principal angle (°)"));
    autocorr_legend_->setVisible(false);
    persistence_legend_->setVisible(false);
    if (!result_) {
        plot_->replot();
        return;
    }
    const auto& r = *result_;
    const int k = static_cast<int>(r.half_life.size());
    const double P = double(r.positions);

    // Half-life bars; directions that never decorrelate get a hatched bar at P labelled "> P".
    auto* finite = new QCPBars(hx, hy);
    finite->setObjectName(QStringLiteral("halfLife"));
    finite->setWidth(0.7);
    finite->setBrush(colors::sample(colors::Map::Viridis, 0.35));
    finite->setPen(QPen(colors::sample(colors::Map::Viridis, 0.35).darker(140), 1));
    auto* never = new QCPBars(hx, hy);
    never->setObjectName(QStringLiteral("halfLifeNull"));
    never->setWidth(0.7);
    never->setBrush(QBrush(fg, Qt::BDiagPattern));
    never->setPen(QPen(fg, 1, Qt::DashLine));
    QVector<double> fk, fv, nk, nv;
    for (int i = 0; i < k; ++i) {
        const auto& h = r.half_life[static_cast<std::size_t>(i)];
        if (h) {
            fk << i + 1, fv << *h;
        } else {
            nk << i + 1, nv << P;
            auto* t = new QCPItemText(plot_);
            t->setObjectName(QStringLiteral("nullLabel"));
            t->setClipAxisRect(half_life_);
            t->position->setAxes(hx, hy);
            t->position->setCoords(i + 1, P);
            t->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
            t->setText(QStringLiteral("> %1").arg(r.positions));
            t->setColor(fg);
            t->setFont(font);
        }
    }
    finite->setData(fk, fv, true);
    never->setData(nk, nv, true);
    finite->removeFromLegend(plot_->legend);
    never->removeFromLegend(plot_->legend);
    QSharedPointer<QCPAxisTickerText> ht(new QCPAxisTickerText);
    for (int i = 0; i < k; ++i) ht->addTick(i + 1, QStringLiteral("PC%1").arg(i + 1));
    hx->setTicker(ht);
    hx->setTickLabelRotation(k > 8 ? 60 : 0);
    hx->setRange(0.4, k + 0.6);
    double hmax = 1;
    for (double v : fv) hmax = std::max(hmax, v);
    if (!nv.isEmpty()) hmax = std::max(hmax, P);
    hy->setRange(0, hmax * 1.18);

    // Autocorrelation curves vs lag, one per direction, viridis by rank.
    for (int i = 0; i < k; ++i) {
        const auto& ac = r.autocorrelation[static_cast<std::size_t>(i)];
        QVector<double> lag, val;
        for (std::size_t l = 0; l < ac.size(); ++l)
            if (ac[l]) lag << double(l), val << *ac[l];
        QCPGraph* g = plot_->addGraph(ax, ay);
        g->setData(lag, val, true);
        g->setPen(
            QPen(colors::sample(colors::Map::Viridis, k > 1 ? 0.9 * double(i) / (k - 1) : 0.0),
                 st.line_width));
        g->setName(QStringLiteral("PC%1").arg(i + 1));
        g->removeFromLegend(plot_->legend);
        if (i < 4 || i == k - 1) g->addToLegend(autocorr_legend_);
    }
    auto* half = new QCPItemStraightLine(plot_);
    half->setClipAxisRect(autocorr_);
    half->point1->setAxes(ax, ay);
    half->point2->setAxes(ax, ay);
    half->point1->setCoords(0, 0.5);
    half->point2->setCoords(1, 0.5);
    half->setPen(QPen(fg, 1, Qt::DashLine));
    autocorr_legend_->setVisible(k > 0);
    ax->setRange(0, std::max(1.0, P - 1));
    double amin = -0.25;
    for (const auto& ac : r.autocorrelation)
        for (const auto& v : ac)
            if (v) amin = std::min(amin, *v - 0.05);
    ay->setRange(amin, 1.05);

    // Persistence: one thin line per angle index, the mean angle thick.
    const int steps = static_cast<int>(r.persistence.size());
    std::size_t na = 0;
    for (const auto& s : r.persistence) na = std::max(na, s.angles_deg.size());
    QSharedPointer<QCPAxisTickerText> pt(new QCPAxisTickerText);
    for (int i = 0; i < steps; ++i) pt->addTick(i, QStringLiteral("%1→%2").arg(i).arg(i + 1));
    px->setTicker(pt);
    px->setTickLabelRotation(steps > 12 ? 60 : 0);
    for (std::size_t a = 0; a < na; ++a) {
        QVector<double> x, y;
        for (int i = 0; i < steps; ++i) {
            const auto& ang = r.persistence[static_cast<std::size_t>(i)].angles_deg;
            if (a < ang.size()) x << i, y << ang[a];
        }
        QCPGraph* g = plot_->addGraph(px, py);
        g->setData(x, y, true);
        g->setPen(QPen(
            colors::sample(colors::Map::Viridis, na > 1 ? 0.9 * double(a) / double(na - 1) : 0.0),
            st.line_width * 0.7));
        g->setName(a == 0 ? tr("angle 1 (smallest)") : tr("angle %1").arg(a + 1));
        g->removeFromLegend(plot_->legend);
        if (a == 0 || a + 1 == na) g->addToLegend(persistence_legend_);
        if (a + 1 == na && na > 1) g->setName(tr("angle %1 (largest)").arg(a + 1));
    }
    if (steps > 0) {
        QVector<double> x, y;
        for (int i = 0; i < steps; ++i) {
            const auto& ang = r.persistence[static_cast<std::size_t>(i)].angles_deg;
            if (ang.empty()) continue;
            double s = 0;
            for (double v : ang) s += v;
            x << i, y << s / double(ang.size());
        }
        QCPGraph* mean = plot_->addGraph(px, py);
        mean->setObjectName(QStringLiteral("meanAngle"));
        mean->setData(x, y, true);
        mean->setPen(QPen(fg, st.line_width * 1.4));
        mean->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, st.line_width * 3));
        mean->setName(tr("mean angle"));
        mean->removeFromLegend(plot_->legend);
        mean->addToLegend(persistence_legend_);
        persistence_legend_->setVisible(true);
        // The selected layer: the transitions into and out of it straddle x = layer - 0.5.
        auto* mark = new QCPItemStraightLine(plot_);
        mark->setObjectName(QStringLiteral("selectedLayer"));
        mark->setClipAxisRect(persistence_);
        mark->point1->setAxes(px, py);
        mark->point2->setAxes(px, py);
        mark->point1->setCoords(selection_.layer - 0.5, 0);
        mark->point2->setCoords(selection_.layer - 0.5, 1);
        mark->setPen(QPen(fg, st.line_width * 0.8, Qt::DashLine));
        auto* label = new QCPItemText(plot_);
        label->setClipAxisRect(persistence_);
        label->position->setAxes(px, py);
        label->position->setCoords(selection_.layer - 0.5, 90);
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        label->setText(tr(" layer %1").arg(selection_.layer));
        label->setColor(fg);
        label->setFont(font);
    }
    px->setRange(-0.5, std::max(steps, 1) - 0.5);
    py->setRange(0, 92);
    plot_->replot();
}

void TimescalesView::mouse_move(QMouseEvent* e) {
    if (!result_) return;
    const auto& r = *result_;
    const QPoint pos = e->pos();
    QString text;
    if (half_life_->rect().contains(pos)) {
        const int i = static_cast<int>(
                          std::lround(half_life_->axis(QCPAxis::atBottom)->pixelToCoord(pos.x()))) -
                      1;
        if (i < 0 || i >= static_cast<int>(r.half_life.size())) return;
        const auto& h = r.half_life[static_cast<std::size_t>(i)];
        text = tr("PC%1 (%2% of variance)<br><b>half-life %3</b>")
                   .arg(i + 1)
                   .arg(i < static_cast<int>(r.explained_variance_ratio.size())
                            ? 100 * r.explained_variance_ratio[static_cast<std::size_t>(i)]
                            : 0.0,
                        0, 'g', 3)
                   .arg(h ? tr("%1 tokens").arg(*h, 0, 'g', 4)
                          : tr("> %1 tokens (never below 0.5)").arg(r.positions));
    } else if (autocorr_->rect().contains(pos)) {
        const int lag = static_cast<int>(
            std::lround(autocorr_->axis(QCPAxis::atBottom)->pixelToCoord(pos.x())));
        if (lag < 0 || lag >= static_cast<int>(r.positions)) return;
        text = tr("lag %1").arg(lag);
        for (std::size_t i = 0; i < r.autocorrelation.size(); ++i) {
            const auto& ac = r.autocorrelation[i];
            const auto ul = static_cast<std::size_t>(lag);
            QString value = tr("n/a");
            if (ul < ac.size() && ac[ul].has_value())
                value = QString::number(ac[ul].value(), 'g', 4);
            text += tr("<br>PC%1: r = %2").arg(i + 1).arg(value);
        }
    } else if (persistence_->rect().contains(pos)) {
        const int i = static_cast<int>(
            std::lround(persistence_->axis(QCPAxis::atBottom)->pixelToCoord(pos.x())));
        if (i < 0 || i >= static_cast<int>(r.persistence.size())) return;
        const auto& s = r.persistence[static_cast<std::size_t>(i)];
        QStringList a;
        for (double v : s.angles_deg) a << QString::number(v, 'f', 2);
        text = tr("%1 → %2<br>principal angles (°): %3")
                   .arg(QString::fromStdString(s.from), QString::fromStdString(s.to),
                        a.join(QStringLiteral(", ")));
    } else {
        return;
    }
    QToolTip::showText(e->globalPosition().toPoint(), text, plot_);
}

}  // namespace es::widgets
