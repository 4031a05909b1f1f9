#include "io/slab.h"

#include <cstdint>

#include "io/direct_read.h"
#include "io/float_decode.h"
#include "io/gzip_chunks.h"
#include "util/error.h"

namespace es {

bool classify_dtype(const h5::DatasetFacts& facts, DType& out, std::string& why) {
    switch (facts.type_class) {
        case H5T_FLOAT:
            if (facts.type_size == 2)
                out = DType::Float16;
            else if (facts.type_size == 4)
                out = DType::Float32;
            else
                out = DType::Float64;  // 8 bytes or wider; HDF5 converts
            return true;
        case H5T_INTEGER:
            if (facts.type_size == 2 && facts.dtype_attribute == "bfloat16") {
                out = DType::BFloat16;
                return true;
            }
            why = std::string("integer dataset (") + (facts.is_signed ? "int" : "uint") +
                  std::to_string(facts.type_size * 8) + ")";
            if (facts.type_size == 2) why += " without the attribute dtype=\"bfloat16\"";
            return false;
        case H5T_STRING:
            why = "string dataset";
            return false;
        case H5T_COMPOUND:
            why = "compound dataset";
            return false;
        case H5T_ENUM:
            why = "enum/boolean dataset";
            return false;
        default:
            why = "dataset of a non-numeric type";
            return false;
    }
}

namespace {}  // namespace

void read_hyperslab_f32(hid_t dataset, const h5::DatasetFacts& facts, DType dtype,
                        const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                        float* out, int fd) {
    hsize_t n = 1;
    for (hsize_t c : count) n *= c;
    if (n == 0) return;
    if (gzip_chunks::read_hyperslab_f32(dataset, facts, dtype, start, count, out)) return;
    if (direct_read::read_hyperslab_f32(fd, dataset, facts, dtype, start, count, out)) return;
    h5::Id file_space(H5Dget_space(dataset));
    if (!file_space) h5::throw_read_failure();
    if (!facts.shape.empty() && H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(),
                                                    nullptr, count.data(), nullptr) < 0)
        throw InputError("the part of the dataset asked for lies outside it",
                         h5::take_error().stack);
    // Memory space of the selection's own shape: with a flat one, HDF5 1.10.8 took its slow
    // general chunk-to-memory mapping, ~6x slower on (1, 256, D) gzip chunks than h5py reading
    // the same states (measured; docs/PERFORMANCE.md).
    h5::Id mem_space(facts.shape.empty()
                         ? H5Screate_simple(1, &n, nullptr)
                         : H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr));

    herr_t status;
    const bool fast_half = dtype == DType::Float16 && facts.ieee_half && facts.little_endian;
    if (fast_half || dtype == DType::BFloat16) {
        std::uint16_t* raw = raw16_scratch(static_cast<std::size_t>(n));
        // Memory type equal to the file type: HDF5 copies bytes without converting them.
        h5::Id mem_type(dtype == DType::BFloat16 ? H5Tcopy(H5T_NATIVE_UINT16)
                                                 : H5Dget_type(dataset));
        status =
            H5Dread(dataset, mem_type.get(), mem_space.get(), file_space.get(), H5P_DEFAULT, raw);
        if (status >= 0) {
            if (dtype == DType::BFloat16)
                decode_bf16(raw, out, static_cast<std::size_t>(n));
            else
                decode_f16(raw, out, static_cast<std::size_t>(n));
        }
    } else {
        status =
            H5Dread(dataset, H5T_NATIVE_FLOAT, mem_space.get(), file_space.get(), H5P_DEFAULT, out);
    }
    if (status < 0) h5::throw_read_failure();
}

}  // namespace es
