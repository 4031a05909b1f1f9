// LAPACK routing: eigenvalues/vectors of known matrices, descending order, float and double.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "numerics/linalg.h"

TEST(Linalg, EighRecoversAPlantedSpectrum) {
    const std::size_t n = 40;
    std::mt19937 gen(3);
    std::normal_distribution<double> nd;
    // Random orthogonal Q by Gram-Schmidt, A = Q diag(d) Q^T with d = 1/(i+1).
    std::vector<double> q(n * n);
    for (auto& v : q) v = nd(gen);
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
            for (std::size_t i = 0; i < n; ++i)
                a[j * n + i] += q[k * n + i] * q[k * n + j] / double(k + 1);
    std::vector<float> af(a.begin(), a.end());
    std::vector<double> w;
    es::linalg::eigh(a, n, w, true);
    for (std::size_t k = 0; k < n; ++k) EXPECT_NEAR(w[k], 1.0 / double(k + 1), 1e-12);
    // Eigenvector k is +-q_k.
    for (std::size_t k = 0; k < 5; ++k) {
        double dot = 0;
        for (std::size_t i = 0; i < n; ++i) dot += a[k * n + i] * q[k * n + i];
        EXPECT_NEAR(std::abs(dot), 1.0, 1e-9);
    }
    std::vector<float> wf;
    es::linalg::eigh(af, n, wf, false);
    for (std::size_t k = 0; k < n; ++k) EXPECT_NEAR(wf[k], 1.0 / double(k + 1), 1e-5);
}

TEST(Linalg, SyrkIsTheGramOfColumns) {
    const std::size_t k = 7, n = 3;
    std::vector<double> a(k * n);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = double(i % 5) - 2.0;
    std::vector<double> c(n * n, 0.0);
    es::linalg::syrk_t(a.data(), k, n, 1.0, 0.0, c.data());
    es::linalg::fill_upper(c.data(), n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            double want = 0;
            for (std::size_t r = 0; r < k; ++r) want += a[i * k + r] * a[j * k + r];
            EXPECT_DOUBLE_EQ(c[j * n + i], want);
        }
}
