#include "numerics/randomized_svd.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <utility>

#include "numerics/linalg.h"
#include "util/error.h"
#include "util/parallel.h"

extern "C" {
void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
            const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
            const float* beta, float* c, const int* ldc);
void dgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
            const double* alpha, const double* a, const int* lda, const double* b, const int* ldb,
            const double* beta, double* c, const int* ldc);
void dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work,
             const int* lwork, int* info);
void dorgqr_(const int* m, const int* n, const int* k, double* a, const int* lda, const double* tau,
             double* work, const int* lwork, int* info);
}

namespace es::numerics {

namespace {

// Rows centred at a time: a 256 x D float32 block (4 MB at D = 4096) keeps the products BLAS-3
// without a centred copy of the whole matrix.
constexpr std::size_t kBlockRows = 256;

int to_int(std::size_t v) {
    if (v > static_cast<std::size_t>(2147483647))
        throw InternalError("top_singular_values: dimension too large for BLAS");
    return static_cast<int>(v);
}

// The implicit centred matrix A (m x d): blocks of its rows, made on the fly from x.
struct Centred {
    const float* x;
    std::size_t d;
    const std::vector<std::size_t>& rows;
    std::vector<double> mean;  // zeros when uncentred

    std::size_t m() const { return rows.size(); }
    // Rows [r0, r0 + n) of A, row-major n x d, centred in float64 and rounded once to float32.
    void block(std::size_t r0, std::size_t n, std::vector<float>& out) const {
        out.resize(n * d);
        for (std::size_t r = 0; r < n; ++r) {
            const float* src = x + rows[r0 + r] * d;
            float* dst = out.data() + r * d;
            for (std::size_t j = 0; j < d; ++j)
                dst[j] = static_cast<float>(static_cast<double>(src[j]) - mean[j]);
        }
    }
};

// The row passes are split into kParts fixed halves of the row blocks, whatever the thread
// count: Q^T A is then summed as part 0 + part 1 in that order with one thread or two, so the
// numbers never depend on how many threads ran (util/parallel.h's rule).
constexpr std::size_t kParts = 2;

// Row blocks [first, last) of part `part` of m rows.
std::pair<std::size_t, std::size_t> part_blocks(std::size_t m, std::size_t part) {
    const std::size_t blocks = (m + kBlockRows - 1) / kBlockRows;
    return {blocks * part / kParts, blocks * (part + 1) / kParts};
}

// Scratch of each part: a centred block of rows and its share of Q^T A.
struct Scratch {
    std::vector<float> blk[kParts], zt[kParts];
};

// Y (m x p, column-major, ld m) = A Zt^T for Zt (p x d, column-major): one pass over A's rows.
void times(const Centred& a, const std::vector<float>& zt, std::size_t p, std::vector<float>& y,
           Scratch& scratch, int threads, Progress& progress) {
    const std::size_t m = a.m();
    y.assign(m * p, 0.0f);
    const int pi = to_int(p), di = to_int(a.d), mi = to_int(m);
    const float one = 1, zero = 0;
    util::parallel_for(kParts, threads, [&](std::size_t begin, std::size_t end) {
        for (std::size_t part = begin; part < end; ++part) {
            const auto [b0, b1] = part_blocks(m, part);
            for (std::size_t r0 = b0 * kBlockRows; r0 < std::min(m, b1 * kBlockRows);
                 r0 += kBlockRows) {
                progress.check();
                const std::size_t n = std::min(kBlockRows, m - r0);
                a.block(r0, n, scratch.blk[part]);
                const int ni = to_int(n);
                // Y[r0:r0+n, :] = Ab Zt^T; Ab row-major is Ab^T column-major (d x n).
                sgemm_("T", "T", &ni, &pi, &di, &one, scratch.blk[part].data(), &di, zt.data(), &pi,
                       &zero, y.data() + r0, &mi);
            }
        }
    });
}

// Zt (p x d, column-major) = Q^T A for Q (m x p, column-major, ld m): one pass over A's rows.
// With `frobenius`, also ||A||_F^2 in float64.
void times_transposed(const Centred& a, const std::vector<float>& q, std::size_t p,
                      std::vector<float>& zt, Scratch& scratch, int threads, Progress& progress,
                      double* frobenius) {
    const std::size_t m = a.m();
    const int pi = to_int(p), di = to_int(a.d), mi = to_int(m);
    const float one = 1;
    double f[kParts] = {};
    util::parallel_for(kParts, threads, [&](std::size_t begin, std::size_t end) {
        for (std::size_t part = begin; part < end; ++part) {
            std::vector<float>& blk = scratch.blk[part];
            std::vector<float>& z = scratch.zt[part];
            z.assign(p * a.d, 0.0f);
            const auto [b0, b1] = part_blocks(m, part);
            for (std::size_t r0 = b0 * kBlockRows; r0 < std::min(m, b1 * kBlockRows);
                 r0 += kBlockRows) {
                progress.check();
                const std::size_t n = std::min(kBlockRows, m - r0);
                a.block(r0, n, blk);
                if (frobenius)
                    for (float v : blk) f[part] += static_cast<double>(v) * static_cast<double>(v);
                const int ni = to_int(n);
                sgemm_("T", "T", &pi, &di, &ni, &one, q.data() + r0, &mi, blk.data(), &di, &one,
                       z.data(), &pi);
            }
        }
    });
    zt = scratch.zt[0];
    for (std::size_t part = 1; part < kParts; ++part)
        for (std::size_t i = 0; i < zt.size(); ++i) zt[i] += scratch.zt[part][i];
    if (frobenius) {
        *frobenius = 0;
        for (double v : f) *frobenius += v;
    }
}

// An orthonormal basis (m x p, column-major) of the columns of y, by Householder QR in float64;
// y is overwritten.
void orthonormalise(std::vector<double>& q, std::size_t m, std::size_t p) {
    const int mi = to_int(m), pi = to_int(p);
    std::vector<double> tau(p);
    int info = 0, query = -1;
    double size = 0;
    dgeqrf_(&mi, &pi, q.data(), &mi, tau.data(), &size, &query, &info);
    std::vector<double> work(static_cast<std::size_t>(std::max(size, 1.0)) + p);
    int lw = to_int(work.size());
    dgeqrf_(&mi, &pi, q.data(), &mi, tau.data(), work.data(), &lw, &info);
    if (info != 0) throw InternalError("dgeqrf failed (info " + std::to_string(info) + ")");
    dorgqr_(&mi, &pi, &pi, q.data(), &mi, tau.data(), &size, &query, &info);
    work.resize(std::max(work.size(), static_cast<std::size_t>(std::max(size, 1.0)) + p));
    lw = to_int(work.size());
    dorgqr_(&mi, &pi, &pi, q.data(), &mi, tau.data(), work.data(), &lw, &info);
    if (info != 0) throw InternalError("dorgqr failed (info " + std::to_string(info) + ")");
}

// C = alpha op(A) op(B) + beta C, column-major, leading dimensions the row counts.
void dgemm(const char* ta, const char* tb, std::size_t m, std::size_t n, std::size_t k,
           double alpha, const double* a, std::size_t lda, const double* b, std::size_t ldb,
           double beta, double* c, std::size_t ldc) {
    const int mi = to_int(m), ni = to_int(n), ki = to_int(k), la = to_int(lda), lb = to_int(ldb),
              lc = to_int(ldc);
    dgemm_(ta, tb, &mi, &ni, &ki, &alpha, a, &la, b, &lb, &beta, c, &lc);
}

// y (m x b) made orthogonal to the s columns of q (m x s) by classical Gram-Schmidt done twice
// (one pass loses orthogonality when y is nearly in span(q)), then orthonormalised.
void next_block(const std::vector<double>& q, std::size_t m, std::size_t s, std::vector<double>& y,
                std::size_t b) {
    std::vector<double> h(s * b);
    for (int pass = 0; pass < 2 && s; ++pass) {
        dgemm("T", "N", s, b, m, 1.0, q.data(), m, y.data(), m, 0.0, h.data(), s);
        dgemm("N", "N", m, b, s, -1.0, q.data(), m, h.data(), s, 1.0, y.data(), m);
    }
    orthonormalise(y, m, b);
}

// bound_i = r_i / sqrt(2) (see the header).
void fill_bounds(TopSingularValues& t) {
    t.bounds.resize(t.residuals.size());
    for (std::size_t i = 0; i < t.residuals.size(); ++i)
        t.bounds[i] = t.residuals[i] / std::sqrt(2.0);
}

}  // namespace

// Randomized block Krylov (Musco & Musco 2015) on A A^T with Rayleigh-Ritz after each block:
// Q_0 = orth(A Omega), Z_j = A^T Q_j, Y_{j+1} = A Z_j, Q_{j+1} = orth(Y_{j+1} against Q_0..Q_j).
// The Ritz values of Q = [Q_0 .. Q_j] are the singular values of B = Q^T A, whose rows are the
// Z_j already computed, and A v_i = [Y_1 .. Y_{j+1}] w_i / s_i gives the residuals without another
// product: each block costs two passes over A (4 m d b flops), and the search space grows by b
// each time. Subspace iteration (a space of fixed size p = 2k, Halko et al. alg. 4.4), tried
// first, needed 11 iterations and 9.0 s of CPU for k = 128 on an M layer (power-law spectrum, no
// gap); this takes 6 blocks and 4.7 s, 2.1 s for k = 64 (one BLAS thread, loaded machine).
TopSingularValues top_singular_values(const float* x, std::size_t d,
                                      const std::vector<std::size_t>& rows, bool centred,
                                      const TopSingularValuesOptions& options, Progress& progress) {
    TopSingularValues out;
    const std::size_t m = rows.size(), n = std::min(m, d);
    if (n == 0 || options.k == 0) return out;
    Centred a{x, d, rows, std::vector<double>(d, 0.0)};
    if (centred) {
        for (std::size_t r : rows)
            for (std::size_t j = 0; j < d; ++j) a.mean[j] += x[r * d + j];
        for (double& v : a.mean) v /= static_cast<double>(m);
    }
    const std::size_t k = std::min(options.k, n);
    const std::size_t b = std::min(n, k + options.oversample);

    // Omega: a seeded Gaussian d x b matrix, stored as its transpose (b x d) like the Z blocks.
    std::mt19937_64 rng(options.seed);
    std::normal_distribution<float> normal;
    std::vector<float> zt(b * d), yf, qf;
    Scratch scratch;
    const int threads = std::max(1, options.threads);
    // Sized here, so that the worker threads never allocate: memory a short-lived thread
    // allocates lands in another malloc arena and is kept there after it ends.
    for (std::size_t part = 0; part < kParts; ++part) {
        scratch.blk[part].resize(std::min(kBlockRows, m) * d);
        scratch.zt[part].resize(b * d);
    }
    for (float& v : zt) v = normal(rng);
    times(a, zt, b, yf, scratch, threads, progress);
    std::vector<double> q(yf.begin(), yf.end());  // Q_0 .. Q_j, m x s
    orthonormalise(q, m, b);
    std::vector<double> z, y;  // Z_0 .. Z_j as rows (s x d); Y_1 .. Y_{j+1} (m x s)
    std::vector<double> gram, c, lambda, qw, yw, next;  // gram: B B^T
    for (int depth = 1;; ++depth) {
        const std::size_t s = q.size() / m, s0 = s - b;  // the newest block is columns s0..s
        qf.assign(q.begin() + static_cast<long>(s0 * m), q.end());
        times_transposed(a, qf, b, zt, scratch, threads, progress,
                         depth == 1 ? &out.frobenius_squared : nullptr);
        // z (s x d, column-major) gains the b new rows, and B B^T = Z Z^T (s x s) its b new
        // columns Z Z_j^T: s b d flops a block instead of s^2 d for the whole product.
        std::vector<double> grown(s * d), znew(zt.begin(), zt.end());
        for (std::size_t j = 0; j < d; ++j) {
            for (std::size_t i = 0; i < s0; ++i) grown[j * s + i] = z[j * s0 + i];
            for (std::size_t i = 0; i < b; ++i) grown[j * s + s0 + i] = znew[j * b + i];
        }
        z = std::move(grown);
        std::vector<double> bb(s * s);
        for (std::size_t j = 0; j < s0; ++j)
            std::copy(gram.begin() + static_cast<long>(j * s0),
                      gram.begin() + static_cast<long>((j + 1) * s0),
                      bb.begin() + static_cast<long>(j * s));
        dgemm("N", "T", s, b, d, 1.0, z.data(), s, znew.data(), b, 0.0, bb.data() + s0 * s, s);
        for (std::size_t j = s0; j < s; ++j)
            for (std::size_t i = 0; i < s0; ++i) bb[i * s + j] = bb[j * s + i];
        gram = std::move(bb);
        times(a, zt, b, yf, scratch, threads, progress);  // A Z_j: the next block and the residuals
        y.insert(y.end(), yf.begin(), yf.end());
        // Rayleigh-Ritz: the eigenvectors W of B B^T, s_i = sqrt(lambda_i).
        c = gram;
        eigh(c, s, lambda, true);  // descending; c holds W (s x s, column-major)
        const double top = std::sqrt(std::max(lambda[0], 0.0));
        if (!(top > 0)) return out;  // A is zero
        qw.assign(m * k, 0.0);
        yw.assign(m * k, 0.0);
        dgemm("N", "N", m, k, s, 1.0, q.data(), m, c.data(), s, 0.0, qw.data(), m);  // u_i
        dgemm("N", "N", m, k, s, 1.0, y.data(), m, c.data(), s, 0.0, yw.data(), m);  // s_i A v_i
        std::vector<double> values, residuals;
        bool converged = true;
        for (std::size_t i = 0; i < k; ++i) {
            const double sv = std::sqrt(std::max(lambda[i], 0.0));
            // Below float32 rounding of the largest value: rank exhausted, not a value.
            if (sv <= top * 1e-6) break;
            double r2 = 0;
            for (std::size_t t = 0; t < m; ++t) {
                const double e = yw[i * m + t] / sv - sv * qw[i * m + t];
                r2 += e * e;
            }
            values.push_back(sv);
            residuals.push_back(std::sqrt(r2));
            converged = converged && residuals.back() <= options.tolerance * sv;
        }
        out.values = std::move(values);
        out.residuals = std::move(residuals);
        out.iterations = depth;
        out.converged = converged;
        // Done, out of blocks, or the space would exceed the matrix' rank.
        if (converged || depth >= options.max_iterations || s + b > n) break;
        if (options.on_iteration) {
            fill_bounds(out);
            options.on_iteration(out);
        }
        next.assign(yf.begin(), yf.end());
        next_block(q, m, s, next, b);
        q.insert(q.end(), next.begin(), next.end());
    }
    fill_bounds(out);
    return out;
}

}  // namespace es::numerics
