#pragma once
// An HNSW graph (hnswlib; Malkov & Yashunin 2018) behind a small interface. hnswlib is
// header-only but defines non-inline functions and globals (cpuid, the SIMD distance
// pointers), so it may be included by ONE translation unit only: hnsw.cpp. Every user
// (neighbours, UMAP's kNN graph) goes through this class.
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace es::numerics {

class HnswGraph {
public:
    // L2: squared Euclidean distance; InnerProduct: 1 - x.y (for unit vectors: cosine).
    enum class Space { L2, InnerProduct };

    // An empty graph for up to max_points points of width d.
    HnswGraph(Space space, std::size_t d, std::size_t max_points, std::size_t m,
              std::size_t ef_construction, std::size_t seed = 100);
    // A graph saved by save(); throws std::exception (hnswlib's message) when it cannot be read.
    HnswGraph(Space space, std::size_t d, const std::string& path, std::size_t max_points);
    ~HnswGraph();
    HnswGraph(const HnswGraph&) = delete;
    HnswGraph& operator=(const HnswGraph&) = delete;

    // Thread-safe for distinct labels (hnswlib locks per node).
    void add(const float* x, std::size_t label);
    // The k nearest labels with their distances, nearest first (ties by label). set_ef and
    // search share one ef: callers that search from several threads with different ef lock.
    void set_ef(std::size_t ef);
    std::vector<std::pair<float, std::size_t>> search(const float* q, std::size_t k) const;
    void save(const std::string& path) const;
    std::size_t size() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::numerics
