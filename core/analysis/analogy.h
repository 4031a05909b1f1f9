#pragma once
// Word analogies in hidden states: "king - man + woman" at one state of the stream (or in the
// embedding / unembedding matrix), answered by the candidates nearest in cosine to the query
// vector. Candidates are the distinct tokens of the dump (their mean state over occurrences at
// that state) or the vocabulary rows of W_E / W_U; the query's own tokens are excluded. With
// normalize every operand and candidate is put on the unit sphere first, since raw hidden states
// differ wildly in norm and a long operand would otherwise dominate the sum.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

struct AnalogyOptions {
    std::string stream;
    bool include_final_norm = false;
    std::string query;                 // "a - b + c": terms are token names (token_lookup.h)
    std::optional<std::size_t> layer;  // state; default the last pre-final-norm state
    bool all_layers = false;           // every analysed state (the view's curves)
    std::string source;                // "" (states), "embed.W_E" or "unembed.W_U"
    bool normalize = false;
    std::size_t top = 10;
    std::string expect;  // a token whose rank is reported
};

struct AnalogyHit {
    std::string token;            // raw text (vocabulary sources: "" for an id without a string)
    std::optional<long long> id;  // vocabulary sources
    double cosine = 0;
};

struct AnalogyLayer {
    std::optional<std::size_t> layer;  // null for a weight source
    std::string name;
    std::vector<AnalogyHit> results;
    std::optional<std::size_t> expected_rank;  // 1-based among the candidates
    std::optional<double> expected_cosine;
};

struct AnalogyResult {
    std::string query, stream, source, expect;
    bool normalized = false;
    std::vector<std::pair<int, std::string>> terms;  // sign (+1/-1) and token name
    std::size_t candidates = 0;
    std::vector<AnalogyLayer> layers;
};

// "a - b + c" into signed terms: whitespace separates, '+' and '-' are operators (alone or
// leading a term), single quotes keep a token's spaces. InputError quoting the query otherwise.
std::vector<std::pair<int, std::string>> parse_analogy(const std::string& query);

AnalogyResult analogy(const Dump& dump, const AnalogyOptions& options, Progress& progress);

// {"query","layer","normalized","results":[{"token","cosine"}],"expected"?} for one layer;
// {"query","normalized","layers":[...]} for several.
nlohmann::json to_json(const AnalogyResult& r);
// layer,name,rank,token,cosine
std::string to_csv(const AnalogyResult& r);

}  // namespace es::analysis
