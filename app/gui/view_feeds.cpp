// Feeds of the trajectory, spectrum and CKA views (see view_feeds.h).
#include "view_feeds.h"

#include <QElapsedTimer>
#include <QPointer>
#include <algorithm>
#include <atomic>
#include <memory>

#include "analysis/cka.h"
#include "analysis/spectrum.h"
#include "analysis/trajectory.h"
#include "cka_view.h"
#include "feed_support.h"
#include "main_window.h"
#include "spectrum_view.h"
#include "trajectory_view.h"

namespace es::app {

namespace {

// The memory the app's analyses share (issue 20: the app within 1 GB with every visible view).
// Besides them the process holds ~290 MB with a large dump open: measured by bench_app_open as
// the RSS once every visible result is drawn and no analysis runs (199 MB with the window shown
// before opening; Qt, VTK, the readers' caches, results and pictures), and peaks less the
// budgeted working sets gave 300-370 MB. With every heavy analysis leasing from the memory gate
// (numerics/memory_gate.h) the leases are bounded by this budget, and on M with the equaliser
// beside the spectrum and CKA the process peaked at 1040 MB with 704 MiB leased: 336 MB beside
// the leases while they compute. So the rest keeps 352 MB and the analyses get 672 MB.
constexpr std::size_t kRestOfProcess = std::size_t{352} << 20;
constexpr std::size_t kAnalysisMemory = (std::size_t{1024} << 20) - kRestOfProcess;
// The two analyses whose working memory grows with the dump, the spectrum (one T x D state and a
// T x T or D x D float64 Gram per layer computed) and CKA (centred layers, blocks of every
// layer's Gram rows), sit side by side in the default layout and run at once on the job pool:
// the spectrum gets at most half and CKA the rest (cka_memory). The spectrum computes two layers
// at once only when both fit in its half (on a 4096 x 4096 dump, ~200 MB each, they do not: one
// at a time); CKA holds as many whole Grams as its share allows (more Grams computed again when
// fewer fit, the same numbers). The other analyses hold small fixed blocks (the trajectory's block
// of tokens, at most 256 MiB, finishes first).
constexpr std::size_t kSpectrumMemory = kAnalysisMemory / 2;

// CKA's share: what the spectrum's layers and the small analyses running beside them leave of
// the analyses' budget. The spectrum takes its layers' working sets (two at once when they fit
// in its half: ~55 MB on a 33 x 4096 x 1024 dump); the trajectory's token block, the health scan
// and the analogy run beside CKA too (with CKA given all the rest, 652 MiB, the process peaked
// at 1049 MiB), so 128 MiB stay for them. On that dump CKA then holds 12 of the 33 Grams and
// computes 63 instead of 85 with a plain half.
constexpr std::size_t kSmallAnalyses = std::size_t{128} << 20;
std::size_t cka_memory(const Dump& dump, const std::string& stream_name) {
    const StreamInfo& s = dump.stream(stream_name);
    const double layer = analysis::spectrum_layer_bytes(s.n_tokens(), s.d, 0);
    const int at_once =
        analysis::spectrum_layers_at_once(s.n_states(), s.n_tokens(), s.d, 0, 0, kSpectrumMemory);
    const double spectrum = std::min(layer * at_once, static_cast<double>(kSpectrumMemory));
    return kAnalysisMemory - kSmallAnalyses - static_cast<std::size_t>(spectrum);
}

void feed_spectrum(MainWindow& window, widgets::SpectrumView* view) {
    // The selected state first, then outward; a new selection re-orders the layers not started
    // yet (the job is not restarted: its key has no layer, and what is done stays done).
    auto focus = std::make_shared<std::atomic<long long>>(0);
    auto request = stream_request<analysis::SpectrumOptions>(
        window, view,
        [&window, focus](widgets::SpectrumView* v, const Document* doc, auto options) {
            options.centred = v->centred();
            options.top_k = 0;  // values only; the projection and equaliser ask for directions
            options.memory_budget = kSpectrumMemory;  // two layers at once only when they fit
            // One layer at a time then runs on one BLAS thread: with two, CKA's preview waited
            // minutes on M (most likely OpenBLAS serialising calls from different threads behind
            // the layer's long two-thread Gram and eigensolve).
            const StreamInfo& stream = doc->dump()->stream(options.stream);
            if (analysis::spectrum_layers_at_once(stream.n_states(), stream.n_tokens(), stream.d,
                                                  options.top_k, 0, kSpectrumMemory) == 1)
                options.threads = 1;
            // The selected layer's top values first (within about a second) where its exact
            // values take seconds (M: a 4096 x 4096 float64 eigensolve), marked as an estimate.
            options.estimate_top = analysis::spectrum_estimate_top(stream.n_tokens(), stream.d);
            focus->store(window.selection_model()->selection().layer);
            options.focus = focus;
            const QString what =
                what_of("spectrum", {key_text(options.stream), kv("centred", options.centred),
                                     kv("top", options.top_k)});
            const Ask a{doc, options.stream, what, QObject::tr("spectra"), true};
            // Each layer is shown as it completes, marked partial, while the view still wants
            // this key; the complete result follows through the same event queue, so a partial
            // never overwrites it.
            QPointer<JobRunner> jobs(window.jobs());
            QPointer<widgets::SpectrumView> guard(v);
            const QString key = job_key(a), slot = v->view_id();
            options.on_layer = [guard, jobs, key, slot](const analysis::SpectrumResult& partial) {
                QMetaObject::invokeMethod(
                    guard.data(),
                    [guard, jobs, key, slot, partial] {
                        if (guard && jobs && jobs->wants(slot, key) && !jobs->cached(key))
                            guard->set_result(partial);
                    },
                    Qt::QueuedConnection);
            };
            ask(window, v, a, analysis_of(*doc, options, analysis::spectrum));
        });
    QObject::connect(window.selection_model(), &widgets::SelectionModel::layer_changed, view,
                     [focus](int layer) { focus->store(layer); });
    request_on_inputs(window, view, request, &widgets::SpectrumView::options_changed);
}

void feed_cka(MainWindow& window, widgets::CkaView* view) {
    auto request = stream_request<analysis::CkaOptions>(
        window, view, [&window](widgets::CkaView* v, const Document* doc, auto options) {
            Ask a{doc, options.stream, what_of("cka", {key_text(options.stream)}),
                  QObject::tr("CKA"), true};
            const int compare = window.selection_model()->selection().compare_document;
            if (compare > 0 && compare < static_cast<int>(window.documents().size()))
                a.other = window.documents()[static_cast<std::size_t>(compare)];
            std::shared_ptr<Dump> other = a.other ? a.other->dump() : nullptr;
            // First an estimate from a few hundred tokens (before CKA reads any layer whole),
            // then the pairs computed so far (exact; the view keeps the estimate, faded, in the
            // others); marked partial. The complete matrix follows through the same event queue,
            // so a partial never overwrites it.
            // Pairs are posted at most every 100 ms: a fast cross-covariance run completes
            // hundreds.
            QPointer<JobRunner> jobs(window.jobs());
            QPointer<widgets::CkaView> guard(v);
            const QString key = job_key(a), slot = v->view_id();
            auto post = [guard, jobs, key, slot](const analysis::CkaResult& partial) {
                QMetaObject::invokeMethod(
                    guard.data(),
                    [guard, jobs, key, slot, partial] {
                        if (guard && jobs && jobs->wants(slot, key) && !jobs->cached(key))
                            guard->set_result(partial);
                    },
                    Qt::QueuedConnection);
            };
            options.on_preview = post;
            options.on_pairs = [post, last = std::make_shared<QElapsedTimer>()](
                                   const analysis::CkaResult& partial) {
                if (last->isValid() && last->elapsed() < 100) return;
                last->start();
                post(partial);
            };
            // The selected layer's pairs first (read when the job starts: the key has no layer).
            options.focus =
                static_cast<std::size_t>(std::max(0, window.selection_model()->selection().layer));
            // CKA's share of the analyses' memory (see kAnalysisMemory): a dump whose centred
            // layers do not fit is read again for each block of Gram rows.
            options.memory_budget = cka_memory(*doc->dump(), options.stream);
            options.cache_bytes = options.memory_budget;  // the cross-covariance form's layers
            ask(window, v, a, [dump = doc->dump(), other, options](Progress& p) mutable {
                options.other = other.get();  // kept alive by the captured shared_ptr
                return analysis::cka(*dump, options, p);
            });
        });
    request_on_inputs(window, view, request);
}

void feed_trajectory(MainWindow& window, widgets::TrajectoryView* view) {
    auto request = stream_request<analysis::TrajectoryOptions>(
        window, view, [&window](widgets::TrajectoryView* v, const Document* doc, auto options) {
            std::shared_ptr<Dump> dump = doc->dump();
            options.include_final_norm = v->include_final_norm();
            const StreamInfo& stream = dump->stream(options.stream);
            Ask a{doc, stream.name,
                  what_of("trajectory",
                          {key_text(stream.name), kv("final_norm", options.include_final_norm)}),
                  QObject::tr("trajectories")};
            a.when_hidden = true;  // the presentation readout shows its numbers
            const bool final_norm = stream.last_is_final_norm;
            const QStringList texts = token_texts(*dump);
            auto show = [texts, final_norm](widgets::TrajectoryView& view,
                                            const analysis::TrajectoryResult& r) {
                view.set_result(r, texts, final_norm);
            };
            // Each layer's partial result shown as it comes (at most every 100 ms, once the
            // previous one is drawn), then the complete one.
            options.on_layer = partials_to<analysis::TrajectoryResult>(window, v, job_key(a), show);
            ask(window, v, a, analysis_of(*doc, options, analysis::trajectory), show);
        });
    request_on_inputs(window, view, request, &widgets::TrajectoryView::options_changed);
}

}  // namespace

std::size_t analysis_memory() {
    return kAnalysisMemory;
}

std::vector<ViewRow> layer_view_rows() {
    return {
        view_row("trajectory", DockPlace::First, feed_trajectory),
        view_row("spectrum", DockPlace::Beside, feed_spectrum,
                 {QStringLiteral("spectrum"), QStringLiteral("spectrogram")}),
        view_row("cka", DockPlace::Below, feed_cka),
    };
}

}  // namespace es::app
