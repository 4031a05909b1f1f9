#pragma once
// Fast path for gzip-compressed chunked datasets: HDF5's own filter pipeline inflates chunks on
// the calling thread only (~0.25 GB/s, shared numerics notes). Here the raw chunks a hyperslab
// touches are fetched with H5Dread_chunk (serialised, as every HDF5 call is) and inflated,
// unshuffled and decoded to float32 on both cores. Anything it does not handle exactly falls
// back to H5Dread, so results and errors stay those of the ordinary path.
#include <hdf5.h>

#include <cstdint>
#include <vector>

#include "io/dump.h"
#include "io/h5.h"

namespace es::gzip_chunks {

// Auto: used when a read covers enough of the chunks it touches to pay for inflating them whole
// (small partial reads keep HDF5's decoded-chunk cache). Off: never. Force: whenever eligible
// (tests). The initial mode comes from EIGENSCOPE_GZIP_FAST=auto|off|force, read once.
enum class Mode { Auto, Off, Force };
void set_mode(Mode m);
Mode mode();

// Whether the dataset's storage is something this path decodes: chunked, pipeline exactly
// [shuffle,] deflate, little-endian float16/bfloat16/float32/float64. fletcher32 is not
// verified here, so such datasets go through HDF5.
bool eligible(const h5::DatasetFacts& facts, DType dtype);

// Reads [start, start+count) into out as float32 and returns true, or returns false without
// a usable result when the fast path does not apply (the caller then uses H5Dread; out may have
// been partly written). Throws InputError (no file/dataset prefix; callers add it) when a chunk's
// deflate stream is corrupt.
bool read_hyperslab_f32(hid_t dataset, const h5::DatasetFacts& facts, DType dtype,
                        const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                        float* out);

// Chunks decoded by this path since the process started (tests check that it was taken).
std::uint64_t chunks_decoded();

}  // namespace es::gzip_chunks
