#include "analysis/vector_file.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>

#include "io/h5.h"
#include "util/error.h"

namespace es::analysis {

namespace {

// The value of 'key': in the .npy header dict (a Python literal), as text.
std::string header_value(const std::string& header, const std::string& key) {
    const auto k = header.find("'" + key + "'");
    if (k == std::string::npos) return {};
    auto v = header.find(':', k);
    if (v == std::string::npos) return {};
    ++v;
    while (v < header.size() && header[v] == ' ') ++v;
    const char open = header[v];
    const char close = open == '(' ? ')' : open == '\'' ? '\'' : ',';
    const auto e = header.find(close, v + 1);
    return header.substr(v, e == std::string::npos ? std::string::npos : e - v + 1);
}

std::vector<double> read_npy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path + ": cannot open the vector file for reading");
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
        throw InputError(path + ": not a NumPy .npy file (no \\x93NUMPY magic)");
    const int major = static_cast<unsigned char>(bytes[6]);
    std::size_t hlen = 0, off = 0;
    if (major == 1) {
        hlen = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8;
        off = 10;
    } else {
        if (bytes.size() < 12) throw InputError(path + ": truncated .npy header");
        for (int i = 0; i < 4; ++i)
            hlen |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
        off = 12;
    }
    if (off + hlen > bytes.size()) throw InputError(path + ": truncated .npy header");
    const std::string header = bytes.substr(off, hlen);
    const std::string descr = header_value(header, "descr");
    if (header_value(header, "fortran_order").rfind("True", 0) == 0)
        throw InputError(path +
                         ": Fortran-ordered .npy arrays are not supported; save with C order");
    const bool f8 = descr == "'<f8'", f4 = descr == "'<f4'";
    if (!f8 && !f4)
        throw InputError(path + ": .npy dtype " + descr +
                         " is not supported; save the vector as float32 or float64");
    const std::size_t esize = f8 ? 8 : 4, n = (bytes.size() - off - hlen) / esize;
    std::vector<double> v(n);
    const char* p = bytes.data() + off + hlen;
    for (std::size_t i = 0; i < n; ++i) {
        if (f8) {
            std::memcpy(&v[i], p + 8 * i, 8);
        } else {
            float f;
            std::memcpy(&f, p + 4 * i, 4);
            v[i] = f;
        }
    }
    return v;
}

std::vector<double> read_h5(const std::string& path, const std::string& dataset) {
    h5::silence_errors();
    h5::Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!file) throw InputError(path + ": cannot open as HDF5: " + h5::take_error_message());
    h5::Id ds(H5Dopen2(file.get(), dataset.c_str(), H5P_DEFAULT));
    if (!ds)
        throw InputError(path + ": " + dataset + ": no such dataset (" + h5::take_error_message() +
                         ")");
    const h5::DatasetFacts facts = h5::inspect_dataset(ds.get());
    if (facts.type_class != H5T_FLOAT)
        throw InputError(path + ": " + dataset + ": the direction must be a float dataset");
    std::size_t n = 1;
    for (auto e : facts.shape) n *= e;
    std::vector<double> v(n);
    if (n && H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
        h5::throw_read_failure();
    return v;
}

}  // namespace

std::vector<double> read_vector_file(const std::string& spec) {
    const auto colon = spec.rfind(":/");
    if (colon != std::string::npos) return read_h5(spec.substr(0, colon), spec.substr(colon + 1));
    if (spec.size() > 4 && spec.compare(spec.size() - 4, 4, ".npy") == 0) return read_npy(spec);
    throw InputError(spec + ": a direction vector is a .npy file or FILE.h5:/dataset");
}

}  // namespace es::analysis
