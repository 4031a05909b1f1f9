#pragma once
// Spectra of every attention head's QK and OV circuits, D x D matrices of rank <= d_head that are
// never formed: QK = W_Q[h] W_K[kv]^T (query side = left singular vectors, key side = right) and
// OV = W_V[kv] W_O[h] (x^T OV: read side = left singular vectors, write side = right), kv =
// h / (H / H_kv) for grouped-query attention. SVD from thin QRs of the D x d_head factors and the
// d_head x d_head core (float64). Biases are not part of the circuits. No Qt.
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/matrix_spectrum.h"
#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

struct HeadCircuit {
    std::size_t layer = 0, head = 0;
    MatrixSpectrum qk, ov;  // unnamed; d_head values (min(D, d_head)) each
};

struct HeadCircuitsOptions {
    int threads = 2;
    // Layers to compute (ascending); empty: every layer. A distributed run gives each rank a block
    // (n_layers still counts every layer; the dimensions come from the first computed layer).
    std::vector<std::size_t> layers;
};

struct HeadCircuitsResult {
    std::size_t n_layers = 0, n_heads = 0, n_kv_heads = 0, d_model = 0, d_head = 0;
    std::vector<HeadCircuit> heads;  // layer-major
};

// Every layer with blocks.{l}.attn.W_Q (none: empty result). InputError on inconsistent shapes.
HeadCircuitsResult head_circuits(const Dump& dump, const HeadCircuitsOptions& options,
                                 Progress& progress);

nlohmann::json to_json(const HeadCircuitsResult& r);  // {"heads": [...]} plus dimensions
// layer,head,circuit,spectral_norm,frobenius,stable_rank,alpha,singular_values (';'-joined)
std::string to_csv(const HeadCircuitsResult& r);

}  // namespace es::analysis
