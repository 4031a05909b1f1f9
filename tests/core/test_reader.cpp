// The reader against what h5py wrote: every good fixture, value for value, whole and in slabs.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <random>
#include <thread>

#include "io/data_health.h"
#include "io/dump.h"
#include "test_support.h"
#include "util/error.h"

using es::Dump;
using es::test::fixture;

namespace {

const char* kGood[] = {
    "tl_batched_f32", "tl_nested_nobatch_f16", "tl_f64_fletcher",  "tl_bf16",
    "hf_batched",     "hf_nobatch_nofinal",    "weights_only_gqa", "tl_nonfinite"};

class GoodFixture : public ::testing::TestWithParam<const char*> {
protected:
    std::string path() const { return fixture(std::string("good/") + GetParam() + ".h5"); }
    nlohmann::json expected() const {
        return es::test::load_json(fixture(std::string("good/") + GetParam() + ".expected.json"));
    }
};

void expect_same(const std::vector<float>& got, const nlohmann::json& want,
                 const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (std::size_t i = 0; i < got.size(); ++i) {
        // Every stored type converts to float32 exactly except float64, which rounds once.
        const float w = static_cast<float>(want[i].get<double>());
        ASSERT_EQ(got[i], w) << what << " at " << i;
    }
}

}  // namespace

TEST_P(GoodFixture, LayoutDimensionsAndTokens) {
    const auto before = es::test::fingerprint(path());
    auto dump = Dump::open(path());
    const auto exp = expected();
    EXPECT_EQ(es::layout_name(dump->layout()), exp.at("layout").get<std::string>());
    if (exp.contains("dims")) {
        const auto& d = exp["dims"];
        const es::ModelDims& m = dump->dims();
        auto check = [&](const char* key, const std::optional<std::size_t>& v) {
            if (!d.contains(key)) return;
            ASSERT_TRUE(v.has_value()) << key;
            EXPECT_EQ(*v, d[key].get<std::size_t>()) << key;
        };
        check("n_layers", m.n_layers);
        check("n_heads", m.n_heads);
        check("n_kv_heads", m.n_kv_heads);
        check("d_model", m.d_model);
        check("d_head", m.d_head);
        check("d_vocab", m.d_vocab);
        check("n_ctx", m.n_ctx);
        check("d_mlp", m.d_mlp);
    }
    if (exp.contains("tokens")) {
        const auto& want = exp["tokens"];
        ASSERT_EQ(dump->tokens().size(), want.size());
        for (std::size_t i = 0; i < want.size(); ++i)
            EXPECT_EQ(dump->tokens()[i].label(), want[i].get<std::string>());
    }
    if (exp.contains("prompts") && exp.contains("positions")) {
        const auto P = exp["positions"].get<std::size_t>();
        for (std::size_t i = 0; i < dump->tokens().size(); ++i) {
            EXPECT_EQ(dump->tokens()[i].prompt, i / P);
            EXPECT_EQ(dump->tokens()[i].position, i % P);
        }
        EXPECT_EQ(dump->n_prompts(), exp["prompts"].get<std::size_t>());
    }
    if (exp.contains("final_norm")) {
        EXPECT_EQ(dump->stream().last_is_final_norm, exp["final_norm"].get<bool>());
    }
    dump.reset();
    EXPECT_TRUE(es::test::fingerprint(path()) == before) << "the reader changed the user's file";
}

TEST_P(GoodFixture, StreamsValueForValue) {
    const auto before = es::test::fingerprint(path());
    {
        auto dump = Dump::open(path());
        const auto exp = expected();
        for (const auto& [name, states] : exp["streams"].items()) {
            const es::StreamInfo& s = dump->stream(name);
            ASSERT_EQ(s.n_states(), states.size()) << name;
            std::vector<float> buf(s.n_tokens() * s.d);
            for (std::size_t st = 0; st < s.n_states(); ++st) {
                dump->read_states(s, st, 0, s.n_tokens(), buf.data());
                expect_same(buf, states[st], name + " state " + std::to_string(st));
            }
            // Slabs that start and end inside prompts and cross prompt boundaries.
            std::mt19937 gen(7);
            for (int trial = 0; trial < 20; ++trial) {
                std::size_t a = gen() % s.n_tokens(), b = gen() % s.n_tokens();
                if (a > b) std::swap(a, b);
                ++b;
                std::size_t st = gen() % s.n_states();
                std::vector<float> part((b - a) * s.d);
                dump->read_states(s, st, a, b, part.data());
                for (std::size_t i = 0; i < part.size(); ++i)
                    ASSERT_EQ(part[i], static_cast<float>(states[st][a * s.d + i].get<double>()))
                        << name << " slab [" << a << "," << b << ") state " << st;
            }
        }
        for (const auto& [dataset, w] : exp["weights"].items()) {
            const es::WeightInfo* info = nullptr;
            for (const auto& [n, wi] : dump->weights())
                if (wi.dataset == "/" + dataset) info = &wi;
            ASSERT_NE(info, nullptr) << dataset;
            es::Tensor t = dump->read_weight(info->name);
            EXPECT_EQ(t.shape, w["shape"].get<std::vector<std::size_t>>());
            expect_same(t.data, w["values"], dataset);
        }
        for (const auto& [name, layers] : exp["attention"].items()) {
            const es::AttentionInfo* a = dump->find_attention(name);
            ASSERT_NE(a, nullptr) << name;
            const std::size_t PP = a->n_positions * a->n_positions;
            for (std::size_t l = 0; l < layers.size(); ++l)
                for (std::size_t b = 0; b < a->n_prompts; ++b)
                    for (std::size_t h = 0; h < a->n_heads; ++h) {
                        es::Tensor t = dump->read_attention(*a, l, b, h);
                        for (std::size_t i = 0; i < PP; ++i)
                            ASSERT_EQ(t.data[i],
                                      static_cast<float>(
                                          layers[l][(b * a->n_heads + h) * PP + i].get<double>()));
                    }
        }
    }
    EXPECT_TRUE(es::test::fingerprint(path()) == before) << "the reader changed the user's file";
}

TEST_P(GoodFixture, HealthCounts) {
    auto dump = Dump::open(path());
    const auto exp = expected();
    es::DataHealth h = es::scan_health(*dump);
    EXPECT_EQ(h.nonfinite_values, exp.value("nonfinite", 0u));
    EXPECT_EQ(h.nonfinite_vectors, exp.value("nonfinite_vectors", 0u));
    EXPECT_EQ(h.zero_vectors, exp.value("zero_vectors", 0u));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GoodFixture, ::testing::ValuesIn(kGood));

TEST(Reader, ResidualStreamIsEmbeddingThenBlockOutputs) {
    auto dump = Dump::open(fixture("good/tl_batched_f32.h5"));
    const es::StreamInfo& r = dump->stream();
    EXPECT_EQ(r.name, "resid");
    ASSERT_EQ(r.n_states(), 4u);
    EXPECT_EQ(r.state_names[0], "blocks.0.hook_resid_pre");
    EXPECT_EQ(r.state_names[3], "blocks.2.hook_resid_post");
    EXPECT_FALSE(r.last_is_final_norm);
    // Per-head hooks fold heads into the width; attributes are kept as text.
    EXPECT_EQ(dump->stream("attn.q").d, 8u);
    bool fold = false;
    for (const auto& [k, v] : dump->attributes()) fold |= (k == "fold_ln" && v == "true");
    EXPECT_TRUE(fold);
}

TEST(Reader, GroupedQueryWeightsUnderAContainerGroup) {
    auto dump = Dump::open(fixture("good/weights_only_gqa.h5"));
    ASSERT_NE(dump->find_weight("blocks.0.attn._W_K"), nullptr);
    EXPECT_EQ(dump->find_weight("blocks.0.attn._W_K")->shape, (std::vector<std::size_t>{1, 8, 4}));
    EXPECT_NE(dump->find_weight("blocks.1.mlp.W_gate"), nullptr);
    EXPECT_THROW(dump->stream(), es::InputError);
}

TEST(Reader, OutOfRangeReadsAreInputErrors) {
    auto dump = Dump::open(fixture("good/tl_batched_f32.h5"));
    const auto& s = dump->stream();
    std::vector<float> buf(s.d * 20);
    EXPECT_THROW(dump->read_states(s, 9, 0, 1, buf.data()), es::InputError);
    EXPECT_THROW(dump->read_states(s, 0, 3, 11, buf.data()), es::InputError);
    EXPECT_THROW(dump->read_weight("no.such.weight"), es::InputError);
}

TEST(Reader, ConcurrentReadsAgree) {
    auto dump = Dump::open(fixture("good/tl_nested_nobatch_f16.h5"));
    const auto& s = dump->stream();
    std::vector<float> ref(s.n_tokens() * s.d);
    dump->read_states(s, 2, 0, s.n_tokens(), ref.data());
    std::vector<std::thread> threads;
    std::atomic<int> mismatches{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            std::vector<float> buf(ref.size());
            for (int i = 0; i < 200; ++i) {
                dump->read_states(s, 2, 0, s.n_tokens(), buf.data());
                if (buf != ref) ++mismatches;
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(mismatches.load(), 0);
}

TEST(Reader, APartialCacheOfTheLastBlocksIsAStream) {
    // run_with_cache(names_filter=...) keeping only block 3: layers start at 3, no gap.
    auto dump = Dump::open(std::string(EIGENSCOPE_SOURCE_DIR) +
                           "/resources/demo/checkpoints/step_000150.h5");
    const es::StreamInfo& r = dump->stream();
    EXPECT_EQ(r.name, "resid");
    ASSERT_EQ(r.n_states(), 1u);
    EXPECT_EQ(r.state_names[0], "blocks.3.hook_resid_post");
    EXPECT_EQ(dump->dims().n_layers.value_or(0), 4u);
    EXPECT_EQ(dump->vocabulary().size(), 2048u);
}
