#pragma once
// Safetensors files (Hugging Face checkpoints) read without Python and without conversion: an
// 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}} with an
// optional "__metadata__", then the raw little-endian data. Everything the header claims is
// validated against the file before any data is trusted; files are opened read-only and never
// changed; data is read with pread in bounded pieces and decoded by the same kernels as HDF5 data
// (io/float_decode.h). Private to core/io (hf_checkpoint.cpp) and the tests. No Qt.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/dump.h"

namespace es::io {

// The format's reference implementation refuses larger headers; so do we, before allocating.
constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

// One tensor as the header describes it, validated.
struct SafetensorsTensor {
    std::string name;
    std::string dtype_text;     // as written: "BF16", "I64", ...
    std::optional<DType> type;  // the float types we decode; nullopt: not read (see notes)
    std::vector<std::size_t> shape;
    std::uint64_t begin = 0, end = 0;  // byte range inside the data section
    std::size_t elements = 1;
};

struct SafetensorsHeader {
    std::uint64_t data_start = 0;            // 8 + the JSON's length: where the data section begins
    std::vector<SafetensorsTensor> tensors;  // in name order
    std::vector<std::pair<std::string, std::string>> metadata;  // "__metadata__", as text
    std::vector<std::string> notes;  // tensors of types that are not read, and why
    const SafetensorsTensor* find(const std::string& name) const;
};

// The header of a file of file_size bytes whose first 8 bytes are `length_bytes` and whose JSON
// is `json` (the length_bytes' count of bytes after them). Throws InputError naming `file` and,
// where one is at fault, the tensor.
std::uint64_t safetensors_header_length(const std::string& file, const unsigned char* length_bytes,
                                        std::uint64_t file_size);
SafetensorsHeader parse_safetensors_header(const std::string& file, std::string_view json,
                                           std::uint64_t file_size);
// Both steps on a whole file held in memory (fuzzing, tests).
SafetensorsHeader parse_safetensors_image(const std::string& file, const unsigned char* data,
                                          std::size_t size);

// A weight seen through one stored tensor without copying it: element (i0, i1, ...) of the
// weight is element offset + sum_k i_k strides[k] of the tensor (row-major). Slices of fused
// projections, per-head splits and transposes are all views.
struct TensorView {
    std::vector<std::size_t> shape, strides;
    std::size_t offset = 0;
    // The view with its two axes swapped (2-D only): rows of the transpose.
    TensorView transposed() const;
    // Largest tensor element the view touches plus one (0 for an empty view).
    std::size_t extent() const;
};

class SafetensorsFile {
public:
    // Opens read-only and validates the header. InputError naming the file (and tensor).
    explicit SafetensorsFile(const std::string& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return path_; }
    const SafetensorsHeader& header() const { return header_; }

    // Rows [begin, end) of the view's first axis of tensor `t` as float32 into out, row-major in
    // the view's shape. Contiguous pieces are gathered in sorted order and read in spans of at
    // most a few MiB, so memory stays bounded whatever the tensor's size. Thread-safe.
    void read_view_rows(const SafetensorsTensor& t, const TensorView& view, std::size_t begin,
                        std::size_t end, float* out) const;

private:
    void read_exact(std::uint64_t offset, std::size_t n, unsigned char* out,
                    const std::string& tensor) const;
    std::string path_;
    int fd_ = -1;
    std::uint64_t opened_size_ = 0;
    SafetensorsHeader header_;
};

}  // namespace es::io
