// The equaliser while it computes (issue 20): the selected layer's frame comes first in a partial
// result, marked and never exported, and the last result equals the one-shot one; on a wide
// stream an estimate comes before the basis fit: the selected layer along a token sample's axes,
// against numpy float64 within the uncertainty it states, marked and never exported, then the
// exact results (split from test_equaliser_view.cpp).
#include <qcustomplot.h>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <cmath>

#include "analysis/equaliser.h"
#include "equaliser_view.h"
#include "export/figure_export.h"
#include "view_test_support.h"

using es::test::open_fixture;
using es::widgets::EqualiserView;

class TestEqualiserProgressive : public QObject {
    Q_OBJECT
private slots:
    void theSelectedLayerComesFirstMarkedPartialNeverExported() {
        auto dump = open_fixture("good/analysis_synth.h5");
        es::analysis::EqualiserOptions o;
        o.token = 5;
        o.bands = 32;
        const auto whole =
            es::test::analyse(*dump, es::analysis::equaliser, o);  // one shot, in state order
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
        const auto last = es::test::analyse(*dump, es::analysis::equaliser, o);
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
        VERIFY_NO_PARTIAL_EXPORT(&view, "equaliser", dir, "equaliser",
                                 (QStringList{".json", ".csv", ".png"}));
        const es::widgets::ExportOptions options;
        es::widgets::Provenance provenance;
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
        const auto whole =
            es::test::analyse(*dump, es::analysis::equaliser, o);  // one shot, exact, no estimate
        const std::size_t n = whole.frames.size();
        o.focus = std::make_shared<std::atomic<long long>>(static_cast<long long>(selected));
        o.estimate_tokens = static_cast<std::size_t>(ref[QStringLiteral("sample")].toInt());
        std::vector<es::analysis::EqualiserResult> partials;
        o.on_frame = [&](const es::analysis::EqualiserResult& r) { partials.push_back(r); };
        const auto last = es::test::analyse(*dump, es::analysis::equaliser, o);
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
        VERIFY_NO_PARTIAL_EXPORT(&view, "equaliser", dir, "estimate",
                                 (QStringList{".json", ".png"}));
        view.set_result(last);
        QVERIFY(view.incomplete().isEmpty());
        QCOMPARE(es::test::items_named(view.plot(), QStringLiteral("unresolved")), 0);
        QVERIFY(!heading->text().contains(QStringLiteral("estimate")));
    }
};

QTEST_MAIN(TestEqualiserProgressive)
#include "test_equaliser_progressive.moc"
