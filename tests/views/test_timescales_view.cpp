// The timescales view fed a real analysis: half-life bars equal the result (null half-lives as
// hatched "> P" bars), one autocorrelation curve per direction with the result's values, the
// subspace persistence (one line per angle and the mean), the selected layer marked, and it
// matches its baseline.
#include <qcustomplot.h>
#include <QTest>

#include "analysis/timescales.h"
#include "timescales_view.h"
#include "view_test_support.h"

using es::test::item_named;
using es::widgets::TimescalesView;

namespace {
es::analysis::TimescalesResult timescales_of(const char* fixture, std::size_t layer,
                                             std::size_t k) {
    es::analysis::TimescalesOptions o;
    o.layer = layer;
    o.components = k;
    return es::test::analyse(fixture, es::analysis::timescales, o);
}
template <typename T>
T* named(QCustomPlot* plot, const QString& name) {
    for (int i = 0; i < plot->plottableCount(); ++i)
        if (plot->plottable(i)->objectName() == name) return qobject_cast<T*>(plot->plottable(i));
    return nullptr;
}
QList<QCPGraph*> graphs_in(QCustomPlot* plot, QCPAxisRect* rect) {
    QList<QCPGraph*> out;
    for (int i = 0; i < plot->graphCount(); ++i)
        if (plot->graph(i)->keyAxis()->axisRect() == rect) out << plot->graph(i);
    return out;
}
}  // namespace

class TestTimescalesView : public QObject {
    Q_OBJECT
private slots:
    void contentEqualsTheResult() {
        auto r = timescales_of("good/analysis_synth.h5", 2, 6);
        QCOMPARE(r.components, std::size_t(6));
        r.half_life[1] = std::nullopt;  // make sure the "never decorrelates" case is drawn
        es::test::Following<TimescalesView> ui(5, 2);
        auto& [model, view] = ui;
        view.set_result(r);
        QCustomPlot* plot = view.plot();
        auto* finite = named<QCPBars>(plot, "halfLife");
        auto* never = named<QCPBars>(plot, "halfLifeNull");
        QVERIFY(finite && never);
        int nulls = 0;
        for (const auto& h : r.half_life) nulls += h ? 0 : 1;
        QCOMPARE(finite->data()->size() + never->data()->size(), 6);
        QCOMPARE(never->data()->size(), nulls);
        for (auto it = finite->data()->constBegin(); it != finite->data()->constEnd(); ++it)
            QCOMPARE(it->value, *r.half_life[static_cast<std::size_t>(it->key) - 1]);
        QCOMPARE(never->data()->at(0)->key, 2.0);
        QCOMPARE(never->data()->at(0)->value, double(r.positions));
        QCOMPARE(never->brush().style(), Qt::BDiagPattern);
        // Regression: every layer change rebuilds the plot; the inset legends must not keep
        // items of deleted graphs (this crashed at the next replot).
        for (int layer : {3, 1, 4, 2}) {
            model.set_layer(layer);
            view.plot()->replot();
        }
        QCOMPARE(named<QCPBars>(view.plot(), "halfLife")->data()->size() +
                     named<QCPBars>(view.plot(), "halfLifeNull")->data()->size(),
                 6);
        auto* label = dynamic_cast<QCPItemText*>(item_named(plot, "nullLabel"));
        QVERIFY(label);
        QCOMPARE(label->text(), QStringLiteral("> %1").arg(r.positions));
        plot->toPixmap(820, 620, 1.0)
            .save("timescales_null_half_life.actual.png");  // for looking at
        // Autocorrelation: one curve per direction, values equal to the result.
        const auto curves = graphs_in(plot, view.autocorrelation_rect());
        QCOMPARE(curves.size(), 6);
        for (int i = 0; i < 6; ++i) {
            const auto& ac = r.autocorrelation[static_cast<std::size_t>(i)];
            QCOMPARE(curves[i]->data()->at(0)->value, *ac[0]);
            QCOMPARE(curves[i]->data()->at(3)->value, *ac[3]);
        }
        // Persistence: a line per angle index plus the mean angle, one point per transition.
        const auto lines = graphs_in(plot, view.persistence_rect());
        QCOMPARE(lines.size(), static_cast<int>(r.persistence.front().angles_deg.size()) + 1);
        auto* mean = named<QCPGraph>(plot, "meanAngle");
        QVERIFY(mean);
        QCOMPARE(mean->data()->size(), static_cast<int>(r.persistence.size()));
        double m0 = 0;
        for (double a : r.persistence[0].angles_deg) m0 += a;
        QVERIFY(std::abs(mean->data()->at(0)->value -
                         m0 / double(r.persistence[0].angles_deg.size())) < 1e-9);
        // The selected layer is marked, and follows the selection.
        auto* mark = dynamic_cast<QCPItemStraightLine*>(item_named(plot, "selectedLayer"));
        QVERIFY(mark);
        QCOMPARE(mark->point1->coords().x(), 1.5);
        model.set_layer(3);
        mark = dynamic_cast<QCPItemStraightLine*>(item_named(plot, "selectedLayer"));
        QCOMPARE(mark->point1->coords().x(), 2.5);
    }

    void matchesItsImageBaseline() {
        es::test::Following<TimescalesView> ui(5, 2);
        ui.view.set_result(timescales_of("good/analysis_synth.h5", 2, 6));
        VERIFY_BASELINE(ui.view.plot()->toPixmap(820, 620, 1.0).toImage(),
                        "timescales_analysis_synth");
    }
};

QTEST_MAIN(TestTimescalesView)
#include "test_timescales_view.moc"
