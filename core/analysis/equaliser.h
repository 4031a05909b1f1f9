#pragma once
// The "equaliser" view of one token at one layer: its D raw coordinates, the unit-normalised
// vector, its energies along a fixed basis (raw dimensions, or a principal basis fit once on a
// reference layer or on all layers pooled) sorted by component, grouped into bands; plus the same
// token's band energies at every layer as animation frames. Or its energy along a set of typed
// directions (direction_spec.h: token pairs, groups, principal components, weight rows, vectors),
// one bar each: (x . u)^2 with u the unit direction at the frame's own state (or at the state a
// direction names with @L), divided by ||x||^2 when normalised (then it is cos^2(x, u)).
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

enum class EqualiserBasis { Dims, Pca, Directions };

// The principal basis the pca basis fits (every component, complete), kept apart so that a
// results bundle can hold it and the equaliser of a sampled token use it without the dump.
struct EqualiserBasisFit {
    std::size_t d = 0;
    std::vector<std::string> layers;  // states it was fit on
    std::vector<double> explained;    // variance ratio per component
    std::vector<double> components;   // d x d row-major
};

struct EqualiserOptions {
    std::string stream;
    std::size_t layer = 0;  // state index
    std::size_t token = 0;  // flat token index
    EqualiserBasis basis = EqualiserBasis::Pca;
    bool pooled = false;                     // fit the basis on all analysed states pooled
    std::optional<std::size_t> basis_layer;  // reference state; default the last pre-final-norm
    std::size_t bands = 32;  // ignored by the directions basis (one bar per direction)
    std::string directions;  // the directions basis: "pairs(king:queen)@3, W_U[queen], pc1"
    bool normalize = false;  // energies of the unit-normalised vector (they then sum to 1)
    bool include_final_norm = false;  // frames over every state including an HF final norm
    // The pca basis fitted already (equaliser_basis of the whole dump, from a bundle): used as
    // is instead of fitting one on this dump's states; must have the stream's width.
    const EqualiserBasisFit* fitted = nullptr;
    // Progressive use (the app, issue 20): the frame of this state is computed first, then the
    // others outward from it; read again before each frame, so a new selection re-orders the
    // frames not yet computed instead of restarting. Null: state order.
    std::shared_ptr<const std::atomic<long long>> focus;
    // Called on the worker thread after each frame with the frames so far (a partial result:
    // frame_computed says which; the others are empty rows). The first call holds the focus
    // state's frame; the returned result is the complete one.
    std::function<void(const struct EqualiserResult&)> on_frame;
    // A first picture before the pca basis is fit (the app, on wide streams where the fit takes
    // seconds): with on_frame set and no `fitted` basis, on_frame's first call holds the focus
    // state's frame along the principal axes of about this many sampled tokens of the reference
    // state (EqualiserResult::estimate_tokens; equaliser_estimate.h). 0: none (the CLI).
    std::size_t estimate_tokens = 0;
};

struct EqualiserResult {
    std::string stream, layer_name, token_text, basis;  // "dims", "pca", "directions"; text raw
    std::string token_label;                            // what the token shows (TokenInfo::label())
    std::optional<long long> token_id;
    std::size_t layer = 0, token = 0, prompt = 0, position = 0;
    std::vector<std::string> basis_layers;      // states the basis was fit on (empty for dims)
    std::vector<double> basis_explained;        // pca: variance ratio of each basis component
    std::vector<std::string> direction_labels;  // directions: each bar's direction as typed
    bool normalized = false;
    std::vector<double> raw;                  // D coordinates
    std::vector<std::optional<double>> unit;  // raw / ||raw|| (null for a zero vector)
    double norm = 0;
    std::vector<double> energies;         // per component, squared projection (NaN: no direction)
    std::vector<std::size_t> band_edges;  // bands + 1 component indices
    std::vector<double> bands;            // sum of energies per band
    std::vector<std::string> frame_layers;
    std::vector<std::vector<std::optional<double>>> frames;  // layers x bands (null: NaN/Inf state)
    // Per frame, whether it has been computed: all true in a complete result; a partial one
    // (EqualiserOptions::on_frame) has empty rows where false. Never exported while partial.
    std::vector<bool> frame_computed;
    // An estimate (EqualiserOptions::estimate_tokens; partial, never exported): the basis is the
    // principal axes of `estimate_tokens` sampled tokens of the `estimate_of` tokens of the
    // reference state. They resolve its first `estimate_resolved` components (what both
    // half-samples resolve, down to a band edge): energies and bands beyond are NaN (null in the
    // frame), and at the one computed frame they hold `estimate_rest` together (of ||x||^2, a
    // fraction when normalised). `estimate_spread`, the stated uncertainty of every shown band
    // and of the rest, a fraction of the token's ||x||^2 at that frame: the largest, over the
    // bands and the sums of the bands up to each, of the two half-samples' difference plus the
    // whole sample's distance from their mean (equaliser_estimate.h): an error estimate, not a
    // bound (docs/PERFORMANCE.md has how often it held on M). 0 tokens: exact.
    std::size_t estimate_tokens = 0, estimate_of = 0, estimate_resolved = 0;
    double estimate_rest = 0, estimate_spread = 0;
    // The pca basis' components the reference states determine: the rank of their centred
    // scatter (every component when it has full rank: d). With fewer tokens than dimensions (a
    // short prompt on a wide model) the scatter is zero past its rank and any orthonormal basis
    // of that null space fits it, so the energy along each such component, and a band reaching
    // into them, came from the eigensolver's rounding (two runs on different BLAS thread counts
    // drew different bars), not from the data. Those components' energies are NaN and those
    // bands' sums NaN (null in a frame); `undetermined` holds, per frame, the energy of all the
    // components from `determined_to_edge` (the last band edge within the rank) on together,
    // the same in every basis, and `undetermined_at_layer` the same at o.layer. Both empty/0
    // when every component is determined (dims and directions bases: always).
    std::size_t determined = 0, determined_to_edge = 0;
    std::vector<std::optional<double>> undetermined;  // per frame (null: not computed, NaN/Inf)
    double undetermined_at_layer = 0;
    bool has_undetermined() const { return !undetermined.empty(); }
    bool partial() const;
    // Dims basis: the token's D signed coordinates at each frame layer, so a view can colour the
    // per-dimension bars by sign at every layer (not in the JSON/CSV: the energies are).
    std::vector<std::vector<float>> frame_coordinates;
};

EqualiserResult equaliser(const Dump& dump, const EqualiserOptions& options, Progress& progress);
// The pca basis equaliser() fits for these options (pooled, basis_layer).
EqualiserBasisFit equaliser_basis(const Dump& dump, const EqualiserOptions& options,
                                  Progress& progress);

// {"stream","layer","name","token":{"index","prompt","position","text","id"},"basis","basis_layers",
//  "basis_explained","directions" (directions
//  basis),"normalized","norm","raw","unit","energies","band_edges","bands",
//  "frames":{"layers","energies"},"determined", and with undetermined components
//  "undetermined":{"from_component","energy","frames"}}
nlohmann::json to_json(const EqualiserResult& r);
// Rows: band,first_component,end_component,energy then one column per frame layer; with
// undetermined components a last row "undetermined" from determined_to_edge to d.
std::string to_csv(const EqualiserResult& r);

}  // namespace es::analysis
