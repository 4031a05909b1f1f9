// OpenBLAS' kernels (issue 20): Debian's OpenBLAS falls back to its generic SSE3 kernels on a CPU
// model it does not know (this project's VM), 3-4x slower; the app and the CLI then ask for the
// best set the CPU runs, and keep OpenBLAS' own choice otherwise.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "numerics/blas_kernels.h"

extern "C" void sgemm_(const char* transa, const char* transb, const int* m, const int* n,
                       const int* k, const float* alpha, const float* a, const int* lda,
                       const float* b, const int* ldb, const float* beta, float* c, const int* ldc);

namespace nm = es::numerics;

TEST(BlasKernels, GenericFallbackIsReplacedByTheBestSetTheCpuRuns) {
    nm::CpuFeatures avx512{true, true, true}, avx2{false, true, true}, avx{false, false, true},
        sse{};
    EXPECT_EQ(nm::better_blas_kernels("Prescott", avx512), "SkylakeX");
    EXPECT_EQ(nm::better_blas_kernels("Prescott", avx2), "Haswell");
    EXPECT_EQ(nm::better_blas_kernels("Prescott", avx), "Sandybridge");
    EXPECT_EQ(nm::better_blas_kernels("Prescott", sse), "") << "nothing better to run";
    // A model OpenBLAS knows keeps its own tuning, whatever the features.
    EXPECT_EQ(nm::better_blas_kernels("Haswell", avx512), "");
    EXPECT_EQ(nm::better_blas_kernels("Zen", avx2), "");
    EXPECT_EQ(nm::better_blas_kernels("SkylakeX", avx512), "");
}

namespace {

// In a fresh process (no BLAS call before it, as in main()): switches, then checks a float32
// product of the switched kernels against the same product summed in float64. Exit 0: the
// expected kernels run and compute it; 1: other kernels; 2: a wrong product.
[[noreturn]] void switch_and_multiply(const std::string& want) {
    nm::choose_blas_kernels();
    if (nm::blas_kernels() != want) std::exit(1);
    const int m = 96, n = 80, k = 300;  // past the kernels' blocking in every direction
    std::vector<float> a(static_cast<std::size_t>(m) * k), b(static_cast<std::size_t>(k) * n),
        c(static_cast<std::size_t>(m) * n);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(std::sin(0.37 * i));
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(std::cos(0.11 * i));
    const float one = 1, zero = 0;
    sgemm_("N", "N", &m, &n, &k, &one, a.data(), &m, b.data(), &k, &zero, c.data(), &m);
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < m; ++i) {
            double ref = 0;
            for (int l = 0; l < k; ++l)
                ref += static_cast<double>(a[static_cast<std::size_t>(l) * m + i]) *
                       b[static_cast<std::size_t>(j) * k + l];
            // float32 sums of 300 terms of size <= 1: a few 1e-5 at most.
            if (std::abs(c[static_cast<std::size_t>(j) * m + i] - ref) > 1e-4) std::exit(2);
        }
    std::exit(0);
}

}  // namespace

TEST(BlasKernels, MainSwitchesToTheChosenKernelsAndTheyCompute) {
    // What OpenBLAS picked by itself in this process (tests do not switch), and what main()
    // should end up with: the user's OPENBLAS_CORETYPE as is, else the better set if any.
    const std::string own = nm::blas_kernels();
    ASSERT_FALSE(own.empty()) << "built against OpenBLAS";
    const std::string better = nm::better_blas_kernels(own, nm::cpu_features());
    const std::string want = std::getenv("OPENBLAS_CORETYPE") || better.empty() ? own : better;
    GTEST_FLAG_SET(death_test_style, "threadsafe");  // re-executed: a fresh OpenBLAS
    EXPECT_EXIT(switch_and_multiply(want), ::testing::ExitedWithCode(0), "")
        << "OpenBLAS picked " << own << ", expected " << want;
}
