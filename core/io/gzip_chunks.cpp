#include "io/gzip_chunks.h"

#ifdef EIGENSCOPE_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <string>

#include "io/float_decode.h"
#include "io/hyperslab_walk.h"
#include "util/error.h"
#include "util/parallel.h"

namespace es::gzip_chunks {

namespace {

// Raw (compressed) bytes held at once per batch; decoded chunks add one chunk per worker.
constexpr std::size_t kMaxRawInFlight = 64u << 20;
// Larger chunks go through HDF5: two such buffers per worker would exceed the memory bound.
constexpr std::size_t kMaxChunkBytes = 64u << 20;

Mode initial_mode() {
    const char* v = std::getenv("EIGENSCOPE_GZIP_FAST");
    if (!v) return Mode::Auto;
    const std::string s(v);
    if (s == "off" || s == "0") return Mode::Off;
    if (s == "force") return Mode::Force;
    return Mode::Auto;
}

std::atomic<Mode>& mode_ref() {
    static std::atomic<Mode> m{initial_mode()};
    return m;
}

std::atomic<std::uint64_t> g_chunks{0};

bool starts_with(const std::string& s, const char* prefix) {
    return s.rfind(prefix, 0) == 0;
}

// Element size in the file for the dtypes decoded here (0: not handled).
std::size_t element_size(const h5::DatasetFacts& facts, DType dtype) {
    if (!facts.little_endian) return 0;
    switch (dtype) {
        case DType::Float16:
            return facts.type_class == H5T_FLOAT && facts.type_size == 2 && facts.ieee_half ? 2 : 0;
        case DType::BFloat16:
            return facts.type_class == H5T_INTEGER && facts.type_size == 2 ? 2 : 0;
        case DType::Float32:
            return facts.type_class == H5T_FLOAT && facts.type_size == 4 ? 4 : 0;
        case DType::Float64:
            return facts.type_class == H5T_FLOAT && facts.type_size == 8 ? 8 : 0;
        case DType::Float8E4M3:  // safetensors only, never in HDF5
        case DType::Float8E5M2:
            return 0;
    }
    return 0;
}

struct RawChunk {
    std::vector<hsize_t> offset;  // chunk origin in dataset coordinates
    std::vector<unsigned char> bytes;
};

std::string offset_text(const std::vector<hsize_t>& o) {
    std::string s = "[";
    for (std::size_t i = 0; i < o.size(); ++i) s += (i ? ", " : "") + std::to_string(o[i]);
    return s + "]";
}

// HDF5's shuffle filter stores byte b of element e at b * n + e; undo it.
void unshuffle(const unsigned char* in, unsigned char* out, std::size_t n, std::size_t size) {
    if (size == 2) {
        const unsigned char *b0 = in, *b1 = in + n;
        for (std::size_t e = 0; e < n; ++e) {
            out[2 * e] = b0[e];
            out[2 * e + 1] = b1[e];
        }
        return;
    }
    for (std::size_t b = 0; b < size; ++b) {
        const unsigned char* src = in + b * n;
        for (std::size_t e = 0; e < n; ++e) out[e * size + b] = src[e];
    }
}

// Same result as HDF5's hard double -> float conversion: out-of-range values become infinities
// (a plain cast would round values just above FLT_MAX down to FLT_MAX).
float double_to_float(double v) {
    if (v > static_cast<double>(FLT_MAX)) return std::numeric_limits<float>::infinity();
    if (v < -static_cast<double>(FLT_MAX)) return -std::numeric_limits<float>::infinity();
    return static_cast<float>(v);
}

void decode_run(const unsigned char* src, float* dst, std::size_t n, DType dtype) {
    switch (dtype) {
        case DType::Float16:
            decode_f16(reinterpret_cast<const std::uint16_t*>(src), dst, n);
            break;
        case DType::BFloat16:
            decode_bf16(reinterpret_cast<const std::uint16_t*>(src), dst, n);
            break;
        case DType::Float32:
            std::memcpy(dst, src, n * sizeof(float));
            break;
        case DType::Float64:
            for (std::size_t i = 0; i < n; ++i) {
                double v;
                std::memcpy(&v, src + i * sizeof(double), sizeof(double));
                dst[i] = double_to_float(v);
            }
            break;
        case DType::Float8E4M3:  // not handled here (element_size 0)
        case DType::Float8E5M2:
            break;
    }
}

// Everything a worker needs to turn one raw chunk into its part of the output.
struct Job {
    const h5::DatasetFacts* facts;
    DType dtype;
    std::size_t elsize, chunk_elems;
    bool shuffled;
    const std::vector<hsize_t>* start;
    const std::vector<hsize_t>* count;
    float* out;
};

// Per-worker scratch: the inflated chunk and its unshuffled copy (8-byte aligned storage), and
// a libdeflate decompressor when built with it (whole-buffer inflate, ~2x zlib's speed).
struct Scratch {
    std::vector<std::uint64_t> inflated, plain;
#ifdef EIGENSCOPE_HAVE_LIBDEFLATE
    libdeflate_decompressor* decompressor = libdeflate_alloc_decompressor();
    Scratch() {
        if (!decompressor) throw std::bad_alloc();
    }
    ~Scratch() {
        libdeflate_free_decompressor(decompressor);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
#endif
};

// Inflates a zlib stream (what HDF5's deflate filter writes) into exactly `bytes` bytes; the
// error text, or "" on success.
std::string inflate_exact(Scratch& scratch, const std::vector<unsigned char>& in,
                          unsigned char* out, std::size_t bytes) {
#ifdef EIGENSCOPE_HAVE_LIBDEFLATE
    std::size_t got = 0;
    const libdeflate_result rc =
        libdeflate_zlib_decompress(scratch.decompressor, in.data(), in.size(), out, bytes, &got);
    if (rc == LIBDEFLATE_SUCCESS && got == bytes) return {};
    if (rc == LIBDEFLATE_BAD_DATA) return "invalid or truncated deflate data";
    if (rc == LIBDEFLATE_INSUFFICIENT_SPACE) return "inflates to more than the chunk size";
    return "inflates to " + std::to_string(got) + " of " + std::to_string(bytes) + " bytes";
#else
    (void)scratch;
    uLongf out_len = static_cast<uLongf>(bytes);
    const int rc = uncompress(out, &out_len, in.data(), static_cast<uLong>(in.size()));
    if (rc != Z_OK) return zError(rc);
    if (out_len != bytes)
        return "inflates to " + std::to_string(out_len) + " of " + std::to_string(bytes) + " bytes";
    return {};
#endif
}

void decode_chunk(const Job& job, const RawChunk& raw, Scratch& scratch) {
    const std::size_t bytes = job.chunk_elems * job.elsize, words = (bytes + 7) / 8;
    if (scratch.inflated.size() < words) scratch.inflated.resize(words);
    auto* inflated = reinterpret_cast<unsigned char*>(scratch.inflated.data());
    const std::string error = inflate_exact(scratch, raw.bytes, inflated, bytes);
    if (!error.empty())
        throw InputError("a compressed block of the data (the chunk at " + offset_text(raw.offset) +
                             ") cannot be decompressed: the file is damaged; restore it from a "
                             "good copy",
                         "corrupt gzip chunk at " + offset_text(raw.offset) + ": zlib: " + error);
    const unsigned char* plain = inflated;
    if (job.shuffled) {
        if (scratch.plain.size() < words) scratch.plain.resize(words);
        auto* p = reinterpret_cast<unsigned char*>(scratch.plain.data());
        unshuffle(inflated, p, job.chunk_elems, job.elsize);
        plain = p;
    }

    // The intersection of the chunk with the hyperslab, decoded one innermost run at a time.
    io::for_each_run(job.facts->chunk, raw.offset, *job.start, *job.count,
                     [&](std::uint64_t src, std::uint64_t dst, std::size_t n) {
                         decode_run(plain + src * job.elsize, job.out + dst, n, job.dtype);
                     });
}

// Decodes a batch on both cores (util::resolve_threads(0)); chunks are taken in order, so uneven
// chunk costs balance, each worker with its own scratch. After a failure no further chunk is
// started, and the first error by chunk order is rethrown once all workers have joined.
void decode_batch(const Job& job, const std::vector<RawChunk>& batch) {
    const int threads = util::resolve_threads(0);
    std::vector<std::unique_ptr<Scratch>> scratch(static_cast<std::size_t>(threads));
    util::parallel_each(batch.size(), threads, [&](std::size_t i, std::size_t worker) {
        if (!scratch[worker]) scratch[worker] = std::make_unique<Scratch>();
        decode_chunk(job, batch[i], *scratch[worker]);
        g_chunks.fetch_add(1, std::memory_order_relaxed);
    });
}

}  // namespace

void set_mode(Mode m) {
    mode_ref().store(m);
}

Mode mode() {
    return mode_ref().load();
}

std::uint64_t chunks_decoded() {
    return g_chunks.load();
}

bool eligible(const h5::DatasetFacts& facts, DType dtype) {
    if (facts.chunk.empty() || facts.chunk.size() != facts.shape.size()) return false;
    if (!facts.missing_filters.empty() || element_size(facts, dtype) == 0) return false;
    const auto& f = facts.filters;
    if (f.size() == 1) return starts_with(f[0], "deflate");
    if (f.size() == 2) return f[0] == "shuffle" && starts_with(f[1], "deflate");
    return false;
}

bool read_hyperslab_f32(hid_t dataset, const h5::DatasetFacts& facts, DType dtype,
                        const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                        float* out) {
    const Mode m = mode();
    if (m == Mode::Off || !eligible(facts, dtype)) return false;
    const std::size_t rank = facts.shape.size(), elsize = element_size(facts, dtype);
    if (start.size() != rank || count.size() != rank) return false;

    // The chunks touched and the elements requested.
    double touched = 1, requested = 1, chunk_elems = 1;
    for (std::size_t i = 0; i < rank; ++i) {
        const hsize_t c = facts.chunk[i];
        if (c == 0 || count[i] == 0 || start[i] + count[i] > facts.shape[i]) return false;
        touched *= static_cast<double>((start[i] + count[i] - 1) / c - start[i] / c + 1);
        requested *= static_cast<double>(count[i]);
        chunk_elems *= static_cast<double>(c);
    }
    if (chunk_elems * static_cast<double>(elsize) > static_cast<double>(kMaxChunkBytes))
        return false;
    // Auto: several chunks (so both cores have work) and at least half of their contents wanted
    // (a small partial read is cheaper from HDF5's cache of inflated chunks).
    if (m == Mode::Auto && (touched < 2 || 2 * requested < touched * chunk_elems)) return false;

    Job job{
        &facts, dtype,  elsize, static_cast<std::size_t>(chunk_elems), facts.filters.size() == 2,
        &start, &count, out};
    std::vector<RawChunk> batch;
    std::size_t batch_bytes = 0;
    // In the output's order (last dimension fastest), decoded by batches of raw bytes.
    const bool read = io::for_each_chunk(facts.chunk, start, count, [&](const io::Index& origin) {
        RawChunk raw;
        raw.offset = origin;
        hsize_t nbytes = 0;
        // Unallocated chunks (fill values), raw-read failures and chunks written with a filter
        // skipped are HDF5's business: give up and let H5Dread handle (or report) them.
        if (H5Dget_chunk_storage_size(dataset, raw.offset.data(), &nbytes) < 0 || nbytes == 0 ||
            nbytes > 2 * job.chunk_elems * elsize + 1024) {
            H5Eclear2(H5E_DEFAULT);
            return false;
        }
        raw.bytes.resize(static_cast<std::size_t>(nbytes));
        std::uint32_t filter_mask = 0;
        if (H5Dread_chunk(dataset, H5P_DEFAULT, raw.offset.data(), &filter_mask, raw.bytes.data()) <
                0 ||
            filter_mask != 0) {
            H5Eclear2(H5E_DEFAULT);
            return false;
        }
        batch_bytes += raw.bytes.size();
        batch.push_back(std::move(raw));
        if (batch_bytes >= kMaxRawInFlight) {
            decode_batch(job, batch);
            batch.clear();
            batch_bytes = 0;
        }
        return true;
    });
    if (!read) return false;
    if (!batch.empty()) decode_batch(job, batch);
    return true;
}

}  // namespace es::gzip_chunks
