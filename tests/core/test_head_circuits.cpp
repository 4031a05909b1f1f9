// Head QK/OV circuit spectra from factored QR+SVD against full SVDs of the formed D x D circuits.
#include <gtest/gtest.h>

#include "analysis/head_circuits.h"
#include "io/dump.h"
#include "numerics/principal_angles.h"
#include "weights_reference.h"

using namespace es;

namespace {

analysis::HeadCircuitsResult circuits_of(const char* fixture) {
    auto dump = Dump::open(test::fixture(fixture));
    return analysis::head_circuits(*dump, {}, no_progress());
}

// A head's QK and OV singular values against the first d_head = 6 of the formed circuits' (the
// only ones that are not 0).
void expect_circuit_values(const analysis::HeadCircuit& h, const nlohmann::json& qk,
                           const nlohmann::json& ov, const std::string& what) {
    test::expect_close(h.qk.singular_values,
                       nlohmann::json(std::vector<double>(qk.begin(), qk.begin() + 6)), 1e-9,
                       what + " qk");
    test::expect_close(h.ov.singular_values,
                       nlohmann::json(std::vector<double>(ov.begin(), ov.begin() + 6)), 1e-9,
                       what + " ov");
}

}  // namespace

TEST(HeadCircuits, MatchesFormedCircuits) {
    const auto r = circuits_of("good/weights_synth.h5");
    const auto& want = test::weights_reference()["heads"];
    ASSERT_EQ(r.heads.size(), want.size());
    EXPECT_EQ(r.d_head, 6u);
    for (std::size_t i = 0; i < r.heads.size(); ++i) {
        const auto& h = r.heads[i];
        const std::string what = "L" + std::to_string(h.layer) + "H" + std::to_string(h.head);
        // The formed circuit has D = 24 singular values; all beyond d_head are (numerically) 0.
        const auto& wqk = want[i]["qk"]["singular_values"];
        const auto& wov = want[i]["ov"]["singular_values"];
        ASSERT_EQ(wqk.size(), 24u);
        for (std::size_t k = 6; k < 24; ++k) {
            EXPECT_LT(wqk[k].get<double>(), 1e-12 * wqk[0].get<double>() + 1e-12);
            EXPECT_LT(wov[k].get<double>(), 1e-12 * wov[0].get<double>() + 1e-12);
        }
        ASSERT_EQ(h.qk.singular_values.size(), 6u);  // rank <= d_head: only d_head values
        expect_circuit_values(h, wqk, wov, what);
        EXPECT_NEAR(h.qk.stable_rank, want[i]["qk"]["stable_rank"].get<double>(), 1e-9);
        EXPECT_FALSE(h.qk.fit.ok);  // 6 eigenvalues: too few for alpha
        EXPECT_NE(h.qk.fit.reason.find("only 6"), std::string::npos);
    }
    const auto j = analysis::to_json(r);
    EXPECT_TRUE(j["heads"][0]["qk"]["alpha"].is_null());
    EXPECT_TRUE(j["heads"][0]["qk"]["alpha_reason"].is_string());
}

TEST(HeadCircuits, GroupedQueryUsesSharedKvHeads) {
    const auto r = circuits_of("good/weights_synth_gqa.h5");
    const auto& want = test::weights_reference()["gqa_heads"];
    ASSERT_EQ(r.heads.size(), want.size());
    EXPECT_EQ(r.n_kv_heads, 2u);
    for (std::size_t i = 0; i < r.heads.size(); ++i)
        expect_circuit_values(r.heads[i], want[i]["qk"], want[i]["ov"], "gqa");
}

TEST(HeadCircuits, FactoredSvdVectorsReconstruct) {
    Eigen::MatrixXd a = Eigen::MatrixXd::Random(20, 5), b = Eigen::MatrixXd::Random(15, 5);
    const auto f = numerics::factored_svd(a, b, true);
    const Eigen::MatrixXd m = a * b.transpose();
    EXPECT_LT((f.u * f.s.asDiagonal() * f.v.transpose() - m).norm(), 1e-12 * m.norm());
    EXPECT_LT((f.u.transpose() * f.u - Eigen::MatrixXd::Identity(5, 5)).norm(), 1e-12);
}

TEST(HeadCircuits, NoAttentionWeightsIsEmpty) {
    EXPECT_TRUE(circuits_of("good/hf_batched.h5").heads.empty());
}
