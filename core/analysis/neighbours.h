#pragma once
// The k token states nearest to one token's state at one state of the stream (the token itself
// excluded), by cosine or euclidean distance. Exact: the state streamed in slabs, each slab's dot
// products with the query by BLAS (sgemm) on every worker, a bounded candidate list per worker,
// the finalists rescored in float64, so memory is one slab per worker whatever the token count.
// Approximate: an HNSW index (hnswlib; Malkov & Yashunin 2018) over the state, built once and
// kept in a file when an index path is given, used above a size threshold or on request; its
// recall@k against the exact answer can be measured on the same query.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

enum class NeighbourMetric { Cosine, Euclidean };
enum class NeighbourMethod { Auto, Exact, Hnsw };

struct NeighboursOptions {
    std::string stream;
    std::size_t token = 0;  // flat index
    std::size_t layer = 0;  // state
    std::size_t k = 10;
    NeighbourMetric metric = NeighbourMetric::Cosine;
    NeighbourMethod method = NeighbourMethod::Auto;
    // Auto: HNSW from this many tokens on, or when index_path exists.
    std::size_t hnsw_threshold = std::size_t{4} << 20;
    std::size_t hnsw_m = 16, hnsw_ef_construction = 200, hnsw_ef = 200;
    std::string index_path;       // HNSW: load from / save to this file (empty: in memory only)
    bool measure_recall = false;  // HNSW: also the exact answer, and recall@k against it
    int threads = 0;
};

struct Neighbour {
    std::size_t token_index = 0;
    std::string token;  // raw text ("" when the dump has none)
    double score = 0;   // cosine (descending) or euclidean distance (ascending)
};

struct NeighboursResult {
    std::string stream, layer_name, token_text, metric, method;  // method: "exact" or "hnsw"
    std::size_t token = 0, layer = 0, states = 0;
    std::vector<Neighbour> neighbours;
    std::optional<double> recall;  // measure_recall with HNSW
    bool index_loaded = false;     // HNSW: read from index_path rather than built
};

NeighboursResult neighbours(const Dump& dump, const NeighboursOptions& options, Progress& progress);

// {"token","layer","metric","method","neighbours":[{"token_index","token","score"}],"recall"?}
nlohmann::json to_json(const NeighboursResult& r);
// rank,token_index,token,score
std::string to_csv(const NeighboursResult& r);

}  // namespace es::analysis
