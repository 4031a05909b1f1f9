#include "trajectory_view.h"

#include <qcustomplot.h>
#include <QCheckBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolTip>
#include <QVBoxLayout>
#include <cmath>

#include "colormaps.h"
#include "plot_style.h"

namespace es::widgets {

namespace {

// At most this many per-token lines are drawn (an evenly spaced subset, always including the
// selected tokens): beyond that the lines are a grey mass and the view stops being smooth.
constexpr int kMaxTokenLines = 600;
// While layers still come in, at most this many: a redraw of 600 lines took 26-52 ms of the GUI
// thread's CPU per partial on a 4096-token dump (bench_app_open) when each line was a graph, so
// the partial pictures draw a quarter of them and the complete one all.
constexpr int kMaxTokenLinesPartial = 150;

double value_or_nan(const std::optional<double>& v) {
    return v ? *v : std::numeric_limits<double>::quiet_NaN();
}

QCPGraph* line(QCPAxisRect* rect, const QVector<double>& x, const QVector<double>& y,
               const QPen& pen, const QString& name = {}) {
    QCPGraph* g =
        rect->parentPlot()->addGraph(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
    g->setData(x, y, true);
    g->setPen(pen);
    g->setName(name);
    g->removeFromLegend();
    return g;
}

void band(QCPAxisRect* rect, const QVector<double>& x, const QVector<double>& lo,
          const QVector<double>& hi, QColor color, const QString& name, QCPLegend* legend) {
    color.setAlpha(55);
    QCPGraph* low = line(rect, x, lo, QPen(color, 0.5));
    QCPGraph* high = line(rect, x, hi, QPen(color, 0.5), name);
    high->setBrush(QBrush(color));
    high->setChannelFillGraph(low);
    if (legend) high->addToLegend(legend);
}

// Many lines as one curve, each line a run of points and a NaN between lines: the same pixels as
// a graph per line (QCustomPlot draws each run as its own polyline; compared byte for byte), at
// a fifth of the GUI time: 600 token lines as 1200 graphs took 26-54 ms to build and draw on
// 33 x 4096 x 1024, the longest event of the app's open (bench_app_open).
QCPCurve* lines(QCPAxisRect* rect, const QVector<double>& x, const std::vector<QVector<double>>& ys,
                const QPen& pen) {
    QVector<double> t, xs, vs;
    const int per = static_cast<int>(x.size()) + 1;
    t.reserve(static_cast<int>(ys.size()) * per);
    xs.reserve(t.capacity());
    vs.reserve(t.capacity());
    for (const QVector<double>& y : ys) {
        for (int i = 0; i < x.size(); ++i) {
            t << t.size();
            xs << x[i];
            vs << y[i];
        }
        t << t.size();
        xs << qQNaN();
        vs << qQNaN();
    }
    auto* c = new QCPCurve(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
    c->setData(t, xs, vs, true);
    c->setPen(pen);
    c->setName(QStringLiteral("token lines"));
    c->removeFromLegend();
    return c;
}

}  // namespace

TrajectoryView::TrajectoryView(QWidget* parent)
    : ResultViewOf(QStringLiteral("trajectory"), tr("Trajectory"), parent) {
    log_ = new QCheckBox(tr("log scale"), this);
    log_->setObjectName(QStringLiteral("logScale"));
    tokens_ = new QCheckBox(tr("one line per token"), this);
    tokens_->setObjectName(QStringLiteral("tokenLines"));
    tokens_->setChecked(true);
    final_norm_ = new QCheckBox(tr("include the final-norm state"), this);
    final_norm_->setObjectName(QStringLiteral("includeFinalNorm"));
    final_norm_->setToolTip(
        tr("Hugging Face dumps: the last hidden state already has the final LayerNorm "
           "applied, so its norm is not comparable; it is left out by default."));
    final_norm_->hide();
    add_controls({log_, tokens_, final_norm_});
    bind_setting(QStringLiteral("log_scale"), log_, QStringLiteral("norm panel on a log scale"));
    bind_setting(QStringLiteral("token_lines"), tokens_,
                 QStringLiteral("draw one thin line per token under the statistics"));
    bind_setting(
        QStringLiteral("include_final_norm"), final_norm_,
        QStringLiteral("keep the last state (final LayerNorm applied; Hugging Face dumps)"));

    plot_ = make_plot(QStringLiteral("trajectoryPlot"), {260, 160});
    plot_->plotLayout()->clear();
    norm_rect_ = new QCPAxisRect(plot_);
    cos_rect_ = new QCPAxisRect(plot_);
    plot_->plotLayout()->addElement(0, 0, norm_rect_);
    plot_->plotLayout()->addElement(1, 0, cos_rect_);
    // Both panels share the layer axis: align their left margins.
    auto* margins = new QCPMarginGroup(plot_);
    norm_rect_->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
    cos_rect_->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
    norm_inset_ = plot_->legend = inset_legend(norm_rect_, Qt::AlignTop | Qt::AlignLeft);
    cos_inset_ = inset_legend(cos_rect_, Qt::AlignRight | Qt::AlignVCenter);
    cos_inset_->setObjectName(QStringLiteral("cosLegend"));
    headline_ = new QCPTextElement(plot_);
    headline_->setObjectName(QStringLiteral("growthHeadline"));
    norm_row_ = new QCPLegend;
    cos_row_ = new QCPLegend;
    arrange(true);  // in the layout once: it makes them the plot's (taken out, it deletes them)
    for (QCPLegend* row : {norm_row_, cos_row_}) {
        row->setLayer(QStringLiteral("legend"));
        row->setFillOrder(QCPLayoutGrid::foColumnsFirst);
        row->setBorderPen(Qt::NoPen);
        row->setBrush(Qt::NoBrush);
    }
    norm_row_->setObjectName(QStringLiteral("normLegendRow"));
    cos_row_->setObjectName(QStringLiteral("cosLegendRow"));
    arrange(false);
    plot_->setInteractions(QCP::Interactions());
    column()->addWidget(plot_, 1);

    connect(log_, &QCheckBox::toggled, this, [this] { rebuild(); });
    connect(tokens_, &QCheckBox::toggled, this, [this] { rebuild(); });
    connect(final_norm_, &QCheckBox::toggled, this, [this] { emit options_changed(); });
    connect(plot_, &QCustomPlot::mouseMove, this, &TrajectoryView::mouse_move);
    connect(plot_, &QCustomPlot::mousePress, this, &TrajectoryView::mouse_press);
    style_plot(plot_, false);
    show_empty(tr("Open a dump to see its residual-stream trajectory."));
}

bool TrajectoryView::include_final_norm() const {
    return final_norm_->isChecked();
}
bool TrajectoryView::log_scale() const {
    return log_->isChecked();
}
bool TrajectoryView::token_lines() const {
    return tokens_->isChecked();
}
void TrajectoryView::set_log_scale(bool on) {
    log_->setChecked(on);
}
void TrajectoryView::set_token_lines(bool on) {
    tokens_->setChecked(on);
}

void TrajectoryView::clear_result() {
    token_texts_.clear();
    ResultViewOf::clear_result();
}

void TrajectoryView::set_result(const analysis::TrajectoryResult& result,
                                const QStringList& token_texts, bool has_final_norm) {
    token_texts_ = token_texts;
    final_norm_->setVisible(has_final_norm);
    QString text = tr("%1 tokens").arg(result.token_index.size());
    if (result.layers_total > result.layers.size())  // a partial result: layers still coming in
        text = tr("layer %1 of %2…").arg(result.layers.size()).arg(result.layers_total);
    else if (result.excluded_tokens)
        text += tr(", %1 excluded (NaN/Inf)").arg(result.excluded_tokens);
    take_result(result, text);
    emit result_changed();
}

QString TrajectoryView::incomplete() const {
    return partial() ? tr("%1 of %2 layers").arg(result_->layers.size()).arg(result_->layers_total)
                     : QString();
}

void TrajectoryView::on_selection(const Selection& selection) {
    const bool changed =
        selection.tokens != selection_.tokens || selection.layer != selection_.layer;
    selection_ = selection;
    if (changed) rebuild();
}

QStringList TrajectoryView::highlighted_labels() const {
    QStringList out;
    for (int i = 0; i < plot_->itemCount(); ++i)
        if (auto* t = qobject_cast<QCPItemText*>(plot_->item(i));
            t && t->objectName() == QLatin1String("tokenLabel"))
            out << t->text();
    return out;
}

void TrajectoryView::rebuild() {
    // A graph removes itself only from the plot's main legend: empty the others first, or they
    // keep items that point at deleted graphs.
    for (QCPLegend* l : {norm_inset_, cos_inset_, norm_row_, cos_row_}) l->clearItems();
    plot_->clearPlottables();  // graphs and the token lines' curves
    plot_->clearItems();
    token_lines_drawn_ = 0;
    arrange(presentation_);
    plot_->legend = presentation_ ? norm_row_ : norm_inset_;
    QCPLegend* cos_legend = presentation_ ? cos_row_ : cos_inset_;
    headline_->setText(QString());
    style_plot(plot_, presentation_);
    const PlotStyle st = plot_style(presentation_);
    QCPAxis* nx = norm_rect_->axis(QCPAxis::atBottom);
    QCPAxis* ny = norm_rect_->axis(QCPAxis::atLeft);
    QCPAxis* cx = cos_rect_->axis(QCPAxis::atBottom);
    QCPAxis* cy = cos_rect_->axis(QCPAxis::atLeft);
    ny->setLabel(tr("‖h‖  (L2 norm)"));
    cy->setLabel(tr("cosine"));
    cx->setLabel(tr("layer"));
    // No result: no legend either (an empty frame would sit on the empty plot).
    const bool has_result = result_ && !result_->layers.empty();
    plot_->legend->setVisible(has_result);
    cos_legend->setVisible(has_result);
    if (!has_result) {
        plot_->replot();
        return;
    }
    // The axis names what state 0 is: the embedding only where the stream starts with it (the
    // residual stream); another stream's states are the blocks' outputs.
    const QString first = QString::fromStdString(result_->layers.front());
    if (first.contains(QLatin1String("resid_pre")) || first.contains(QLatin1String("embed")))
        cx->setLabel(tr("layer  (0 = embedding)"));
    else
        cx->setLabel(tr("block  (stream %1)").arg(QString::fromStdString(result_->stream)));
    const auto& r = *result_;
    const int n_layers = static_cast<int>(r.layers.size());
    QVector<double> x(n_layers);
    for (int i = 0; i < n_layers; ++i) x[i] = i;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (int i = 0; i < n_layers; ++i)
        ticker->addTick(i, QString::number(r.states[static_cast<std::size_t>(i)]));
    nx->setTicker(ticker);
    cx->setTicker(ticker);
    // A partial result keeps the full layer axis, so the picture fills in instead of stretching.
    const int axis_layers = std::max(n_layers, static_cast<int>(r.layers_total));
    nx->setRange(-0.25, axis_layers - 0.75);
    cx->setRange(-0.25, axis_layers - 0.75);

    auto stat = [&](const std::vector<analysis::Summary>& s, double analysis::Summary::*field) {
        QVector<double> v(n_layers);
        for (int i = 0; i < n_layers; ++i)
            v[i] = s[static_cast<std::size_t>(i)].count ? s[static_cast<std::size_t>(i)].*field
                                                        : qQNaN();
        return v;
    };
    const QColor fg = colors::plot_foreground();
    // Per-token lines first, so bands and means draw on top.
    // Hundreds of faint lines: at least 1 px wide, which QCustomPlot draws as cosmetic lines (a
    // thinner pen goes through QPainter's stroker, joins and all: a third of the complete
    // result's replot), with the alpha lowered in proportion so that they carry the same ink.
    const double thin_width = std::max(1.0, st.line_width * 0.4);
    QColor thin = fg;
    thin.setAlphaF(
        std::min(1.0, (presentation_ ? 45 : 35) / 255.0 * st.line_width * 0.4 / thin_width));
    const std::size_t T = r.token_index.size();
    if (tokens_->isChecked() && T > 0) {
        const std::size_t cap = partial() ? kMaxTokenLinesPartial : kMaxTokenLines;
        const std::size_t step = std::max<std::size_t>(1, (T + cap - 1) / cap);
        std::vector<QVector<double>> norms, cosines;
        for (std::size_t t = 0; t < T; t += step) {
            QVector<double> yn(n_layers), yc(n_layers);
            for (int i = 0; i < n_layers; ++i) {
                yn[i] = r.norm[t][static_cast<std::size_t>(i)];
                yc[i] = value_or_nan(r.cos_first[t][static_cast<std::size_t>(i)]);
            }
            norms.push_back(std::move(yn));
            cosines.push_back(std::move(yc));
            ++token_lines_drawn_;
        }
        lines(norm_rect_, x, norms, QPen(thin, thin_width));
        lines(cos_rect_, x, cosines, QPen(thin, thin_width));
    }
    band(norm_rect_, x, stat(r.norm_stats, &analysis::Summary::p10),
         stat(r.norm_stats, &analysis::Summary::p90), colors::categorical(0), tr("p10–p90"),
         plot_->legend);
    QCPGraph* mean = line(norm_rect_, x, stat(r.norm_stats, &analysis::Summary::mean),
                          QPen(colors::categorical(0), st.line_width * 1.5), tr("mean"));
    mean->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, st.line_width * 3.5));
    mean->addToLegend(plot_->legend);
    QCPGraph* median =
        line(norm_rect_, x, stat(r.norm_stats, &analysis::Summary::median),
             QPen(colors::categorical(0), st.line_width, Qt::DashLine), tr("median"));
    median->addToLegend(plot_->legend);

    band(cos_rect_, x, stat(r.cos_prev_stats, &analysis::Summary::p10),
         stat(r.cos_prev_stats, &analysis::Summary::p90), colors::categorical(1), QString(),
         nullptr);
    band(cos_rect_, x, stat(r.cos_first_stats, &analysis::Summary::p10),
         stat(r.cos_first_stats, &analysis::Summary::p90), colors::categorical(2), QString(),
         nullptr);
    QCPGraph* cp = line(
        cos_rect_, x, stat(r.cos_prev_stats, &analysis::Summary::mean),
        QPen(colors::categorical(1), st.line_width * 1.5),
        presentation_ ? tr("cos to previous layer") : tr("cos to previous layer (mean, p10–p90)"));
    cp->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, st.line_width * 3.5));
    QCPGraph* cf =
        line(cos_rect_, x, stat(r.cos_first_stats, &analysis::Summary::mean),
             QPen(colors::categorical(2), st.line_width * 1.5),
             presentation_ ? tr("cos to first state") : tr("cos to first state (mean, p10–p90)"));
    cf->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, st.line_width * 3.5));
    cp->addToLegend(cos_legend);
    cf->addToLegend(cos_legend);
    cos_legend->setFont(plot_->legend->font());
    cos_legend->setTextColor(fg);
    cos_legend->setBrush(plot_->legend->brush());
    cos_legend->setBorderPen(plot_->legend->borderPen());
    if (presentation_)
        for (QCPLegend* l : {norm_row_, cos_row_}) {
            l->setBrush(Qt::NoBrush);
            l->setBorderPen(Qt::NoPen);
        }

    // Selected tokens: coloured, thick, labelled at their last point.
    int colour = 3;
    for (int token : selection_.tokens) {
        auto it =
            std::find(r.token_index.begin(), r.token_index.end(), static_cast<std::size_t>(token));
        if (it == r.token_index.end()) continue;
        const std::size_t t = static_cast<std::size_t>(it - r.token_index.begin());
        QVector<double> yn(n_layers), yc(n_layers);
        for (int i = 0; i < n_layers; ++i) {
            yn[i] = r.norm[t][static_cast<std::size_t>(i)];
            yc[i] = value_or_nan(r.cos_first[t][static_cast<std::size_t>(i)]);
        }
        const QColor c = colors::categorical(colour++);
        const QString label =
            token < token_texts_.size() ? token_texts_[token] : QString::number(token);
        line(norm_rect_, x, yn, QPen(c, st.line_width * 1.2));
        line(cos_rect_, x, yc, QPen(c, st.line_width * 1.2));
        auto* text = new QCPItemText(plot_);
        text->setObjectName(QStringLiteral("tokenLabel"));
        text->setClipAxisRect(norm_rect_);
        text->position->setAxes(nx, ny);
        text->position->setCoords(n_layers - 1, yn.last());
        text->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
        text->setText(QStringLiteral("“%1”").arg(label));
        text->setColor(c);
        QFont f = plot_->font();
        f.setPointSizeF(st.font_pt);
        f.setBold(true);
        text->setFont(f);
    }

    ny->setScaleType(log_->isChecked() ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (log_->isChecked())
        ny->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    else
        ny->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    bool found = false;
    QCPRange range(0, 1);
    for (int i = 0; i < plot_->plottableCount(); ++i) {
        if (plot_->plottable(i)->valueAxis() != ny) continue;
        bool ok = false;
        QCPRange gr = plot_->plottable(i)->getValueRange(ok, QCP::sdBoth);
        if (!ok) continue;
        range =
            found ? QCPRange(std::min(range.lower, gr.lower), std::max(range.upper, gr.upper)) : gr;
        found = true;
    }
    if (log_->isChecked()) {
        range.lower = std::max(range.lower, range.upper * 1e-4);
        ny->setRange(range.lower / 1.3, range.upper * 1.5);
    } else {
        ny->setRange(0, range.upper * 1.12);
    }
    double cos_low = 0;
    for (const auto& s : r.cos_first_stats)
        if (s.count) cos_low = std::min(cos_low, s.p10);
    cy->setRange(std::max(-1.05, cos_low - 0.05), 1.05);
    // The legends go where the statistics are not (a cosine falling through the middle of the
    // panel ran under the cosine legend at the right); the growth label holds the norm panel's
    // bottom right.
    if (!presentation_) {
        place_legend_clear_of_data(norm_inset_, norm_rect_,
                                   {Qt::AlignTop | Qt::AlignLeft, Qt::AlignTop | Qt::AlignRight,
                                    Qt::AlignBottom | Qt::AlignLeft});
        place_legend_clear_of_data(
            cos_inset_, cos_rect_,
            {Qt::AlignRight | Qt::AlignVCenter, Qt::AlignBottom | Qt::AlignLeft,
             Qt::AlignBottom | Qt::AlignRight, Qt::AlignLeft | Qt::AlignVCenter,
             Qt::AlignTop | Qt::AlignRight});
    }

    // Current layer: a vertical line through both panels.
    auto it =
        std::find(r.states.begin(), r.states.end(), static_cast<std::size_t>(selection_.layer));
    if (it != r.states.end()) {
        const double lx = static_cast<double>(it - r.states.begin());
        for (QCPAxisRect* rect : {norm_rect_, cos_rect_}) {
            auto* v = new QCPItemStraightLine(plot_);
            v->setObjectName(QStringLiteral("layerMarker"));
            v->setClipAxisRect(rect);
            v->point1->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
            v->point2->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
            v->point1->setCoords(lx, 0);
            v->point2->setCoords(lx, 1);
            QColor mc = fg;
            mc.setAlpha(120);
            v->setPen(QPen(mc, st.line_width, Qt::DotLine));
        }
    }
    if (r.growth_ratio) {
        const QString growth = tr("mean norm grows ×%1 from layer %2 to layer %3")
                                   .arg(*r.growth_ratio, 0, 'f', *r.growth_ratio < 10 ? 2 : 1)
                                   .arg(r.states.front())
                                   .arg(r.states.back());
        QFont f = plot_->font();
        f.setPointSizeF(st.font_pt * 1.15);
        f.setBold(true);
        if (presentation_) {  // a headline above the panels
            headline_->setText(growth);
            headline_->setFont(f);
            headline_->setTextColor(fg);
        } else {
            auto* g = new QCPItemText(plot_);
            g->setObjectName(QStringLiteral("growthLabel"));
            g->setClipAxisRect(norm_rect_);
            g->position->setType(QCPItemPosition::ptAxisRectRatio);
            g->position->setAxisRect(norm_rect_);
            // Bottom right: under the late layers' lines, which have grown away from zero by then.
            g->position->setCoords(0.98, 0.97);
            g->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
            g->setText(growth);
            g->setFont(f);
            g->setColor(fg);
        }
    }
    replot_soon(plot_);
}

void TrajectoryView::arrange(bool outside) {
    QCPLayoutGrid* grid = plot_->plotLayout();
    const bool arranged = norm_rect_->layout() && (headline_->layout() != nullptr) == outside;
    if (!arranged) {
        for (QCPLayoutElement* e : std::initializer_list<QCPLayoutElement*>{
                 headline_, norm_row_, norm_rect_, cos_row_, cos_rect_})
            if (e->layout()) grid->take(e);
        grid->simplify();
        if (outside) {
            grid->addElement(0, 0, headline_);
            grid->addElement(1, 0, norm_row_);
            grid->addElement(2, 0, norm_rect_);
            grid->addElement(3, 0, cos_row_);
            grid->addElement(4, 0, cos_rect_);
            // Text rows take their height; the panels share the rest equally.
            grid->setRowStretchFactors({0.001, 0.001, 1, 0.001, 1});
        } else {
            grid->addElement(0, 0, norm_rect_);
            grid->addElement(1, 0, cos_rect_);
            grid->setRowStretchFactors({3, 2});
        }
    }
    grid->setRowSpacing(outside ? 2 : 5);
    for (QCPLayoutElement* e : std::initializer_list<QCPLayoutElement*>{
             headline_, norm_row_, cos_row_, norm_inset_, cos_inset_})
        e->setVisible(outside == (e == headline_ || e == norm_row_ || e == cos_row_));
}

int TrajectoryView::nearest_token(const QPoint& pos, int* layer_out) const {
    if (!result_ || result_->layers.empty()) return -1;
    const auto& r = *result_;
    const bool in_norm = norm_rect_->rect().contains(pos);
    QCPAxisRect* rect = in_norm ? norm_rect_ : cos_rect_;
    const int n = static_cast<int>(r.layers.size());
    const int li = std::clamp(
        static_cast<int>(std::lround(rect->axis(QCPAxis::atBottom)->pixelToCoord(pos.x()))), 0,
        n - 1);
    if (layer_out) *layer_out = li;
    int best = -1;
    double best_px = 10.0;  // pixels
    for (std::size_t t = 0; t < r.token_index.size(); ++t) {
        const double v = in_norm ? r.norm[t][static_cast<std::size_t>(li)]
                                 : value_or_nan(r.cos_first[t][static_cast<std::size_t>(li)]);
        if (!std::isfinite(v)) continue;
        const double d = std::abs(rect->axis(QCPAxis::atLeft)->coordToPixel(v) - pos.y());
        if (d < best_px) {
            best_px = d;
            best = static_cast<int>(t);
        }
    }
    return best;
}

void TrajectoryView::mouse_move(QMouseEvent* event) {
    if (!result_ || result_->layers.empty()) return;
    const auto& r = *result_;
    int li = 0;
    const int t = nearest_token(event->pos(), &li);
    const auto i = static_cast<std::size_t>(li);
    auto fmt = [](double v) {
        return std::isfinite(v) ? QString::number(v, 'g', 5) : QStringLiteral("–");
    };
    QString tip = tr("<b>layer %1</b> (%2)<br>norm: mean %3, median %4, p10 %5, p90 %6<br>"
                     "cos to previous: mean %7<br>cos to first: mean %8")
                      .arg(r.states[i])
                      .arg(QString::fromStdString(r.layers[i]).toHtmlEscaped())
                      .arg(fmt(r.norm_stats[i].mean), fmt(r.norm_stats[i].median),
                           fmt(r.norm_stats[i].p10), fmt(r.norm_stats[i].p90),
                           fmt(r.cos_prev_stats[i].count ? r.cos_prev_stats[i].mean : qQNaN()),
                           fmt(r.cos_first_stats[i].mean));
    if (t >= 0) {
        const int flat = static_cast<int>(r.token_index[static_cast<std::size_t>(t)]);
        const QString text =
            flat < token_texts_.size() ? token_texts_[flat] : QString::number(flat);
        tip += tr("<br><b>“%1”</b> (token %2): norm %3, cos prev %4, cos first %5")
                   .arg(text.toHtmlEscaped())
                   .arg(flat)
                   .arg(fmt(r.norm[static_cast<std::size_t>(t)][i]),
                        fmt(value_or_nan(r.cos_prev[static_cast<std::size_t>(t)][i])),
                        fmt(value_or_nan(r.cos_first[static_cast<std::size_t>(t)][i])));
    }
    QToolTip::showText(event->globalPosition().toPoint(), tip, plot_);
}

void TrajectoryView::mouse_press(QMouseEvent* event) {
    if (!selection_model() || !result_) return;
    const int t = nearest_token(event->pos(), nullptr);
    if (t < 0) return;
    const int flat = static_cast<int>(result_->token_index[static_cast<std::size_t>(t)]);
    if (event->modifiers() & Qt::ControlModifier)
        selection_model()->toggle_token(flat);
    else
        selection_model()->select_token(flat);
}

}  // namespace es::widgets
