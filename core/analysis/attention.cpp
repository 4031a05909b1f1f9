#include "analysis/attention.h"

#include <sstream>

#include "analysis/common.h"
#include "util/error.h"
#include "util/token_text.h"

namespace es::analysis {

AttentionResult attention(const Dump& dump, const AttentionOptions& options, Progress& progress) {
    const AttentionInfo* att = dump.find_attention(options.source);
    if (!att || att->layers.empty() || att->n_heads == 0)
        throw InputError(dump.path() + ": no attention " + options.source + " datasets (hook_" +
                         options.source + ")");
    AttentionResult r;
    r.source = att->name;
    r.layer = options.layer;
    r.head = options.head;
    r.prompt = options.prompt;
    const Tensor t = dump.read_attention(*att, options.layer, options.prompt, options.head);
    r.values = t.data;
    r.positions = t.shape.size() == 2 ? t.shape[0] : att->n_positions;
    for (const TokenInfo& token : dump.tokens())
        if (token.prompt == options.prompt) {
            r.tokens.push_back(token.text);
            r.token_ids.push_back(token.id);
        }
    progress.report(1.0, "attention read");
    return r;
}

std::string token_label_of(const AttentionResult& r, std::size_t i) {
    if (i >= r.tokens.size()) return {};
    return es::token_label(r.tokens[i], i < r.token_ids.size() ? r.token_ids[i] : std::nullopt);
}

nlohmann::json to_json(const AttentionResult& r) {
    nlohmann::json rows = nlohmann::json::array();
    for (std::size_t q = 0; q < r.positions; ++q) {
        nlohmann::json row = nlohmann::json::array();
        for (std::size_t k = 0; k < r.positions; ++k) row.push_back(r.values[q * r.positions + k]);
        rows.push_back(std::move(row));
    }
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& id : r.token_ids) ids.push_back(id ? nlohmann::json(*id) : nlohmann::json());
    return {{"layer", r.layer},         {"head", r.head},     {"prompt", r.prompt},
            {"positions", r.positions}, {"source", r.source}, {"tokens", r.tokens},
            {"token_ids", ids},         {"weights", rows}};
}

std::string to_csv(const AttentionResult& r) {
    std::ostringstream os;
    os << "query,key,weight\n";
    for (std::size_t q = 0; q < r.positions; ++q)
        for (std::size_t k = 0; k < r.positions; ++k)
            os << q << ',' << k << ',' << csv_num(r.values[q * r.positions + k]) << '\n';
    return os.str();
}

}  // namespace es::analysis
