#pragma once
// The trajectory kernel: a row's squared norm and its dot products with two other rows, in
// float64, vectorised with AVX where the CPU has it (four float64 lanes per product, summed at
// the end), plain loops otherwise. No Qt.
#include <cstddef>

namespace es::numerics {

struct RowDots {
    double xx = 0, xp = 0, xf = 0;  // x.x, x.p, x.f
};

// p and f may be null (then xp and xf stay 0). xx is not finite exactly when some x_j is not
// finite: the square of any finite float fits a double, so does the sum of 2^200 of them.
RowDots row_dots(const float* x, const float* p, const float* f, std::size_t d);

}  // namespace es::numerics
