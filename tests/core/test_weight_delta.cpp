// Weight differences and LoRA updates between two dumps against the float64 reference.
#include <gtest/gtest.h>

#include "analysis/weight_delta.h"
#include "io/dump.h"
#include "weights_reference.h"

using namespace es;

TEST(WeightDelta, DenseAndLoraMatchReference) {
    auto base = Dump::open(test::fixture("good/weights_base.h5"));
    auto other = Dump::open(test::fixture("good/weights_lora.h5"));
    analysis::WeightDeltaOptions o;
    o.top = 5;
    const auto r = analysis::weight_delta(*base, *other, o, no_progress());
    const auto& want = test::weights_reference()["delta"];
    const auto& planted = want["planted_rank"];
    std::size_t matched = 0;
    for (const auto& w : want["matrices"]) {
        const analysis::DeltaMatrix* m = nullptr;
        for (const auto& x : r.matrices)
            if (x.name == w["name"] && x.kind == w["kind"]) m = &x;
        ASSERT_NE(m, nullptr) << w["name"] << " " << w["kind"];
        ++matched;
        const std::string what = m->name + " " + m->kind;
        if (w["frobenius"].is_null()) {  // unchanged weight: the reference writes null
            EXPECT_EQ(m->frobenius, 0) << what;
            EXPECT_TRUE(std::isnan(m->captured_left)) << what;
            continue;
        }
        // singular values: relative 1e-4 for the leading ones; the planted rank-2 tail is ~0
        const auto& ws = w["singular_values"];
        const double s0 = ws[0].get<double>();
        ASSERT_GE(m->singular_values.size(), 2u);
        for (std::size_t i = 0; i < m->singular_values.size(); ++i)
            EXPECT_NEAR(m->singular_values[i], ws[i].get<double>(),
                        1e-4 * std::max(ws[i].get<double>(), 1e-3 * s0))
                << what;
        EXPECT_NEAR(m->frobenius, w["frobenius"].get<double>(), 1e-6 * w["frobenius"].get<double>())
            << what;
        EXPECT_NEAR(m->effective_rank, w["effective_rank"].get<double>(), 1e-3) << what;
        EXPECT_NEAR(m->captured_left, w["captured_left"].get<double>(), 1e-6) << what;
        EXPECT_NEAR(m->captured_right, w["captured_right"].get<double>(), 1e-6) << what;
        EXPECT_NEAR(m->captured_both, w["captured_both"].get<double>(), 1e-6) << what;
        if (m->kind == "dense" && planted.contains(m->name)) {  // planted rank 2
            EXPECT_LT(m->singular_values[2], 1e-3 * m->singular_values[0]) << what;
            EXPECT_LT(m->effective_rank, 2.01);
        }
        if (m->kind == "lora") {
            EXPECT_EQ(m->lora_rank, w["lora_rank"].get<std::size_t>());
            EXPECT_NEAR(m->lora_scale, w["lora_scale"].get<double>(), 1e-12);
        }
    }
    EXPECT_EQ(matched, r.matrices.size());
    const auto j = analysis::to_json(r);
    EXPECT_EQ(j["top"], 5);
    EXPECT_NO_THROW(nlohmann::json::parse(j.dump()));
}

TEST(WeightDelta, SameDumpIsZero) {
    auto base = Dump::open(test::fixture("good/weights_base.h5"));
    const auto r = analysis::weight_delta(*base, *base, {}, no_progress());
    ASSERT_FALSE(r.matrices.empty());
    for (const auto& m : r.matrices) EXPECT_EQ(m.frobenius, 0) << m.name;
    EXPECT_TRUE(analysis::to_json(r)["matrices"][0]["effective_rank"].is_null());
}
