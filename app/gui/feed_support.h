#pragma once
// Helpers every feed (view_feeds*.cpp) uses: when to re-request, which document and stream.
#include <QElapsedTimer>
#include <QFileInfo>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <atomic>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>

#include "bundle/bundle.h"
#include "cache/result_codec.h"
#include "gui_timing.h"
#include "main_window.h"
#include "util/error.h"
#include "version.h"

namespace es::app {

// Re-runs `request` when the primary dump changes or the selected stream (or compared dump) does.
template <typename V, typename Fn>
void on_inputs_changed(MainWindow& window, V* view, Fn request) {
    QObject::connect(&window, &MainWindow::primary_changed, view, [view, request] {
        const gui_timing::Scope timed(QStringLiteral("request ") + view->view_id());
        request();
    });
    QObject::connect(
        window.selection_model(), &widgets::SelectionModel::changed, view,
        [&window, view, request, stream = QString(),
         compare = -2](const widgets::Selection& s) mutable {
            if (s.stream == stream && s.compare_document == compare) return;
            stream = s.stream;
            compare = s.compare_document;
            if (window.refreshing_primary()) return;  // primary_changed() asks, once
            const gui_timing::Scope timed(QStringLiteral("request on stream ") + view->view_id());
            request();
        });
}

// A feed's request for a view: `request(view)`, only while the view exists.
template <typename V, typename Fn>
auto guarded(V* view, Fn request) {
    return [guard = QPointer<V>(view), request] {
        if (guard) request(guard.data());
    };
}

// Runs `request` now, and again when the view's inputs change (on_inputs_changed) or the view
// emits one of `changes` (its options changed: &View::options_changed).
template <typename V, typename Fn, typename... Changes>
void request_on_inputs(MainWindow& window, V* view, Fn request, Changes... changes) {
    on_inputs_changed(window, view, request);
    (QObject::connect(view, changes, view, request), ...);
    request();
}

// What a view's result is drawn from: its document, stream and compared document. While a new
// result for the same source is computed the view keeps its picture (marked as updating); for
// another source the picture goes at once (widgets/result_view.h).
inline QString view_source(const Document& doc, const std::string& stream = {},
                           const Document* other = nullptr) {
    return doc.id() + QLatin1Char('|') + QString::fromStdString(stream) + QLatin1Char('|') +
           (other ? other->id() : QString());
}

// The state line while computing: "spectra of run1.h5, stream resid".
inline QString computing_what(const QString& analysis, const Document& doc,
                              const std::string& stream = {}) {
    QString what = QObject::tr("%1 of %2").arg(analysis, QFileInfo(doc.path()).fileName());
    if (!stream.empty()) what += QObject::tr(", stream %1").arg(QString::fromStdString(stream));
    return what;
}

// Nothing to compute for this view: its pending job is dropped and it says why.
template <typename V>
void show_nothing(MainWindow& window, V* view, const QString& reason) {
    window.jobs()->cancel_slot(view->view_id());
    view->show_empty(reason);
}

// The primary document, or nullptr (the view then says `reason`).
template <typename V>
const Document* primary_document(MainWindow& window, V* view, const QString& reason = {}) {
    if (!window.documents().empty()) return window.documents().front();
    show_nothing(window, view, reason.isEmpty() ? QObject::tr("Open a dump first.") : reason);
    return nullptr;
}

// The primary document and its stream for the current selection, or nullptr (the view then says
// why).
template <typename V>
const Document* current_document(MainWindow& window, V* view, std::string& stream) {
    const Document* doc = primary_document(window, view);
    if (!doc) return nullptr;
    if (doc->dump()->streams().empty()) {
        show_nothing(window, view, QObject::tr("This dump has no activations (weights only)."));
        return nullptr;
    }
    stream = window.selection_model()->selection().stream.toStdString();
    if (!doc->dump()->find_stream(stream)) stream.clear();
    stream = doc->dump()->stream(stream).name;
    return doc;
}

// A view's request that needs the primary document and a stream: `fill(view, document,
// options)` runs with options whose stream is the selected one (or the dump's default), only when
// there is such a document; otherwise the view says why (current_document).
template <typename Options, typename V, typename Fill>
auto stream_request(MainWindow& window, V* view, Fill fill) {
    return guarded(view, [&window, fill](V* v) {
        Options options;
        if (const Document* doc = current_document(window, v, options.stream))
            fill(v, doc, std::move(options));
    });
}

// Wraps an expensive analysis in the disk cache: a hit is decoded instead of computed (on the
// worker thread, like the work), a miss is computed and stored. `what` names the analysis and
// its options ("spectrum/resid/centred=1"); the key adds the dump's identity (and the compared
// dump's, when there is one), the codec and the Eigenscope version.
template <typename R>
std::function<R(Progress&)> with_disk_cache(MainWindow& window, const Document& doc,
                                            const QString& what, std::function<R(Progress&)> work,
                                            const Document* other = nullptr) {
    std::shared_ptr<ResultCache> cache = window.result_cache();
    std::string key = doc.identity() + "|" + what.toStdString() + "|codec" +
                      std::to_string(cache::kCodecVersion) + "|" + EIGENSCOPE_VERSION;
    if (other) key += "|vs|" + other->identity();
    return [cache, key, work = std::move(work)](Progress& p) -> R {
        if (cache)
            if (auto bytes = cache->get(key)) {
                R r;
                if (cache::decode(*bytes, r)) return r;
            }
        R r = work(p);
        if (cache) cache->put(key, cache::encode(r));
        return r;
    };
}

// Text of one part of an analysis key.
inline QString key_text(const QString& s) {
    return s;
}
inline QString key_text(const std::string& s) {
    return QString::fromStdString(s);
}
template <typename T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
QString key_text(T v) {
    return QString::number(v);
}

// One option in a key: "top=10".
template <typename T>
QString kv(const char* name, const T& value) {
    return QString::fromLatin1(name) + QLatin1Char('=') + key_text(value);
}

// What is computed, as one string: "lens/resid/token=5/top=10". Job and disk-cache keys are made
// from it (job_key, with_disk_cache), so one function of the options names a result everywhere.
inline QString what_of(const char* analysis, std::initializer_list<QString> parts) {
    QStringList all{QString::fromLatin1(analysis)};
    for (const QString& p : parts) all << p;
    return all.join(QLatin1Char('/'));
}

// One analysis a view asks for: what it is of (the document, its stream, the compared
// document), what is computed (`what`: the analysis and its options as one string), what the
// state line says meanwhile, and whether the result is kept in the disk cache. Both the job key
// (the latest request per view wins, equal requests of two views share one computation) and the
// disk-cache key are made from `what` and the documents (job_key(), with_disk_cache()).
struct Ask {
    const Document* doc = nullptr;
    std::string stream;  // "" for analyses of weights
    QString what;        // "spectrum/resid/centred=1/top=0"
    QString computing;   // "spectra"
    bool disk_cached = false;
    const Document* other = nullptr;  // the compared document
    // Computed even while the view is hidden: the trajectory, whose numbers the presentation
    // readout shows whichever view is presented.
    bool when_hidden = false;
    // Of a results bundle: computed from its sampled token states (the 3-D view) rather than
    // taken from its bundled results.
    bool from_sample = false;
};

// "doc3/spectrum/resid/centred=1/top=0[/vs/doc4]": starts with the document's id so closing it
// cancels its jobs and forgets their results (JobRunner::cancel_prefix).
inline QString job_key(const Ask& a) {
    return a.doc->id() + QLatin1Char('/') + a.what +
           (a.other ? QStringLiteral("/vs/") + a.other->id() : QString());
}

// Whether results of type R can be kept in the disk cache (core/cache/result_codec.h has a codec).
template <typename R, typename = void>
struct has_codec : std::false_type {};
template <typename R>
struct has_codec<R, std::void_t<decltype(cache::encode(std::declval<const R&>()))>>
    : std::true_type {};

// The work of running an analysis `fn(dump, options, progress)` on a document's dump (the dump
// is kept alive by the work, so closing the document meanwhile is safe).
template <typename Options, typename Fn>
auto analysis_of(const Document& doc, Options options, Fn fn) {
    return [dump = doc.dump(), options = std::move(options), fn](Progress& p) {
        return fn(*dump, options, p);
    };
}

// The work for a view of a results bundle: the bundled result under `what`; without one, the
// computation on the bundle's sampled states when they are every token of the dump (then they are
// the dump's states), otherwise an error saying what the bundle lacks and which dump it needs.
template <typename R>
std::function<R(Progress&)> from_bundle(const Ask& a, std::function<R(Progress&)> work) {
    const std::string path = a.doc->dump()->path(), key = a.what.toStdString(),
                      label = a.computing.toStdString();
    const bundle::Provenance p = *a.doc->bundle();
    return [path, key, label, p, work = std::move(work)](Progress& progress) -> R {
        if constexpr (has_codec<R>::value) {
            if (auto bytes = bundle::read_entry(path, key)) {
                R r;
                if (cache::decode(*bytes, r)) return r;
                throw InputError(path + ": the bundled result " + key +
                                 " was written by another version of Eigenscope; bundle " +
                                 p.source + " again");
            }
        }
        if (p.sampled_tokens == p.tokens) return work(progress);
        throw InputError("This results bundle holds no " + label + " for these settings (" + key +
                         "): they need the token states of " + p.source + ", of which it keeps " +
                         std::to_string(p.sampled_tokens) + " of " + std::to_string(p.tokens) +
                         " tokens (stream " + p.stream + "). Open the dump itself for this view.");
    };
}

// Where a request says what it is doing: by default the view's state line (show_computing,
// show_error); a second request of a view, in a slot of its own (the Directions view's analogy),
// has a line of its own and leaves the view's state to the first.
template <typename V>
struct StateLine {
    std::function<void(V&, const QString& source, const QString& what)> computing =
        [](V& v, const QString& source, const QString& what) { v.show_computing(source, what); };
    std::function<void(V&, const QString& error)> error = [](V& v, const QString& e) {
        v.show_error(e);
    };
};

// Runs `work` (Progress& -> R, on a worker thread) for a view, in the view's slot (or `slot`):
// the view's line (`line`) shows what is computed, then the view the result (through
// `show(view, result)`) or the line the error, only if it still wants this result by then.
template <typename V, typename Work, typename Show>
void ask(MainWindow& window, V* view, const Ask& a, Work work, Show show, QString slot = {},
         StateLine<V> line = {}) {
    using R = std::decay_t<std::invoke_result_t<Work&, Progress&>>;
    if (slot.isEmpty()) slot = view->view_id();
    const QString source = view_source(*a.doc, a.stream, a.other);
    // Asks again, the same way, if the view is still there (a hold or a suspended run resumes).
    auto again = [&window, guard = QPointer<V>(view), a, work, show, slot, line] {
        if (guard) ask(window, guard.data(), a, work, show, slot, line);
    };
    if (!a.when_hidden && window.waits_until_shown(view)) {
        // Hidden behind another tab, or closed: nothing computes until it is shown (the runner
        // drops the hold when the slot asks again, is cancelled or its document closes).
        line.computing(*view, source,
                       computing_what(a.computing, *a.doc, a.stream) +
                           QObject::tr(" (starts when this view is shown)"));
        window.jobs()->hold(slot, job_key(a), view, again);
        return;
    }
    // Let go if the view is hidden while this runs; asked again when it is shown.
    if (!a.when_hidden) window.jobs()->resumable(slot, job_key(a), view, again);
    std::function<R(Progress&)> run = std::move(work);
    if (a.doc->bundle() && !a.from_sample) {
        run = from_bundle<R>(a, std::move(run));
    } else if constexpr (has_codec<R>::value) {
        if (a.disk_cached)
            run = with_disk_cache<R>(window, *a.doc, a.what, std::move(run), a.other);
    } else {
        Q_ASSERT_X(!a.disk_cached, "ask", "a disk-cached result needs a codec in core/cache");
    }
    line.computing(*view, source, computing_what(a.computing, *a.doc, a.stream));
    QPointer<V> guard(view);
    window.jobs()->template request_as<R>(
        slot, job_key(a), std::move(run),
        [guard, show](const R& r) {
            if (guard) show(*guard, r);
        },
        [guard, error = line.error](const QString& e) {
            if (guard) error(*guard, e);
        });
}

// An analysis' partial results, shown as they come while the view still wants `key`: posted to
// the GUI thread at most every 100 ms and only once the previous one is drawn (a redraw can take
// longer than that, and queued partials would each stall the event loop); the complete result
// follows through the same event queue, so a partial never overwrites it.
template <typename R, typename V, typename Show>
std::function<void(const R&)> partials_to(MainWindow& window, V* view, const QString& key,
                                          Show show) {
    QPointer<JobRunner> jobs(window.jobs());
    QPointer<V> guard(view);
    const QString slot = view->view_id();
    auto drawing = std::make_shared<std::atomic<bool>>(false);
    auto last = std::make_shared<QElapsedTimer>();
    return [guard, jobs, key, slot, show, drawing, last](const R& partial) {
        if ((last->isValid() && last->elapsed() < 100) || drawing->load()) return;
        last->start();
        drawing->store(true);
        QMetaObject::invokeMethod(
            guard.data(),
            [guard, jobs, key, slot, show, partial, drawing] {
                if (guard && jobs && jobs->wants(slot, key) && !jobs->cached(key))
                    show(*guard, partial);
                drawing->store(false);
            },
            Qt::QueuedConnection);
    };
}

// The common case: the view shows the result with set_result(result).
template <typename V, typename Work>
void ask(MainWindow& window, V* view, const Ask& a, Work work) {
    ask(window, view, a, std::move(work), [](V& v, const auto& r) { v.set_result(r); });
}

// Every token's display text by flat index.
inline QStringList token_texts(const Dump& dump) {
    QStringList out;
    out.reserve(static_cast<int>(dump.tokens().size()));
    for (const TokenInfo& t : dump.tokens()) out << QString::fromStdString(t.label());
    return out;
}

}  // namespace es::app
