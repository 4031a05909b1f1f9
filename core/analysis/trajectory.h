#pragma once
// Trajectories of tokens through the layers: per token and state the L2 norm, the cosine to the
// same token's previous state and to its first state; per state mean/median/p10/p90 over tokens.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/common.h"
#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

struct TrajectoryResult;

// Memory for the first, previous and current states of a block of tokens (the rest is per-token
// scalars): 33 x 4096 x 4096 dumps are analysed in one block, larger ones in several.
constexpr std::size_t kTrajectoryBlockBytes = std::size_t{256} << 20;

struct TrajectoryOptions {
    std::string stream;               // empty: the residual stream
    bool include_final_norm = false;  // HF: keep the final-norm hidden state
    int threads = 0;                  // 0: both cores
    std::size_t slab_tokens =
        0;  // tokens per read (0: whole chunks or ~4 MiB); tests use small slabs
    std::size_t block_tokens = 0;  // tokens analysed layer by layer together (0: memory budget)
    // Called (on the analysing thread) after each layer but the last of the first block with the
    // result so far: the first block's tokens, layers 0..k. Lets a view fill in layer by layer.
    std::function<void(const TrajectoryResult&)> on_layer;
    // Only tokens [token_begin, token_end) (token_end 0: to the last): a distributed run's share;
    // trajectory_merge() joins the shares. Statistics are then of these tokens only.
    std::size_t token_begin = 0, token_end = 0;
};

struct TrajectoryResult {
    std::string stream;
    std::vector<std::string> layers;       // state names, in order
    std::vector<std::size_t> states;       // state indices into the stream
    std::size_t layers_total = 0;          // layers of the full result (> layers.size(): partial)
    std::size_t tokens = 0;                // tokens in the stream (prompts x positions)
    std::size_t excluded_tokens = 0;       // tokens with a NaN/Inf entry in any analysed state
    std::vector<std::size_t> token_index;  // flat indices of the included tokens
    // Per included token (outer) and layer (inner). A zero vector gives a null cosine.
    std::vector<std::vector<double>> norm;
    std::vector<std::vector<std::optional<double>>> cos_prev, cos_first;
    // Per layer, over included tokens (nulls skipped); cos_prev of the first layer has count 0.
    std::vector<Summary> norm_stats, cos_prev_stats, cos_first_stats;
    // Mean norm of the last pre-final-norm state / mean norm of the first; null when undefined.
    std::optional<double> growth_ratio;
};

TrajectoryResult trajectory(const Dump& dump, const TrajectoryOptions& options, Progress& progress);

// The result for all tokens from the results for consecutive token ranges (in order): per-token
// values concatenated, statistics and growth recomputed from them, as one call over all tokens
// computes them.
TrajectoryResult trajectory_merge(std::vector<TrajectoryResult> parts, const StreamInfo& s);

// {"stream", "layers", "tokens", "excluded_tokens", "norm": {"mean","median","p10","p90"},
//  "cos_prev": {...}, "cos_first": {...}, "growth_ratio"} (+ "per_token" when asked).
nlohmann::json to_json(const TrajectoryResult& r, bool per_token = false);
// One row per layer (or per token and layer with per_token).
std::string to_csv(const TrajectoryResult& r, bool per_token = false);

}  // namespace es::analysis
