#pragma once
// The analyses that more than one verb runs over the MPI ranks (spectrum, cka, trajectory, the
// weight spectra, one result per item), shared by their verbs and by `report`. Every rank calls
// them with the same arguments (collective); rank 0 gets the merged result, the others nullopt.
// In one process they are the plain analysis.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/cka.h"
#include "analysis/spectrum.h"
#include "analysis/trajectory.h"
#include "analysis/weight_spectra.h"
#include "io/dump.h"

namespace es::cli {

// Fewer states than ranks, each with more tokens than dimensions: each state's D x D scatter in
// token blocks, one per rank, merged on rank 0 in rank (= token) order, then its eigensolve on
// rank 0. Otherwise each rank takes a contiguous block of the states, joined in state order.
std::optional<analysis::SpectrumResult> distributed_spectrum(const std::string& file,
                                                             const analysis::SpectrumOptions& o);
// Gram form: each rank the inner products of its block of Gram rows, summed on rank 0 in rank
// order; cross-covariance form: each rank a block of the layer norms and pairs.
std::optional<analysis::CkaResult> distributed_cka(const std::string& file,
                                                   const std::string& other,
                                                   analysis::CkaOptions o);
// A block of tokens per rank; statistics recomputed over all tokens (trajectory_merge).
std::optional<analysis::TrajectoryResult> distributed_trajectory(
    const std::string& file, const analysis::TrajectoryOptions& o);
// A block of the matrices per rank, in name order.
std::optional<analysis::WeightSpectraResult> distributed_weight_spectra(
    const std::string& file, const std::string& weights, const analysis::WeightSpectraOptions& o);

// Item i of n computed by rank i % size, in rounds of size items; rank 0 gets the n encoded
// results in item order. encode/decode: the result codec's.
std::optional<std::vector<std::string>> distributed_items(
    std::size_t n, const std::function<std::string(std::size_t)>& compute);

}  // namespace es::cli
