#include "cache/result_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "io/dump.h"

namespace es {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'E', 'S', 'C', 'A', 'C', 'H', 'E', '1'};

std::uint64_t fnv1a(const void* data, std::size_t n, std::uint64_t h = 1469598103934665603ull) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}
std::uint64_t fnv1a(const std::string& s, std::uint64_t h = 1469598103934665603ull) {
    return fnv1a(s.data(), s.size(), h);
}

std::string hex(std::uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

template <typename T>
void put_pod(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <typename T>
bool get_pod(const std::string& in, std::size_t& at, T& v) {
    if (in.size() < at + sizeof v) return false;
    std::memcpy(&v, in.data() + at, sizeof v);
    at += sizeof v;
    return true;
}

}  // namespace

ResultCache::ResultCache(std::string dir, std::uint64_t limit_bytes)
    : dir_(std::move(dir)), limit_(limit_bytes) {
    std::error_code ec;
    fs::create_directories(dir_, ec);  // failures show up as misses and failed puts
}

std::string ResultCache::entry_path(const std::string& key) const {
    return (fs::path(dir_) / (hex(fnv1a(key)) + ".escache")).string();
}

std::optional<std::string> ResultCache::get(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string path = entry_path(key);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        ++counters_.misses;
        return std::nullopt;
    }
    std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    // Layout: magic, key size, key, value size, value checksum, value.
    std::size_t at = sizeof kMagic;
    std::uint32_t key_size = 0;
    std::uint64_t value_size = 0, sum = 0;
    const bool framed = file.size() >= sizeof kMagic &&
                        std::memcmp(file.data(), kMagic, sizeof kMagic) == 0 &&
                        get_pod(file, at, key_size) && file.size() >= at + key_size;
    std::string stored_key = framed ? file.substr(at, key_size) : std::string();
    at += key_size;
    const bool whole = framed && get_pod(file, at, value_size) && get_pod(file, at, sum) &&
                       file.size() == at + value_size && fnv1a(file.data() + at, value_size) == sum;
    if (!whole) {  // truncated, overwritten or not ours: never used, removed
        ++counters_.corrupt;
        ++counters_.misses;
        std::error_code ec;
        fs::remove(path, ec);
        return std::nullopt;
    }
    if (stored_key != key) {  // a hash collision: another key's entry, left alone
        ++counters_.misses;
        return std::nullopt;
    }
    std::error_code ec;
    fs::last_write_time(path, fs::file_time_type::clock::now(), ec);  // recently used
    ++counters_.hits;
    return file.substr(at);
}

bool ResultCache::put(const std::string& key, const std::string& value) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string file(kMagic, sizeof kMagic);
    put_pod(file, static_cast<std::uint32_t>(key.size()));
    file += key;
    put_pod(file, static_cast<std::uint64_t>(value.size()));
    put_pod(file, fnv1a(value));
    file += value;
    if (file.size() > limit_) return false;  // would evict everything and still not fit
    evict_locked(file.size());
    std::error_code ec;
    fs::create_directories(dir_, ec);
    const std::string path = entry_path(key);
    const std::string tmp = path + ".tmp" + std::to_string(::getpid());  // per process
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(file.data(), static_cast<std::streamsize>(file.size()));
        out.flush();
        if (!out) {
            out.close();
            fs::remove(tmp, ec);
            return false;
        }
    }
    fs::rename(tmp, path, ec);
    if (ec) {
        fs::remove(tmp, ec);
        return false;
    }
    return true;
}

void ResultCache::evict_locked(std::uint64_t keep_free) {
    struct Entry {
        fs::path path;
        std::uint64_t size;
        fs::file_time_type used;
    };
    std::vector<Entry> entries;
    std::uint64_t total = 0;
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() != ".escache") continue;
        std::error_code e2;
        const std::uint64_t size = it->file_size(e2);
        const auto used = it->last_write_time(e2);
        if (e2) continue;
        entries.push_back({it->path(), size, used});
        total += size;
    }
    if (total + keep_free <= limit_) return;
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.used < b.used; });
    for (const Entry& e : entries) {
        if (total + keep_free <= limit_) break;
        std::error_code e2;
        if (fs::remove(e.path, e2)) {
            total -= e.size;
            ++counters_.evicted;
        }
    }
}

void ResultCache::clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string ext = it->path().extension().string();
        if (ext == ".escache" ||
            it->path().filename().string().find(".escache.tmp") != std::string::npos) {
            std::error_code e2;
            fs::remove(it->path(), e2);
        }
    }
}

CacheStats ResultCache::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    CacheStats s = counters_;
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() != ".escache") continue;
        std::error_code e2;
        const std::uint64_t size = it->file_size(e2);
        if (e2) continue;
        ++s.entries;
        s.bytes += size;
    }
    return s;
}

std::string dump_identity(const Dump& dump) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(dump.path(), ec);
    struct stat st {};
    long long size = -1, mtime_ns = -1;
    if (::stat(dump.path().c_str(), &st) == 0) {
        size = static_cast<long long>(st.st_size);
        mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
    }
    std::uint64_t h = fnv1a(std::string("layout"));
    for (const std::string& d : dump.all_datasets()) h = fnv1a(d + '\n', h);
    for (const auto& [k, v] : dump.attributes()) h = fnv1a(k + '=' + v + '\n', h);
    for (const StreamInfo& s : dump.streams()) {
        std::ostringstream os;
        os << s.name << ':' << s.n_states() << 'x' << s.n_tokens() << 'x' << s.d << '\n';
        h = fnv1a(os.str(), h);
    }
    h = fnv1a(std::to_string(dump.tokens().size()), h);
    std::ostringstream id;
    id << (ec ? dump.path() : canonical.string()) << '|' << size << '|' << mtime_ns << '|'
       << hex(h);
    return id.str();
}

}  // namespace es
