#pragma once
// Head-by-head similarity matrices within one layer or across all layers, with a display order
// from average-linkage clustering on 1 - similarity. Metrics:
//   qk_cosine, ov_cosine: Frobenius cosine <C1, C2>_F / (|C1| |C2|) of the D x D circuits, from
//     d_head x d_head products: <A1 B1^T, A2 B2^T>_F = trace((A1^T A2)(B2^T B1)).
//   subspace_overlap (alias ov_write_overlap): mean cos^2 of the principal angles between two
//     heads' OV WRITE subspaces = span of the top-r RIGHT singular vectors of OV = W_V W_O (the
//     directions of model space the head writes into, x^T OV). = ||V1^T V2||_F^2 / r.
//   ov_read_overlap: the same for the top-r LEFT singular vectors of OV (what the head reads).
//   qk_query_overlap / qk_key_overlap: top-r left / right singular vectors of QK = W_Q W_K^T.
//   pattern_corr: Pearson correlation of two heads' attention patterns over every causal entry
//     (key <= query) of every prompt.
// r defaults to 8 and is clamped to d_head. Labels "L{l}H{h}". No Qt.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

enum class HeadMetric {
    QkCosine,
    OvCosine,
    SubspaceOverlap,
    OvReadOverlap,
    QkQueryOverlap,
    QkKeyOverlap,
    PatternCorr
};
// Parses a metric name; InputError listing the valid ones.
HeadMetric parse_head_metric(const std::string& name);
const char* head_metric_name(HeadMetric m);

struct HeadSimilarityOptions {
    std::optional<std::size_t> layer;  // none: all layers (every head vs every head)
    HeadMetric metric = HeadMetric::QkCosine;
    std::size_t rank = 8;
    int threads = 2;
    // A distributed run's share: only the upper-triangle rows i with i % row_stride == row_offset
    // are computed (others stay NaN) and the display order is left empty; rank 0 joins the shares
    // with head_similarity_merge().
    std::size_t row_stride = 1, row_offset = 0;
};

struct HeadSimilarityResult {
    std::optional<std::size_t> layer;
    std::string metric;
    std::size_t rank = 0;            // used rank for the overlap metrics, 0 otherwise
    std::vector<std::string> heads;  // labels in natural order
    std::vector<double> matrix;      // n x n row-major, natural order; NaN where undefined
    std::vector<std::size_t> order;  // clustered display permutation
    std::size_t n() const { return heads.size(); }
};

HeadSimilarityResult head_similarity(const Dump& dump, const HeadSimilarityOptions& options,
                                     Progress& progress);

// The result from the shares of row_stride ranks (share k computed rows i % stride == k, in
// order): rows taken from their share, the matrix symmetrised and the display order computed,
// as one call computes them.
HeadSimilarityResult head_similarity_merge(std::vector<HeadSimilarityResult> shares);

// {"layer": N|null, "metric", "rank", "heads", "order", "matrix": [[...]]}
nlohmann::json to_json(const HeadSimilarityResult& r);
// Square matrix with a header row/column of labels, natural order.
std::string to_csv(const HeadSimilarityResult& r);

}  // namespace es::analysis
