// The trajectory view fed a real analysis of a fixture: its content equals the result, it follows
// the selection, clicking a line selects the token, and it matches its image baseline.
#include <qcustomplot.h>
#include <QTest>

#include "analysis/trajectory.h"
#include "trajectory_view.h"
#include "view_test_support.h"

using es::test::items_named;
using es::widgets::TrajectoryView;

namespace {

struct Fed {
    std::shared_ptr<es::Dump> dump;
    es::analysis::TrajectoryResult result;
    QStringList texts;
};

Fed feed(const char* fixture) {
    Fed f;
    f.dump = es::test::open_fixture(fixture);
    f.result = es::test::analyse(*f.dump, es::analysis::trajectory);
    for (const auto& t : f.dump->tokens()) f.texts << QString::fromStdString(t.text);
    return f;
}

QCPGraph* graph_named(QCustomPlot* plot, const QString& name) {
    for (int i = 0; i < plot->graphCount(); ++i)
        if (plot->graph(i)->name() == name) return plot->graph(i);
    return nullptr;
}

// A result whose cosine to the first state falls from 1 to 0.55 over 33 layers, through the
// middle of the panel's right half (as on a 33 x 4096 x 1024 dump), norms rising.
es::analysis::TrajectoryResult falling_cosine() {
    es::analysis::TrajectoryResult r;
    r.stream = "resid";
    const std::size_t L = 33, T = 3;
    r.layers_total = L;
    r.tokens = T;
    for (std::size_t l = 0; l < L; ++l) {
        r.layers.push_back("blocks." + std::to_string(l) + ".hook_resid_pre");
        r.states.push_back(l);
    }
    for (std::size_t t = 0; t < T; ++t) {
        r.token_index.push_back(t);
        std::vector<double> norm;
        std::vector<std::optional<double>> first, prev;
        for (std::size_t l = 0; l < L; ++l) {
            norm.push_back(30.0 + 50.0 * double(l) + double(t));
            first.push_back(1.0 - 0.45 * double(l) / double(L - 1) - 0.01 * double(t));
            prev.push_back(l == 0 ? std::nullopt : std::optional<double>(0.98));
        }
        r.norm.push_back(norm);
        r.cos_first.push_back(first);
        r.cos_prev.push_back(prev);
    }
    auto stats = [&](auto value) {
        std::vector<es::analysis::Summary> out;
        for (std::size_t l = 0; l < L; ++l) {
            std::vector<double> v;
            for (std::size_t t = 0; t < T; ++t)
                if (auto x = value(t, l)) v.push_back(*x);
            out.push_back(es::analysis::summarize(v));
        }
        return out;
    };
    r.norm_stats =
        stats([&](std::size_t t, std::size_t l) { return std::optional<double>(r.norm[t][l]); });
    r.cos_first_stats = stats([&](std::size_t t, std::size_t l) { return r.cos_first[t][l]; });
    r.cos_prev_stats = stats([&](std::size_t t, std::size_t l) { return r.cos_prev[t][l]; });
    r.growth_ratio = r.norm_stats.back().mean / r.norm_stats.front().mean;
    return r;
}

}  // namespace

class TestTrajectoryView : public QObject {
    Q_OBJECT
private slots:
    void contentEqualsTheResult() {
        Fed f = feed("good/tl_batched_f32.h5");
        es::test::Following<TrajectoryView> ui(4);
        TrajectoryView& view = ui.view;
        view.resize(900, 650);
        view.set_result(f.result, f.texts, false);
        QCOMPARE(view.token_line_count(), 10);  // one thin line per token, 2 prompts x 5 positions
        QCPGraph* mean = graph_named(view.plot(), "mean");
        QVERIFY(mean);
        QCOMPARE(mean->data()->size(), 4);  // resid: embedding + 3 blocks
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(mean->data()->at(i)->key, double(i));
            QCOMPARE(mean->data()->at(i)->value,
                     f.result.norm_stats[static_cast<std::size_t>(i)].mean);
        }
        QCPAxis* ny = mean->valueAxis();
        for (const auto& s : f.result.norm_stats)
            QVERIFY(ny->range().contains(s.p90) && ny->range().contains(s.p10));
        QVERIFY(graph_named(view.plot(), "cos to previous layer (mean, p10–p90)"));
        QCOMPARE(items_named(view.plot(), "layerMarker"), 2);  // both panels
        QCOMPARE(items_named(view.plot(), "growthLabel"), 1);
        view.set_log_scale(true);
        QCOMPARE(ny->scaleType(), QCPAxis::stLogarithmic);
        view.set_token_lines(false);
        QCOMPARE(view.token_line_count(), 0);
    }

    void partialPicturesDrawFewerTokenLines() {
        // A real result whose 10 tokens are repeated to 1000 (the view only draws what it is
        // given): complete, every second token's line (500 of at most 600); while layers still
        // come in, every seventh (143 of at most 150), so a partial redraw stays cheap.
        Fed f = feed("good/tl_batched_f32.h5");
        es::analysis::TrajectoryResult many = f.result;
        many.token_index.clear();
        many.norm.clear();
        many.cos_prev.clear();
        many.cos_first.clear();
        for (std::size_t t = 0; t < 1000; ++t) {
            const std::size_t k = t % f.result.token_index.size();
            many.token_index.push_back(t);
            many.norm.push_back(f.result.norm[k]);
            many.cos_prev.push_back(f.result.cos_prev[k]);
            many.cos_first.push_back(f.result.cos_first[k]);
        }
        es::test::Following<TrajectoryView> ui(4);
        TrajectoryView& view = ui.view;
        view.resize(900, 650);
        view.set_result(many, {}, false);
        QVERIFY(!view.partial());
        QCOMPARE(view.token_line_count(), 500);
        es::analysis::TrajectoryResult partial = many;
        partial.layers_total = partial.layers.size() + 1;  // one layer still to come
        view.set_result(partial, {}, false);
        QVERIFY(view.partial());
        QCOMPARE(view.token_line_count(), 143);
        view.set_result(many, {}, false);
        QCOMPARE(view.token_line_count(), 500);
    }

    void theLegendsStayClearOfTheStatistics() {
        // The cosine legend sat at the right, centred: a cosine falling to 0.55 ran under it.
        // Each panel's legend now covers none of its mean lines (sampled between the points).
        es::test::Following<TrajectoryView> ui(33);
        TrajectoryView& view = ui.view;
        view.resize(900, 650);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const es::analysis::TrajectoryResult r = falling_cosine();
        view.set_result(r, {}, false);
        QTest::qWait(50);  // laid out and drawn: the placement reads the panels' sizes
        view.set_result(r, {}, false);
        QTest::qWait(50);
        int checked = 0;
        for (const QString& name :
             {QStringLiteral("mean"), QStringLiteral("cos to previous layer (mean, p10–p90)"),
              QStringLiteral("cos to first state (mean, p10–p90)")}) {
            QCPGraph* g = graph_named(view.plot(), name);
            QVERIFY2(g, qPrintable(name));
            QCPAxisRect* rect = g->valueAxis()->axisRect();
            QCPLegend* legend = nullptr;
            for (int i = 0; i < rect->insetLayout()->elementCount(); ++i)
                if (auto* l = qobject_cast<QCPLegend*>(rect->insetLayout()->elementAt(i)))
                    legend = l;
            QVERIFY(legend && legend->visible());
            const QRect box = legend->outerRect();
            QVERIFY(rect->rect().adjusted(-1, -1, 1, 1).contains(box));  // its rounding
            for (int i = 0; i + 1 < g->data()->size(); ++i)
                for (int k = 0; k < 8; ++k) {
                    const double key = g->data()->at(i)->key +
                                       (g->data()->at(i + 1)->key - g->data()->at(i)->key) * k / 8;
                    const double value =
                        g->data()->at(i)->value +
                        (g->data()->at(i + 1)->value - g->data()->at(i)->value) * k / 8;
                    const QPoint at(int(g->keyAxis()->coordToPixel(key)),
                                    int(g->valueAxis()->coordToPixel(value)));
                    QVERIFY2(
                        !box.contains(at),
                        qPrintable(
                            QStringLiteral("%1 under its legend at layer %2").arg(name).arg(key)));
                    ++checked;
                }
        }
        QCOMPARE(checked, 3 * 32 * 8);
    }

    void followsTheSelection() {
        Fed f = feed("good/tl_batched_f32.h5");
        es::test::Following<TrajectoryView> ui(4);
        auto& [model, view] = ui;
        view.set_result(f.result, f.texts, false);
        QVERIFY(view.highlighted_labels().isEmpty());
        model.set_tokens({7, 2});
        QCOMPARE(view.highlighted_labels(),
                 (QStringList{QString::fromUtf8("“naïve”"), QString::fromUtf8("“and”")}));
        model.set_layer(2);
        // The marker sits at the selected layer.
        for (int i = 0; i < view.plot()->itemCount(); ++i)
            if (auto* line = qobject_cast<QCPItemStraightLine*>(view.plot()->item(i)))
                QCOMPARE(line->point1->coords().x(), 2.0);
    }

    void clickingALineSelectsItsToken() {
        Fed f = feed("good/tl_batched_f32.h5");
        es::test::Following<TrajectoryView> ui(4);
        auto& [model, view] = ui;
        view.resize(900, 650);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.set_result(f.result, f.texts, false);
        // The token with the largest norm at layer 3 is unambiguous: click on its point.
        std::size_t best = 0;
        for (std::size_t t = 0; t < f.result.norm.size(); ++t)
            if (f.result.norm[t][3] > f.result.norm[best][3]) best = t;
        QCPGraph* mean = graph_named(view.plot(), "mean");
        const double px = mean->keyAxis()->coordToPixel(3),
                     py = mean->valueAxis()->coordToPixel(f.result.norm[best][3]);
        QTest::mouseClick(view.plot(), Qt::LeftButton, {}, QPoint(int(px), int(py)));
        QCOMPARE(model.selection().tokens, QList<int>{int(f.result.token_index[best])});
    }

    void matchesItsImageBaseline() {
        Fed f = feed("good/tl_batched_f32.h5");
        es::test::Following<TrajectoryView> ui(4, 1);
        ui.model.set_tokens({7});
        ui.view.set_result(f.result, f.texts, false);
        const QImage image = ui.view.plot()->toPixmap(900, 600, 1.0).toImage();
        QCOMPARE(image.size(), QSize(900, 600));
        VERIFY_BASELINE(image, "trajectory_tl_batched_f32");
    }
};

QTEST_MAIN(TestTrajectoryView)
#include "test_trajectory_view.moc"
