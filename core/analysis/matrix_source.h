#pragma once
// Building blocks of the weight, head and checkpoint analyses: matrices read by row blocks
// (weights, centred activations, differences of weights), their SVD through the float64 Gram of
// the smaller side (streamed, so a 128k x 4096 embedding never sits in memory whole), the
// per-head QK/OV factors, and NaN-free JSON/CSV number helpers. No Qt.
#include <Eigen/Dense>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

// A rows x cols matrix delivered in row blocks as float64. Sources made from a Dump refer to it:
// they must not outlive it.
struct RowSource {
    std::string name;
    std::size_t rows = 0, cols = 0;
    std::size_t block = 0;  // rows per block; 0 = block_rows(cols)
    std::function<void(std::size_t begin, std::size_t end, Eigen::MatrixXd& out)> read;
};

// A 2-D weight (InputError when absent or not 2-D).
RowSource weight_rows(const Dump& dump, const std::string& name);
// Its transpose, read by the weight's columns: the same singular values, and the fast way
// through a weight stored transposed (WeightInfo::stored_transposed).
RowSource weight_transpose_rows(const Dump& dump, const std::string& name);
// One state of a stream as tokens x d, centred on its mean over the finite tokens (tokens with a
// non-finite entry become zero rows). Reads the state once for the mean.
RowSource stream_rows(const Dump& dump, const StreamInfo& stream, std::size_t state,
                      Progress& progress);
// other - base, both the same shape.
RowSource difference_rows(RowSource base, RowSource other);
// Rows per block so that one block holds about 2^24 float64 values (128 MiB).
std::size_t block_rows(std::size_t cols);

// SVD of a row source from the eigen-decomposition (LAPACK dsyevd) of its float64 Gram matrix of
// the smaller side. s: all min(rows, cols) singular values, descending (negative eigenvalues of
// round-off clamped to 0). u (rows x k_left), v (cols x k_right): top singular vectors, the side
// not given by the Gram obtained by one more streamed pass (x v / s or x^T u / s); k is clamped
// to the numerical rank there (s > 1e-12 s_max) and to min(rows, cols).
struct GramSvd {
    std::vector<double> s;
    double frob2 = 0;  // squared Frobenius norm (trace of the Gram)
    Eigen::MatrixXd u, v;
};
GramSvd gram_svd(const RowSource& src, std::size_t k_left, std::size_t k_right, Progress& progress);

// Per-head factors of the attention circuits, all d_model x d_head (float64):
// QK = W_Q[h] W_K[kv]^T = qk_a qk_b^T and OV = W_V[kv] W_O[h] = ov_a ov_b^T with ov_b = W_O[h]^T.
// kv = h / (H / H_kv) for grouped-query dumps (`_W_K`, `_W_V`).
struct HeadFactors {
    Eigen::MatrixXd qk_a, qk_b, ov_a, ov_b;
};
struct LayerHeads {
    std::size_t n_heads = 0, n_kv_heads = 0, d_model = 0, d_head = 0;
    std::vector<HeadFactors> heads;
};
// Throws InputError naming what is missing or inconsistent.
LayerHeads read_layer_heads(const Dump& dump, std::size_t layer);
// Layers with attention weights (blocks.{l}.attn.W_Q present), ascending.
std::size_t count_attention_layers(const Dump& dump);

// JSON number or null when not finite; arrays of those.
nlohmann::json jnum(double v);
nlohmann::json jnums(const std::vector<double>& v);
nlohmann::json jnums(const Eigen::VectorXd& v);
// CSV number (%.9g), empty when not finite.
std::string cnum(double v);

}  // namespace es::analysis
