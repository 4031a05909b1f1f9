#pragma once
// Exact PCA building blocks in float64 from float32 rows: a streamed scatter matrix (Chan's merge
// of block means, never sum(xx^T) - n mu mu^T), the centred Gram matrix of the smaller side,
// eigenvalues by LAPACK's two-stage ?syevd_2stage and leading directions by subspace iteration
// (a full ?syevd only when most directions are wanted), and principal angles between subspaces.
// Never a full SVD of a T x D matrix.
#include <cstddef>
#include <vector>

#include "util/progress.h"

namespace es::numerics {

// Eigenvalues of a float64 Gram or covariance below this fraction of the largest count as zero
// (round-off): the PCA fit and the equaliser's sample axes cut their rank here.
constexpr double kZeroEigenvalue = 1e-13;

// How many of the leading values of a descending list are above that round-off level (0 when the
// largest is not positive): the rank the PCA fit, the equaliser's basis and its estimate use.
inline std::size_t count_above_roundoff(const std::vector<double>& descending) {
    if (descending.empty() || !(descending.front() > 0)) return 0;
    const double tol = descending.front() * kZeroEigenvalue;
    std::size_t k = 0;
    while (k < descending.size() && descending[k] > tol) ++k;
    return k;
}

// D x D scatter sum_i (x_i - mu)(x_i - mu)^T (or sum_i x_i x_i^T when uncentred) of streamed
// rows, accumulated in float64: each block is centred on its own mean, its scatter added by
// ?syrk, and the block means merged (Chan, Golub & LeVeque).
class Scatter {
public:
    explicit Scatter(std::size_t d, bool centred = true);
    // Adds the given rows of x (row-major, d columns); rows == nullptr means rows 0..n-1.
    void add(const float* x, std::size_t n, const std::size_t* rows = nullptr);
    void add(const double* x, std::size_t n);  // n contiguous rows, already float64
    void merge(const Scatter& other);

    std::size_t dim() const { return d_; }
    std::size_t count() const { return n_; }
    bool centred() const { return centred_; }
    const std::vector<double>& mean() const { return mean_; }
    // The full symmetric d x d matrix (row-major = column-major).
    std::vector<double> matrix() const;
    // The same, moved out without a copy (d x d float64 can be 128 MB); the scatter keeps its
    // mean and count but can take no more rows.
    std::vector<double> take_matrix();
    // What another process needs to rebuild this scatter (a distributed spectrum's partial sums):
    // the lower triangle as accumulated, column-major d x d; from_state is the inverse.
    const std::vector<double>& lower() const { return m2_; }
    static Scatter from_state(std::size_t d, bool centred, std::size_t count,
                              std::vector<double> mean, std::vector<double> lower);

private:
    void add_block(std::vector<double>& block, std::size_t m);
    std::size_t d_, n_ = 0;
    bool centred_;
    std::vector<double> mean_, m2_;  // m2_: lower triangle, column-major
};

// Eigen-decomposition of a scatter/Gram: eigenvalues s_i^2 (descending, negatives clamped to 0)
// and up to k principal directions (unit vectors in model space, largest-magnitude entry > 0).
struct Pca {
    std::size_t d = 0, n = 0;  // model width, rows used
    bool centred = true;
    std::vector<double> mean;        // d (zeros when uncentred)
    std::vector<double> eig;         // min(n, d) values, descending
    std::vector<double> components;  // k x d row-major
    std::size_t k = 0;
    double total() const;  // sum of eig = squared Frobenius norm of the (centred) matrix
};

// PCA of a scatter (d x d eigh). k components; with complete, zero-eigenvalue directions are
// kept too (an orthonormal basis of the whole space when k == d).
Pca pca_of_scatter(const Scatter& s, std::size_t k, bool complete = false);
Pca pca_of_scatter(Scatter&& s, std::size_t k, bool complete = false);  // no copy of the matrix
// Exact PCA of the given rows of x (row-major, d columns): Gram T x T when rows <= d, otherwise
// the d x d scatter. progress is checked between blocks.
Pca pca_of_rows(const float* x, std::size_t d, const std::vector<std::size_t>& rows, bool centred,
                std::size_t k, Progress& progress);

// The m x m Gram matrix (full, symmetric) of the given rows of x after subtracting their mean
// (or raw when !centred), in float64, accumulated over blocks of 256 model dimensions so that
// no float64 copy of the rows is held.
std::vector<double> gram_of_rows(const float* x, std::size_t d,
                                 const std::vector<std::size_t>& rows, bool centred);

// Flips v so that its largest-magnitude entry (first one on ties) is positive.
void sign_normalise(double* v, std::size_t d);

// Principal angles (radians, ascending) between span(A) and span(B), A and B d x k row-major
// with orthonormal rows. Cosines from the SVD of A B^T, sines from the SVD of B - (B A^T) A;
// small angles from the sines (Knyazev & Argentati 2002).
std::vector<double> principal_angles(const std::vector<double>& a, const std::vector<double>& b,
                                     std::size_t k, std::size_t d);

}  // namespace es::numerics
