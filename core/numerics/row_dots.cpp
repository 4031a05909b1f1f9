#include "numerics/row_dots.h"

#include "io/float_decode.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ES_X86 1
#endif

namespace es::numerics {

namespace {

RowDots plain(const float* x, const float* p, const float* f, std::size_t d) {
    RowDots r;
    for (std::size_t j = 0; j < d; ++j) {
        const double v = x[j];
        r.xx += v * v;
        if (p) r.xp += v * static_cast<double>(p[j]);
        if (f) r.xf += v * static_cast<double>(f[j]);
    }
    return r;
}

#ifdef ES_X86
__attribute__((target("avx"))) double sum4(__m256d v) {
    alignas(32) double a[4];
    _mm256_store_pd(a, v);
    return (a[0] + a[1]) + (a[2] + a[3]);
}

// Two accumulators per product over 8 floats a step; the tail in plain float64.
__attribute__((target("avx"))) RowDots vectorised(const float* x, const float* p, const float* f,
                                                  std::size_t d) {
    __m256d xx0 = _mm256_setzero_pd(), xx1 = xx0, xp0 = xx0, xp1 = xx0, xf0 = xx0, xf1 = xx0;
    std::size_t j = 0;
    for (; j + 8 <= d; j += 8) {
        const __m256d a0 = _mm256_cvtps_pd(_mm_loadu_ps(x + j));
        const __m256d a1 = _mm256_cvtps_pd(_mm_loadu_ps(x + j + 4));
        xx0 = _mm256_add_pd(xx0, _mm256_mul_pd(a0, a0));
        xx1 = _mm256_add_pd(xx1, _mm256_mul_pd(a1, a1));
        if (p) {
            xp0 = _mm256_add_pd(xp0, _mm256_mul_pd(a0, _mm256_cvtps_pd(_mm_loadu_ps(p + j))));
            xp1 = _mm256_add_pd(xp1, _mm256_mul_pd(a1, _mm256_cvtps_pd(_mm_loadu_ps(p + j + 4))));
        }
        if (f) {
            xf0 = _mm256_add_pd(xf0, _mm256_mul_pd(a0, _mm256_cvtps_pd(_mm_loadu_ps(f + j))));
            xf1 = _mm256_add_pd(xf1, _mm256_mul_pd(a1, _mm256_cvtps_pd(_mm_loadu_ps(f + j + 4))));
        }
    }
    RowDots r = plain(x + j, p ? p + j : nullptr, f ? f + j : nullptr, d - j);
    r.xx += sum4(_mm256_add_pd(xx0, xx1));
    r.xp += sum4(_mm256_add_pd(xp0, xp1));
    r.xf += sum4(_mm256_add_pd(xf0, xf1));
    return r;
}
#endif

}  // namespace

RowDots row_dots(const float* x, const float* p, const float* f, std::size_t d) {
#ifdef ES_X86
    if (have_f16c()) return vectorised(x, p, f, d);  // F16C implies AVX and its OS support
#endif
    return plain(x, p, f, d);
}

}  // namespace es::numerics
