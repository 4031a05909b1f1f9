// The Directions view fed a real analysis of the demo (four gendered pairs): the curves hold the
// result's consistency, null, turning and separation; the trajectories hold every pair member's
// projections in its side's colour and the selected tokens on top; the search selects by text or
// regular expression; the neighbour panel lists a real neighbour result and selects on
// activation; and it matches its baseline.
#include <qcustomplot.h>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

#include "analysis/analogy.h"
#include "analysis/directions.h"
#include "analysis/neighbours.h"
#include "directions_view.h"
#include "view_test_support.h"

using es::test::item_named;
using es::widgets::DirectionsView;

namespace {

es::analysis::DirectionsResult demo_directions() {
    es::analysis::DirectionsOptions o;
    o.pairs = {{"king", "queen"}, {"man", "woman"}, {"father", "mother"}, {"prince", "lady"}};
    return es::test::analyse(*es::test::open_demo(), es::analysis::directions, o);
}

QCPGraph* graph_named(QCustomPlot* plot, const QString& name) {
    for (int i = 0; i < plot->graphCount(); ++i)
        if (plot->graph(i)->objectName() == name) return plot->graph(i);
    return nullptr;
}

QList<QCPGraph*> graphs_named(QCustomPlot* plot, const QString& name) {
    QList<QCPGraph*> out;
    for (int i = 0; i < plot->graphCount(); ++i)
        if (plot->graph(i)->objectName() == name) out << plot->graph(i);
    return out;
}

// The series' defined values, as the view plots them.
void compare_series(QCPGraph* g, const std::vector<std::optional<double>>& v) {
    QVERIFY(g);
    int k = 0;
    for (std::size_t i = 0; i < v.size(); ++i)
        if (v[i]) {
            // Exact: the keys are layer indices the view sets, not computed values.
            QCOMPARE(g->data()->at(k)->key, double(i));
            QCOMPARE(g->data()->at(k)->value, *v[i]);
            ++k;
        }
    QCOMPARE(g->data()->size(), k);
}

es::widgets::AnalogyCurves demo_analogy() {
    es::analysis::AnalogyOptions o;
    o.query = "king - man + woman";
    o.expect = "queen";
    o.all_layers = true;
    o.top = 5;
    es::widgets::AnalogyCurves c;
    c.raw = es::test::analyse(*es::test::open_demo(), es::analysis::analogy, o);
    o.normalize = true;
    c.normalized = es::test::analyse(*es::test::open_demo(), es::analysis::analogy, o);
    return c;
}

QStringList demo_texts() {
    QStringList out;
    const auto dump = es::test::open_demo();  // kept: the loop reads its token table
    for (const auto& t : dump->tokens()) out << QString::fromStdString(t.label());
    return out;
}

}  // namespace

class TestDirectionsView : public QObject {
    Q_OBJECT
private slots:
    void curvesAndTrajectoriesEqualTheResult() {
        const auto r = demo_directions();
        es::test::Following<DirectionsView> ui(5, 2);
        auto& [model, view] = ui;
        model.set_tokens({5});
        view.set_result(r);
        QCustomPlot* plot = view.plot();
        compare_series(graph_named(plot, "consistency"), r.consistency);
        compare_series(graph_named(plot, "consistencyNull"), r.consistency_null);
        compare_series(graph_named(plot, "directionCosPrev"), r.direction_cos_prev);
        compare_series(graph_named(plot, "separation"), r.separation);
        QCOMPARE(graph_named(plot, "separation")->valueAxis(),
                 view.curves_rect()->axis(QCPAxis::atRight));
        // Every occurrence of the pair members is drawn in its side's colour, with its values.
        const auto a = graphs_named(plot, "sideA"), b = graphs_named(plot, "sideB");
        QCOMPARE(std::size_t(a.size()), r.side_a.size());
        QCOMPARE(std::size_t(b.size()), r.side_b.size() - 1);  // token 5 (a queen) is selected
        const auto selected = graphs_named(plot, "selectedToken");
        QCOMPARE(selected.size(), 1);
        QCOMPARE(selected[0]->name(), QStringLiteral("5"));
        for (std::size_t i = 0; i < r.projection.size(); ++i)
            QCOMPARE(selected[0]->data()->at(int(i))->value, *r.projection[i][5]);
        const std::size_t first_a = r.side_a.front();
        QCOMPARE(a[0]->name(), QString::number(first_a));
        QCOMPARE(a[0]->data()->at(3)->value, *r.projection[3][first_a]);
        QVERIFY(graphs_named(plot, "otherToken").size() > 50);
        // The selected layer is marked on both plots and follows the selection.
        auto* mark = dynamic_cast<QCPItemStraightLine*>(item_named(plot, "selectedLayer"));
        QVERIFY(mark);
        QCOMPARE(mark->point1->coords().x(), 2.0);
        model.set_layer(4);
        mark = dynamic_cast<QCPItemStraightLine*>(item_named(plot, "selectedLayer"));
        QCOMPARE(mark->point1->coords().x(), 4.0);
        QCOMPARE(es::test::items_named(plot, "selectedLayer"), 3);
    }

    void analogyRanksPerLayerRawAndNormalized() {
        const auto c = demo_analogy();
        es::test::Following<DirectionsView> ui(5, 3);
        ui.view.set_analogy(c);
        QCustomPlot* plot = ui.view.plot();
        // Without a direction the view has no result, and a view without one draws nothing;
        // its line still gives the answers at the selected layer.
        QVERIFY(!graph_named(plot, "analogyRaw"));
        const QString alone = ui.view.analogy_line()->text();
        QVERIFY2(
            alone.contains(QStringLiteral("layer 3")) && alone.contains(QStringLiteral("queen")),
            qPrintable(alone));
        ui.view.set_result(demo_directions());
        const std::pair<const char*, const es::analysis::AnalogyResult*> curves[] = {
            {"analogyRaw", &c.raw}, {"analogyNormalized", &c.normalized}};
        for (const auto& [name, r] : curves) {
            QCPGraph* g = graph_named(plot, name);
            QVERIFY(g);
            QCOMPARE(g->data()->size(), 5);
            for (int l = 0; l < 5; ++l) {
                QCOMPARE(g->data()->at(l)->key, double(l));
                QCOMPARE(g->data()->at(l)->value, double(*r->layers[std::size_t(l)].expected_rank));
            }
        }
        // On the demo, queen is the top answer from the first block on.
        QCOMPARE(*c.normalized.layers[3].expected_rank, std::size_t(1));
        const QString line = ui.view.analogy_line()->text();
        QVERIFY2(line.contains(QStringLiteral("layer 3")) && line.contains(QStringLiteral("queen")),
                 qPrintable(line));
        ui.model.set_layer(0);
        QVERIFY(ui.view.analogy_line()->text().contains(QStringLiteral("layer 0")));
    }

    void searchSelectsByTextOrRegex() {
        DirectionsView view;
        const QStringList texts = demo_texts();
        view.set_token_texts(texts);
        QList<int> queens;
        for (int i = 0; i < texts.size(); ++i)
            if (texts[i] == QStringLiteral("queen")) queens << i;
        QCOMPARE(queens.size(), 3);
        QCOMPARE(view.search_matches(QStringLiteral("queen")), queens);
        const QList<int> k = view.search_matches(QStringLiteral("/^k/"));
        QVERIFY(!k.isEmpty());
        for (int i : k) QVERIFY(texts[i].startsWith(QLatin1Char('k')));
        QVERIFY(view.search_matches(QStringLiteral("/[/")).isEmpty());  // invalid: nothing
        QSignalSpy spy(&view, &DirectionsView::select_tokens);
        view.search_box()->setText(QStringLiteral("queen"));
        QTest::keyClick(view.search_box(), Qt::Key_Return);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).value<QList<int>>(), queens);
    }

    void neighbourPanelListsAndSelects() {
        es::analysis::NeighboursOptions o;
        o.token = 5;
        o.layer = 1;
        o.k = 10;
        const auto n = es::test::analyse(*es::test::open_demo(), es::analysis::neighbours, o);
        DirectionsView view;
        view.set_neighbours(n);
        QListWidget* list = view.neighbour_list();
        QCOMPARE(list->count(), 10);
        QCOMPARE(list->item(0)->data(Qt::UserRole).toInt(), int(n.neighbours[0].token_index));
        QVERIFY(list->item(0)->text().startsWith(QString::fromStdString(n.neighbours[0].token)));
        QSignalSpy spy(&view, &DirectionsView::select_tokens);
        emit list->itemActivated(list->item(2));
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).value<QList<int>>(), QList<int>{int(n.neighbours[2].token_index)});
        // "select all": the token first (the panel keeps following it), then its neighbours.
        QVERIFY(view.select_neighbours_button()->isEnabled());
        view.select_neighbours_button()->click();
        QCOMPARE(spy.count(), 2);
        const QList<int> all = spy.at(1).at(0).value<QList<int>>();
        QCOMPARE(all.size(), 11);
        QCOMPARE(all.front(), 5);
        QCOMPARE(all.back(), int(n.neighbours.back().token_index));
        view.show_neighbours_message(QStringLiteral("Neighbours: select a token."));
        QVERIFY(!view.select_neighbours_button()->isEnabled());
        QCOMPARE(list->count(), 0);
    }

    void pairsAreASetting() {
        DirectionsView view;
        QSignalSpy spy(&view, &DirectionsView::options_changed);
        QJsonObject s = view.save_settings();
        QCOMPARE(s.value(QStringLiteral("pairs")).toString(),
                 QStringLiteral("king:queen,man:woman"));
        s[QStringLiteral("pairs")] = QStringLiteral("father:mother");
        view.restore_settings(s);
        QCOMPARE(view.pairs(), QStringLiteral("father:mother"));
        QCOMPARE(spy.count(), 1);
    }

    void matchesItsImageBaseline() {
        es::test::Following<DirectionsView> ui(5, 1);
        ui.model.set_tokens({5});
        ui.view.set_result(demo_directions());
        ui.view.set_analogy(demo_analogy());
        VERIFY_BASELINE(ui.view.plot()->toPixmap(1100, 520, 1.0).toImage(), "directions_demo");
    }
};

QTEST_MAIN(TestDirectionsView)
#include "test_directions_view.moc"
