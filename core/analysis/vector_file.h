#pragma once
// One direction vector from a file, for `directions --vector`: a NumPy .npy file (float32 or
// float64, little-endian, C order, shape [d] or [1, d]) or a dataset of an HDF5 file written as
// "FILE.h5:/dataset" (any float type, d values). Files are opened read-only; every failure is an
// InputError naming the file (and dataset).
#include <string>
#include <vector>

namespace es::analysis {

std::vector<double> read_vector_file(const std::string& spec);

}  // namespace es::analysis
