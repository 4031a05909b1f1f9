// Properties of the activation analyses that need no reference: CKA invariances, rank, spherize,
// token addresses, cancellation latency (no thread left behind) and thread-count determinism.
#include <dirent.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include "analysis/cka.h"
#include "analysis/common.h"
#include "analysis/project.h"
#include "analysis/spectrum.h"
#include "analysis/token_address.h"
#include "analysis/trajectory.h"
#include "io/dump.h"
#include "numerics/linalg.h"
#include "numerics/pca.h"
#include "test_support.h"
#include "util/error.h"

namespace an = es::analysis;

namespace {

std::vector<double> random_matrix(std::size_t n, std::size_t d, unsigned seed, double mean = 0) {
    std::mt19937 g(seed);
    std::normal_distribution<double> nd;
    std::vector<double> m(n * d);
    for (double& v : m) v = nd(g) + mean;
    return m;
}

std::size_t thread_count() {
    std::size_t n = 0;
    if (DIR* d = opendir("/proc/self/task")) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.') ++n;
        closedir(d);
    }
    return n;
}

}  // namespace

TEST(ActivationProperties, CkaSelfRotationAndScale) {
    const std::size_t n = 40, d = 6;
    auto x = random_matrix(n, d, 1, 50.0), y = random_matrix(n, d, 2);
    EXPECT_NEAR(an::linear_cka(x, d, x, d, n), 1.0, 1e-12);
    // Orthogonal transform (a rotation in the (0,1) plane and a reflection) and scaling by 3.
    std::vector<double> xr(n * d);
    const double c = std::cos(0.7), s = std::sin(0.7);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < d; ++j) xr[i * d + j] = 3.0 * x[i * d + j];
        xr[i * d + 0] = 3.0 * (c * x[i * d] - s * x[i * d + 1]);
        xr[i * d + 1] = 3.0 * (s * x[i * d] + c * x[i * d + 1]);
        xr[i * d + 5] = -xr[i * d + 5];
    }
    EXPECT_NEAR(an::linear_cka(x, d, xr, d, n), 1.0, 1e-12);
    EXPECT_NEAR(an::linear_cka(x, d, y, d, n), an::linear_cka(xr, d, y, d, n), 1e-12);
    EXPECT_LT(an::linear_cka(x, d, y, d, n), 0.9);
}

TEST(ActivationProperties, CkaDiagonalIsOneBothPaths) {
    for (const char* f : {"good/analysis_synth.h5", "good/analysis_wide.h5"}) {
        auto dump = es::Dump::open(es::test::fixture(f));
        std::vector<an::CkaResult> by_method;
        for (const char* method : {"gram", "cross_covariance"}) {
            an::CkaOptions o;
            o.method = method;
            const auto r = an::cka(*dump, o, es::no_progress());
            EXPECT_EQ(r.method, method);
            for (std::size_t i = 0; i < r.matrix.size(); ++i) {
                EXPECT_NEAR(*r.matrix[i][i], 1.0, 1e-12);
                for (std::size_t j = 0; j < r.matrix.size(); ++j)
                    EXPECT_EQ(*r.matrix[i][j], *r.matrix[j][i]);
            }
            by_method.push_back(r);
        }
        // Two exact forms of the same quantity, both in float64.
        for (std::size_t i = 0; i < by_method[0].matrix.size(); ++i)
            for (std::size_t j = 0; j < by_method[0].matrix.size(); ++j)
                EXPECT_NEAR(*by_method[0].matrix[i][j], *by_method[1].matrix[i][j], 1e-12) << f;
        // Left to itself it takes the form with fewer flops: for analysis_wide (T < D) the
        // Grams, for analysis_synth (128 tokens, d 48, 5 states) also the Grams (3.9e6 against
        // 5.9e6 flops).
        EXPECT_EQ(an::cka(*dump, {}, es::no_progress()).method, "gram") << f;
    }
}

TEST(ActivationProperties, CkaGramBlocksGiveTheUnblockedMatrix) {
    // Blocks of Gram rows, layers read again for each block, float32 products: the same matrix.
    auto dump = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    an::CkaOptions whole;
    whole.method = "gram";
    whole.gram_scheme = "rows";  // the panels: test_cka_panels.cpp
    const auto reference = an::cka(*dump, whole, es::no_progress());
    an::CkaOptions blocks = whole;
    blocks.block_tokens = 7;  // 128 tokens: 18 blocks, the last of 2 rows
    an::CkaOptions reread = whole;
    reread.memory_budget = 1;  // nothing kept: every layer read again for every one-row block
    an::CkaOptions f32 = whole;
    f32.product_bits = 32;
    for (const auto& [options, tolerance] :
         {std::pair{blocks, 1e-12}, std::pair{reread, 1e-12}, std::pair{f32, 1e-5}}) {
        const auto r = an::cka(*dump, options, es::no_progress());
        ASSERT_EQ(r.matrix.size(), reference.matrix.size());
        for (std::size_t i = 0; i < r.matrix.size(); ++i)
            for (std::size_t j = 0; j < r.matrix.size(); ++j)
                EXPECT_NEAR(*r.matrix[i][j], *reference.matrix[i][j], tolerance)
                    << "block " << options.block_tokens << " budget " << options.memory_budget
                    << " bits " << options.product_bits;
    }
    an::CkaOptions bad = whole;
    bad.method = "svd";
    EXPECT_THROW(an::cka(*dump, bad, es::no_progress()), es::InputError);
}

TEST(ActivationProperties, CkaPreviewIsAMarkedEstimateThatIsExactOverEveryToken) {
    // The app's first CKA picture: an estimate from a few runs of tokens, handed out before the
    // exact matrix and marked with the tokens it used. Over all tokens (four runs that tile the
    // dump) it is the exact matrix up to its float32 Grams.
    auto dump = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    an::CkaOptions o;
    o.method = "gram";
    o.gram_scheme = "rows";  // the scheme that has no pair before the end, hence a preview
    const auto exact = an::cka(*dump, o, es::no_progress());
    ASSERT_EQ(exact.preview_tokens, 0u);
    const std::size_t T = dump->stream().n_tokens();
    ASSERT_EQ(T % 4, 0u);
    const auto all = an::cka_preview(*dump, o, T, es::no_progress());
    EXPECT_EQ(all.preview_tokens, exact.tokens);
    ASSERT_EQ(all.matrix.size(), exact.matrix.size());
    for (std::size_t i = 0; i < exact.matrix.size(); ++i)
        for (std::size_t j = 0; j < exact.matrix.size(); ++j)
            EXPECT_NEAR(*all.matrix[i][j], *exact.matrix[i][j], 1e-5);

    // Through cka(): the preview comes first, from preview_tokens tokens, then the exact result.
    std::vector<an::CkaResult> previews;
    o.preview_tokens = 16;
    o.on_preview = [&](const an::CkaResult& p) { previews.push_back(p); };
    const auto r = an::cka(*dump, o, es::no_progress());
    ASSERT_EQ(previews.size(), 1u);
    EXPECT_EQ(previews[0].preview_tokens, 16u);
    EXPECT_EQ(previews[0].layers, exact.layers);
    EXPECT_EQ(r.preview_tokens, 0u);
    for (std::size_t i = 0; i < exact.matrix.size(); ++i) {
        for (std::size_t j = 0; j < exact.matrix.size(); ++j)
            EXPECT_NEAR(*r.matrix[i][j], *exact.matrix[i][j], 1e-12);
        EXPECT_NEAR(*previews[0].matrix[i][i], 1.0, 1e-6);
        for (std::size_t j = 0; j < exact.matrix.size(); ++j)
            EXPECT_EQ(previews[0].matrix[i][j], previews[0].matrix[j][i]);
    }
    // A dump with no more than twice the preview's tokens: no preview.
    previews.clear();
    o.preview_tokens = T / 2;
    an::cka(*dump, o, es::no_progress());
    EXPECT_TRUE(previews.empty());
}

TEST(ActivationProperties, RankRHasRNonZeroSingularValues) {
    const std::size_t n = 30, d = 12, rank = 4;
    auto a = random_matrix(n, rank, 3), b = random_matrix(rank, d, 4);
    for (std::size_t rows : {n, std::size_t(10)}) {  // covariance path (n > d) and Gram path
        std::vector<float> x(rows * d);
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < d; ++j) {
                double v = 0;
                for (std::size_t k = 0; k < rank; ++k) v += a[i * rank + k] * b[k * d + j];
                x[i * d + j] = static_cast<float>(v);
            }
        std::vector<std::size_t> idx(rows);
        for (std::size_t i = 0; i < rows; ++i) idx[i] = i;
        const auto p = es::numerics::pca_of_rows(x.data(), d, idx, false, 16, es::no_progress());
        std::size_t nonzero = 0;
        for (double e : p.eig) nonzero += std::sqrt(e) > 1e-5 * std::sqrt(p.eig[0]);
        EXPECT_EQ(nonzero, rank) << rows;
        EXPECT_EQ(p.k, rank);
        for (std::size_t c = 0; c < p.k; ++c) {
            double nn = 0;
            for (std::size_t j = 0; j < d; ++j)
                nn += p.components[c * d + j] * p.components[c * d + j];
            EXPECT_NEAR(nn, 1.0, 1e-9);
        }
    }
}

TEST(ActivationProperties, SpherizeGivesUnitVectors) {
    auto dump = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    an::ProjectOptions o;
    o.spherize = true;
    const auto r = an::project(*dump, o, es::no_progress());
    std::vector<float> x(48);
    dump->read_states(dump->stream(), 2, 7, 8, x.data());
    const auto z = an::spherize_row(x.data(), r.mean, 48);
    ASSERT_TRUE(z);
    double nn = 0;
    for (double v : *z) nn += v * v;
    EXPECT_NEAR(nn, 1.0, 1e-12);
    for (const auto& layer : r.coordinates)
        for (const auto& c : layer) {
            ASSERT_TRUE(c);
            EXPECT_LE((*c)[0] * (*c)[0] + (*c)[1] * (*c)[1] + (*c)[2] * (*c)[2], 1.0 + 1e-9);
        }
}

TEST(ActivationProperties, TokenAddresses) {
    EXPECT_EQ(an::parse_token_address("7", 2, 5).flat, 7u);
    const auto t = an::parse_token_address("1:3", 2, 5);
    EXPECT_EQ(t.flat, 8u);
    EXPECT_EQ(t.prompt, 1u);
    EXPECT_EQ(t.position, 3u);
    for (const char* bad :
         {"", "-1", "10", "2:0", "0:5", "1:", ":1", "1:2:3", " 1", "1 ", "+1", "0x1", "1e3",
          "99999999999999999999999", "1:99999999999999999999", "a", "\xff"}) {
        try {
            an::parse_token_address(bad, 2, 5);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const es::InputError& e) {
            EXPECT_NE(std::string(e.what()).find("token"), std::string::npos);
        }
    }
    EXPECT_THROW(an::parse_token_address("0", 0, 0), es::InputError);
}

TEST(ActivationProperties, TooFewTokensIsInputError) {
    auto dump = es::Dump::open(es::test::fixture("good/hf_nobatch_nofinal.h5"));
    an::SpectrumOptions o;  // works on a normal dump ...
    EXPECT_NO_THROW(an::spectrum(*dump, o, es::no_progress()));
    o.layers = {99};  // ... and says which layer is out of range
    EXPECT_THROW(an::spectrum(*dump, o, es::no_progress()), es::InputError);
}

TEST(ActivationProperties, CancelIsPromptAndLeavesNoThread) {
    auto dump = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    // Threads that runtimes start lazily on first use (OpenBLAS's pool, a sanitizer's background
    // thread) are not ours to count: one uncancelled run of each analysis first.
    an::trajectory(*dump, {}, es::no_progress());
    an::project(*dump, {}, es::no_progress());
    an::spectrum(*dump, {}, es::no_progress());
    const std::size_t before = thread_count();
    for (int which = 0; which < 3; ++which) {
        std::atomic<bool> reported{false};
        // Each progress report stands for slow work: without cancellation this takes seconds.
        es::Progress progress([&](double, const std::string&) {
            reported = true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        });
        std::chrono::steady_clock::time_point cancelled_at, thrown_at;
        bool threw = false;
        std::thread worker([&] {
            try {
                if (which == 0) {
                    an::TrajectoryOptions o;
                    o.threads = 2;
                    o.slab_tokens = 8;
                    an::trajectory(*dump, o, progress);
                } else if (which == 1) {
                    an::project(*dump, {}, progress);
                } else {
                    an::spectrum(*dump, {}, progress);
                }
            } catch (const es::CancelledError&) {
                threw = true;
                thrown_at = std::chrono::steady_clock::now();
            }
        });
        while (!reported) std::this_thread::yield();
        cancelled_at = std::chrono::steady_clock::now();
        progress.cancel();
        worker.join();
        ASSERT_TRUE(threw) << which;
        const auto ms = std::chrono::duration<double, std::milli>(thrown_at - cancelled_at).count();
        EXPECT_LT(ms, 100.0) << which;
    }
    EXPECT_EQ(thread_count(), before);
}

TEST(ActivationProperties, SameResultsWithOneAndTwoThreads) {
    auto dump = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    const int saved = es::numerics::blas_threads();
    nlohmann::json out[2];
    for (int t = 1; t <= 2; ++t) {
        es::numerics::set_blas_threads(t);
        an::TrajectoryOptions to;
        to.threads = t;
        to.slab_tokens = 16;
        an::CkaOptions co;
        co.threads = t;
        an::SpectrumOptions so;  // threads = 2: two layers at once, one BLAS thread each
        so.threads = t;
        out[t - 1] = {an::to_json(an::trajectory(*dump, to, es::no_progress()), true),
                      an::to_json(an::spectrum(*dump, so, es::no_progress())),
                      an::to_json(an::cka(*dump, co, es::no_progress())),
                      an::to_json(an::project(*dump, {}, es::no_progress()))};
    }
    es::numerics::set_blas_threads(saved);
    // Compare every number to 1e-6 relative.
    std::function<void(const nlohmann::json&, const nlohmann::json&)> same =
        [&](const nlohmann::json& a, const nlohmann::json& b) {
            ASSERT_EQ(a.type(), b.type());
            if (a.is_number()) {
                EXPECT_NEAR(a.get<double>(), b.get<double>(),
                            1e-6 * std::max(1.0, std::abs(b.get<double>())));
            } else if (a.is_array() || a.is_object()) {
                ASSERT_EQ(a.size(), b.size());
                auto ib = b.begin();
                for (auto ia = a.begin(); ia != a.end(); ++ia, ++ib) same(*ia, *ib);
            } else {
                EXPECT_EQ(a, b);
            }
        };
    same(out[0], out[1]);
}

// Progressive display: the partial results arrive layer by layer and agree with the final one;
// blocks of any size give the same numbers as one block (they only bound memory).
TEST(ActivationProperties, TrajectoryFillsInLayerByLayer) {
    auto dump = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    std::vector<an::TrajectoryResult> partial;
    an::TrajectoryOptions o;
    o.slab_tokens = 8;
    o.on_layer = [&](const an::TrajectoryResult& r) { partial.push_back(r); };
    const an::TrajectoryResult full = an::trajectory(*dump, o, es::no_progress());
    const std::size_t L = full.layers.size();
    ASSERT_GE(L, 3u);
    ASSERT_EQ(partial.size(), L - 1);
    EXPECT_EQ(full.layers_total, L);
    for (std::size_t k = 0; k < partial.size(); ++k) {
        const an::TrajectoryResult& p = partial[k];
        ASSERT_EQ(p.layers.size(), k + 1);
        EXPECT_EQ(p.layers_total, L);
        ASSERT_EQ(p.norm_stats.size(), k + 1);
        for (std::size_t li = 0; li <= k; ++li) {
            EXPECT_DOUBLE_EQ(p.norm_stats[li].mean, full.norm_stats[li].mean);
            EXPECT_DOUBLE_EQ(p.cos_first_stats[li].median, full.cos_first_stats[li].median);
        }
    }

    for (std::size_t block : {std::size_t{8}, std::size_t{24}, std::size_t{1000}}) {
        an::TrajectoryOptions b;
        b.slab_tokens = 8;
        b.block_tokens = block;
        const an::TrajectoryResult r = an::trajectory(*dump, b, es::no_progress());
        ASSERT_EQ(r.token_index, full.token_index) << block;
        for (std::size_t i = 0; i < r.norm.size(); ++i)
            for (std::size_t li = 0; li < L; ++li) {
                EXPECT_DOUBLE_EQ(r.norm[i][li], full.norm[i][li]);
                EXPECT_EQ(r.cos_prev[i][li].has_value(), full.cos_prev[i][li].has_value());
                if (r.cos_prev[i][li]) {
                    EXPECT_DOUBLE_EQ(*r.cos_prev[i][li], *full.cos_prev[i][li]);
                }
            }
    }
}

TEST(ActivationProperties, ProjectionPreviewIsTheSelectedLayerOnItsOwnBasis) {
    // The app's first 3-D picture: the selected state alone, exactly as a projection of that one
    // layer, spread over the full layer list and marked; then the pooled fit, unmarked.
    auto dump = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    an::ProjectOptions o;
    const auto states = es::analysis::analysed_states(dump->stream(), false);
    ASSERT_GE(states.size(), 3u);
    o.focus = states[2];
    std::vector<an::ProjectResult> previews;
    o.on_preview = [&](const an::ProjectResult& p) { previews.push_back(p); };
    const auto full = an::project(*dump, o, es::no_progress());
    ASSERT_EQ(previews.size(), 1u);
    EXPECT_FALSE(full.preview_state.has_value());
    const an::ProjectResult& p = previews.front();
    ASSERT_TRUE(p.preview_state.has_value());
    EXPECT_EQ(*p.preview_state, states[2]);
    EXPECT_EQ(p.layers, full.layers);
    an::ProjectOptions one;
    one.layers = {states[2]};
    const auto alone = an::project(*dump, one, es::no_progress());
    ASSERT_EQ(p.coordinates.size(), states.size());
    std::size_t shown = 0;
    for (std::size_t i = 0; i < states.size(); ++i)
        for (std::size_t t = 0; t < p.coordinates[i].size(); ++t) {
            if (i != 2) {
                EXPECT_FALSE(p.coordinates[i][t].has_value()) << "only the selected layer";
                continue;
            }
            ASSERT_EQ(p.coordinates[i][t].has_value(), alone.coordinates[0][t].has_value());
            if (!p.coordinates[i][t]) continue;
            ++shown;
            for (std::size_t a = 0; a < 3; ++a)
                EXPECT_NEAR((*p.coordinates[i][t])[a], (*alone.coordinates[0][t])[a], 1e-12);
        }
    EXPECT_GT(shown, 1u);
    // Its basis is that layer's own, not the pooled one: the coordinates differ from the full
    // result's for the same layer.
    double moved = 0;
    for (std::size_t t = 0; t < p.coordinates[2].size(); ++t)
        if (p.coordinates[2][t] && full.coordinates[2][t])
            moved =
                std::max(moved, std::abs((*p.coordinates[2][t])[0] - (*full.coordinates[2][t])[0]));
    EXPECT_GT(moved, 1e-6);
}
