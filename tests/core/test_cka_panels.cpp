// CKA's Gram schemes give one matrix (issue 20): whole Grams held a panel at a time, pairs handed
// out as they complete (exact, marked, the selected layer's first), against blocks of Gram rows
// and the unblocked computation; and the cross-covariance form's pairs as they complete.
#include <gtest/gtest.h>

#include <algorithm>

#include "analysis/cka.h"
#include "io/dump.h"
#include "test_support.h"
#include "util/error.h"

namespace an = es::analysis;

namespace {

void expect_same(const an::CkaResult& r, const an::CkaResult& reference, double tolerance,
                 const std::string& what) {
    ASSERT_EQ(r.matrix.size(), reference.matrix.size()) << what;
    for (std::size_t i = 0; i < r.matrix.size(); ++i) {
        ASSERT_EQ(r.matrix[i].size(), reference.matrix[i].size()) << what;
        for (std::size_t j = 0; j < r.matrix[i].size(); ++j) {
            ASSERT_TRUE(r.matrix[i][j] && reference.matrix[i][j]) << what;
            EXPECT_NEAR(*r.matrix[i][j], *reference.matrix[i][j], tolerance)
                << what << " (" << i << ", " << j << ")";
        }
    }
}

}  // namespace

TEST(CkaPanels, EverySchemeGivesTheUnblockedMatrix) {
    for (const char* f : {"good/analysis_synth.h5", "good/analysis_wide.h5"}) {
        auto dump = es::Dump::open(es::test::fixture(f));
        // The unblocked computation: one block of every Gram row, every layer kept (float64).
        an::CkaOptions whole;
        whole.method = "gram";
        whole.gram_scheme = "rows";
        whole.block_tokens = dump->stream().n_tokens();
        const auto reference = an::cka(*dump, whole, es::no_progress());
        ASSERT_EQ(reference.method, "gram");
        ASSERT_GE(reference.matrix.size(), 4u);
        EXPECT_TRUE(reference.computed.empty());
        for (std::size_t capacity : {1, 2, 3, 100}) {
            an::CkaOptions panels = whole;
            panels.gram_scheme = "panels";
            panels.panel_grams = capacity;
            panels.focus = 2;
            const auto r = an::cka(*dump, panels, es::no_progress());
            expect_same(r, reference, 1e-12,
                        std::string(f) + " panels of " + std::to_string(capacity));
            EXPECT_TRUE(r.computed.empty());
            EXPECT_FALSE(r.partial());
        }
        // float32 Grams keep CKA to ~1e-6 (each Gram entry rounded once, sums in float64).
        an::CkaOptions f32 = whole;
        f32.gram_scheme = "panels";
        f32.panel_grams = 2;
        f32.product_bits = 32;
        expect_same(an::cka(*dump, f32, es::no_progress()), reference, 1e-5,
                    std::string(f) + " float32 panels");
        // By cost and memory, a dump whose Grams all fit takes the panels; with a budget of
        // a byte, no Gram fits and it falls back to the row blocks: the same matrix.
        an::CkaOptions tight = whole;
        tight.gram_scheme.clear();
        tight.block_tokens = 0;
        tight.memory_budget = 1;
        expect_same(an::cka(*dump, tight, es::no_progress()), reference, 1e-12,
                    std::string(f) + " a byte's budget");
    }
    auto dump = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    an::CkaOptions bad;
    bad.gram_scheme = "tiles";
    EXPECT_THROW(an::cka(*dump, bad, es::no_progress()), es::InputError);
}

TEST(CkaPanels, PairsFillInExactMarkedAndTheSelectedLayerFirst) {
    auto dump = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    for (const char* method : {"gram", "cross_covariance"}) {
        an::CkaOptions o;
        o.method = method;
        const auto exact = an::cka(*dump, o, es::no_progress());
        const std::size_t L = exact.matrix.size(), focus = 3;
        ASSERT_GT(L, focus);
        std::vector<an::CkaResult> partials;
        o.gram_scheme = "panels";
        o.panel_grams = 2;  // several panels: layers meet a panel after its own pairs
        o.focus = focus;
        o.on_pairs = [&](const an::CkaResult& p) { partials.push_back(p); };
        const auto r = an::cka(*dump, o, es::no_progress());
        expect_same(r, exact, 1e-12, method);
        ASSERT_GE(partials.size(), 3u) << method;
        std::size_t last_done = 0;
        for (const an::CkaResult& p : partials) {
            ASSERT_EQ(p.computed.size(), L * L);
            EXPECT_TRUE(p.partial());
            EXPECT_EQ(p.pairs_total, L * (L + 1) / 2);
            EXPECT_LT(p.pairs_done, p.pairs_total);
            EXPECT_GT(p.pairs_done, last_done) << method << ": every partial adds pairs";
            last_done = p.pairs_done;
            std::size_t marked = 0;
            for (std::size_t i = 0; i < L; ++i)
                for (std::size_t j = 0; j < L; ++j) {
                    const bool c = p.computed[i * L + j] != 0;
                    EXPECT_EQ(c, p.computed[j * L + i] != 0);
                    EXPECT_EQ(c, p.matrix[i][j].has_value()) << "missing pairs are empty";
                    if (!c) continue;
                    marked += j >= i;
                    // A pair shown is the exact value, not an estimate.
                    EXPECT_NEAR(*p.matrix[i][j], *exact.matrix[i][j], 1e-12) << method;
                }
            EXPECT_EQ(marked, p.pairs_done);
        }
        // The selected layer's pairs come first: in the first partial, every pair shown
        // involves layer 3.
        const an::CkaResult& first = partials.front();
        for (std::size_t i = 0; i < L; ++i)
            for (std::size_t j = 0; j < L; ++j)
                if (first.computed[i * L + j]) {
                    EXPECT_TRUE(i == focus || j == focus) << method;
                }
        EXPECT_TRUE(first.computed[focus * L + focus]) << method;
    }
}

TEST(CkaPanels, TwoDumpsPairEveryLayerOfOneWithEveryLayerOfTheOther) {
    auto a = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    auto b = es::Dump::open(es::test::fixture("good/analysis_synth.h5"));
    an::CkaOptions rows;
    rows.method = "gram";
    rows.gram_scheme = "rows";
    rows.other = b.get();
    const auto reference = an::cka(*a, rows, es::no_progress());
    const std::size_t L = reference.matrix.size();
    // The same file on both sides: the diagonal is 1 and the matrix symmetric.
    for (std::size_t i = 0; i < L; ++i) EXPECT_NEAR(*reference.matrix[i][i], 1.0, 1e-12);
    an::CkaOptions panels = rows;
    panels.gram_scheme = "panels";
    panels.panel_grams = 2;
    std::size_t calls = 0;
    panels.on_pairs = [&](const an::CkaResult& p) {
        ++calls;
        EXPECT_EQ(p.pairs_total, L * L);
        for (std::size_t i = 0; i < L; ++i)
            for (std::size_t j = 0; j < L; ++j)
                if (p.computed[i * L + j]) {
                    EXPECT_NEAR(*p.matrix[i][j], *reference.matrix[i][j], 1e-12);
                }
    };
    expect_same(an::cka(*a, panels, es::no_progress()), reference, 1e-12, "two dumps");
    EXPECT_GE(calls, L);
}
