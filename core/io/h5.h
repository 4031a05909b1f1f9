#pragma once
// Thin RAII and error plumbing over the HDF5 C API. HDF5's own error printing is switched off
// once per process; failures are turned into exceptions whose text is the innermost HDF5 message.
#include <hdf5.h>

#include <string>
#include <vector>

namespace es::h5 {

// Switch off HDF5's automatic error printing (idempotent, thread-safe).
void silence_errors();

// The most specific message on the calling thread's HDF5 error stack ("" when empty); clears it.
std::string take_error_message();

// The calling thread's HDF5 error stack, taken (and cleared) at once: its most specific message,
// to choose the words of an error, and the whole stack for the error's detail, one entry a line
// ("H5Fopen() in H5F.c line 620: unable to open file (file accessibility: unable to open file)").
struct Error {
    std::string message;
    std::string stack;
};
Error take_error();

// The thrown error for a failed H5Dread: a sentence saying in the user's terms what is wrong with
// the data (a checksum that does not match, a chunk that does not decompress, a read past the
// end of the file), the stack as its detail.
[[noreturn]] void throw_read_failure();
// The words of that sentence for HDF5's messages (the stack: the filter that failed is named a
// few entries above the most specific one).
std::string read_failure_words(const std::string& messages);

// Owns one HDF5 identifier of any kind and closes it with the matching H5*close.
class Id {
public:
    Id() = default;
    explicit Id(hid_t id) : id_(id) {}
    ~Id() { reset(); }
    Id(const Id&) = delete;
    Id& operator=(const Id&) = delete;
    Id(Id&& other) noexcept : id_(other.id_) { other.id_ = H5I_INVALID_HID; }
    Id& operator=(Id&& other) noexcept;

    hid_t get() const { return id_; }
    bool valid() const { return id_ >= 0; }
    explicit operator bool() const { return valid(); }
    void reset();

private:
    hid_t id_ = H5I_INVALID_HID;
};

// Dataset facts the reader needs, gathered once per dataset.
struct DatasetFacts {
    std::vector<hsize_t> shape;
    std::vector<hsize_t> chunk;                // empty when contiguous/compact
    std::vector<std::string> filters;          // e.g. "deflate(4)", "shuffle"
    std::vector<std::string> missing_filters;  // filters this HDF5 cannot decode, with their ids
    H5T_class_t type_class = H5T_NO_CLASS;
    std::size_t type_size = 0;
    bool is_signed = false;
    bool little_endian = true;
    bool ieee_half = false;       // 16-bit IEEE 754 binary16 layout
    std::string dtype_attribute;  // value of the "dtype" attribute, if any
    H5D_layout_t layout = H5D_LAYOUT_ERROR;
    hsize_t storage_bytes = 0;  // contiguous or compact data as stored; 0 if unwritten or chunked
};

DatasetFacts inspect_dataset(hid_t dataset);

// Attribute helpers: the value as text (strings verbatim, numbers formatted, arrays as [a, b]),
// or nullopt-like empty flag when absent.
bool read_attribute_text(hid_t object, const char* name, std::string& out);
std::vector<std::pair<std::string, std::string>> read_all_attributes_text(hid_t object);

// Read a string dataset (fixed or variable length, any rank) flattened into UTF-8 strings.
std::vector<std::string> read_strings(hid_t dataset);
// Read an integer dataset flattened into int64.
std::vector<long long> read_integers(hid_t dataset);
// Read a numeric dataset (integer or floating point) flattened into float64.
std::vector<double> read_doubles(hid_t dataset);

}  // namespace es::h5
