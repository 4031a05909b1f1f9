// The presentation readout's numbers (analysis::trajectory_step) against the numpy float64
// reference of the trajectory (tests/reference/expected): each state's mean norm, its growth
// from the previous state and the mean cosines, and state names in plain words.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "analysis/trajectory_step.h"
#include "io/dump.h"
#include "test_support.h"

using nlohmann::json;
namespace an = es::analysis;

namespace {

// The reference values agree with the analysis to 1e-4 relative (test_activation_reference).
void expect_close(const std::optional<double>& actual, const json& expected, const char* what,
                  std::size_t state) {
    if (expected.is_null()) {
        EXPECT_FALSE(actual.has_value()) << what << " of state " << state;
        return;
    }
    ASSERT_TRUE(actual.has_value()) << what << " of state " << state;
    const double e = expected.get<double>();
    EXPECT_NEAR(*actual, e, 1e-4 * std::abs(e) + 1e-12) << what << " of state " << state;
}

void check_against_reference(const std::string& dump_path, const std::string& reference) {
    auto dump = es::Dump::open(dump_path);
    const an::TrajectoryResult r = an::trajectory(*dump, {}, es::no_progress());
    const json ref = es::test::load_json(std::string(EIGENSCOPE_FIXTURES) +
                                         "/../reference/expected/" + reference)["trajectory"];
    const json& mean = ref["norm"]["mean"];
    ASSERT_EQ(r.states.size(), mean.size());
    for (std::size_t i = 0; i < r.states.size(); ++i) {
        const auto step = an::trajectory_step(r, r.states[i]);
        ASSERT_TRUE(step) << "state " << r.states[i];
        EXPECT_EQ(step->index, i);
        EXPECT_EQ(step->count, r.states.size());
        EXPECT_EQ(step->name, r.layers[i]);
        expect_close(step->mean_norm, mean[i], "mean norm", i);
        expect_close(step->cos_prev, ref["cos_prev"]["mean"][i], "cos to previous", i);
        if (i == 0) {
            EXPECT_FALSE(step->growth_from_prev) << "the first state has no previous one";
            EXPECT_FALSE(step->cos_first);
        } else {
            const json growth = mean[i].get<double>() / mean[i - 1].get<double>();
            expect_close(step->growth_from_prev, growth, "growth", i);
            expect_close(step->cos_first, ref["cos_first"]["mean"][i], "cos to first", i);
        }
    }
}

}  // namespace

TEST(TrajectoryStep, MatchesTheReferenceOnTheDemo) {
    check_against_reference(std::string(EIGENSCOPE_FIXTURES) + "/../../resources/demo/demo.h5",
                            "demo.json");
}

TEST(TrajectoryStep, MatchesTheReferenceOnAHuggingFaceDump) {
    check_against_reference(es::test::fixture("good/hf_batched.h5"), "hf_batched.json");
}

TEST(TrajectoryStep, AStateTheResultDoesNotHoldHasNoStep) {
    auto dump = es::Dump::open(es::test::fixture("good/tl_batched_f32.h5"));
    const an::TrajectoryResult r = an::trajectory(*dump, {}, es::no_progress());
    EXPECT_FALSE(an::trajectory_step(r, r.states.back() + 1));
    an::TrajectoryResult partial = r;  // layers still coming in: only the first two are held
    partial.layers_total = r.layers.size();
    partial.layers.resize(2);
    partial.states.resize(2);
    partial.norm_stats.resize(2);
    EXPECT_TRUE(an::trajectory_step(partial, r.states[1]));
    EXPECT_FALSE(an::trajectory_step(partial, r.states[2]));
    EXPECT_EQ(an::trajectory_step(partial, r.states[1])->count, r.layers.size());
}

TEST(TrajectoryStep, StateNamesInWords) {
    EXPECT_EQ(an::state_in_words("blocks.0.hook_resid_pre"), "embedding");
    EXPECT_EQ(an::state_in_words("blocks.3.hook_resid_pre"), "block 3 input");
    EXPECT_EQ(an::state_in_words("blocks.7.hook_resid_post"), "block 7 output");
    EXPECT_EQ(an::state_in_words("blocks/7/hook_resid_post"), "block 7 output");
    EXPECT_EQ(an::state_in_words("blocks.2.hook_resid_mid"), "block 2 after attention");
    EXPECT_EQ(an::state_in_words("blocks.2.hook_attn_out"), "block 2 attention output");
    EXPECT_EQ(an::state_in_words("blocks.11.hook_mlp_out"), "block 11 MLP output");
    EXPECT_EQ(an::state_in_words("embeddings"), "embedding");
    EXPECT_EQ(an::state_in_words("layer 8"), "block 7 output");
    EXPECT_EQ(an::state_in_words("ln_final.hook_normalized"), "final norm output");
    // Unknown names are shown as the dump has them.
    EXPECT_EQ(an::state_in_words("blocks.2.attn.hook_z"), "blocks.2.attn.hook_z");
    EXPECT_EQ(an::state_in_words("custom state"), "custom state");
    EXPECT_EQ(an::state_in_words("layer 0"), "layer 0");
}
