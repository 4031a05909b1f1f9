#pragma once
// The spectrum of one matrix from its singular values: spectral norm, Frobenius norm, stable rank
// ||W||_F^2 / ||W||_2^2 and the WeightWatcher power-law fit of the eigenvalues s_i^2 of W^T W.
// One struct for the 2-D weights (weight_spectra.h) and the heads' QK/OV circuits
// (head_circuits.h), with one JSON form and one set of CSV cells. No Qt.
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/power_law.h"

namespace es::analysis {

struct MatrixSpectrum {
    std::string name;                     // weights: the weight's name; empty for a head circuit
    std::vector<std::size_t> shape;       // weights: {rows, cols}; empty for a head circuit
    std::vector<double> singular_values;  // min(rows, cols) values, descending
    double spectral_norm = 0, frobenius = 0, stable_rank = 0;
    PowerLawFit fit;  // of singular_values^2; ok == false with a reason when too few values
};

// The spectrum facts from singular values (descending); name and shape are left empty.
MatrixSpectrum matrix_spectrum(std::vector<double> singular_values);

// name, shape, singular_values, spectral_norm, frobenius, stable_rank, and the fit's alpha, xmin,
// ks, alpha_sigma, alpha_n and alpha_reason (the fit's values null when there is no fit,
// alpha_reason null when there is).
nlohmann::json to_json(const MatrixSpectrum& m);
// A head's qk or ov circuit, named by its row (layer, head): to_json without name and shape, nor
// alpha_sigma and alpha_n, as the head circuits have always been written.
nlohmann::json circuit_json(const MatrixSpectrum& m);
// The CSV cells "spectral_norm,frobenius,stable_rank,alpha" (%.9g; alpha empty without a fit).
std::string csv_cells(const MatrixSpectrum& m);

}  // namespace es::analysis
