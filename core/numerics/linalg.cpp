#include "numerics/linalg.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <random>
#include <set>
#include <string>

#include "util/error.h"

extern "C" {
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
             double* work, const int* lwork, int* iwork, const int* liwork, int* info);
void ssyevd_(const char* jobz, const char* uplo, const int* n, float* a, const int* lda, float* w,
             float* work, const int* lwork, int* iwork, const int* liwork, int* info);
void dsyevd_2stage_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda,
                    double* w, double* work, const int* lwork, int* iwork, const int* liwork,
                    int* info);
void ssyevd_2stage_(const char* jobz, const char* uplo, const int* n, float* a, const int* lda,
                    float* w, float* work, const int* lwork, int* iwork, const int* liwork,
                    int* info);
void dgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
            const double* alpha, const double* a, const int* lda, const double* b, const int* ldb,
            const double* beta, double* c, const int* ldc);
void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
            const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
            const float* beta, float* c, const int* ldc);
void dsyrk_(const char* uplo, const char* trans, const int* n, const int* k, const double* alpha,
            const double* a, const int* lda, const double* beta, double* c, const int* ldc);
void ssyrk_(const char* uplo, const char* trans, const int* n, const int* k, const float* alpha,
            const float* a, const int* lda, const float* beta, float* c, const int* ldc);
// OpenBLAS extensions (weak: absent with a reference BLAS, then thread control is a no-op).
void openblas_set_num_threads(int) __attribute__((weak));
int openblas_get_num_threads(void) __attribute__((weak));
}

namespace es::numerics {

namespace {

int to_int(std::size_t v, const char* what) {
    if (v > static_cast<std::size_t>(2147483647))
        throw InternalError(std::string(what) + ": dimension too large for LAPACK");
    return static_cast<int>(v);
}

// Workspace sizes of ?syevd from its documentation (not from the query; see header).
void syevd_workspace(std::size_t n, bool vectors, std::size_t& lwork, std::size_t& liwork) {
    if (n <= 1) {
        lwork = 1;
        liwork = 1;
    } else if (vectors) {
        lwork = 1 + 6 * n + 2 * n * n;
        liwork = 3 + 5 * n;
    } else {
        lwork = 2 * n + 1;
        liwork = 1;
    }
}

template <typename T, typename Fn>
void eigh_impl(std::vector<T>& a, std::size_t n, std::vector<T>& values, bool vectors, Fn syevd,
               const char* name) {
    if (a.size() < n * n) throw InternalError(std::string(name) + ": matrix smaller than n x n");
    values.assign(n, T(0));
    if (n == 0) return;
    std::size_t lwork = 0, liwork = 0;
    syevd_workspace(n, vectors, lwork, liwork);
    std::vector<T> work(lwork);
    std::vector<int> iwork(liwork);
    const int ni = to_int(n, name), lw = to_int(lwork, name), liw = to_int(liwork, name);
    int info = 0;
    const char jobz = vectors ? 'V' : 'N', uplo = 'L';
    syevd(&jobz, &uplo, &ni, a.data(), &ni, values.data(), work.data(), &lw, iwork.data(), &liw,
          &info);
    if (info != 0)
        throw InternalError(std::string(name) + " failed (info " + std::to_string(info) + ")");
    // LAPACK returns ascending order; callers want the largest first.
    std::reverse(values.begin(), values.end());
    if (vectors)
        for (std::size_t j = 0; j < n / 2; ++j)
            std::swap_ranges(a.begin() + static_cast<long>(j * n),
                             a.begin() + static_cast<long>((j + 1) * n),
                             a.begin() + static_cast<long>((n - 1 - j) * n));
}

template <typename T, typename Fn>
void eigvalsh_impl(std::vector<T>& a, std::size_t n, std::vector<T>& values, Fn syevd_2stage,
                   const char* name) {
    if (a.size() < n * n) throw InternalError(std::string(name) + ": matrix smaller than n x n");
    values.assign(n, T(0));
    if (n == 0) return;
    const int ni = to_int(n, name);
    const char jobz = 'N', uplo = 'L';
    int info = 0, query_iwork = 0;
    const int query = -1;
    T query_work = 0;
    syevd_2stage(&jobz, &uplo, &ni, a.data(), &ni, values.data(), &query_work, &query, &query_iwork,
                 &query, &info);
    if (info != 0)
        throw InternalError(std::string(name) + " workspace query failed (info " +
                            std::to_string(info) + ")");
    // The size comes back as a T: in float it is exact only to 2^-24, hence the margin.
    const auto lwork = static_cast<std::size_t>(static_cast<double>(query_work) * (1 + 1e-6)) + n;
    std::vector<T> work(lwork);
    std::vector<int> iwork(static_cast<std::size_t>(std::max(1, query_iwork)));
    const int lw = to_int(lwork, name), liw = static_cast<int>(iwork.size());
    syevd_2stage(&jobz, &uplo, &ni, a.data(), &ni, values.data(), work.data(), &lw, iwork.data(),
                 &liw, &info);
    if (info != 0)
        throw InternalError(std::string(name) + " failed (info " + std::to_string(info) + ")");
    std::reverse(values.begin(), values.end());
}

// Orthonormal basis of the columns of m (n x p, full column rank in practice).
Eigen::MatrixXd orthonormal(const Eigen::MatrixXd& m) {
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(m);
    return qr.householderQ() * Eigen::MatrixXd::Identity(m.rows(), m.cols());
}

// z = a q for the full symmetric n x n `a` and n x p `q` (OpenBLAS, all BLAS threads).
void product(const std::vector<double>& a, std::size_t n, const Eigen::MatrixXd& q,
             Eigen::MatrixXd& z) {
    const int ni = to_int(n, "dgemm"), pi = static_cast<int>(q.cols());
    const double one = 1, zero = 0;
    z.resize(q.rows(), q.cols());
    dgemm_("N", "N", &ni, &pi, &ni, &one, a.data(), &ni, q.data(), &ni, &zero, z.data(), &ni);
}

// C (n x n, lower triangle) = alpha op(A) op(A)^T + beta C by ?syrk, A column-major: trans "T"
// for A k x n (op(A) = A^T), "N" for A n x k.
template <typename T, typename Fn>
void syrk_impl(Fn syrk, const char* name, const char* trans, const T* a, std::size_t n,
               std::size_t k, T alpha, T beta, T* c) {
    const int ni = to_int(n, name), ki = to_int(k, name);
    const int lda = std::max(1, *trans == 'T' ? ki : ni);
    syrk("L", trans, &ni, &ki, &alpha, a, &lda, &beta, c, &ni);
}

// Row-major C = A B^T is column-major C^T = B A^T: with the row-major A, B read as column-major
// A^T (k x m), B^T (k x n), that is gemm("T", "N") of B^T and A^T.
template <typename T, typename Fn>
void gemm_nt_impl(Fn gemm, const char* name, const T* a, std::size_t m, const T* b, std::size_t n,
                  std::size_t k, T* c) {
    const int mi = to_int(m, name), ni = to_int(n, name), ki = to_int(k, name);
    const int ld = std::max(1, ki), ldc = std::max(1, ni);
    const T one = 1, zero = 0;
    gemm("T", "N", &ni, &mi, &ki, &one, b, &ld, a, &ld, &zero, c, &ldc);
}

}  // namespace

void gemm_nt(const float* a, std::size_t m, const float* b, std::size_t n, std::size_t k,
             float* c) {
    gemm_nt_impl(sgemm_, "sgemm", a, m, b, n, k, c);
}

void gemm_nt(const double* a, std::size_t m, const double* b, std::size_t n, std::size_t k,
             double* c) {
    gemm_nt_impl(dgemm_, "dgemm", a, m, b, n, k, c);
}

void eigvalsh(std::vector<double>& a, std::size_t n, std::vector<double>& values) {
    eigvalsh_impl(a, n, values, dsyevd_2stage_, "dsyevd_2stage");
}

void eigvalsh(std::vector<float>& a, std::size_t n, std::vector<float>& values) {
    eigvalsh_impl(a, n, values, ssyevd_2stage_, "ssyevd_2stage");
}

bool top_eigenpairs(const std::vector<double>& a, std::size_t n, std::size_t k,
                    std::vector<double>& values, std::vector<double>& vectors, int max_iterations) {
    if (a.size() < n * n) throw InternalError("top_eigenpairs: matrix smaller than n x n");
    k = std::min(k, n);
    values.clear();
    vectors.clear();
    if (k == 0) return true;
    const std::size_t p = std::min(n, std::max(2 * k, k + 16));
    const auto N = static_cast<Eigen::Index>(n), P = static_cast<Eigen::Index>(p),
               K = static_cast<Eigen::Index>(k);
    // A fixed seed: the same matrix always gives the same vectors.
    std::mt19937_64 rng(0x5eed);
    std::normal_distribution<double> normal;
    Eigen::MatrixXd q(N, P), z;
    for (Eigen::Index j = 0; j < P; ++j)
        for (Eigen::Index i = 0; i < N; ++i) q(i, j) = normal(rng);
    q = orthonormal(q);
    for (int it = 0; it < max_iterations; ++it) {
        product(a, n, q, z);  // z = A q
        Eigen::MatrixXd h = q.transpose() * z;
        h = 0.5 * (h + h.transpose()).eval();
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> small(h);  // ascending
        const Eigen::MatrixXd w = small.eigenvectors().rowwise().reverse();
        const Eigen::VectorXd t = small.eigenvalues().reverse();
        const Eigen::MatrixXd v = q * w, av = z * w;
        const double scale = std::max(std::abs(t(0)), std::numeric_limits<double>::min());
        bool done = true;
        for (Eigen::Index i = 0; i < K && done; ++i)
            done = (av.col(i) - t(i) * v.col(i)).norm() <= 1e-10 * scale;
        if (done) {
            values.assign(t.data(), t.data() + K);
            vectors.assign(v.data(), v.data() + N * K);
            return true;
        }
        q = orthonormal(av);
    }
    return false;
}

void eigh(std::vector<double>& a, std::size_t n, std::vector<double>& values, bool vectors) {
    eigh_impl(a, n, values, vectors, dsyevd_, "dsyevd");
}

void eigh(std::vector<float>& a, std::size_t n, std::vector<float>& values, bool vectors) {
    eigh_impl(a, n, values, vectors, ssyevd_, "ssyevd");
}

void syrk_t(const float* a, std::size_t k, std::size_t n, float alpha, float beta, float* c) {
    syrk_impl(ssyrk_, "ssyrk", "T", a, n, k, alpha, beta, c);
}

void syrk_t(const double* a, std::size_t k, std::size_t n, double alpha, double beta, double* c) {
    syrk_impl(dsyrk_, "dsyrk", "T", a, n, k, alpha, beta, c);
}

void syrk_n(const float* a, std::size_t n, std::size_t k, float alpha, float beta, float* c) {
    syrk_impl(ssyrk_, "ssyrk", "N", a, n, k, alpha, beta, c);
}

void syrk_n(const double* a, std::size_t n, std::size_t k, double alpha, double beta, double* c) {
    syrk_impl(dsyrk_, "dsyrk", "N", a, n, k, alpha, beta, c);
}

void set_blas_threads(int n) {
    if (openblas_set_num_threads) openblas_set_num_threads(std::max(1, n));
}

int blas_threads() {
    return openblas_get_num_threads ? openblas_get_num_threads() : 1;
}

namespace {
struct BlasThreadRequests {
    std::mutex mutex;
    std::multiset<int> open;       // requests of the scopes open now
    std::multiset<int> overrides;  // requests of the overriding ones among them
    int before = 1;                // the count before the first of them

    // The smallest open request, unless an overriding scope is open: then the largest of those.
    int count() const {
        if (!overrides.empty()) return *overrides.rbegin();
        return open.empty() ? before : *open.begin();
    }
};
BlasThreadRequests& blas_requests() {
    static BlasThreadRequests requests;
    return requests;
}
}  // namespace

ScopedBlasThreads::ScopedBlasThreads(int n, bool overriding)
    : requested_(std::max(1, n)), overriding_(overriding) {
    auto& r = blas_requests();
    const std::lock_guard<std::mutex> lock(r.mutex);
    if (r.open.empty()) r.before = blas_threads();
    r.open.insert(requested_);
    if (overriding_) r.overrides.insert(requested_);
    set_blas_threads(r.count());
}

ScopedBlasThreads::~ScopedBlasThreads() {
    auto& r = blas_requests();
    const std::lock_guard<std::mutex> lock(r.mutex);
    r.open.erase(r.open.find(requested_));
    if (overriding_) r.overrides.erase(r.overrides.find(requested_));
    set_blas_threads(r.count());
}

}  // namespace es::numerics
