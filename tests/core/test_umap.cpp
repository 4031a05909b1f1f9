// UMAP layouts (numerics/umap.h through analysis::project and eigenscope-cli project): the same
// seed gives the same coordinates whatever the thread count; trustworthiness agrees with a numpy
// reference (tests/reference/reference_trustworthiness.py) and, on the demo dump (a trained
// GPT's real residual stream), UMAP's beats PCA-3D's as issue 23 asks.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "analysis/project.h"
#include "io/dump.h"
#include "numerics/umap.h"
#include "test_support.h"
#include "util/progress.h"

namespace {

namespace fs = std::filesystem;
using namespace es;

const std::string kDemo = EIGENSCOPE_SOURCE_DIR "/resources/demo/demo.h5";

analysis::ProjectResult umap_of_demo(std::uint64_t seed, int threads, std::size_t dims = 3,
                                     bool sequential = false, std::size_t trust_points = 0) {
    auto dump = Dump::open(kDemo);
    analysis::ProjectOptions o;
    o.method = analysis::ProjectMethod::Umap;
    o.seed = seed;
    o.threads = threads;
    o.dims = dims;
    o.umap_sequential = sequential;
    o.trust_points = trust_points;
    Progress none;
    return analysis::project(*dump, o, none);
}

TEST(Umap, SameSeedSameCoordinatesWhateverTheThreads) {
    const auto a = umap_of_demo(7, 1), b = umap_of_demo(7, 2), c = umap_of_demo(7, 2);
    ASSERT_EQ(a.method, "umap");
    ASSERT_FALSE(a.coordinates.empty());
    std::size_t points = 0;
    for (std::size_t l = 0; l < a.coordinates.size(); ++l)
        for (std::size_t t = 0; t < a.coordinates[l].size(); ++t) {
            ASSERT_TRUE(a.coordinates[l][t].has_value());
            // Bit-identical is the contract: the descent moves each point on one thread
            // against the previous epoch's positions, and its random numbers are a hash of
            // (seed, epoch, edge, sample), so the thread count cannot change a bit.
            EXPECT_EQ(*a.coordinates[l][t], *b.coordinates[l][t])
                << "layer " << l << " token " << t;
            EXPECT_EQ(*b.coordinates[l][t], *c.coordinates[l][t]);
            ++points;
        }
    EXPECT_GE(points, 720u);  // the demo: 5 states x 144 tokens
    // Another seed is another layout (negative samples differ), not the same one.
    const auto d = umap_of_demo(8, 2);
    std::size_t moved = 0;
    for (std::size_t l = 0; l < a.coordinates.size(); ++l)
        for (std::size_t t = 0; t < a.coordinates[l].size(); ++t)
            moved += *a.coordinates[l][t] != *d.coordinates[l][t];
    EXPECT_GT(moved, points / 2);
}

TEST(Umap, ParallelDescentKeepsTheSequentialOnesTrustworthiness) {
    // The demo's 720 states (a trained GPT's residual stream): the parallel descent's layout is
    // as trustworthy (k = 10, every state) as umap-learn's sequential descent's, within 0.01,
    // for three seeds; and it is another layout, not a copy of the sequential one.
    for (const std::uint64_t seed : {3, 7, 11}) {
        const auto seq = umap_of_demo(seed, 1, 3, true, 1000);
        const auto par = umap_of_demo(seed, 2, 3, false, 1000);
        ASSERT_TRUE(seq.trustworthiness && par.trustworthiness);
        EXPECT_NEAR(*par.trustworthiness, *seq.trustworthiness, 0.01) << "seed " << seed;
        EXPECT_GE(*par.trustworthiness, 0.90);
        EXPECT_NE(seq.coordinates, par.coordinates);
        std::printf("seed %llu: trustworthiness sequential %.4f, parallel %.4f, PCA-3D %.4f\n",
                    static_cast<unsigned long long>(seed), *seq.trustworthiness,
                    *par.trustworthiness, *par.trustworthiness_pca3);
    }
}

TEST(Umap, TwoDimensionsLeaveZ) {
    const auto r = umap_of_demo(1, 0, 2);
    for (const auto& layer : r.coordinates)
        for (const auto& c : layer) EXPECT_EQ((*c)[2], 0.0);
    EXPECT_EQ(r.axis_labels[2], "none");
}

TEST(Umap, ExactNeighboursAgainstBruteForce) {
    // A tiny known set: points on a line at 0, 1, 3, 6, 10; neighbours by distance.
    const std::vector<float> x = {0, 0, 1, 0, 3, 0, 6, 0, 10, 0};
    Progress none;
    const auto knn = numerics::exact_knn(x.data(), 5, 2, 2, 2, none);
    // Point 2 (at 3) has 0 and 3 both at distance 3: the lower index first.
    const std::vector<std::uint32_t> want = {1, 2, 0, 2, 1, 0, 2, 4, 3, 2};
    EXPECT_EQ(knn.index, want);
    EXPECT_FLOAT_EQ(knn.distance[0], 1.0f);
    EXPECT_FLOAT_EQ(knn.distance[1], 3.0f);
    EXPECT_FLOAT_EQ(knn.distance[9], 7.0f);
}

// eigenscope-cli project --method umap on the demo, trustworthiness (k = 10) computed by us and
// by numpy on the same states: equal, >= 0.90, and >= PCA-3D's + 0.05.
TEST(Umap, TrustworthinessOnTheDemoAgainstNumpy) {
    const fs::path dir = fs::temp_directory_path() / ("es_umap_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path out = dir / "umap.json";
    const auto run =
        test::run_cli("project --method umap --seed 3 --trustworthiness 100000 --json " + kDemo);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    std::ofstream(out) << run.out;
    const auto ours = nlohmann::json::parse(run.out);
    ASSERT_EQ(ours["method"], "umap");
    ASSERT_EQ(ours["seed"], 3);
    const auto& tw = ours["trustworthiness"];
    ASSERT_EQ(tw["k"], 10);

    std::string cmd;
    const auto ref = es::test::run_reference("reference_trustworthiness.py",
                                             std::string(kDemo) + " " + out.string() + " 10", &cmd);
    ASSERT_FALSE(ref.is_null()) << cmd;
    EXPECT_EQ(ref["n"], tw["states"]);
    // One swapped pair of ranks moves T by ~2 / (n k 2n) ~ 1e-7 here: 1e-5 allows a few from
    // float32 rows, and no real disagreement.
    EXPECT_NEAR(tw["layout"].get<double>(), ref["layout"].get<double>(), 1e-5);
    EXPECT_NEAR(tw["pca3"].get<double>(), ref["pca3"].get<double>(), 1e-5);
    EXPECT_GE(tw["layout"].get<double>(), 0.90);
    EXPECT_GE(tw["layout"].get<double>(), tw["pca3"].get<double>() + 0.05);
    std::printf("demo: trustworthiness(10) UMAP %.4f, PCA-3D %.4f over %d states\n",
                tw["layout"].get<double>(), tw["pca3"].get<double>(), tw["states"].get<int>());
    fs::remove_all(dir);
}

}  // namespace

namespace {

TEST(Umap, CliRefusesBadOptions) {
    // Bad usage and bad input both end in exit 2 (docs/CLI.md, Exit codes), saying what was wrong.
    const auto method = es::test::run_cli("project --method tsne --json " + kDemo);
    EXPECT_EQ(method.exit_code, 2);
    EXPECT_NE(method.err.find("--method must be pca or umap"), std::string::npos) << method.err;
    const auto dims = es::test::run_cli("project --dims 4 --json " + kDemo);
    EXPECT_EQ(dims.exit_code, 2);
    EXPECT_NE(dims.err.find("dims"), std::string::npos) << dims.err;
    const auto axes = es::test::run_cli("project --method umap --axes 0-1 --json " + kDemo);
    EXPECT_EQ(axes.exit_code, 2);
    EXPECT_NE(axes.err.find("custom axes apply to the PCA layout"), std::string::npos) << axes.err;
    // One layer, two dimensions: 144 tokens of state 2, z = 0, and the same again for one seed.
    const auto one =
        es::test::run_cli("project --method umap --layer 2 --dims 2 --seed 9 --json " + kDemo);
    ASSERT_EQ(one.exit_code, 0) << one.err;
    const auto again =
        es::test::run_cli("project --method umap --layer 2 --dims 2 --seed 9 --json " + kDemo);
    EXPECT_EQ(one.out, again.out);
    const auto j = nlohmann::json::parse(one.out);
    ASSERT_EQ(j["layers"].size(), 1u);
    EXPECT_EQ(j["dims"], 2);
    for (const auto& c : j["coordinates"][0]) EXPECT_EQ(c[2].get<double>(), 0.0);
}

}  // namespace

namespace {

TEST(Umap, HnswNeighboursAreNearlyExactAndDeterministic) {
    // 6 000 points in 20 dimensions around 10 centres: the HNSW graph finds >= 95% of the exact
    // 15 nearest neighbours, and the same ones for one seed whatever the thread count.
    const std::size_t n = 6000, d = 20, k = 15;
    std::vector<float> x(n * d);
    std::uint64_t s = 12345;
    const auto uniform = [&s] {  // splitmix-style, in [0, 1)
        s += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = s;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return double((z ^ (z >> 31)) >> 11) / double(1ULL << 53);
    };
    std::vector<float> centres(10 * d);
    for (float& c : centres) c = float(10 * uniform());
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < d; ++j)
            x[i * d + j] = centres[(i % 10) * d + j] + float(uniform() - 0.5);
    Progress none;
    const auto exact = numerics::exact_knn(x.data(), n, d, k, 2, none);
    const auto a = numerics::approximate_knn(x.data(), n, d, k, 7, 1, none);
    const auto b = numerics::approximate_knn(x.data(), n, d, k, 7, 2, none);
    EXPECT_EQ(a.index, b.index);
    EXPECT_EQ(a.distance, b.distance);
    std::size_t hits = 0;
    for (std::size_t i = 0; i < n; ++i) {
        std::set<std::uint32_t> want(exact.index.begin() + long(i * k),
                                     exact.index.begin() + long((i + 1) * k));
        for (std::size_t j = 0; j < k; ++j) hits += want.count(a.index[i * k + j]);
    }
    const double recall = double(hits) / double(n * k);
    std::printf("HNSW recall of the exact 15-NN: %.4f\n", recall);
    EXPECT_GE(recall, 0.95);
}

}  // namespace

namespace {

TEST(Umap, WithTheHnswGraphStillDeterministicAndTrustworthy) {
    // The demo forced onto the approximate graph (exact_knn_up_to 0): one seed, one layout
    // whatever the threads, and still as trustworthy.
    auto dump = Dump::open(kDemo);
    analysis::ProjectOptions o;
    o.method = analysis::ProjectMethod::Umap;
    o.exact_knn_up_to = 0;
    o.seed = 5;
    o.trust_points = 100000;
    Progress none;
    o.threads = 1;
    const auto a = analysis::project(*dump, o, none);
    o.threads = 2;
    const auto b = analysis::project(*dump, o, none);
    EXPECT_EQ(a.knn, "hnsw");
    EXPECT_EQ(a.coordinates, b.coordinates);
    ASSERT_TRUE(a.trustworthiness && a.trustworthiness_pca3);
    EXPECT_GE(*a.trustworthiness, 0.90);
    EXPECT_GE(*a.trustworthiness, *a.trustworthiness_pca3 + 0.05);
}

}  // namespace
