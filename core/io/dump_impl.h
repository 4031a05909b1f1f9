#pragma once
// Private state of a Dump: the open file and its datasets. Shared by dump.cpp (reads) and
// layout.cpp (recognition); not part of the public API.
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "io/dump.h"
#include "io/h5.h"

namespace es {

namespace io {
class HfCheckpoint;
}

struct Dump::Impl {
    // Set for a safetensors checkpoint, whose weights are read through it (no HDF5 file then).
    std::shared_ptr<const io::HfCheckpoint> checkpoint;

    h5::Id file;
    // Facts of every dataset, by HDF5 path; filled once at open.
    std::map<std::string, h5::DatasetFacts> facts;

    // A few datasets stay open with a chunk cache sized for slab reads; the least recently used
    // one is closed, so memory stays bounded however many layers a dump has.
    struct OpenDataset {
        std::string path;
        std::shared_ptr<h5::Id> id;
    };
    std::mutex mutex;
    std::list<OpenDataset> open_datasets;
    static constexpr std::size_t kMaxOpen = 8;
    static constexpr std::size_t kChunkCacheBytes = 16u << 20;

    std::shared_ptr<h5::Id> dataset(const std::string& path, const std::string& file_path);

    // The open file's descriptor (owned by HDF5) and its size at open; -1 for in-memory images.
    // HDF5 reads past the end of a file as zeros, so a file truncated while open would give
    // silently wrong numbers: every read checks the size afterwards and fails instead.
    int fd = -1;
    long long opened_size = -1;
    void check_not_truncated(const std::string& file_path, const std::string& dataset) const;
};

}  // namespace es
