#include "io/float_decode.h"

#include <array>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

#include "io/dump.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define ES_X86 1
#endif

namespace es {

float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    std::uint32_t exponent = (h >> 10) & 0x1fu;
    std::uint32_t mantissa = h & 0x3ffu;
    std::uint32_t bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            int e = -1;
            do {
                ++e;
                mantissa <<= 1;
            } while ((mantissa & 0x400u) == 0);
            bits = sign | (static_cast<std::uint32_t>(127 - 15 - e) << 23) |
                   ((mantissa & 0x3ffu) << 13);
        }
    } else if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

#ifdef ES_X86
__attribute__((target("avx,f16c"))) static void decode_f16_f16c(const std::uint16_t* in, float* out,
                                                                std::size_t n) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
        __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i + 8));
        _mm256_storeu_ps(out + i, _mm256_cvtph_ps(a));
        _mm256_storeu_ps(out + i + 8, _mm256_cvtph_ps(b));
    }
    for (; i < n; ++i) out[i] = half_to_float(in[i]);
}
#endif

bool have_f16c() {
#ifdef ES_X86
    // CPUID rather than __builtin_cpu_supports("f16c"), which clang 14 (the fuzz build) lacks.
    static const bool available = [] {
        unsigned a = 0, b = 0, c = 0, d = 0;
        if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
        const unsigned osxsave = 1u << 27, avx = 1u << 28, f16c = 1u << 29;
        if ((c & (osxsave | avx | f16c)) != (osxsave | avx | f16c)) return false;
        unsigned lo = 0, hi = 0;  // XCR0: the OS saves the SSE and AVX registers (bits 1, 2)
        __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        return (lo & 6u) == 6u;
    }();
    return available;
#else
    return false;
#endif
}

void decode_f16(const std::uint16_t* in, float* out, std::size_t n) {
#ifdef ES_X86
    if (have_f16c()) {
        decode_f16_f16c(in, out, n);
        return;
    }
#endif
    for (std::size_t i = 0; i < n; ++i) out[i] = half_to_float(in[i]);
}

void decode_bf16(const std::uint16_t* in, float* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        std::uint32_t bits = static_cast<std::uint32_t>(in[i]) << 16;
        std::memcpy(out + i, &bits, sizeof(float));
    }
}

namespace {

std::array<float, 256> e4m3_table() {
    std::array<float, 256> t{};
    for (unsigned b = 0; b < 256; ++b) {
        const unsigned exponent = (b >> 3) & 0xfu, mantissa = b & 0x7u;
        float v;
        if (exponent == 0xf && mantissa == 0x7)
            v = std::numeric_limits<float>::quiet_NaN();
        else if (exponent == 0)
            v = std::ldexp(static_cast<float>(mantissa) / 8.0f, -6);
        else
            v = std::ldexp(1.0f + static_cast<float>(mantissa) / 8.0f,
                           static_cast<int>(exponent) - 7);
        t[b] = (b & 0x80u) ? -v : v;
    }
    return t;
}

}  // namespace

void decode_f8_e4m3(const std::uint8_t* in, float* out, std::size_t n) {
    static const std::array<float, 256> table = e4m3_table();
    for (std::size_t i = 0; i < n; ++i) out[i] = table[in[i]];
}

void decode_f8_e5m2(const std::uint8_t* in, float* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        out[i] = half_to_float(static_cast<std::uint16_t>(in[i] << 8));
}

void decode_to_f32(DType type, const unsigned char* raw, float* out, std::size_t n) {
    switch (type) {
        case DType::Float16:
        case DType::BFloat16: {
            // Read buffers keep elements at their natural alignment; anything else is copied.
            const std::uint16_t* aligned = reinterpret_cast<const std::uint16_t*>(raw);
            if (reinterpret_cast<std::uintptr_t>(raw) % alignof(std::uint16_t) != 0) {
                std::uint16_t* copy = raw16_scratch(n);
                std::memcpy(copy, raw, n * 2);
                aligned = copy;
            }
            if (type == DType::Float16)
                decode_f16(aligned, out, n);
            else
                decode_bf16(aligned, out, n);
            return;
        }
        case DType::Float32:
            std::memcpy(out, raw, n * sizeof(float));
            return;
        case DType::Float64:
            for (std::size_t i = 0; i < n; ++i) {
                double v;
                std::memcpy(&v, raw + i * sizeof v, sizeof v);
                out[i] = v > static_cast<double>(FLT_MAX) ? std::numeric_limits<float>::infinity()
                         : v < -static_cast<double>(FLT_MAX)
                             ? -std::numeric_limits<float>::infinity()
                             : static_cast<float>(v);
            }
            return;
        case DType::Float8E4M3:
            decode_f8_e4m3(raw, out, n);
            return;
        case DType::Float8E5M2:
            decode_f8_e5m2(raw, out, n);
            return;
    }
}

std::uint16_t* raw16_scratch(std::size_t n) {
    thread_local std::vector<std::uint16_t> buffer;
    if (buffer.size() < n) buffer.resize(n);
    return buffer.data();
}

}  // namespace es
