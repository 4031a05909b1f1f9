// Feeds of the equaliser, attention, logit-lens and timescales views (see view_feeds.h).
#include <QPointer>
#include <algorithm>
#include <atomic>
#include <memory>

#include "analysis/attention.h"
#include "analysis/direction_spec.h"
#include "analysis/equaliser.h"
#include "analysis/lens.h"
#include "analysis/timescales.h"
#include "attention_view.h"
#include "cache/part_codec.h"
#include "equaliser_view.h"
#include "feed_support.h"
#include "lens_view.h"
#include "main_window.h"
#include "timescales_view.h"
#include "util/error.h"
#include "view_feeds.h"

namespace es::app {

namespace {

// Re-runs `request` when the view's token (first selected, else the prompt's first) changes.
template <typename V, typename Fn>
void on_token_changed(MainWindow& window, V* view, Fn request) {
    QObject::connect(window.selection_model(), &widgets::SelectionModel::changed, view,
                     [view, request, last = -1](const widgets::Selection& s) mutable {
                         const int token = view->token_for(s);
                         if (token == last) return;
                         last = token;
                         request();
                     });
}

// The token a token-following view (equaliser, lens) shows: its first selected token, else the
// selected prompt's first, clamped to the stream. The view learns the prompt length for that.
template <typename V>
std::size_t followed_token(MainWindow& window, V* view, const StreamInfo& s) {
    view->set_positions(static_cast<int>(s.n_positions));
    const int token = view->token_for(window.selection_model()->selection());
    return static_cast<std::size_t>(
        std::clamp(token, 0, std::max(static_cast<int>(s.n_tokens()) - 1, 0)));
}

// A token-following view asks again when its token, the document, stream or its options change.
template <typename V, typename Fn>
void request_on_token_and_inputs(MainWindow& window, V* view, Fn request,
                                 void (V::*options_changed)()) {
    on_token_changed(window, view, request);
    request_on_inputs(window, view, request, options_changed);
}

// From this width on the equaliser's exact pca basis (a d x d scatter and eigensolve) takes
// seconds of CPU (4096: see docs/PERFORMANCE.md), so an estimate comes first; at 1024 the exact
// fit is a fraction of a second.
constexpr std::size_t kEqualiserEstimateWidth = 2048;

void feed_equaliser(MainWindow& window, widgets::EqualiserView* view) {
    // The selected layer's frame first, then outward; a new selection re-orders the frames not
    // computed yet (the key has no layer: the job goes on, what is done stays done).
    auto focus = std::make_shared<std::atomic<long long>>(0);
    auto request = stream_request<analysis::EqualiserOptions>(
        window, view,
        [&window, focus](widgets::EqualiserView* v, const Document* doc, auto options) {
            const StreamInfo& stream = doc->dump()->stream(options.stream);
            options.token = followed_token(window, v, stream);
            const widgets::Selection& sel = window.selection_model()->selection();
            // The state only sets which layer's raw vector is reported; the bars come from the
            // frames.
            options.layer = static_cast<std::size_t>(
                std::clamp(sel.layer, 0, static_cast<int>(stream.n_states()) - 1));
            options.basis = v->basis();
            options.bands = v->requested_bands();
            options.normalize = v->normalize();
            const bool along = options.basis == analysis::EqualiserBasis::Directions;
            if (along) {
                // Checked here, cheaply: a pair of tokens this dump lacks (the Directions view's
                // default on another dump) is a message, not a failed job.
                options.directions = v->effective_directions().toStdString();
                try {
                    const auto specs = analysis::split_specs(options.directions);
                    if (specs.empty())
                        throw InputError("type directions, e.g. pairs(king:queen), pc1");
                    for (const std::string& spec : specs)
                        analysis::parse_direction(spec, *doc->dump(), stream);
                } catch (const InputError& e) {
                    show_nothing(
                        window, v,
                        QObject::tr("Along directions: %1").arg(QString::fromStdString(e.what())));
                    return;
                }
            }
            const QString what =
                what_of("equaliser",
                        {key_text(stream.name), kv("token", options.token),
                         QLatin1String(along ? "directions"
                                       : options.basis == analysis::EqualiserBasis::Dims ? "dims"
                                                                                         : "pca"),
                         kv("bands", options.bands), kv("normalize", options.normalize),
                         kv("directions", QString::fromStdString(options.directions))});
            Ask a{doc, stream.name, what, QObject::tr("equaliser frames")};
            if (doc->bundle() && !along) {
                // A results bundle: the sampled token's frames from the bundle's states, along the
                // basis fitted on the whole dump (bundled); the directions basis needs the dump.
                a.from_sample = true;
                return ask(
                    window, v, a, [dump = doc->dump(), options, stream = stream.name](Progress& p) {
                        analysis::EqualiserOptions o = options;
                        analysis::EqualiserBasisFit fit;
                        if (o.basis == analysis::EqualiserBasis::Pca) {
                            const auto bytes =
                                bundle::read_entry(dump->path(), "equaliser_basis/" + stream);
                            if (!bytes || !cache::decode(*bytes, fit))
                                throw InputError(
                                    dump->path() +
                                    ": this results bundle holds no equaliser basis of the "
                                    "dump; bundle the dump again with this version");
                            o.fitted = &fit;
                        }
                        return analysis::equaliser(*dump, o, p);
                    });
            }
            // Frames shown as they come (the first holds the selected layer), marked partial.
            focus->store(window.selection_model()->selection().layer);
            options.focus = focus;
            // Where the pca basis fit takes seconds (a d x d eigensolve), a first picture along
            // a 1024-token sample's axes comes before it, marked as an estimate.
            if (stream.d >= kEqualiserEstimateWidth) options.estimate_tokens = 1024;
            options.on_frame = partials_to<analysis::EqualiserResult>(
                window, v, job_key(a),
                [](widgets::EqualiserView& view, const analysis::EqualiserResult& r) {
                    view.set_result(r);
                });
            ask(window, v, a, analysis_of(*doc, options, analysis::equaliser));
        });
    QObject::connect(window.selection_model(), &widgets::SelectionModel::layer_changed, view,
                     [focus](int layer) { focus->store(layer); });
    request_on_token_and_inputs(window, view, request, &widgets::EqualiserView::options_changed);
}

void feed_attention(MainWindow& window, widgets::AttentionView* view) {
    auto request = guarded(view, [&window](widgets::AttentionView* v) {
        const Document* doc = primary_document(window, v);
        if (!doc) return;
        const AttentionInfo* att = doc->dump()->find_attention("pattern");
        if (!att || att->layers.empty() || att->n_heads == 0)
            return show_nothing(window, v,
                                QObject::tr("This dump has no attention patterns (hook_pattern)."));
        v->set_dims(static_cast<int>(att->layers.size()), static_cast<int>(att->n_heads),
                    static_cast<int>(att->n_positions));
        const widgets::Selection& sel = window.selection_model()->selection();
        const auto [layer, head] = v->head_for(sel);
        analysis::AttentionOptions options;
        options.layer = static_cast<std::size_t>(layer);
        options.head = static_cast<std::size_t>(head);
        options.prompt = static_cast<std::size_t>(
            std::clamp(sel.prompt, 0, static_cast<int>(att->n_prompts) - 1));
        const QString what = what_of(
            "attention", {kv("layer", layer), kv("head", head), kv("prompt", options.prompt)});
        ask(window, v,
            Ask{doc, {}, what, QObject::tr("attention of block %1, head %2").arg(layer).arg(head)},
            analysis_of(*doc, options, analysis::attention));
    });
    QObject::connect(&window, &MainWindow::primary_changed, view, request);
    QObject::connect(view, &widgets::AttentionView::wanted_changed, view, request);
    request();
}

void feed_lens(MainWindow& window, widgets::LensView* view) {
    auto request = stream_request<analysis::LensOptions>(
        window, view, [&window](widgets::LensView* v, const Document* doc, auto options) {
            if (!doc->dump()->find_weight("unembed.W_U")) {
                window.jobs()->cancel_slot(v->view_id());
                v->show_unavailable(QObject::tr(
                    "This dump has no unembedding matrix (unembed.W_U), so the logit lens "
                    "cannot turn its states into next-token predictions. Dump the model's "
                    "weights too (W_U, ln_final) to use it."));
                return;
            }
            const StreamInfo& stream = doc->dump()->stream(options.stream);
            options.token = followed_token(window, v, stream);
            options.top_k = static_cast<std::size_t>(v->top_k());
            const QString what = what_of("lens", {key_text(stream.name), kv("token", options.token),
                                                  kv("top", options.top_k)});
            Ask a{doc, stream.name, what, QObject::tr("logit lens")};
            // A results bundle holds the sampled states and the unembedding: the lens of a
            // sampled token is computed from them.
            a.from_sample = doc->bundle().has_value();
            ask(window, v, a, analysis_of(*doc, options, analysis::lens));
        });
    request_on_token_and_inputs(window, view, request, &widgets::LensView::options_changed);
}

void feed_timescales(MainWindow& window, widgets::TimescalesView* view) {
    auto request = stream_request<analysis::TimescalesOptions>(
        window, view, [&window](widgets::TimescalesView* v, const Document* doc, auto options) {
            const StreamInfo& stream = doc->dump()->stream(options.stream);
            const int layer = std::clamp(window.selection_model()->selection().layer, 0,
                                         static_cast<int>(stream.n_states()) - 1);
            options.layer = static_cast<std::size_t>(layer);
            options.components = static_cast<std::size_t>(v->components());
            const QString what = what_of("timescales", {key_text(stream.name), kv("layer", layer),
                                                        kv("components", options.components)});
            ask(window, v, Ask{doc, stream.name, what, QObject::tr("timescales")},
                analysis_of(*doc, options, analysis::timescales));
        });
    QObject::connect(window.selection_model(), &widgets::SelectionModel::layer_changed, view,
                     request);
    request_on_inputs(window, view, request, &widgets::TimescalesView::options_changed);
}

}  // namespace

std::vector<ViewRow> token_view_rows() {
    return {
        view_row("equaliser", DockPlace::Tabbed, feed_equaliser),
        view_row("attention", DockPlace::Tabbed, feed_attention),
        view_row("lens", DockPlace::Tabbed, feed_lens),
        view_row("timescales", DockPlace::Tabbed, feed_timescales),
    };
}

}  // namespace es::app
