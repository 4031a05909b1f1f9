// The equaliser view fed real analyses: one bar per band with the frame's energies, it animates
// with the selected layer from the frames (no new analysis), peak hold is the max over frames,
// per-dimension raw bars are split by sign, a D = 4096 state redraws fast, the directions mode
// (one bar per direction on the demo, named by the directions; its setting and the Directions
// view's default), and it matches its baselines. Progressive (issue 20): the selected layer's frame
// comes first in a partial result, marked and never exported, and the last result equals the
// one-shot one. On a wide stream an estimate comes before the basis fit: the selected layer along
// a token sample's axes, against numpy float64 within the uncertainty it states, marked and never
// exported, then the exact results.
#include <qcustomplot.h>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <cmath>
#include <memory>

#include "analysis/equaliser.h"
#include "analysis/token_lookup.h"
#include "equaliser_view.h"
#include "export/figure_export.h"
#include "view_test_support.h"

using es::test::open_fixture;
using es::widgets::EqualiserView;

namespace {

es::analysis::EqualiserResult equalise(const es::Dump& dump,
                                       const es::analysis::EqualiserOptions& o) {
    return es::test::analyse(dump, es::analysis::equaliser, o);
}

QCPBars* bars_named(QCustomPlot* plot, const QString& name) {
    for (int i = 0; i < plot->plottableCount(); ++i)
        if (auto* b = qobject_cast<QCPBars*>(plot->plottable(i)); b && b->name() == name) return b;
    return nullptr;
}

int bar_objects(QCustomPlot* plot) {
    int n = 0;
    for (int i = 0; i < plot->plottableCount(); ++i)
        n += qobject_cast<QCPBars*>(plot->plottable(i)) ? 1 : 0;
    return n;
}

}  // namespace

class TestEqualiserView : public QObject {
    Q_OBJECT
private slots:
    void barsAreTheFrameOfTheSelectedLayer() {
        auto dump = open_fixture("good/analysis_synth.h5");
        es::analysis::EqualiserOptions o;
        o.token = 5;
        o.bands = 32;
        const auto r = equalise(*dump, o);
        es::test::Following<EqualiserView> ui(static_cast<int>(r.frames.size()));
        auto& [model, view] = ui;
        view.resize(800, 450);
        view.set_result(r);
        QCOMPARE(view.bar_count(), 32);
        QCOMPARE(static_cast<int>(r.bands.size()), 32);
        for (int layer = 0; layer < static_cast<int>(r.frames.size()); ++layer) {
            model.set_layer(layer);
            QCOMPARE(view.frame(), layer);
            const QVector<double> h = view.bar_heights();
            QCOMPARE(h.size(), 32);
            for (int i = 0; i < 32; ++i)
                QCOMPARE(h[i],
                         *r.frames[static_cast<std::size_t>(layer)][static_cast<std::size_t>(i)]);
        }
        // The analysed layer's frame equals its bands.
        model.set_layer(static_cast<int>(r.layer));
        for (int i = 0; i < 32; ++i)
            QVERIFY(std::abs(view.bar_heights()[i] - r.bands[static_cast<std::size_t>(i)]) <
                    1e-9 * (1 + r.bands[static_cast<std::size_t>(i)]));
        // Peak hold: the max over all frames.
        const QVector<double> peaks = view.peak_heights();
        QCOMPARE(peaks.size(), 32);
        for (int i = 0; i < 32; ++i) {
            double m = 0;
            for (const auto& f : r.frames) m = std::max(m, *f[static_cast<std::size_t>(i)]);
            QCOMPARE(peaks[i], m);
        }
        view.set_peak_hold(false);
        QVERIFY(view.peak_heights().isEmpty());
        // Selection tokens tell the app which token to request.
        model.set_tokens({7, 3});
        QCOMPARE(view.token_for(model.selection()), 7);
        view.set_positions(64);
        model.set_tokens({});
        model.set_prompt(1);
        QCOMPARE(view.token_for(model.selection()), 64);
    }

    void theSelectedLayerComesFirstMarkedPartialNeverExported() {
        auto dump = open_fixture("good/analysis_synth.h5");
        es::analysis::EqualiserOptions o;
        o.token = 5;
        o.bands = 32;
        const auto whole = equalise(*dump, o);  // one shot, in state order
        const std::size_t n = whole.frames.size();
        QVERIFY(n >= 4);
        QVERIFY(!whole.partial());
        const std::size_t selected = 2;
        auto focus = std::make_shared<std::atomic<long long>>(static_cast<long long>(selected));
        std::vector<es::analysis::EqualiserResult> partials;
        o.focus = focus;
        o.on_frame = [&](const es::analysis::EqualiserResult& r) {
            partials.push_back(r);
            // A new selection while frames are computed re-orders the rest: the last state next.
            if (partials.size() == 2) focus->store(static_cast<long long>(n - 1));
        };
        const auto last = equalise(*dump, o);
        QCOMPARE(partials.size(), n - 1);  // one per frame but the last (the result itself)
        // The first delivered result holds the selected layer's frame and only that one.
        const auto& first = partials.front();
        QVERIFY(first.partial());
        for (std::size_t i = 0; i < n; ++i) {
            QCOMPARE(bool(first.frame_computed[i]), i == selected);
            QCOMPARE(first.frames[i].empty(), i != selected);
        }
        // Then outward (a neighbour), then the new focus, the last state.
        QCOMPARE(
            std::count(partials[1].frame_computed.begin(), partials[1].frame_computed.end(), true),
            2);
        QVERIFY(partials[1].frame_computed[selected - 1] ||
                partials[1].frame_computed[selected + 1]);
        QVERIFY(partials[2].frame_computed[n - 1]);
        // Every frame, the raw vector and its bands equal the one-shot result's (the same sums
        // of the same products in another order of frames: 1e-12 of the largest band).
        auto near = [](double a, double b, double scale) {
            return std::abs(a - b) <= 1e-12 * scale;
        };
        double scale = 0;
        for (double b : whole.bands) scale = std::max(scale, std::abs(b));
        for (const auto& f : whole.frames)
            for (const auto& v : f) scale = std::max(scale, v ? std::abs(*v) : 0.0);
        QVERIFY(!last.partial());
        QCOMPARE(last.frames.size(), n);
        for (std::size_t i = 0; i < n; ++i) {
            QCOMPARE(last.frames[i].size(), whole.frames[i].size());
            for (std::size_t k = 0; k < whole.frames[i].size(); ++k) {
                QCOMPARE(bool(last.frames[i][k]), bool(whole.frames[i][k]));
                if (whole.frames[i][k])
                    QVERIFY(near(*last.frames[i][k], *whole.frames[i][k], scale));
            }
        }
        for (std::size_t k = 0; k < whole.frames[selected].size(); ++k)
            QVERIFY(near(*first.frames[selected][k], *whole.frames[selected][k], scale));
        QCOMPARE(first.bands.size(), whole.bands.size());
        for (std::size_t k = 0; k < whole.bands.size(); ++k) {
            QVERIFY(near(first.bands[k], whole.bands[k], scale));
            QVERIFY(near(last.bands[k], whole.bands[k], scale));
        }
        QCOMPARE(last.raw, whole.raw);  // copies of the file's values

        // The view: the selected layer's bars, marked partial; another layer says computing;
        // nothing is exported until the complete result replaces it.
        es::test::Following<EqualiserView> ui(static_cast<int>(n));
        auto& [model, view] = ui;
        view.resize(800, 450);
        model.set_layer(static_cast<int>(selected));
        view.set_result(first);
        QCOMPARE(view.incomplete(), QStringLiteral("1 of %1 layers").arg(n));
        auto* status = view.findChild<QLabel*>(QStringLiteral("status"));
        QVERIFY(status && status->text().startsWith(QLatin1String("partial: 1 of")));
        const QVector<double> h = view.bar_heights();
        QCOMPARE(h.size(), 32);
        for (int k = 0; k < 32; ++k) QCOMPARE(h[k], *first.frames[selected][std::size_t(k)]);
        auto* heading = qobject_cast<QCPTextElement*>(view.plot()->plotLayout()->element(0, 0));
        QVERIFY(heading &&
                heading->text().endsWith(QStringLiteral("partial: 1 of %1 layers").arg(n)));
        model.set_layer(0);
        QVERIFY(view.bar_heights().isEmpty());  // not computed yet: no bars
        QVERIFY(heading->text().contains(QStringLiteral("computing")));
        QVERIFY(!es::widgets::figure_ready(&view, QStringLiteral("equaliser")));
        QTemporaryDir dir;
        const es::widgets::ExportOptions options;
        es::widgets::Provenance provenance;
        for (const QString& ext :
             {QStringLiteral(".json"), QStringLiteral(".csv"), QStringLiteral(".png")}) {
            const QString path = dir.filePath(QStringLiteral("equaliser") + ext);
            QString error;
            QVERIFY(!es::widgets::export_figure(&view, QStringLiteral("equaliser"), path, options,
                                                provenance, &error));
            QVERIFY2(error.contains(QLatin1String("partial result")), qPrintable(error));
            QVERIFY(!QFile::exists(path));
        }
        view.set_result(last);
        QVERIFY(view.incomplete().isEmpty());
        QVERIFY(!heading->text().contains(QStringLiteral("partial")));
        QString error;
        QVERIFY2(es::widgets::export_figure(&view, QStringLiteral("equaliser"),
                                            dir.filePath(QStringLiteral("complete.json")), options,
                                            provenance, &error),
                 qPrintable(error));
    }

    void anEstimateComesFirstWithinItsStatedUncertaintyNeverExported() {
        QTemporaryDir dir;
        QVERIFY(es::test::write_fixtures(QStringLiteral("make_equaliser_estimate.py"), dir.path()));
        auto dump = es::Dump::open(dir.filePath(QStringLiteral("eq_estimate.h5")).toStdString());
        QFile file(dir.filePath(QStringLiteral("eq_estimate.json")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject ref = QJsonDocument::fromJson(file.readAll()).object();
        const std::size_t selected = 2;
        es::analysis::EqualiserOptions o;
        o.token = static_cast<std::size_t>(ref[QStringLiteral("token")].toInt());
        o.layer = selected;
        o.bands = 32;
        const auto whole = equalise(*dump, o);  // one shot, exact, no estimate
        const std::size_t n = whole.frames.size();
        o.focus = std::make_shared<std::atomic<long long>>(static_cast<long long>(selected));
        o.estimate_tokens = static_cast<std::size_t>(ref[QStringLiteral("sample")].toInt());
        std::vector<es::analysis::EqualiserResult> partials;
        o.on_frame = [&](const es::analysis::EqualiserResult& r) { partials.push_back(r); };
        const auto last = equalise(*dump, o);
        // The estimate, then one exact partial result per frame but the last (the result).
        QCOMPARE(partials.size(), n);
        const auto& first = partials.front();
        QVERIFY(first.partial());
        QCOMPARE(first.estimate_tokens, std::size_t(256));
        QCOMPARE(first.estimate_of, std::size_t(600));
        for (std::size_t i = 1; i < partials.size(); ++i)
            QCOMPARE(partials[i].estimate_tokens, std::size_t(0));
        for (std::size_t i = 0; i < n; ++i) QCOMPARE(bool(first.frame_computed[i]), i == selected);
        // Each half of 128 tokens has rank 127; down to a band edge (8 components a band): 120.
        QCOMPARE(first.estimate_resolved, std::size_t(120));

        // numpy's float64 energies of the token at the selected state: along the exact axes,
        // the sample's and its halves'.
        const QJsonObject fr = ref[QStringLiteral("frames")].toArray()[int(selected)].toObject();
        const double n2 = fr[QStringLiteral("norm2")].toDouble();
        const auto& edges = first.band_edges;
        auto band = [&](const QJsonArray& e, std::size_t k) {
            double sum = 0;
            for (std::size_t c = edges[k]; c < edges[k + 1]; ++c) sum += e[int(c)].toDouble();
            return sum;
        };
        const QJsonArray exact = fr[QStringLiteral("exact")].toArray();
        const QJsonArray sample = fr[QStringLiteral("sample")].toArray();
        const QJsonArray halves[2] = {fr[QStringLiteral("halves")].toArray()[0].toArray(),
                                      fr[QStringLiteral("halves")].toArray()[1].toArray()};
        double spread = 0, cum = 0, cum_exact = 0, cum_half[2] = {0, 0};
        auto uncertainty = [](double w, double a, double b) {
            return std::abs(a - b) + std::abs(w - 0.5 * (a + b));
        };
        const auto& shown = first.frames[selected];
        for (std::size_t k = 0; k < 32; ++k) {
            if (edges[k + 1] > first.estimate_resolved) {
                QVERIFY(!shown[k]);  // beyond the resolved components: no bar
                continue;
            }
            QVERIFY(shown[k].has_value());
            const double h[2] = {band(halves[0], k), band(halves[1], k)};
            cum += band(sample, k);
            cum_exact += band(exact, k);
            cum_half[0] += h[0];
            cum_half[1] += h[1];
            spread = std::max({spread, uncertainty(band(sample, k), h[0], h[1]),
                               uncertainty(cum, cum_half[0], cum_half[1])});
            // What it is: energies along the sample's axes. Both are float64 eigensolves of the
            // same 256-token Gram; a resolved axis is at least 1e-3 of the largest variance
            // apart from its neighbours' band, so 1e-9 of ||x||^2 holds with room.
            QVERIFY(std::abs(*shown[k] - band(sample, k)) <= 1e-9 * n2);
            // What it claims: within its stated uncertainty of the exact axes' energies.
            QVERIFY2(std::abs(*shown[k] - band(exact, k)) <= first.estimate_spread * n2,
                     qPrintable(QStringLiteral("band %1: %2 against %3, ± %4")
                                    .arg(k)
                                    .arg(*shown[k])
                                    .arg(band(exact, k))
                                    .arg(first.estimate_spread * n2)));
        }
        spread /= n2;
        QVERIFY(std::abs(first.estimate_spread - spread) <= 1e-9);
        QVERIFY(first.estimate_spread > 0 && first.estimate_spread < 0.2);
        QVERIFY(std::abs(first.estimate_rest - (n2 - cum)) <= 1e-9 * n2);
        QVERIFY(std::abs(first.estimate_rest - (n2 - cum_exact)) <= first.estimate_spread * n2);

        // Then exact: the last result equals the one-shot one.
        QVERIFY(!last.partial());
        QCOMPARE(last.estimate_tokens, std::size_t(0));
        double scale = 0;
        for (const auto& f : whole.frames)
            for (const auto& v : f) scale = std::max(scale, v ? std::abs(*v) : 0.0);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t k = 0; k < 32; ++k)
                QVERIFY(std::abs(*last.frames[i][k] - *whole.frames[i][k]) <= 1e-12 * scale);

        // The view says what it is, draws the unresolved rest as one box, exports nothing.
        es::test::Following<EqualiserView> ui(static_cast<int>(n));
        auto& [model, view] = ui;
        view.resize(900, 450);
        model.set_layer(static_cast<int>(selected));
        view.set_result(first);
        QVERIFY(view.incomplete().contains(QLatin1String("estimate")));
        auto* status = view.findChild<QLabel*>(QStringLiteral("status"));
        QVERIFY(status &&
                status->text().startsWith(QLatin1String("estimate: basis from 256 of 600 tokens")));
        auto* heading = qobject_cast<QCPTextElement*>(view.plot()->plotLayout()->element(0, 0));
        QVERIFY(heading && heading->text().contains(QStringLiteral("±")));
        QVERIFY(!heading->text().contains(QLatin1String("NaN")));
        QCOMPARE(es::test::items_named(view.plot(), QStringLiteral("unresolved")), 1);
        const QVector<double> h = view.bar_heights();
        QCOMPARE(h.size(), 32);
        // The bars are the frame's values as given (copies, not recomputed): equal bit for bit.
        for (int k = 0; k < 15; ++k) QCOMPARE(h[k], *shown[std::size_t(k)]);
        QVERIFY(!es::widgets::figure_ready(&view, QStringLiteral("equaliser")));
        const es::widgets::ExportOptions options;
        es::widgets::Provenance provenance;
        for (const QString& ext : {QStringLiteral(".json"), QStringLiteral(".png")}) {
            const QString path = dir.filePath(QStringLiteral("estimate") + ext);
            QString error;
            QVERIFY(!es::widgets::export_figure(&view, QStringLiteral("equaliser"), path, options,
                                                provenance, &error));
            QVERIFY2(error.contains(QLatin1String("partial result")), qPrintable(error));
            QVERIFY(!QFile::exists(path));
        }
        view.set_result(last);
        QVERIFY(view.incomplete().isEmpty());
        QCOMPARE(es::test::items_named(view.plot(), QStringLiteral("unresolved")), 0);
        QVERIFY(!heading->text().contains(QStringLiteral("estimate")));
    }

    void perDimensionRawBarsAreSplitBySign() {
        auto dump = open_fixture("good/analysis_synth.h5");
        EqualiserView view;
        view.set_mode(EqualiserView::Mode::Dimensions);
        QVERIFY(view.basis() == es::analysis::EqualiserBasis::Dims);
        es::analysis::EqualiserOptions o;
        o.token = 9;
        o.basis = view.basis();
        o.bands = view.requested_bands();
        const auto r = equalise(*dump, o);
        const es::StreamInfo& s = dump->stream();
        std::vector<std::vector<float>> signs;
        for (std::size_t i = 0; i < r.frames.size(); ++i) {
            std::vector<float> v(s.d);
            dump->read_states(s, i, 9, 10, v.data());
            signs.push_back(v);
        }
        // The analysis gives the token's signed coordinates at every frame layer (dims basis).
        QCOMPARE(r.frame_coordinates, signs);
        es::widgets::SelectionModel model;
        model.set_layer_count(static_cast<int>(r.frames.size()));
        model.set_layer(2);
        view.follow(&model);
        view.set_result(r);
        QCOMPARE(view.bar_count(), static_cast<int>(s.d));
        QCPBars* pos = bars_named(view.plot(), "x_i > 0");
        QCPBars* neg = bars_named(view.plot(), "x_i < 0");
        QVERIFY(pos && neg);
        int npos = 0;
        for (float x : signs[2]) npos += x >= 0 ? 1 : 0;
        QCOMPARE(pos->data()->size(), npos);
        QCOMPARE(neg->data()->size(), static_cast<int>(s.d) - npos);
        for (auto it = neg->data()->constBegin(); it != neg->data()->constEnd(); ++it) {
            const auto i = static_cast<std::size_t>(it->key);
            QVERIFY(signs[2][i] < 0);
            QVERIFY(std::abs(it->value - double(signs[2][i]) * signs[2][i]) <
                    1e-4 * (1 + it->value));
        }
    }

    void aWideStateRedrawsFast() {
        // D = 4096, 24 frames: the per-dimension mode draws 4096 bars (64 QCPBars objects).
        const std::size_t D = 4096, L = 24;
        es::analysis::EqualiserResult r;
        r.basis = "dims";
        r.layer_name = "blocks.0.hook_resid_post";
        r.token_text = "wide";
        auto* rng = QRandomGenerator::global();
        std::vector<std::vector<float>> signs(L, std::vector<float>(D));
        for (std::size_t l = 0; l < L; ++l) {
            r.frame_layers.push_back("state " + std::to_string(l));
            std::vector<std::optional<double>> f(D);
            for (std::size_t i = 0; i < D; ++i) {
                const double x = rng->generateDouble() * 2 - 1;
                signs[l][i] = float(x);
                f[i] = x * x * (1 + double(l));
            }
            r.frames.push_back(f);
        }
        for (std::size_t i = 0; i <= D; ++i) r.band_edges.push_back(i);
        r.bands.assign(D, 0.0);
        r.frame_coordinates = signs;
        for (auto mode : {EqualiserView::Mode::Dimensions, EqualiserView::Mode::Components}) {
            es::widgets::SelectionModel model;
            model.set_layer_count(static_cast<int>(L));
            EqualiserView view;
            view.set_mode(mode);
            view.follow(&model);
            view.resize(1000, 500);
            view.show();
            QVERIFY(QTest::qWaitForWindowExposed(&view));
            view.set_result(r);
            QCOMPARE(view.bar_count(), static_cast<int>(D));
            QVERIFY(bar_objects(view.plot()) <= 64);
            double worst = 0, total = 0;
            QElapsedTimer t;
            t.start();
            for (int l = 0; l < static_cast<int>(L); ++l) {
                model.set_layer(l);
                worst = std::max(worst, view.last_redraw_ms());
                total += view.last_redraw_ms();
            }
            qInfo("D=4096 %s: redraw per layer mean %.1f ms, worst %.1f ms (%d layers in %lld ms)",
                  mode == EqualiserView::Mode::Dimensions ? "per dimension (sign colours)"
                                                          : "per component (viridis)",
                  total / double(L), worst, static_cast<int>(L),
                  static_cast<long long>(t.elapsed()));
            QVERIFY2(total / double(L) < 100.0, "the per-layer redraw must stay interactive");
        }
    }

    void bandsPastTheBasisRankAreOneBoxTheSameInEveryBasis() {
        // analysis_wide: 24 tokens of 64 dimensions, so the reference state's centred scatter has
        // rank 23 and its other 41 axes are any orthonormal basis of its null space. Two runs
        // whose eigensolvers round differently (BLAS threads) drew different bars there. Now the
        // bands past the rank are one box whose sum is the same in every basis: checked by
        // turning that null space's basis by a random rotation and equalising again.
        auto dump = open_fixture("good/analysis_wide.h5");
        es::analysis::EqualiserOptions o;
        o.layer = 1;
        o.token = 5;
        o.bands = 16;  // 4 components a band: the rank 23 ends inside band 6 (20-24)
        es::analysis::EqualiserBasisFit fit =
            es::analysis::equaliser_basis(*dump, o, es::no_progress());
        o.fitted = &fit;
        const auto plain = equalise(*dump, o);
        const std::size_t d = fit.d;
        QCOMPARE(d, std::size_t(64));
        QCOMPARE(plain.determined, std::size_t(23));
        QCOMPARE(plain.determined_to_edge, std::size_t(20));
        QVERIFY(plain.has_undetermined());
        es::analysis::EqualiserBasisFit turned = fit;
        // A random rotation of the null space's rows (Gram-Schmidt of random combinations).
        QRandomGenerator rng(20261206);
        const std::size_t r = plain.determined, m = d - r;
        std::vector<double> rows(m * d, 0.0);
        for (std::size_t i = 0; i < m; ++i) {
            std::vector<double> v(d, 0.0);
            for (std::size_t j = 0; j < m; ++j) {
                const double c = rng.generateDouble() - 0.5;
                for (std::size_t k = 0; k < d; ++k) v[k] += c * fit.components[(r + j) * d + k];
            }
            for (std::size_t q = 0; q < i; ++q) {
                double dot = 0;
                for (std::size_t k = 0; k < d; ++k) dot += v[k] * rows[q * d + k];
                for (std::size_t k = 0; k < d; ++k) v[k] -= dot * rows[q * d + k];
            }
            double nn = 0;
            for (double x : v) nn += x * x;
            for (std::size_t k = 0; k < d; ++k) rows[i * d + k] = v[k] / std::sqrt(nn);
        }
        std::copy(rows.begin(), rows.end(), turned.components.begin() + static_cast<long>(r * d));
        o.fitted = &turned;
        const auto other = equalise(*dump, o);
        // The basis really changed where it may: one energy past the rank moved a lot.
        double moved = 0;
        const auto raw_energy = [&](const es::analysis::EqualiserBasisFit& f, std::size_t c) {
            double p = 0;
            for (std::size_t k = 0; k < d; ++k) p += f.components[c * d + k] * plain.raw[k];
            return p * p;
        };
        for (std::size_t c = r; c < d; ++c)
            moved = std::max(moved, std::abs(raw_energy(fit, c) - raw_energy(turned, c)));
        QVERIFY(moved > 1e-3 * plain.norm * plain.norm);
        // What is shown is the same: the determined bands, nothing past them, the box's sums.
        double scale = plain.norm * plain.norm;
        for (std::size_t i = 0; i < plain.frames.size(); ++i) {
            QVERIFY(plain.undetermined[i] && other.undetermined[i]);
            QVERIFY(std::abs(*plain.undetermined[i] - *other.undetermined[i]) <= 1e-10 * scale);
            for (std::size_t k = 0; k < 16; ++k) {
                const bool determined = plain.band_edges[k + 1] <= 20;
                QCOMPARE(plain.frames[i][k].has_value(), determined);
                QCOMPARE(other.frames[i][k].has_value(), determined);
                if (determined)
                    QVERIFY(std::abs(*plain.frames[i][k] - *other.frames[i][k]) <= 1e-10 * scale);
            }
        }
        for (std::size_t c = 0; c < d; ++c) QCOMPARE(std::isnan(plain.energies[c]), c >= 23);
        // The exports say so: the JSON's "undetermined" and the CSV's last row.
        const auto j = es::analysis::to_json(plain);
        QCOMPARE(j["determined"].get<std::size_t>(), std::size_t(23));
        QCOMPARE(j["undetermined"]["from_component"].get<std::size_t>(), std::size_t(20));
        const QString csv = QString::fromStdString(es::analysis::to_csv(plain));
        QVERIFY(csv.split('\n', Qt::SkipEmptyParts)
                    .last()
                    .startsWith(QLatin1String("undetermined,20,64,")));

        // The view: bars for the determined bands, one box named for what it is, no peak marks
        // past the rank, and the figure is complete (exportable).
        es::test::Following<EqualiserView> ui(static_cast<int>(plain.frames.size()));
        auto& [model, view] = ui;
        view.resize(900, 450);
        model.set_layer(1);
        view.set_result(plain);
        QCOMPARE(es::test::items_named(view.plot(), QStringLiteral("undetermined")), 1);
        QCOMPARE(es::test::items_named(view.plot(), QStringLiteral("unresolved")), 0);
        QCPItemText* label = nullptr;
        for (int i = 0; i < view.plot()->itemCount(); ++i)
            if (view.plot()->item(i)->objectName() == QLatin1String("undeterminedLabel"))
                label = qobject_cast<QCPItemText*>(view.plot()->item(i));
        QVERIFY(label);
        QVERIFY2(label->text().startsWith(QStringLiteral("components 21–64 not determined:")),
                 qPrintable(label->text()));
        QVERIFY(label->text().contains(QLatin1String("span only 23 of 64 dimensions")));
        for (int i = 0; i < view.plot()->graphCount(); ++i)
            if (view.plot()->graph(i)->objectName() == QLatin1String("peaks"))
                QVERIFY(
                    view.plot()->graph(i)->data()->at(view.plot()->graph(i)->dataCount() - 1)->key <
                    5.5);
        QVERIFY(view.incomplete().isEmpty());
        QVERIFY(es::widgets::figure_ready(&view, QStringLiteral("equaliser")));
    }

    void barsAlongDirectionsAreNamedAndAnimate() {
        auto dump = es::test::open_demo();
        es::analysis::EqualiserOptions o;
        // The first "queen" of the demo: its energy along its own pair's direction should grow.
        o.token = es::analysis::resolve_token(*dump, dump->stream(""), "queen").occurrences.at(0);
        o.layer = 2;
        o.basis = es::analysis::EqualiserBasis::Directions;
        o.directions = "pairs(king:queen), pairs(man:woman)@2, pc1, W_U[queen]";
        const auto r = equalise(*dump, o);
        QCOMPARE(r.direction_labels.size(), std::size_t(4));
        es::test::Following<EqualiserView> ui(static_cast<int>(r.frames.size()));
        auto& [model, view] = ui;
        view.resize(800, 450);
        view.set_mode(EqualiserView::Mode::Directions);
        view.set_result(r);
        for (int layer = 0; layer < static_cast<int>(r.frames.size()); ++layer) {
            model.set_layer(layer);
            const QVector<double> h = view.bar_heights();
            QCOMPARE(h.size(), 4);
            for (int i = 0; i < 4; ++i)
                QCOMPARE(h[i], r.frames[std::size_t(layer)][std::size_t(i)].value_or(0.0));
        }
        // The bars are named by the directions as typed.
        auto* ticker = dynamic_cast<QCPAxisTickerText*>(view.plot()->xAxis->ticker().data());
        QVERIFY(ticker);
        QCOMPARE(ticker->ticks().value(1), QStringLiteral("pairs(man:woman)@2"));
        QCOMPARE(view.plot()->xAxis->label(), QStringLiteral("direction"));
    }

    void directionsAreASettingAndDefaultToTheDirectionsView() {
        EqualiserView view;
        bool declared = false;
        for (const auto& spec : view.setting_specs()) {
            if (spec.name == QLatin1String("mode"))
                QVERIFY(spec.choices.contains(QStringLiteral("directions")));
            if (spec.name == QLatin1String("directions")) {
                declared = true;
                QCOMPARE(spec.type, es::widgets::SettingSpec::Type::Text);
            }
        }
        QVERIFY(declared);
        QSignalSpy changed(&view, &EqualiserView::options_changed);
        QString error;
        QVERIFY(view.set_setting(QStringLiteral("mode"), QStringLiteral("directions"), &error));
        QCOMPARE(view.basis(), es::analysis::EqualiserBasis::Directions);
        const int after_mode = changed.count();
        QVERIFY(after_mode >= 1);
        // Nothing typed: the Directions view's pairs, and a change of them re-requests.
        view.set_default_directions(QStringLiteral("pairs(king:queen), pairs(man:woman)"));
        QCOMPARE(view.effective_directions(),
                 QStringLiteral("pairs(king:queen), pairs(man:woman)"));
        QCOMPARE(changed.count(), after_mode + 1);
        QVERIFY(view.set_setting(QStringLiteral("directions"), QStringLiteral("pc1, W_U[queen]"),
                                 &error));
        QCOMPARE(view.effective_directions(), QStringLiteral("pc1, W_U[queen]"));
        QCOMPARE(view.save_settings().value(QStringLiteral("directions")).toString(),
                 QStringLiteral("pc1, W_U[queen]"));
        // Typed directions win: the Directions view's new pairs change nothing.
        const int before = changed.count();
        view.set_default_directions(QStringLiteral("pairs(father:mother)"));
        QCOMPARE(changed.count(), before);
    }

    void matchesItsDirectionsBaseline() {
        auto dump = es::test::open_demo();
        es::analysis::EqualiserOptions o;
        o.token = es::analysis::resolve_token(*dump, dump->stream(""), "queen").occurrences.at(0);
        o.basis = es::analysis::EqualiserBasis::Directions;
        o.normalize = true;
        o.directions = "pairs(king:queen), pairs(man:woman), pairs(father:mother), pc1, W_U[queen]";
        const auto r = equalise(*dump, o);
        es::test::Following<EqualiserView> ui(static_cast<int>(r.frames.size()), 3);
        ui.view.set_mode(EqualiserView::Mode::Directions);
        ui.view.set_normalize(true);
        ui.view.set_result(r);
        VERIFY_BASELINE(ui.view.plot()->toPixmap(700, 400, 1.0).toImage(),
                        "equaliser_directions_demo");
    }

    void matchesItsImageBaseline() {
        auto dump = open_fixture("good/analysis_synth.h5");
        es::analysis::EqualiserOptions o;
        o.token = 5;
        const auto r = equalise(*dump, o);
        es::test::Following<EqualiserView> ui(static_cast<int>(r.frames.size()), 2);
        ui.view.set_result(r);
        VERIFY_BASELINE(ui.view.plot()->toPixmap(700, 400, 1.0).toImage(),
                        "equaliser_analysis_synth");
    }
};

QTEST_MAIN(TestEqualiserView)
#include "test_equaliser_view.moc"
