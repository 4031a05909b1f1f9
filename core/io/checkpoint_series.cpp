#include "io/checkpoint_series.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>

#include "io/dump.h"
#include "util/error.h"

namespace es {

namespace fs = std::filesystem;

long long step_from_file_name(const std::string& path) {
    // A folder's name (checkpoint-500/) counts as much as a file's stem.
    fs::path p(path);
    if (!p.has_filename()) p = p.parent_path();
    const std::string name = fs::is_directory(p) ? p.filename().string() : p.stem().string();
    long long value = -1;
    for (std::size_t i = 0; i < name.size();) {
        if (std::isdigit(static_cast<unsigned char>(name[i]))) {
            std::size_t j = i;
            while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
            try {
                value = std::stoll(name.substr(i, j - i));
            } catch (const std::out_of_range&) {
                value = -1;
            }
            i = j;
        } else {
            ++i;
        }
    }
    return value;
}

namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

bool has_model_files(const fs::path& folder) {
    std::error_code ec;
    if (fs::exists(folder / "config.json", ec) || fs::exists(folder / "model.safetensors", ec) ||
        fs::exists(folder / "model.safetensors.index.json", ec))
        return true;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().extension() == ".safetensors" && it->is_regular_file(ec)) return true;
    return false;
}

bool is_trainer_checkpoint(const fs::directory_entry& e) {
    std::error_code ec;
    return e.is_directory(ec) && starts_with(e.path().filename().string(), "checkpoint-");
}

// The bytes that make a checkpoint what it is: the .h5 file, or a model folder's .safetensors
// files in name order (not config.json or trainer_state.json, which differ between two
// revisions serving the same weights).
std::vector<std::string> content_files(const std::string& path) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) return {path};
    std::vector<std::string> files;
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().extension() == ".safetensors" && it->is_regular_file(ec))
            files.push_back(it->path().string());
    std::sort(files.begin(), files.end());
    return files;
}

// 64-bit hash of byte runs: four independent multiply-xor lanes over 8-byte words (several GB/s,
// so hashing a checkpoint costs about as much as reading it once). Not cryptographic: it tells
// apart checkpoints, it does not authenticate them.
class ContentHash {
public:
    void add(const unsigned char* p, std::size_t n) {
        std::size_t i = 0;
        for (; i + 32 <= n; i += 32)
            for (int l = 0; l < 4; ++l) mix(lane_[l], load(p + i + 8 * l));
        for (; i + 8 <= n; i += 8) mix(lane_[0], load(p + i));
        std::uint64_t tail = 0;
        for (std::size_t k = 0; i + k < n; ++k) tail |= std::uint64_t(p[i + k]) << (8 * k);
        mix(lane_[1], tail ^ (std::uint64_t(n) << 56));
        total_ += n;
    }
    std::uint64_t value() const {
        std::uint64_t h = total_ * 0x9E3779B97F4A7C15ull;
        for (std::uint64_t l : lane_) mix(h, l);
        return h;
    }

private:
    static std::uint64_t load(const unsigned char* p) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        return w;
    }
    static void mix(std::uint64_t& h, std::uint64_t w) {
        h ^= w;
        h *= 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
    }
    std::uint64_t lane_[4] = {1, 2, 3, 4};
    std::uint64_t total_ = 0;
};

// A checkpoint's content hash: `full` reads every byte; otherwise the sizes and 16 samples of
// 64 KiB per file, which tells different checkpoints apart at once (training changes every
// weight), leaving the full read to the candidates for a duplicate.
std::uint64_t content_hash(const std::string& entry, bool full) {
    ContentHash h;
    std::vector<unsigned char> buffer(full ? (8u << 20) : (64u << 10));
    for (const std::string& file : content_files(entry)) {
        const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw InputError(file + ": cannot open: " + std::strerror(errno));
        const off_t size = ::lseek(fd, 0, SEEK_END);
        std::uint64_t sz = static_cast<std::uint64_t>(std::max<off_t>(size, 0));
        h.add(reinterpret_cast<const unsigned char*>(&sz), sizeof sz);
        auto read_at = [&](std::uint64_t offset, std::size_t n) {
            std::size_t done = 0;
            while (done < n) {
                const ssize_t got =
                    ::pread(fd, buffer.data() + done, n - done, static_cast<off_t>(offset + done));
                if (got < 0 && errno == EINTR) continue;
                if (got <= 0) {
                    const std::string why = got < 0 ? std::strerror(errno) : "unexpected end";
                    ::close(fd);
                    throw InputError(file + ": cannot read: " + why);
                }
                done += static_cast<std::size_t>(got);
            }
            h.add(buffer.data(), n);
        };
        if (full) {
            for (std::uint64_t o = 0; o < sz; o += buffer.size())
                read_at(o,
                        static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), sz - o)));
        } else {
            constexpr std::uint64_t kSamples = 16;
            for (std::uint64_t s = 0; s < kSamples; ++s) {
                const std::uint64_t n = std::min<std::uint64_t>(buffer.size(), sz);
                const std::uint64_t o = sz > n ? (sz - n) * s / (kSamples - 1) : 0;
                read_at(o, static_cast<std::size_t>(n));
            }
        }
        ::close(fd);
    }
    return h.value();
}

// Marks each entry whose content equals an earlier entry's (same_as = that entry's index).
void flag_identical(std::vector<CheckpointEntry>& entries) {
    std::map<std::uint64_t, std::vector<std::size_t>> by_sample;
    for (std::size_t i = 0; i < entries.size(); ++i)
        by_sample[content_hash(entries[i].path, false)].push_back(i);
    for (const auto& [sample, group] : by_sample) {
        if (group.size() < 2) continue;
        std::map<std::uint64_t, std::size_t> first;  // full hash -> first entry with it
        for (std::size_t i : group) {
            const auto [it, fresh] = first.emplace(content_hash(entries[i].path, true), i);
            if (!fresh) entries[i].same_as = static_cast<int>(it->second);
        }
    }
}

}  // namespace

bool is_model_folder(const std::string& folder) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) return false;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
        if (is_trainer_checkpoint(*it)) return false;
    return has_model_files(folder);
}

std::vector<CheckpointEntry> order_checkpoint_series(const std::vector<std::string>& files) {
    std::vector<CheckpointEntry> entries;
    for (const std::string& f : files) {
        // A Trainer checkpoint's step is its trainer_state.json's global_step, which Dump::open
        // reads as the checkpoint's step (io/hf_checkpoint.cpp).
        auto dump = Dump::open(f);  // throws InputError naming the file
        CheckpointEntry e;
        e.path = f;
        if (dump->step()) {
            e.step = *dump->step();
            e.step_from_attribute = true;
        } else {
            e.step = step_from_file_name(f);
        }
        entries.push_back(e);
    }
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return a.step != b.step ? a.step < b.step : a.path < b.path;
    });
    flag_identical(entries);
    return entries;
}

std::vector<CheckpointEntry> distinct_checkpoints(const std::vector<CheckpointEntry>& entries) {
    std::vector<CheckpointEntry> out;
    for (const CheckpointEntry& e : entries)
        if (e.same_as < 0) out.push_back(e);
    return out;
}

std::vector<CheckpointEntry> list_checkpoint_series(const std::string& folder) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        throw InputError(folder +
                         ": not a folder, expected a folder of checkpoint dumps (.h5) or of "
                         "Hugging Face checkpoints");
    // Entries: .h5/.hdf5 files, Trainer checkpoint-*/ folders (listed even without weights, so
    // that the error names them), and other subfolders holding a model.
    std::vector<std::string> files;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        const auto ext = it->path().extension().string();
        if (it->is_regular_file(ec) && (ext == ".h5" || ext == ".hdf5"))
            files.push_back(it->path().string());
        else if (is_trainer_checkpoint(*it) ||
                 (it->is_directory(ec) && has_model_files(it->path())))
            files.push_back(it->path().string());
    }
    if (ec) throw InputError(folder + ": cannot list folder: " + ec.message());
    if (files.empty())
        throw InputError(folder +
                         ": no checkpoints in this folder (expected .h5 or .hdf5 files, "
                         "Trainer checkpoint-STEP folders or Hugging Face model folders)");
    std::sort(files.begin(), files.end());
    return order_checkpoint_series(files);
}

}  // namespace es
