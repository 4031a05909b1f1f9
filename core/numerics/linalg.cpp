#include "numerics/linalg.h"

#include <algorithm>
#include <string>

#include "util/error.h"

extern "C" {
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
             double* work, const int* lwork, int* iwork, const int* liwork, int* info);
void ssyevd_(const char* jobz, const char* uplo, const int* n, float* a, const int* lda, float* w,
             float* work, const int* lwork, int* iwork, const int* liwork, int* info);
void dsyrk_(const char* uplo, const char* trans, const int* n, const int* k, const double* alpha,
            const double* a, const int* lda, const double* beta, double* c, const int* ldc);
void ssyrk_(const char* uplo, const char* trans, const int* n, const int* k, const float* alpha,
            const float* a, const int* lda, const float* beta, float* c, const int* ldc);
// OpenBLAS extensions (weak: absent with a reference BLAS, then thread control is a no-op).
void openblas_set_num_threads(int) __attribute__((weak));
int openblas_get_num_threads(void) __attribute__((weak));
}

namespace es::linalg {

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

}  // namespace

void eigh(std::vector<double>& a, std::size_t n, std::vector<double>& values, bool vectors) {
    eigh_impl(a, n, values, vectors, dsyevd_, "dsyevd");
}

void eigh(std::vector<float>& a, std::size_t n, std::vector<float>& values, bool vectors) {
    eigh_impl(a, n, values, vectors, ssyevd_, "ssyevd");
}

void syrk_t(const float* a, std::size_t k, std::size_t n, float alpha, float beta, float* c) {
    const int ni = to_int(n, "ssyrk"), ki = to_int(k, "ssyrk"), lda = std::max(1, ki);
    ssyrk_("L", "T", &ni, &ki, &alpha, a, &lda, &beta, c, &ni);
}

void syrk_t(const double* a, std::size_t k, std::size_t n, double alpha, double beta, double* c) {
    const int ni = to_int(n, "dsyrk"), ki = to_int(k, "dsyrk"), lda = std::max(1, ki);
    dsyrk_("L", "T", &ni, &ki, &alpha, a, &lda, &beta, c, &ni);
}

void syrk_n(const float* a, std::size_t n, std::size_t k, float alpha, float beta, float* c) {
    const int ni = to_int(n, "ssyrk"), ki = to_int(k, "ssyrk"), lda = std::max(1, ni);
    ssyrk_("L", "N", &ni, &ki, &alpha, a, &lda, &beta, c, &ni);
}

void syrk_n(const double* a, std::size_t n, std::size_t k, double alpha, double beta, double* c) {
    const int ni = to_int(n, "dsyrk"), ki = to_int(k, "dsyrk"), lda = std::max(1, ni);
    dsyrk_("L", "N", &ni, &ki, &alpha, a, &lda, &beta, c, &ni);
}

void set_blas_threads(int n) {
    if (openblas_set_num_threads) openblas_set_num_threads(std::max(1, n));
}

int blas_threads() {
    return openblas_get_num_threads ? openblas_get_num_threads() : 1;
}

}  // namespace es::linalg
