// Principal angles between named subspaces (weights, head circuits, stream states) against
// scipy.linalg.subspace_angles, the SPEC parser's error table, and accuracy at tiny angles.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/subspace_angles.h"
#include "analysis/subspace_spec.h"
#include "io/dump.h"
#include "numerics/principal_angles.h"
#include "util/error.h"
#include "weights_reference.h"

using namespace es;

TEST(SubspaceAngles, MatchScipy) {
    auto dump = Dump::open(test::fixture("good/weights_synth.h5"));
    for (const auto& c : test::weights_reference()["angles"]) {
        const auto r = analysis::subspace_angles(*dump, c["a"], c["b"], no_progress());
        const auto& w = c["angles_deg"];
        ASSERT_EQ(r.angles_deg.size(), w.size()) << c["a"];
        for (std::size_t i = 0; i < w.size(); ++i)
            EXPECT_NEAR(r.angles_deg[i], w[i].get<double>(), 1e-3) << c["a"] << " vs " << c["b"];
        EXPECT_NEAR(r.overlap, c["overlap"].get<double>(), 1e-6);
    }
}

TEST(SubspaceAngles, SelfIsZeroAndOrthogonalIsNinety) {
    auto dump = Dump::open(test::fixture("good/weights_synth.h5"));
    const auto self = analysis::subspace_angles(*dump, "blocks.0.attn.OV[1]:right:0-4",
                                                "blocks.0.attn.OV[1]:right:0-4", no_progress());
    for (double a : self.angles_deg) EXPECT_LT(a, 1e-6);
    EXPECT_NEAR(self.overlap, 1.0, 1e-12);
    const auto orth = analysis::subspace_angles(*dump, "embed.W_E:right:0-4",
                                                "embed.W_E:right:4-10", no_progress());
    for (double a : orth.angles_deg) EXPECT_NEAR(a, 90.0, 1e-6);
    EXPECT_NEAR(orth.overlap, 0.0, 1e-12);
}

TEST(SubspaceAngles, TinyAnglesKeepRelativeAccuracy) {
    // span(e0, e1) vs span(e0, e1 + t e2): one angle of atan(t)
    for (double t : {1e-3, 1e-6, 1e-9}) {
        Eigen::MatrixXd a = Eigen::MatrixXd::Zero(5, 2), b = Eigen::MatrixXd::Zero(5, 2);
        a(0, 0) = a(1, 1) = 1;
        b(0, 0) = b(1, 1) = 1;
        b(2, 1) = t;
        const auto ang = numerics::subspace_angles_deg(a, b);
        EXPECT_NEAR(ang[1], std::atan(t) * 180 / M_PI, 1e-6 * std::atan(t) * 180 / M_PI) << t;
        EXPECT_LT(ang[0], 1e-12);
    }
}

TEST(SubspaceAngles, DimensionMismatchNamesBoth) {
    auto dump = Dump::open(test::fixture("good/weights_synth.h5"));
    try {
        analysis::subspace_angles(*dump, "embed.W_E:left:0-2", "unembed.W_U:left:0-2",
                                  no_progress());
        FAIL();
    } catch (const InputError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("40"), std::string::npos) << m;
        EXPECT_NE(m.find("24"), std::string::npos) << m;
    }
    // ranges beyond the available directions, unknown names
    for (const char* bad : {"embed.W_E:right:0-25", "blocks.0.attn.QK[0]:left:0-7",
                            "blocks.0.attn.QK[9]:left:0-1", "blocks.5.attn.OV[0]:left:0-1",
                            "nope.W_X:left:0-1", "mlp_out[0]:right:0-1", "resid[3]:right:0-1"})
        EXPECT_THROW(analysis::subspace_angles(*dump, bad, "embed.W_E:right:0-2", no_progress()),
                     InputError)
            << bad;
}

TEST(SubspaceSpec, ParsesTheThreeKinds) {
    auto s = analysis::parse_subspace_spec("embed.W_E:left:0-8");
    EXPECT_EQ(s.source.kind, analysis::SubspaceSource::Kind::Weight);
    EXPECT_EQ(s.source.name, "embed.W_E");
    EXPECT_TRUE(s.left);
    EXPECT_EQ(s.begin, 0u);
    EXPECT_EQ(s.end, 8u);
    s = analysis::parse_subspace_spec("blocks.12.attn.OV[3]:right:2-5");
    EXPECT_EQ(s.source.kind, analysis::SubspaceSource::Kind::Circuit);
    EXPECT_EQ(s.source.layer, 12u);
    EXPECT_EQ(s.source.head, 3u);
    EXPECT_FALSE(s.source.qk);
    EXPECT_FALSE(s.left);
    s = analysis::parse_subspace_spec("attn_out[2]:right:0-1");
    EXPECT_EQ(s.source.kind, analysis::SubspaceSource::Kind::Stream);
    EXPECT_EQ(s.source.name, "attn_out");
    EXPECT_EQ(s.source.state, 2u);
    EXPECT_EQ(analysis::parse_subspace_spec("attn.q[0]:left:1-2").source.name, "attn.q");
}

TEST(SubspaceSpec, RejectsMalformedInput) {
    const char* cases[] = {
        "",                              // empty
        "embed.W_E",                     // no side/range
        "embed.W_E:left",                // no range
        "embed.W_E:left:0-8:extra",      // three colons
        ":left:0-8",                     // empty source
        "embed.W_E:up:0-8",              // bad side
        "embed.W_E:LEFT:0-8",            // case matters
        "embed.W_E::0-8",                // empty side
        "embed.W_E:left:",               // empty range
        "embed.W_E:left:8",              // no dash
        "embed.W_E:left:5-5",            // empty range
        "embed.W_E:left:6-2",            // reversed
        "embed.W_E:left:-3",             // missing start
        "embed.W_E:left:0-",             // missing end
        "embed.W_E:left:a-b",            // not numbers
        "embed.W_E:left:0-+4",           // sign
        "embed.W_E:left:0-99999999999",  // overflow
        "embed.W_E:left: 0-4",           // space
        "embed.W_E :left:0-4",           // space in source
        "blocks.1.attn.QK[x]:left:0-1",  // bad head
        "blocks.1.attn.QK[]:left:0-1",   // empty head
        "blocks.1.attn.XY[0]:left:0-1",  // unknown circuit
        "blocks.1.attn.QK[0:left:0-1",   // unclosed
        "resid[:left:0-1",               // unclosed
        "resid[4]]:left:0-1",            // extra bracket
        "resid[-1]:left:0-1",            // negative
        "[4]:left:0-1",                  // no stream name
        "embed..W_E:left:0-1",           // empty name part
        ".W_E:left:0-1",                 // leading dot
        "embed.W_E.:left:0-1",           // trailing dot
        "embed/W_E:left:0-1",            // slash
        "emb\xc3\xa9:left:0-1",          // non-ASCII
        "embed.W_E\n:left:0-1",          // control character
    };
    for (const char* c : cases)
        EXPECT_THROW(analysis::parse_subspace_spec(c), InputError) << "'" << c << "'";
    try {
        analysis::parse_subspace_spec("embed.W_E:up:0-8");
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("'left' or 'right'"), std::string::npos);
    }
}
