// Weight spectra, the streamed Gram SVD and the WeightWatcher-style power-law fit, against the
// float64 reference (tests/reference/reference_weights.py) and synthetic Pareto samples.
#include <gtest/gtest.h>

#include <random>

#include "analysis/matrix_source.h"
#include "analysis/power_law.h"
#include "analysis/weight_spectra.h"
#include "io/dump.h"
#include "util/error.h"
#include "weights_reference.h"

using namespace es;

TEST(WeightSpectra, MatchesReference) {
    auto dump = Dump::open(test::fixture("good/weights_synth.h5"));
    const auto r = analysis::weight_spectra(*dump, {}, no_progress());
    const auto& want = test::weights_reference()["matrices"];
    ASSERT_EQ(r.matrices.size(), want.size());
    for (const auto& m : r.matrices) {
        ASSERT_TRUE(want.contains(m.name)) << m.name;
        const auto& w = want[m.name];
        // Gram-based: small singular values lose relative accuracy as (s_max/s)^2 eps_float32.
        test::expect_close(m.singular_values, w["singular_values"], 1e-4, m.name, 1e-3);
        EXPECT_NEAR(m.stable_rank, w["stable_rank"].get<double>(),
                    1e-6 * w["stable_rank"].get<double>());
        ASSERT_EQ(m.fit.ok, !w["alpha"].is_null()) << m.name;
        if (m.fit.ok) {
            EXPECT_NEAR(m.fit.alpha, w["alpha"].get<double>(), 1e-4 * w["alpha"].get<double>())
                << m.name;
            EXPECT_NEAR(m.fit.xmin, w["xmin"].get<double>(), 1e-4 * w["xmin"].get<double>())
                << m.name;
            EXPECT_NEAR(m.fit.ks, w["ks"].get<double>(), 1e-4) << m.name;
        }
    }
    const auto j = analysis::to_json(r);
    EXPECT_EQ(j["matrices"][0]["shape"].size(), 2u);
    EXPECT_NE(analysis::to_csv(r).find("embed.W_E,40,24,"), std::string::npos);
}

namespace {

es::analysis::RowSource eigen_rows(const Eigen::MatrixXd& x, std::size_t block) {
    es::analysis::RowSource s;
    s.name = "x";
    s.rows = static_cast<std::size_t>(x.rows());
    s.cols = static_cast<std::size_t>(x.cols());
    s.block = block;
    s.read = [x](std::size_t b, std::size_t e, Eigen::MatrixXd& out) {
        out = x.middleRows(static_cast<Eigen::Index>(b), static_cast<Eigen::Index>(e - b));
    };
    return s;
}

void check_gram_svd(Eigen::Index m, Eigen::Index n, std::size_t block) {
    std::mt19937 gen(7);
    std::normal_distribution<double> nd;
    Eigen::MatrixXd x(m, n);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = nd(gen);
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(x, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const auto g = es::analysis::gram_svd(eigen_rows(x, block), 3, 4, no_progress());
    ASSERT_EQ(g.s.size(), static_cast<std::size_t>(std::min(m, n)));
    for (std::size_t i = 0; i < g.s.size(); ++i)
        EXPECT_NEAR(g.s[i], svd.singularValues()(static_cast<Eigen::Index>(i)), 1e-9 * g.s[0]);
    ASSERT_EQ(g.u.cols(), 3);
    ASSERT_EQ(g.v.cols(), 4);
    for (Eigen::Index c = 0; c < 3; ++c)  // same vectors up to sign
        EXPECT_NEAR(std::abs(g.u.col(c).dot(svd.matrixU().col(c))), 1.0, 1e-8);
    for (Eigen::Index c = 0; c < 4; ++c)
        EXPECT_NEAR(std::abs(g.v.col(c).dot(svd.matrixV().col(c))), 1.0, 1e-8);
    EXPECT_NEAR(g.frob2, x.squaredNorm(), 1e-9 * x.squaredNorm());
}

}  // namespace

TEST(WeightSpectra, StreamedGramTallAndWideInBlocks) {
    check_gram_svd(37, 9, 5);  // column Gram over 8 row blocks
    check_gram_svd(9, 37, 2);  // row Gram by block pairs (5 blocks)
    check_gram_svd(9, 37, 0);  // one block
    check_gram_svd(12, 12, 5);
}

TEST(PowerLaw, RecoversParetoExponent) {
    for (double alpha : {2.0, 2.5, 3.5, 5.0}) {
        std::mt19937_64 gen(static_cast<unsigned long long>(alpha * 1000));
        std::uniform_real_distribution<double> u(0.0, 1.0);
        std::vector<double> x;
        for (int i = 0; i < 2000; ++i)
            x.push_back(0.5 * std::pow(1.0 - u(gen), -1.0 / (alpha - 1.0)));
        const auto fit = analysis::fit_power_law(x);
        ASSERT_TRUE(fit.ok);
        EXPECT_NEAR(fit.alpha, alpha, 0.05 * alpha)
            << "alpha " << alpha;  // MLE noise ~ (a-1)/sqrt(n)
        EXPECT_NEAR(fit.sigma, (fit.alpha - 1) / std::sqrt(static_cast<double>(fit.n)), 1e-12);
        EXPECT_LT(fit.ks, 0.05);
    }
}

TEST(PowerLaw, TooFewOrDegenerate) {
    EXPECT_FALSE(analysis::fit_power_law({1, 2, 3}).ok);
    EXPECT_NE(analysis::fit_power_law({1, 2, 3}).reason.find("only 3"), std::string::npos);
    EXPECT_FALSE(analysis::fit_power_law(std::vector<double>(20, 1.0)).ok);
    EXPECT_FALSE(analysis::fit_power_law(std::vector<double>(20, 1e-7)).ok);  // all below the floor
}

TEST(WeightSpectra, CancelledBeforeStartThrows) {
    auto dump = Dump::open(test::fixture("good/weights_synth.h5"));
    Progress p;
    p.cancel();
    EXPECT_THROW(analysis::weight_spectra(*dump, {}, p), CancelledError);
}
