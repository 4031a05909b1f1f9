// Subspace-angles view: menus build SPECs, presets use the selected head, bars equal the angles.
#include <qcustomplot.h>
#include <QComboBox>
#include <QSignalSpy>
#include <QTest>

#include "analysis/subspace_angles.h"
#include "angles_view.h"
#include "view_test_support.h"

using es::widgets::AnglesView;

class TestAnglesView : public QObject {
    Q_OBJECT
private slots:
    void firstSourcesAreAHeadAgainstTheEmbedding() {
        // A fresh view on a dump whose sources list a bias first: the default pair is the first
        // preset (QK of L0H0 against W_E), never a bias; without those, two non-bias weights.
        AnglesView view;
        view.set_sources({"blocks.0.attn.b_K", "blocks.0.attn.QK[0]", "embed.W_E", "resid[1]"}, 4);
        QCOMPARE(view.spec_a(), QString("blocks.0.attn.QK[0]:right:0-8"));
        QCOMPARE(view.spec_b(), QString("embed.W_E:right:0-8"));
        AnglesView other;
        other.set_sources({"blocks.0.attn.b_K", "blocks.0.mlp.W_in", "blocks.0.mlp.W_out"}, 4);
        QVERIFY(other.spec_a().startsWith("blocks.0.mlp.W_in:"));
        QVERIFY(other.spec_b().startsWith("blocks.0.mlp.W_out:"));
    }

    void menusPresetsAndBars() {
        auto d = es::test::open_demo();
        es::widgets::SelectionModel model;
        model.set_heads({6});  // L1H2 with 4 heads a layer
        AnglesView view;
        view.follow(&model);
        QSignalSpy changed(&view, &AnglesView::specs_changed);
        view.set_sources(
            {"embed.W_E", "unembed.W_U", "blocks.1.attn.QK[2]", "blocks.1.attn.OV[2]", "resid[2]"},
            4);
        QVERIFY(changed.count() >= 1);
        view.apply_preset(0);
        QCOMPARE(view.spec_a(), QString("blocks.1.attn.QK[2]:right:0-8"));
        QCOMPARE(view.spec_b(), QString("embed.W_E:right:0-8"));
        view.apply_preset(1);
        QCOMPARE(view.spec_b(), QString("embed.W_E:right:32-64"));
        view.set_specs("resid[2]:right:0-4", "blocks.1.attn.OV[2]:left:0-4");
        QCOMPARE(view.spec_a(), QString("resid[2]:right:0-4"));
        es::Progress p;
        const auto r = es::analysis::subspace_angles(*d, view.spec_a().toStdString(),
                                                     view.spec_b().toStdString(), p);
        view.set_result(r);
        COMPARE_BARS(view.plot(), r.angles_deg, 4);
        // Session round trip.
        AnglesView other;
        other.set_sources(
            {"embed.W_E", "unembed.W_U", "blocks.1.attn.QK[2]", "blocks.1.attn.OV[2]", "resid[2]"},
            4);
        other.restore_settings(view.save_settings());
        QCOMPARE(other.spec_a(), view.spec_a());
        QCOMPARE(other.spec_b(), view.spec_b());
        VERIFY_BASELINE(view.plot()->toPixmap(700, 400, 1.0).toImage(), "angles_demo");
    }
};

QTEST_MAIN(TestAnglesView)
#include "test_angles_view.moc"
