// eigenscope-cli weights / heads / angles / series / delta as processes: JSON schemas, CSV,
// exit codes (0 ok, 2 bad input or usage), never NaN in JSON.
#include <gtest/gtest.h>

#include <string>

#include "test_support.h"

using es::test::CliRun;
using es::test::run_cli;

namespace {

const std::string synth = es::test::fixture("good/weights_synth.h5");

}  // namespace

TEST(CliWeights, WeightsJsonSchema) {
    CliRun r = run_cli("weights --json " + synth);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find("NaN"), std::string::npos);
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_TRUE(j["matrices"].is_array());
    for (const char* k : {"name", "shape", "singular_values", "spectral_norm", "stable_rank",
                          "alpha", "xmin", "ks"})
        EXPECT_TRUE(j["matrices"][0].contains(k)) << k;
    ASSERT_EQ(j["heads"].size(), 8u);
    for (const char* k : {"layer", "head", "qk", "ov"}) EXPECT_TRUE(j["heads"][0].contains(k)) << k;
    for (const char* k : {"singular_values", "stable_rank", "alpha"})
        EXPECT_TRUE(j["heads"][0]["qk"].contains(k)) << k;
    EXPECT_EQ(j["heads"][0]["ov"]["singular_values"].size(), 6u);
    CliRun c = run_cli("weights --csv " + synth);
    ASSERT_EQ(c.exit_code, 0) << c.err;
    EXPECT_EQ(c.out.rfind("name,rows,cols,", 0), 0u);
    CliRun h = run_cli("weights --csv --heads " + synth);
    EXPECT_EQ(h.out.rfind("layer,head,circuit", 0), 0u);
}

TEST(CliWeights, HeadsJsonSchema) {
    CliRun r = run_cli("heads " + synth + " --layer 1 --metric ov_cosine --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["layer"], 1);
    EXPECT_EQ(j["metric"], "ov_cosine");
    EXPECT_EQ(j["heads"], nlohmann::json({"L1H0", "L1H1", "L1H2", "L1H3"}));
    EXPECT_EQ(j["order"].size(), 4u);
    EXPECT_EQ(j["matrix"].size(), 4u);
    CliRun a = run_cli("heads " + synth + " --all-layers --metric pattern_corr --csv");
    ASSERT_EQ(a.exit_code, 0) << a.err;
    EXPECT_EQ(a.out.rfind("head,L0H0,", 0), 0u);
    EXPECT_EQ(run_cli("heads " + synth + " --metric qk_cosine --json").exit_code,
              2);  // no layer choice
    EXPECT_EQ(
        run_cli("heads " + synth + " --layer 0 --all-layers --metric qk_cosine --json").exit_code,
        2);
    EXPECT_EQ(run_cli("heads " + synth + " --layer 0 --metric bogus --json").exit_code, 2);
    EXPECT_EQ(run_cli("heads " + synth + " --layer 9 --metric qk_cosine --json").exit_code, 2);
    EXPECT_EQ(run_cli("heads " + synth + " --layer 0 --metric qk_cosine --rank 0 --json").exit_code,
              2);
}

TEST(CliWeights, AnglesJsonSchemaAndErrors) {
    CliRun r = run_cli("angles " + synth +
                       " --a 'blocks.1.attn.QK[0]:left:0-4' --b 'resid[1]:right:0-3' --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["a"], "blocks.1.attn.QK[0]:left:0-4");
    EXPECT_EQ(j["angles_deg"].size(), 3u);
    EXPECT_TRUE(j["overlap"].is_number());
    CliRun bad =
        run_cli("angles " + synth + " --a 'embed.W_E:left:0-2' --b 'embed.W_E:right:0-2' --json");
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("different dimensions"), std::string::npos) << bad.err;
    EXPECT_TRUE(bad.out.empty());
    EXPECT_EQ(run_cli("angles " + synth + " --a 'embed.W_E:left' --b 'embed.W_E:left:0-2' --json")
                  .exit_code,
              2);
    EXPECT_EQ(run_cli("angles " + synth + " --a 'embed.W_E:left:0-2' --json").exit_code, 2);
}

TEST(CliWeights, SeriesAndDelta) {
    CliRun s = run_cli("series " + es::test::fixture("weights_series") +
                       " --matrix blocks.0.mlp.W_in --top 3 --json");
    ASSERT_EQ(s.exit_code, 0) << s.err;
    const auto j = nlohmann::json::parse(s.out);
    EXPECT_EQ(j["matrix"], "blocks.0.mlp.W_in");
    EXPECT_EQ(j["steps"], nlohmann::json({0, 10, 20}));
    EXPECT_EQ(j["singular_values"].size(), 3u);
    EXPECT_EQ(j["singular_values"][0].size(), 3u);
    CliRun sc = run_cli("series " + es::test::fixture("weights_series") +
                        " --matrix 'blocks.0.attn.QK[1]' --csv");
    ASSERT_EQ(sc.exit_code, 0) << sc.err;
    EXPECT_EQ(sc.out.rfind("step,overlap_prev,overlap_final,s0", 0), 0u);
    EXPECT_EQ(run_cli("series " + es::test::fixture("weights_series") + " --matrix nope.W --json")
                  .exit_code,
              2);
    CliRun d = run_cli("delta " + es::test::fixture("good/weights_base.h5") + " " +
                       es::test::fixture("good/weights_lora.h5") + " --top 4 --json");
    ASSERT_EQ(d.exit_code, 0) << d.err;
    EXPECT_EQ(d.out.find("NaN"), std::string::npos);
    const auto dj = nlohmann::json::parse(d.out);
    EXPECT_EQ(dj["top"], 4);
    bool lora = false;
    for (const auto& m : dj["matrices"]) lora |= m["kind"] == "lora";
    EXPECT_TRUE(lora);
    EXPECT_EQ(run_cli("delta " + es::test::fixture("good/weights_base.h5") + " --json").exit_code,
              2);
}
