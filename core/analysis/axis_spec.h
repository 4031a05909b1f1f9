#pragma once
// Custom 3-D axes as users write them, on the CLI (`project --axes`) and in the 3D view:
// "A-B[@L],C-D[@L],..." where A and B are token addresses (flat index or prompt:position) and L
// a state index (default: the caller's default layer). Each axis is state(A) - state(B) at L.
// Or a direction (direction_spec.h): "pairs(king:queen,man:woman)@L", "groups(a,b|c,d)@L",
// "pc1@L", "W_U[queen]", "vector(v.npy)": the unit direction analysis::directions gives at L.
#include <cstddef>
#include <string>
#include <vector>

#include "analysis/project.h"
#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

// At most 3 axes; every failure is an InputError quoting the offending part. Labels are "A-B@L"
// (the addresses as typed): stable for scripts; the 3D view shows token texts instead.
std::vector<AxisSpec> parse_axes(const std::string& text, const Dump& dump, const StreamInfo& s,
                                 std::size_t default_layer);

// A direction axis's unit vector at its state (what project() uses); an InputError naming the
// axis when the direction is undefined there (a side without finite states, a zero difference).
std::vector<double> axis_direction(const Dump& dump, const StreamInfo& s, const AxisSpec& axis,
                                   Progress& progress);

// An axis in words, as the 3D view titles it: the two tokens' texts and the state,
// "cat - dog @3"; the typed label when a token is outside the dump's token table.
std::string axis_in_words(const AxisSpec& axis, const Dump& dump);

}  // namespace es::analysis
