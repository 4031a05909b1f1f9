// Activations in HDF5 with their weights from a Hugging Face folder (Dump::open(path, weights),
// `--weights DIR`): tests/fixtures/make_hf_attach.py writes a Llama checkpoint, an activation
// cache without weights, and the same cache with the checkpoint's weights in HDF5. The logit lens
// (RMSNorm, as Llama applies it) matches numpy; angles against W_U and head similarity equal the
// all-HDF5 file's; activations of another width are refused, naming both.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/head_similarity.h"
#include "analysis/lens.h"
#include "analysis/subspace_angles.h"
#include "h5_read_test_support.h"
#include "io/dump.h"
#include "test_support.h"
#include "util/error.h"

namespace {

const std::string& dir() {
    return es::test::script_fixtures("make_hf_attach.py");
}

}  // namespace

TEST(HfAttach, WeightsJoinTheActivations) {
    ASSERT_FALSE(dir().empty()) << "make_hf_attach.py could not write the files";
    auto bare = es::Dump::open(dir() + "act.h5");
    EXPECT_TRUE(bare->weights().empty());
    auto d = es::Dump::open(dir() + "act.h5", dir() + "llama");
    EXPECT_EQ(d->weights_path(), dir() + "llama");
    EXPECT_FALSE(d->streams().empty());
    const es::WeightInfo* wq = d->find_weight("blocks.1.attn.W_Q");
    ASSERT_NE(wq, nullptr);
    EXPECT_EQ(wq->source, "model.layers.1.self_attn.q_proj.weight");
    ASSERT_TRUE(d->dims().n_heads.has_value());
    EXPECT_EQ(*d->dims().n_heads, 4u);
    auto combined = es::Dump::open(dir() + "combined.h5");
    for (const auto& [name, w] : combined->weights()) {
        ASSERT_NE(d->find_weight(name), nullptr) << name;
        EXPECT_EQ(d->read_weight(name).data, combined->read_weight(name).data) << name;
    }
}

TEST(HfAttach, LogitLensWithRmsNormMatchesNumpy) {
    ASSERT_FALSE(dir().empty());
    const auto want = es::test::load_json(dir() + "expected.json");
    auto d = es::Dump::open(dir() + "act.h5", dir() + "llama");
    es::analysis::LensOptions o;
    o.token = want["token"].get<std::size_t>();
    o.top_k = 5;
    const auto r = es::analysis::lens(*d, o, es::no_progress());
    EXPECT_TRUE(r.ln_final);
    EXPECT_TRUE(r.rms_norm);
    EXPECT_DOUBLE_EQ(r.eps, 1e-6);
    ASSERT_EQ(r.layers.size(), want["lens"].size());
    for (std::size_t i = 0; i < r.layers.size(); ++i) {
        const auto& w = want["lens"][i];
        ASSERT_EQ(r.layers[i].top.size(), 5u);
        for (std::size_t k = 0; k < 5; ++k) {
            EXPECT_EQ(r.layers[i].top[k].id, w["ids"][k].get<long long>()) << i << " " << k;
            EXPECT_NEAR(r.layers[i].top[k].probability, w["probabilities"][k].get<double>(), 1e-6)
                << i << " " << k;
        }
    }
    EXPECT_EQ(es::analysis::to_json(r)["norm"], "rmsnorm");
    // The all-HDF5 file with the same attributes gives the same lens.
    auto combined = es::Dump::open(dir() + "combined.h5");
    const auto c = es::analysis::lens(*combined, o, es::no_progress());
    for (std::size_t i = 0; i < r.layers.size(); ++i)
        for (std::size_t k = 0; k < 5; ++k)
            EXPECT_NEAR(c.layers[i].top[k].probability, r.layers[i].top[k].probability, 1e-9);
}

TEST(HfAttach, AnglesAndHeadViewsEqualTheHdf5File) {
    ASSERT_FALSE(dir().empty());
    auto d = es::Dump::open(dir() + "act.h5", dir() + "llama");
    auto combined = es::Dump::open(dir() + "combined.h5");
    for (const auto& [a, b] : std::vector<std::pair<std::string, std::string>>{
             {"resid[2]:right:0-4", "unembed.W_U:left:0-4"},
             {"resid[1]:right:0-3", "embed.W_E:right:0-6"},
             {"blocks.1.attn.QK[3]:left:0-2", "resid[0]:right:0-5"}}) {
        const auto x = es::analysis::subspace_angles(*d, a, b, es::no_progress());
        const auto y = es::analysis::subspace_angles(*combined, a, b, es::no_progress());
        ASSERT_EQ(x.angles_deg.size(), y.angles_deg.size()) << a << " " << b;
        ASSERT_FALSE(x.angles_deg.empty());
        for (std::size_t i = 0; i < x.angles_deg.size(); ++i)
            EXPECT_NEAR(x.angles_deg[i], y.angles_deg[i], 1e-6) << a << " " << b;
    }
    es::analysis::HeadSimilarityOptions o;
    o.metric = es::analysis::HeadMetric::SubspaceOverlap;
    o.rank = 3;
    const auto hx = es::analysis::head_similarity(*d, o, es::no_progress());
    const auto hy = es::analysis::head_similarity(*combined, o, es::no_progress());
    ASSERT_EQ(hx.matrix.size(), hy.matrix.size());
    ASSERT_EQ(hx.n(), 8u);  // 2 layers x 4 heads
    for (std::size_t i = 0; i < hx.matrix.size(); ++i)
        EXPECT_NEAR(hx.matrix[i], hy.matrix[i], 1e-9) << i;
}

TEST(HfAttach, AnotherWidthIsRefusedNamingBoth) {
    ASSERT_FALSE(dir().empty());
    try {
        es::Dump::open(dir() + "act16.h5", dir() + "llama");
        FAIL();
    } catch (const es::InputError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("act16.h5"), std::string::npos) << m;
        EXPECT_NE(m.find("llama"), std::string::npos) << m;
        EXPECT_NE(m.find("16"), std::string::npos) << m;
        EXPECT_NE(m.find("24"), std::string::npos) << m;
    }
}

TEST(HfAttach, CliWeightsOption) {
    ASSERT_FALSE(dir().empty());
    const auto without = es::test::run_cli("lens " + dir() + "act.h5 --token 7 --json");
    EXPECT_EQ(without.exit_code, 2);
    EXPECT_NE(without.err.find("unembed.W_U"), std::string::npos) << without.err;
    const auto with = es::test::run_cli("lens " + dir() + "act.h5 --token 7 --top 5 --weights " +
                                        dir() + "llama --json");
    ASSERT_EQ(with.exit_code, 0) << with.err;
    const auto j = nlohmann::json::parse(with.out);
    const auto want = es::test::load_json(dir() + "expected.json");
    EXPECT_EQ(j["layers"][2]["top"][0]["id"], want["lens"][2]["ids"][0]);
    EXPECT_EQ(j["norm"], "rmsnorm");
    const auto heads = es::test::run_cli("heads " + dir() + "act.h5 --layer 1 --metric qk_cosine " +
                                         "--weights " + dir() + "llama --json");
    ASSERT_EQ(heads.exit_code, 0) << heads.err;
    EXPECT_EQ(nlohmann::json::parse(heads.out)["heads"].size(), 4u);
    const auto info = es::test::run_cli("info " + dir() + "act.h5 --no-health --json --weights " +
                                        dir() + "llama");
    ASSERT_EQ(info.exit_code, 0) << info.err;
    EXPECT_NE(info.out.find("q_proj"), std::string::npos);
}
