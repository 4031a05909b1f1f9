// The equaliser view fed real analyses: one bar per band with the frame's energies, it animates
// with the selected layer from the frames (no new analysis), peak hold is the max over frames,
// per-dimension raw bars are split by sign, a D = 4096 state redraws fast, the directions mode
// (one bar per direction on the demo, named by the directions; its setting and the Directions
// view's default), and it matches its baselines. While it computes: test_equaliser_progressive;
// its value axis: test_equaliser_axis.
#include <qcustomplot.h>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>
#include <cmath>

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
