// What is on screen computes first (issue 20): a view behind another tab does not compute until
// it is shown; a request superseded by a layer change is cancelled; a partial result is marked
// as partial in the view and never exported as if it were complete. Drives the real MainWindow,
// shown (offscreen), on the demo dump.
#include <qcustomplot.h>

#include <QDir>
#include <QFile>
#include <QLabel>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <optional>

#include "analysis/analogy.h"
#include "analysis/cka.h"
#include "analysis/project.h"
#include "analysis/spectrum.h"
#include "analysis/trajectory.h"
#include "app_test_support.h"
#include "cka_view.h"
#include "directions_view.h"
#include "export/figure_export.h"
#include "io/dump.h"
#include "main_window.h"
#include "projection3d_view.h"
#include "result_view.h"
#include "spectrum_view.h"
#include "timescales_view.h"
#include "trajectory_view.h"
#include "util/foreground.h"
#include "util/progress.h"
#include "view_dock.h"

using es::test::open_and_wait;
using es::widgets::ResultView;
using es::widgets::ViewState;

namespace {

QString demo() {
    return QStringLiteral(EIGENSCOPE_SOURCE_DIR "/resources/demo/demo.h5");
}

template <typename V>
V* view_of(es::app::MainWindow& w, const char* id) {
    return qobject_cast<V*>(w.dock(QString::fromLatin1(id))->view());
}

// The keys of the jobs the runner finished (and whether they completed), in order. Declared
// after the window, it goes first: its connection's context is its own, so that the jobs the
// window cancels as it closes do not append to a list that is gone.
struct Finished {
    QStringList keys;
    QList<bool> ok;
    QObject scope;
    explicit Finished(es::app::JobRunner* jobs) {
        QObject::connect(jobs, &es::app::JobRunner::job_finished, &scope,
                         [this](const QString& key, qint64, bool completed) {
                             keys << key;
                             ok << completed;
                         });
    }
    bool any(const QString& part) const {
        for (const QString& k : keys)
            if (k.contains(part)) return true;
        return false;
    }
};

}  // namespace

class TestProgressive : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void hiddenViewsStartWhenShown() {
        es::app::MainWindow w;
        w.clear_result_cache();
        w.resize(1400, 900);
        w.show();
        Finished finished(w.jobs());
        QVERIFY(open_and_wait(w, demo()));
        auto* equaliser = qobject_cast<ResultView*>(w.dock(QStringLiteral("equaliser"))->view());
        auto* timescales = qobject_cast<ResultView*>(w.dock(QStringLiteral("timescales"))->view());
        ResultView* trajectory = view_of<ResultView>(w, "trajectory");
        ResultView* spectrum = view_of<ResultView>(w, "spectrum");
        // The default layout: trajectory, spectrum and CKA on screen, the rest tabbed behind CKA.
        QVERIFY(w.on_screen(trajectory) && w.on_screen(spectrum));
        QStringList shown;
        for (es::widgets::View* v : w.views())
            if (w.on_screen(v)) shown << v->view_id();
        QCOMPARE(shown, (QStringList{"dataset", "trajectory", "spectrum", "cka"}));
        QTRY_VERIFY_WITH_TIMEOUT(trajectory->state() == ViewState::Result &&
                                     spectrum->state() == ViewState::Result &&
                                     spectrum->incomplete().isEmpty(),
                                 30000);
        QVERIFY(w.jobs()->wait_for_idle(30000));
        // The hidden ones wait: held in the runner, said in their state line and in the status
        // bar, and never started.
        QVERIFY(w.jobs()->held(QStringLiteral("equaliser")));
        QVERIFY(w.jobs()->held(QStringLiteral("timescales")));
        QCOMPARE(equaliser->state(), ViewState::Computing);
        QVERIFY2(equaliser->state_text().contains(QLatin1String("starts when this view is shown")),
                 qPrintable(equaliser->state_text()));
        QVERIFY(!finished.any(QStringLiteral("/equaliser/")));
        QVERIFY(!finished.any(QStringLiteral("/timescales/")));
        // The Directions view's analogy (a slot of its own) waits too.
        QVERIFY(w.jobs()->held(QStringLiteral("directions.analogy")));
        QVERIFY(!finished.any(QStringLiteral("/analogy/")));
        auto* status = w.findChild<QLabel*>(QStringLiteral("statusJobs"));
        QVERIFY(status);
        QVERIFY2(status->text().contains(QLatin1String("wait until shown")),
                 qPrintable(status->text()));

        // Shown (its tab brought forward): it computes now, and only it.
        w.dock(QStringLiteral("equaliser"))->raise();
        QTRY_VERIFY_WITH_TIMEOUT(w.on_screen(equaliser), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(equaliser->state(), ViewState::Result, 30000);
        // The Result state comes with the equaliser's first (partial) picture, before its job
        // ends: under load the check below ran in between.
        QTRY_VERIFY_WITH_TIMEOUT(finished.any(QStringLiteral("/equaliser/")), 30000);
        QVERIFY(!w.jobs()->held(QStringLiteral("equaliser")));
        QVERIFY(w.jobs()->held(QStringLiteral("timescales")));
        QVERIFY(!finished.any(QStringLiteral("/timescales/")));
        w.dock(QStringLiteral("directions"))->raise();
        QTRY_VERIFY_WITH_TIMEOUT(finished.any(QStringLiteral("/analogy/")), 30000);
        QVERIFY(!w.jobs()->held(QStringLiteral("directions.analogy")));

        // A view closed and opened again from the View menu: the same.
        w.dock(QStringLiteral("timescales"))->close();
        w.selection_model()->set_layer(2);  // an input change while closed: still held
        QVERIFY(w.jobs()->held(QStringLiteral("timescales")));
        w.dock(QStringLiteral("timescales"))->show();
        w.dock(QStringLiteral("timescales"))->raise();
        QTRY_COMPARE_WITH_TIMEOUT(timescales->state(), ViewState::Result, 30000);
        QVERIFY(finished.any(QStringLiteral("/timescales/")));
        QCOMPARE(view_of<es::widgets::TimescalesView>(w, "timescales")->result()->layer,
                 std::size_t{2});
    }

    // The Directions view's analogy (a slot of its own) goes through ask() like every view's own
    // request: held while the view is hidden, started when shown, let go when the view is hidden
    // while it runs, asked again when shown, and then complete with the numbers of an
    // uninterrupted computation.
    void analogyHoldsSuspendsAndResumes() {
        es::app::MainWindow w;
        w.clear_result_cache();
        w.resize(1400, 900);
        w.show();
        Finished finished(w.jobs());
        QVERIFY(open_and_wait(w, demo()));
        auto* view = view_of<es::widgets::DirectionsView>(w, "directions");
        const QString slot = QStringLiteral("directions.analogy");
        QVERIFY(!w.on_screen(view));
        QVERIFY(w.jobs()->wait_for_idle(30000));
        // Hidden: held, said in its own line, never started.
        QVERIFY(w.jobs()->held(slot));
        QVERIFY2(view->analogy_line()->text().contains(QLatin1String("starts when this view")),
                 qPrintable(view->analogy_line()->text()));
        QVERIFY(!finished.any(QStringLiteral("/analogy/")));

        // Shown: it starts; sent behind another tab the moment it runs, it is let go. It must
        // still be running when the tab switch's suspend comes (a queued call after the switch):
        // on the demo the analogy takes a few ms, and on a fast machine it ended first (6 of 6
        // runs on a Zen 5 EPYC). So the test holds the foreground meanwhile: the runner's jobs
        // wait at their checks while it is open (util/foreground.h), whatever the machine.
        std::optional<es::util::ForegroundScope> jobs_wait(std::in_place);
        bool sent_behind = false;
        const auto connection =
            QObject::connect(w.jobs(), &es::app::JobRunner::activity_changed, view, [&] {
                if (sent_behind || !w.jobs()->activity().join(' ').contains("analogy:")) return;
                sent_behind = true;
                w.dock(QStringLiteral("equaliser"))->raise();
            });
        w.dock(QStringLiteral("directions"))->raise();
        QTRY_VERIFY_WITH_TIMEOUT(sent_behind, 10000);
        QObject::disconnect(connection);
        QTRY_VERIFY_WITH_TIMEOUT(w.jobs()->held(slot), 5000);
        jobs_wait.reset();
        QTRY_VERIFY_WITH_TIMEOUT(finished.any(QStringLiteral("/analogy/")), 10000);
        const int first = static_cast<int>(
            std::find_if(finished.keys.begin(), finished.keys.end(),
                         [](const QString& k) { return k.contains("/analogy/"); }) -
            finished.keys.begin());
        QVERIFY2(!finished.ok[first], "the analogy ended cancelled, not complete");
        QVERIFY(!w.jobs()->cached(finished.keys[first]));
        QVERIFY(!view->analogy_curves().has_value());

        // Shown again: asked again, and it completes.
        QList<std::pair<double, QString>> reports;  // the analogy's progress, as the bar got it
        QObject reports_scope;                      // goes with `reports`, before the window
        QObject::connect(w.jobs(), &es::app::JobRunner::progress, &reports_scope,
                         [&reports](double f, const QString& message) {
                             if (message.contains(QLatin1String("analogy")))
                                 reports.append({f, message});
                         });
        w.dock(QStringLiteral("directions"))->raise();
        QTRY_VERIFY_WITH_TIMEOUT(view->analogy_curves().has_value(), 30000);
        QVERIFY(!w.jobs()->held(slot));
        QCOMPARE(finished.keys.count(finished.keys[first]), 2);
        QVERIFY(finished.ok[finished.keys.lastIndexOf(finished.keys[first])]);
        // Its two passes (raw, normalised) share the job's progress: only the very last report is
        // 100% (the raw pass's end, never held back by the 50 ms throttle at 100%, was, and the
        // second pass then said 100% throughout).
        QVERIFY(reports.size() >= 2);
        QVERIFY(std::abs(reports.last().first - 1.0) < 1e-12);
        for (int i = 0; i + 1 < reports.size(); ++i) {
            QVERIFY2(reports[i].first < 1.0, qPrintable(reports[i].second));
            QVERIFY(reports[i].first <= reports[i + 1].first);
        }

        // The numbers of an uninterrupted computation on the same dump (the same code, so the
        // tolerance only guards against a different summation order).
        auto dump = es::Dump::open(demo().toStdString());
        es::analysis::AnalogyOptions o;
        o.stream = dump->stream().name;
        o.query = view->analogy().toStdString();
        o.expect = view->expected().toStdString();
        o.all_layers = true;
        o.top = 5;
        const auto raw = es::analysis::analogy(*dump, o, es::no_progress());
        o.normalize = true;
        const auto normalized = es::analysis::analogy(*dump, o, es::no_progress());
        const es::widgets::AnalogyCurves& shown = *view->analogy_curves();
        for (const auto& [got, want] :
             {std::pair{&shown.raw, &raw}, std::pair{&shown.normalized, &normalized}}) {
            QCOMPARE(got->normalized, want->normalized);
            QCOMPARE(got->layers.size(), want->layers.size());
            QVERIFY(want->layers.size() > 1);
            for (std::size_t l = 0; l < want->layers.size(); ++l) {
                const auto& g = got->layers[l];
                const auto& e = want->layers[l];
                QCOMPARE(g.layer, e.layer);
                QCOMPARE(g.expected_rank, e.expected_rank);
                QVERIFY(g.expected_cosine.has_value() && e.expected_cosine.has_value());
                QVERIFY(std::abs(*g.expected_cosine - *e.expected_cosine) < 1e-12);
                QCOMPARE(g.results.size(), e.results.size());
                for (std::size_t k = 0; k < e.results.size(); ++k) {
                    QCOMPARE(g.results[k].token, e.results[k].token);
                    QVERIFY(std::abs(g.results[k].cosine - e.results[k].cosine) < 1e-12);
                }
            }
        }
    }

    void layerChangeCancelsTheSupersededRequest() {
        es::app::MainWindow w;
        w.clear_result_cache();
        w.resize(1400, 900);
        w.show();
        QVERIFY(open_and_wait(w, demo()));
        w.dock(QStringLiteral("timescales"))->raise();
        auto* timescales = view_of<es::widgets::TimescalesView>(w, "timescales");
        QTRY_COMPARE_WITH_TIMEOUT(timescales->state(), ViewState::Result, 30000);
        QVERIFY(w.jobs()->wait_for_idle(30000));
        Finished finished(w.jobs());
        w.selection_model()->set_layer(1);  // starts a job for layer 1 ...
        w.selection_model()->set_layer(3);  // ... superseded at once
        QVERIFY(w.jobs()->wait_for_idle(30000));
        int cancelled = -1, completed = -1;
        for (int i = 0; i < finished.keys.size(); ++i) {
            if (!finished.keys[i].contains(QLatin1String("/timescales/"))) continue;
            if (finished.keys[i].contains(QLatin1String("layer=1"))) cancelled = i;
            if (finished.keys[i].contains(QLatin1String("layer=3"))) completed = i;
        }
        QVERIFY2(cancelled >= 0 && completed >= 0, qPrintable(finished.keys.join(", ")));
        QVERIFY2(!finished.ok[cancelled], "the layer-1 request ended cancelled");
        QVERIFY(finished.ok[completed]);
        QCOMPARE(timescales->result()->layer, std::size_t{3});
        QVERIFY(!w.jobs()->cached(finished.keys[cancelled]));
    }

    // A partial result (real partial results of the core analyses on the demo: spectra with layers
    // pending, the trajectory's first layers, CKA's estimate from a few tokens) is marked in the
    // view, and neither its figure nor its numbers are exported; the complete one is.
    void partialResultIsMarkedAndNeverExported() {
        auto dump = es::Dump::open(demo().toStdString());
        es::analysis::SpectrumOptions so;
        so.top_k = 0;
        so.threads = 1;
        so.focus = std::make_shared<std::atomic<long long>>(2);
        std::vector<es::analysis::SpectrumResult> partial_spectra;
        so.on_layer = [&](const es::analysis::SpectrumResult& p) { partial_spectra.push_back(p); };
        const es::analysis::SpectrumResult full =
            es::analysis::spectrum(*dump, so, es::no_progress());
        QVERIFY(partial_spectra.size() >= 2);
        es::analysis::TrajectoryOptions to;
        std::vector<es::analysis::TrajectoryResult> partial_traj;
        to.on_layer = [&](const es::analysis::TrajectoryResult& p) { partial_traj.push_back(p); };
        const es::analysis::TrajectoryResult traj =
            es::analysis::trajectory(*dump, to, es::no_progress());
        QVERIFY(!partial_traj.empty() &&
                partial_traj.front().layers_total > partial_traj.front().layers.size());

        es::widgets::SpectrumView spectrum;
        es::widgets::TrajectoryView trajectory;
        QTemporaryDir dir;
        const es::widgets::ExportOptions options;
        es::widgets::Provenance provenance;
        auto refused = [&](es::widgets::View* v, const QString& figure, const QString& ext) {
            const QString path = dir.filePath(figure + ext);
            QString error;
            const bool ok =
                es::widgets::export_figure(v, figure, path, options, provenance, &error);
            return !ok && error.contains(QLatin1String("partial result")) && !QFile::exists(path);
        };
        spectrum.show_computing(QStringLiteral("doc1|resid|"), QStringLiteral("spectra"));
        spectrum.set_result(partial_spectra.front());  // state 2 alone
        QCOMPARE(spectrum.state(), ViewState::Result);
        QVERIFY(spectrum.partial());
        QCOMPARE(spectrum.incomplete(), QStringLiteral("1 of %1 layers").arg(full.layers.size()));
        QVERIFY(!es::widgets::figure_ready(&spectrum, QStringLiteral("spectrum")));
        for (const QString& ext : {QStringLiteral(".json"), QStringLiteral(".csv"),
                                   QStringLiteral(".png"), QStringLiteral(".svg")}) {
            QVERIFY2(refused(&spectrum, QStringLiteral("spectrum"), ext), qPrintable(ext));
            QVERIFY2(refused(&spectrum, QStringLiteral("spectrogram"), ext), qPrintable(ext));
        }
        QJsonObject json;
        QString error;
        QVERIFY(!es::widgets::figure_numbers(&spectrum, QStringLiteral("spectrum"), &json, nullptr,
                                             &error));
        QVERIFY(error.contains(QLatin1String("partial result")));
        auto* status = spectrum.findChild<QLabel*>(QStringLiteral("status"));
        QVERIFY(status && status->text().startsWith(QLatin1String("partial: 1 of")));
        // The spectrogram keeps every state as a row, the pending ones empty.
        QCOMPARE(spectrum.spectrogram()->data().rows, static_cast<int>(full.layers.size()));

        spectrum.set_result(full);
        QVERIFY(!spectrum.partial() && spectrum.incomplete().isEmpty());
        QVERIFY(!status->text().contains(QLatin1String("partial")));
        const QString out = dir.filePath(QStringLiteral("complete.json"));
        QVERIFY2(es::widgets::export_figure(&spectrum, QStringLiteral("spectrum"), out, options,
                                            provenance, &error),
                 qPrintable(error));

        // CKA's first picture, an estimate from a few tokens: marked, not exported.
        es::analysis::CkaOptions co;
        std::vector<es::analysis::CkaResult> previews;
        co.gram_scheme = "rows";  // no pair before the end: an estimate first
        co.preview_tokens = 16;
        co.on_preview = [&](const es::analysis::CkaResult& p) { previews.push_back(p); };
        const es::analysis::CkaResult exact = es::analysis::cka(*dump, co, es::no_progress());
        QCOMPARE(previews.size(), std::size_t{1});
        es::widgets::CkaView cka;
        cka.show_computing(QStringLiteral("doc1|resid|"), QStringLiteral("CKA"));
        cka.set_result(previews.front());
        QCOMPARE(cka.incomplete(), QStringLiteral("an estimate from 16 tokens"));
        // Hatched all over, like the estimated cells among exact pairs below.
        const auto& estimate_cells = cka.heatmap()->data().faint;
        QCOMPARE(estimate_cells.size(),
                 previews.front().matrix.size() * previews.front().matrix.size());
        QVERIFY(std::all_of(estimate_cells.begin(), estimate_cells.end(),
                            [](unsigned char f) { return f != 0; }));
        QVERIFY(refused(&cka, QStringLiteral("cka"), QStringLiteral(".json")));
        QVERIFY(refused(&cka, QStringLiteral("cka"), QStringLiteral(".pdf")));
        auto* cka_status = cka.findChild<QLabel*>(QStringLiteral("status"));
        QVERIFY(cka_status && cka_status->text().startsWith(QLatin1String("partial:")));
        // The pairs computed so far (exact, the others empty): marked, not exported.
        std::vector<es::analysis::CkaResult> pairs;
        es::analysis::CkaOptions po;
        po.gram_scheme = "panels";
        po.panel_grams = 2;
        po.on_pairs = [&](const es::analysis::CkaResult& p) { pairs.push_back(p); };
        es::analysis::cka(*dump, po, es::no_progress());
        QVERIFY(pairs.size() >= 2);
        cka.set_result(pairs.front());
        QCOMPARE(cka.incomplete(), QStringLiteral("%1 of %2 layer pairs computed so far")
                                       .arg(pairs.front().pairs_done)
                                       .arg(pairs.front().pairs_total));
        QVERIFY(refused(&cka, QStringLiteral("cka"), QStringLiteral(".csv")));
        QVERIFY(refused(&cka, QStringLiteral("cka"), QStringLiteral(".png")));
        QVERIFY(cka_status->text().startsWith(QLatin1String("partial: 1 of")));
        QVERIFY(cka_status->text().contains(QLatin1String("hatched: an estimate from 16 tokens")));
        // The heatmap shows the exact values of the pairs computed and, after the estimate of
        // the same matrix, the estimate (faded and hatched) for the others: never blank.
        const auto L = static_cast<int>(exact.matrix.size());
        const auto at = [](const es::analysis::CkaResult& r, int i, int j) {
            return *r.matrix[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
        };
        const auto faint_items = [&cka] {
            int n = 0;
            QCustomPlot* plot = cka.heatmap()->plot();
            for (int k = 0; k < plot->itemCount(); ++k)
                n += plot->item(k)->objectName() == QLatin1String("faint");
            return n;
        };
        int faint = 0;
        for (int i = 0; i < L; ++i)
            for (int j = 0; j < L; ++j) {
                const auto shown = cka.heatmap()->value(i, j);
                QVERIFY(shown.has_value());
                const bool computed = pairs.front().computed[static_cast<std::size_t>(i * L + j)];
                QCOMPARE(cka.shows_estimate(i, j), !computed);
                QCOMPARE(cka.heatmap()->data().faint[static_cast<std::size_t>(i * L + j)] != 0,
                         !computed);
                faint += !computed;
                // Values copied, not recomputed; the tolerance only guards the lookup.
                QVERIFY(std::abs(*shown - at(computed ? exact : previews.front(), i, j)) < 1e-12);
            }
        QVERIFY(faint > 0);
        QVERIFY(faint_items() > 0);
        // Partial pairs with no estimate of this matrix before them (another document's): the
        // pairs not computed stay empty.
        es::widgets::CkaView fresh;
        fresh.show_computing(QStringLiteral("doc1|resid|"), QStringLiteral("CKA"));
        fresh.set_result(pairs.front());
        QVERIFY(!fresh.incomplete().isEmpty());
        QVERIFY(refused(&fresh, QStringLiteral("cka"), QStringLiteral(".json")));
        for (int i = 0; i < L; ++i)
            for (int j = 0; j < L; ++j) {
                QCOMPARE(fresh.heatmap()->value(i, j).has_value(),
                         pairs.front().computed[static_cast<std::size_t>(i * L + j)] != 0);
                QVERIFY(!fresh.shows_estimate(i, j));
            }
        cka.set_result(exact);
        QVERIFY(cka.incomplete().isEmpty());
        QVERIFY(cka.heatmap()->data().faint.empty());
        QCOMPARE(faint_items(), 0);
        for (int i = 0; i < L; ++i) QVERIFY(!cka.shows_estimate(i, 0));
        QVERIFY(es::widgets::export_figure(&cka, QStringLiteral("cka"),
                                           dir.filePath(QStringLiteral("cka.json")), options,
                                           provenance, &error));

        // The projection's first picture, the selected layer on its own basis: marked, not
        // exported; the pooled result is complete.
        std::vector<es::analysis::ProjectResult> projections;
        es::analysis::ProjectOptions pro;
        pro.focus = 1;
        pro.on_preview = [&](const es::analysis::ProjectResult& p) { projections.push_back(p); };
        const es::analysis::ProjectResult pooled =
            es::analysis::project(*dump, pro, es::no_progress());
        QCOMPARE(projections.size(), std::size_t{1});
        es::widgets::Projection3dView projection;
        projection.show_computing(QStringLiteral("doc1|resid|"), QStringLiteral("projection"));
        projection.set_result(projections.front(), dump->tokens());
        QVERIFY(projection.incomplete().contains(QLatin1String("only state 1")));
        QVERIFY(refused(&projection, QStringLiteral("projection3d"), QStringLiteral(".csv")));
        projection.set_result(pooled, dump->tokens());
        QVERIFY(projection.incomplete().isEmpty());

        trajectory.show_computing(QStringLiteral("doc1|resid|"), QStringLiteral("trajectories"));
        trajectory.set_result(partial_traj.front(), {}, false);
        QVERIFY(!trajectory.incomplete().isEmpty());
        QVERIFY(refused(&trajectory, QStringLiteral("trajectory"), QStringLiteral(".csv")));
        QVERIFY(refused(&trajectory, QStringLiteral("trajectory"), QStringLiteral(".png")));
        trajectory.set_result(traj, {}, false);
        QVERIFY(trajectory.incomplete().isEmpty());
        QVERIFY(es::widgets::export_figure(&trajectory, QStringLiteral("trajectory"),
                                           dir.filePath(QStringLiteral("t.csv")), options,
                                           provenance, &error));
    }
};

QTEST_MAIN(TestProgressive)
#include "test_progressive.moc"
