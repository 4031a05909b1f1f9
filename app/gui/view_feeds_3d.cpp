// Feed of the 3-D projection view (see view_feeds.h).
#include <QPointer>
#include <memory>

#include "analysis/axis_spec.h"
#include "analysis/common.h"
#include "analysis/project.h"
#include "document.h"
#include "feed_support.h"
#include "job_runner.h"
#include "main_window.h"
#include "projection3d_view.h"
#include "view_feeds.h"

namespace es::app {

void feed_projection3d(MainWindow& window, widgets::Projection3dView* view) {
    QPointer<widgets::Projection3dView> guard(view);
    const QString slot = QStringLiteral("projection3d-view");
    auto request = [&window, guard, slot] {
        if (!guard) return;
        analysis::ProjectOptions options;
        const Document* doc = current_document(window, guard.data(), slot, options.stream);
        if (!doc) return;
        std::shared_ptr<Dump> dump = doc->dump();
        options.spherize = guard->spherize();
        const StreamInfo& stream = dump->stream(options.stream);
        const QString axes_text = guard->custom_axes();
        try {
            options.axes = analysis::parse_axes(axes_text.toStdString(), *dump, stream,
                                                analysis::last_pre_norm_state(stream));
        } catch (const std::exception& e) {
            // The field is marked; the picture the user has stays only if it is of this file
            // and stream (axes typed for another dump may name tokens this one lacks).
            const QString message = QString::fromStdString(e.what());
            if (guard->source() != view_source(*doc, stream.name)) guard->show_error(message);
            guard->show_axes_error(message);
            return;
        }
        // Axis titles in words: the two tokens' texts and the layer.
        for (analysis::AxisSpec& ax : options.axes) {
            const auto& tokens = dump->tokens();
            if (ax.token_a < tokens.size() && ax.token_b < tokens.size())
                ax.label = tokens[ax.token_a].text + " - " + tokens[ax.token_b].text + " @" +
                           std::to_string(ax.layer);
        }
        const QString key = QStringLiteral("%1/projection3d/%2/%3/%4")
                                .arg(doc->id(), QString::fromStdString(stream.name))
                                .arg(options.spherize ? 1 : 0)
                                .arg(axes_text);
        guard->show_computing(view_source(*doc, stream.name),
                              computing_what(QObject::tr("the projection"), *doc, stream.name));
        window.jobs()->request_as<analysis::ProjectResult>(
            slot, key,
            with_disk_cache<analysis::ProjectResult>(
                window, *doc,
                QStringLiteral("projection3d/%1/spherize=%2/axes=%3")
                    .arg(QString::fromStdString(stream.name))
                    .arg(options.spherize)
                    .arg(axes_text),
                [dump, options](Progress& p) { return analysis::project(*dump, options, p); }),
            [guard, dump](const analysis::ProjectResult& r) {
                if (guard) guard->set_result(r, dump->tokens());
            },
            [guard](const QString& error) {
                if (guard) guard->show_error(error);
            });
    };
    on_inputs_changed(window, view, request);
    QObject::connect(view, &widgets::Projection3dView::options_changed, view, request);
}

}  // namespace es::app
