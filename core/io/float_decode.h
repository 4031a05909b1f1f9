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
// 8-bit floats of safetensors checkpoints -> float32, exact: E4M3FN (bias 7, no infinities,
// S.1111.111 is NaN) and E5M2 (the upper byte of an IEEE binary16).
void decode_f8_e4m3(const std::uint8_t* in, float* out, std::size_t n);
void decode_f8_e5m2(const std::uint8_t* in, float* out, std::size_t n);
// Any stored float type (raw little-endian bytes) -> float32 through the decoders above; float64
// out of float32's range becomes an infinity, as HDF5's conversion gives.
enum class DType;
void decode_to_f32(DType type, const unsigned char* raw, float* out, std::size_t n);
// Scalar reference used for the tail and on CPUs without F16C.
float half_to_float(std::uint16_t h);
// True when decode_f16 uses the F16C instructions on this CPU.
bool have_f16c();
// A buffer of at least n raw 16-bit values, one per thread and reused, so streaming reads of
// 16-bit data do not allocate each time (slab.cpp, direct_read.cpp).
std::uint16_t* raw16_scratch(std::size_t n);

}  // namespace es
