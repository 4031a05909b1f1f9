#pragma once
// Per-layer singular values of the token-mean-centred T x D activation matrix (or uncentred),
// via the Gram matrix of the smaller side and LAPACK ?syevd in float64; explained variance,
// effective rank (Roy & Vetterli), participation ratio and the top-k principal directions.
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"
#include "numerics/pca.h"
#include "util/progress.h"

namespace es::analysis {

struct SpectrumOptions {
    std::string stream;
    std::vector<std::size_t> layers;  // state indices; empty: every analysed state
    bool include_final_norm = false;  // only when layers is empty
    bool centred = true;
    std::size_t top_k = 16;  // principal directions kept per layer
    // 0: both cores. With 2 and several layers, two layers run at once, each with one BLAS
    // thread (?sytrd inside ?syevd does not scale to two threads), when two layers' working sets
    // fit in memory_budget (see spectrum_layers_at_once); otherwise one layer at a time. 1: one
    // layer at a time on one BLAS thread.
    int threads = 0;
    // Bytes the layers computed at once may hold together; 0: half the physical memory. The app
    // passes its spectrum's share of the memory its analyses share (issue 20). Only how many
    // layers run at once depends on it, never the numbers.
    std::size_t memory_budget = 0;
    // Progressive use (the app): the state computed first, then the others outward from it.
    // Read again as each layer is taken, so a new selection re-orders the layers not yet
    // started. Null: state order.
    std::shared_ptr<const std::atomic<long long>> focus;
    // Called on a worker thread after each layer with every layer done so far (a partial result:
    // pending_layers names the rest); the returned result is the complete one.
    std::function<void(const struct SpectrumResult&)> on_layer;
    // With on_layer: before the exact values of the first layer taken, and of any later layer
    // taken while it is the focus, its top `estimate_top` values estimated by randomized block
    // Krylov iteration (numerics::top_singular_values, a fraction of the exact cost) are handed out
    // in a partial result, marked as an estimate: first its leading values once they are tight
    // (spectrum_first_values), then all of them. Only where the state is read whole (tokens <= d).
    // 0: none (spectrum_estimate_top says when it is worth it).
    std::size_t estimate_top = 0;
};

struct LayerSpectrum {
    std::size_t layer = 0;  // state index
    std::string name;
    bool centred = true;
    std::size_t tokens = 0, excluded_tokens = 0;
    std::vector<double> singular_values;           // min(tokens, d), descending
    std::vector<double> explained_variance_ratio;  // s_i^2 / sum s^2
    double effective_rank = 0;                     // exp(entropy of s_i / sum s)
    double participation_ratio = 0;                // (sum s^2)^2 / sum s^4
    std::vector<std::vector<double>> components;   // top-k unit vectors (d), sign-normalised
    // An estimate (only in partial results, never exported or cached): singular_values holds the
    // top values of estimate_of, explained_variance_ratio is exact (from ||X||_F^2), the ranks are
    // 0 (they need every value), and estimate_bounds[i] says how close a singular value of the
    // layer is to singular_values[i] (the residual check).
    std::size_t estimate_of = 0;  // 0: exact
    std::vector<double> estimate_bounds;
    bool estimate_converged = false;
};

struct SpectrumResult {
    std::string stream;
    std::vector<LayerSpectrum> layers;  // in state order
    // States still being computed: non-empty only in the partial results on_layer hands out,
    // which are shown marked as partial and never exported.
    std::vector<std::size_t> pending_layers;
    // Layers still pending or estimated: shown as partial, never exported.
    bool partial() const;
};

SpectrumResult spectrum(const Dump& dump, const SpectrumOptions& options, Progress& progress);

// A state's spectrum in parts (distributed runs of a state with more tokens than dimensions):
// the D x D scatter of tokens [begin, end) with their finite rows, streamed from the file as
// spectrum() streams it; scatters of consecutive token blocks merged in token order
// (Scatter::merge) give the whole state's, and spectrum_of_scatter its spectrum, the values
// spectrum() computes up to rounding. InputError (naming the file and dataset) when fewer than 2
// tokens are finite.
numerics::Scatter spectrum_scatter(const Dump& dump, const StreamInfo& s, std::size_t state,
                                   bool centred, std::size_t begin, std::size_t end,
                                   Progress& progress);
LayerSpectrum spectrum_of_scatter(const Dump& dump, const StreamInfo& s, std::size_t state,
                                  const SpectrumOptions& options, numerics::Scatter&& scatter);

// Peak bytes one layer of tokens x d holds while its spectrum is computed (the float32 state or
// a streamed token block, the float64 Gram or scatter, and the directions' working blocks).
double spectrum_layer_bytes(std::size_t tokens, std::size_t d, std::size_t top_k);
// How many layers spectrum() computes at once: 2 when it has several layers and two threads
// (threads 0: the machine's cores) and two layers' bytes fit in memory_budget (0: half the
// physical memory), else 1.
int spectrum_layers_at_once(std::size_t layers, std::size_t tokens, std::size_t d,
                            std::size_t top_k, int threads, std::size_t memory_budget);

// How many top values the app estimates before a layer's exact spectrum: 64 when the exact
// values take seconds (the smaller side >= 2048: a float64 eigensolve of that size), else 0.
std::size_t spectrum_estimate_top(std::size_t tokens, std::size_t d);
// The estimate's first picture (issue 20: within 1.5 s on M): handed out as soon as its leading
// spectrum_first_values() values (8) are each within spectrum_first_bound() (2%) of a singular
// value of the layer by their residual bounds, only those values; the rest keep refining and all
// estimate_top values follow. On an M layer: 24 values within 2% after 3 Krylov blocks of 6.
std::size_t spectrum_first_values();
double spectrum_first_bound();
// How many leading values have bounds[i] <= relative * values[i].
std::size_t spectrum_tight_values(const std::vector<double>& values,
                                  const std::vector<double>& bounds, double relative);

// Statistics of a descending list of singular values (shared with other analyses and tests).
double spectrum_effective_rank(const std::vector<double>& s);
double spectrum_participation_ratio(const std::vector<double>& s);

// One layer: {"layer", "name", "centered", "tokens", "excluded_tokens", "singular_values",
// "explained_variance_ratio", "effective_rank", "participation_ratio", "components"}.
nlohmann::json to_json(const LayerSpectrum& l);
// {"stream", "layers": [per layer]}.
nlohmann::json to_json(const SpectrumResult& r);
// Long format: layer,name,index,singular_value,explained_variance_ratio (+ per-layer summary rows
// with index "effective_rank"/"participation_ratio" are not mixed in: see columns).
std::string to_csv(const SpectrumResult& r);

}  // namespace es::analysis
