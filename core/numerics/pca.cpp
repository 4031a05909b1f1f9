#include "numerics/pca.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "numerics/linalg.h"
#include "numerics/memory_budget.h"
#include "util/error.h"

namespace es::numerics {

namespace {
constexpr std::size_t kBlockRows = 256;

// d x d elements of the covariance, refused before allocating when they cannot fit.
std::size_t covariance_elements(std::size_t d) {
    const std::string n = std::to_string(d);
    require_memory(static_cast<double>(d) * static_cast<double>(d) * sizeof(double),
                   "a " + n + " x " + n + " covariance matrix");
    return d * d;
}
}  // namespace

Scatter::Scatter(std::size_t d, bool centred)
    : d_(d), centred_(centred), mean_(d, 0.0), m2_(covariance_elements(d), 0.0) {}

void Scatter::add_block(std::vector<double>& block, std::size_t m) {
    if (m == 0) return;
    std::vector<double> bmean(d_, 0.0);
    for (std::size_t r = 0; r < m; ++r)
        for (std::size_t j = 0; j < d_; ++j) bmean[j] += block[r * d_ + j];
    for (double& v : bmean) v /= static_cast<double>(m);
    if (centred_)
        for (std::size_t r = 0; r < m; ++r)
            for (std::size_t j = 0; j < d_; ++j) block[r * d_ + j] -= bmean[j];
    // Block rows are the columns of a column-major d x m matrix A; A A^T is their scatter.
    numerics::syrk_n(block.data(), d_, m, 1.0, 1.0, m2_.data());
    const double na = static_cast<double>(n_), nb = static_cast<double>(m), nt = na + nb;
    std::vector<double> delta(d_);
    for (std::size_t j = 0; j < d_; ++j) delta[j] = bmean[j] - mean_[j];
    if (centred_ && n_ > 0) {
        const double w = na * nb / nt;
        for (std::size_t c = 0; c < d_; ++c)
            for (std::size_t r = c; r < d_; ++r) m2_[c * d_ + r] += w * delta[r] * delta[c];
    }
    for (std::size_t j = 0; j < d_; ++j) mean_[j] += delta[j] * (nb / nt);
    n_ += m;
}

void Scatter::add(const float* x, std::size_t n, const std::size_t* rows) {
    std::vector<double> block(kBlockRows * d_);
    std::size_t m = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const float* src = x + (rows ? rows[i] : i) * d_;
        std::copy(src, src + d_, block.begin() + static_cast<long>(m * d_));
        if (++m == kBlockRows) {
            add_block(block, m);
            m = 0;
        }
    }
    add_block(block, m);
}

void Scatter::add(const double* x, std::size_t n) {
    for (std::size_t b = 0; b < n; b += kBlockRows) {
        const std::size_t m = std::min(kBlockRows, n - b);
        std::vector<double> block(x + b * d_, x + (b + m) * d_);
        add_block(block, m);
    }
}

void Scatter::merge(const Scatter& o) {
    if (o.d_ != d_ || o.centred_ != centred_)
        throw InternalError("Scatter::merge: mismatched scatters");
    if (o.n_ == 0) return;
    const double na = static_cast<double>(n_), nb = static_cast<double>(o.n_), nt = na + nb;
    std::vector<double> delta(d_);
    for (std::size_t j = 0; j < d_; ++j) delta[j] = o.mean_[j] - mean_[j];
    const double w = centred_ ? na * nb / nt : 0.0;
    for (std::size_t c = 0; c < d_; ++c)
        for (std::size_t r = c; r < d_; ++r)
            m2_[c * d_ + r] += o.m2_[c * d_ + r] + w * delta[r] * delta[c];
    for (std::size_t j = 0; j < d_; ++j) mean_[j] += delta[j] * (nb / nt);
    n_ += o.n_;
}

Scatter Scatter::from_state(std::size_t d, bool centred, std::size_t count,
                            std::vector<double> mean, std::vector<double> lower) {
    if (mean.size() != d || lower.size() != d * d)
        throw InternalError("Scatter::from_state: sizes do not match d = " + std::to_string(d));
    Scatter s(0, centred);
    s.d_ = d;
    s.n_ = count;
    s.mean_ = std::move(mean);
    s.m2_ = std::move(lower);
    return s;
}

std::vector<double> Scatter::matrix() const {
    std::vector<double> m = m2_;
    numerics::fill_upper(m.data(), d_);
    return m;
}

double Pca::total() const {
    double s = 0;
    for (double v : eig) s += v;
    return s;
}

void sign_normalise(double* v, std::size_t d) {
    std::size_t best = 0;
    for (std::size_t j = 1; j < d; ++j)
        if (std::abs(v[j]) > std::abs(v[best])) best = j;
    if (d && v[best] < 0)
        for (std::size_t j = 0; j < d; ++j) v[j] = -v[j];
}

namespace {

// All eigenvalues (descending) of the full symmetric n x n matrix `a`, and its top k
// eigenvectors as columns of `vecs` (n x k, column-major); `a` is consumed. Values come from the
// two-stage solver and vectors from subspace iteration, a few matrix products, unless the matrix
// is small, most vectors are wanted or the iteration does not converge: then one full ?syevd.
void eig_top(std::vector<double>& a, std::size_t n, std::size_t k, std::vector<double>& values,
             std::vector<double>& vecs) {
    std::vector<double> top;
    // Subspace iteration pays only while its steps (2 n^2 p flops each, p = max(2k, k + 16)) cost
    // less than the full ?syevd with vectors: at most n/p steps (about half that solver's cost),
    // then the full solver. With a fixed 300, a flat spectrum (33 x 4096 x 1024, top 16: never
    // converges) spent 2.0 s a layer in steps before the 0.4 s solver; now 0.2 s.
    const std::size_t p = std::max(2 * k, k + 16);
    const int steps =
        static_cast<int>(std::min<std::size_t>(300, std::max<std::size_t>(30, n / p)));
    if (k == 0 || (n > 256 && 4 * k < n && numerics::top_eigenpairs(a, n, k, top, vecs, steps))) {
        numerics::eigvalsh(a, n, values);
        return;
    }
    numerics::eigh(a, n, values, true);
    // Every vector wanted (the equaliser's whole basis): handed over rather than copied, one
    // n x n float64 matrix less at the peak (134 MB at n = 4096).
    if (k == n) {
        vecs = std::move(a);
        a.clear();
        return;
    }
    vecs.assign(a.begin(), a.begin() + static_cast<long>(n * k));
}

// Number of leading eigenvalues (at most k) above the round-off level of the largest (all of the
// first k when `complete`).
std::size_t significant(const std::vector<double>& values, std::size_t k, bool complete) {
    return std::min(k, complete ? values.size() : count_above_roundoff(values));
}

Pca pca_of_matrix(const Scatter& s, std::vector<double> a, std::size_t k, bool complete) {
    Pca p;
    p.d = s.dim();
    p.n = s.count();
    p.centred = s.centred();
    p.mean = s.centred() ? s.mean() : std::vector<double>(p.d, 0.0);
    std::vector<double> values, vecs;
    k = std::min(k, p.d);
    eig_top(a, p.d, k, values, vecs);
    for (double& v : values) v = std::max(v, 0.0);
    const std::size_t kk = significant(values, k, complete);
    p.k = kk;
    if (vecs.size() == kk * p.d)
        p.components = std::move(vecs);  // all of them: no second copy at the peak
    else
        p.components.assign(vecs.begin(), vecs.begin() + static_cast<long>(kk * p.d));
    for (std::size_t i = 0; i < kk; ++i) sign_normalise(p.components.data() + i * p.d, p.d);
    values.resize(std::min(p.n, p.d));
    p.eig = std::move(values);
    return p;
}

// Gram columns handled at once: a 256 x T float64 block of the centred rows.
constexpr std::size_t kGramColumns = 256;

std::vector<double> column_mean(const float* x, std::size_t d,
                                const std::vector<std::size_t>& rows) {
    std::vector<double> mean(d, 0.0);
    for (std::size_t r : rows)
        for (std::size_t j = 0; j < d; ++j) mean[j] += x[r * d + j];
    if (!rows.empty())
        for (double& v : mean) v /= static_cast<double>(rows.size());
    return mean;
}

// Columns [j0, j0 + w) of the centred rows in float64, as a w x m column-major block (each row's
// segment contiguous), so that the block's A^T A adds its share of the Gram.
void centred_block(const float* x, std::size_t d, const std::vector<std::size_t>& rows,
                   const std::vector<double>& mean, std::size_t j0, std::size_t w,
                   std::vector<double>& block) {
    block.resize(w * rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const float* src = x + rows[r] * d + j0;
        double* dst = block.data() + r * w;
        for (std::size_t j = 0; j < w; ++j) dst[j] = static_cast<double>(src[j]) - mean[j0 + j];
    }
}

}  // namespace

std::vector<double> Scatter::take_matrix() {
    std::vector<double> m = std::move(m2_);
    m2_.clear();
    numerics::fill_upper(m.data(), d_);
    return m;
}

Pca pca_of_scatter(const Scatter& s, std::size_t k, bool complete) {
    return pca_of_matrix(s, s.matrix(), k, complete);
}

Pca pca_of_scatter(Scatter&& s, std::size_t k, bool complete) {
    std::vector<double> a = s.take_matrix();
    return pca_of_matrix(s, std::move(a), k, complete);
}

std::vector<double> gram_of_rows(const float* x, std::size_t d,
                                 const std::vector<std::size_t>& rows, bool centred) {
    const std::size_t m = rows.size();
    const std::vector<double> mean = centred ? column_mean(x, d, rows) : std::vector<double>(d);
    std::vector<double> g(m * m, 0.0), block;
    for (std::size_t j0 = 0; m && j0 < d; j0 += kGramColumns) {
        const std::size_t w = std::min(kGramColumns, d - j0);
        centred_block(x, d, rows, mean, j0, w, block);
        numerics::syrk_t(block.data(), w, m, 1.0, 1.0, g.data());
    }
    numerics::fill_upper(g.data(), m);
    return g;
}

Pca pca_of_rows(const float* x, std::size_t d, const std::vector<std::size_t>& rows, bool centred,
                std::size_t k, Progress& progress) {
    const std::size_t m = rows.size();
    if (m > d) {
        Scatter s(d, centred);
        for (std::size_t b = 0; b < m; b += 4 * kBlockRows) {
            progress.check();
            s.add(x, std::min(4 * kBlockRows, m - b), rows.data() + b);
        }
        progress.check();
        return pca_of_scatter(std::move(s), k);
    }
    Pca p;
    p.d = d;
    p.n = m;
    p.centred = centred;
    p.mean = centred ? column_mean(x, d, rows) : std::vector<double>(d, 0.0);
    std::vector<double> g = gram_of_rows(x, d, rows, centred);
    progress.check();
    std::vector<double> values, u;
    k = std::min(k, m);
    eig_top(g, m, k, values, u);
    g = {};
    progress.check();
    for (double& v : values) v = std::max(v, 0.0);
    const std::size_t kk = significant(values, k, false);
    p.k = kk;
    if (kk) {
        // v_i = Xc^T u_i / s_i, one block of model dimensions at a time.
        Eigen::Map<const Eigen::MatrixXd> uk(u.data(), static_cast<Eigen::Index>(m),
                                             static_cast<Eigen::Index>(kk));
        p.components.resize(kk * d);
        std::vector<double> block;
        for (std::size_t j0 = 0; j0 < d; j0 += kGramColumns) {
            const std::size_t w = std::min(kGramColumns, d - j0);
            centred_block(x, d, rows, p.mean, j0, w, block);
            Eigen::Map<const Eigen::MatrixXd> c(block.data(), static_cast<Eigen::Index>(w),
                                                static_cast<Eigen::Index>(m));
            const Eigen::MatrixXd v = c * uk;  // w x kk
            for (std::size_t i = 0; i < kk; ++i)
                for (std::size_t j = 0; j < w; ++j)
                    p.components[i * d + j0 + j] =
                        v(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i)) /
                        std::sqrt(values[i]);
        }
        for (std::size_t i = 0; i < kk; ++i) sign_normalise(p.components.data() + i * d, d);
    }
    p.eig = std::move(values);
    return p;
}

std::vector<double> principal_angles(const std::vector<double>& a, const std::vector<double>& b,
                                     std::size_t k, std::size_t d) {
    using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const auto K = static_cast<Eigen::Index>(k), D = static_cast<Eigen::Index>(d);
    Eigen::Map<const Mat> A(a.data(), K, D), B(b.data(), K, D);
    const Mat m = A * B.transpose();
    Eigen::VectorXd cosines = Eigen::JacobiSVD<Eigen::MatrixXd>(m).singularValues();  // descending
    const Mat r = B - (B * A.transpose()) * A;
    Eigen::MatrixXd rt = r.transpose();
    Eigen::VectorXd sines = Eigen::JacobiSVD<Eigen::MatrixXd>(rt).singularValues();  // descending
    std::vector<double> angles(k);
    for (std::size_t i = 0; i < k; ++i) {
        const double c = std::min(1.0, cosines(static_cast<Eigen::Index>(i)));
        const double s = std::min(1.0, sines(static_cast<Eigen::Index>(k - 1 - i)));  // ascending
        angles[i] = c * c < 0.5 ? std::acos(c) : std::asin(s);
    }
    return angles;
}

}  // namespace es::numerics
