#pragma once
// Timescales of the principal directions of one layer: the autocorrelation of each top-k
// projection along token positions within each prompt (pooled over prompts, each prompt's mean
// removed, normalised by the lag-0 variance), its half-life in tokens; and the persistence of the
// top-k subspace across layers (principal angles between consecutive layers, in degrees).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

struct TimescalesOptions {
    std::string stream;
    std::optional<std::size_t> layer;  // state; default the middle analysed state
    std::size_t components = 8;        // k
    bool include_final_norm = false;
};

struct SubspaceStep {
    std::string from, to;
    std::vector<double> angles_deg;  // ascending
};

struct TimescalesResult {
    std::string stream, layer_name;
    std::size_t layer = 0, tokens = 0, excluded_tokens = 0, positions = 0;
    std::size_t components = 0;                    // k actually used (<= requested, <= rank)
    std::vector<double> explained_variance_ratio;  // of each component
    std::vector<std::vector<std::optional<double>>> autocorrelation;  // k x positions (lags)
    std::vector<std::optional<double>> half_life;  // first lag with r < 0.5 (interpolated)
    std::vector<SubspaceStep> persistence;         // consecutive analysed states
};

TimescalesResult timescales(const Dump& dump, const TimescalesOptions& options, Progress& progress);

// Pooled autocorrelation of per-token values v (prompts x positions, NaN = missing).
std::vector<std::optional<double>> autocorrelation(const std::vector<double>& v,
                                                   std::size_t prompts, std::size_t positions);
// First lag where r drops below 0.5, linearly interpolated between lags; nullopt if never.
std::optional<double> half_life(const std::vector<std::optional<double>>& r);

// {"stream","layer","name","tokens","excluded_tokens","components","explained_variance_ratio",
//  "autocorrelation": k x lags,"half_life": k,"persistence":[{"from","to","angles_deg"}]}
nlohmann::json to_json(const TimescalesResult& r);
// component,explained_variance_ratio,half_life,lag0,lag1,...
std::string to_csv(const TimescalesResult& r);

}  // namespace es::analysis
