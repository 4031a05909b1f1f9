// PEFT LoRA adapters (io/peft_adapter.h, analysis/peft_delta.h) against numpy: adapters written
// by tests/fixtures/make_peft_adapters.py for Llama (GQA, rank_pattern, alpha_pattern, lm_head),
// rsLoRA, GPT-2 (Conv1D, fan_in_fan_out, fused c_attn) and Pythia (interleaved fused QKV). The
// script forms each Delta W = scale B A in float64 and reads it into TransformerLens roles with
// the family's own reader; the analysis never forms it and must give the same spectra (1e-6
// relative) and captured fractions.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "analysis/peft_delta.h"
#include "h5_read_test_support.h"
#include "io/dump.h"
#include "io/peft_adapter.h"
#include "test_support.h"
#include "util/error.h"

namespace {

namespace fs = std::filesystem;

const std::string& dir() {
    return es::test::script_fixtures("make_peft_adapters.py");
}

void check_adapter(const std::string& base, const std::string& adapter) {
    SCOPED_TRACE(adapter);
    const auto want = es::test::load_json(dir() + "expected.json")[adapter];
    auto dump = es::Dump::open(dir() + base);
    es::analysis::WeightDeltaOptions o;
    o.top = 5;
    const auto r = es::analysis::peft_delta(*dump, es::io::open_peft_adapter(dir() + adapter), o,
                                            es::no_progress());
    EXPECT_TRUE(r.skipped.empty()) << r.skipped.front().first << ": " << r.skipped.front().second;
    ASSERT_EQ(r.matrices.size(), want.size());
    for (const auto& m : r.matrices) {
        ASSERT_TRUE(want.contains(m.name)) << m.name;
        const auto& w = want[m.name];
        EXPECT_EQ(m.source, w["module"].get<std::string>()) << m.name;
        EXPECT_EQ(m.kind, "lora");
        EXPECT_EQ(m.shape, w["shape"].get<std::vector<std::size_t>>()) << m.name;
        EXPECT_EQ(m.lora_rank, w["rank"].get<std::size_t>()) << m.name;
        EXPECT_NEAR(m.lora_scale, w["scale"].get<double>(), 1e-12) << m.name;
        const auto s = w["singular_values"].get<std::vector<double>>();
        ASSERT_EQ(m.singular_values.size(), s.size()) << m.name;
        for (std::size_t i = 0; i < s.size(); ++i)
            EXPECT_NEAR(m.singular_values[i], s[i], 1e-6 * s[i]) << m.name << " s" << i;
        EXPECT_NEAR(m.frobenius, w["frobenius"].get<double>(), 1e-6 * w["frobenius"].get<double>())
            << m.name;
        EXPECT_EQ(m.k, 5u);
        EXPECT_NEAR(m.captured_left, w["captured_left"].get<double>(), 1e-6) << m.name;
        EXPECT_NEAR(m.captured_right, w["captured_right"].get<double>(), 1e-6) << m.name;
        EXPECT_NEAR(m.captured_both, w["captured_both"].get<double>(), 1e-6) << m.name;
    }
}

}  // namespace

TEST(PeftDelta, LlamaWithRankAndAlphaPatterns) {
    ASSERT_FALSE(dir().empty()) << "make_peft_adapters.py could not write the adapters";
    check_adapter("llama", "llama_lora");
    const auto a = es::io::open_peft_adapter(dir() + "llama_lora");
    for (const auto& m : a.modules) {
        if (m.module == "model.layers.1.self_attn.q_proj") {
            EXPECT_EQ(m.rank, 2u);
            EXPECT_DOUBLE_EQ(m.scale, 4.0);  // 8 / 2
        } else if (m.module.find("o_proj") != std::string::npos) {
            EXPECT_DOUBLE_EQ(m.scale, 8.0);  // 32 / 4
        } else {
            EXPECT_DOUBLE_EQ(m.scale, 2.0);  // 8 / 4
        }
    }
}

TEST(PeftDelta, RsLora) {
    ASSERT_FALSE(dir().empty());
    check_adapter("llama", "llama_rslora");
    EXPECT_DOUBLE_EQ(es::io::open_peft_adapter(dir() + "llama_rslora").modules[0].scale,
                     6.0 / std::sqrt(3.0));
}

TEST(PeftDelta, Gpt2FanInFanOutSplitsTheFusedProjection) {
    ASSERT_FALSE(dir().empty());
    check_adapter("gpt2", "gpt2_lora");
}

TEST(PeftDelta, PythiaInterleavedHeads) {
    ASSERT_FALSE(dir().empty());
    check_adapter("pythia", "pythia_lora");
}

TEST(PeftDelta, PatternsMatchAsPeftDoes) {
    EXPECT_TRUE(es::io::peft_pattern_matches("o_proj", "model.layers.0.self_attn.o_proj"));
    EXPECT_TRUE(es::io::peft_pattern_matches("layers.1.self_attn.q_proj",
                                             "model.layers.1.self_attn.q_proj"));
    EXPECT_FALSE(es::io::peft_pattern_matches("q_proj", "model.layers.0.self_attn.xq_proj"));
    EXPECT_FALSE(es::io::peft_pattern_matches("layers.1.self_attn.q_proj",
                                              "model.layers.11.self_attn.q_proj"));
}

TEST(PeftDelta, CliDeltaTakesAnAdapterFolder) {
    ASSERT_FALSE(dir().empty());
    const auto run =
        es::test::run_cli("delta " + dir() + "gpt2 " + dir() + "gpt2_lora --top 5 --json");
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const auto j = nlohmann::json::parse(run.out);
    const auto want = es::test::load_json(dir() + "expected.json")["gpt2_lora"];
    ASSERT_EQ(j["matrices"].size(), want.size());
    for (const auto& m : j["matrices"]) {
        const auto& w = want[m["name"].get<std::string>()];
        EXPECT_EQ(m["source"], w["module"]);
        EXPECT_NEAR(m["singular_values"][0].get<double>(), w["singular_values"][0].get<double>(),
                    1e-6 * w["singular_values"][0].get<double>());
    }
}

TEST(PeftDelta, BadAdaptersNameTheFile) {
    ASSERT_FALSE(dir().empty());
    const fs::path bad = fs::temp_directory_path() / ("es_peft_bad_" + std::to_string(::getpid()));
    fs::create_directories(bad);
    fs::copy_file(dir() + "llama_rslora/adapter_model.safetensors",
                  bad / "adapter_model.safetensors");
    const auto expect_error = [&](const std::string& config, const std::string& words) {
        std::ofstream(bad / "adapter_config.json") << config;
        try {
            es::io::open_peft_adapter(bad.string());
            ADD_FAILURE() << "accepted " << config;
        } catch (const es::InputError& e) {
            const std::string m = e.what();
            EXPECT_NE(m.find("es_peft_bad_"), std::string::npos) << m;
            EXPECT_NE(m.find(words), std::string::npos) << m;
        }
    };
    expect_error("{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8}", "gives r = 4");
    expect_error("{\"peft_type\": \"IA3\"}", "only LoRA");
    expect_error("not json", "adapter_config.json: not valid JSON");
    expect_error("{\"r\": 3, \"rank_pattern\": {\"(\": 2}}", "not a valid pattern");
    fs::remove(bad / "adapter_model.safetensors");
    expect_error("{\"r\": 3}", "adapter_model.safetensors: missing");
    fs::remove_all(bad);
}
