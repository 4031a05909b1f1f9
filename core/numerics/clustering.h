#pragma once
// Hierarchical clustering for display orders (heatmaps): average linkage (UPGMA) on a distance
// matrix. Deterministic: the closest pair is found by a fixed scan, ties go to the pair with the
// smaller indices; a merged cluster lists the cluster holding the smaller original index first.
#include <cstddef>
#include <vector>

namespace es::numerics {

// dist: n x n row-major, symmetric (only i < j is read); non-finite distances count as the
// largest finite distance + 1. Returns the leaf order (a permutation of 0..n-1).
std::vector<std::size_t> average_linkage_order(const std::vector<double>& dist, std::size_t n);

}  // namespace es::numerics
