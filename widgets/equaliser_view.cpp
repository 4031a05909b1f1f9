#include "equaliser_view.h"

#include <qcustomplot.h>
#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "colormaps.h"
#include "plot_style.h"

namespace es::widgets {

namespace {
constexpr int kMaxColourGroups = 64;              // QCPBars objects per plot (one colour each)
constexpr std::size_t kAllComponents = 1u << 20;  // "one band per component": min(bands, D) = D
}  // namespace

EqualiserView::EqualiserView(QWidget* parent)
    : ResultViewOf(QStringLiteral("equaliser"), tr("Equaliser"), parent) {
    mode_ = new QComboBox(this);
    mode_->setObjectName(QStringLiteral("mode"));
    mode_->addItem(tr("32 bands"));
    mode_->addItem(tr("per component"));
    mode_->addItem(tr("per dimension"));
    mode_->addItem(tr("along directions"));
    mode_->setToolTip(
        tr("Bands: the token's energy summed over groups of principal components (largest variance "
           "first). Per component: one bar per principal direction. Per dimension: one bar per raw "
           "coordinate, coloured by its sign. Along directions: one bar per direction, the squared "
           "projection on it (the Directions view's pairs, or the directions typed)."));
    directions_ = new QLineEdit(this);
    directions_->setObjectName(QStringLiteral("directions"));
    directions_->setMinimumWidth(160);
    directions_->setClearButtonEnabled(true);
    directions_->setToolTip(
        tr("Directions, comma-separated: pairs(king:queen) (at each layer its own direction), "
           "pairs(man:woman)@3 (layer 3's at every layer), groups(a,b|c,d), pc1, W_U[queen], "
           "vector(v.npy). Empty: the Directions view's pairs, one direction each. Applied with "
           "Return."));
    directions_->setVisible(false);
    normalize_ = new QCheckBox(tr("normalise"), this);
    normalize_->setObjectName(QStringLiteral("normalize"));
    normalize_->setToolTip(
        tr("Energies of the unit-normalised state (they sum to 1), so layers of very different "
           "norms compare by shape only."));
    peaks_ = new QCheckBox(tr("peak hold"), this);
    peaks_->setObjectName(QStringLiteral("peakHold"));
    peaks_->setChecked(true);
    peaks_->setToolTip(tr("Mark each bar's maximum over all layers."));
    add_controls({mode_, directions_, normalize_, peaks_});
    bind_setting(QStringLiteral("mode"), mode_,
                 {QStringLiteral("bands"), QStringLiteral("components"),
                  QStringLiteral("dimensions"), QStringLiteral("directions")},
                 QStringLiteral("32 bands of principal components, one bar per component, per "
                                "raw dimension, or along directions"));
    declare_setting(
        {QStringLiteral("directions"),
         SettingSpec::Type::Text,
         QJsonValue(QString()),
         {},
         0,
         0,
         QStringLiteral("the directions mode's directions, e.g. \"pairs(king:queen), pc1, "
                        "W_U[queen]\"; empty: the Directions view's pairs")},
        [this] { return QJsonValue(directions()); },
        [this](const QJsonValue& v) {
            if (!v.isString() || v.toString() == directions()) return;
            set_directions(v.toString());
            emit options_changed();
        });
    bind_setting(QStringLiteral("normalize"), normalize_,
                 QStringLiteral("energies of the unit-normalised state (they sum to 1)"));
    bind_setting(QStringLiteral("peak_hold"), peaks_,
                 QStringLiteral("mark each bar's maximum over all layers"));
    plot_ = make_plot(QStringLiteral("equaliserPlot"), {360, 180});
    plot_->setNoAntialiasingOnDrag(true);
    plot_->plotLayout()->insertRow(0);
    auto* heading = new QCPTextElement(plot_, QString());
    heading->setObjectName(QStringLiteral("heading"));
    plot_->plotLayout()->addElement(0, 0, heading);
    column()->addWidget(plot_, 1);
    connect(mode_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        directions_->setVisible(mode() == Mode::Directions);
        emit options_changed();
    });
    connect(directions_, &QLineEdit::editingFinished, this, [this, last = QString()]() mutable {
        if (directions() == last) return;
        last = directions();
        if (mode() == Mode::Directions) emit options_changed();
    });
    connect(normalize_, &QCheckBox::toggled, this, [this] { emit options_changed(); });
    connect(peaks_, &QCheckBox::toggled, this, [this] { rebuild(); });
    connect(plot_, &QCustomPlot::mouseMove, this, &EqualiserView::mouse_move);
    style_plot(plot_, false);
    show_empty(tr("Open a dump and select a token to see its spectrum."));
}

EqualiserView::Mode EqualiserView::mode() const {
    return static_cast<Mode>(mode_->currentIndex());
}
void EqualiserView::set_mode(Mode m) {
    mode_->setCurrentIndex(static_cast<int>(m));
}
bool EqualiserView::normalize() const {
    return normalize_->isChecked();
}
void EqualiserView::set_normalize(bool on) {
    normalize_->setChecked(on);
}
bool EqualiserView::peak_hold() const {
    return peaks_->isChecked();
}
void EqualiserView::set_peak_hold(bool on) {
    peaks_->setChecked(on);
}

analysis::EqualiserBasis EqualiserView::basis() const {
    return mode() == Mode::Dimensions   ? analysis::EqualiserBasis::Dims
           : mode() == Mode::Directions ? analysis::EqualiserBasis::Directions
                                        : analysis::EqualiserBasis::Pca;
}

QString EqualiserView::directions() const {
    return directions_->text().trimmed();
}
void EqualiserView::set_directions(const QString& text) {
    const QSignalBlocker block(directions_);
    directions_->setText(text);
}
void EqualiserView::set_default_directions(const QString& text) {
    if (text == default_directions_) return;
    default_directions_ = text;
    directions_->setPlaceholderText(text.isEmpty() ? tr("directions, e.g. pairs(king:queen)")
                                                   : text);
    // Following the Directions view: its new pairs are new bars.
    if (mode() == Mode::Directions && directions().isEmpty()) emit options_changed();
}
QString EqualiserView::effective_directions() const {
    return directions().isEmpty() ? default_directions_ : directions();
}

std::size_t EqualiserView::requested_bands() const {
    return mode() == Mode::Bands ? 32 : kAllComponents;
}

int EqualiserView::token_for(const Selection& s) const {
    if (!s.tokens.isEmpty()) return s.tokens.front();
    return s.prompt * std::max(positions_, 0);
}

void EqualiserView::set_result(const analysis::EqualiserResult& result) {
    const std::size_t n = result.bands.size();
    peak_.assign(n, 0.0);
    // Peak hold over all frames (every layer of this token), so the markers do not depend on
    // the order layers were visited and the y range stays fixed while animating.
    for (const auto& f : result.frames)
        for (std::size_t i = 0; i < std::min(n, f.size()); ++i)
            if (f[i] && std::isfinite(*f[i])) peak_[i] = std::max(peak_[i], *f[i]);
    for (std::size_t i = 0; i < n; ++i)
        if (std::isfinite(result.bands[i])) peak_[i] = std::max(peak_[i], result.bands[i]);
    QString text =
        tr("token %1 “%2”, basis %3")
            .arg(result.token)
            .arg(QString::fromStdString(result.token_label), QString::fromStdString(result.basis));
    // Peaks of a partial result are over the layers computed so far.
    if (result.estimate_tokens > 0)
        text = tr("estimate: basis from %1 of %2 tokens, the exact fit follows (not exported) · %3")
                   .arg(result.estimate_tokens)
                   .arg(result.estimate_of)
                   .arg(text);
    else if (result.partial())
        text = tr("partial: %1 computed, the rest follow (not exported until complete) · %2")
                   .arg(layers_done(result), text);
    take_result(result, text);
}

QString EqualiserView::layers_done(const analysis::EqualiserResult& r) {
    const auto done = std::count(r.frame_computed.begin(), r.frame_computed.end(), true);
    return tr("%1 of %2 layers").arg(done).arg(r.frame_computed.size());
}

QString EqualiserView::incomplete() const {
    if (!result_ || !result_->partial()) return {};
    if (result_->estimate_tokens > 0)
        return tr("an estimate from %1 tokens, the basis fit still running")
            .arg(result_->estimate_tokens);
    return layers_done(*result_);
}

QString EqualiserView::estimate_text(const analysis::EqualiserResult& r) {
    // An error estimate from split halves, not a bound: "about".
    return tr("estimate: basis from %1 of %2 tokens, error about ±%3% of ‖x‖² (split halves)")
        .arg(r.estimate_tokens)
        .arg(r.estimate_of)
        .arg(100 * r.estimate_spread, 0, 'g', 2);
}

void EqualiserView::on_selection(const Selection& selection) {
    const bool changed = selection.layer != selection_.layer;
    selection_ = selection;
    if (changed) rebuild();
}

QVector<double> EqualiserView::bar_heights() const {
    QVector<double> out;
    if (!result_ || frame_ < 0) return out;
    const auto& f = result_->frames[static_cast<std::size_t>(frame_)];
    out.reserve(static_cast<int>(f.size()));
    for (const auto& v : f) out << (v ? *v : 0.0);
    return out;
}

QVector<double> EqualiserView::peak_heights() const {
    QVector<double> out;
    if (!peaks_->isChecked() || !result_) return out;
    for (double p : peak_) out << p;
    return out;
}

void EqualiserView::rebuild() {
    QElapsedTimer timer;
    timer.start();
    plot_->clearPlottables();
    plot_->clearItems();  // an estimate's box of unresolved components
    style_plot(plot_, presentation_);
    const PlotStyle st = plot_style(presentation_);
    auto* heading = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0));
    QFont hf = plot_->font();
    hf.setPointSizeF(st.font_pt * 1.1);
    hf.setBold(true);
    heading->setFont(hf);
    heading->setTextColor(colors::plot_foreground());
    QCPAxis* x = plot_->xAxis;
    QCPAxis* y = plot_->yAxis;
    const Mode m = mode();
    const bool norm = result_ ? result_->normalized : normalize();
    const bool along = result_ && result_->basis == "directions";
    x->setLabel(along              ? tr("direction")
                : m == Mode::Bands ? tr("band of principal components (largest variance first)")
                : m == Mode::Components ? tr("principal component")
                                        : tr("dimension i"));
    y->setLabel(norm ? tr("fraction of ‖x‖²") : tr("energy (squared projection)"));
    frame_ = -1;
    if (!result_ || result_->frames.empty()) {
        heading->setText(QString());
        plot_->replot();
        return;
    }
    frame_ = std::clamp(selection_.layer, 0, static_cast<int>(result_->frames.size()) - 1);
    const auto fi = static_cast<std::size_t>(frame_);
    // Not computed yet (a partial result): the heading says so, the bars are empty and the
    // axes stay as they will be.
    const bool pending = fi < result_->frame_computed.size() && !result_->frame_computed[fi];
    const std::vector<std::optional<double>> blank(pending ? result_->bands.size() : 0);
    const auto& frame = pending ? blank : result_->frames[fi];
    const int n = static_cast<int>(frame.size());
    // An estimate's frame has values for its resolved bands only; the others are its rest. So
    // has an exact one whose basis has fewer tokens than dimensions: the bands past its rank
    // are not determined by the data, only their sum (EqualiserResult::determined).
    const bool estimate = result_->estimate_tokens > 0;
    const bool undetermined = !estimate && result_->has_undetermined();
    int shown = n;
    if (estimate || undetermined) {
        const std::size_t limit =
            estimate ? result_->estimate_resolved : result_->determined_to_edge;
        while (shown > 0 && result_->band_edges[static_cast<std::size_t>(shown)] > limit) --shown;
    }
    bool bad = false;
    for (int i = 0; i < shown; ++i) bad = bad || (!frame[static_cast<std::size_t>(i)] && !pending);
    heading->setText(
        tr("%1 · token %2 “%3” (prompt %4, position %5)%6")
            .arg(QString::fromStdString(result_->frame_layers[fi]))
            .arg(result_->token)
            .arg(QString::fromStdString(result_->token_label))
            .arg(result_->prompt)
            .arg(result_->position)
            .arg((pending ? tr(" · computing…")
                  : bad   ? tr(" · NaN/Inf state")
                          : QString()) +
                 // On the plot itself: the status line sits right of the controls
                 // and is cut first in a narrow dock.
                 // An estimate's line of its own: one line was cut at both ends in the
                 // default layout's tab (1600 x 1000).
                 (estimate             ? QStringLiteral("\n") + estimate_text(*result_)
                  : result_->partial() ? tr(" · partial: %1").arg(layers_done(*result_))
                                       : QString())));
    // Sign colouring: raw coordinates per dimension, when the signs of this frame are known.
    const std::vector<float>* signs = nullptr;
    if (m == Mode::Dimensions && !norm && result_->basis == "dims") {
        if (fi < result_->frame_coordinates.size() &&
            static_cast<int>(result_->frame_coordinates[fi].size()) == n)
            signs = &result_->frame_coordinates[fi];
    }
    const double width = n > 64 ? 1.0 : 0.8;
    auto make_bars = [&](const QColor& c) {
        auto* b = new QCPBars(x, y);
        b->setWidth(width);
        b->setPen(n > 64 ? QPen(Qt::NoPen) : QPen(c.darker(130), 1));
        // An estimate's bars are hatched: replaced by the exact ones when the basis is fit.
        b->setBrush(estimate ? QBrush(c, Qt::Dense3Pattern) : QBrush(c));
        b->setAntialiased(false);
        b->setAntialiasedFill(false);
        b->removeFromLegend();
        return b;
    };
    if (signs) {
        QCPBars* pos = make_bars(colors::sample(colors::Map::Diverging, 0.9));
        QCPBars* neg = make_bars(colors::sample(colors::Map::Diverging, 0.1));
        pos->setName(tr("x_i > 0"));
        neg->setName(tr("x_i < 0"));
        QVector<double> pk, pv, nk, nv;
        for (int i = 0; i < n; ++i) {
            const double v = frame[static_cast<std::size_t>(i)].value_or(0.0);
            if ((*signs)[static_cast<std::size_t>(i)] >= 0)
                pk << i, pv << v;
            else
                nk << i, nv << v;
        }
        pos->setData(pk, pv, true);
        neg->setData(nk, nv, true);
        pos->addToLegend();
        neg->addToLegend();
    } else {
        const int groups = std::min(n, kMaxColourGroups);
        for (int g = 0; g < groups; ++g) {
            const int lo = g * n / groups, hi = (g + 1) * n / groups;
            QCPBars* b = make_bars(
                colors::sample(colors::Map::Viridis, groups > 1 ? double(g) / (groups - 1) : 0.0));
            QVector<double> k, v;
            for (int i = lo; i < hi; ++i)
                k << i, v << frame[static_cast<std::size_t>(i)].value_or(0.0);
            b->setData(k, v, true);
        }
    }
    double top = 0, frame_top = 0;
    for (double p : peak_) top = std::max(top, p);
    for (const auto& v : frame)
        if (v && std::isfinite(*v)) frame_top = std::max(frame_top, *v);
    const std::optional<double> rest_energy = estimate
                                                  ? std::optional<double>(result_->estimate_rest)
                                              : undetermined ? result_->undetermined[fi]
                                                             : std::nullopt;
    const bool boxed = (estimate || undetermined) && !pending && shown < n;
    if (boxed && rest_energy && std::isfinite(*rest_energy)) {
        // The bands past the resolved (determined) ones: one hatched box at their mean, their
        // sum named.
        const double mean = *rest_energy / (n - shown);
        auto* rest = new QCPItemRect(plot_);
        rest->setObjectName(QStringLiteral("unresolved"));
        rest->topLeft->setCoords(shown - 0.5, mean);
        rest->bottomRight->setCoords(n - 0.5, 0);
        const QColor fg = colors::plot_foreground();
        rest->setPen(QPen(fg, 1, Qt::DashLine));
        QColor ink = fg;
        ink.setAlpha(110);
        rest->setBrush(QBrush(ink, Qt::BDiagPattern));
        auto* label = new QCPItemText(plot_);
        label->setObjectName(QStringLiteral("unresolvedLabel"));
        label->position->setCoords(0.5 * (shown + n) - 0.5, mean);
        label->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
        label->setColor(fg);
        double resolved = 0;  // the shown bars' sum: with the rest, the frame's ||x||^2
        for (int i = 0; i < shown; ++i)
            resolved += frame[static_cast<std::size_t>(i)].value_or(0.0);
        const double whole = resolved + *rest_energy;
        const double percent = whole > 0 ? 100 * *rest_energy / whole : 0.0;
        const QString per = m == Mode::Bands ? tr("band") : tr("component");
        if (estimate) {
            label->setText(tr("components %1–%2 not resolved by the sample: %3% of ‖x‖² together\n"
                              "(the box: their mean per %4; the exact fit resolves them)")
                               .arg(result_->estimate_resolved + 1)
                               .arg(result_->band_edges.back())
                               .arg(percent, 0, 'f', 1)
                               .arg(per));
        } else {
            const QString tokens =
                result_->basis_layers.size() == 1
                    ? tr("%1's tokens").arg(QString::fromStdString(result_->basis_layers.front()))
                    : tr("the pooled layers' tokens");
            // Three short lines, right-aligned at the box's right end: one long line centred
            // on the box ran past the plot's right edge (a layer name is 25 characters).
            label->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
            label->setTextAlignment(Qt::AlignRight);
            label->position->setCoords(n - 0.5, mean);
            label->setText(tr("components %1–%2 not determined:\n%3 span only %4 of %5 "
                              "dimensions\n%6% of ‖x‖² together (the box: their mean per %7)")
                               .arg(result_->determined_to_edge + 1)
                               .arg(result_->band_edges.back())
                               .arg(tokens)
                               .arg(result_->determined)
                               .arg(result_->raw.size())
                               .arg(percent, 0, 'f', 1)
                               .arg(per));
            rest->setObjectName(QStringLiteral("undetermined"));
            label->setObjectName(QStringLiteral("undeterminedLabel"));
        }
        top = std::max(top, 1.6 * mean);
        frame_top = std::max(frame_top, 1.6 * mean);
    }
    const bool legend = signs || peaks_->isChecked();
    // Room above the tallest bar for the legend; sized to the legend once its rows are known
    // (below), 1.2 until then.
    double headroom = legend ? 1.2 : 1.08;
    // The peaks set the axis, so that it stays still while the layers are stepped through,
    // unless this layer's bars would stay under an eighth of it: the early layers of a stream
    // whose norm grows x7-x63 (M, the 1024 dump) showed an empty plot under the late layers'
    // peaks. Then the axis fits this layer and the peaks above it are triangles at its top.
    fits_layer_ = peaks_->isChecked() && !pending && frame_top > 0 && frame_top * 8 < top;
    if (fits_layer_) top = frame_top;
    if (peaks_->isChecked()) {
        QCPGraph* g = plot_->addGraph(x, y);
        g->setName(tr("peak over layers"));
        g->setObjectName(QStringLiteral("peaks"));
        QVector<double> k, v, above_k, above_v;
        // Bands in a box have no peak of their own (their values are not shown or not known).
        const int peaked = boxed ? shown : n;
        for (int i = 0; i < peaked; ++i) {
            const double p = peak_[static_cast<std::size_t>(i)];
            if (fits_layer_ && p > top * headroom)
                above_k << i, above_v << top * headroom * 0.97;
            else
                k << i, v << p;
        }
        g->setData(k, v, true);
        if (!above_k.isEmpty()) {
            QCPGraph* a = plot_->addGraph(x, y);
            a->setName(tr("peak above the axis"));
            a->setObjectName(QStringLiteral("peaksAbove"));
            a->setData(above_k, above_v, true);
            a->setLineStyle(QCPGraph::lsNone);
            a->setScatterStyle(QCPScatterStyle(
                QCPScatterStyle::ssTriangle, QPen(colors::plot_foreground(), st.line_width),
                colors::plot_foreground(), 7.0 * st.line_width / 1.6));
        }
        const QColor fg = colors::plot_foreground();
        if (n > 128) {
            g->setLineStyle(QCPGraph::lsStepCenter);
            g->setPen(QPen(fg, st.line_width * 0.5));
        } else {
            g->setLineStyle(QCPGraph::lsNone);
            // The dash is as wide as a bar in path units at scale 1 (size 6): a custom path is
            // scaled by size / 6 with its pen, and a few wide bars (the directions mode) made
            // the marker a thick block on screen.
            const double px = std::max(4.0, 0.8 * double(x->axisRect()->width()) / std::max(n, 1));
            QPainterPath dash;
            dash.moveTo(-px / 2, 0);
            dash.lineTo(px / 2, 0);
            g->setScatterStyle(
                QCPScatterStyle(dash, QPen(fg, st.line_width * 1.2), Qt::NoBrush, 6.0));
        }
    }
    plot_->legend->setVisible(legend);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    // The legend in the top right corner stays above the tallest bar: its height (its rows now
    // known) and a few pixels of gap out of the plot's last height. A fixed 1.2 left a two-row
    // legend over the tallest bars when the axis fits the layer (the 1024 dump's early layers).
    if (legend) {
        // Its outer height, the inset's offset from the plot's top (12 px measured) and a gap.
        const double legend_px = plot_->legend->minimumOuterSizeHint().height() + 20.0;
        const double plot_px = plot_->axisRect()->height();
        if (plot_px > 2.5 * legend_px) {  // else no layout yet, or a plot too small for it
            const double fitted = std::max(1.2, plot_px / (plot_px - legend_px));
            for (int i = 0; i < plot_->graphCount(); ++i)  // the triangles sit at the top
                if (QCPGraph* g = plot_->graph(i); g->objectName() == QLatin1String("peaksAbove"))
                    for (auto it = g->data()->begin(); it != g->data()->end(); ++it)
                        it->value = top * fitted * 0.97;
            headroom = fitted;
        }
    }
    if (along) {  // each bar named by its direction, as typed
        QSharedPointer<QCPAxisTickerText> t(new QCPAxisTickerText);
        for (int i = 0; i < n && i < static_cast<int>(result_->direction_labels.size()); ++i) {
            QString label = QString::fromStdString(result_->direction_labels[std::size_t(i)]);
            if (label.size() > 28) label = label.left(26) + QStringLiteral("…");
            t->addTick(i, label);
        }
        x->setTicker(t);
        x->setTickLabelRotation(n > 4 ? 20 : 0);
    } else if (m == Mode::Bands) {
        x->setTickLabelRotation(0);
        QSharedPointer<QCPAxisTickerText> t(new QCPAxisTickerText);
        const int step = std::max(1, n / 16);
        for (int i = 0; i < n; i += step) t->addTick(i, QString::number(i + 1));
        x->setTicker(t);
    } else {
        x->setTickLabelRotation(0);
        QSharedPointer<QCPAxisTicker> t(new QCPAxisTicker);
        t->setTickCount(8);
        x->setTicker(t);
    }
    x->setRange(-0.6, n - 0.4);
    y->setRange(0, top > 0 ? top * headroom : 1.0);
    plot_->replot(QCustomPlot::rpImmediateRefresh);
    last_redraw_ms_ = double(timer.nsecsElapsed()) / 1e6;
}

void EqualiserView::mouse_move(QMouseEvent* e) {
    if (!result_ || frame_ < 0 || !plot_->axisRect()->rect().contains(e->pos())) return;
    const auto& frame = result_->frames[static_cast<std::size_t>(frame_)];
    const int i = static_cast<int>(std::lround(plot_->xAxis->pixelToCoord(e->pos().x())));
    if (i < 0 || i >= static_cast<int>(frame.size())) return;
    const auto ui = static_cast<std::size_t>(i);
    QString what;
    if (result_->basis == "directions" && ui < result_->direction_labels.size()) {
        what = tr("direction %1").arg(QString::fromStdString(result_->direction_labels[ui]));
    } else
        switch (mode()) {
            case Mode::Bands:
                what = tr("band %1: components %2–%3")
                           .arg(i + 1)
                           .arg(result_->band_edges[ui] + 1)
                           .arg(result_->band_edges[ui + 1]);
                break;
            case Mode::Components:
                what = tr("principal component %1").arg(i + 1);
                if (ui < result_->basis_explained.size())
                    what +=
                        tr(" (%1% of variance)").arg(100 * result_->basis_explained[ui], 0, 'g', 3);
                break;
            case Mode::Dimensions:
                what = tr("dimension %1").arg(i);
                if (static_cast<std::size_t>(frame_) < result_->frame_coordinates.size() &&
                    ui < result_->frame_coordinates[static_cast<std::size_t>(frame_)].size())
                    what +=
                        tr(", x = %1")
                            .arg(double(result_->frame_coordinates[static_cast<std::size_t>(frame_)]
                                                                  [ui]),
                                 0, 'g', 6);
                break;
            case Mode::Directions:
                what = tr("direction %1").arg(i + 1);
                break;
        }
    const auto v = frame[ui];
    QToolTip::showText(
        e->globalPosition().toPoint(),
        tr("%1<br>%2<br><b>energy %3</b><br>peak over layers %4")
            .arg(QString::fromStdString(result_->frame_layers[static_cast<std::size_t>(frame_)]),
                 what, v ? QString::number(*v, 'g', 6) : tr("n/a"))
            .arg(peak_[ui], 0, 'g', 6),
        plot_);
}

}  // namespace es::widgets
