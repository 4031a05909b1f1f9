#include "selection.h"

#include <algorithm>

namespace es::widgets {

void SelectionModel::set_layer_count(int n) {
    layer_count_ = std::max(1, n);
    if (selection_.layer >= layer_count_) set_layer(layer_count_ - 1);
}

void SelectionModel::set_layer(int layer) {
    change([&](Selection& s) { s.layer = std::clamp(layer, 0, layer_count_ - 1); });
}

void SelectionModel::set_stream(const QString& stream) {
    change([&](Selection& s) { s.stream = stream; });
}

void SelectionModel::set_tokens(const QList<int>& tokens) {
    change([&](Selection& s) { s.tokens = tokens; });
}

void SelectionModel::select_token(int token) {
    set_tokens({token});
}

void SelectionModel::toggle_token(int token) {
    QList<int> tokens = selection_.tokens;
    if (tokens.contains(token))
        tokens.removeAll(token);
    else
        tokens.append(token);
    set_tokens(tokens);
}

void SelectionModel::set_heads(const QList<int>& heads) {
    change([&](Selection& s) { s.heads = heads; });
}

void SelectionModel::set_prompt(int prompt) {
    change([&](Selection& s) { s.prompt = std::max(0, prompt); });
}

void SelectionModel::set_compare_document(int index) {
    change([&](Selection& s) { s.compare_document = index; });
}

void SelectionModel::set_selection(const Selection& s) {
    Selection next = s;
    next.layer = std::clamp(next.layer, 0, layer_count_ - 1);
    commit(next);
}

void SelectionModel::commit(const Selection& next) {
    if (next == selection_) return;
    const bool layer = next.layer != selection_.layer;
    const bool tokens = next.tokens != selection_.tokens;
    selection_ = next;
    if (layer) emit layer_changed(selection_.layer);
    if (tokens) emit tokens_changed(selection_.tokens);
    emit changed(selection_);
}

}  // namespace es::widgets
