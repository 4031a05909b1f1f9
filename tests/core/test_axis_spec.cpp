// Custom 3-D axes as typed on the CLI and in the 3D view (analysis::parse_axes).
#include <gtest/gtest.h>

#include "analysis/axis_spec.h"
#include "analysis/common.h"
#include "io/dump.h"
#include "test_support.h"
#include "util/error.h"

namespace an = es::analysis;

TEST(AxisSpec, ParsesAddressesLayersAndSpaces) {
    const std::string path = es::test::fixture("good/tl_batched_f32.h5");
    const es::test::Fingerprint before = es::test::fingerprint(path);
    auto dump = es::Dump::open(path);
    const es::StreamInfo& s = dump->stream("");
    EXPECT_TRUE(an::parse_axes("", *dump, s, 1).empty());
    EXPECT_TRUE(an::parse_axes("   ", *dump, s, 1).empty());
    const auto axes = an::parse_axes(" 0-1 , 1:2-0:3@2,4-5", *dump, s, 1);
    ASSERT_EQ(axes.size(), 3u);
    EXPECT_EQ(axes[0].token_a, 0u);
    EXPECT_EQ(axes[0].token_b, 1u);
    EXPECT_EQ(axes[0].layer, 1u);  // the default layer
    EXPECT_EQ(axes[0].label, "0-1@1");
    EXPECT_EQ(axes[1].token_a, 1 * s.n_positions + 2);
    EXPECT_EQ(axes[1].token_b, 0 * s.n_positions + 3);
    EXPECT_EQ(axes[1].layer, 2u);
    EXPECT_EQ(axes[2].label, "4-5@1");
    EXPECT_TRUE(es::test::fingerprint(path) == before);  // read-only, untouched
}

TEST(AxisSpec, RefusesWhatItCannotMean) {
    auto dump = es::Dump::open(es::test::fixture("good/tl_batched_f32.h5"));
    const es::StreamInfo& s = dump->stream("");
    for (const char* bad : {"0", "0-1-2", "0-", "-1", "a-b", "0-1@", "0-1@x", "0-1@99", "3-3",
                            "0-1,2-3,4-5,6-7", "0-100000", "0-1@-1", "0-1@1@2"}) {
        try {
            an::parse_axes(bad, *dump, s, 0);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const es::InputError& e) {
            EXPECT_FALSE(std::string(e.what()).empty()) << bad;
        }
    }
}
