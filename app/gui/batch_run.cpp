#include "batch_run.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTimer>
#include <algorithm>
#include <iostream>

#include "main_window.h"
#include "result_view.h"
#include "view.h"
#include "view_registry.h"
#include "vtk/vtk_gl_widget.h"

namespace es::app {

namespace {

// A view that stays without a result this long after the window went idle has nothing to show
// for this dump (no attention patterns, no vocabulary, not a checkpoint series, ...).
constexpr qint64 kIdleGiveUpMs = 4000;
// Ready must hold this long with no job running: a selection change re-requests by queued calls.
constexpr qint64 kSettleMs = 300;

void say(const QString& text) {
    std::cerr << "eigenscope --export: " << text.toStdString() << "\n";
}

bool declares(const widgets::View* view, const QString& name) {
    for (const widgets::SettingSpec& s : view->setting_specs())
        if (s.name == name) return true;
    return false;
}

// The selection's stream set to `name` (and the layer range to its states); an error naming the
// dump's streams when it has no such stream.
QString use_stream(MainWindow& w, const QString& name, const QString& option) {
    const auto dump = w.dump();
    if (!dump) return {};
    const StreamInfo* stream = dump->find_stream(name.toStdString());
    if (!stream) {
        QStringList names;
        for (const StreamInfo& s : dump->streams()) names << QString::fromStdString(s.name);
        return QStringLiteral("%1 %2: the dump has no such stream; one of %3")
            .arg(option, name, names.join(QStringLiteral(", ")));
    }
    w.selection_model()->set_stream(name);
    w.selection_model()->set_layer_count(static_cast<int>(stream->n_states()));
    return {};
}

// Applies, in order, the session's selection and settings, the recorded ones and the command
// line's; returns an error (exit 2) or an empty string.
QString prepare(MainWindow& w, const BatchPlan& plan, const QList<widgets::View*>& set_views) {
    const auto dump = w.dump();
    auto* model = w.selection_model();
    if (plan.session) {
        for (widgets::View* v : w.views())
            v->restore_settings(plan.session->views.value(v->view_id()).toObject());
        widgets::Selection s = plan.session->selection;
        const int documents = static_cast<int>(w.documents().size());
        if (s.compare_document >= documents) s.compare_document = documents > 1 ? 1 : -1;
        if (!s.stream.isEmpty()) {
            if (const QString e = use_stream(w, s.stream, QStringLiteral("session stream"));
                !e.isEmpty())
                return e;
        }
        model->set_selection(s);
    }
    if (plan.recorded) {
        const RecordedFigure& r = *plan.recorded;
        if (widgets::View* v = widgets::view_for_figure(w.views(), r.view))
            v->restore_settings(r.settings);
        if (!r.stream.isEmpty())
            if (const QString e = use_stream(w, r.stream, QStringLiteral("recorded stream"));
                !e.isEmpty())
                return e;
        if (r.layer >= 0) model->set_layer(r.layer);
        if (r.prompt >= 0) model->set_prompt(r.prompt);
        if (r.has_selection) {
            model->set_tokens(r.tokens);
            model->set_heads(r.heads);
        }
    }
    if (!plan.stream.isEmpty())
        if (const QString e = use_stream(w, plan.stream, QStringLiteral("--stream")); !e.isEmpty())
            return e;
    const int states = model->layer_count();
    if (plan.layer >= states)
        return QStringLiteral("--layer %1: the dump has states 0 to %2")
            .arg(plan.layer)
            .arg(states - 1);
    if (plan.token >= 0 && dump && plan.token >= static_cast<int>(dump->tokens().size()))
        return QStringLiteral("--token %1: the dump has %2 tokens")
            .arg(plan.token)
            .arg(dump->tokens().size());
    const int heads = dump && dump->dims().n_heads ? static_cast<int>(*dump->dims().n_heads) : 0;
    if (plan.head >= 0 && plan.head >= heads)
        return QStringLiteral("--head %1: the dump has %2 heads per layer")
            .arg(plan.head)
            .arg(heads);
    if (plan.layer >= 0) model->set_layer(plan.layer);
    if (plan.token >= 0) model->select_token(plan.token);
    if (plan.head >= 0) {
        // The block the views show for the selected state (state l+1 is block l's output).
        const int blocks =
            dump && dump->dims().n_layers ? static_cast<int>(*dump->dims().n_layers) : 1;
        const int block = std::clamp(model->selection().layer - 1, 0, std::max(blocks - 1, 0));
        model->set_heads({block * heads + plan.head});
    }
    for (const SettingAssignment& a : plan.sets)
        for (widgets::View* v : set_views) {
            if (!declares(v, a.name)) continue;
            QString error;
            if (!v->set_setting(a.name, a.value, &error)) return error;
            // A text setting names something of the dump (a matrix, a subspace): the view keeps
            // its own value when the dump has no such thing.
            const QJsonValue now = v->save_settings().value(a.name);
            if (now.isString() && now.toString() != a.value)
                return QStringLiteral(
                           "bad value '%1' for %2 of %3: the dump has no such one "
                           "(the view shows '%4')")
                    .arg(a.value, a.name, v->view_id(), now.toString());
        }
    return {};
}

}  // namespace

int run_batch_plan(const BatchPlan& plan) {
    catch_interrupts();
    MainWindow window;
    window.set_batch_mode(true);
    window.resize(1600, 1000);

    // The views --set speaks to, and their declarations checked before anything is loaded.
    QList<widgets::View*> set_views;
    std::vector<BatchTarget> targets;
    QStringList skipped;  // said once the command line is known to be good
    for (const BatchTarget& t : plan.targets) {
        if (plan.all && figure_needs_opengl(t.figure) &&
            !widgets::VtkGlWidget::opengl_available()) {
            skipped << QStringLiteral(
                           "skipped %1: it needs an X server with OpenGL (run under "
                           "xvfb-run -a eigenscope ...)")
                           .arg(t.figure);
            continue;
        }
        targets.push_back(t);
        widgets::View* v = widgets::view_for_figure(window.views(), t.figure);
        if (v && !set_views.contains(v)) set_views << v;
    }
    if (targets.empty()) {
        say(QStringLiteral("no figure to write; ") + skipped.join(QStringLiteral("; ")));
        return 2;
    }
    for (const SettingAssignment& a : plan.sets) {
        QList<SettingAssignment> one{a};
        QString error;
        bool known = false;
        for (const widgets::View* v : set_views) {
            if (plan.all && !declares(v, a.name)) continue;
            known = true;
            if (!check_assignments(v, one, &error)) break;
        }
        if (plan.all && !known)
            error = QStringLiteral(
                        "unknown setting '%1': no view declares it (eigenscope "
                        "--list-options lists them)")
                        .arg(a.name);
        if (!error.isEmpty()) {
            say(error);
            return 2;
        }
    }
    for (const QString& s : skipped) say(s);

    int code = -1;
    QString message;
    bool loaded = false, prepared = false;
    QObject::connect(&window, &MainWindow::load_failed, &window,
                     [&](const QString& path, const QString& error) {
                         code = 2;
                         message = QStringLiteral("%1: %2").arg(path, error);
                     });
    QObject::connect(&window, &MainWindow::loaded, &window, [&](const QString&) { loaded = true; });
    if (QFileInfo(plan.file).isDir() && !is_model_folder(plan.file.toStdString())) {
        window.open_folder(plan.file);
        if (window.series().empty()) {
            say(QStringLiteral("%1: not a folder of checkpoint dumps").arg(plan.file));
            return 2;
        }
    } else {
        window.open_file(plan.file);
    }
    for (const QString& c : plan.comparisons) window.open_file(c, true);

    QString sha;  // of the dump, once
    int written = 0;
    QElapsedTimer idle, settled;
    QTimer poll;
    poll.setInterval(50);
    auto export_all_ready = [&] {
        const auto documents = window.documents();
        for (const BatchTarget& t : targets) {
            widgets::View* view = widgets::view_for_figure(window.views(), t.figure);
            if (!widgets::figure_ready(view, t.figure)) {
                // The view's state line says why (empty: "this dump has no ...", or an error).
                const auto* rv = qobject_cast<const widgets::ResultView*>(view);
                const QString why = rv ? rv->state_text() : QString();
                const QString reason = why.isEmpty() ? QString() : QStringLiteral(": ") + why;
                if (plan.all) {
                    say(QStringLiteral("skipped %1: nothing to show for %2%3")
                            .arg(t.figure, plan.file, reason));
                } else {
                    code = 2;
                    message = QStringLiteral("the %1 view has nothing to show for %2%3")
                                  .arg(t.figure, plan.file, reason);
                }
                continue;
            }
            widgets::Provenance p = widgets::make_provenance(view, t.figure, QString());
            p.dump_path = QFileInfo(plan.file).absoluteFilePath();
            if (sha.isEmpty()) {
                sha = widgets::sha256_of_file(plan.file);
                if (plan.recorded && !plan.recorded->sha256.isEmpty() &&
                    plan.recorded->sha256 != sha)
                    say(QStringLiteral("warning: %1 is not the dump the figure was made from "
                                       "(SHA-256 %2 recorded, %3 now); exporting anyway")
                            .arg(plan.file, plan.recorded->sha256, sha));
            }
            p.dump_sha256 = sha;
            const int cmp = window.selection_model()->selection().compare_document;
            if (cmp >= 1 && cmp < static_cast<int>(documents.size()))
                p.compare_path = QFileInfo(documents[std::size_t(cmp)]->path()).absoluteFilePath();
            QString error;
            if (widgets::export_figure(view, t.figure, t.out, plan.options, p, &error)) {
                ++written;
            } else {
                const bool no_gl =
                    figure_needs_opengl(t.figure) && error.contains(QLatin1String("X server"));
                if (plan.all) {
                    say(QStringLiteral("skipped %1: %2").arg(t.figure, error));
                } else {
                    code = no_gl ? 2 : 1;
                    message = error;
                }
            }
        }
        if (code < 0) code = plan.all ? (written > 0 ? 0 : 2) : 0;
        if (plan.all && written == 0 && message.isEmpty())
            message = QStringLiteral("no figure had something to show");
    };
    QObject::connect(&poll, &QTimer::timeout, &window, [&] {
        if (interrupted()) {
            window.jobs()->cancel_all();
            code = 130;
            message = QStringLiteral("cancelled");
        }
        if (code >= 0) {
            QApplication::exit(code);
            return;
        }
        if (!loaded || window.document_set().loads_in_flight() > 0) return;
        if (!prepared) {
            prepared = true;
            message = prepare(window, plan, set_views);
            if (!message.isEmpty()) code = 2;
            return;
        }
        const bool busy = window.jobs()->busy();
        if (busy || !idle.isValid()) idle.restart();
        const bool ready =
            !busy && std::all_of(targets.begin(), targets.end(), [&](const BatchTarget& t) {
                return widgets::figure_ready(widgets::view_for_figure(window.views(), t.figure),
                                             t.figure);
            });
        if (!ready) {
            settled.invalidate();
            if (idle.elapsed() <= kIdleGiveUpMs) return;
        } else {
            if (!settled.isValid()) settled.start();
            if (settled.elapsed() < kSettleMs) return;
        }
        export_all_ready();
        QApplication::exit(code);
    });
    poll.start();
    QApplication::exec();
    poll.stop();
    window.jobs()->cancel_all();
    window.jobs()->wait_for_idle(10000);
    if (code != 0 && !message.isEmpty()) say(message);
    return code < 0 ? 1 : code;
}

}  // namespace es::app
