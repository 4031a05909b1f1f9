#pragma once
// Helpers every feed (view_feeds*.cpp) uses: when to re-request, which document and stream.
#include <QFileInfo>
#include <QObject>
#include <QStringList>
#include <functional>
#include <string>

#include "cache/result_codec.h"
#include "main_window.h"
#include "version.h"

namespace es::app {

// Re-runs `request` when the primary dump changes or the selected stream (or compared dump) does.
template <typename V, typename Fn>
void on_inputs_changed(MainWindow& window, V* view, Fn request) {
    QObject::connect(&window, &MainWindow::primary_changed, view, request);
    QObject::connect(
        window.selection_model(), &widgets::SelectionModel::changed, view,
        [request, stream = QString(), compare = -2](const widgets::Selection& s) mutable {
            if (s.stream == stream && s.compare_document == compare) return;
            stream = s.stream;
            compare = s.compare_document;
            request();
        });
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

// The primary document and its stream for the current selection, or nullptr (message shown).
template <typename V>
const Document* current_document(MainWindow& window, V* view, const QString& slot,
                                 std::string& stream) {
    if (window.documents().empty()) {
        window.jobs()->cancel_slot(slot);
        view->show_empty(QObject::tr("Open a dump first."));
        return nullptr;
    }
    const Document* doc = window.documents().front();
    if (doc->dump()->streams().empty()) {
        window.jobs()->cancel_slot(slot);
        view->show_empty(QObject::tr("This dump has no activations (weights only)."));
        return nullptr;
    }
    stream = window.selection_model()->selection().stream.toStdString();
    if (!doc->dump()->find_stream(stream)) stream.clear();
    stream = doc->dump()->stream(stream).name;
    return doc;
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

// Every token's display text by flat index.
inline QStringList token_texts(const Dump& dump) {
    QStringList out;
    out.reserve(static_cast<int>(dump.tokens().size()));
    for (const TokenInfo& t : dump.tokens()) out << QString::fromStdString(t.text);
    return out;
}

}  // namespace es::app
