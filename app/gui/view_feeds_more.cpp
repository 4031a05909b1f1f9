// Feeds of the equaliser, attention, logit-lens and timescales views (see view_feeds.h).
#include <QPointer>
#include <algorithm>

#include "analysis/equaliser.h"
#include "analysis/lens.h"
#include "analysis/timescales.h"
#include "attention_view.h"
#include "equaliser_view.h"
#include "feed_support.h"
#include "lens_view.h"
#include "main_window.h"
#include "timescales_view.h"
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

std::size_t clamp_token(int token, const StreamInfo& s) {
    return static_cast<std::size_t>(
        std::clamp(token, 0, std::max(static_cast<int>(s.n_tokens()) - 1, 0)));
}

struct EqualiserFeedResult {
    analysis::EqualiserResult result;
    std::vector<std::vector<float>> signed_frames;  // dims basis: the token's coordinates per frame
};

}  // namespace

void feed_equaliser(MainWindow& window, widgets::EqualiserView* view) {
    QPointer<widgets::EqualiserView> guard(view);
    auto request = [&window, guard] {
        if (!guard) return;
        const QString slot = QStringLiteral("equaliser-view");
        analysis::EqualiserOptions options;
        const Document* doc = current_document(window, guard.data(), slot, options.stream);
        if (!doc) return;
        std::shared_ptr<Dump> dump = doc->dump();
        const StreamInfo& stream = dump->stream(options.stream);
        guard->set_positions(static_cast<int>(stream.n_positions));
        const widgets::Selection& sel = window.selection_model()->selection();
        options.token = clamp_token(guard->token_for(sel), stream);
        // The state only sets which layer's raw vector is reported; the bars come from the frames.
        options.layer = static_cast<std::size_t>(
            std::clamp(sel.layer, 0, static_cast<int>(stream.n_states()) - 1));
        options.basis = guard->basis();
        options.bands = guard->requested_bands();
        options.normalize = guard->normalize();
        const QString key =
            QStringLiteral("%1/equaliser/%2/%3/%4/%5/%6")
                .arg(doc->id(), QString::fromStdString(stream.name))
                .arg(options.token)
                .arg(options.basis == analysis::EqualiserBasis::Dims ? "dims" : "pca")
                .arg(options.bands)
                .arg(options.normalize ? 1 : 0);
        guard->show_computing(view_source(*doc, stream.name),
                              computing_what(QObject::tr("equaliser frames"), *doc, stream.name));
        window.jobs()->request_as<EqualiserFeedResult>(
            slot, key,
            [dump, options](Progress& p) {
                EqualiserFeedResult out;
                out.result = analysis::equaliser(*dump, options, p);
                if (options.basis == analysis::EqualiserBasis::Dims) {
                    const StreamInfo& s = dump->stream(options.stream);
                    for (const std::string& name : out.result.frame_layers) {
                        const auto it = std::find(s.state_names.begin(), s.state_names.end(), name);
                        std::vector<float> v(s.d);
                        if (it != s.state_names.end())
                            dump->read_states(s,
                                              static_cast<std::size_t>(it - s.state_names.begin()),
                                              options.token, options.token + 1, v.data());
                        out.signed_frames.push_back(std::move(v));
                    }
                }
                return out;
            },
            [guard](const EqualiserFeedResult& r) {
                if (guard) guard->set_result(r.result, r.signed_frames);
            },
            [guard](const QString& e) {
                if (guard) guard->show_error(e);
            });
    };
    on_inputs_changed(window, view, request);
    on_token_changed(window, view, request);
    QObject::connect(view, &widgets::EqualiserView::options_changed, view, request);
    request();
}

void feed_attention(MainWindow& window, widgets::AttentionView* view) {
    QPointer<widgets::AttentionView> guard(view);
    auto request = [&window, guard] {
        if (!guard) return;
        const QString slot = QStringLiteral("attention-view");
        if (window.documents().empty()) {
            window.jobs()->cancel_slot(slot);
            guard->show_empty(QObject::tr("Open a dump first."));
            return;
        }
        const Document* doc = window.documents().front();
        std::shared_ptr<Dump> dump = doc->dump();
        const AttentionInfo* att = dump->find_attention("pattern");
        if (!att || att->layers.empty() || att->n_heads == 0) {
            window.jobs()->cancel_slot(slot);
            guard->show_empty(QObject::tr("This dump has no attention patterns (hook_pattern)."));
            return;
        }
        guard->set_dims(static_cast<int>(att->layers.size()), static_cast<int>(att->n_heads),
                        static_cast<int>(att->n_positions));
        const widgets::Selection& sel = window.selection_model()->selection();
        const auto [layer, head] = guard->head_for(sel);
        const int prompt = std::clamp(sel.prompt, 0, static_cast<int>(att->n_prompts) - 1);
        widgets::AttentionPattern base;
        base.layer = layer;
        base.head = head;
        base.prompt = prompt;
        base.positions = static_cast<int>(att->n_positions);
        for (const TokenInfo& t : dump->tokens())
            if (static_cast<int>(t.prompt) == prompt) base.tokens << QString::fromStdString(t.text);
        const QString key =
            QStringLiteral("%1/attention/%2/%3/%4").arg(doc->id()).arg(layer).arg(head).arg(prompt);
        guard->show_computing(
            view_source(*doc),
            computing_what(QObject::tr("attention of block %1, head %2").arg(layer).arg(head),
                           *doc));
        window.jobs()->request_as<widgets::AttentionPattern>(
            slot, key,
            [dump, att, base](Progress&) {
                widgets::AttentionPattern p = base;
                const Tensor t = dump->read_attention(*att, static_cast<std::size_t>(base.layer),
                                                      static_cast<std::size_t>(base.prompt),
                                                      static_cast<std::size_t>(base.head));
                p.values = t.data;
                if (t.shape.size() == 2) p.positions = static_cast<int>(t.shape[0]);
                return p;
            },
            [guard](const widgets::AttentionPattern& p) {
                if (guard) guard->set_pattern(p);
            },
            [guard](const QString& e) {
                if (guard) guard->show_error(e);
            });
    };
    QObject::connect(&window, &MainWindow::primary_changed, view, request);
    QObject::connect(view, &widgets::AttentionView::wanted_changed, view, request);
    request();
}

void feed_lens(MainWindow& window, widgets::LensView* view) {
    QPointer<widgets::LensView> guard(view);
    auto request = [&window, guard] {
        if (!guard) return;
        const QString slot = QStringLiteral("lens-view");
        analysis::LensOptions options;
        const Document* doc = current_document(window, guard.data(), slot, options.stream);
        if (!doc) return;
        std::shared_ptr<Dump> dump = doc->dump();
        if (!dump->find_weight("unembed.W_U")) {
            window.jobs()->cancel_slot(slot);
            guard->show_unavailable(
                QObject::tr("This dump has no unembedding matrix (unembed.W_U), so the logit lens "
                            "cannot turn its states into next-token predictions. Dump the model's "
                            "weights too (W_U, ln_final) to use it."));
            return;
        }
        const StreamInfo& stream = dump->stream(options.stream);
        guard->set_positions(static_cast<int>(stream.n_positions));
        options.token =
            clamp_token(guard->token_for(window.selection_model()->selection()), stream);
        options.top_k = static_cast<std::size_t>(guard->top_k());
        const QString key = QStringLiteral("%1/lens/%2/%3/%4")
                                .arg(doc->id(), QString::fromStdString(stream.name))
                                .arg(options.token)
                                .arg(options.top_k);
        guard->show_computing(view_source(*doc, stream.name),
                              computing_what(QObject::tr("logit lens"), *doc, stream.name));
        window.jobs()->request_as<analysis::LensResult>(
            slot, key, [dump, options](Progress& p) { return analysis::lens(*dump, options, p); },
            [guard](const analysis::LensResult& r) {
                if (guard) guard->set_result(r);
            },
            [guard](const QString& e) {
                if (guard) guard->show_error(e);
            });
    };
    on_inputs_changed(window, view, request);
    on_token_changed(window, view, request);
    QObject::connect(view, &widgets::LensView::options_changed, view, request);
    request();
}

void feed_timescales(MainWindow& window, widgets::TimescalesView* view) {
    QPointer<widgets::TimescalesView> guard(view);
    auto request = [&window, guard] {
        if (!guard) return;
        const QString slot = QStringLiteral("timescales-view");
        analysis::TimescalesOptions options;
        const Document* doc = current_document(window, guard.data(), slot, options.stream);
        if (!doc) return;
        std::shared_ptr<Dump> dump = doc->dump();
        const StreamInfo& stream = dump->stream(options.stream);
        const int layer = std::clamp(window.selection_model()->selection().layer, 0,
                                     static_cast<int>(stream.n_states()) - 1);
        options.layer = static_cast<std::size_t>(layer);
        options.components = static_cast<std::size_t>(guard->components());
        const QString key = QStringLiteral("%1/timescales/%2/%3/%4")
                                .arg(doc->id(), QString::fromStdString(stream.name))
                                .arg(layer)
                                .arg(options.components);
        guard->show_computing(view_source(*doc, stream.name),
                              computing_what(QObject::tr("timescales"), *doc, stream.name));
        window.jobs()->request_as<analysis::TimescalesResult>(
            slot, key,
            [dump, options](Progress& p) { return analysis::timescales(*dump, options, p); },
            [guard](const analysis::TimescalesResult& r) {
                if (guard) guard->set_result(r);
            },
            [guard](const QString& e) {
                if (guard) guard->show_error(e);
            });
    };
    on_inputs_changed(window, view, request);
    QObject::connect(window.selection_model(), &widgets::SelectionModel::layer_changed, view,
                     request);
    QObject::connect(view, &widgets::TimescalesView::options_changed, view, request);
    request();
}

}  // namespace es::app
