#pragma once
// A 3-D view of every (layer, token) state: one exact PCA basis fit on all tokens of the selected
// layers pooled (streamed scatter, Chan merge, float64), optional spherizing (centre by the pooled
// mean, then unit length; the basis is then fit on the spherized states), or custom axes given
// as differences of two tokens' states at a layer, orthonormalised by Gram-Schmidt.
// Or a UMAP layout (numerics/umap.h) of the same states: the kNN graph is built on their scores
// on the leading 50 principal components of that fit (all of them when d <= 50). Distances in a
// UMAP layout are not the model's geometry; only its neighbourhoods are meant to be.
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

struct AxisSpec {
    std::size_t token_a = 0, token_b = 0;  // flat token indices: axis = state(a) - state(b)
    std::size_t layer = 0;                 // state index
    std::string label;                     // shown in results; "A-B@layer" when empty
    std::string direction;  // non-empty: a direction (axis_spec.h) at `layer` instead of a - b
};

enum class ProjectMethod { Pca, Umap };

struct ProjectOptions {
    std::string stream;
    std::vector<std::size_t> layers;  // states; empty: every analysed state
    bool include_final_norm = false;
    bool spherize = false;
    std::vector<AxisSpec> axes;  // up to 3; remaining axes are the leading principal directions
                                 // orthogonalised against them
    ProjectMethod method = ProjectMethod::Pca;
    std::size_t dims = 3;     // 2: the third coordinate is 0
    std::uint64_t seed = 42;  // UMAP's
    // Trustworthiness (k = 10) of the layout against the states in model space (spherized when
    // spherize), on at most this many states taken evenly; 0: not computed.
    std::size_t trust_points = 0;
    int threads = 0;  // 0: both cores
    // UMAP's neighbour graph is exact up to this many states, from an HNSW index above.
    std::size_t exact_knn_up_to = 50000;
    // Progressive use (the app): for a PCA layout of several layers without custom axes or
    // spherizing, the state `focus` (a state index; the first analysed one when not among them)
    // alone, on its own PCA basis, is handed to on_preview (on the worker thread) before the
    // pooled fit reads every layer. A partial result (preview_state set): shown marked as such,
    // never exported.
    std::function<void(const struct ProjectResult&)> on_preview;
    std::size_t focus = 0;
    // umap-learn's sequential descent instead of the parallel one (numerics/umap.h), for the
    // tests that compare the two layouts' quality.
    bool umap_sequential = false;
};

struct ProjectResult {
    std::string stream;
    std::vector<std::string> layers;
    std::vector<std::size_t> states;
    std::size_t tokens = 0, excluded_states = 0, fit_rows = 0;
    bool spherized = false;
    std::string method = "pca";  // "pca" or "umap"
    std::size_t dims = 3;
    std::uint64_t seed = 0;                  // UMAP's
    std::string knn;                         // UMAP's neighbour graph: "exact" or "hnsw"
    std::vector<std::string> axis_labels;    // 3
    std::vector<double> explained_variance;  // 3: variance along each axis / total (PCA only)
    std::vector<std::vector<double>> axes;   // 3 unit vectors in model space (PCA only)
    // With trust_points: trustworthiness (k = 10) of these coordinates, and of the first 3
    // principal components' on the same states, over `trust_states` states.
    std::optional<double> trustworthiness, trustworthiness_pca3;
    std::size_t trust_states = 0;
    std::vector<double> mean;  // pooled mean (d)
    // layers x tokens; null for NaN/Inf states (and, spherized, states equal to the mean)
    std::vector<std::vector<std::optional<std::array<double, 3>>>> coordinates;
    // Only in on_preview's result: the one state whose coordinates it holds (the other layers'
    // are all null), fit on that state alone.
    std::optional<std::size_t> preview_state;
};

ProjectResult project(const Dump& dump, const ProjectOptions& options, Progress& progress);

// Centred-and-unit-length copy of row x (d) given the pooled mean; nullopt when x == mean.
std::optional<std::vector<double>> spherize_row(const float* x, const std::vector<double>& mean,
                                                std::size_t d);

// {"stream","layers","tokens","excluded_states","spherized","method","dims",["seed"],
//  "axis_labels","explained_variance","axes",["trustworthiness": {"k","states","layout","pca3"}],
//  "coordinates": layers x tokens x [x,y,z] (null entries)}
nlohmann::json to_json(const ProjectResult& r);
// layer,name,token,x,y,z
std::string to_csv(const ProjectResult& r);

}  // namespace es::analysis
