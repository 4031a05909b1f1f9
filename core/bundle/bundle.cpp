#include "bundle/bundle.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "io/h5.h"
#include "util/error.h"

namespace es::bundle {

namespace {

using h5::Id;

[[noreturn]] void fail(const std::string& out, const std::string& what) {
    throw InputError(out + ": cannot write the results bundle: " + what, h5::take_error().stack);
}

void check(herr_t rc, const std::string& out, const std::string& what) {
    if (rc < 0) fail(out, what);
}

void write_string_attribute(hid_t obj, const char* name, const std::string& value,
                            const std::string& out) {
    Id type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    Id space(H5Screate(H5S_SCALAR));
    Id attr(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!attr) fail(out, std::string("attribute ") + name);
    const char* p = value.c_str();
    check(H5Awrite(attr.get(), type.get(), &p), out, std::string("attribute ") + name);
}

void write_int_attribute(hid_t obj, const char* name, long long value, const std::string& out) {
    Id space(H5Screate(H5S_SCALAR));
    Id attr(H5Acreate2(obj, name, H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!attr) fail(out, std::string("attribute ") + name);
    check(H5Awrite(attr.get(), H5T_NATIVE_LLONG, &value), out, std::string("attribute ") + name);
}

// A dataset of `dims` with `data` of memory type `mem`, stored as `file_type`; chunked and
// gzip-compressed when `compress` (the sampled states and the blob: a bundle is meant to be
// copied).
void write_dataset(hid_t loc, const std::string& name, hid_t file_type, hid_t mem,
                   const std::vector<hsize_t>& dims, const void* data, bool compress,
                   const std::string& out) {
    Id space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
    Id lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    Id dcpl(H5Pcreate(H5P_DATASET_CREATE));
    hsize_t total = 1;
    for (hsize_t v : dims) total *= v;
    if (compress && total > 0) {
        std::vector<hsize_t> chunk = dims;
        // About 1 MiB chunks along the first axis.
        const hsize_t row = total / std::max<hsize_t>(dims[0], 1);
        chunk[0] = std::max<hsize_t>(
            1, std::min<hsize_t>(dims[0], (hsize_t{1} << 18) / std::max<hsize_t>(row, 1)));
        H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
        H5Pset_shuffle(dcpl.get());
        H5Pset_deflate(dcpl.get(), 4);
    }
    Id d(
        H5Dcreate2(loc, name.c_str(), file_type, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT));
    if (!d) fail(out, "dataset " + name);
    if (total > 0)
        check(H5Dwrite(d.get(), mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), out, "dataset " + name);
}

void write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values,
                   const std::string& out) {
    Id type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    std::vector<const char*> p;
    for (const auto& v : values) p.push_back(v.c_str());
    const std::vector<hsize_t> dims{values.size()};
    Id space(H5Screate_simple(1, dims.data(), nullptr));
    Id lcpl(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    Id d(H5Dcreate2(loc, name.c_str(), type.get(), space.get(), lcpl.get(), H5P_DEFAULT,
                    H5P_DEFAULT));
    if (!d) fail(out, "dataset " + name);
    if (!values.empty())
        check(H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()), out,
              "dataset " + name);
}

// Read-only, no file locks (shared file systems; the bundle is never written after rename).
Id open_read(const std::string& path) {
    h5::silence_errors();
    if (H5Fis_hdf5(path.c_str()) <= 0) {
        h5::take_error();
        return Id();
    }
    Id fapl(H5Pcreate(H5P_FILE_ACCESS));
    H5Pset_file_locking(fapl.get(), false, true);
    Id f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()));
    if (!f) h5::take_error();
    return f;
}

std::string utc_now() {
    char buf[32];
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace

std::vector<std::size_t> sample_tokens(std::size_t total, std::size_t n) {
    std::vector<std::size_t> out;
    if (total == 0 || n == 0) return out;
    if (n >= total) {
        for (std::size_t i = 0; i < total; ++i) out.push_back(i);
        return out;
    }
    if (n == 1) return {0};
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(
            static_cast<std::size_t>((static_cast<unsigned long long>(i) * (total - 1)) / (n - 1)));
    return out;
}

nlohmann::json to_json(const Provenance& p) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : p.files)
        files.push_back({{"path", f.path}, {"sha256", f.sha256}, {"bytes", f.bytes}});
    return {{"format", p.format},
            {"source", p.source},
            {"files", files},
            {"layout", p.layout},
            {"stream", p.stream},
            {"tokens", p.tokens},
            {"sampled_tokens", p.sampled_tokens},
            {"states", p.states},
            {"d", p.d},
            {"created_utc", p.created_utc.empty() ? utc_now() : p.created_utc},
            {"eigenscope_version", p.eigenscope_version},
            {"ranks", p.ranks},
            {"lacks", p.lacks}};
}

void write(const std::string& out, const Provenance& p, const Sample& s,
           const std::vector<Entry>& entries) {
    h5::silence_errors();
    // The temporary file sits beside the target, so the rename stays on one file system.
    const std::string tmp = out + ".tmp-" + std::to_string(::getpid());
    {
        Id fcpl(H5Pcreate(H5P_FILE_CREATE));
        Id fapl(H5Pcreate(H5P_FILE_ACCESS));
        H5Pset_file_locking(fapl.get(), false, true);
        Id f(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()));
        if (!f) fail(out, std::string("cannot create ") + tmp);
        try {
            // The sample, as the dump laid it out.
            const std::size_t S = s.datasets.size(), N = s.n, D = s.d;
            if (S > 0 && N > 0) {
                if (s.stacked) {
                    const std::string name = s.datasets.front();
                    write_dataset(f.get(), name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {S, N, D},
                                  s.states.data(), true, out);
                    Id d(H5Dopen2(f.get(), name.c_str(), H5P_DEFAULT));
                    write_int_attribute(d.get(), "final_norm_applied", s.final_norm_applied, out);
                } else {
                    for (std::size_t st = 0; st < S; ++st)
                        write_dataset(f.get(), s.datasets[st], H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                                      {N, D}, s.states.data() + st * N * D, true, out);
                }
                write_strings(f.get(), "tokens", s.token_text, out);
                if (!s.token_ids.empty())
                    write_dataset(f.get(), "token_ids", H5T_STD_I64LE, H5T_NATIVE_LLONG, {N},
                                  s.token_ids.data(), false, out);
                const std::vector<hsize_t> n_dims{N};
                std::vector<unsigned long long> idx(s.token_index.begin(), s.token_index.end());
                write_dataset(f.get(), std::string(kGroup) + "/sample_token_index", H5T_STD_U64LE,
                              H5T_NATIVE_ULLONG, n_dims, idx.data(), false, out);
            }
            for (const auto& w : s.weights) {
                const std::vector<hsize_t> dims(w.shape.begin(), w.shape.end());
                write_dataset(f.get(), w.name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, dims,
                              w.data.data(), true, out);
            }
            // Whole numbers as integers (model dimensions the reader takes as such), the rest
            // as the text the dump's reader gave.
            for (const auto& [k, v] : s.attributes) {
                char* end = nullptr;
                const long long n = v.empty() ? 0 : std::strtoll(v.c_str(), &end, 10);
                if (!v.empty() && end && *end == '\0')
                    write_int_attribute(f.get(), k.c_str(), n, out);
                else
                    write_string_attribute(f.get(), k.c_str(), v, out);
            }
            if (!s.vocabulary.empty()) write_strings(f.get(), "vocab", s.vocabulary, out);
            // The results: keys, their byte ranges in one blob.
            std::vector<std::string> keys;
            std::vector<unsigned long long> offsets{0};
            std::string blob;
            for (const auto& e : entries) {
                keys.push_back(e.key);
                blob += e.bytes;
                offsets.push_back(blob.size());
            }
            write_strings(f.get(), std::string(kGroup) + "/keys", keys, out);
            write_dataset(f.get(), std::string(kGroup) + "/offsets", H5T_STD_U64LE,
                          H5T_NATIVE_ULLONG, {offsets.size()}, offsets.data(), false, out);
            write_dataset(f.get(), std::string(kGroup) + "/blob", H5T_STD_U8LE, H5T_NATIVE_UCHAR,
                          {std::max<std::size_t>(blob.size(), 1)},
                          blob.empty() ? "\0" : blob.data(), true, out);
            Id g(H5Gopen2(f.get(), kGroup, H5P_DEFAULT));
            if (!g) fail(out, std::string("group ") + kGroup);
            const nlohmann::json j = to_json(p);
            write_string_attribute(g.get(), "provenance", j.dump(), out);
            write_int_attribute(g.get(), "format", p.format, out);
            write_string_attribute(g.get(), "source", p.source, out);
            write_string_attribute(g.get(), "source_sha256",
                                   p.files.empty() ? "" : p.files.front().sha256, out);
            check(H5Fflush(f.get(), H5F_SCOPE_GLOBAL), out, "flush");
        } catch (...) {
            f.reset();
            std::remove(tmp.c_str());
            throw;
        }
    }
    if (std::rename(tmp.c_str(), out.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        std::remove(tmp.c_str());
        throw InputError(out + ": cannot write the results bundle (" + why + ")");
    }
}

std::optional<Provenance> read_provenance(const std::string& path) {
    Id f = open_read(path);
    if (!f) return std::nullopt;
    if (H5Lexists(f.get(), kGroup, H5P_DEFAULT) <= 0) {
        h5::take_error();
        return std::nullopt;
    }
    Id g(H5Gopen2(f.get(), kGroup, H5P_DEFAULT));
    std::string text;
    if (!g || !h5::read_attribute_text(g.get(), "provenance", text)) {
        h5::take_error();
        return std::nullopt;
    }
    try {
        const nlohmann::json j = nlohmann::json::parse(text);
        Provenance p;
        p.format = j.at("format").get<int>();
        if (p.format > kFormatVersion)
            throw InputError(path + ": results bundle format " + std::to_string(p.format) +
                             " is newer than this Eigenscope reads (" +
                             std::to_string(kFormatVersion) + "); update Eigenscope");
        p.source = j.at("source").get<std::string>();
        for (const auto& fj : j.at("files"))
            p.files.push_back({fj.at("path").get<std::string>(), fj.at("sha256").get<std::string>(),
                               fj.at("bytes").get<std::uint64_t>()});
        p.layout = j.at("layout").get<std::string>();
        p.stream = j.at("stream").get<std::string>();
        p.tokens = j.at("tokens").get<std::size_t>();
        p.sampled_tokens = j.at("sampled_tokens").get<std::size_t>();
        p.states = j.at("states").get<std::size_t>();
        p.d = j.at("d").get<std::size_t>();
        p.created_utc = j.at("created_utc").get<std::string>();
        p.eigenscope_version = j.at("eigenscope_version").get<std::string>();
        p.ranks = j.at("ranks").get<int>();
        p.lacks = j.at("lacks").get<std::vector<std::string>>();
        return p;
    } catch (const nlohmann::json::exception& e) {
        throw InputError(path + ": /" + kGroup + ": damaged results bundle provenance (" +
                         e.what() + ")");
    }
}

std::vector<std::string> read_keys(const std::string& path) {
    Id f = open_read(path);
    if (!f) return {};
    Id d(H5Dopen2(f.get(), (std::string(kGroup) + "/keys").c_str(), H5P_DEFAULT));
    if (!d) {
        h5::take_error();
        return {};
    }
    return h5::read_strings(d.get());
}

std::optional<std::string> read_entry(const std::string& path, const std::string& key) {
    Id f = open_read(path);
    if (!f) return std::nullopt;
    const std::string g = kGroup;
    Id dk(H5Dopen2(f.get(), (g + "/keys").c_str(), H5P_DEFAULT));
    Id doff(H5Dopen2(f.get(), (g + "/offsets").c_str(), H5P_DEFAULT));
    Id dblob(H5Dopen2(f.get(), (g + "/blob").c_str(), H5P_DEFAULT));
    if (!dk || !doff || !dblob) {
        h5::take_error();
        return std::nullopt;
    }
    const std::vector<std::string> keys = h5::read_strings(dk.get());
    std::size_t i = 0;
    while (i < keys.size() && keys[i] != key) ++i;
    if (i == keys.size()) return std::nullopt;
    const std::vector<long long> off = h5::read_integers(doff.get());
    if (off.size() != keys.size() + 1 || off[i] < 0 || off[i + 1] < off[i])
        throw InputError(path + ": /" + g + "/offsets: damaged results bundle index");
    const hsize_t start = static_cast<hsize_t>(off[i]),
                  count = static_cast<hsize_t>(off[i + 1] - off[i]);
    std::string bytes(count, '\0');
    if (count == 0) return bytes;
    Id space(H5Dget_space(dblob.get()));
    Id mem(H5Screate_simple(1, &count, nullptr));
    if (H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr) < 0 ||
        H5Dread(dblob.get(), H5T_NATIVE_UCHAR, mem.get(), space.get(), H5P_DEFAULT, bytes.data()) <
            0)
        throw InputError(path + ": /" + g + "/blob: results bundle cannot be read (" +
                         h5::take_error_message() + ")");
    return bytes;
}

}  // namespace es::bundle
