#pragma once
// One state of a trajectory in the words a lecture uses: which state it is ("block 7 output"),
// the mean norm there, how much it grew from the previous state (×1.31) and how far the
// direction turned (mean cosine to the previous state). Presentation mode's live readout and its
// slides show it; it is read off a TrajectoryResult, nothing is recomputed.
#include <cstddef>
#include <optional>
#include <string>

#include "analysis/trajectory.h"

namespace es::analysis {

// A dump's state name in plain words: "blocks.7.hook_resid_post" -> "block 7 output",
// "blocks.0.hook_resid_pre" -> "block 0 input", HF "embeddings" -> "embedding", HF "layer 8"
// (hidden_states[8]) -> "block 7 output". Names it does not know come back unchanged.
std::string state_in_words(const std::string& state_name);

struct TrajectoryStep {
    std::size_t index = 0;  // position in the result's layers
    std::size_t state = 0;  // the state's index in its stream
    std::size_t count = 0;  // states in the full result
    std::string name;       // as the dump names it
    std::string words;      // state_in_words(name); the embedding for the residual stream's first
    std::optional<double> mean_norm;
    // mean_norm / the previous state's mean_norm; null for the first state or a zero mean.
    std::optional<double> growth_from_prev;
    // Mean over tokens of cos(h, previous h), and of cos(h, first h); null for the first state.
    std::optional<double> cos_prev, cos_first;
};

// The step for state `state` of the stream, or nothing when the result does not hold it (a
// partial result still coming in, or a state the analysis left out such as the final norm).
std::optional<TrajectoryStep> trajectory_step(const TrajectoryResult& result, std::size_t state);

}  // namespace es::analysis
