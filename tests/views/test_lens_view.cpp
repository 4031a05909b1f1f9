// The logit-lens view fed a real lens: one row per layer, cells are the top-k tokens with their
// probabilities shaded in viridis, the selected layer's row is highlighted, clicking a row selects
// its layer, a dump without W_U shows a message, and it matches its baseline.
#include <QApplication>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "analysis/lens.h"
#include "colormaps.h"
#include "lens_view.h"
#include "util/token_text.h"
#include "view_test_support.h"

using es::widgets::LensView;

namespace {
es::analysis::LensResult lens_of(const char* fixture, std::size_t token, std::size_t k) {
    es::analysis::LensOptions o;
    o.token = token;
    o.top_k = k;
    return es::test::analyse(fixture, es::analysis::lens, o);
}
}  // namespace

class TestLensView : public QObject {
    Q_OBJECT
private slots:
    void cellsAreTheTopTokens() {
        const auto r = lens_of("good/analysis_synth.h5", 5, 5);
        es::test::Following<LensView> ui(static_cast<int>(r.layers.size()));
        auto& [model, view] = ui;
        view.set_result(r);
        QTableWidget* t = view.table();
        QCOMPARE(t->rowCount(), static_cast<int>(r.layers.size()));
        QCOMPARE(t->columnCount(), 5);
        for (int row = 0; row < t->rowCount(); ++row) {
            const auto& l = r.layers[static_cast<std::size_t>(row)];
            QCOMPARE(static_cast<int>(l.top.size()), 5);
            for (int c = 0; c < 5; ++c) {
                const auto& e = l.top[static_cast<std::size_t>(c)];
                QTableWidgetItem* item = t->item(row, c);
                QVERIFY(item);
                QCOMPARE(item->text(),
                         QStringLiteral("%1 (%2%)")
                             .arg(QString::fromStdString(es::token_label(e.text, e.id)))
                             .arg(100 * e.probability, 0, 'f', 1));
                QCOMPARE(item->data(Qt::UserRole).toDouble(), e.probability);
                QCOMPARE(
                    item->background().color(),
                    es::widgets::colors::sample(es::widgets::colors::Map::Viridis, e.probability));
            }
        }
        // The selected layer's row is highlighted, and follows the selection.
        model.set_layer(2);
        int row2 = -1;
        for (std::size_t i = 0; i < r.layers.size(); ++i)
            if (r.layers[i].state == 2) row2 = static_cast<int>(i);
        QCOMPARE(view.highlighted_row(), row2);
        QVERIFY(t->verticalHeaderItem(row2)->text().startsWith(QStringLiteral("▶")));
        QVERIFY(t->item(row2, 0)->font().bold());
        QVERIFY(!t->item(0, 0)->font().bold());
        // Clicking a row selects its layer.
        emit t->cellClicked(static_cast<int>(r.layers.size()) - 1, 1);
        QCOMPARE(model.selection().layer, static_cast<int>(r.layers.back().state));
        QCOMPARE(view.highlighted_row(), static_cast<int>(r.layers.size()) - 1);
    }

    // A vocabulary of " the", "\n", "\t", "" (id 3), "cat", "\r\n", ... (make_token_glyphs.py):
    // the cells, their tooltips and the figure show the glyphs, and the entry without a string
    // its id.
    void tokensShowGlyphs() {
        QTemporaryDir dir;
        QVERIFY(es::test::write_fixtures(QStringLiteral("make_token_glyphs.py"), dir.path()));
        es::analysis::LensOptions o;
        o.token = 0;
        o.top_k = 8;
        const auto r = es::test::analyse(
            *es::Dump::open((dir.path() + QStringLiteral("/token_glyphs.h5")).toStdString()),
            es::analysis::lens, o);
        LensView view;
        view.set_result(r);
        QTableWidget* t = view.table();
        QStringList shown;
        for (int c = 0; c < t->columnCount(); ++c) {
            const QString text = t->item(0, c)->text();
            shown << text.left(text.lastIndexOf(QStringLiteral(" (")));
            QVERIFY(
                t->item(0, c)->toolTip().contains(QStringLiteral("<b>“%1”</b>").arg(shown.back())));
        }
        shown.sort();
        QCOMPARE(shown,
                 QStringList({QStringLiteral("cat"), QStringLiteral("id 3"), QStringLiteral("x"),
                              QStringLiteral("y"), QStringLiteral("↵⏎"), QStringLiteral("⇥"),
                              QStringLiteral("⏎"), QStringLiteral("␣the")}));
        // Its numbers, as exported: the CSV shows the glyphs, the JSON the raw strings.
        const auto numbers = view.numbers(QString());
        QVERIFY(numbers);
        const QString csv = QString::fromStdString(numbers->csv);
        QVERIFY2(csv.contains(QStringLiteral(",␣the,")) && csv.contains(QStringLiteral(",3,id 3,")),
                 qPrintable(csv));
        QCOMPARE(QString::fromStdString(numbers->json["token"]["text"].get<std::string>()),
                 QStringLiteral(" the"));
    }

    void withoutAnUnembeddingItSaysSo() {
        LensView view;
        view.set_result(lens_of("good/analysis_synth.h5", 0, 3));
        view.show_unavailable(QStringLiteral("This dump has no unembedding matrix (unembed.W_U)."));
        QVERIFY(view.table()->isHidden());
        QCOMPARE(view.state(), es::widgets::ViewState::Empty);
        QVERIFY(view.state_text().contains("unembed.W_U"));
        QVERIFY(!view.result());
    }

    void matchesItsImageBaseline() {
        const auto r = lens_of("good/analysis_synth.h5", 5, 5);
        es::test::Following<LensView> ui(static_cast<int>(r.layers.size()), 2);
        LensView& view = ui.view;
        view.set_result(r);
        view.resize(760, 260);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        if (QWidget* focus = QApplication::focusWidget()) focus->clearFocus();  // no blinking caret
        const QImage image = view.grab().toImage();
        QCOMPARE(image.size(), QSize(760, 260));
        VERIFY_BASELINE(image, "lens_analysis_synth");
    }
};

QTEST_MAIN(TestLensView)
#include "test_lens_view.moc"
