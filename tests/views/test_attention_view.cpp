// The attention view fed patterns read from dumps: cells equal the pattern below and on the
// diagonal, cells above it (causally masked) are blank, the selected head and prompt ask for a new
// pattern, clicking a cell selects the query token, tokens show visible whitespace, the labels of
// 24 and 64 tokens are thinned so that none overlap (on screen and exported at other sizes), and it
// matches its baseline.
#include <qcustomplot.h>
#include <QPolygonF>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTransform>
#include <QtMath>

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

// A pattern of n positions (attention on the diagonal) whose tokens are "token 0", "token 1", ...
es::analysis::AttentionResult diagonal(int n) {
    es::analysis::AttentionResult p;
    p.positions = static_cast<std::size_t>(n);
    p.values.assign(p.positions * p.positions, 0.0f);
    for (std::size_t i = 0; i < p.positions; ++i) {
        p.values[i * p.positions + i] = 1.0f;
        p.tokens.push_back("token " + std::to_string(i));
    }
    return p;
}

// The tick labels drawn in the last layout of `h`: as many as every step-th row or column, and no
// two overlapping. The rows' labels are level text boxes; the columns' are slanted, each box
// turned about its tick, so they are compared as polygons.
void verify_labels_apart(const es::widgets::HeatmapPlot& h, int n) {
    QCustomPlot* plot = h.plot();
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
        const bool rows = axis == plot->yAxis;
        const int step = h.label_step(rows ? Qt::Vertical : Qt::Horizontal);
        QCOMPARE(step, h.fitting_label_step(rows ? Qt::Vertical : Qt::Horizontal));
        const QVector<double> ticks = axis->tickVector();
        const QVector<QString> labels = axis->tickVectorLabels();
        QCOMPARE(static_cast<int>(ticks.size()), (n + step - 1) / step);
        QVERIFY2(ticks.size() >= 2, "thinned, not emptied");
        const QFontMetricsF fm(axis->tickLabelFont());
        const double angle = axis->tickLabelRotation();
        QVector<QPolygonF> boxes;
        for (int i = 0; i < ticks.size(); ++i) {
            QCOMPARE(ticks[i], double(i * step));
            const double at = axis->coordToPixel(ticks[i]);
            const QRectF text(0, -fm.height() / 2, fm.horizontalAdvance(labels[i]), fm.height());
            QTransform t;
            if (rows)
                t.translate(0, at);
            else
                t.translate(at, 0).rotate(angle == 0 ? 0 : angle);
            // Level column labels are centred on their tick.
            if (!rows && angle == 0) t.translate(-text.width() / 2, 0);
            boxes << t.map(QPolygonF(text.adjusted(0.5, 0.5, -0.5, -0.5)));
        }
        for (int i = 1; i < boxes.size(); ++i)
            QVERIFY2(!boxes[i - 1].intersects(boxes[i]),
                     qPrintable(QStringLiteral("%1 labels %2 and %3 of %4 overlap (step %5)")
                                    .arg(rows ? "row" : "column", labels[i - 1], labels[i])
                                    .arg(n)
                                    .arg(step)));
        // And no thinner than needed: one step less would overlap.
        if (step > 1) {
            const double cell = std::abs(axis->coordToPixel(1) - axis->coordToPixel(0));
            const double sine = rows || angle == 0 ? 1 : std::sin(qDegreesToRadians(angle));
            QVERIFY((step - 1) * cell * sine < fm.height() + 2 || (!rows && angle == 0));
        }
    }
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

    // 24 and 64 tokens: every k-th label, none overlapping, on screen at two sizes and in exports
    // at three (the export lays the plot out at its own size).
    void labelsAreThinnedSoNoneOverlap() {
        for (int n : {24, 64}) {
            AttentionView view;
            view.set_dims(1, 1, n);
            view.set_result(diagonal(n));
            es::widgets::HeatmapPlot& h = *view.heatmap();
            for (const QSize size : {QSize(700, 620), QSize(420, 320), QSize(1600, 1400)}) {
                h.plot()->toPixmap(size.width(), size.height(), 1.0);
                verify_labels_apart(h, n);
            }
            for (const QSize size : {QSize(640, 480), QSize(1000, 900)}) {
                view.resize(size);
                view.show();
                QVERIFY(QTest::qWaitForWindowExposed(&view));
                h.plot()->replot();
                verify_labels_apart(h, n);
            }
            // Tall enough for every label: none left out.
            h.plot()->toPixmap(1600, 1400, 1.0);
            if (n == 24) QCOMPARE(h.label_step(Qt::Vertical), 1);
        }
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
