// The weight analyses on the demo dump (real trained weights, 4 layers x 4 heads, d_model 128)
// and its checkpoint series, when resources/demo has been generated: sanity, not reference values.
#include <gtest/gtest.h>

#include <filesystem>

#include "analysis/checkpoint_series_analysis.h"
#include "analysis/head_circuits.h"
#include "analysis/head_similarity.h"
#include "analysis/subspace_angles.h"
#include "analysis/weight_spectra.h"
#include "io/dump.h"
#include "test_support.h"
#include "util/error.h"

using namespace es;

namespace {

std::string demo(const std::string& rel) {
    return test::fixture("../../resources/demo/" + rel);
}

}  // namespace

TEST(WeightsDemo, SpectraCircuitsAndSimilarity) {
    ASSERT_TRUE(std::filesystem::exists(demo("demo.h5"))) << "the demo dump is committed";
    auto dump = Dump::open(demo("demo.h5"));
    const auto w = analysis::weight_spectra(*dump, {}, no_progress());
    ASSERT_FALSE(w.matrices.empty());
    for (const auto& m : w.matrices) {
        EXPECT_GT(m.spectral_norm, 0) << m.name;
        EXPECT_GE(m.stable_rank, 1.0 - 1e-12) << m.name;
        if (std::min(m.shape[0], m.shape[1]) >= 64) {
            EXPECT_TRUE(m.fit.ok) << m.name << m.fit.reason;
        }
    }
    const auto h = analysis::head_circuits(*dump, {}, no_progress());
    ASSERT_FALSE(h.heads.empty());
    for (const auto& c : h.heads) {
        EXPECT_EQ(c.qk.singular_values.size(), h.d_head);
        EXPECT_TRUE(c.qk.fit.ok);  // d_head 32: enough eigenvalues
    }
    analysis::HeadSimilarityOptions o;
    o.metric = analysis::HeadMetric::PatternCorr;
    ASSERT_TRUE(dump->find_attention("pattern"));
    {
        const auto s = analysis::head_similarity(*dump, o, no_progress());
        for (std::size_t i = 0; i < s.n(); ++i) EXPECT_NEAR(s.matrix[i * s.n() + i], 1.0, 1e-9);
    }
    const auto a = analysis::subspace_angles(*dump, "embed.W_E:right:0-8", "unembed.W_U:left:0-8",
                                             no_progress());
    EXPECT_EQ(a.angles_deg.size(), 8u);
}

TEST(WeightsDemo, CheckpointSeries) {
    ASSERT_TRUE(std::filesystem::exists(demo("checkpoints")))
        << "the demo checkpoints are committed";
    analysis::CheckpointSeriesOptions o;
    o.matrix = "blocks.1.attn.OV[0]";
    o.top = 8;
    const analysis::CheckpointSeriesResult r =
        analysis::checkpoint_series_analysis(demo("checkpoints"), o, no_progress());
    ASSERT_EQ(r.steps.size(), 4u);
    EXPECT_EQ(r.steps.front(), 0);
    EXPECT_EQ(r.steps.back(), 1500);
    EXPECT_NEAR(r.overlap_final.back(), 1.0, 1e-9);
    for (std::size_t i = 1; i < r.steps.size(); ++i) EXPECT_GT(r.steps[i], r.steps[i - 1]);
}
