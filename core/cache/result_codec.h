#pragma once
// Results to bytes and back for the disk cache, the parts of a distributed run and results
// bundles (CBOR through nlohmann::json: exact doubles,
// NaN kept, nulls for absent optionals). decode() returns false on anything it does not
// recognise, so a cache entry from another version of a struct is recomputed, never misread.
#include <string>

#include "analysis/cka.h"
#include "analysis/head_circuits.h"
#include "analysis/head_similarity.h"
#include "analysis/project.h"
#include "analysis/spectrum.h"
#include "analysis/trajectory.h"
#include "analysis/weight_spectra.h"

namespace es::cache {

// Bumped whenever a cached struct changes shape; part of every cache key.
// 2: weight sources; head circuits, similarities, trajectories. 3: the projection's method, dims,
// seed and neighbour graph (a cached UMAP layout came back as "pca" without them).
constexpr int kCodecVersion = 3;

std::string encode(const analysis::SpectrumResult& r);
std::string encode(const analysis::CkaResult& r);
std::string encode(const analysis::ProjectResult& r);
std::string encode(const analysis::WeightSpectraResult& r);
std::string encode(const analysis::HeadCircuitsResult& r);
std::string encode(const analysis::HeadSimilarityResult& r);
std::string encode(const analysis::TrajectoryResult& r);
bool decode(const std::string& bytes, analysis::SpectrumResult& r);
bool decode(const std::string& bytes, analysis::HeadCircuitsResult& r);
bool decode(const std::string& bytes, analysis::HeadSimilarityResult& r);
bool decode(const std::string& bytes, analysis::TrajectoryResult& r);
bool decode(const std::string& bytes, analysis::CkaResult& r);
bool decode(const std::string& bytes, analysis::ProjectResult& r);
bool decode(const std::string& bytes, analysis::WeightSpectraResult& r);

}  // namespace es::cache
