#include "directions_view.h"

#include <qcustomplot.h>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "colormaps.h"
#include "plot_style.h"
#include "util/token_text.h"

namespace es::widgets {

namespace {

// Tokens drawn as thin grey lines besides the highlighted ones: enough to see the spread, few
// enough to draw a dump of a million tokens at once.
constexpr int kBackgroundTokens = 300;
constexpr std::size_t kHighlightedTokens = 200;
constexpr int kSearchLimit = 10000;

QCPGraph* line(QCustomPlot* plot, QCPAxis* x, QCPAxis* y, const QVector<double>& xs,
               const QVector<double>& ys, const QPen& pen, const QString& name) {
    QCPGraph* g = plot->addGraph(x, y);
    g->setData(xs, ys, true);
    g->setPen(pen);
    g->setName(name);
    return g;
}

// The defined points of a per-state series.
void points(const std::vector<std::size_t>& states, const std::vector<std::optional<double>>& v,
            QVector<double>& xs, QVector<double>& ys) {
    for (std::size_t i = 0; i < v.size(); ++i)
        if (v[i]) xs << double(states[i]), ys << *v[i];
}

}  // namespace

DirectionsView::DirectionsView(QWidget* parent)
    : ResultViewOf(QStringLiteral("directions"), tr("Directions"), parent) {
    auto* pairs_label = new QLabel(tr("pairs"), this);
    pairs_ = new QLineEdit(QStringLiteral("king:queen,man:woman"), this);
    pairs_->setObjectName(QStringLiteral("pairs"));
    pairs_->setMinimumWidth(140);
    pairs_->setToolTip(
        tr("Token pairs a:b, comma-separated, by their text (quote a text with "
           "spaces: ' the') or flat index. Enter applies."));
    auto* search_label = new QLabel(tr("search"), this);
    search_ = new QLineEdit(this);
    search_->setObjectName(QStringLiteral("search"));
    search_->setPlaceholderText(tr("text or /regex/"));
    search_->setToolTip(
        tr("Selects every token whose text contains this (or matches /regex/), "
           "in every view."));
    add_controls({pairs_label, pairs_, search_label, search_});
    declare_setting(
        {QStringLiteral("pairs"),
         SettingSpec::Type::Text,
         QStringLiteral("king:queen,man:woman"),
         {},
         0,
         0,
         QStringLiteral("token pairs a:b,c:d that define the direction")},
        [this] { return QJsonValue(pairs()); },
        [this](const QJsonValue& v) {
            if (v.isString()) set_pairs(v.toString());
        });

    // Small minimum sizes: the tabbed views share the space of a 1280 x 720 projector.
    plot_ = make_plot(QStringLiteral("directionsPlot"), {300, 140});
    plot_->plotLayout()->clear();
    curves_ = new QCPAxisRect(plot_);
    trajectories_ = new QCPAxisRect(plot_);
    // The three plots in a grid of their own, the legend in a row under it: in the same grid the
    // legend's width would widen the first column and squeeze the others.
    auto* plots = new QCPLayoutGrid;
    plot_->plotLayout()->addElement(0, 0, plots);
    analogy_rect_ = new QCPAxisRect(plot_);
    plots->addElement(0, 0, curves_);
    plots->addElement(0, 1, trajectories_);
    plots->addElement(0, 2, analogy_rect_);
    plots->setColumnStretchFactors({1.3, 1.0, 0.8});
    auto* legend = new QCPLegend;
    plot_->plotLayout()->addElement(1, 0, legend);
    plot_->plotLayout()->setRowStretchFactor(1, 0.001);
    legend->setLayer(QStringLiteral("legend"));
    legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    legend->setWrap(3);
    plot_->legend = legend;
    // The analogy's inputs in a row of their own (the first row holds the pairs and the search).
    auto* row = new QHBoxLayout;
    analogy_ = new QLineEdit(QStringLiteral("king - man + woman"), this);
    analogy_->setObjectName(QStringLiteral("analogy"));
    analogy_->setToolTip(tr("An analogy: tokens joined by + and -. Enter applies."));
    expected_ = new QLineEdit(QStringLiteral("queen"), this);
    expected_->setObjectName(QStringLiteral("expected"));
    expected_->setToolTip(tr("The answer whose rank is plotted per layer (empty: none)."));
    row->addWidget(new QLabel(tr("analogy"), this));
    row->addWidget(analogy_, 2);
    row->addWidget(new QLabel(tr("expect"), this));
    row->addWidget(expected_, 1);
    column()->addLayout(row);
    column()->addWidget(plot_, 3);
    analogy_line_ = new QLabel(this);
    analogy_line_->setObjectName(QStringLiteral("analogyLine"));
    // Wrapped: an analogy's error names the file and the token and is read whole; on one line
    // it was the view's minimum width (1062 px), so a hidden Directions tab grew the window
    // past a 1600 px screen.
    analogy_line_->setWordWrap(true);
    column()->addWidget(analogy_line_);
    for (QLineEdit* e : {analogy_, expected_})
        connect(e, &QLineEdit::editingFinished, this,
                [this, last = analogy() + QLatin1Char('|') + expected()]() mutable {
                    const QString now = analogy() + QLatin1Char('|') + expected();
                    if (now == last) return;
                    last = now;
                    emit analogy_changed();
                });
    neighbours_title_ = new QLabel(tr("Neighbours: select a token."), this);
    neighbours_title_->setObjectName(QStringLiteral("neighboursTitle"));
    // "select all": the token and its neighbours become the selection, so that every view (the
    // 3D points, the trajectories) highlights them; the token stays first, so the list stays.
    select_neighbours_ = new QPushButton(tr("select all"), this);
    select_neighbours_->setObjectName(QStringLiteral("selectNeighbours"));
    select_neighbours_->setEnabled(false);
    auto* title_row = new QHBoxLayout;
    title_row->addWidget(neighbours_title_, 1);
    title_row->addWidget(select_neighbours_);
    column()->addLayout(title_row);
    connect(select_neighbours_, &QPushButton::clicked, this,
            [this] { emit select_tokens(neighbour_tokens_); });
    neighbours_ = new QListWidget(this);
    neighbours_->setObjectName(QStringLiteral("neighbours"));
    neighbours_->setFlow(QListView::LeftToRight);
    neighbours_->setWrapping(true);
    neighbours_->setMinimumHeight(24);
    neighbours_->setMaximumHeight(56);
    column()->addWidget(neighbours_, 0);
    connect(pairs_, &QLineEdit::editingFinished, this, [this, last = pairs()]() mutable {
        if (pairs() == last) return;
        last = pairs();
        emit options_changed();
    });
    connect(search_, &QLineEdit::returnPressed, this, &DirectionsView::run_search);
    connect(neighbours_, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        emit select_tokens({item->data(Qt::UserRole).toInt()});
    });
    style_plot(plot_, false);
    show_empty(tr("Open a dump and type token pairs to see their direction through the layers."));
}

QString DirectionsView::pairs() const {
    return pairs_->text().trimmed();
}

void DirectionsView::set_pairs(const QString& pairs) {
    if (pairs_->text() == pairs) return;
    pairs_->setText(pairs);
    emit options_changed();
}

void DirectionsView::set_token_texts(const QStringList& texts) {
    token_texts_ = texts;
}

QList<int> DirectionsView::search_matches(const QString& text) const {
    QList<int> out;
    if (text.isEmpty()) return out;
    if (text.size() > 2 && text.startsWith(QLatin1Char('/')) && text.endsWith(QLatin1Char('/'))) {
        const QRegularExpression re(text.mid(1, text.size() - 2));
        if (!re.isValid()) return out;
        for (int i = 0; i < token_texts_.size(); ++i)
            if (re.match(token_texts_[i]).hasMatch()) out << i;
        return out;
    }
    for (int i = 0; i < token_texts_.size(); ++i)
        if (token_texts_[i].contains(text, Qt::CaseInsensitive)) out << i;
    return out;
}

void DirectionsView::run_search() {
    QList<int> found = search_matches(search_->text().trimmed());
    // Every view redraws its selection: a search matching most of a large dump selects the first
    // kSearchLimit matches, and says so.
    const int total = static_cast<int>(found.size());
    if (total > kSearchLimit) found = found.mid(0, kSearchLimit);
    search_->setToolTip(
        total > kSearchLimit
            ? tr("%1 tokens match; the first %2 are selected").arg(total).arg(kSearchLimit)
            : tr("%n token(s) match", nullptr, total));
    emit select_tokens(found);
}

void DirectionsView::set_result(const analysis::DirectionsResult& r) {
    QString status = tr("%1: %2 pairs, %3 tokens")
                         .arg(QString::fromStdString(r.definition))
                         .arg(r.pairs.size())
                         .arg(r.tokens);
    take_result(r, status);
}

void DirectionsView::set_neighbours(const analysis::NeighboursResult& r) {
    neighbours_->clear();
    neighbour_tokens_ = {static_cast<int>(r.token)};
    for (const auto& n : r.neighbours) neighbour_tokens_ << static_cast<int>(n.token_index);
    select_neighbours_->setEnabled(true);
    neighbours_title_->setText(
        tr("Neighbours of “%1” (token %2) at %3, by %4:")
            .arg(QString::fromStdString(display_token(r.token_text)))
            .arg(r.token)
            .arg(QString::fromStdString(r.layer_name), QString::fromStdString(r.metric)));
    for (const auto& n : r.neighbours) {
        auto* item = new QListWidgetItem(QStringLiteral("%1 %2 (%3)")
                                             .arg(QString::fromStdString(display_token(n.token)))
                                             .arg(n.token_index)
                                             .arg(n.score, 0, 'f', 3),
                                         neighbours_);
        item->setData(Qt::UserRole, static_cast<int>(n.token_index));
    }
}

void DirectionsView::show_neighbours_message(const QString& message) {
    neighbours_->clear();
    neighbour_tokens_.clear();
    select_neighbours_->setEnabled(false);
    neighbours_title_->setText(message);
}

QString DirectionsView::analogy() const {
    return analogy_->text().trimmed();
}

QString DirectionsView::expected() const {
    return expected_->text().trimmed();
}

void DirectionsView::set_analogy(const AnalogyCurves& curves) {
    curves_data_ = curves;
    rebuild();
}

void DirectionsView::show_analogy_message(const QString& message) {
    curves_data_.reset();
    analogy_line_->setText(message);
    rebuild();
}

// The two answers at the selected layer, side by side.
void DirectionsView::describe_analogy() {
    if (!curves_data_) return;
    auto at_layer = [this](const analysis::AnalogyResult& r) -> QString {
        for (const auto& l : r.layers) {
            if (!l.layer || static_cast<int>(*l.layer) != selection_.layer) continue;
            QString text = l.results.empty()
                               ? tr("none")
                               : QStringLiteral("%1 %2")
                                     .arg(QString::fromStdString(display_token(l.results[0].token)))
                                     .arg(l.results[0].cosine, 0, 'f', 3);
            if (l.expected_rank)
                text +=
                    tr(" (%1 rank %2)").arg(QString::fromStdString(r.expect)).arg(*l.expected_rank);
            return text;
        }
        return tr("none");
    };
    analogy_line_->setText(
        tr("%1 at layer %2: raw → %3 · normalised → %4")
            .arg(QString::fromStdString(curves_data_->raw.query))
            .arg(selection_.layer)
            .arg(at_layer(curves_data_->raw), at_layer(curves_data_->normalized)));
}

void DirectionsView::draw_analogy(bool with_data) {
    const PlotStyle st = plot_style(presentation_);
    QCPAxis* ax = analogy_rect_->axis(QCPAxis::atBottom);
    QCPAxis* ay = analogy_rect_->axis(QCPAxis::atLeft);
    ax->setLabel(tr("layer (state)"));
    ay->setLabel(expected().isEmpty() ? tr("rank of the expected answer")
                                      : tr("rank of “%1” (1 = top)").arg(expected()));
    ay->setScaleType(QCPAxis::stLogarithmic);
    ay->setRangeReversed(true);
    ay->setRange(0.8, 10);
    // The answers are said even without a direction to draw beside them (pairs this dump does
    // not hold): the line said "computing" after the analogy had come.
    describe_analogy();
    if (!with_data || !curves_data_) return;
    double top = 10, x0 = 0, x1 = 1;
    int index = 0;
    for (const auto* r : {&curves_data_->raw, &curves_data_->normalized}) {
        QVector<double> xs, ys;
        for (const auto& l : r->layers)
            if (l.layer && l.expected_rank) {
                xs << double(*l.layer), ys << double(*l.expected_rank);
                top = std::max(top, 1.5 * double(*l.expected_rank));
            }
        if (!r->layers.empty() && r->layers.front().layer) {
            x0 = double(*r->layers.front().layer);
            x1 = double(*r->layers.back().layer);
        }
        QCPGraph* g = line(plot_, ax, ay, xs, ys,
                           QPen(colors::categorical(index == 0 ? 4 : 5), st.line_width,
                                index == 0 ? Qt::SolidLine : Qt::DashLine),
                           index == 0 ? tr("analogy rank, raw") : tr("analogy rank, normalised"));
        g->setObjectName(index == 0 ? QStringLiteral("analogyRaw")
                                    : QStringLiteral("analogyNormalized"));
        g->setScatterStyle(
            QCPScatterStyle(index == 0 ? QCPScatterStyle::ssDisc : QCPScatterStyle::ssSquare, 6));
        ++index;
    }
    ax->setRange(x0 - 0.2, x1 + 0.2);
    ay->setRange(0.8, top);
    // Ranks 1, 2, 5, 10, 20, 50, ...: a log axis's own ticks skip 1, the rank that matters.
    QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
    for (double t = 1; t <= top; t *= 10)
        for (double m : {1.0, 2.0, 5.0})
            if (m * t <= top) ticks->addTick(m * t, QString::number(m * t));
    ay->setTicker(ticks);
}

void DirectionsView::on_selection(const Selection& selection) {
    const bool changed =
        selection.layer != selection_.layer || selection.tokens != selection_.tokens;
    selection_ = selection;
    if (changed) rebuild();
}

void DirectionsView::rebuild() {
    plot_->clearPlottables();
    plot_->clearItems();
    style_plot(plot_, presentation_);
    const PlotStyle st = plot_style(presentation_);
    QFont font = plot_->font();
    font.setPointSizeF(st.font_pt);
    style_legend(plot_->legend, font);
    const QColor fg = colors::plot_foreground();
    QCPAxis* cx = curves_->axis(QCPAxis::atBottom);
    QCPAxis* cy = curves_->axis(QCPAxis::atLeft);
    QCPAxis* sy = curves_->axis(QCPAxis::atRight);
    QCPAxis* tx = trajectories_->axis(QCPAxis::atBottom);
    QCPAxis* ty = trajectories_->axis(QCPAxis::atLeft);
    cx->setLabel(tr("layer (state)"));
    cy->setLabel(tr("cosine"));
    sy->setLabel(tr("separation (pooled SD)"));
    sy->setVisible(true);
    sy->setTickLabels(true);
    tx->setLabel(tr("layer (state)"));
    ty->setLabel(tr("projection on the direction"));
    plot_->legend->setVisible(false);
    // The analogy is drawn with a direction only: a view without a result draws nothing.
    draw_analogy(result_.has_value());
    if (!result_) {
        plot_->replot();
        return;
    }
    const auto& r = *result_;
    const double x0 = r.states.empty() ? 0 : double(r.states.front());
    const double x1 = r.states.empty() ? 1 : double(r.states.back());
    QVector<double> xs, ys;
    points(r.states, r.consistency, xs, ys);
    line(plot_, cx, cy, xs, ys, QPen(colors::categorical(0), st.line_width), tr("consistency"))
        ->setObjectName(QStringLiteral("consistency"));
    xs.clear(), ys.clear();
    points(r.states, r.consistency_null, xs, ys);
    line(plot_, cx, cy, xs, ys, QPen(fg, st.line_width, Qt::DashLine), tr("null (random pairs)"))
        ->setObjectName(QStringLiteral("consistencyNull"));
    xs.clear(), ys.clear();
    points(r.states, r.direction_cos_prev, xs, ys);
    line(plot_, cx, cy, xs, ys, QPen(colors::categorical(2), st.line_width, Qt::DotLine),
         tr("cos to previous direction"))
        ->setObjectName(QStringLiteral("directionCosPrev"));
    xs.clear(), ys.clear();
    points(r.states, r.separation, xs, ys);
    double smax = 1;
    for (double v : ys) smax = std::max(smax, std::abs(v));
    QCPGraph* sep = line(plot_, cx, sy, xs, ys, QPen(colors::categorical(1), st.line_width),
                         tr("separation (right axis)"));
    sep->setObjectName(QStringLiteral("separation"));
    sep->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    cx->setRange(x0 - 0.2, x1 + 0.2);
    cy->setRange(-0.25, 1.05);
    sy->setRange(std::min(0.0, -0.05 * smax), smax * 1.1);
    plot_->legend->setVisible(true);

    // Trajectories: a sample of all tokens thin and grey, then the sides and the selection.
    const std::size_t T = r.tokens;
    std::vector<int> role(T, 0);  // 0 other, 1 side a, 2 side b, 3 selected
    for (std::size_t t : r.side_a) role[t] = 1;
    for (std::size_t t : r.side_b) role[t] = 2;
    for (int t : selection_.tokens)
        if (t >= 0 && static_cast<std::size_t>(t) < T) role[static_cast<std::size_t>(t)] = 3;
    const std::size_t stride = std::max<std::size_t>(1, T / kBackgroundTokens);
    double lo = 0, hi = 0;
    bool any = false;
    auto draw = [&](std::size_t t, const QPen& pen, const char* kind) {
        QVector<double> px, py;
        for (std::size_t i = 0; i < r.projection.size(); ++i)
            if (r.projection[i][t]) {
                px << double(r.states[i]), py << *r.projection[i][t];
                lo = any ? std::min(lo, py.back()) : py.back();
                hi = any ? std::max(hi, py.back()) : py.back();
                any = true;
            }
        QCPGraph* g = line(plot_, tx, ty, px, py, pen, QString::number(t));
        g->setObjectName(QString::fromLatin1(kind));
        g->removeFromLegend(plot_->legend);
    };
    QColor grey = fg;
    grey.setAlphaF(0.18);
    for (std::size_t t = 0; t < T; t += stride)
        if (role[t] == 0) draw(t, QPen(grey, 0.6 * st.line_width), "otherToken");
    // Each kind evenly thinned to kHighlightedTokens lines: a side of a frequent token, or a
    // search selecting thousands, would otherwise mean thousands of graphs.
    for (int want : {1, 2, 3}) {
        std::vector<std::size_t> of_kind;
        for (std::size_t t = 0; t < T; ++t)
            if (role[t] == want) of_kind.push_back(t);
        const std::size_t step = (of_kind.size() + kHighlightedTokens - 1) / kHighlightedTokens;
        for (std::size_t i = 0; i < of_kind.size(); i += std::max<std::size_t>(1, step))
            draw(of_kind[i],
                 QPen(want == 3 ? fg : colors::categorical(want == 1 ? 0 : 1),
                      (want == 3 ? 1.3 : 1.0) * st.line_width),
                 want == 1   ? "sideA"
                 : want == 2 ? "sideB"
                             : "selectedToken");
    }
    tx->setRange(x0 - 0.2, x1 + 0.2);
    const double pad = any ? 0.05 * std::max(1e-9, hi - lo) : 1;
    ty->setRange(any ? lo - pad : -1, any ? hi + pad : 1);

    // The selected layer on both plots.
    for (QCPAxisRect* rect : {curves_, trajectories_, analogy_rect_}) {
        auto* v = new QCPItemStraightLine(plot_);
        v->setObjectName(QStringLiteral("selectedLayer"));
        v->setClipAxisRect(rect);
        v->point1->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        v->point2->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        v->point1->setCoords(selection_.layer, 0);
        v->point2->setCoords(selection_.layer, 1);
        v->setPen(QPen(fg, 1, Qt::DashDotLine));
    }
    plot_->replot();
}

}  // namespace es::widgets
