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
// Eigenvalues below this fraction of the largest count as zero (float64 Gram round-off).
constexpr double kZeroEig = 1e-13;

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
    linalg::syrk_n(block.data(), d_, m, 1.0, 1.0, m2_.data());
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

std::vector<double> Scatter::matrix() const {
    std::vector<double> m = m2_;
    linalg::fill_upper(m.data(), d_);
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

Pca pca_of_scatter(const Scatter& s, std::size_t k, bool complete) {
    Pca p;
    p.d = s.dim();
    p.n = s.count();
    p.centred = s.centred();
    p.mean = s.centred() ? s.mean() : std::vector<double>(p.d, 0.0);
    std::vector<double> a = s.matrix(), values;
    k = std::min(k, p.d);
    linalg::eigh(a, p.d, values, k > 0);
    for (double& v : values) v = std::max(v, 0.0);
    const double tol = values.empty() ? 0.0 : values[0] * kZeroEig;
    std::size_t kk = 0;
    while (kk < k && (complete || values[kk] > tol)) ++kk;
    p.k = kk;
    p.components.resize(kk * p.d);
    for (std::size_t i = 0; i < kk; ++i) {
        std::copy(a.begin() + static_cast<long>(i * p.d),
                  a.begin() + static_cast<long>((i + 1) * p.d),
                  p.components.begin() + static_cast<long>(i * p.d));
        sign_normalise(p.components.data() + i * p.d, p.d);
    }
    values.resize(std::min(p.n, p.d));
    p.eig = std::move(values);
    return p;
}

std::vector<double> gram_of_rows(const float* x, std::size_t d,
                                 const std::vector<std::size_t>& rows, bool centred,
                                 std::vector<double>* centred_rows) {
    const std::size_t m = rows.size();
    std::vector<double> c(m * d), mean(d, 0.0);
    for (std::size_t r = 0; r < m; ++r)
        for (std::size_t j = 0; j < d; ++j) c[r * d + j] = x[rows[r] * d + j];
    if (centred && m) {
        for (std::size_t r = 0; r < m; ++r)
            for (std::size_t j = 0; j < d; ++j) mean[j] += c[r * d + j];
        for (double& v : mean) v /= static_cast<double>(m);
        for (std::size_t r = 0; r < m; ++r)
            for (std::size_t j = 0; j < d; ++j) c[r * d + j] -= mean[j];
    }
    std::vector<double> g(m * m, 0.0);
    // Rows are the columns of a column-major d x m matrix A: A^T A is the Gram.
    if (m) linalg::syrk_t(c.data(), d, m, 1.0, 0.0, g.data());
    linalg::fill_upper(g.data(), m);
    if (centred_rows) *centred_rows = std::move(c);
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
        return pca_of_scatter(s, k);
    }
    Pca p;
    p.d = d;
    p.n = m;
    p.centred = centred;
    p.mean.assign(d, 0.0);
    std::vector<double> c;
    std::vector<double> g = gram_of_rows(x, d, rows, centred, &c);
    if (centred && m) {
        for (std::size_t r = 0; r < m; ++r)
            for (std::size_t j = 0; j < d; ++j) p.mean[j] += x[rows[r] * d + j];
        for (double& v : p.mean) v /= static_cast<double>(m);
    }
    progress.check();
    std::vector<double> values;
    k = std::min(k, m);
    linalg::eigh(g, m, values, k > 0);
    progress.check();
    for (double& v : values) v = std::max(v, 0.0);
    const double tol = values.empty() ? 0.0 : values[0] * kZeroEig;
    std::size_t kk = 0;
    while (kk < k && values[kk] > tol) ++kk;
    p.k = kk;
    if (kk) {
        // v_i = Xc^T u_i / s_i
        Eigen::Map<const Eigen::MatrixXd> xc(c.data(), static_cast<Eigen::Index>(d),
                                             static_cast<Eigen::Index>(m));
        Eigen::Map<const Eigen::MatrixXd> u(g.data(), static_cast<Eigen::Index>(m),
                                            static_cast<Eigen::Index>(kk));
        Eigen::MatrixXd v = xc * u;
        p.components.resize(kk * d);
        for (std::size_t i = 0; i < kk; ++i) {
            const double inv = 1.0 / std::sqrt(values[i]);
            for (std::size_t j = 0; j < d; ++j)
                p.components[i * d + j] =
                    v(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i)) * inv;
            sign_normalise(p.components.data() + i * d, d);
        }
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
