#pragma once
// Reading one hyperslab of a floating-point dataset as float32, decoding 16-bit types ourselves.
#include <hdf5.h>

#include <vector>

#include "io/dump.h"
#include "io/h5.h"

namespace es {

// The element type of a dataset as Eigenscope reads it, or an explanation why it cannot be.
// Returns false and sets `why` ("integer dataset (int32)", "string dataset") when not floating.
bool classify_dtype(const h5::DatasetFacts& facts, DType& out, std::string& why);

// Reads the hyperslab [start, start+count) (full rank) into out, row-major, as float32.
// Throws InputError with the HDF5 root cause on failure; the caller adds file/dataset context.
// fd: HDF5's descriptor of the file (Dump::Impl::fd), for io/direct_read.h; -1 reads through
// HDF5 only.
void read_hyperslab_f32(hid_t dataset, const h5::DatasetFacts& facts, DType dtype,
                        const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                        float* out, int fd = -1);

}  // namespace es
