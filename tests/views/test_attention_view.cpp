// The attention view fed patterns read from dumps: cells equal the pattern below and on the
// diagonal, cells above it (causally masked) are blank, the selected head and prompt ask for a new
// pattern, clicking a cell selects the query token, tokens show visible whitespace, and it matches
// its baseline.
#include <qcustomplot.h>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "analysis/attention.h"
#include "attention_view.h"
#include "view_test_support.h"

using es::test::items_named;
using es::widgets::AttentionView;

namespace {

// The pattern through the analysis the app and the CLI use.
es::analysis::AttentionResult read(const char* path, int layer, int head, int prompt) {
    auto dump = es::Dump::open(path);
    es::analysis::AttentionOptions o;
    o.layer = static_cast<std::size_t>(layer);
    o.head = static_cast<std::size_t>(head);
    o.prompt = static_cast<std::size_t>(prompt);
    es::Progress progress;
    return es::analysis::attention(*dump, o, progress);
}

}  // namespace

class TestAttentionView : public QObject {
    Q_OBJECT
private slots:
    void cellsArePatternWithTheMaskBlank() {
        const es::analysis::AttentionResult p =
            read(EIGENSCOPE_FIXTURES "/good/tl_batched_f32.h5", 1, 1, 1);
        QCOMPARE(p.positions, std::size_t{5});
        QCOMPARE(p.tokens.size(), std::size_t{5});
        QCOMPARE(static_cast<int>(p.values.size()), 25);
        es::widgets::SelectionModel model;
        AttentionView view;
        view.set_dims(3, 2, 5);
        view.follow(&model);
        view.set_result(p);
        const auto& d = view.heatmap()->data();
        QCOMPARE(d.rows, 5);
        QCOMPARE(d.cols, 5);
        QVERIFY(d.row_labels[2].endsWith(QString::fromStdString(p.tokens[2]).left(12)));
        for (int q = 0; q < 5; ++q) {
            double row = 0;
            for (int k = 0; k < 5; ++k) {
                const auto v = view.heatmap()->value(q, k);
                if (k > q) {
                    QVERIFY(!v);  // masked: blank, not 0
                    QCOMPARE(p.values[static_cast<std::size_t>(q * 5 + k)], 0.0f);
                } else {
                    QVERIFY(v);
                    QCOMPARE(*v, double(p.values[static_cast<std::size_t>(q * 5 + k)]));
                    row += *v;
                }
            }
            QVERIFY(std::abs(row - 1.0) < 1e-5);  // softmax rows sum to 1
        }
        auto* title = view.heatmap()->plot()->findChild<QCPTextElement*>("title");
        QVERIFY(title);
        QCOMPARE(title->text(), QStringLiteral("layer 1, head 1 · prompt 1"));
        // Clicking a cell selects its query token (flat index prompt * P + row) and outlines the
        // row.
        emit view.heatmap()->cell_clicked(3, 0);
        QCOMPARE(model.selection().tokens, QList<int>{1 * 5 + 3});
        QCOMPARE(items_named(view.heatmap()->plot(), "marked"), 1);
        model.select_token(2);  // prompt 0: not in this prompt, nothing outlined
        QCOMPARE(items_named(view.heatmap()->plot(), "marked"), 0);
    }

    void theSelectedHeadAndPromptAskForAPattern() {
        es::widgets::SelectionModel model;
        AttentionView view;
        model.set_layer_count(10);  // states 0..9 (the slider's range)
        view.set_dims(3, 2, 5);
        view.follow(&model);
        QSignalSpy spy(&view, &AttentionView::wanted_changed);
        QCOMPARE(view.head_for(model.selection()), std::make_pair(0, 0));  // default L0H0
        // The head picker gives the head within the block (flat 3 with 2 heads: head 1) ...
        model.set_heads({3});
        QCOMPARE(view.head_for(model.selection()), std::make_pair(0, 1));
        QCOMPARE(spy.count(), 1);
        model.set_prompt(1);
        QCOMPARE(spy.count(), 2);
        // ... and the layer slider the block: state l+1 is block l's output.
        model.set_layer(2);
        QCOMPARE(view.head_for(model.selection()), std::make_pair(1, 1));
        QCOMPARE(spy.count(), 3);
        model.set_layer(0);  // the embedding shows block 0
        QCOMPARE(view.head_for(model.selection()), std::make_pair(0, 1));
        model.set_layer(9);  // past the last block: the last one
        QCOMPARE(view.head_for(model.selection()), std::make_pair(2, 1));
        view.set_mask_causal(false);
        view.set_result(read(EIGENSCOPE_FIXTURES "/good/tl_batched_f32.h5", 0, 0, 0));
        QVERIFY(view.heatmap()->value(0, 4).has_value());
    }

    // A dump whose tokens are " the", "\n", "\t", "" (id 73), ... (make_token_glyphs.py): the
    // labels, and so the tooltips and the drawn ticks, show glyphs and the id.
    void tokenLabelsShowGlyphs() {
        QTemporaryDir dir;
        QVERIFY(es::test::write_fixtures(QStringLiteral("make_token_glyphs.py"), dir.path()));
        const es::analysis::AttentionResult p =
            read(qPrintable(dir.path() + QStringLiteral("/token_glyphs.h5")), 1, 0, 0);
        QCOMPARE(p.tokens[1], std::string("\n"));  // the result keeps the raw text
        AttentionView view;
        view.set_dims(2, 1, 6);
        view.set_result(p);
        const auto& d = view.heatmap()->data();
        const QStringList want = {QStringLiteral("0 ␣the"),  QStringLiteral("1 ⏎"),
                                  QStringLiteral("2 ⇥"),     QStringLiteral("3 id 73"),
                                  QStringLiteral("4 naïve"), QStringLiteral("5 \\x1B[0m")};
        QCOMPARE(d.row_labels, want);
        QCOMPARE(d.col_labels, want);
        view.heatmap()->plot()->toPixmap(700, 620, 1.0);
        QCOMPARE(QStringList(view.heatmap()->plot()->yAxis->tickVectorLabels()), want);
    }

    void matchesItsImageBaseline() {
        es::test::Following<AttentionView> ui;
        ui.view.set_result(read(EIGENSCOPE_SOURCE_DIR "/resources/demo/demo.h5", 1, 2, 0));
        const QImage image = ui.view.heatmap()->plot()->toPixmap(700, 620, 1.0).toImage();
        VERIFY_BASELINE(image, "attention_demo_L1H2_p0");
    }
};

QTEST_MAIN(TestAttentionView)
#include "test_attention_view.moc"
