#pragma once
// Shared by the 2D view tests: dumps opened from the fixtures or the demo and analysed, a view
// following its own selection model, plot items found by name, the image-baseline check, and
// the refusal to export a partial result.
#include <qcustomplot.h>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QString>
#include <QTest>
#include <memory>
#include <optional>
#include <string>

#include "export/figure_export.h"
#include "image_baseline.h"
#include "io/dump.h"
#include "selection.h"
#include "util/progress.h"

namespace es::test {

// tests/fixtures/<relative>
inline std::shared_ptr<es::Dump> open_fixture(const char* relative) {
    return es::Dump::open(std::string(EIGENSCOPE_FIXTURES "/") + relative);
}

// resources/demo/demo.h5
inline std::shared_ptr<es::Dump> open_demo() {
    return es::Dump::open(std::string(EIGENSCOPE_SOURCE_DIR) + "/resources/demo/demo.h5");
}

// One analysis of a whole dump (es::analysis::cka, spectrum, ...) with a progress of its own.
template <typename Options, typename Result>
Result analyse(const es::Dump& dump,
               Result (*analysis)(const es::Dump&, const Options&, es::Progress&),
               const Options& options = {}) {
    es::Progress progress;
    return analysis(dump, options, progress);
}

template <typename Options, typename Result>
Result analyse(const char* fixture,
               Result (*analysis)(const es::Dump&, const Options&, es::Progress&),
               const Options& options = {}) {
    return analyse(*open_fixture(fixture), analysis, options);
}

// tests/fixtures/<script> run with Debian's h5py, writing its files into `dir`; true when it did.
inline bool write_fixtures(const QString& script, const QString& dir) {
    QProcess p;
    p.start(QStringLiteral(EIGENSCOPE_PYTHON),
            {QStringLiteral("-B"),
             QStringLiteral(EIGENSCOPE_SOURCE_DIR "/tests/fixtures/") + script, dir});
    return p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

// A view following a selection model of its own: `layers` states (when given), `layer` selected
// (when given), both set before the view follows.
template <typename View>
struct Following {
    explicit Following(std::optional<int> layers = std::nullopt,
                       std::optional<int> layer = std::nullopt) {
        if (layers) model.set_layer_count(*layers);
        if (layer) model.set_layer(*layer);
        view.follow(&model);
    }
    es::widgets::SelectionModel model;
    View view;
};

// The plot's items whose objectName is `name`: how many, and the first.
inline int items_named(QCustomPlot* plot, const QString& name) {
    int n = 0;
    for (int i = 0; i < plot->itemCount(); ++i) n += plot->item(i)->objectName() == name ? 1 : 0;
    return n;
}

inline QCPAbstractItem* item_named(QCustomPlot* plot, const QString& name) {
    for (int i = 0; i < plot->itemCount(); ++i)
        if (plot->item(i)->objectName() == name) return plot->item(i);
    return nullptr;
}

}  // namespace es::test

// Compares `image` with tests/baselines/<name>.png (compare_to_baseline's defaults), logs the
// outcome and fails the test function when it differs.
#define VERIFY_BASELINE(image, name)                                       \
    do {                                                                   \
        const auto baseline_ = es::test::compare_to_baseline(image, name); \
        qInfo("%s", qPrintable(baseline_.message));                        \
        QVERIFY2(baseline_.ok, qPrintable(baseline_.message));             \
    } while (false)

// The first plottable of `plot` is `count` bars whose values are values[0 .. count) (QCOMPARE's
// fuzzy comparison of doubles).
#define COMPARE_BARS(plot, values, count)                                                   \
    do {                                                                                    \
        auto* bars_ = qobject_cast<QCPBars*>((plot)->plottable(0));                         \
        QVERIFY(bars_);                                                                     \
        QCOMPARE(bars_->data()->size(), count);                                             \
        for (int i_ = 0; i_ < (count); ++i_)                                                \
            QCOMPARE(bars_->data()->at(i_)->value, (values)[static_cast<std::size_t>(i_)]); \
    } while (false)

// Exporting `figure` of `view` as `dir`/`stem` with each extension in `exts` (QStringList) is
// refused, says it is a partial result, and writes nothing: a partial result is never exported
// as if complete (issue 20).
#define VERIFY_NO_PARTIAL_EXPORT(view, figure, dir, stem, exts)                                \
    do {                                                                                       \
        const es::widgets::ExportOptions options_;                                             \
        const es::widgets::Provenance provenance_;                                             \
        for (const QString& ext_ : (exts)) {                                                   \
            const QString path_ = (dir).filePath(QStringLiteral(stem) + ext_);                 \
            QString error_;                                                                    \
            QVERIFY(!es::widgets::export_figure(view, QStringLiteral(figure), path_, options_, \
                                                provenance_, &error_));                        \
            QVERIFY2(error_.contains(QLatin1String("partial result")), qPrintable(error_));    \
            QVERIFY(!QFile::exists(path_));                                                    \
        }                                                                                      \
    } while (false)
