// Weight-spectrum view fed the demo's MLP weight: every eigenvalue above the floor is in one bin,
// the fitted line starts at xmin, alpha is printed, and the figure matches its baseline.
#include <qcustomplot.h>
#include <QSignalSpy>
#include <QTest>
#include <numeric>

#include "analysis/weight_spectra.h"
#include "view_test_support.h"
#include "weight_spectrum_view.h"

class TestWeightSpectrumView : public QObject {
    Q_OBJECT
private slots:
    void histogramAndFit() {
        auto d = es::test::open_demo();
        es::analysis::WeightSpectraOptions o;
        o.only = {"blocks.1.mlp.W_in"};
        es::Progress p;
        const auto r = es::analysis::weight_spectra(*d, o, p);
        QCOMPARE(int(r.matrices.size()), 1);
        const auto& m = r.matrices.front();
        QVERIFY(m.fit.ok);
        es::widgets::WeightSpectrumView view;
        QSignalSpy changed(&view, &es::widgets::WeightSpectrumView::matrix_changed);
        view.set_matrices({"blocks.0.mlp.W_in", "blocks.1.mlp.W_in"});
        QCOMPARE(changed.count(), 1);
        view.restore_settings({{"matrix", "blocks.1.mlp.W_in"}});
        QCOMPARE(view.matrix(), QString("blocks.1.mlp.W_in"));
        view.set_result(m);
        std::size_t above = 0;
        for (double s : m.singular_values) above += s * s > 1e-5 ? 1 : 0;
        QCOMPARE(std::accumulate(view.bin_counts().begin(), view.bin_counts().end(), 0.0),
                 double(above));
        QCPGraph* fit = view.plot()->graph(0);
        QVERIFY(fit);
        QVERIFY(std::abs(fit->data()->at(0)->key - m.fit.xmin) < 1e-12 * m.fit.xmin);
        QVERIFY(fit->data()->at(0)->value >
                fit->data()->at(fit->data()->size() - 1)->value);  // decays
        bool labelled = false;
        for (int i = 0; i < view.plot()->itemCount(); ++i)
            if (auto* t = qobject_cast<QCPItemText*>(view.plot()->item(i)))
                labelled |=
                    t->text().contains(QStringLiteral("α = %1").arg(m.fit.alpha, 0, 'f', 2));
        QVERIFY(labelled);
        VERIFY_BASELINE(view.plot()->toPixmap(700, 450, 1.0).toImage(),
                        "weight_spectrum_demo_mlp1");
    }
};

QTEST_MAIN(TestWeightSpectrumView)
#include "test_weight_spectrum_view.moc"
