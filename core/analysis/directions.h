#pragma once
// Linear semantic directions through the layers. A direction is defined by token pairs (king:queen,
// man:woman: each side the mean state of its occurrences, d_i = mean(b_i) - mean(a_i), the
// direction their normalised mean), by two groups of tokens (difference of the groups' means),
// or fixed: a weight row (W_E[t], W_U[t]), a vector from a file, or a principal component. Per
// state of the stream: how consistently the pairs point one way (mean pairwise cosine of the d_i)
// against a seeded baseline of random pairs with matched counts, how much the direction turns
// from the previous state, how far apart the two sides lie along it (pooled standard deviations),
// and every token's projection on it. Streams each state twice (sums, then projections).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

struct DirectionsOptions {
    std::string stream;
    bool include_final_norm = false;
    // The states to compute; empty: every analysed state. A direction axis needs one state only.
    std::vector<std::size_t> states;
    std::vector<std::pair<std::string, std::string>> pairs;  // token names (token_lookup.h)
    std::vector<std::string> group_a, group_b;               // or two groups
    // A fixed direction instead of the sides' own (the sides then only give consistency and
    // separation): "W_E[t]" / "W_U[t]", a vector file (vector_file.h), or principal component
    // pc (1-based) of each state, or of state pc_layer for all.
    std::string weight, vector;
    std::optional<std::size_t> pc, pc_layer;
    std::size_t null_draws = 8;  // random pair sets averaged for consistency_null
    // Keep every token's projection in the result (states x tokens x 16 bytes: 0.5 GB for 1M
    // tokens and 33 states); without it only the sides' separation uses them.
    bool keep_projection = true;
    std::uint64_t seed = 0;
    int threads = 0;
};

struct DirectionsSide {
    std::string name;                      // as typed
    std::vector<std::size_t> occurrences;  // flat token indices
};

struct DirectionsResult {
    std::string stream, definition;  // "pairs", "groups", "W_U[queen]", "vector v.npy", "PC1", ...
    std::vector<std::string> layers;
    std::vector<std::size_t> states;
    std::size_t tokens = 0, null_draws = 0;
    std::uint64_t seed = 0;
    std::vector<std::pair<DirectionsSide, DirectionsSide>> pairs;
    std::vector<DirectionsSide> group_a, group_b;
    // Per state; null where undefined (fewer than 2 pairs, a zero direction, the first state).
    std::vector<std::optional<double>> consistency, consistency_null, direction_cos_prev,
        separation;
    std::vector<std::vector<double>> directions;  // per state: the unit direction (empty: none)
    // states x tokens: x . direction (raw states); null for a NaN/Inf state or no direction.
    // Empty without keep_projection.
    std::vector<std::vector<std::optional<double>>> projection;
    // Flat indices of the two sides' occurrences (the view highlights them).
    std::vector<std::size_t> side_a, side_b;
};

DirectionsResult directions(const Dump& dump, const DirectionsOptions& options, Progress& progress);

// The null's random numbers: splitmix64 (Steele et al. 2014), so that a script can draw the same
// pairs. Each draw, each pair i in order takes |a_i| + |b_i| distinct flat indices by rejection
// (next() % T, redrawn while already taken); the first |a_i| are its a side.
std::uint64_t splitmix64(std::uint64_t& state);

// {"stream","definition","layers","pairs":[{"a","b","a_count","b_count"}],"groups"?,
//  "null_draws","seed","consistency","consistency_null","direction_cos_prev","separation",
//  "projection"? (with_projection: states x tokens)}
nlohmann::json to_json(const DirectionsResult& r, bool with_projection = false);
// layer,name,consistency,consistency_null,direction_cos_prev,separation
std::string to_csv(const DirectionsResult& r);

}  // namespace es::analysis
