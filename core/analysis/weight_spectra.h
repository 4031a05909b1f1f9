#pragma once
// Singular-value spectra of every 2-D weight of a dump (embeddings, unembedding, MLP matrices,
// anything else 2-D, LoRA factors included; biases such as b_Q [H, d_head] left out): singular
// values, spectral norm, stable rank ||W||_F^2 / ||W||_2^2 and the WeightWatcher power-law alpha of
// the eigenvalues s_i^2 of W^T W. Computed through the float64 Gram of the smaller side streamed by
// row blocks (never the whole matrix in memory when it is large) and LAPACK dsyevd. No Qt.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/matrix_spectrum.h"
#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

struct WeightSpectraOptions {
    std::vector<std::string> only;  // weight names; empty = every 2-D weight except biases (b_*)
};

struct WeightSpectraResult {
    std::string file;
    std::vector<MatrixSpectrum> matrices;        // in weight-name order, named, with their shapes
    std::map<std::string, std::string> sources;  // name -> checkpoint tensor (safetensors only)
};

// The weights `weight_spectra` covers when options.only is empty, in its order.
std::vector<std::string> weight_spectra_names(const Dump& dump);

WeightSpectraResult weight_spectra(const Dump& dump, const WeightSpectraOptions& options,
                                   Progress& progress);

nlohmann::json to_json(const WeightSpectraResult& r);
// One row per matrix: name,rows,cols,spectral_norm,frobenius,stable_rank,alpha,xmin,ks,sigma,n_fit
std::string to_csv(const WeightSpectraResult& r);

}  // namespace es::analysis
