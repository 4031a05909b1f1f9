#include "analysis/token_coloring.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "util/error.h"

namespace es::analysis {

namespace {

// The key of a token for colouring by string: its text, or its id where it has none (a dump
// with ids but no strings or vocabulary); one key, one colour.
std::string token_key(const TokenInfo& t) {
    if (!t.text.empty() || !t.id) return t.text;
    return "id " + std::to_string(*t.id);
}

void categorical(TokenColoring& out, const std::vector<std::string>& labels,
                 std::size_t max_categories) {
    // Distinct labels in order of first appearance, with their counts.
    std::unordered_map<std::string, std::size_t> index;
    std::vector<std::string> kinds;
    std::vector<std::size_t> counts;
    std::vector<std::size_t> kind_of(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        auto [it, fresh] = index.emplace(labels[i], kinds.size());
        if (fresh) {
            kinds.push_back(labels[i]);
            counts.push_back(0);
        }
        kind_of[i] = it->second;
        ++counts[it->second];
    }
    std::vector<std::size_t> order(kinds.size());
    std::iota(order.begin(), order.end(), 0);
    // Most frequent first; stable, so ties keep the order of first appearance.
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return counts[a] > counts[b]; });
    std::vector<int> rank(kinds.size(), -1);
    for (std::size_t r = 0; r < order.size() && r < max_categories; ++r) {
        rank[order[r]] = static_cast<int>(r);
        out.categories.push_back(kinds[order[r]]);
        out.counts.push_back(counts[order[r]]);
    }
    out.other_kinds = kinds.size() - out.categories.size();
    out.category.resize(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        out.category[i] = rank[kind_of[i]];
        if (out.category[i] < 0) ++out.other_count;
    }
}

}  // namespace

TokenColoring token_coloring(const std::vector<TokenInfo>& tokens,
                             const std::vector<TokenColumn>& columns, const std::string& by,
                             std::size_t max_categories) {
    TokenColoring out;
    out.title = by;
    if (by == "token") {
        std::vector<std::string> labels;
        labels.reserve(tokens.size());
        for (const TokenInfo& t : tokens) labels.push_back(token_key(t));
        categorical(out, labels, max_categories);
        return out;
    }
    const auto col = std::find_if(columns.begin(), columns.end(),
                                  [&](const TokenColumn& c) { return c.name == by; });
    if (col == columns.end()) {
        std::string choices = "token";
        for (const TokenColumn& c : columns) choices += ", " + c.name;
        throw InputError("cannot colour by \"" + by +
                         "\": the dump has no such token metadata "
                         "column (choices: " +
                         choices + ")");
    }
    if (col->categorical) {
        categorical(out, col->labels, max_categories);
        return out;
    }
    out.categorical = false;
    out.values = col->values;
    out.low = std::numeric_limits<double>::infinity();
    out.high = -out.low;
    for (double v : out.values) {
        if (!std::isfinite(v)) continue;
        out.low = std::min(out.low, v);
        out.high = std::max(out.high, v);
    }
    if (!(out.low <= out.high)) out.low = out.high = 0;  // no finite value at all
    return out;
}

nlohmann::json to_json(const TokenColoring& c) {
    nlohmann::json j;
    j["by"] = c.title;
    j["categorical"] = c.categorical;
    if (c.categorical) {
        nlohmann::json cats = nlohmann::json::array();
        for (std::size_t i = 0; i < c.categories.size(); ++i)
            cats.push_back({{"name", c.categories[i]}, {"tokens", c.counts[i]}});
        j["legend"] = {{"categories", cats},
                       {"other", {{"kinds", c.other_kinds}, {"tokens", c.other_count}}}};
        j["token_category"] = c.category;
    } else {
        j["legend"] = {{"low", c.low}, {"high", c.high}};
        nlohmann::json values = nlohmann::json::array();
        for (double v : c.values) values.push_back(std::isfinite(v) ? nlohmann::json(v) : nullptr);
        j["token_value"] = values;
    }
    return j;
}

}  // namespace es::analysis
