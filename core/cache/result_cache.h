#pragma once
// A disk cache of expensive analysis results (spectra, circuits, CKA, projections), so opening
// the same dump again shows them at once. Keys name the dump's identity (dump_identity), the
// analysis, its options and the Eigenscope version; values are opaque bytes (result_codec.h).
// Entries are written atomically (temporary file + rename), carry a checksum and their key, and
// are dropped when either does not match (stale or corrupt entries are recomputed, never used).
// Least-recently-used entries are evicted beyond a size limit. Thread-safe. The directory is
// the caller's (the app: the XDG cache dir), never next to the user's file.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace es {

class Dump;

struct CacheStats {
    std::size_t entries = 0;
    std::uint64_t bytes = 0;
    std::size_t hits = 0, misses = 0, corrupt = 0, evicted = 0;  // since construction
};

class ResultCache {
public:
    ResultCache(std::string dir, std::uint64_t limit_bytes);

    std::optional<std::string> get(const std::string& key);  // marks the entry recently used
    // Stores (replacing any older value); false when the cache cannot be written (the caller
    // carries on without it: a cache is never a reason to fail an analysis).
    bool put(const std::string& key, const std::string& value);
    void clear();
    CacheStats stats() const;
    const std::string& dir() const { return dir_; }
    std::uint64_t limit_bytes() const { return limit_; }

private:
    std::string entry_path(const std::string& key) const;
    void evict_locked(std::uint64_t keep_free);

    std::string dir_;
    std::uint64_t limit_;
    mutable std::mutex mutex_;
    CacheStats counters_;
};

// What makes two opens of a file the same dump: its canonical path, size and modification time
// (nanoseconds), and a hash of its layout (datasets, shapes, attributes, tokens). Any change to
// the file changes the identity, so results cached for the old contents are never shown.
std::string dump_identity(const Dump& dump);

}  // namespace es
