#pragma once
// The few dense linear-algebra kernels Eigenscope needs, routed to LAPACK/BLAS (OpenBLAS on
// Debian): divide-and-conquer symmetric eigensolvers and rank-k updates. Eigen's own solvers are
// 3-7x slower at D=4096 (shared numerics notes). All matrices are column-major.
#include <cstddef>
#include <vector>

namespace es::numerics {

// Eigen-decomposition of a symmetric n x n matrix (lower triangle read) by ?syevd.
// On return `values` holds the eigenvalues in DESCENDING order and, when `vectors` is true, `a`
// holds the matching orthonormal eigenvectors as columns (also descending). Throws InternalError
// when LAPACK fails. The float version sizes its workspace itself: the LAPACK workspace query
// returns lwork as a float, which loses precision past 2^24 (n = 4096 with vectors).
void eigh(std::vector<double>& a, std::size_t n, std::vector<double>& values, bool vectors);
void eigh(std::vector<float>& a, std::size_t n, std::vector<float>& values, bool vectors);

// Eigenvalues only (DESCENDING) of a symmetric n x n matrix (lower triangle read; `a` is
// destroyed) by ?syevd_2stage's stages: a band reduction in BLAS-3 on the BLAS threads, then the
// bulge chase on one (see linalg.cpp), then ?sterf. With one BLAS thread it takes 0.55x the time
// of ?syevd's one-stage tridiagonal reduction at n = 4096.
void eigvalsh(std::vector<double>& a, std::size_t n, std::vector<double>& values);
void eigvalsh(std::vector<float>& a, std::size_t n, std::vector<float>& values);

// The k largest eigenpairs of a full symmetric n x n matrix (both triangles filled; not
// modified) by block subspace iteration with Rayleigh-Ritz, in float64: each step is one
// n x n x p product (p = max(2k, k + 16) columns). Converged when every residual
// ||A v_i - t_i v_i|| is at most 1e-10 t_1. Returns false when that takes more than
// `max_iterations` (a flat spectrum around t_k: the caller falls back to eigh). On success
// `vectors` holds the k unit eigenvectors as columns (n x k, column-major), `values` their
// eigenvalues, descending.
bool top_eigenpairs(const std::vector<double>& a, std::size_t n, std::size_t k,
                    std::vector<double>& values, std::vector<double>& vectors,
                    int max_iterations = 300);

// C (n x n, lower triangle) = alpha * A^T A + beta * C for A (k x n, column-major with leading
// dimension k), i.e. the Gram matrix of A's columns. Symmetrise with fill_upper().
void syrk_t(const float* a, std::size_t k, std::size_t n, float alpha, float beta, float* c);
void syrk_t(const double* a, std::size_t k, std::size_t n, double alpha, double beta, double* c);
// C (n x n, lower) = alpha * A A^T + beta * C for A (n x k, column-major, leading dimension n).
void syrk_n(const float* a, std::size_t n, std::size_t k, float alpha, float beta, float* c);
void syrk_n(const double* a, std::size_t n, std::size_t k, double alpha, double beta, double* c);

// C (m x n, row-major) = A B^T for A (m x k) and B (n x k), both row-major: the dot products of
// A's rows with B's rows (a block of a Gram matrix when B holds all rows of which A is a part).
void gemm_nt(const float* a, std::size_t m, const float* b, std::size_t n, std::size_t k, float* c);
void gemm_nt(const double* a, std::size_t m, const double* b, std::size_t n, std::size_t k,
             double* c);

// Copy the lower triangle of an n x n column-major matrix into its upper triangle.
template <typename T>
void fill_upper(T* c, std::size_t n) {
    for (std::size_t j = 0; j < n; ++j)
        for (std::size_t i = j + 1; i < n; ++i) c[i * n + j] = c[j * n + i];
}

// BLAS threads for the big products (OpenBLAS keeps one global count).
void set_blas_threads(int n);
int blas_threads();

// Asks for a BLAS thread count for a scope. OpenBLAS keeps one process-wide count, and the app
// runs several analyses at once (the spectrum on one BLAS thread beside CKA on two): scopes that
// saved and restored the count themselves restored it out of order, leaving the spectrum's
// eigensolver on CKA's threads. So requests are counted: while any scope is open the count is
// the smallest open request, and the count from before the first scope comes back when the last
// one closes. An overriding scope wins over the others (the largest such request): the selected
// layer's exact spectrum on both cores while the other analyses yield to it (util/foreground.h).
class ScopedBlasThreads {
public:
    explicit ScopedBlasThreads(int n, bool overriding = false);
    ~ScopedBlasThreads();
    ScopedBlasThreads(const ScopedBlasThreads&) = delete;
    ScopedBlasThreads& operator=(const ScopedBlasThreads&) = delete;

private:
    int requested_;
    bool overriding_;
};

// One BLAS thread while it is open, whatever other scopes ask for: for LAPACK code made of many
// small BLAS-2 calls, which OpenBLAS would hand to its pool one by one (linalg.cpp's eigvalsh).
// Other analyses' products run on one thread meanwhile (a second or so), never wrongly.
class ScopedSequentialBlas {
public:
    ScopedSequentialBlas();
    ~ScopedSequentialBlas();
    ScopedSequentialBlas(const ScopedSequentialBlas&) = delete;
    ScopedSequentialBlas& operator=(const ScopedSequentialBlas&) = delete;
};

}  // namespace es::numerics
