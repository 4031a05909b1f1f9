#pragma once
// One attention head's pattern for one prompt: the query x key matrix of block `layer`, head
// `head`, with the prompt's token texts. Read from the dump's hook_pattern (or attn_scores)
// datasets; entries above the diagonal are whatever the dump stores (zeros under a causal mask).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

struct AttentionOptions {
    std::string source = "pattern";  // "pattern" or "attn_scores"
    std::size_t layer = 0, head = 0, prompt = 0;
};

struct AttentionResult {
    std::string source;
    std::size_t layer = 0, head = 0, prompt = 0;
    std::size_t positions = 0;        // P: the matrix is P x P
    std::vector<float> values;        // row-major [query][key]
    std::vector<std::string> tokens;  // the prompt's P token texts, raw (TokenInfo::text)
    std::vector<std::optional<long long>> token_ids;  // their ids, where the dump has them
};

// What the i-th token shows (util/token_text.h: visible whitespace, "id 73" without text).
std::string token_label_of(const AttentionResult& r, std::size_t i);

// Throws InputError (naming the file and dataset) when the dump has no such attention, or the
// layer, head or prompt is out of range.
AttentionResult attention(const Dump& dump, const AttentionOptions& options, Progress& progress);

// {"layer","head","prompt","positions","source","tokens":[...],"token_ids":[id|null...],
//  "weights":[[...]...]}; tokens raw
nlohmann::json to_json(const AttentionResult& r);
// query,key,weight
std::string to_csv(const AttentionResult& r);

}  // namespace es::analysis
