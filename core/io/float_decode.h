#pragma once
// Decoding of 16-bit floats to float32. HDF5 1.10's own float16 conversion is a software loop
// (~17 M values/s, see shared numerics notes); F16C does >1 G values/s per core.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace es {

// IEEE binary16 -> float32, exact (subnormals, infinities and NaNs preserved).
void decode_f16(const std::uint16_t* in, float* out, std::size_t n);
// bfloat16 (upper half of a float32) -> float32, exact.
void decode_bf16(const std::uint16_t* in, float* out, std::size_t n);
// Scalar reference used for the tail and on CPUs without F16C.
float half_to_float(std::uint16_t h);
// True when decode_f16 uses the F16C instructions on this CPU.
bool have_f16c();
// A buffer of at least n raw 16-bit values, one per thread and reused, so streaming reads of
// 16-bit data do not allocate each time (slab.cpp, direct_read.cpp).
std::uint16_t* raw16_scratch(std::size_t n);

}  // namespace es
