// Head similarity matrices (Frobenius cosines from d x d products, subspace overlaps, pattern
// correlations) against the float64 reference, and the clustering order.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "analysis/head_similarity.h"
#include "io/dump.h"
#include "numerics/clustering.h"
#include "util/error.h"
#include "weights_reference.h"

using namespace es;

namespace {

analysis::HeadSimilarityResult run(analysis::HeadMetric m, std::optional<std::size_t> layer,
                                   std::size_t rank = 3) {
    auto dump = Dump::open(test::fixture("good/weights_synth.h5"));
    analysis::HeadSimilarityOptions o;
    o.metric = m;
    o.layer = layer;
    o.rank = rank;
    return analysis::head_similarity(*dump, o, no_progress());
}

}  // namespace

TEST(HeadSimilarity, AllMetricsMatchReferenceAcrossLayers) {
    const auto& ref = test::weights_reference()["similarity_all_layers"];
    for (const auto& [name, metric] : std::vector<std::pair<std::string, analysis::HeadMetric>>{
             {"qk_cosine", analysis::HeadMetric::QkCosine},
             {"ov_cosine", analysis::HeadMetric::OvCosine},
             {"subspace_overlap", analysis::HeadMetric::SubspaceOverlap},
             {"qk_query_overlap", analysis::HeadMetric::QkQueryOverlap},
             {"pattern_corr", analysis::HeadMetric::PatternCorr}}) {
        const auto r = run(metric, std::nullopt);
        ASSERT_EQ(r.n(), 8u) << name;
        EXPECT_EQ(r.metric, name);
        EXPECT_EQ(r.heads[5], "L1H1");
        const auto& w = ref[name];
        for (std::size_t i = 0; i < 8; ++i) {
            EXPECT_NEAR(r.matrix[i * 8 + i], 1.0, 1e-9) << name;  // a head vs itself
            for (std::size_t j = 0; j < 8; ++j)
                EXPECT_NEAR(r.matrix[i * 8 + j], w[i][j].get<double>(), 1e-6)
                    << name << " " << i << "," << j;
        }
        std::vector<std::size_t> sorted = r.order;
        std::sort(sorted.begin(), sorted.end());
        for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(sorted[i], i);
    }
}

TEST(HeadSimilarity, OneLayerIsTheDiagonalBlockAndClustersPlantedPair) {
    const auto all = run(analysis::HeadMetric::SubspaceOverlap, std::nullopt);
    const auto l0 = run(analysis::HeadMetric::SubspaceOverlap, std::size_t{0});
    ASSERT_EQ(l0.n(), 4u);
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 4; ++j)
            EXPECT_NEAR(l0.matrix[i * 4 + j], all.matrix[i * 8 + j], 1e-12);
    // heads 0 and 1 of layer 0 were planted with nearly the same W_O: adjacent in the order
    const auto p0 = std::find(l0.order.begin(), l0.order.end(), 0u) - l0.order.begin();
    const auto p1 = std::find(l0.order.begin(), l0.order.end(), 1u) - l0.order.begin();
    EXPECT_EQ(std::abs(p0 - p1), 1);
    EXPECT_GT(l0.matrix[1], 0.6);  // different W_V: not identical, but the closest pair
    const auto j = analysis::to_json(l0);
    EXPECT_EQ(j["layer"], 0);
    EXPECT_EQ(j["rank"], 3);
    EXPECT_EQ(j["matrix"].size(), 4u);
}

TEST(HeadSimilarity, RankClampedToDHeadGivesFullOverlap) {
    // r = d_head: the write subspaces are all of span(W_O^T); two heads with W_O[1] ~ W_O[0]
    const auto r = run(analysis::HeadMetric::SubspaceOverlap, std::size_t{1}, 100);
    EXPECT_EQ(r.rank, 6u);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(r.matrix[i * 4 + i], 1.0, 1e-12);
}

TEST(HeadSimilarity, Errors) {
    auto dump = Dump::open(test::fixture("good/weights_synth_gqa.h5"));
    analysis::HeadSimilarityOptions o;
    o.metric = analysis::HeadMetric::PatternCorr;
    EXPECT_THROW(analysis::head_similarity(*dump, o, no_progress()), InputError);  // no patterns
    o.metric = analysis::HeadMetric::QkCosine;
    o.layer = 7;
    EXPECT_THROW(analysis::head_similarity(*dump, o, no_progress()), InputError);
    EXPECT_THROW(analysis::parse_head_metric("cosine"), InputError);
    EXPECT_EQ(analysis::parse_head_metric("ov_write_overlap"),
              analysis::HeadMetric::SubspaceOverlap);
}

TEST(Clustering, AverageLinkageDeterministic) {
    // two tight pairs {0,3} and {1,2}, plus ties
    const std::vector<double> d = {0, 5, 5, 1, 5, 0, 1, 5, 5, 1, 0, 5, 1, 5, 5, 0};
    EXPECT_EQ(numerics::average_linkage_order(d, 4), (std::vector<std::size_t>{0, 3, 1, 2}));
    const std::vector<double> ties(9, 1.0);
    EXPECT_EQ(numerics::average_linkage_order(ties, 3), (std::vector<std::size_t>{0, 1, 2}));
    EXPECT_TRUE(numerics::average_linkage_order({}, 0).empty());
}

TEST(HeadSimilarity, ThreadCountDoesNotChangeResults) {
    auto dump = Dump::open(test::fixture("good/weights_synth.h5"));
    analysis::HeadSimilarityOptions o;
    o.metric = analysis::HeadMetric::OvCosine;
    o.threads = 1;
    const auto one = analysis::head_similarity(*dump, o, no_progress());
    o.threads = 2;
    const auto two = analysis::head_similarity(*dump, o, no_progress());
    EXPECT_EQ(one.matrix, two.matrix);  // bitwise
    EXPECT_EQ(one.order, two.order);
}
