// CKA's first picture (issue 20): before pass 1 and before any exact pair, the analysis hands out
// an estimate from a few runs of tokens, marked as such; the exact pairs then fill in. Both
// against numpy's float64 CKA on a dump written at test time (with a NaN token left out of both).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/cka.h"
#include "io/dump.h"
#include "test_support.h"
#include "util/progress.h"

namespace fs = std::filesystem;
namespace an = es::analysis;

namespace {

constexpr std::size_t kTokens = 1024, kD = 96, kLayers = 6, kPreview = 128;
constexpr std::size_t kNanToken = 340, kNanLayer = 3;  // inside the estimate's second run

struct Reference {
    fs::path dir, file;
    std::vector<std::vector<double>> exact, estimate;
    std::size_t exact_tokens = 0, estimate_tokens = 0;
};

const Reference& reference() {
    static const Reference ref = [] {
        Reference r;
        r.dir = fs::temp_directory_path() / ("es_cka_estimate_" + std::to_string(::getpid()));
        fs::create_directories(r.dir);
        r.file = r.dir / "layers.h5";
        std::string args = r.file.string();
        for (std::size_t v : {kTokens, kD, kLayers, kPreview, kNanToken, kNanLayer})
            args += " " + std::to_string(v);
        const auto j = es::test::run_reference("reference_cka_estimate.py", args);
        if (j.is_null()) return r;
        r.exact = j["exact"].get<std::vector<std::vector<double>>>();
        r.estimate = j["estimate"].get<std::vector<std::vector<double>>>();
        r.exact_tokens = j["exact_tokens"].get<std::size_t>();
        r.estimate_tokens = j["estimate_tokens"].get<std::size_t>();
        return r;
    }();
    return ref;
}

// Everything cka() hands out, in order: the estimate, partial pairs, then the result.
struct Delivered {
    std::vector<an::CkaResult> partials;  // on_preview's and on_pairs' results, as they came
    an::CkaResult result;
};

Delivered run(const es::Dump& dump, an::CkaOptions o) {
    Delivered d;
    o.preview_tokens = kPreview;
    o.on_preview = [&](const an::CkaResult& p) { d.partials.push_back(p); };
    o.on_pairs = [&](const an::CkaResult& p) { d.partials.push_back(p); };
    d.result = an::cka(dump, o, es::no_progress());
    return d;
}

class CkaEstimate : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(reference().exact.size(), kLayers) << "reference_cka_estimate.py failed";
        dump_ = es::Dump::open(reference().file.string());
    }
    static void TearDownTestSuite() { fs::remove_all(reference().dir); }
    std::shared_ptr<es::Dump> dump_;
};

}  // namespace

TEST_F(CkaEstimate, EstimateComesFirstMarkedThenExactPairsFillIn) {
    const Reference& ref = reference();
    // The app's way: the scheme chosen by cost and memory (panels, pairs as they complete), the
    // selected layer first; then the row blocks and the cross-covariance form, which must also
    // show the estimate before anything else.
    an::CkaOptions panels;
    panels.focus = 2;
    panels.panel_grams = 2;
    an::CkaOptions rows;
    rows.method = "gram";
    rows.gram_scheme = "rows";
    an::CkaOptions cross;
    cross.method = "cross_covariance";
    for (const auto& [options, name] : {std::pair{panels, "panels"}, std::pair{rows, "rows"},
                                        std::pair{cross, "cross_covariance"}}) {
        const Delivered d = run(*dump_, options);
        ASSERT_FALSE(d.partials.empty()) << name;
        const an::CkaResult& first = d.partials.front();
        EXPECT_TRUE(first.partial()) << name;
        EXPECT_EQ(first.preview_tokens, ref.estimate_tokens) << name << ": the NaN token left out";
        EXPECT_EQ(ref.estimate_tokens, kPreview - 1);
        EXPECT_TRUE(first.computed.empty()) << name << ": an estimate, not pairs";
        ASSERT_EQ(first.matrix.size(), kLayers);
        // float32 Grams of float16 data (entries rounded once, sums in float64): ~1e-6 on CKA.
        for (std::size_t i = 0; i < kLayers; ++i)
            for (std::size_t j = 0; j < kLayers; ++j) {
                ASSERT_TRUE(first.matrix[i][j].has_value());
                EXPECT_NEAR(*first.matrix[i][j], ref.estimate[i][j], 1e-5)
                    << name << " estimate (" << i << ", " << j << ")";
            }
        // Only one estimate; everything after it is exact pairs (float64 products on a dump this
        // small: sums of 1e5 terms, 1e-10 leaves three orders of magnitude).
        for (std::size_t k = 1; k < d.partials.size(); ++k) {
            const an::CkaResult& p = d.partials[k];
            EXPECT_EQ(p.preview_tokens, 0u) << name;
            ASSERT_EQ(p.computed.size(), kLayers * kLayers) << name;
            EXPECT_EQ(p.tokens, ref.exact_tokens);
            for (std::size_t i = 0; i < kLayers; ++i)
                for (std::size_t j = 0; j < kLayers; ++j)
                    if (p.computed[i * kLayers + j]) {
                        EXPECT_NEAR(*p.matrix[i][j], ref.exact[i][j], 1e-10) << name;
                    }
        }
        if (options.gram_scheme != "rows") {
            EXPECT_GE(d.partials.size(), 3u) << name << ": pairs fill in after the estimate";
        }
        EXPECT_FALSE(d.result.partial()) << name;
        EXPECT_EQ(d.result.tokens, ref.exact_tokens);
        EXPECT_EQ(d.result.excluded_tokens, 1u);
        for (std::size_t i = 0; i < kLayers; ++i)
            for (std::size_t j = 0; j < kLayers; ++j)
                EXPECT_NEAR(*d.result.matrix[i][j], ref.exact[i][j], 1e-10)
                    << name << " exact (" << i << ", " << j << ")";
    }
}

TEST_F(CkaEstimate, NoEstimateWhenItWouldReadHalfTheDumpOrNobodyAsks) {
    an::CkaOptions o;
    o.preview_tokens = kTokens / 2;  // not more than twice as many tokens: straight to exact
    std::size_t estimates = 0;
    o.on_preview = [&](const an::CkaResult&) { ++estimates; };
    const an::CkaResult r = an::cka(*dump_, o, es::no_progress());
    EXPECT_EQ(estimates, 0u);
    EXPECT_NEAR(*r.matrix[0][kLayers - 1], reference().exact[0][kLayers - 1], 1e-10);
    // The CLI's way (no callbacks): the exact matrix only, never marked partial.
    const an::CkaResult plain = an::cka(*dump_, an::CkaOptions{}, es::no_progress());
    EXPECT_FALSE(plain.partial());
    EXPECT_NEAR(*plain.matrix[1][4], reference().exact[1][4], 1e-10);
}
