#pragma once
// UMAP (McInnes, Healy & Melville 2018) of a point set, our own implementation: Debian 12
// packages no C++ UMAP. Exact k-nearest-neighbour graph (blocked distance products on both
// cores), the fuzzy simplicial set of umap-learn (per-point rho and sigma, fuzzy union), and its
// stochastic gradient descent with negative sampling, initialised from the input's first
// coordinates (the caller passes principal-component scores, so that is a PCA initialisation).
//
// Deterministic: one seed gives the same coordinates whatever the thread count. The neighbour
// search and the rho/sigma solve are split over threads with results per point. The descent
// (parallel_descent, the default) moves every point by its own edges, in edge order, against
// the other points' positions of the previous epoch: each point is written by one thread only
// and read by the others only between epochs, so the split does not change a bit. Its random
// numbers are a counter-based hash of (seed, epoch, edge, sample), not a shared generator.
//
// Also trustworthiness (Venna & Kaski 2001), how far a layout's neighbourhoods are the input's.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "util/progress.h"

namespace es::numerics {

struct UmapOptions {
    std::size_t dims = 3;         // 2 or 3
    std::size_t neighbours = 15;  // k of the kNN graph, the point itself not counted
    double min_dist = 0.1;        // with spread 1: the curve's a = 1.577, b = 0.8951
    std::size_t epochs = 0;       // 0: 500 up to 10 000 points, else 200 (umap-learn's rule)
    std::size_t negative_samples = 5;
    std::uint64_t seed = 42;
    int threads = 0;  // 0: both cores
    // The kNN graph from an HNSW index (hnswlib) instead of the exact search: O(n log n) instead
    // of O(n^2). Built by one thread in index order with the seed, so still deterministic.
    bool approximate = false;
    // false: umap-learn's sequential descent (every edge moves both ends at once, one thread),
    // kept to compare the layouts' quality with (tests/core/test_umap.cpp).
    bool parallel_descent = true;
};

// The k nearest other points of each of the n rows of x (n x d row-major), by Euclidean
// distance, nearest first (ties by index): indices and distances, n x k row-major.
struct Knn {
    std::size_t n = 0, k = 0;
    std::vector<std::uint32_t> index;
    std::vector<float> distance;
};
Knn exact_knn(const float* x, std::size_t n, std::size_t d, std::size_t k, int threads,
              Progress& progress);
// The same from an HNSW graph (M 16, ef_construction 200, ef 2k but at least 64), inserted in
// index order by one thread, queried on `threads`: the same answer for one seed whatever the
// thread count; nearly all of the exact neighbours (tests/core/test_umap.cpp measures recall).
Knn approximate_knn(const float* x, std::size_t n, std::size_t d, std::size_t k, std::uint64_t seed,
                    int threads, Progress& progress);

// n x dims row-major coordinates. x: n x d row-major, d >= dims.
std::vector<float> umap(const float* x, std::size_t n, std::size_t d, const UmapOptions& o,
                        Progress& progress);

// Trustworthiness T(k) of the layout y (n x dy) of x (n x dx), both row-major, in [0, 1]:
// 1 - 2 / (n k (2n - 3k - 1)) * sum over i, over the k nearest neighbours j of i in y that are
// not among its k nearest in x, of (rank of j among i's neighbours in x) - k. Exact, O(n^2 d).
double trustworthiness(const float* x, std::size_t dx, const float* y, std::size_t dy,
                       std::size_t n, std::size_t k, int threads = 0);

}  // namespace es::numerics
