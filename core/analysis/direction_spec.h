#pragma once
// A direction in model space as users type it, for an axis of the 3D view and `project --axes`
// (axis_spec.h) and for a bar of the equaliser (equaliser.h):
//   pairs(a:b,c:d)[@L]    the normalised mean of the pairs' differences (analysis::directions)
//   groups(a,b|c,d)[@L]   the difference of the two groups' means, normalised
//   pcK[@L]               principal component K (from 1) of state L's tokens
//   W_U[t], W_E[t]        a weight row (the same at every state: no @L)
//   vector(FILE.npy) or vector(FILE.h5:/dataset)   a vector from a file (no @L)
// Tokens inside are named as token_lookup.h reads them (text or flat index, quotes keep ':' ','
// '|' ')' literal). Without @L the caller decides the state: the 3D view's default layer, or in
// the equaliser every frame's own state. Every failure is an InputError quoting the spec.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "analysis/directions.h"
#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

struct DirectionSpec {
    std::string text;                  // as typed, trimmed, @L included
    DirectionsOptions definition;      // stream and one definition set; null draws off
    std::optional<std::size_t> layer;  // @L
    bool fixed = false;                // W_U/W_E/vector: the same vector at every state
};

// Whether an item of a list is a direction (starts with pairs( groups( pcK W_U[ W_E[ vector(),
// not a token difference "A-B".
bool is_direction(const std::string& item);

// `text` split at commas outside (), [] and single quotes, each piece trimmed; an empty piece is
// an InputError quoting the text. An empty or blank text gives no pieces.
std::vector<std::string> split_specs(const std::string& text);

// One direction; the tokens are looked up now (a missing one is an InputError naming the file
// and the token), weights and files are read only when the direction is computed.
DirectionSpec parse_direction(const std::string& text, const Dump& dump, const StreamInfo& s);

// The unit direction at each of `states` (state indices; a spec with @L gives its state L's
// direction at every one). An empty vector where it is undefined (a side without finite states,
// a zero difference); a zero weight row or file vector is an InputError. Progress is reported
// within [lo, hi] of the caller's, and the caller's cancellation stops it.
std::vector<std::vector<double>> direction_at(const Dump& dump, const DirectionSpec& spec,
                                              const std::vector<std::size_t>& states,
                                              Progress& progress, double lo = 0, double hi = 1);

}  // namespace es::analysis
