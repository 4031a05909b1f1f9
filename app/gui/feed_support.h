#pragma once
// Helpers every feed (view_feeds*.cpp) uses: when to re-request, which document and stream.
#include <QObject>
#include <QStringList>
#include <string>

#include "main_window.h"

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

// The primary document and its stream for the current selection, or nullptr (message shown).
template <typename V>
const Document* current_document(MainWindow& window, V* view, const QString& slot,
                                 std::string& stream) {
    if (window.documents().empty()) {
        window.jobs()->cancel_slot(slot);
        view->show_message(QObject::tr("Open a dump first."));
        return nullptr;
    }
    const Document* doc = window.documents().front();
    if (doc->dump()->streams().empty()) {
        view->show_message(QObject::tr("This dump has no activations (weights only)."));
        return nullptr;
    }
    stream = window.selection_model()->selection().stream.toStdString();
    if (!doc->dump()->find_stream(stream)) stream.clear();
    stream = doc->dump()->stream(stream).name;
    return doc;
}

// Every token's display text by flat index.
inline QStringList token_texts(const Dump& dump) {
    QStringList out;
    out.reserve(static_cast<int>(dump.tokens().size()));
    for (const TokenInfo& t : dump.tokens()) out << QString::fromStdString(t.text);
    return out;
}

}  // namespace es::app
