// The partial results distributed runs send to rank 0 (cache/part_codec.h): a state's scatter
// split into token blocks, encoded, decoded and merged in token order equals the scatter of all
// its tokens; CKA parts summed equal the whole; the codecs keep every double and refuse bytes of
// another kind. The MPI runs themselves are tests/mpi.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "analysis/cka.h"
#include "analysis/equaliser.h"
#include "cache/part_codec.h"
#include "numerics/pca.h"

namespace es {
namespace {

std::vector<float> random_rows(std::size_t n, std::size_t d, unsigned seed) {
    std::mt19937 gen(seed);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> x(n * d);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < d; ++j) x[i * d + j] = g(gen) * (1.0f + j) + 3.0f * j;
    return x;
}

TEST(DistributedParts, ScatterOfTokenBlocksMergedEqualsTheWhole) {
    const std::size_t n = 700, d = 9;
    const std::vector<float> x = random_rows(n, d, 11);
    for (bool centred : {true, false}) {
        numerics::Scatter whole(d, centred);
        whole.add(x.data(), n);
        numerics::Scatter merged(0, centred);
        const std::size_t edges[] = {0, 233, 234, 700};  // one block of a single token
        for (int b = 0; b < 3; ++b) {
            numerics::Scatter part(d, centred);
            part.add(x.data() + edges[b] * d, edges[b + 1] - edges[b]);
            numerics::Scatter back(0, centred);
            ASSERT_TRUE(cache::decode(cache::encode(part), back));
            if (b == 0)
                merged = std::move(back);
            else
                merged.merge(back);
        }
        ASSERT_EQ(merged.count(), n);
        const std::vector<double> a = whole.matrix(), m = merged.matrix();
        double scale = 0;
        for (double v : a) scale = std::max(scale, std::abs(v));
        for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], m[i], 1e-12 * scale) << i;
        for (std::size_t j = 0; j < d; ++j)
            EXPECT_NEAR(whole.mean()[j], merged.mean()[j], 1e-12 * (1 + std::abs(whole.mean()[j])));
        // The column means are numpy's mean of the float32 rows in float64.
        double mean0 = 0;
        for (std::size_t i = 0; i < n; ++i) mean0 += x[i * d];
        EXPECT_NEAR(merged.mean()[0], mean0 / static_cast<double>(n), 1e-12);
    }
}

TEST(DistributedParts, CodecsKeepEveryDoubleAndRefuseOtherKinds) {
    analysis::CkaPart p;
    p.result.layers = {"a", "b"};
    p.result.method = "gram";
    p.result.tokens = 12;
    p.na = p.n_src = 2;
    p.inner = {1.0 / 3.0, NAN, -0.0, 1e-300};
    p.self = {2.5, 1.0 / 7.0};
    analysis::CkaPart q;
    ASSERT_TRUE(cache::decode(cache::encode(p), q));
    EXPECT_EQ(q.result.layers, p.result.layers);
    EXPECT_EQ(q.result.tokens, 12u);
    // Bit for bit: the part is the rank's numbers, moved, not recomputed.
    EXPECT_EQ(std::memcmp(q.inner.data(), p.inner.data(), 4 * sizeof(double)), 0);
    EXPECT_EQ(q.self, p.self);  // the same bytes, as the line above
    analysis::CkaPart twice = q;
    analysis::cka_merge(twice, q);
    EXPECT_NEAR(twice.self[1], 2.0 / 7.0, 1e-15);
    const analysis::CkaResult r = analysis::cka_finish(p);
    ASSERT_EQ(r.matrix.size(), 2u);
    // <K0, K0> / (|K0| |K0|) with |K0| = sqrt(2.5): (1/3) / 2.5.
    ASSERT_TRUE(r.matrix[0][0].has_value());
    EXPECT_NEAR(*r.matrix[0][0], (1.0 / 3.0) / 2.5, 1e-15);

    analysis::EqualiserBasisFit b;
    b.d = 2;
    b.layers = {"blocks.1.hook_resid_post"};
    b.explained = {0.75, 0.25};
    b.components = {0.6, 0.8, -0.8, 0.6};
    analysis::EqualiserBasisFit c;
    ASSERT_TRUE(cache::decode(cache::encode(b), c));
    // Exact, as above: decoding moves the bytes of the doubles, it computes nothing.
    EXPECT_EQ(c.components, b.components);
    EXPECT_EQ(c.layers, b.layers);

    numerics::Scatter s(0);
    EXPECT_FALSE(cache::decode(cache::encode(b), s));  // a basis is not a scatter
    EXPECT_FALSE(cache::decode(cache::encode(p), c));
    EXPECT_FALSE(cache::decode(std::string("\xff\x00", 2), q));
}

}  // namespace
}  // namespace es
