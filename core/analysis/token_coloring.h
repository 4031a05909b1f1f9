#pragma once
// What colours tokens by their string or by a metadata column (io/dump.h TokenColumn): the
// categories with a colour each, or a value each on a continuous scale. Plain data without
// colours: the 3-D view maps categories to its palette and values to a colour map, and
// `eigenscope-cli project --color-by` writes the same assignment and its legend as JSON.
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"

namespace es::analysis {

struct TokenColoring {
    std::string title;  // "token", or the column's name
    bool categorical = true;
    // Categorical: the categories that get a colour of their own, most frequent first (ties in
    // order of first appearance), at most max_categories; every other one is "other".
    std::vector<std::string> categories;
    std::vector<std::size_t> counts;  // tokens in each category
    std::size_t other_kinds = 0;      // distinct values lumped into "other"
    std::size_t other_count = 0;      // tokens in "other"
    // Per token: the index into `categories`, or -1 for "other".
    std::vector<int> category;
    // Continuous: the value of each token (NaN where missing) and the range of the finite ones.
    std::vector<double> values;
    double low = 0, high = 0;
};

// `by`: "token" (the token's string, TokenInfo::text; by id where there is none) or the name of
// one of `columns`. Throws InputError naming the choices when `by` is neither.
TokenColoring token_coloring(const std::vector<TokenInfo>& tokens,
                             const std::vector<TokenColumn>& columns, const std::string& by,
                             std::size_t max_categories = 7);

// {"by", "categorical", "legend": {"categories": [{"name", "tokens"}], "other": {"kinds",
// "tokens"}} or {"low", "high"}, "token_category": [...] or "token_value": [...]}.
nlohmann::json to_json(const TokenColoring& c);

}  // namespace es::analysis
