#include "view_feeds.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QPointer>

#include "analysis/cka.h"
#include "analysis/spectrum.h"
#include "analysis/trajectory.h"
#include "cka_view.h"
#include "feed_support.h"
#include "main_window.h"
#include "spectrum_view.h"
#include "trajectory_view.h"

namespace es::app {

void feed_spectrum(MainWindow& window, widgets::SpectrumView* view) {
    QPointer<widgets::SpectrumView> guard(view);
    auto request = [&window, guard] {
        if (!guard) return;
        const QString slot = QStringLiteral("spectrum-view");
        analysis::SpectrumOptions options;
        const Document* doc = current_document(window, guard.data(), slot, options.stream);
        if (!doc) return;
        options.centred = guard->centred();
        options.top_k = 0;  // values only; the projection and equaliser ask for directions
        std::shared_ptr<Dump> dump = doc->dump();
        const QString key = QStringLiteral("%1/spectrum/%2/%3")
                                .arg(doc->id(), QString::fromStdString(options.stream))
                                .arg(options.centred);
        guard->show_computing(view_source(*doc, options.stream),
                              computing_what(QObject::tr("spectra"), *doc, options.stream));
        window.jobs()->request_as<analysis::SpectrumResult>(
            slot, key,
            with_disk_cache<analysis::SpectrumResult>(
                window, *doc,
                QStringLiteral("spectrum/%1/centred=%2/top=%3")
                    .arg(QString::fromStdString(options.stream))
                    .arg(options.centred)
                    .arg(options.top_k),
                [dump, options](Progress& p) { return analysis::spectrum(*dump, options, p); }),
            [guard](const analysis::SpectrumResult& r) {
                if (guard) guard->set_result(r);
            },
            [guard](const QString& e) {
                if (guard) guard->show_error(e);
            });
    };
    on_inputs_changed(window, view, request);
    QObject::connect(view, &widgets::SpectrumView::options_changed, view, request);
    request();
}

void feed_cka(MainWindow& window, widgets::CkaView* view) {
    QPointer<widgets::CkaView> guard(view);
    auto request = [&window, guard] {
        if (!guard) return;
        const QString slot = QStringLiteral("cka-view");
        analysis::CkaOptions options;
        const Document* doc = current_document(window, guard.data(), slot, options.stream);
        if (!doc) return;
        std::shared_ptr<Dump> dump = doc->dump(), other;
        const Document* other_doc = nullptr;
        const int compare = window.selection_model()->selection().compare_document;
        QString key =
            QStringLiteral("%1/cka/%2").arg(doc->id(), QString::fromStdString(options.stream));
        if (compare > 0 && compare < static_cast<int>(window.documents().size())) {
            other_doc = window.documents()[static_cast<std::size_t>(compare)];
            other = other_doc->dump();
            key += QStringLiteral("/vs/") +
                   window.documents()[static_cast<std::size_t>(compare)]->id();
        }
        guard->show_computing(view_source(*doc, options.stream, other_doc),
                              computing_what(QObject::tr("CKA"), *doc, options.stream));
        window.jobs()->request_as<analysis::CkaResult>(
            slot, key,
            with_disk_cache<analysis::CkaResult>(
                window, *doc, QStringLiteral("cka/%1").arg(QString::fromStdString(options.stream)),
                [dump, other, options](Progress& p) mutable {
                    options.other = other.get();  // kept alive by the captured shared_ptr
                    return analysis::cka(*dump, options, p);
                },
                other_doc),
            [guard](const analysis::CkaResult& r) {
                if (guard) guard->set_result(r);
            },
            [guard](const QString& e) {
                if (guard) guard->show_error(e);
            });
    };
    on_inputs_changed(window, view, request);
    request();
}

void feed_trajectory(MainWindow& window, widgets::TrajectoryView* view) {
    QPointer<widgets::TrajectoryView> guard(view);
    auto request = [&window, guard] {
        if (!guard) return;
        analysis::TrajectoryOptions options;
        const Document* doc = current_document(window, guard.data(),
                                               QStringLiteral("trajectory-view"), options.stream);
        if (!doc) return;
        std::shared_ptr<Dump> dump = doc->dump();
        options.include_final_norm = guard->include_final_norm();
        const StreamInfo& stream = dump->stream(options.stream);
        const QString key = QStringLiteral("%1/trajectory/%2/%3")
                                .arg(doc->id(), QString::fromStdString(stream.name))
                                .arg(options.include_final_norm ? 1 : 0);
        const bool final_norm = stream.last_is_final_norm;
        const QStringList texts = token_texts(*dump);
        guard->show_computing(view_source(*doc, stream.name),
                              computing_what(QObject::tr("trajectories"), *doc, stream.name));
        // Progressive display: each layer's partial result is posted to the GUI thread (at most
        // every 100 ms) and shown while the slot still wants this key; the final result follows
        // through the same event queue, so a partial never overwrites it.
        QPointer<JobRunner> jobs(window.jobs());
        options.on_layer =
            [guard, jobs, key, texts, final_norm,
             last = std::make_shared<QElapsedTimer>()](const analysis::TrajectoryResult& partial) {
                if (last->isValid() && last->elapsed() < 100) return;
                last->start();
                QMetaObject::invokeMethod(
                    guard.data(),
                    [guard, jobs, key, texts, final_norm, partial] {
                        if (guard && jobs && jobs->wants(QStringLiteral("trajectory-view"), key) &&
                            !jobs->cached(key))
                            guard->set_result(partial, texts, final_norm);
                    },
                    Qt::QueuedConnection);
            };
        window.jobs()->request_as<analysis::TrajectoryResult>(
            QStringLiteral("trajectory-view"), key,
            [dump, options](Progress& p) { return analysis::trajectory(*dump, options, p); },
            [guard, texts, final_norm](const analysis::TrajectoryResult& r) {
                if (guard) guard->set_result(r, texts, final_norm);
            },
            [guard](const QString& error) {
                if (guard) guard->show_error(error);
            });
    };
    on_inputs_changed(window, view, request);
    QObject::connect(view, &widgets::TrajectoryView::options_changed, view, request);
    request();
}

}  // namespace es::app
