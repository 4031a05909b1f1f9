// LAPACK routing: eigenvalues/vectors of known matrices, descending order, float and double.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

#include "numerics/linalg.h"
#include "numerics/pca.h"
#include "util/progress.h"

extern "C" {
// LAPACK's own values-only driver: what eigvalsh runs stage by stage.
void dsyevd_2stage_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda,
                    double* w, double* work, const int* lwork, int* iwork, const int* liwork,
                    int* info);
void ssyevd_2stage_(const char* jobz, const char* uplo, const int* n, float* a, const int* lda,
                    float* w, float* work, const int* lwork, int* iwork, const int* liwork,
                    int* info);
}

namespace {

// Eigenvalues (descending) by LAPACK's ?syevd_2stage in one call.
template <typename T, typename Fn>
std::vector<T> lapack_two_stage(std::vector<T> a, int n, Fn driver) {
    std::vector<T> w(static_cast<std::size_t>(n));
    int info = 0, iq = 0;
    const int query = -1;
    T wq = 0;
    driver("N", "L", &n, a.data(), &n, w.data(), &wq, &query, &iq, &query, &info);
    EXPECT_EQ(info, 0);
    std::vector<T> work(static_cast<std::size_t>(static_cast<double>(wq) * 1.01) + 64);
    std::vector<int> iwork(static_cast<std::size_t>(std::max(1, iq)));
    const int lw = static_cast<int>(work.size()), liw = static_cast<int>(iwork.size());
    driver("N", "L", &n, a.data(), &n, w.data(), work.data(), &lw, iwork.data(), &liw, &info);
    EXPECT_EQ(info, 0);
    std::reverse(w.begin(), w.end());
    return w;
}

// A = Q diag(d) Q^T (column-major, both triangles) for a random orthogonal Q: Gram-Schmidt of a
// Gaussian matrix's columns, done twice for stability.
std::vector<double> planted(const std::vector<double>& d, std::vector<double>& q, unsigned seed) {
    const std::size_t n = d.size();
    std::mt19937 gen(seed);
    std::normal_distribution<double> nd;
    q.assign(n * n, 0.0);
    for (auto& v : q) v = nd(gen);
    for (int pass = 0; pass < 2; ++pass)
        for (std::size_t j = 0; j < n; ++j) {
            for (std::size_t p = 0; p < j; ++p) {
                double dot = 0;
                for (std::size_t i = 0; i < n; ++i) dot += q[j * n + i] * q[p * n + i];
                for (std::size_t i = 0; i < n; ++i) q[j * n + i] -= dot * q[p * n + i];
            }
            double norm = 0;
            for (std::size_t i = 0; i < n; ++i) norm += q[j * n + i] * q[j * n + i];
            for (std::size_t i = 0; i < n; ++i) q[j * n + i] /= std::sqrt(norm);
        }
    std::vector<double> a(n * n, 0.0);
    for (std::size_t k = 0; k < n; ++k)
        for (std::size_t j = 0; j < n; ++j)
            for (std::size_t i = 0; i < n; ++i) a[j * n + i] += q[k * n + i] * q[k * n + j] * d[k];
    return a;
}

}  // namespace

TEST(Linalg, EighRecoversAPlantedSpectrum) {
    const std::size_t n = 40;
    // A = Q diag(d) Q^T for a random orthogonal Q, d = 1/(i+1).
    std::vector<double> d(n), q;
    for (std::size_t i = 0; i < n; ++i) d[i] = 1.0 / double(i + 1);
    std::vector<double> a = planted(d, q, 3);
    std::vector<float> af(a.begin(), a.end());
    std::vector<double> w;
    es::numerics::eigh(a, n, w, true);
    for (std::size_t k = 0; k < n; ++k) EXPECT_NEAR(w[k], 1.0 / double(k + 1), 1e-12);
    // Eigenvector k is +-q_k.
    for (std::size_t k = 0; k < 5; ++k) {
        double dot = 0;
        for (std::size_t i = 0; i < n; ++i) dot += a[k * n + i] * q[k * n + i];
        EXPECT_NEAR(std::abs(dot), 1.0, 1e-9);
    }
    std::vector<float> wf;
    es::numerics::eigh(af, n, wf, false);
    for (std::size_t k = 0; k < n; ++k) EXPECT_NEAR(wf[k], 1.0 / double(k + 1), 1e-5);
}

TEST(Linalg, SyrkIsTheGramOfColumns) {
    const std::size_t k = 7, n = 3;
    std::vector<double> a(k * n);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = double(i % 5) - 2.0;
    std::vector<double> c(n * n, 0.0);
    es::numerics::syrk_t(a.data(), k, n, 1.0, 0.0, c.data());
    es::numerics::fill_upper(c.data(), n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            double want = 0;
            for (std::size_t r = 0; r < k; ++r) want += a[i * k + r] * a[j * k + r];
            EXPECT_DOUBLE_EQ(c[j * n + i], want);
        }
}

// The two-stage values-only solver against the planted spectrum (and the one-stage solver).
TEST(Linalg, TwoStageValuesMatchThePlantedSpectrum) {
    const std::size_t n = 300;
    std::vector<double> d(n), q;
    for (std::size_t i = 0; i < n; ++i) d[i] = std::pow(double(i + 1), -1.2);
    std::vector<double> a = planted(d, q, 5);
    std::vector<float> af(a.begin(), a.end());
    std::vector<double> w;
    es::numerics::eigvalsh(a, n, w);
    ASSERT_EQ(w.size(), n);
    for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(w[i], d[i], 1e-13) << i;
    std::vector<float> wf;
    es::numerics::eigvalsh(af, n, wf);
    for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(wf[i], d[i], 2e-6) << i;
}

// Subspace iteration finds the leading eigenpairs of a power-law spectrum to float64 accuracy.
TEST(Linalg, SubspaceIterationFindsTheLeadingEigenpairs) {
    const std::size_t n = 400, k = 12;
    std::vector<double> d(n), q;
    for (std::size_t i = 0; i < n; ++i) d[i] = 50.0 * std::pow(double(i + 1), -0.8);
    const std::vector<double> a = planted(d, q, 9);
    std::vector<double> values, vectors;
    ASSERT_TRUE(es::numerics::top_eigenpairs(a, n, k, values, vectors));
    ASSERT_EQ(values.size(), k);
    ASSERT_EQ(vectors.size(), n * k);
    for (std::size_t i = 0; i < k; ++i) {
        EXPECT_NEAR(values[i], d[i], 1e-10 * d[0]) << i;
        double dot = 0;
        for (std::size_t r = 0; r < n; ++r) dot += vectors[i * n + r] * q[i * n + r];
        EXPECT_NEAR(std::abs(dot), 1.0, 1e-9) << i;
    }
}

// A nearly flat spectrum around the k-th value converges too slowly: the caller is told so
// (and falls back to the full solver) instead of getting unconverged vectors.
TEST(Linalg, SubspaceIterationReportsNoConvergence) {
    const std::size_t n = 300;
    std::vector<double> d(n), q;
    for (std::size_t i = 0; i < n; ++i) d[i] = 1.0 + 1e-3 * double(n - i) / double(n);
    const std::vector<double> a = planted(d, q, 11);
    std::vector<double> values, vectors;
    EXPECT_FALSE(es::numerics::top_eigenpairs(a, n, 8, values, vectors, 20));
}

// pca_of_rows through the Gram (T <= D, T > 256: values from the two-stage solver, directions
// from subspace iteration) against the full eigen-decomposition of the D x D scatter.
TEST(Linalg, GramPcaMatchesTheFullScatterDecomposition) {
    const std::size_t t = 300, dim = 420, k = 6;
    std::mt19937 gen(21);
    std::normal_distribution<float> nd;
    std::vector<float> x(t * dim);
    for (std::size_t r = 0; r < t; ++r)
        for (std::size_t j = 0; j < dim; ++j)
            x[r * dim + j] = nd(gen) * std::pow(float(j % 37 + 1), -0.9f) + (j == 5 ? 40.f : 0.f);
    std::vector<std::size_t> rows(t);
    for (std::size_t r = 0; r < t; ++r) rows[r] = r;
    const es::numerics::Pca gram =
        es::numerics::pca_of_rows(x.data(), dim, rows, true, k, es::no_progress());
    es::numerics::Scatter s(dim, true);
    s.add(x.data(), t);
    const es::numerics::Pca full = es::numerics::pca_of_scatter(s, dim, true);
    ASSERT_EQ(gram.eig.size(), t);
    ASSERT_EQ(gram.k, k);
    for (std::size_t i = 0; i < t; ++i) EXPECT_NEAR(gram.eig[i], full.eig[i], 1e-9 * full.eig[0]);
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < dim; ++j)
            EXPECT_NEAR(gram.components[i * dim + j], full.components[i * dim + j], 1e-7)
                << "component " << i << " entry " << j;
}

// eigvalsh runs ?syevd_2stage's stages itself (the bulge chase on one BLAS thread): the values
// are LAPACK's driver's, for sizes below, at and above the band width (64 at these sizes), for
// matrices the driver scales (entries near 1e-160 and 1e+160), on one and two BLAS threads.
TEST(Linalg, TwoStageValuesAreLapacksDriversValues) {
    const int before = es::numerics::blas_threads();
    std::mt19937 gen(17);
    std::normal_distribution<double> nd;
    for (int threads : {1, 2}) {
        const es::numerics::ScopedBlasThreads scope(threads, true);
        for (const int n : {1, 2, 3, 40, 65, 66, 129, 700})
            for (const double magnitude : {1.0, 1e-160, 1e160}) {
                std::vector<double> a(static_cast<std::size_t>(n) * n);
                for (int j = 0; j < n; ++j)
                    for (int i = j; i < n; ++i)
                        a[j * n + i] = a[i * n + j] = nd(gen) * magnitude / (1.0 + 0.05 * j);
                const std::vector<double> want = lapack_two_stage(a, n, dsyevd_2stage_);
                std::vector<float> af(a.begin(), a.end());
                std::vector<double> got;
                es::numerics::eigvalsh(a, static_cast<std::size_t>(n), got);
                ASSERT_EQ(got.size(), want.size());
                double largest = 0;
                for (double v : want) largest = std::max(largest, std::abs(v));
                // On one BLAS thread both run the same calls in the same order: the same bits.
                // On two, the driver's chase hands its small BLAS-2 calls to the pool, whose
                // partial sums round differently (1e-15 of the largest seen).
                for (int i = 0; i < n; ++i)
                    if (threads == 1)
                        ASSERT_EQ(got[i], want[i]) << "n " << n << ", entries ~" << magnitude;
                    else
                        ASSERT_NEAR(got[i] / largest, want[i] / largest, 1e-13)
                            << "n " << n << ", entries ~" << magnitude << ", value " << i;
                if (magnitude != 1.0) continue;  // float: 1e+-160 is out of range
                const std::vector<float> want_f = lapack_two_stage(af, n, ssyevd_2stage_);
                std::vector<float> got_f;
                es::numerics::eigvalsh(af, static_cast<std::size_t>(n), got_f);
                for (int i = 0; i < n; ++i)
                    if (threads == 1)
                        ASSERT_EQ(got_f[i], want_f[i]) << "float, n " << n;
                    else  // float rounding: some n eps of the largest
                        ASSERT_NEAR(got_f[i] / largest, want_f[i] / largest, 1e-5)
                            << "float, n " << n << ", value " << i;
            }
    }
    EXPECT_EQ(es::numerics::blas_threads(), before);
}

// The sequential scope (eigvalsh's bulge chase) wins over every other request while open, and the
// count the others set comes back when it closes, whichever opened first.
TEST(Linalg, ASequentialBlasScopeWinsWhileOpen) {
    const int before = es::numerics::blas_threads();
    es::numerics::set_blas_threads(2);
    const int two = es::numerics::blas_threads();
    {
        const es::numerics::ScopedBlasThreads selected(2, true);
        EXPECT_EQ(es::numerics::blas_threads(), two);
        {
            const es::numerics::ScopedSequentialBlas chase;
            EXPECT_EQ(es::numerics::blas_threads(), 1);
        }
        EXPECT_EQ(es::numerics::blas_threads(), two);
    }
    {
        auto chase = std::make_unique<es::numerics::ScopedSequentialBlas>();
        EXPECT_EQ(es::numerics::blas_threads(), 1);
        auto cka = std::make_unique<es::numerics::ScopedBlasThreads>(2);
        EXPECT_EQ(es::numerics::blas_threads(), 1);
        chase.reset();
        EXPECT_EQ(es::numerics::blas_threads(), two);
        cka.reset();
        EXPECT_EQ(es::numerics::blas_threads(), two);  // the count from before both
    }
    es::numerics::set_blas_threads(before);
}

TEST(Linalg, BlasThreadScopesFromTwoAnalysesCloseInAnyOrder) {
    // The spectrum (one BLAS thread) and CKA (two) run at once in the app and close their
    // scopes in either order: the count is the smallest open request, then the count from
    // before both. Without OpenBLAS's thread control every count reads 1.
    const int before = es::numerics::blas_threads();
    es::numerics::set_blas_threads(2);
    const int two = es::numerics::blas_threads();
    {
        auto cka = std::make_unique<es::numerics::ScopedBlasThreads>(2);
        EXPECT_EQ(es::numerics::blas_threads(), two);
        auto spectrum = std::make_unique<es::numerics::ScopedBlasThreads>(1);
        EXPECT_EQ(es::numerics::blas_threads(), 1);
        cka.reset();  // CKA finishes first: the spectrum keeps its one thread
        EXPECT_EQ(es::numerics::blas_threads(), 1);
        auto again = std::make_unique<es::numerics::ScopedBlasThreads>(2);
        EXPECT_EQ(es::numerics::blas_threads(), 1);
        spectrum.reset();
        EXPECT_EQ(es::numerics::blas_threads(), two);
    }
    EXPECT_EQ(es::numerics::blas_threads(), two);
    es::numerics::set_blas_threads(before);
}
