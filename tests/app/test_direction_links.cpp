// The Directions view's pairs reach the other views in the real window on the demo: the
// equaliser's directions mode shows one bar per pair (the energy of the selected token along each
// pair's direction, equal to the analysis run directly) and follows new pairs, unless directions
// are typed; the 3D view's "direction" button adds the pairs as an axis at the current layer.
#include <QPushButton>
#include <QStandardPaths>
#include <QTest>

#include "analysis/equaliser.h"
#include "app_test_support.h"
#include "axes_editor.h"
#include "directions_view.h"
#include "equaliser_view.h"
#include "main_window.h"
#include "projection3d_view.h"
#include "view.h"

using es::test::open_and_wait;

namespace {

template <typename V>
V* view_of(es::app::MainWindow& w) {
    for (es::widgets::View* v : w.views())
        if (auto* x = qobject_cast<V*>(v)) return x;
    return nullptr;
}

std::vector<std::string> labels(const es::widgets::EqualiserView& v) {
    return v.result() ? v.result()->direction_labels : std::vector<std::string>{};
}

}  // namespace

class TestDirectionLinks : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void theDirectionsViewsPairsReachTheEqualiserAndThe3dAxes() {
        const QString demo = QStringLiteral(EIGENSCOPE_SOURCE_DIR "/resources/demo/demo.h5");
        es::app::MainWindow w;
        QVERIFY(open_and_wait(w, demo));
        auto* eq = view_of<es::widgets::EqualiserView>(w);
        auto* dirs = view_of<es::widgets::DirectionsView>(w);
        auto* p3d = view_of<es::widgets::Projection3dView>(w);
        QVERIFY(eq && dirs && p3d);
        dirs->set_pairs(QStringLiteral("king:queen,man:woman"));
        eq->set_mode(es::widgets::EqualiserView::Mode::Directions);
        const std::vector<std::string> both = {"pairs(king:queen)", "pairs(man:woman)"};
        // The complete result: a partial one (the selected layer first) has empty rows for the
        // frames still coming, and reading them crashed this test about once in thirty runs.
        QTRY_VERIFY_WITH_TIMEOUT(labels(*eq) == both && !eq->result()->partial(), 20000);

        // The bars are the analysis of the selected token along those directions.
        es::analysis::EqualiserOptions o;
        o.token = eq->result()->token;
        o.layer = eq->result()->layer;
        o.basis = es::analysis::EqualiserBasis::Directions;
        o.directions = "pairs(king:queen), pairs(man:woman)";
        auto dump = es::Dump::open(demo.toStdString());
        const auto want = es::analysis::equaliser(*dump, o, es::no_progress());
        QCOMPARE(eq->result()->frames.size(), want.frames.size());
        for (std::size_t l = 0; l < want.frames.size(); ++l)
            for (std::size_t k = 0; k < 2; ++k) {
                QCOMPARE(eq->result()->frames[l].size(), want.frames[l].size());
                QCOMPARE(eq->result()->frames[l][k].value_or(-1), want.frames[l][k].value_or(-1));
            }

        // New pairs: new bars. Typed directions: the pairs no longer matter.
        dirs->set_pairs(QStringLiteral("father:mother"));
        QTRY_VERIFY_WITH_TIMEOUT(labels(*eq) == std::vector<std::string>{"pairs(father:mother)"},
                                 20000);
        eq->set_directions(QStringLiteral("pc1, W_U[queen]"));
        emit eq->options_changed();
        const std::vector<std::string> typed = {"pc1", "W_U[queen]"};
        QTRY_VERIFY_WITH_TIMEOUT(labels(*eq) == typed, 20000);
        dirs->set_pairs(QStringLiteral("king:queen"));
        QTest::qWait(300);
        QVERIFY(w.jobs()->wait_for_idle(20000));
        QVERIFY(labels(*eq) == typed);

        // The 3D view's axes row offers the Directions view's pairs at the current layer.
        auto* button = p3d->findChild<QPushButton*>(QStringLiteral("axesFromDirection"));
        QVERIFY(button);
        QVERIFY(button->isEnabled());
        w.selection_model()->set_layer(2);
        button->click();
        QCOMPARE(p3d->custom_axes(), QStringLiteral("pairs(king:queen)@2"));
        QVERIFY(w.jobs()->wait_for_idle(20000));
    }
};

QTEST_MAIN(TestDirectionLinks)
#include "test_direction_links.moc"
