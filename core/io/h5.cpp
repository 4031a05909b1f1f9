#include "io/h5.h"

#include <cstring>
#include <mutex>
#include <sstream>

#include "util/error.h"

namespace es::h5 {

void silence_errors() {
    static std::once_flag once;
    std::call_once(once, [] {
        H5open();
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    });
    // The error-printing switch is per thread in thread-safe builds: set it for this thread too.
    thread_local bool done_here = false;
    if (!done_here) {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        done_here = true;
    }
}

namespace {
herr_t collect_error(unsigned, const H5E_error2_t* err, void* data) {
    auto* messages = static_cast<std::vector<std::string>*>(data);
    if (err->desc && *err->desc) messages->emplace_back(err->desc);
    return 0;
}
}  // namespace

namespace {

// Downward walk: the API call first, the root cause last. The root cause is the most useful
// ("truncated file: eof = ..."), but generic ones ("unable to ...") say less than the one above.
std::string most_specific(const std::vector<std::string>& messages) {
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
        if (it->rfind("unable to", 0) != 0 && it->rfind("can't", 0) != 0) return *it;
    }
    return messages.empty() ? std::string() : messages.back();
}

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// One line per entry of the stack, as HDF5's own printer gives them, minus the thread and
// version banner.
herr_t collect_entry(unsigned n, const H5E_error2_t* err, void* data) {
    auto* lines = static_cast<std::vector<std::string>*>(data);
    std::string line = "#" + std::to_string(n) + " ";
    line += std::string(err->func_name ? err->func_name : "?") + "() in " +
            (err->file_name ? err->file_name : "?") + " line " + std::to_string(err->line) + ": " +
            (err->desc ? err->desc : "");
    char major[128] = "", minor[128] = "";
    H5Eget_msg(err->maj_num, nullptr, major, sizeof major);
    H5Eget_msg(err->min_num, nullptr, minor, sizeof minor);
    if (*major || *minor) line += " (" + lower(major) + ": " + lower(minor) + ")";
    lines->push_back(line);
    return 0;
}

}  // namespace

Error take_error() {
    std::vector<std::string> messages, lines;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &messages);
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_entry, &lines);
    H5Eclear2(H5E_DEFAULT);
    Error e;
    e.message = most_specific(messages);
    for (const std::string& l : lines) e.stack += (e.stack.empty() ? "" : "\n") + l;
    if (e.stack.empty()) e.stack = e.message;
    return e;
}

std::string take_error_message() {
    return take_error().message;
}

std::string read_failure_words(const std::string& message) {
    const std::string m = lower(message);
    const auto has = [&m](const char* what) { return m.find(what) != std::string::npos; };
    if (has("fletcher32") || has("checksum"))
        return "the stored data is damaged: its checksum (fletcher32) does not match what was "
               "written; restore the file from a good copy";
    if (has("addr overflow") || has("eof") || has("truncat"))
        return "the data lies past the end of the file: the file is truncated; was it copied "
               "completely?";
    if (has("inflate") || has("deflate") || has("filter"))
        return "a compressed block of the data cannot be decompressed: the file is damaged; "
               "restore it from a good copy";
    return "the data cannot be read: the file is damaged, or was changed while open";
}

void throw_read_failure() {
    Error e = take_error();
    // The words from every entry. HDF5 leaves some failures off the stack (a corrupt deflate
    // chunk read through H5Dread, here): then the detail says so.
    throw InputError(
        read_failure_words(e.stack),
        e.stack.empty() ? "H5Dread failed and left no message on HDF5's error stack" : e.stack);
}

Id& Id::operator=(Id&& other) noexcept {
    if (this != &other) {
        reset();
        id_ = other.id_;
        other.id_ = H5I_INVALID_HID;
    }
    return *this;
}

void Id::reset() {
    if (id_ < 0) return;
    switch (H5Iget_type(id_)) {
        case H5I_FILE:
            H5Fclose(id_);
            break;
        case H5I_GROUP:
            H5Gclose(id_);
            break;
        case H5I_DATASET:
            H5Dclose(id_);
            break;
        case H5I_DATASPACE:
            H5Sclose(id_);
            break;
        case H5I_DATATYPE:
            H5Tclose(id_);
            break;
        case H5I_ATTR:
            H5Aclose(id_);
            break;
        case H5I_GENPROP_LST:
            H5Pclose(id_);
            break;
        default:
            H5Idec_ref(id_);
            break;
    }
    id_ = H5I_INVALID_HID;
}

namespace {
std::string filter_name(H5Z_filter_t id, const char* given) {
    switch (id) {
        case H5Z_FILTER_DEFLATE:
            return "deflate";
        case H5Z_FILTER_SHUFFLE:
            return "shuffle";
        case H5Z_FILTER_FLETCHER32:
            return "fletcher32";
        case H5Z_FILTER_SZIP:
            return "szip";
        case H5Z_FILTER_NBIT:
            return "nbit";
        case H5Z_FILTER_SCALEOFFSET:
            return "scaleoffset";
        case 32000:
            return "lzf";
        case 32001:
            return "blosc";
        case 32004:
            return "lz4";
        case 32008:
            return "bitshuffle";
        case 32015:
            return "zstd";
        default:
            break;
    }
    if (given && *given) return given;
    return "filter";
}
}  // namespace

DatasetFacts inspect_dataset(hid_t dataset) {
    DatasetFacts facts;
    Id space(H5Dget_space(dataset));
    int rank = space ? H5Sget_simple_extent_ndims(space.get()) : -1;
    if (rank > 0) {
        facts.shape.resize(static_cast<std::size_t>(rank));
        H5Sget_simple_extent_dims(space.get(), facts.shape.data(), nullptr);
    }
    Id type(H5Dget_type(dataset));
    if (type) {
        facts.type_class = H5Tget_class(type.get());
        facts.type_size = H5Tget_size(type.get());
        if (facts.type_class == H5T_INTEGER) facts.is_signed = H5Tget_sign(type.get()) == H5T_SGN_2;
        if (facts.type_class == H5T_INTEGER || facts.type_class == H5T_FLOAT)
            facts.little_endian = H5Tget_order(type.get()) == H5T_ORDER_LE;
        if (facts.type_class == H5T_FLOAT && facts.type_size == 2) {
            std::size_t spos = 0, epos = 0, esize = 0, mpos = 0, msize = 0;
            H5Tget_fields(type.get(), &spos, &epos, &esize, &mpos, &msize);
            facts.ieee_half = spos == 15 && epos == 10 && esize == 5 && mpos == 0 && msize == 10 &&
                              H5Tget_ebias(type.get()) == 15;
        }
    }
    Id dcpl(H5Dget_create_plist(dataset));
    if (dcpl) {
        facts.layout = H5Pget_layout(dcpl.get());
        // Not for chunked data: that would walk the chunk index of every dataset at open.
        if (facts.layout == H5D_CONTIGUOUS || facts.layout == H5D_COMPACT)
            facts.storage_bytes = H5Dget_storage_size(dataset);
        if (facts.layout == H5D_CHUNKED && rank > 0) {
            facts.chunk.resize(static_cast<std::size_t>(rank));
            H5Pget_chunk(dcpl.get(), rank, facts.chunk.data());
        }
        int nfilters = H5Pget_nfilters(dcpl.get());
        for (int i = 0; i < nfilters; ++i) {
            unsigned flags = 0;
            std::size_t nelem = 8;
            unsigned values[8] = {0};
            char name[128] = {0};
            unsigned config = 0;
            H5Z_filter_t id = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &nelem,
                                             values, sizeof(name), name, &config);
            std::string text = filter_name(id, name);
            if (id == H5Z_FILTER_DEFLATE && nelem > 0)
                text += "(" + std::to_string(values[0]) + ")";
            facts.filters.push_back(text);
            if (H5Zfilter_avail(id) <= 0) {
                facts.missing_filters.push_back(filter_name(id, name) + " (filter id " +
                                                std::to_string(id) + ")");
            } else {
                unsigned info = 0;
                if (H5Zget_filter_info(id, &info) >= 0 &&
                    !(info & H5Z_FILTER_CONFIG_DECODE_ENABLED))
                    facts.missing_filters.push_back(filter_name(id, name) + " decoder (filter id " +
                                                    std::to_string(id) + ")");
            }
        }
    }
    read_attribute_text(dataset, "dtype", facts.dtype_attribute);
    H5Eclear2(H5E_DEFAULT);
    return facts;
}

namespace {

std::string format_number(double v) {
    std::ostringstream os;
    os.precision(10);
    os << v;
    return os.str();
}

std::string attribute_text(hid_t attr) {
    Id type(H5Aget_type(attr));
    Id space(H5Aget_space(attr));
    hssize_t n = H5Sget_simple_extent_npoints(space.get());
    if (n < 0) return {};
    // Attributes are a few numbers or words of metadata; a damaged one may declare any size.
    constexpr hssize_t kMaxValues = hssize_t{1} << 16;
    const std::size_t value_size = H5Tget_size(type.get());
    if (n > kMaxValues || value_size > (std::size_t{1} << 20))
        return "<" + std::to_string(n) + " values of " + std::to_string(value_size) +
               " bytes: not read>";
    H5T_class_t cls = H5Tget_class(type.get());
    std::vector<std::string> items;
    if (cls == H5T_STRING) {
        if (H5Tis_variable_str(type.get()) > 0) {
            Id mem(H5Tcopy(H5T_C_S1));
            H5Tset_size(mem.get(), H5T_VARIABLE);
            H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
            std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
            if (H5Aread(attr, mem.get(), ptrs.data()) >= 0) {
                for (char* p : ptrs) items.emplace_back(p ? p : "");
                H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
            }
        } else {
            std::size_t size = H5Tget_size(type.get());
            std::vector<char> buf(size * static_cast<std::size_t>(n) + 1, 0);
            if (H5Aread(attr, type.get(), buf.data()) >= 0) {
                for (hssize_t i = 0; i < n; ++i) {
                    const char* s = buf.data() + static_cast<std::size_t>(i) * size;
                    items.emplace_back(s, strnlen(s, size));
                }
            }
        }
    } else if (cls == H5T_INTEGER || cls == H5T_FLOAT || cls == H5T_ENUM) {
        // h5py stores bool as an enum over int8: FALSE=0, TRUE=1.
        std::vector<double> values(static_cast<std::size_t>(n));
        hid_t mem = H5T_NATIVE_DOUBLE;
        Id base;
        if (cls == H5T_ENUM) {
            std::vector<long long> ints(static_cast<std::size_t>(n));
            if (H5Aread(attr, H5T_NATIVE_LLONG, ints.data()) < 0) return {};
            for (auto v : ints) items.push_back(v ? "true" : "false");
            std::string out = items.size() == 1 ? items[0] : "";
            if (items.size() != 1) {
                out = "[";
                for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
                out += "]";
            }
            return out;
        }
        if (cls == H5T_INTEGER) {
            std::vector<long long> ints(static_cast<std::size_t>(n));
            if (H5Aread(attr, H5T_NATIVE_LLONG, ints.data()) < 0) return {};
            for (auto v : ints) items.push_back(std::to_string(v));
        } else {
            if (H5Aread(attr, mem, values.data()) < 0) return {};
            for (double v : values) items.push_back(format_number(v));
        }
    } else {
        return "<unsupported attribute type>";
    }
    if (items.size() == 1 && H5Sget_simple_extent_type(space.get()) == H5S_SCALAR) return items[0];
    if (items.size() == 1 && cls == H5T_STRING) return items[0];
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
    return out + "]";
}

herr_t collect_attribute(hid_t object, const char* name, const H5A_info_t*, void* data) {
    auto* out = static_cast<std::vector<std::pair<std::string, std::string>>*>(data);
    Id attr(H5Aopen(object, name, H5P_DEFAULT));
    if (attr) out->emplace_back(name, attribute_text(attr.get()));
    return 0;
}

}  // namespace

bool read_attribute_text(hid_t object, const char* name, std::string& out) {
    if (H5Aexists(object, name) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return false;
    }
    Id attr(H5Aopen(object, name, H5P_DEFAULT));
    if (!attr) return false;
    out = attribute_text(attr.get());
    return true;
}

std::vector<std::pair<std::string, std::string>> read_all_attributes_text(hid_t object) {
    std::vector<std::pair<std::string, std::string>> out;
    hsize_t idx = 0;
    H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_attribute, &out);
    H5Eclear2(H5E_DEFAULT);
    return out;
}

namespace {
// Token, prompt and vocabulary tables: a declared size far beyond any of them is a damaged or
// hostile file (the fuzzer found one declaring ~200 M strings with almost no storage, on which
// HDF5's conversion asks for gigabytes). Refused before anything is allocated.
constexpr hssize_t kMaxTableEntries = hssize_t{1} << 24;
constexpr std::size_t kMaxTableBytes = std::size_t{1} << 30;  // fixed-length strings

void check_table_size(hssize_t n, const char* what) {
    if (n > kMaxTableEntries)
        throw InputError("declares " + std::to_string(n) + " " + what + "; more than " +
                         std::to_string(kMaxTableEntries) +
                         " is not a token, prompt or vocabulary table");
}
}  // namespace

std::vector<std::string> read_strings(hid_t dataset) {
    Id type(H5Dget_type(dataset));
    Id space(H5Dget_space(dataset));
    hssize_t n = H5Sget_simple_extent_npoints(space.get());
    std::vector<std::string> out;
    if (n <= 0) return out;
    check_table_size(n, "strings");
    out.reserve(static_cast<std::size_t>(n));
    if (H5Tis_variable_str(type.get()) > 0) {
        Id mem(H5Tcopy(H5T_C_S1));
        H5Tset_size(mem.get(), H5T_VARIABLE);
        H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
        std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
        if (H5Dread(dataset, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
            throw_read_failure();
        for (char* p : ptrs) out.emplace_back(p ? p : "");
        H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
    } else {
        std::size_t size = H5Tget_size(type.get());
        if (static_cast<double>(size) * static_cast<double>(n) > double(kMaxTableBytes))
            throw InputError("declares " + std::to_string(n) + " strings of " +
                             std::to_string(size) + " bytes; more than " +
                             std::to_string(kMaxTableBytes >> 20) +
                             " MiB is not a token, prompt or vocabulary table");
        std::vector<char> buf(size * static_cast<std::size_t>(n), 0);
        if (H5Dread(dataset, type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
            throw_read_failure();
        for (hssize_t i = 0; i < n; ++i) {
            const char* s = buf.data() + static_cast<std::size_t>(i) * size;
            out.emplace_back(s, strnlen(s, size));
        }
    }
    return out;
}

std::vector<long long> read_integers(hid_t dataset) {
    Id space(H5Dget_space(dataset));
    hssize_t n = H5Sget_simple_extent_npoints(space.get());
    check_table_size(n, "integers");
    std::vector<long long> out(n > 0 ? static_cast<std::size_t>(n) : 0);
    if (n > 0 && H5Dread(dataset, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
        throw_read_failure();
    return out;
}

std::vector<double> read_doubles(hid_t dataset) {
    Id space(H5Dget_space(dataset));
    hssize_t n = H5Sget_simple_extent_npoints(space.get());
    check_table_size(n, "numbers");
    std::vector<double> out(n > 0 ? static_cast<std::size_t>(n) : 0);
    if (n > 0 && H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
        throw_read_failure();
    return out;
}

}  // namespace es::h5
