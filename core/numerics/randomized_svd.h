#pragma once
// The largest singular values of a (token-mean-centred) T x D float32 matrix, estimated in a
// fraction of the time of the exact spectrum: randomized block Krylov iteration (Musco & Musco
// 2015) with a Rayleigh-Ritz step after each block and a residual check per value. The heavy
// products are float32 BLAS-3 (sgemm over blocks of rows centred on the fly, so no centred copy
// of the matrix is made); the small problems (orthonormalisation, the Rayleigh-Ritz eigenproblem,
// residuals) are float64. Seeded: the same matrix and options give the same numbers.
//
// What the residual means: for each Ritz triple (s_i, u_i, v_i) the construction makes
// A^T u_i = s_i v_i exact, and r_i = ||A v_i - s_i u_i|| is measured. Then [u_i; v_i]/sqrt(2) is
// an approximate eigenvector of [[0, A], [A^T, 0]] with residual r_i/sqrt(2), so A has a singular
// value within r_i/sqrt(2) of s_i (Bauer-Fike for symmetric matrices). Ritz values of a subspace
// are also never above the exact ones (s_i <= sigma_i, by interlacing), up to float32 rounding.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "util/progress.h"

namespace es::numerics {

struct TopSingularValues;

struct TopSingularValuesOptions {
    std::size_t k = 64;          // values wanted (at most min(rows, d))
    std::size_t oversample = 0;  // block width b = k + oversample
    int max_iterations = 12;     // Krylov blocks (each: one product with A^T, one with A)
    // Converged when every r_i <= tolerance * s_i (bound r_i/sqrt(2): within 0.7% at 1e-2). The
    // bound is linear in the residual; the values themselves converge quadratically (on M at
    // 1e-2: bound 1.7e-3 of the value, actual error 4e-6).
    double tolerance = 1e-2;
    std::uint64_t seed = 1;
    // Threads for the passes over the matrix (each calls BLAS on its own rows; run the caller on
    // one BLAS thread). The numbers are the same whatever the count.
    int threads = 1;
    // Called after every Rayleigh-Ritz step but the last with the values so far and their
    // bounds (which hold at every step, not only at convergence), so that a caller can show the
    // leading values as soon as they are tight enough and let the rest refine.
    std::function<void(const TopSingularValues&)> on_iteration;
};

struct TopSingularValues {
    std::vector<double> values;     // descending, min(k, rank found)
    std::vector<double> residuals;  // r_i = ||A v_i - s_i u_i|| (absolute)
    std::vector<double> bounds;     // r_i / sqrt(2): A has a singular value this close to s_i
    double frobenius_squared = 0;   // ||A||_F^2 (the sum of all squared singular values), float64
    int iterations = 0;             // Krylov blocks used
    bool converged = false;         // every r_i <= tolerance * s_i
};

// The top singular values of the given rows of x (row-major, d columns), centred on their mean
// when `centred`. progress is checked between products (cancellable).
TopSingularValues top_singular_values(const float* x, std::size_t d,
                                      const std::vector<std::size_t>& rows, bool centred,
                                      const TopSingularValuesOptions& options, Progress& progress);

}  // namespace es::numerics
