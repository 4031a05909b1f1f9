#include "io/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "io/float_decode.h"
#include "numerics/memory_budget.h"
#include "util/error.h"
#include "util/supervise.h"

namespace es::io {

namespace {

// Element sizes of every dtype the format defines; the float ones we read carry a DType.
struct DTypeInfo {
    const char* text;
    std::size_t size;
    std::optional<DType> type;
};
constexpr DTypeInfo kDTypes[] = {
    {"F64", 8, DType::Float64},        {"F32", 4, DType::Float32},
    {"F16", 2, DType::Float16},        {"BF16", 2, DType::BFloat16},
    {"F8_E4M3", 1, DType::Float8E4M3}, {"F8_E5M2", 1, DType::Float8E5M2},
    {"I64", 8, std::nullopt},          {"U64", 8, std::nullopt},
    {"I32", 4, std::nullopt},          {"U32", 4, std::nullopt},
    {"I16", 2, std::nullopt},          {"U16", 2, std::nullopt},
    {"I8", 1, std::nullopt},           {"U8", 1, std::nullopt},
    {"BOOL", 1, std::nullopt},
};

const DTypeInfo* find_dtype(const std::string& text) {
    for (const DTypeInfo& d : kDTypes)
        if (text == d.text) return &d;
    return nullptr;
}

[[noreturn]] void bad(const std::string& file, const std::string& tensor, const std::string& what,
                      const std::string& detail = {}) {
    throw InputError(file + ": " + (tensor.empty() ? "" : tensor + ": ") + what, detail);
}

std::string shape_text(const std::vector<std::size_t>& shape) {
    return shape_to_string(shape);
}

SafetensorsTensor parse_tensor(const std::string& file, const std::string& name,
                               const nlohmann::json& entry, std::uint64_t data_size,
                               std::vector<std::string>& notes) {
    const std::string why = "damaged safetensors header: ";
    if (!entry.is_object())
        bad(file, name, why + "the entry is not an object {dtype, shape, data_offsets}");
    const auto dtype = entry.find("dtype");
    const auto shape = entry.find("shape");
    const auto offsets = entry.find("data_offsets");
    if (dtype == entry.end() || !dtype->is_string() || shape == entry.end() || !shape->is_array() ||
        offsets == entry.end() || !offsets->is_array())
        bad(file, name, why + "the entry lacks a string dtype, a shape array or data_offsets");
    SafetensorsTensor t;
    t.name = name;
    t.dtype_text = dtype->get<std::string>();
    for (const auto& d : *shape) {
        if (!d.is_number_unsigned())
            bad(file, name, why + "shape " + shape->dump() + " is not a list of sizes");
        t.shape.push_back(d.get<std::size_t>());
        if (__builtin_mul_overflow(t.elements, t.shape.back(), &t.elements))
            bad(file, name, why + "shape " + shape->dump() + " has more elements than can exist");
    }
    if (offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
        !(*offsets)[1].is_number_unsigned())
        bad(file, name, why + "data_offsets " + offsets->dump() + " is not [begin, end]");
    t.begin = (*offsets)[0].get<std::uint64_t>();
    t.end = (*offsets)[1].get<std::uint64_t>();
    if (t.begin > t.end)
        bad(file, name,
            why + "data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                "] end before they begin");
    if (t.end > data_size)
        bad(file, name,
            "data [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                ") lies past the end of the data section (" + std::to_string(data_size) +
                " bytes): the file is truncated or its header is damaged; was it copied "
                "completely?");
    if (const DTypeInfo* d = find_dtype(t.dtype_text)) {
        std::size_t bytes = 0;
        if (__builtin_mul_overflow(t.elements, d->size, &bytes) || bytes != t.end - t.begin)
            bad(file, name,
                why + "shape " + shape_text(t.shape) + " of " + t.dtype_text + " needs " +
                    (bytes == 0 && t.elements ? std::string("too many") : std::to_string(bytes)) +
                    " bytes but data_offsets give " + std::to_string(t.end - t.begin));
        t.type = d->type;
        if (!t.type)
            notes.push_back(name + ": " + t.dtype_text + " " + shape_text(t.shape) +
                            " left out: integer or boolean data, not a weight");
    } else {
        notes.push_back(name + ": dtype '" + t.dtype_text +
                        "' is not one this version reads (F64, F32, F16, BF16, F8_E4M3, "
                        "F8_E5M2); left out");
    }
    return t;
}

}  // namespace

const SafetensorsTensor* SafetensorsHeader::find(const std::string& name) const {
    auto it = std::lower_bound(
        tensors.begin(), tensors.end(), name,
        [](const SafetensorsTensor& t, const std::string& n) { return t.name < n; });
    return it != tensors.end() && it->name == name ? &*it : nullptr;
}

std::uint64_t safetensors_header_length(const std::string& file, const unsigned char* length_bytes,
                                        std::uint64_t file_size) {
    if (file_size == 0) bad(file, {}, "empty file (0 bytes), expected a safetensors file");
    if (file_size < 8)
        bad(file, {},
            "too short for a safetensors file (" + std::to_string(file_size) +
                " bytes; it begins with an 8-byte header length): truncated?");
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | length_bytes[i];
    if (n > kMaxSafetensorsHeaderBytes)
        bad(file, {},
            "not a safetensors file or a damaged one: its first 8 bytes give a header of " +
                std::to_string(n) + " bytes, above the format's limit of 100 MB");
    if (n > file_size - 8)
        bad(file, {},
            "truncated safetensors file: the header is " + std::to_string(n) + " bytes but only " +
                std::to_string(file_size - 8) + " follow its length; was it copied completely?");
    if (n < 2) bad(file, {}, "damaged safetensors header: " + std::to_string(n) + " bytes long");
    return n;
}

SafetensorsHeader parse_safetensors_header(const std::string& file, std::string_view json,
                                           std::uint64_t file_size) {
    SafetensorsHeader h;
    h.data_start = 8 + json.size();
    if (file_size < h.data_start) bad(file, {}, "truncated safetensors file: header cut short");
    const std::uint64_t data_size = file_size - h.data_start;
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(json.begin(), json.end());
    } catch (const nlohmann::json::exception& e) {
        bad(file, {}, "damaged safetensors header: not valid JSON; is this a safetensors file?",
            e.what());
    }
    if (!j.is_object())
        bad(file, {}, "damaged safetensors header: the JSON is not an object of tensors");
    for (const auto& [name, entry] : j.items()) {
        if (name == "__metadata__") {
            if (!entry.is_object())
                bad(file, name, "damaged safetensors header: __metadata__ is not an object");
            for (const auto& [k, v] : entry.items())
                h.metadata.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
            continue;
        }
        h.tensors.push_back(parse_tensor(file, name, entry, data_size, h.notes));
    }
    // Contiguous and non-overlapping, covering the whole data section: order by offsets (empty
    // tensors first at equal offsets) and walk.
    std::vector<const SafetensorsTensor*> by_offset;
    for (const auto& t : h.tensors) by_offset.push_back(&t);
    std::sort(by_offset.begin(), by_offset.end(), [](const auto* a, const auto* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    std::uint64_t expected = 0;
    const SafetensorsTensor* previous = nullptr;
    for (const SafetensorsTensor* t : by_offset) {
        if (t->begin < expected)
            bad(file, t->name,
                "damaged safetensors header: data [" + std::to_string(t->begin) + ", " +
                    std::to_string(t->end) + ") overlaps " + previous->name + " [" +
                    std::to_string(previous->begin) + ", " + std::to_string(previous->end) + ")");
        if (t->begin > expected)
            bad(file, t->name,
                "damaged safetensors header: a gap of " + std::to_string(t->begin - expected) +
                    " bytes before its data at " + std::to_string(t->begin) +
                    " (tensors must be stored back to back)");
        expected = t->end;
        if (t->end > t->begin) previous = t;
    }
    if (expected != data_size)
        bad(file, previous ? previous->name : std::string(),
            "damaged safetensors file: the tensors end at byte " + std::to_string(expected) +
                " of the data section but the file holds " + std::to_string(data_size) +
                " bytes there");
    std::sort(h.tensors.begin(), h.tensors.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    return h;
}

SafetensorsHeader parse_safetensors_image(const std::string& file, const unsigned char* data,
                                          std::size_t size) {
    static const unsigned char zeros[8] = {};
    const std::uint64_t n = safetensors_header_length(file, size >= 8 ? data : zeros, size);
    return parse_safetensors_header(
        file, std::string_view(reinterpret_cast<const char*>(data) + 8, n), size);
}

TensorView TensorView::transposed() const {
    TensorView t = *this;
    if (shape.size() == 2) {
        std::swap(t.shape[0], t.shape[1]);
        std::swap(t.strides[0], t.strides[1]);
    }
    return t;
}

std::size_t TensorView::extent() const {
    std::size_t last = offset;
    for (std::size_t k = 0; k < shape.size(); ++k) {
        if (shape[k] == 0) return 0;
        last += (shape[k] - 1) * strides[k];
    }
    return last + 1;
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
    util::note_reading(path);
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) bad(path, {}, std::string("cannot open for reading: ") + std::strerror(errno));
    struct stat st;
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd_);
        bad(path, {}, "not a regular file, expected a safetensors file");
    }
    opened_size_ = static_cast<std::uint64_t>(st.st_size);
    try {
        unsigned char length[8] = {};
        if (opened_size_ >= 8) read_exact(0, 8, length, {});
        const std::uint64_t n = safetensors_header_length(path, length, opened_size_);
        std::string json(n, '\0');
        read_exact(8, n, reinterpret_cast<unsigned char*>(json.data()), {});
        header_ = parse_safetensors_header(path, json, opened_size_);
    } catch (...) {
        ::close(fd_);
        throw;
    }
}

SafetensorsFile::~SafetensorsFile() {
    if (fd_ >= 0) ::close(fd_);
}

void SafetensorsFile::read_exact(std::uint64_t offset, std::size_t n, unsigned char* out,
                                 const std::string& tensor) const {
    std::size_t done = 0;
    while (done < n) {
        const ssize_t got = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) bad(path_, tensor, std::string("read failed: ") + std::strerror(errno));
        if (got == 0) {
            struct stat st;
            const long long now = ::fstat(fd_, &st) == 0 ? st.st_size : -1;
            bad(path_, tensor,
                "read failed: the file was truncated on disk while open (" + std::to_string(now) +
                    " bytes now, " + std::to_string(opened_size_) + " when opened); reopen it");
        }
        done += static_cast<std::size_t>(got);
    }
}

namespace {

// A contiguous piece of the tensor and where its elements go in the output.
struct Run {
    std::size_t src, dst, length;
};

// Spans read at once: runs closer than kGapBytes are read together (one pread instead of many
// small ones), up to kSpanBytes (memory stays bounded).
constexpr std::size_t kGapBytes = 4096, kSpanBytes = 8u << 20;
// Transposing scatter: up to kTileRuns adjacent output columns at a time, kTileElements of each.
constexpr std::size_t kTileRuns = 64, kTileElements = 64;

}  // namespace

void SafetensorsFile::read_view_rows(const SafetensorsTensor& t, const TensorView& view,
                                     std::size_t begin, std::size_t end, float* out) const {
    if (!t.type) throw InternalError(path_ + ": " + t.name + ": read of a tensor not decoded");
    const std::size_t rank = view.shape.size();
    if (view.strides.size() != rank || view.extent() > t.elements)
        throw InternalError(path_ + ": " + t.name + ": view outside the tensor");
    if (rank > 0 && (begin > end || end > view.shape[0]))
        throw InternalError(path_ + ": " + t.name + ": rows outside the view");
    const util::ReadingStep step(path_, t.name);  // bounded in time when supervised
    const std::size_t esize = dtype_size(*t.type);
    // Extents of what is read, and the output's row-major strides.
    std::vector<std::size_t> extent(view.shape), out_stride(rank, 1);
    if (rank > 0) extent[0] = end - begin;
    for (std::size_t k = rank; k-- > 1;) out_stride[k - 1] = out_stride[k] * extent[k];
    std::size_t total = 1;
    for (std::size_t e : extent) total *= e;
    if (total == 0) return;
    // Runs go along the axis that is contiguous in the tensor (stride 1), the longest such.
    std::size_t run_axis = rank;
    for (std::size_t k = 0; k < rank; ++k)
        if (view.strides[k] == 1 && extent[k] > 1 &&
            (run_axis == rank || extent[k] > extent[run_axis]))
            run_axis = k;
    const std::size_t max_run = std::max<std::size_t>(1, kSpanBytes / esize);
    const std::size_t run_len = run_axis == rank ? 1 : std::min(extent[run_axis], max_run);
    const std::size_t run_out_stride = run_axis == rank ? 1 : out_stride[run_axis];
    std::vector<Run> runs;
    runs.reserve(total / run_len + 1);
    {
        // Odometer over every axis; the run axis advances run_len at a time.
        std::vector<std::size_t> idx(rank, 0);
        for (;;) {
            std::size_t src = view.offset, dst = 0;
            for (std::size_t k = 0; k < rank; ++k) {
                src += (idx[k] + (k == 0 ? begin : 0)) * view.strides[k];
                dst += idx[k] * out_stride[k];
            }
            const std::size_t left = run_axis == rank ? 1 : extent[run_axis] - idx[run_axis];
            runs.push_back({src, dst, std::min(run_len, left)});
            std::size_t k = rank;
            while (k-- > 0) {
                idx[k] += k == run_axis ? run_len : 1;
                if (idx[k] < extent[k]) break;
                idx[k] = 0;
            }
            if (k == static_cast<std::size_t>(-1)) break;
        }
    }
    std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.src < b.src; });
    std::vector<unsigned char> raw;
    std::vector<float> decoded;
    std::vector<const Run*> order;
    for (std::size_t i = 0; i < runs.size();) {
        const std::size_t span_begin = runs[i].src;
        std::size_t span_end = span_begin, j = i;
        for (; j < runs.size(); ++j) {
            const std::size_t run_end = runs[j].src + runs[j].length;
            const bool far = runs[j].src > span_end && (runs[j].src - span_end) * esize > kGapBytes;
            if (j > i && (far || (run_end - span_begin) * esize > kSpanBytes)) break;
            span_end = std::max(span_end, run_end);
        }
        const std::size_t n = span_end - span_begin;
        raw.resize(n * esize);
        decoded.resize(n);
        read_exact(header_.data_start + t.begin + span_begin * esize, n * esize, raw.data(),
                   t.name);
        decode_to_f32(*t.type, raw.data(), decoded.data(), n);
        if (run_out_stride == 1) {
            for (; i < j; ++i)
                std::memcpy(out + runs[i].dst, decoded.data() + (runs[i].src - span_begin),
                            runs[i].length * sizeof(float));
            continue;
        }
        // Runs that land in adjacent output columns (a per-head split, a Linear weight read as
        // [in, out]) form blocks to transpose, whatever their order in the file: written tile by
        // tile, so that each tile's output rows stay in cache, instead of one cache line per
        // element (W_O from o_proj: a stride of d_model floats; head circuits were 1.6x slower
        // than from HDF5 before).
        order.resize(j - i);
        for (std::size_t r = i; r < j; ++r) order[r - i] = &runs[r];
        std::sort(order.begin(), order.end(),
                  [](const Run* a, const Run* b) { return a->dst < b->dst; });
        for (std::size_t k = 0; k < order.size();) {
            const std::size_t len = order[k]->length;
            std::size_t g = k + 1;
            while (g < order.size() && g - k < kTileRuns && order[g]->length == len &&
                   order[g]->dst == order[g - 1]->dst + 1)
                ++g;
            float* dst = out + order[k]->dst;
            for (std::size_t e0 = 0; e0 < len; e0 += kTileElements) {
                const std::size_t e1 = std::min(len, e0 + kTileElements);
                for (std::size_t r = k; r < g; ++r) {
                    const float* src = decoded.data() + (order[r]->src - span_begin);
                    float* col = dst + (r - k);
                    for (std::size_t e = e0; e < e1; ++e) col[e * run_out_stride] = src[e];
                }
            }
            k = g;
        }
        i = j;
    }
}

}  // namespace es::io
