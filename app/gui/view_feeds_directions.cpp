// Feed of the Directions view (see view_feeds.h): the direction of the pairs typed in the view
// through the layers of the selected stream, the nearest neighbours of the selected token at the
// selected layer (a second request in a slot of its own, so that clicking tokens never recomputes
// the direction), the analogy typed in the view at every layer, raw and normalised (a third
// slot), and the search, whose matches become the selection every view follows.
#include <QPointer>
#include <algorithm>

#include "analysis/analogy.h"
#include "analysis/directions.h"
#include "analysis/neighbours.h"
#include "analysis/token_lookup.h"
#include "axes_editor.h"
#include "directions_view.h"
#include "equaliser_view.h"
#include "feed_support.h"
#include "main_window.h"
#include "util/error.h"
#include "view_feeds.h"

namespace es::app {

namespace {

void request_neighbours(MainWindow& window, widgets::DirectionsView* view) {
    const QString slot = view->view_id() + QStringLiteral(".neighbours");
    const widgets::Selection& sel = window.selection_model()->selection();
    if (window.documents().empty() || sel.tokens.isEmpty()) {
        window.jobs()->cancel_slot(slot);
        view->show_neighbours_message(QObject::tr("Neighbours: select a token."));
        return;
    }
    const Document* doc = window.documents().front();
    const Dump& dump = *doc->dump();
    if (dump.streams().empty()) {
        window.jobs()->cancel_slot(slot);
        view->show_neighbours_message(QObject::tr("Neighbours: this dump has no activations."));
        return;
    }
    const StreamInfo* s = dump.find_stream(sel.stream.toStdString());
    if (!s) s = &dump.stream();
    analysis::NeighboursOptions o;
    o.stream = s->name;
    o.token = static_cast<std::size_t>(std::clamp(sel.tokens.front(), 0, int(s->n_tokens()) - 1));
    o.layer = static_cast<std::size_t>(std::clamp(sel.layer, 0, int(s->n_states()) - 1));
    o.k = 10;
    o.method = analysis::NeighbourMethod::Exact;
    const QString what = what_of("neighbours", {key_text(o.stream), kv("token", o.token),
                                                kv("layer", o.layer), kv("k", o.k)});
    view->show_neighbours_message(QObject::tr("Neighbours: computing ..."));
    QPointer<widgets::DirectionsView> guard(view);
    window.jobs()->request_as<analysis::NeighboursResult>(
        slot, job_key(Ask{doc, o.stream, what, {}}),
        [dump = doc->dump(), o](Progress& p) { return analysis::neighbours(*dump, o, p); },
        [guard](const analysis::NeighboursResult& r) {
            if (guard) guard->set_neighbours(r);
        },
        [guard](const QString& e) {
            if (guard) guard->show_neighbours_message(QObject::tr("Neighbours: %1").arg(e));
        });
}

// The analogy of the view at every layer, raw and normalised: one job (slot of its own).
void request_analogy(MainWindow& window, widgets::DirectionsView* view) {
    const QString slot = view->view_id() + QStringLiteral(".analogy");
    if (window.documents().empty() || view->analogy().isEmpty()) {
        window.jobs()->cancel_slot(slot);
        view->show_analogy_message(QObject::tr("Type an analogy such as king - man + woman."));
        return;
    }
    const Document* doc = window.documents().front();
    const Dump& dump = *doc->dump();
    if (dump.streams().empty()) {
        window.jobs()->cancel_slot(slot);
        view->show_analogy_message(QObject::tr("Analogy: this dump has no activations."));
        return;
    }
    const StreamInfo* s =
        dump.find_stream(window.selection_model()->selection().stream.toStdString());
    if (!s) s = &dump.stream();
    analysis::AnalogyOptions o;
    o.stream = s->name;
    o.query = view->analogy().toStdString();
    o.expect = view->expected().toStdString();
    o.all_layers = true;
    o.top = 5;
    const QString what = what_of("analogy", {key_text(o.stream), kv("query", view->analogy()),
                                             kv("expect", view->expected())});
    // Through ask(), like every view's own request: held while the view is hidden (it ran at
    // every open, two analogies over every layer nobody was looking at), let go when the view is
    // hidden while it runs, asked again when shown. Its state goes to the analogy's line, not
    // the view's (the directions' request owns that).
    StateLine<widgets::DirectionsView> line;
    line.computing = [](widgets::DirectionsView& v, const QString&, const QString& doing) {
        v.show_analogy_message(QObject::tr("Analogy: computing %1…").arg(doing));
    };
    line.error = [](widgets::DirectionsView& v, const QString& e) {
        v.show_analogy_message(QObject::tr("Analogy: %1").arg(e));
    };
    ask(
        window, view, Ask{doc, o.stream, what, QObject::tr("every layer")},
        [dump = doc->dump(), o](Progress& p) {
            // Each pass reports 0..1 of its own and a Progress never goes back (the status bar
            // said 100% through the whole second pass): the raw one in the first half of the
            // job's, the normalised one in the second, the job's cancellation passed on at every
            // report (as direction_at does).
            auto half = [&p, &dump](const analysis::AnalogyOptions& options, double lo) {
                Progress* self = nullptr;
                Progress span([&p, &self, lo](double f, const std::string& message) {
                    if (p.cancelled() && self) self->cancel();
                    p.report(lo + f / 2, message);
                });
                self = &span;
                analysis::AnalogyResult r = analysis::analogy(*dump, options, span);
                p.check();
                return r;
            };
            widgets::AnalogyCurves c;
            c.raw = half(o, 0.0);
            auto n = o;
            n.normalize = true;
            c.normalized = half(n, 0.5);
            return c;
        },
        [](widgets::DirectionsView& v, const widgets::AnalogyCurves& c) { v.set_analogy(c); }, slot,
        line);
}

// The Directions view's pairs offered to the 3D view's axes editor (one direction, its "direction"
// button) and to the equaliser (one direction per pair, its bars when none are typed).
void offer_direction(MainWindow& window, widgets::DirectionsView* view) {
    QStringList pairs;
    try {
        for (const std::string& p :
             analysis::split_outside_quotes(view->pairs().toStdString(), ','))
            pairs << QString::fromStdString(p);
    } catch (const InputError&) {
        pairs.clear();  // half-typed pairs: nothing to offer yet
    }
    QStringList each;
    for (const QString& p : pairs) each << QStringLiteral("pairs(%1)").arg(p);
    const QString all =
        pairs.isEmpty() ? QString() : QStringLiteral("pairs(%1)").arg(pairs.join(QLatin1Char(',')));
    for (widgets::View* v : window.views()) {
        if (auto* eq = qobject_cast<widgets::EqualiserView*>(v))
            eq->set_default_directions(each.join(QStringLiteral(", ")));
        else if (v->view_id() == QLatin1String("projection3d"))
            if (auto* axes = v->findChild<widgets::AxesEditor*>()) axes->set_direction(all);
    }
}

void feed_directions(MainWindow& window, widgets::DirectionsView* view) {
    auto request = stream_request<analysis::DirectionsOptions>(
        window, view, [&window](widgets::DirectionsView* v, const Document* doc, auto options) {
            v->set_token_texts(token_texts(*doc->dump()));
            const std::string typed = v->pairs().toStdString();
            try {
                for (const std::string& pair : analysis::split_outside_quotes(typed, ',')) {
                    const auto sides = analysis::split_outside_quotes(pair, ':');
                    if (sides.size() != 2)
                        throw InputError("a pair is two tokens a:b, got '" + pair + "'");
                    options.pairs.emplace_back(sides[0], sides[1]);
                }
            } catch (const InputError& e) {
                window.jobs()->cancel_slot(v->view_id());
                v->show_error(QString::fromStdString(e.what()));
                return;
            }
            // Pairs another dump held (the default's king and queen) are no error in this one:
            // the view says which token is missing and waits for pairs of this dump's tokens.
            const StreamInfo& s = doc->dump()->stream(options.stream);
            for (const auto& [a, b] : options.pairs)
                for (const std::string& name : {a, b}) try {
                        analysis::resolve_token(*doc->dump(), s, name);
                    } catch (const InputError&) {
                        show_nothing(window, v,
                                     QObject::tr("“%1” does not occur in this dump: type pairs of "
                                                 "tokens it holds.")
                                         .arg(QString::fromStdString(name)));
                        return;
                    }
            const QString what =
                what_of("directions", {key_text(options.stream), kv("pairs", v->pairs())});
            ask(window, v, Ask{doc, options.stream, what, QObject::tr("directions")},
                analysis_of(*doc, options, analysis::directions));
        });
    request_on_inputs(window, view, request, &widgets::DirectionsView::options_changed);
    auto offer =
        guarded(view, [&window](widgets::DirectionsView* v) { offer_direction(window, v); });
    QObject::connect(view, &widgets::DirectionsView::options_changed, view, offer);
    offer();
    QObject::connect(view, &widgets::DirectionsView::select_tokens, window.selection_model(),
                     &widgets::SelectionModel::set_tokens);
    auto neighbours =
        guarded(view, [&window](widgets::DirectionsView* v) { request_neighbours(window, v); });
    QObject::connect(
        window.selection_model(), &widgets::SelectionModel::changed, view,
        [neighbours, last = widgets::Selection()](const widgets::Selection& s) mutable {
            if (s.layer == last.layer && s.tokens == last.tokens && s.stream == last.stream) return;
            last = s;
            neighbours();
        });
    QObject::connect(&window, &MainWindow::primary_changed, view, neighbours);
    auto analogy =
        guarded(view, [&window](widgets::DirectionsView* v) { request_analogy(window, v); });
    on_inputs_changed(window, view, analogy);
    QObject::connect(view, &widgets::DirectionsView::analogy_changed, view, analogy);
    analogy();
}

}  // namespace

std::vector<ViewRow> directions_view_rows() {
    return {view_row("directions", DockPlace::Tabbed, feed_directions)};
}

}  // namespace es::app
