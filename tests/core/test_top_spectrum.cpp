// The top of the spectrum first (issue 20): randomized subspace iteration's top singular values
// against numpy's float64 SVD on a dump written at test time, to the bound its residual check
// reports; and the spectrum analysis handing that estimate out first, marked as an estimate, then
// the exact values (to 1e-7 of the largest) in its place.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/common.h"
#include "analysis/spectrum.h"
#include "io/dump.h"
#include "numerics/randomized_svd.h"
#include "test_support.h"
#include "util/progress.h"

namespace fs = std::filesystem;
namespace an = es::analysis;

namespace {

constexpr std::size_t kTokens = 512, kD = 768, kLayers = 2;

// Singular values of the centred layers, from numpy (float64, of the float16 values as stored).
struct Reference {
    fs::path dir, file;
    std::vector<std::vector<double>> layers, uncentred_top;
};

const Reference& reference() {
    static const Reference ref = [] {
        Reference r;
        r.dir = fs::temp_directory_path() / ("es_top_spectrum_" + std::to_string(::getpid()));
        fs::create_directories(r.dir);
        r.file = r.dir / "power_law.h5";
        const auto j = es::test::run_reference(
            "reference_top_spectrum.py", r.file.string() + " " + std::to_string(kTokens) + " " +
                                             std::to_string(kD) + " " + std::to_string(kLayers));
        if (j.is_null()) return r;
        r.layers = j["layers"].get<std::vector<std::vector<double>>>();
        r.uncentred_top = j["uncentred_top"].get<std::vector<std::vector<double>>>();
        return r;
    }();
    return ref;
}

class TopSpectrum : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(reference().layers.size(), kLayers) << "reference_top_spectrum.py failed";
        dump_ = es::Dump::open(reference().file.string());
    }
    static void TearDownTestSuite() { fs::remove_all(reference().dir); }
    std::shared_ptr<es::Dump> dump_;
};

// Products in float32 (entries rounded once after centring, sums over 768 terms) move a value
// by a few 1e-7 of the largest; 2e-6 of the largest covers that, and is far below the bounds
// tested (1e-4 of each value, values down to 1/7 of the largest here).
double float32_slop(const std::vector<double>& ref) {
    return 2e-6 * ref.front();
}

}  // namespace

TEST_F(TopSpectrum, ConvergedValuesAgreeWithNumpyWithinTheirResidualBounds) {
    const es::StreamInfo& s = dump_->stream("");
    std::vector<float> x;
    an::read_state(*dump_, s, 0, x, es::no_progress());
    const std::vector<std::size_t> rows = an::finite_rows(x.data(), kTokens, kD);
    ASSERT_EQ(rows.size(), kTokens);
    es::numerics::TopSingularValuesOptions o;
    o.k = 48;
    o.tolerance = 1e-4;
    o.max_iterations = 60;
    const auto t =
        es::numerics::top_singular_values(x.data(), kD, rows, true, o, es::no_progress());
    const std::vector<double>& ref = reference().layers[0];
    ASSERT_TRUE(t.converged) << "after " << t.iterations << " iterations";
    ASSERT_EQ(t.values.size(), 48u);
    ASSERT_EQ(t.bounds.size(), 48u);
    const double slop = float32_slop(ref);
    for (std::size_t i = 0; i < t.values.size(); ++i) {
        // The residual check: within bound_i of a singular value, here the i-th one.
        EXPECT_NEAR(t.values[i], ref[i], t.bounds[i] + slop) << "value " << i;
        EXPECT_LE(t.bounds[i], 1e-4 * t.values[i] / std::sqrt(2.0) * (1 + 1e-12)) << i;
        // Ritz values of a subspace never exceed the exact ones.
        EXPECT_LE(t.values[i], ref[i] + slop) << "value " << i;
    }
    // ||A||_F^2 is the sum of every squared singular value.
    double f = 0;
    for (double v : ref) f += v * v;
    EXPECT_NEAR(t.frobenius_squared, f, 1e-6 * f);
    std::printf("top 48 of %zu after %d iterations: largest bound %.2e of its value\n",
                std::min(kTokens, kD), t.iterations, t.bounds.back() / t.values.back());
}

TEST_F(TopSpectrum, UnconvergedValuesStillLieWithinTheirBoundsOfTrueValues) {
    const es::StreamInfo& s = dump_->stream("");
    std::vector<float> x;
    an::read_state(*dump_, s, 1, x, es::no_progress());
    const std::vector<std::size_t> rows = an::finite_rows(x.data(), kTokens, kD);
    es::numerics::TopSingularValuesOptions o;
    o.k = 48;
    o.max_iterations = 1;  // one Rayleigh-Ritz step: loose, but the bounds must say so
    const auto t =
        es::numerics::top_singular_values(x.data(), kD, rows, true, o, es::no_progress());
    const std::vector<double>& ref = reference().layers[1];
    EXPECT_FALSE(t.converged);
    EXPECT_EQ(t.iterations, 1);
    ASSERT_EQ(t.values.size(), 48u);
    const double slop = float32_slop(ref);
    double loosest = 0;
    for (std::size_t i = 0; i < t.values.size(); ++i) {
        double nearest = 1e300;
        for (double r : ref) nearest = std::min(nearest, std::abs(r - t.values[i]));
        EXPECT_LE(nearest, t.bounds[i] + slop) << "value " << i;
        EXPECT_LE(t.values[i], ref[i] + slop) << "value " << i;
        loosest = std::max(loosest, t.bounds[i] / t.values[i]);
    }
    EXPECT_GT(loosest, 1e-3) << "one step leaves some value loose, and the bound shows it";
}

TEST_F(TopSpectrum, EveryIterationsValuesLieWithinTheirBoundsAndOnlyGrow) {
    // The first picture is an intermediate Rayleigh-Ritz step (issue 20), so its bounds must hold
    // at every step, not only at convergence: each value within its bound of a numpy value, never
    // above the exact i-th, and (nested Krylov spaces) each step's values at least the last's.
    const es::StreamInfo& s = dump_->stream("");
    std::vector<float> x;
    an::read_state(*dump_, s, 0, x, es::no_progress());
    const std::vector<std::size_t> rows = an::finite_rows(x.data(), kTokens, kD);
    es::numerics::TopSingularValuesOptions o;
    o.k = 48;
    o.tolerance = 1e-4;
    o.max_iterations = 60;
    std::vector<es::numerics::TopSingularValues> steps;
    o.on_iteration = [&](const es::numerics::TopSingularValues& t) { steps.push_back(t); };
    steps.push_back(
        es::numerics::top_singular_values(x.data(), kD, rows, true, o, es::no_progress()));
    ASSERT_GE(steps.size(), 3u) << "a loose tolerance leaves several intermediate steps";
    const std::vector<double>& ref = reference().layers[0];
    const double slop = float32_slop(ref);
    for (std::size_t j = 0; j < steps.size(); ++j) {
        const auto& t = steps[j];
        EXPECT_EQ(t.iterations, static_cast<int>(j + 1));
        ASSERT_EQ(t.values.size(), 48u);
        ASSERT_EQ(t.bounds.size(), 48u) << "bounds are filled at every step";
        for (std::size_t i = 0; i < t.values.size(); ++i) {
            double nearest = 1e300;
            for (double r : ref) nearest = std::min(nearest, std::abs(r - t.values[i]));
            EXPECT_LE(nearest, t.bounds[i] + slop) << "step " << j << ", value " << i;
            EXPECT_LE(t.values[i], ref[i] + slop) << "step " << j << ", value " << i;
            if (j > 0) {
                EXPECT_GE(t.values[i], steps[j - 1].values[i] - slop) << j << ", " << i;
            }
        }
    }
    EXPECT_FALSE(steps.front().converged);
    EXPECT_TRUE(steps.back().converged);
    // The first picture's rule on this spectrum: the leading values tighten first.
    const std::size_t first = an::spectrum_tight_values(steps[1].values, steps[1].bounds, 0.02);
    EXPECT_GT(first, 0u);
    EXPECT_LT(first, 48u);
    for (std::size_t i = 0; i < first; ++i) EXPECT_NEAR(steps[1].values[i], ref[i], 0.02 * ref[i]);
}

TEST_F(TopSpectrum, ProductThreadsDoNotChangeTheNumbers) {
    const es::StreamInfo& s = dump_->stream("");
    std::vector<float> x;
    an::read_state(*dump_, s, 1, x, es::no_progress());
    const std::vector<std::size_t> rows = an::finite_rows(x.data(), kTokens, kD);
    es::numerics::TopSingularValuesOptions o;
    o.k = 32;
    const auto one =
        es::numerics::top_singular_values(x.data(), kD, rows, true, o, es::no_progress());
    o.threads = 2;
    const auto two =
        es::numerics::top_singular_values(x.data(), kD, rows, true, o, es::no_progress());
    ASSERT_EQ(one.values.size(), 32u);
    ASSERT_EQ(two.values.size(), 32u);
    EXPECT_EQ(one.iterations, two.iterations);
    const std::vector<double>& ref = reference().layers[1];
    for (std::size_t i = 0; i < 32; ++i) {
        // Bit-identical by contract: the passes are split into the same two fixed halves of the
        // rows whatever the thread count and summed in the same order (util/parallel.h's rule
        // that numbers never depend on the thread count), so any difference is a bug.
        EXPECT_EQ(one.values[i], two.values[i]) << i;
        EXPECT_EQ(one.bounds[i], two.bounds[i]) << i;
        EXPECT_NEAR(two.values[i], ref[i], two.bounds[i] + float32_slop(ref)) << i;
    }
    EXPECT_EQ(one.frobenius_squared, two.frobenius_squared);  // the same contract
}

TEST_F(TopSpectrum, UncentredEstimateSeesTheMeanDirections) {
    // Uncentred, the two large-mean dimensions give a value 4x the centred spectrum's largest;
    // the estimate finds it, within its bound of numpy's uncentred values.
    const es::StreamInfo& s = dump_->stream("");
    std::vector<float> x;
    an::read_state(*dump_, s, 0, x, es::no_progress());
    const std::vector<std::size_t> rows = an::finite_rows(x.data(), kTokens, kD);
    es::numerics::TopSingularValuesOptions o;
    o.k = 4;
    o.tolerance = 1e-4;
    o.max_iterations = 60;
    const auto t =
        es::numerics::top_singular_values(x.data(), kD, rows, false, o, es::no_progress());
    const std::vector<double>& ref = reference().uncentred_top[0];
    ASSERT_EQ(t.values.size(), 4u);
    EXPECT_GT(ref[0], 3 * reference().layers[0][0]) << "the mean dominates uncentred";
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_NEAR(t.values[i], ref[i], t.bounds[i] + 2e-6 * ref[0]) << "value " << i;
}

TEST_F(TopSpectrum, AnalysisHandsOutTheMarkedEstimateFirstThenExactValues) {
    an::SpectrumOptions o;
    o.threads = 1;
    o.top_k = 0;
    o.estimate_top = 32;
    o.focus = std::make_shared<std::atomic<long long>>(1);
    std::vector<an::SpectrumResult> partials;
    o.on_layer = [&](const an::SpectrumResult& p) { partials.push_back(p); };
    const an::SpectrumResult r = an::spectrum(*dump_, o, es::no_progress());

    // The focused layer's estimate, first its leading values once 8 are within 2% (the first
    // picture), then all 32; then layer 1 exact with layer 0 pending; layer 0 is the last.
    ASSERT_EQ(partials.size(), 3u) << "first picture, whole estimate, exact layer 1";
    const std::vector<double>& ref1 = reference().layers[1];
    double total = 0;
    for (double v : ref1) total += v * v;
    for (std::size_t j = 0; j < 2; ++j) {
        const an::SpectrumResult& p = partials[j];
        EXPECT_TRUE(p.partial());
        ASSERT_EQ(p.layers.size(), 1u);
        ASSERT_EQ(p.pending_layers, std::vector<std::size_t>{0});
        const an::LayerSpectrum& e = p.layers[0];
        EXPECT_EQ(e.layer, 1u);
        EXPECT_EQ(e.estimate_of, kTokens) << "min(tokens, d)";
        ASSERT_EQ(e.estimate_bounds.size(), e.singular_values.size());
        // Exact: an estimate never computes the ranks, the field keeps its 0 (nothing
        // recomputed).
        EXPECT_EQ(e.effective_rank, 0.0) << "not claimed from a few of 512 values";
        for (std::size_t i = 0; i < e.singular_values.size(); ++i) {
            EXPECT_NEAR(e.singular_values[i], ref1[i], e.estimate_bounds[i] + float32_slop(ref1))
                << j << ", " << i;
            EXPECT_NEAR(e.explained_variance_ratio[i], ref1[i] * ref1[i] / total, 1e-4) << i;
        }
    }
    const an::LayerSpectrum& first = partials[0].layers[0];
    EXPECT_GE(first.singular_values.size(), an::spectrum_first_values());
    EXPECT_LT(first.singular_values.size(), 32u) << "only the values already tight";
    EXPECT_FALSE(first.estimate_converged);
    for (std::size_t i = 0; i < first.singular_values.size(); ++i)
        EXPECT_LE(first.estimate_bounds[i], 0.02 * first.singular_values[i]) << i;
    EXPECT_EQ(partials[1].layers[0].singular_values.size(), 32u);
    EXPECT_TRUE(partials[1].layers[0].estimate_converged);
    EXPECT_TRUE(partials[2].partial());
    ASSERT_EQ(partials[2].layers.size(), 1u);
    EXPECT_EQ(partials[2].layers[0].estimate_of, 0u) << "the exact layer replaced the estimate";

    // The result: exact, no estimate left, the float64 values of numpy to 1e-7 of the largest.
    EXPECT_FALSE(r.partial());
    ASSERT_EQ(r.layers.size(), kLayers);
    for (std::size_t l = 0; l < kLayers; ++l) {
        const an::LayerSpectrum& got = r.layers[l];
        EXPECT_EQ(got.estimate_of, 0u);
        EXPECT_TRUE(got.estimate_bounds.empty());
        const std::vector<double>& ref = reference().layers[l];
        ASSERT_EQ(got.singular_values.size(), ref.size());
        for (std::size_t i = 0; i < ref.size(); ++i)
            EXPECT_NEAR(got.singular_values[i], ref[i], 1e-7 * ref.front()) << l << ", " << i;
    }
    // Without on_layer nothing is estimated (the CLI): the same exact values.
    o.on_layer = nullptr;
    const an::SpectrumResult plain = an::spectrum(*dump_, o, es::no_progress());
    EXPECT_FALSE(plain.partial());
    for (std::size_t l = 0; l < kLayers; ++l)
        for (std::size_t i = 0; i < kTokens; ++i)
            EXPECT_NEAR(plain.layers[l].singular_values[i], r.layers[l].singular_values[i],
                        1e-9 * r.layers[l].singular_values.front());
}

TEST(TopSpectrumRule, EstimatesOnlyWhereTheExactValuesTakeSeconds) {
    // The first picture: 8 leading values within 2% by their bounds.
    EXPECT_EQ(an::spectrum_first_values(), 8u);
    EXPECT_NEAR(an::spectrum_first_bound(), 0.02, 1e-15);
    EXPECT_EQ(an::spectrum_tight_values({10, 5, 4, 3}, {0.1, 0.05, 0.2, 0.01}, 0.02), 2u)
        << "leading values only: the third is loose, the fourth does not count";
    EXPECT_EQ(an::spectrum_tight_values({10, 5}, {0.3, 0.01}, 0.02), 0u);
    EXPECT_EQ(an::spectrum_tight_values({10, 5}, {0.2, 0.1}, 0.02), 2u) << "bound = 2% counts";
    EXPECT_EQ(an::spectrum_estimate_top(4096, 4096), 64u);
    EXPECT_EQ(an::spectrum_estimate_top(16384, 4096), 64u);
    EXPECT_EQ(an::spectrum_estimate_top(4096, 1024), 0u);
    EXPECT_EQ(an::spectrum_estimate_top(512, 8192), 0u);
}
