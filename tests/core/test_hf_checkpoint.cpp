// Hugging Face checkpoints opened natively (core/io/hf_checkpoint.h): one small model written by
// tests/fixtures/make_hf_checkpoints.py in each family's layout (GPT-2 tied and untied, Pythia
// sharded, Llama with GQA in F32 and BF16, Qwen2 with biases, Phi-3, Gemma with head_dim != d/H,
// an unmapped family) gives the same TransformerLens weights, spectra and head circuits as the
// HDF5 reference written with it.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "analysis/head_circuits.h"
#include "analysis/weight_spectra.h"
#include "h5_read_test_support.h"
#include "io/dump.h"
#include "test_support.h"
#include "util/error.h"

namespace {

namespace fs = std::filesystem;
using es::Dump;

const std::string& dir() {
    return es::test::script_fixtures("make_hf_checkpoints.py");
}

es::Progress& quiet() {
    static es::Progress p;
    return p;
}

void expect_close(const std::vector<double>& a, const std::vector<double>& b, double rel,
                  const std::string& what) {
    ASSERT_EQ(a.size(), b.size()) << what;
    const double scale = a.empty() ? 1.0 : std::max(std::abs(a[0]), 1e-30);
    for (std::size_t i = 0; i < a.size(); ++i)
        EXPECT_LE(std::abs(a[i] - b[i]), rel * scale) << what << " value " << i;
}

void expect_same_circuits(const Dump& ref, const Dump& ck, double rel) {
    const auto a = es::analysis::head_circuits(ref, {}, quiet());
    const auto b = es::analysis::head_circuits(ck, {}, quiet());
    ASSERT_EQ(a.heads.size(), b.heads.size());
    EXPECT_EQ(a.n_kv_heads, b.n_kv_heads);
    EXPECT_EQ(a.d_head, b.d_head);
    ASSERT_GT(a.heads.size(), 0u);
    for (std::size_t i = 0; i < a.heads.size(); ++i) {
        const std::string h =
            "L" + std::to_string(a.heads[i].layer) + "H" + std::to_string(a.heads[i].head);
        expect_close(a.heads[i].qk.singular_values, b.heads[i].qk.singular_values, rel, h + " QK");
        expect_close(a.heads[i].ov.singular_values, b.heads[i].ov.singular_values, rel, h + " OV");
    }
}

class HfFamily : public testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        ASSERT_FALSE(dir().empty()) << "make_hf_checkpoints.py could not write the checkpoints";
        ref = Dump::open(dir() + GetParam() + ".reference.h5");
        ck = Dump::open(dir() + GetParam());
    }
    std::shared_ptr<Dump> ref, ck;
};

}  // namespace

TEST_P(HfFamily, EveryReferenceWeightIsReadWithItsValues) {
    for (const auto& [name, w] : ref->weights()) {
        const es::WeightInfo* c = ck->find_weight(name);
        ASSERT_NE(c, nullptr) << name;
        EXPECT_EQ(c->shape, w.shape) << name;
        EXPECT_FALSE(c->source.empty()) << name;
        // The reference holds the values as stored (rounded for F16/BF16): equal bit for bit.
        EXPECT_EQ(ck->read_weight(name).data, ref->read_weight(name).data) << name;
        if (w.shape.size() == 2) {
            const es::Tensor a = ck->read_weight_columns(name, 1, w.shape[1]);
            EXPECT_EQ(a.data, ref->read_weight_columns(name, 1, w.shape[1]).data) << name;
        }
    }
}

TEST_P(HfFamily, SpectraAndHeadCircuitsEqualTheReference) {
    const auto a = es::analysis::weight_spectra(*ref, {}, quiet());
    const auto b = es::analysis::weight_spectra(*ck, {}, quiet());
    std::size_t compared = 0;
    for (const auto& m : a.matrices)
        for (const auto& n : b.matrices)
            if (n.name == m.name) {
                EXPECT_EQ(n.shape, m.shape) << m.name;
                expect_close(m.singular_values, n.singular_values, 1e-6, m.name);
                if (m.fit.ok) {
                    EXPECT_NEAR(n.fit.alpha, m.fit.alpha, 1e-6 * m.fit.alpha) << m.name;
                }
                ++compared;
            }
    EXPECT_EQ(compared, a.matrices.size());
    if (ref->find_weight("blocks.0.attn.W_Q")) expect_same_circuits(*ref, *ck, 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Families, HfFamily,
                         testing::Values("gpt2", "gpt2_f16_untied", "pythia", "llama_gqa",
                                         "llama_gqa_bf16", "qwen2_biases", "phi3", "gemma_f16"));

TEST(HfCheckpoint, AnUnmappedFamilyKeepsItsNamesAndGetsSpectra) {
    ASSERT_FALSE(dir().empty());
    auto ck = Dump::open(dir() + "unknown");
    // Its reference holds the tensors under their own names, which no HDF5 layout recognises:
    // read as plain datasets.
    es::test::SlabFile ref(dir() + "unknown.reference.h5");
    ASSERT_TRUE(ref.ok());
    for (const char* name :
         {"backbone.mixer.in_proj.weight", "backbone.embedding.weight", "backbone.f8.weight"}) {
        const es::WeightInfo* w = ck->find_weight(name);
        ASSERT_NE(w, nullptr) << name;
        EXPECT_EQ(w->source, name);
        const std::vector<hsize_t> count(w->shape.begin(), w->shape.end());
        EXPECT_EQ(ck->read_weight(name).data, ref.read(name, {{0, 0}, count})) << name;
    }
    EXPECT_EQ(ck->find_weight("backbone.f8.weight")->dtype, es::DType::Float8E4M3);
    const auto spectra = es::analysis::weight_spectra(*ck, {}, quiet());
    EXPECT_EQ(spectra.matrices.size(), 3u);
    std::string notes;
    for (const auto& n : ck->notes()) notes += n + "\n";
    for (const char* expected :
         {"F8_E8M0", "position_ids: I64", "backbone.empty: empty tensor [0, 3]",
          "model_type 'mamba' is not one"})
        EXPECT_NE(notes.find(expected), std::string::npos) << expected << " in " << notes;
}

TEST(HfCheckpoint, Bf16CircuitsStayCloseToTheUnroundedModel) {
    ASSERT_FALSE(dir().empty());
    auto original = Dump::open(es::test::fixture("good/weights_synth_gqa.h5"));
    auto bf16 = Dump::open(dir() + "llama_gqa_bf16");
    expect_same_circuits(*original, *bf16, 1e-2);  // bfloat16 keeps 8 bits of mantissa
}

TEST(HfCheckpoint, DimensionsSourcesAndTiedEmbeddings) {
    ASSERT_FALSE(dir().empty());
    auto gpt2 = Dump::open(dir() + "gpt2");
    EXPECT_EQ(gpt2->layout(), es::Layout::WeightsOnly);
    EXPECT_EQ(gpt2->dims().n_layers, 2u);
    EXPECT_EQ(gpt2->dims().d_vocab, 40u);
    const es::WeightInfo* wu = gpt2->find_weight("unembed.W_U");
    ASSERT_NE(wu, nullptr);
    EXPECT_EQ(wu->source, "transformer.wte.weight");
    EXPECT_TRUE(wu->stored_transposed);
    EXPECT_EQ(gpt2->find_weight("blocks.0.attn.W_K")->source, "transformer.h.0.attn.c_attn.weight");
    bool tied_note = false, buffers_note = false;
    for (const auto& n : gpt2->notes()) {
        tied_note |= n.find("unembed.W_U is embed.W_E transposed") != std::string::npos;
        buffers_note |= n.find("4 buffers") != std::string::npos;
    }
    EXPECT_TRUE(tied_note);
    EXPECT_TRUE(buffers_note);
    auto gemma = Dump::open(dir() + "gemma_f16");
    EXPECT_EQ(gemma->dims().d_head, 8u);
    EXPECT_EQ(gemma->dims().n_kv_heads, 1u);
    EXPECT_NE(gemma->find_weight("model.norm.weight"), nullptr);  // (1 + w) norms keep names
    auto pythia = Dump::open(dir() + "pythia");
    bool bool_note = false;
    for (const auto& n : pythia->notes())
        bool_note |= n.find("attention.bias: BOOL") != std::string::npos;
    EXPECT_TRUE(bool_note);
}

TEST(HfCheckpoint, SingleFilesAndIndexesOpenToo) {
    ASSERT_FALSE(dir().empty());
    // A .safetensors path takes the config.json next to it.
    auto single = Dump::open(dir() + "gpt2/model.safetensors");
    EXPECT_NE(single->find_weight("blocks.1.attn.W_O"), nullptr);
    auto index = Dump::open(dir() + "pythia/model.safetensors.index.json");
    EXPECT_NE(index->find_weight("blocks.1.attn.W_V"), nullptr);
    auto unknown = Dump::open(dir() + "unknown");
    EXPECT_NE(unknown->find_weight("backbone.f8.weight"), nullptr);
    EXPECT_EQ(unknown->find_weight("position_ids"), nullptr);  // integers are left out
    EXPECT_TRUE(es::analysis::head_circuits(*unknown, {}, quiet()).heads.empty());
}

TEST(HfCheckpoint, CliVerbsTakeFoldersAndFiles) {
    ASSERT_FALSE(dir().empty());
    const std::string shard = dir() + "llama_gqa_bf16/model-00001-of-00003.safetensors";
    const auto before = es::test::fingerprint(shard);
    es::test::CliRun w = es::test::run_cli("weights --json " + dir() + "llama_gqa_bf16");
    ASSERT_EQ(w.exit_code, 0) << w.err;
    const auto j = nlohmann::json::parse(w.out);
    EXPECT_EQ(j["heads"].size(), 8u);
    EXPECT_EQ(j["n_kv_heads"], 2);
    bool source = false;
    for (const auto& m : j["matrices"])
        source |= m["name"] == "blocks.0.mlp.W_gate" &&
                  m["source"] == "model.layers.0.mlp.gate_proj.weight";
    EXPECT_TRUE(source) << w.out.substr(0, 400);
    es::test::CliRun h =
        es::test::run_cli("heads " + dir() + "phi3 --layer 1 --metric ov_cosine --json");
    EXPECT_EQ(h.exit_code, 0) << h.err;
    es::test::CliRun i = es::test::run_cli("info --json " + dir() + "gpt2/model.safetensors");
    ASSERT_EQ(i.exit_code, 0) << i.err;
    const auto info = nlohmann::json::parse(i.out);
    EXPECT_EQ(info["weight_sources"]["blocks.0.attn.W_Q"]["source"],
              "transformer.h.0.attn.c_attn.weight");
    EXPECT_FALSE(info["notes"].empty());
    es::test::CliRun d = es::test::run_cli("delta " + dir() + "llama_gqa.reference.h5 " + dir() +
                                           "llama_gqa --json");
    EXPECT_EQ(d.exit_code, 0) << d.err;
    EXPECT_EQ(es::test::fingerprint(shard), before);
}

TEST(HfCheckpoint, BrokenFoldersAreRefusedNamingWhatIsWrong) {
    ASSERT_FALSE(dir().empty());
    const fs::path tmp = dir() + "broken";
    auto copy = [&](const char* from, const char* to) {
        fs::remove_all(tmp / to);
        fs::copy(dir() + from, tmp / to, fs::copy_options::recursive);
        return (tmp / to).string();
    };
    auto error_of = [](const std::string& path) -> std::string {
        try {
            Dump::open(path);
        } catch (const es::InputError& e) {
            return e.what();
        }
        return "opened";
    };
    fs::create_directories(tmp);
    // A shard the index names is missing.
    const std::string missing = copy("pythia", "missing");
    fs::remove(fs::path(missing) / "model-00002-of-00002.safetensors");
    EXPECT_NE(error_of(missing).find("model-00002-of-00002.safetensors: cannot open"),
              std::string::npos)
        << error_of(missing);
    // The config disagrees with the tensors: the tensor and its shape are named.
    const std::string heads = copy("gpt2", "heads");
    std::ofstream(fs::path(heads) / "config.json")
        << R"({"model_type": "gpt2", "n_layer": 2, "n_head": 4, "n_embd": 32})";
    EXPECT_NE(error_of(heads).find("transformer.wte.weight: shape [40, 24] but config.json"),
              std::string::npos)
        << error_of(heads);
    // A layer the config promises is not there.
    std::ofstream(fs::path(heads) / "config.json")
        << R"({"model_type": "gpt2", "n_layer": 3, "n_head": 4, "n_embd": 24})";
    EXPECT_NE(error_of(heads).find("no tensor transformer.h.2.attn.c_attn.weight"),
              std::string::npos)
        << error_of(heads);
    // Not JSON.
    std::ofstream(fs::path(heads) / "config.json") << "{ not json";
    EXPECT_NE(error_of(heads).find("config.json: not valid JSON"), std::string::npos);
    // An index that points outside the folder.
    const std::string escape = copy("pythia", "escape");
    std::ofstream(fs::path(escape) / "model.safetensors.index.json")
        << R"({"weight_map": {"embed_out.weight": "../gpt2/model.safetensors"}})";
    EXPECT_NE(error_of(escape).find("is not a plain file name"), std::string::npos);
    // Folders without safetensors.
    fs::create_directories(tmp / "only_config");
    std::ofstream(tmp / "only_config" / "config.json") << "{}";
    EXPECT_NE(error_of((tmp / "only_config").string()).find("has config.json but no .safetensors"),
              std::string::npos);
    fs::create_directories(tmp / "empty");
    EXPECT_NE(error_of((tmp / "empty").string()).find("is a directory"), std::string::npos);
    EXPECT_EQ(es::test::run_cli("weights --json " + (tmp / "empty").string()).exit_code, 2);
    fs::remove_all(tmp);
}
