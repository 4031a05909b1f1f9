// Singular values and subspace drift over a checkpoint series against the float64 reference.
#include <gtest/gtest.h>

#include "analysis/checkpoint_series_analysis.h"
#include "util/error.h"
#include "weights_reference.h"

using namespace es;

namespace {

void check(const analysis::CheckpointSeriesResult& r, const nlohmann::json& w) {
    ASSERT_EQ(r.steps, (std::vector<long long>{0, 10, 20}));
    for (std::size_t i = 0; i < 3; ++i) {
        test::expect_close(r.singular_values[i], w["singular_values"][i], 1e-4, "sv");
        ASSERT_EQ(r.angles_final[i].size(), w["angles_final_deg"][i].size());
        for (std::size_t k = 0; k < r.angles_final[i].size(); ++k) {
            EXPECT_NEAR(r.angles_final[i][k], w["angles_final_deg"][i][k].get<double>(), 1e-3);
            if (i) {
                EXPECT_NEAR(r.angles_prev[i][k], w["angles_prev_deg"][i][k].get<double>(), 1e-3);
            }
        }
    }
    EXPECT_NEAR(r.overlap_final[2], 1.0, 1e-12);
    EXPECT_TRUE(std::isnan(r.overlap_prev[0]));
}

}  // namespace

TEST(CheckpointSeriesAnalysis, WeightRightSubspace) {
    analysis::CheckpointSeriesOptions o;
    o.matrix = "blocks.0.mlp.W_in";
    o.top = 4;
    const auto r =
        analysis::checkpoint_series_analysis(test::fixture("weights_series"), o, no_progress());
    EXPECT_EQ(r.side, "right");
    EXPECT_EQ(r.k, 4u);
    check(r, test::weights_reference()["series"]["W_in"]);
    const auto j = analysis::to_json(r);
    EXPECT_TRUE(j["angles_prev_deg"][0].is_null());
    EXPECT_TRUE(j["overlap_prev"][0].is_null());
}

TEST(CheckpointSeriesAnalysis, CircuitLeftSubspaceViaSpec) {
    analysis::CheckpointSeriesOptions o;
    o.matrix = "blocks.1.attn.OV[2]:left:0-4";
    const auto r =
        analysis::checkpoint_series_analysis(test::fixture("weights_series"), o, no_progress());
    EXPECT_EQ(r.side, "left");
    check(r, test::weights_reference()["series"]["ov"]);
}

TEST(CheckpointSeriesAnalysis, Errors) {
    analysis::CheckpointSeriesOptions o;
    o.matrix = "blocks.0.mlp.W_gate";
    EXPECT_THROW(
        analysis::checkpoint_series_analysis(test::fixture("weights_series"), o, no_progress()),
        InputError);
    o.matrix = "blocks.0.mlp.W_in:sideways:0-2";
    EXPECT_THROW(
        analysis::checkpoint_series_analysis(test::fixture("weights_series"), o, no_progress()),
        InputError);
    o.matrix = "blocks.0.mlp.W_in";
    EXPECT_THROW(
        analysis::checkpoint_series_analysis(test::fixture("no_such_dir"), o, no_progress()),
        InputError);
}
