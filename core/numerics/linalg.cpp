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
void dsytrd_sy2sb_(const char* uplo, const int* n, const int* kd, double* a, const int* lda,
                   double* ab, const int* ldab, double* tau, double* work, const int* lwork,
                   int* info);
void ssytrd_sy2sb_(const char* uplo, const int* n, const int* kd, float* a, const int* lda,
                   float* ab, const int* ldab, float* tau, float* work, const int* lwork,
                   int* info);
void dsytrd_sb2st_(const char* stage1, const char* vect, const char* uplo, const int* n,
                   const int* kd, double* ab, const int* ldab, double* d, double* e, double* hous,
                   const int* lhous, double* work, const int* lwork, int* info);
void ssytrd_sb2st_(const char* stage1, const char* vect, const char* uplo, const int* n,
                   const int* kd, float* ab, const int* ldab, float* d, float* e, float* hous,
                   const int* lhous, float* work, const int* lwork, int* info);
void dsterf_(const int* n, double* d, double* e, int* info);
void ssterf_(const int* n, float* d, float* e, int* info);
// A Fortran function with CHARACTER arguments: their lengths follow the other arguments.
int ilaenv2stage_(const int* ispec, const char* name, const char* opts, const int* n1,
                  const int* n2, const int* n3, const int* n4, std::size_t name_len,
                  std::size_t opts_len);
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

// The two-stage eigenvalue routines of one precision (what ?syevd_2stage calls for values).
template <typename T>
struct TwoStage;
template <>
struct TwoStage<double> {
    static constexpr auto sy2sb = dsytrd_sy2sb_;
    static constexpr auto sb2st = dsytrd_sb2st_;
    static constexpr auto sterf = dsterf_;
    static constexpr const char* name = "DSYTRD_2STAGE";
};
template <>
struct TwoStage<float> {
    static constexpr auto sy2sb = ssytrd_sy2sb_;
    static constexpr auto sb2st = ssytrd_sb2st_;
    static constexpr auto sterf = ssterf_;
    static constexpr const char* name = "SSYTRD_2STAGE";
};

void check_info(int info, const std::string& what) {
    if (info != 0) throw InternalError(what + " failed (info " + std::to_string(info) + ")");
}

// ?syevd_2stage with jobz = 'N', stage by stage, so that each stage runs on the BLAS threads it
// gains from: the reduction to a band (?sytrd_sy2sb, BLAS-3) on all of them, the band's bulge
// chase (?sytrd_sb2st: some 500 000 calls of BLAS-2 on 64-element blocks at n = 4096) on one.
// OpenBLAS hands each of those small calls to its thread pool when it has one: the chase took
// 4.1-5.1 s with the pool at two threads against 1.1-1.4 s at one (n = 4096, two-core AMD EPYC;
// the same run, alternating). Same routines, same band width and scaling as ?syevd_2stage, so the
// same eigenvalues (compared bit for bit in the tests).
template <typename T>
void eigvalsh_impl(std::vector<T>& a, std::size_t n, std::vector<T>& values, const char* name) {
    using L = TwoStage<T>;
    if (a.size() < n * n) throw InternalError(std::string(name) + ": matrix smaller than n x n");
    values.assign(n, T(0));
    if (n == 0) return;
    const int ni = to_int(n, name);
    // ?syevd_2stage scales a matrix whose largest entry lies outside [sqrt(tiny / eps),
    // sqrt(huge * eps)] into that range, and the eigenvalues back.
    T largest = 0;
    for (std::size_t j = 0; j < n; ++j)
        for (std::size_t i = j; i < n; ++i) largest = std::max(largest, std::abs(a[j * n + i]));
    const T small_number = std::numeric_limits<T>::min() / std::numeric_limits<T>::epsilon();
    const T rmin = std::sqrt(small_number), rmax = std::sqrt(T(1) / small_number);
    T scale = 1;
    if (largest > 0 && largest < rmin)
        scale = rmin / largest;
    else if (largest > rmax)
        scale = rmax / largest;
    if (scale != 1)
        for (std::size_t j = 0; j < n; ++j)
            for (std::size_t i = j; i < n; ++i) a[j * n + i] *= scale;

    // The band width LAPACK chooses for this size.
    const int band_spec = 1, none = -1;
    const int kd = std::max(1, ilaenv2stage_(&band_spec, L::name, "N", &ni, &none, &none, &none,
                                             std::string(L::name).size(), 1));
    const int ldab = kd + 1;
    std::vector<T> ab(static_cast<std::size_t>(ldab) * n), tau(n), d(n), e(n);
    int info = 0;
    const int query = -1;
    T work_size = 0, hous_size = 0;
    L::sy2sb("L", &ni, &kd, a.data(), &ni, ab.data(), &ldab, tau.data(), &work_size, &query, &info);
    check_info(info, std::string(name) + ": band reduction workspace query");
    // Sizes come back as a T: in float exact only to 2^-24, hence the margin.
    auto size_of = [n](T v) {
        return static_cast<std::size_t>(static_cast<double>(v) * (1 + 1e-6)) + n;
    };
    {
        std::vector<T> work(size_of(work_size));
        const int lw = to_int(work.size(), name);
        L::sy2sb("L", &ni, &kd, a.data(), &ni, ab.data(), &ldab, tau.data(), work.data(), &lw,
                 &info);
        check_info(info, std::string(name) + ": band reduction (?sytrd_sy2sb)");
    }
    L::sb2st("Y", "N", "L", &ni, &kd, ab.data(), &ldab, d.data(), e.data(), &hous_size, &query,
             &work_size, &query, &info);
    check_info(info, std::string(name) + ": bulge chase workspace query");
    {
        std::vector<T> hous(size_of(hous_size)), work(size_of(work_size));
        const int lh = to_int(hous.size(), name), lw = to_int(work.size(), name);
        const ScopedSequentialBlas sequential;
        L::sb2st("Y", "N", "L", &ni, &kd, ab.data(), &ldab, d.data(), e.data(), hous.data(), &lh,
                 work.data(), &lw, &info);
        check_info(info, std::string(name) + ": bulge chase (?sytrd_sb2st)");
    }
    L::sterf(&ni, d.data(), e.data(), &info);
    check_info(info, std::string(name) + ": tridiagonal eigenvalues (?sterf)");
    // Ascending from LAPACK; callers want the largest first.
    const T unscale = T(1) / scale;
    for (std::size_t i = 0; i < n; ++i) values[i] = d[n - 1 - i] * unscale;
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
    eigvalsh_impl(a, n, values, "dsyevd_2stage");
}

void eigvalsh(std::vector<float>& a, std::size_t n, std::vector<float>& values) {
    eigvalsh_impl(a, n, values, "ssyevd_2stage");
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
    int sequential = 0;            // ScopedSequentialBlas scopes open now

    // One while a sequential scope is open; else the smallest open request, unless an overriding
    // scope is open: then the largest of those.
    int count() const {
        if (sequential > 0) return 1;
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
    if (r.open.empty() && r.sequential == 0) r.before = blas_threads();
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

ScopedSequentialBlas::ScopedSequentialBlas() {
    auto& r = blas_requests();
    const std::lock_guard<std::mutex> lock(r.mutex);
    if (r.open.empty() && r.sequential == 0) r.before = blas_threads();
    ++r.sequential;
    set_blas_threads(r.count());
}

ScopedSequentialBlas::~ScopedSequentialBlas() {
    auto& r = blas_requests();
    const std::lock_guard<std::mutex> lock(r.mutex);
    --r.sequential;
    set_blas_threads(r.count());
}

}  // namespace es::numerics
