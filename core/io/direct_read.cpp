#include "io/direct_read.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "io/float_decode.h"
#include "io/hyperslab_walk.h"
#include "util/error.h"

namespace es::direct_read {

namespace {

std::atomic<bool>& enabled_ref() {
    static std::atomic<bool> on{[] {
        const char* v = std::getenv("EIGENSCOPE_DIRECT_READ");
        return !(v && std::string(v) == "off");
    }()};
    return on;
}

std::atomic<std::uint64_t> g_bytes{0};

// One contiguous byte range of the file and where it goes in the caller's element order.
struct Run {
    std::uint64_t file_offset = 0, bytes = 0, dest_element = 0;
};

// Appends a run, merged with the previous one when both the file and the destination continue.
void add_run(std::vector<Run>& runs, std::uint64_t off, std::uint64_t bytes, std::uint64_t dest,
             std::size_t elsize) {
    if (!runs.empty()) {
        Run& r = runs.back();
        if (r.file_offset + r.bytes == off && r.dest_element + r.bytes / elsize == dest) {
            r.bytes += bytes;
            return;
        }
    }
    runs.push_back({off, bytes, dest});
}

// The runs of the selection inside a row-major block of shape `block` stored at `base`, whose
// origin is at `origin` in dataset coordinates; destinations in the selection's row-major order.
void block_runs(std::vector<Run>& runs, std::uint64_t base, const io::Index& block,
                const io::Index& origin, const io::Index& start, const io::Index& count,
                std::size_t elsize) {
    io::for_each_run(block, origin, start, count,
                     [&](std::uint64_t src, std::uint64_t dst, std::size_t n) {
                         add_run(runs, base + src * elsize, n * elsize, dst, elsize);
                     });
}

void pread_all(int fd, unsigned char* dst, std::uint64_t bytes, std::uint64_t offset) {
    while (bytes > 0) {
        const ssize_t got = ::pread(fd, dst, bytes, static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0)
            throw InputError("read error at byte " + std::to_string(offset) + ": " +
                             std::strerror(errno));
        if (got == 0)
            throw InputError("the file ends at or before byte " + std::to_string(offset) +
                             ", inside the dataset's data (truncated file?)");
        dst += got;
        bytes -= static_cast<std::uint64_t>(got);
        offset += static_cast<std::uint64_t>(got);
    }
}

// The type is exactly what we decode: IEEE little-endian float16/float32, or bfloat16 bits.
bool decodable(hid_t dataset, const h5::DatasetFacts& facts, DType dtype) {
    if (!facts.little_endian) return false;
    if (dtype == DType::BFloat16) return facts.type_size == 2;
    if (dtype == DType::Float16) return facts.ieee_half;
    if (dtype != DType::Float32 || facts.type_size != 4) return false;
    h5::Id type(H5Dget_type(dataset));
    return type.valid() && H5Tequal(type.get(), H5T_IEEE_F32LE) > 0;
}

// The runs of the selection, or false when its storage is not plain bytes in this file.
bool locate(hid_t dataset, const h5::DatasetFacts& facts, const std::vector<hsize_t>& start,
            const std::vector<hsize_t>& count, std::size_t elsize, std::vector<Run>& runs) {
    h5::Id dcpl(H5Dget_create_plist(dataset));
    if (!dcpl.valid() || H5Pget_nfilters(dcpl.get()) != 0 || H5Pget_external_count(dcpl.get()) != 0)
        return false;
    const H5D_layout_t layout = H5Pget_layout(dcpl.get());
    const std::size_t rank = facts.shape.size();
    if (layout == H5D_CONTIGUOUS) {
        const haddr_t base = H5Dget_offset(dataset);
        if (base == HADDR_UNDEF) return false;  // not allocated yet (fill values)
        block_runs(runs, base, facts.shape, io::Index(rank, 0), start, count, elsize);
        return true;
    }
    const io::Index& c = facts.chunk;
    if (layout != H5D_CHUNKED || c.size() != rank || std::count(c.begin(), c.end(), 0) > 0)
        return false;
    return io::for_each_chunk(c, start, count, [&](const io::Index& origin) {
        unsigned filter_mask = 0;
        haddr_t addr = HADDR_UNDEF;
        hsize_t size = 0;
        if (H5Dget_chunk_info_by_coord(dataset, origin.data(), &filter_mask, &addr, &size) < 0 ||
            addr == HADDR_UNDEF)
            return false;  // unallocated chunk: HDF5 supplies the fill value
        block_runs(runs, addr, c, origin, start, count, elsize);
        return true;
    });
}

}  // namespace

void set_enabled(bool on) {
    enabled_ref().store(on);
}
bool enabled() {
    return enabled_ref().load();
}
std::uint64_t bytes_read() {
    return g_bytes.load();
}

bool read_hyperslab_f32(int fd, hid_t dataset, const h5::DatasetFacts& facts, DType dtype,
                        const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                        float* out) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    return false;  // the bytes are copied as they are stored: little-endian hosts only
#endif
    const std::size_t rank = facts.shape.size();
    if (fd < 0 || !enabled() || rank == 0 || start.size() != rank || count.size() != rank ||
        !facts.filters.empty() || !facts.missing_filters.empty() ||
        !decodable(dataset, facts, dtype))
        return false;
    std::uint64_t n = 1;
    for (std::size_t i = 0; i < rank; ++i) {
        if (count[i] == 0) return true;
        if (start[i] + count[i] > facts.shape[i]) return false;  // HDF5 reports the error
        n *= count[i];
    }
    const std::size_t elsize = dtype == DType::Float32 ? 4 : 2;
    std::vector<Run> runs;
    if (!locate(dataset, facts, start, count, elsize, runs)) return false;
    // float32 lands in `out` itself; 16-bit values in scratch, decoded afterwards.
    std::uint16_t* raw = dtype == DType::Float32 ? nullptr : raw16_scratch(n);
    unsigned char* dst =
        raw ? reinterpret_cast<unsigned char*>(raw) : reinterpret_cast<unsigned char*>(out);
    for (const Run& r : runs) pread_all(fd, dst + r.dest_element * elsize, r.bytes, r.file_offset);
    if (dtype == DType::Float16)
        decode_f16(raw, out, n);
    else if (dtype == DType::BFloat16)
        decode_bf16(raw, out, n);
    g_bytes.fetch_add(n * elsize);
    return true;
}

}  // namespace es::direct_read
