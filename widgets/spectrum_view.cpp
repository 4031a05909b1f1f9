#include "spectrum_view.h"

#include <qcustomplot.h>
#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSplitter>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "plot_style.h"
#include "simd_state.h"

namespace es::widgets {

namespace {
// Singular values below this fraction of the layer's largest are rounding noise of a rank-deficient
// matrix (fewer distinct tokens than dimensions): they are drawn as zero (left out of log plots).
constexpr double kNumericalZero = 1e-6;
}  // namespace

SpectrumView::SpectrumView(QWidget* parent)
    : ResultViewOf(QStringLiteral("spectrum"), tr("Spectrum"), parent) {
    overlay_ = new QCheckBox(tr("overlay all layers"), this);
    overlay_->setObjectName(QStringLiteral("overlay"));
    overlay_->setChecked(true);
    log_x_ = new QCheckBox(tr("log-log"), this);
    log_x_->setObjectName(QStringLiteral("logX"));
    log_x_->setChecked(true);
    centred_ = new QCheckBox(tr("centre tokens"), this);
    centred_->setObjectName(QStringLiteral("centred"));
    centred_->setChecked(true);
    centred_->setToolTip(
        tr("Subtract the mean over tokens before the SVD (the usual PCA spectrum). Unticked, "
           "the first singular value mostly measures the mean direction."));
    add_controls({overlay_, log_x_, centred_});
    bind_setting(QStringLiteral("overlay"), overlay_,
                 QStringLiteral("draw every layer's spectrum, not only the selected layer's"));
    bind_setting(QStringLiteral("log_log"), log_x_, QStringLiteral("scree plot on log-log axes"));
    bind_setting(QStringLiteral("centred"), centred_,
                 QStringLiteral("subtract the mean over tokens before the SVD"));

    auto* split = new QSplitter(Qt::Vertical, this);
    plot_ = make_plot(QStringLiteral("screePlot"), {260, 150}, split);
    plot_->plotLayout()->clear();
    scree_ = new QCPAxisRect(plot_);
    cumulative_ = new QCPAxisRect(plot_);
    // The effective rank is read above both panels, right-aligned over the cumulative one where
    // it fits, never over (or cut off by) them. In the cumulative panel's column, a long title
    // (a big layer's figures) was that column's minimum and squeezed the scree panel to a sliver
    // in a 480 px dock.
    rank_title_ = new QCPTextElement(plot_);
    rank_title_->setObjectName(QStringLiteral("effectiveRankLabel"));
    rank_title_->setTextFlags(Qt::AlignRight | Qt::AlignVCenter);
    rank_title_->setMinimumSize(QSize(1, 0));  // not the dock's minimum width either
    auto* panels = new QCPLayoutGrid;
    plot_->plotLayout()->addElement(0, 0, rank_title_);
    plot_->plotLayout()->addElement(1, 0, panels);
    panels->addElement(0, 0, scree_);
    panels->addElement(0, 1, cumulative_);
    panels->setColumnSpacing(plot_->plotLayout()->columnSpacing());
    plot_->plotLayout()->setRowStretchFactors({0.001, 1});
    plot_->legend = inset_legend(scree_, Qt::AlignTop | Qt::AlignRight);
    spectrogram_ = new HeatmapPlot(split);
    spectrogram_->setObjectName(QStringLiteral("spectrogram"));
    split->addWidget(plot_);
    split->addWidget(spectrogram_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    column()->addWidget(split, 1);

    connect(overlay_, &QCheckBox::toggled, this, [this] { rebuild(); });
    connect(log_x_, &QCheckBox::toggled, this, [this] { rebuild(); });
    connect(centred_, &QCheckBox::toggled, this, [this] { emit options_changed(); });
    connect(spectrogram_, &HeatmapPlot::cell_clicked, this, [this](int row, int) {
        if (result_ && selection_model() && row < static_cast<int>(result_->layers.size()))
            selection_model()->set_layer(
                static_cast<int>(result_->layers[static_cast<std::size_t>(row)].layer));
    });
    connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        const int row = layer_row(selection_.layer);
        if (row < 0 || !scree_->rect().contains(e->pos())) return;
        const auto& ls = result_->layers[static_cast<std::size_t>(row)];
        const int k = static_cast<int>(
            std::lround(scree_->axis(QCPAxis::atBottom)->pixelToCoord(e->pos().x())));
        if (k < 1 || k > static_cast<int>(ls.singular_values.size())) return;
        const auto i = static_cast<std::size_t>(k - 1);
        QToolTip::showText(e->globalPosition().toPoint(),
                           tr("layer %1, component %2<br>σ = %3<br>explained variance %4%")
                               .arg(ls.layer)
                               .arg(k)
                               .arg(ls.singular_values[i], 0, 'g', 6)
                               .arg(100 * ls.explained_variance_ratio[i], 0, 'g', 4),
                           plot_);
    });
    style_plot(plot_, false);
    show_empty(tr("Open a dump to see the spectra of its layers."));
}

bool SpectrumView::centred() const {
    return centred_->isChecked();
}
void SpectrumView::set_overlay(bool on) {
    overlay_->setChecked(on);
}
void SpectrumView::set_log_x(bool on) {
    log_x_->setChecked(on);
}

void SpectrumView::set_presentation(bool on) {
    spectrogram_->set_presentation(on);
    ResultView::set_presentation(on);
}

void SpectrumView::clear_result() {
    spectrogram_->clear();
    row_states_.clear();
    ResultViewOf::clear_result();
}

int SpectrumView::curve_count() const {
    int n = 0;
    for (int i = 0; i < plot_->graphCount(); ++i)
        n += plot_->graph(i)->keyAxis() == scree_->axis(QCPAxis::atBottom) ? 1 : 0;
    return n;
}

int SpectrumView::layer_row(int state) const {
    if (!result_) return -1;
    for (std::size_t i = 0; i < result_->layers.size(); ++i)
        if (static_cast<int>(result_->layers[i].layer) == state) return static_cast<int>(i);
    return -1;
}

bool SpectrumView::selected_exact() const {
    const int row = layer_row(selection_.layer);
    return row >= 0 && result_->layers[static_cast<std::size_t>(row)].estimate_of == 0;
}

QString SpectrumView::incomplete() const {
    if (!partial()) return {};
    QStringList parts;
    std::size_t exact = 0;
    for (const auto& l : result_->layers) {
        if (!l.estimate_of) {
            ++exact;
            continue;
        }
        parts << tr("layer %1: top %2 of %3 values, estimate")
                     .arg(l.layer)
                     .arg(l.singular_values.size())
                     .arg(l.estimate_of);
    }
    const std::size_t total = result_->layers.size() + result_->pending_layers.size();
    if (exact < total) parts << tr("%1 of %2 layers").arg(exact).arg(total);
    return parts.join(QStringLiteral("; "));
}

void SpectrumView::set_result(const analysis::SpectrumResult& result) {
    show_result();
    result_ = result;
    // Every state a row, in state order; a partial result's pending states are empty rows, so the
    // spectrogram fills in rather than growing.
    std::vector<std::pair<std::size_t, const analysis::LayerSpectrum*>> rows;
    for (const auto& l : result.layers) rows.emplace_back(l.layer, &l);
    for (std::size_t st : result.pending_layers) rows.emplace_back(st, nullptr);
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    HeatmapData d;
    d.rows = static_cast<int>(rows.size());
    // An estimate's columns span all its layer's values (its top ones filled, the rest empty),
    // so the component axis does not jump when the exact values replace it.
    std::size_t cols = 0;
    for (const auto& l : result.layers)
        cols = std::max({cols, l.singular_values.size(), l.estimate_of});
    d.cols = static_cast<int>(cols);
    d.values.assign(static_cast<std::size_t>(d.rows) * cols, std::nullopt);
    row_states_.clear();
    for (int r = 0; r < d.rows; ++r) {
        const auto& [state, layer] = rows[static_cast<std::size_t>(r)];
        d.row_labels << QString::number(state);
        row_states_.push_back(state);
        if (!layer) continue;
        const auto& sv = layer->singular_values;
        const double floor = sv.empty() ? 0.0 : sv.front() * kNumericalZero;
        for (std::size_t c = 0; c < sv.size(); ++c)
            if (sv[c] > floor) d.values[static_cast<std::size_t>(r) * cols + c] = sv[c];
    }
    for (std::size_t c = 0; c < cols; ++c) d.col_labels << QString::number(c + 1);
    d.row_title = tr("layer");
    d.col_title = tr("component (largest first)");
    d.value_title = tr("σ");
    d.log_colour = true;
    // Only the top decades matter; tiny values would wash the colour scale out.
    double top = 0;
    for (auto v : d.values)
        if (v) top = std::max(top, *v);
    if (top > 0) d.lo = top * 1e-4, d.hi = top;
    spectrogram_->set_data(d);
    if (!result.layers.empty()) {
        const auto& first = result.layers.front();
        QString text =
            tr("%1 tokens%2")
                .arg(first.tokens)
                .arg(first.excluded_tokens ? tr(", %1 excluded").arg(first.excluded_tokens)
                                           : QString());
        if (partial())
            text = tr("partial: %1 computed, the rest follow (not exported until complete) · %2")
                       .arg(incomplete(), text);
        status()->setText(text);
    }
    rebuild();
}

void SpectrumView::on_selection(const Selection& selection) {
    const bool changed = selection.layer != selection_.layer;
    selection_ = selection;
    if (changed) rebuild();
}

void SpectrumView::rebuild() {
    plot_->clearGraphs();
    plot_->clearItems();
    rank_title_->setText(QString());
    {
        QFont f = plot_->font();
        f.setPointSizeF(plot_style(presentation_).font_pt);
        rank_title_->setFont(f);
        rank_title_->setTextColor(colors::plot_foreground());
    }
    style_plot(plot_, presentation_);
    const PlotStyle st = plot_style(presentation_);
    QCPAxis* sx = scree_->axis(QCPAxis::atBottom);
    QCPAxis* sy = scree_->axis(QCPAxis::atLeft);
    QCPAxis* cx = cumulative_->axis(QCPAxis::atBottom);
    QCPAxis* cy = cumulative_->axis(QCPAxis::atLeft);
    sx->setLabel(tr("component i"));
    sy->setLabel(tr("singular value σᵢ"));
    cx->setLabel(tr("components kept"));
    cy->setLabel(tr("cumulative variance"));
    const int sel = layer_row(selection_.layer);
    // No result: no legend either (an empty frame would sit on the empty plot).
    const bool has_result = result_ && !result_->layers.empty();
    plot_->legend->setVisible(has_result);
    if (!has_result) {
        plot_->replot();
        return;
    }
    // The selected state of a partial result not computed yet: said, never another layer drawn
    // in its place.
    const bool waiting = sel < 0 && partial();
    plot_->legend->setVisible(!waiting);
    const bool loglog = log_x_->isChecked();
    for (QCPAxis* a : {sx, sy, cx}) {
        const bool log = a == sx || a == cx ? loglog : true;
        a->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
        if (log)
            a->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
        else
            a->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    }
    const int n = static_cast<int>(result_->layers.size());
    double smax = 0, smin = std::numeric_limits<double>::infinity();
    std::size_t kmax = 1;
    auto add_curves = [&](int row, bool selected) {
        const auto& ls = result_->layers[static_cast<std::size_t>(row)];
        QVector<double> k, s, cum;
        double acc = 0;
        const double floor =
            ls.singular_values.empty() ? 0.0 : ls.singular_values.front() * kNumericalZero;
        for (std::size_t i = 0; i < ls.singular_values.size(); ++i) {
            acc += ls.explained_variance_ratio[i];
            if (ls.singular_values[i] <= floor)
                continue;  // rank-deficient tail: zero, off a log axis
            k << double(i + 1);
            s << ls.singular_values[i];
            cum << acc;
            smax = std::max(smax, ls.singular_values[i]);
            smin = std::min(smin, ls.singular_values[i]);
        }
        // An estimate's axis spans all its layer's values, so that the exact curve replacing it
        // keeps the axes, and the top values are seen as the top of that many.
        kmax = std::max(kmax, std::max(ls.singular_values.size(), ls.estimate_of));
        QColor c = colors::sample(colors::Map::Viridis, n > 1 ? double(row) / (n - 1) : 0.0);
        if (!selected) c.setAlpha(140);
        // The other layers' lines at least 1 px: QCustomPlot draws those as cosmetic lines, where
        // 0.96 px went through QPainter's stroker, joins and all (most of the overlay's replot).
        QPen pen(c, selected ? st.line_width * 1.6 : std::max(1.0, st.line_width * 0.6));
        QCPGraph* g = new GuardedGraph(sx, sy);  // 66 graphs on log axes (simd_state.h)
        g->setData(k, s, true);
        g->setName(ls.estimate_of ? tr("layer %1 (estimate)").arg(ls.layer)
                                  : tr("layer %1").arg(ls.layer));
        if (ls.estimate_of) pen.setStyle(Qt::DashLine);  // an estimate, replaced when exact
        g->setPen(pen);
        if (selected)
            g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, st.line_width * 2.5));
        else
            g->removeFromLegend();
        QCPGraph* h = new GuardedGraph(cx, cy);
        h->setData(k, cum, true);
        h->setPen(pen);
        h->removeFromLegend();
        if (selected && ls.estimate_of) {
            // The top values only: no effective rank (it needs them all); how close they are.
            double worst = 0;
            for (std::size_t i = 0; i < ls.estimate_bounds.size(); ++i)
                if (ls.singular_values[i] > 0)
                    worst = std::max(worst, ls.estimate_bounds[i] / ls.singular_values[i]);
            // Short: the title shares the plot's width with the scree panel (a long one squeezed
            // that panel to a sliver on M); the status line gives the whole partial state.
            rank_title_->setText(tr("layer %1: top %2 of %3 values, estimate ±%4%")
                                     .arg(ls.layer)
                                     .arg(ls.singular_values.size())
                                     .arg(ls.estimate_of)
                                     .arg(100 * worst, 0, 'g', 2));
        } else if (selected) {
            // Effective rank: where the layer "lives"; marked on the cumulative curve.
            auto* v = new QCPItemStraightLine(plot_);
            v->setObjectName(QStringLiteral("effectiveRank"));
            v->setClipAxisRect(cumulative_);
            v->point1->setAxes(cx, cy);
            v->point2->setAxes(cx, cy);
            v->point1->setCoords(ls.effective_rank, 0.01);
            v->point2->setCoords(ls.effective_rank, 1);
            v->setPen(QPen(colors::plot_foreground(), st.line_width, Qt::DashLine));
            rank_title_->setText(tr("layer %1: effective rank %2, participation ratio %3")
                                     .arg(ls.layer)
                                     .arg(ls.effective_rank, 0, 'f', 1)
                                     .arg(ls.participation_ratio, 0, 'f', 1));
        }
    };
    if (overlay_->isChecked() || waiting)
        for (int r = 0; r < n; ++r)
            if (r != sel) add_curves(r, false);
    if (waiting)
        rank_title_->setText(tr("layer %1: computing… (partial result)").arg(selection_.layer));
    else
        add_curves(sel >= 0 ? sel : n - 1, true);
    // First, so that a narrow dock still shows it when the line is cut.
    // (An estimate's title says so already.)
    const bool estimated = sel >= 0 && result_->layers[static_cast<std::size_t>(sel)].estimate_of;
    if (partial() && !waiting && !estimated)
        rank_title_->setText(tr("partial (%1) · ").arg(incomplete()) + rank_title_->text());
    sx->setRange(loglog ? 0.8 : 0, double(kmax) * (loglog ? 1.25 : 1.02));
    cx->setRange(loglog ? 0.8 : 0, double(kmax) * (loglog ? 1.25 : 1.02));
    if (smax > 0) sy->setRange(std::max(smin, smax * 1e-6) / 1.5, smax * 1.5);
    cy->setRange(0, 1.02);
    const auto row = std::find(row_states_.begin(), row_states_.end(),
                               static_cast<std::size_t>(std::max(selection_.layer, 0)));
    const int marked = selection_.layer >= 0 && row != row_states_.end()
                           ? static_cast<int>(row - row_states_.begin())
                           : -1;
    spectrogram_->set_marked(marked >= 0 ? std::vector<std::pair<int, int>>{{marked, -1}}
                                         : std::vector<std::pair<int, int>>{});
    replot_soon(plot_);
}

QStringList SpectrumView::figures() const {
    return {QStringLiteral("spectrum"), QStringLiteral("spectrogram")};
}

std::vector<QCustomPlot*> SpectrumView::figure_plots(const QString& figure) {
    if (figure == QLatin1String("spectrogram")) return {spectrogram_->plot()};
    return {plot_, spectrogram_->plot()};
}

}  // namespace es::widgets
