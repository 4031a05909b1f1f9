#pragma once
// Reads of unfiltered datasets without HDF5's data path. HDF5 copies every selection under its
// global lock (one thread at a time) and, for chunked data, through its chunk cache. Here the
// byte ranges of a hyperslab are located with HDF5 (H5Dget_offset for contiguous storage,
// H5Dget_chunk_info_by_coord per chunk) and read with pread on HDF5's own file descriptor,
// outside that lock, so threads read at once; 16-bit values are decoded by us as before.
// Anything it does not handle exactly (filters, external or virtual storage, compact data,
// unallocated chunks, big-endian or non-IEEE types, float64) returns false: the caller reads
// through HDF5 and gets HDF5's values and errors.
#include <hdf5.h>

#include <cstdint>
#include <vector>

#include "io/dump.h"
#include "io/h5.h"

namespace es::direct_read {

// On by default; EIGENSCOPE_DIRECT_READ=off (read once at start) or set_enabled(false) turns
// it off (tests compare both paths).
void set_enabled(bool on);
bool enabled();

// Reads [start, start+count) of the dataset into out as float32 and returns true, or returns
// false when the path does not apply (out may have been partly written). fd is the descriptor
// HDF5 has open for the dataset's file (-1: not available, returns false). Throws InputError
// (no file/dataset prefix; callers add it) when the file ends before the data.
bool read_hyperslab_f32(int fd, hid_t dataset, const h5::DatasetFacts& facts, DType dtype,
                        const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                        float* out);

// Bytes read by this path since the process started (tests check that it was taken).
std::uint64_t bytes_read();

}  // namespace es::direct_read
