#pragma once
// The one selection every view follows: stream, layer, tokens, heads, and the compared dump.
// Changing it anywhere (toolbar, a click in a view) notifies all views once.
#include <QList>
#include <QObject>
#include <QString>

namespace es::widgets {

struct Selection {
    QString stream;     // stream name ("" = the dump's residual stream)
    int layer = 0;      // state index within the stream
    QList<int> tokens;  // flat token indices (prompt * positions + position), in click order
    QList<int> heads;   // flat head indices (layer * n_heads + head) or head within layer
    int prompt = 0;     // the prompt shown by per-prompt views (attention, token picker)
    int compare_document = -1;  // index of the second open dump, -1 when none

    bool operator==(const Selection& o) const {
        return stream == o.stream && layer == o.layer && tokens == o.tokens && heads == o.heads &&
               prompt == o.prompt && compare_document == o.compare_document;
    }
    bool operator!=(const Selection& o) const { return !(*this == o); }
};

class SelectionModel : public QObject {
    Q_OBJECT
public:
    explicit SelectionModel(QObject* parent = nullptr) : QObject(parent) {}

    const Selection& selection() const { return selection_; }
    // Bounds the layer to [0, layer_count-1]; the toolbar and views ask for the count here.
    void set_layer_count(int n);
    int layer_count() const { return layer_count_; }

    void set_layer(int layer);
    void step_layer(int delta) { set_layer(selection_.layer + delta); }
    void set_stream(const QString& stream);
    void set_tokens(const QList<int>& tokens);
    void select_token(int token);  // replace the selection with one token
    void toggle_token(int token);  // add or remove one token (Ctrl+click)
    void set_heads(const QList<int>& heads);
    void set_prompt(int prompt);
    void set_compare_document(int index);
    void set_selection(const Selection& s);  // sessions: restore everything at once

signals:
    // Emitted once per effective change, with the whole new selection.
    void changed(const es::widgets::Selection& selection);
    void layer_changed(int layer);
    void tokens_changed(const QList<int>& tokens);

private:
    void commit(const Selection& next);
    // The selection with one edit applied, committed (signals only if it changed).
    template <typename Edit>
    void change(Edit edit) {
        Selection next = selection_;
        edit(next);
        commit(next);
    }
    Selection selection_;
    int layer_count_ = 1;
};

}  // namespace es::widgets
