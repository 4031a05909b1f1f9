// Feed of the 3-D projection view (see view_feeds.h).
#include <QPointer>
#include <algorithm>
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

namespace {

void feed_projection3d(MainWindow& window, widgets::Projection3dView* view) {
    auto request = stream_request<analysis::ProjectOptions>(
        window, view, [&window](widgets::Projection3dView* v, const Document* doc, auto options) {
            std::shared_ptr<Dump> dump = doc->dump();
            options.spherize = v->spherize();
            if (v->umap()) options.method = analysis::ProjectMethod::Umap;
            const StreamInfo& stream = dump->stream(options.stream);
            // UMAP of one layer: the selected one (a layout of its own, asked again per layer).
            const int layer = std::clamp(window.selection_model()->selection().layer, 0,
                                         static_cast<int>(stream.n_states()) - 1);
            if (v->umap_layer()) options.layers = {static_cast<std::size_t>(layer)};
            // Custom axes are a PCA basis; UMAP ignores them (the field stays for going back).
            const QString axes_text = v->umap() ? QString() : v->custom_axes();
            try {
                options.axes = analysis::parse_axes(axes_text.toStdString(), *dump, stream,
                                                    analysis::last_pre_norm_state(stream));
            } catch (const std::exception& e) {
                // The field is marked; the picture the user has stays only if it is of this file
                // and stream (axes typed for another dump may name tokens this one lacks).
                const QString message = QString::fromStdString(e.what());
                if (v->source() != view_source(*doc, stream.name)) v->show_error(message);
                v->show_axes_error(message);
                return;
            }
            for (analysis::AxisSpec& ax : options.axes)
                ax.label = analysis::axis_in_words(ax, *dump);
            const QString what =
                what_of("projection3d", {key_text(stream.name), kv("spherize", options.spherize),
                                         kv("axes", axes_text),
                                         kv("method", v->umap_layer() ? QStringLiteral("umap_layer")
                                                      : v->umap()     ? QStringLiteral("umap")
                                                                      : QStringLiteral("pca")),
                                         kv("layer", v->umap_layer() ? layer : -1)});
            Ask a{doc, stream.name, what, QObject::tr("the projection"), true};
            a.from_sample = true;  // a bundle's sampled states are there for this view
            // The selected layer first, on its own basis (marked partial), while the pooled fit
            // reads every layer; the complete result follows through the same event queue.
            QPointer<JobRunner> jobs(window.jobs());
            QPointer<widgets::Projection3dView> guard(v);
            const QString key = job_key(a), slot = v->view_id();
            options.focus =
                static_cast<std::size_t>(std::max(0, window.selection_model()->selection().layer));
            options.on_preview = [guard, jobs, key, slot,
                                  dump](const analysis::ProjectResult& preview) {
                QMetaObject::invokeMethod(
                    guard.data(),
                    [guard, jobs, key, slot, dump, preview] {
                        if (guard && jobs && jobs->wants(slot, key) && !jobs->cached(key))
                            guard->set_result(preview, dump->tokens());
                    },
                    Qt::QueuedConnection);
            };
            ask(window, v, a, analysis_of(*doc, options, analysis::project),
                [dump](widgets::Projection3dView& v, const analysis::ProjectResult& r) {
                    v.set_result(r, dump->tokens(), dump->token_columns());
                });
        });
    on_inputs_changed(window, view, request);
    QObject::connect(view, &widgets::Projection3dView::options_changed, view, request);
    // Another layer is another layout only for UMAP of one layer; the pooled layouts stay.
    QObject::connect(window.selection_model(), &widgets::SelectionModel::layer_changed, view,
                     [view, request] {
                         if (view->umap_layer()) request();
                     });
}

}  // namespace

std::vector<ViewRow> projection_view_rows() {
    return {
        view_row("projection3d", DockPlace::Tabbed, feed_projection3d,
                 {QStringLiteral("projection3d")}, true),
    };
}

}  // namespace es::app
