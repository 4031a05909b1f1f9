// Feed of the 3-D projection view (see view_feeds.h).
#include <QPointer>
#include <memory>

#include "analysis/project.h"
#include "document.h"
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
        if (window.documents().empty()) {
            window.jobs()->cancel_slot(slot);
            guard->show_message(QObject::tr("Open a dump to see its states in 3-D."));
            return;
        }
        const Document* doc = window.documents().front();
        std::shared_ptr<Dump> dump = doc->dump();
        if (dump->streams().empty()) {
            guard->show_message(QObject::tr("This dump has no activations (weights only)."));
            return;
        }
        analysis::ProjectOptions options;
        options.stream = window.selection_model()->selection().stream.toStdString();
        if (!dump->find_stream(options.stream)) options.stream.clear();
        options.spherize = guard->spherize();
        const StreamInfo& stream = dump->stream(options.stream);
        const QString key = QStringLiteral("%1/projection3d/%2/%3")
                                .arg(doc->id(), QString::fromStdString(stream.name))
                                .arg(options.spherize ? 1 : 0);
        guard->show_message(QObject::tr("computing…"));
        window.jobs()->request_as<analysis::ProjectResult>(
            slot, key,
            [dump, options](Progress& p) { return analysis::project(*dump, options, p); },
            [guard, dump](const analysis::ProjectResult& r) {
                if (guard) guard->set_result(r, dump->tokens());
            },
            [guard](const QString& error) {
                if (guard) guard->show_message(error);
            });
    };
    QObject::connect(&window, &MainWindow::primary_changed, view, request);
    QObject::connect(view, &widgets::Projection3dView::options_changed, view, request);
    QObject::connect(window.selection_model(), &widgets::SelectionModel::changed, view,
                     [request, last = QString()](const widgets::Selection& s) mutable {
                         if (s.stream == last) return;
                         last = s.stream;
                         request();
                     });
}

}  // namespace es::app
