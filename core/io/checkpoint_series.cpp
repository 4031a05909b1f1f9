#include "io/checkpoint_series.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "io/dump.h"
#include "util/error.h"

namespace es {

namespace fs = std::filesystem;

long long step_from_file_name(const std::string& path) {
    const std::string name = fs::path(path).stem().string();
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

std::vector<CheckpointEntry> order_checkpoint_series(const std::vector<std::string>& files) {
    std::vector<CheckpointEntry> entries;
    for (const std::string& f : files) {
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
    return entries;
}

std::vector<CheckpointEntry> list_checkpoint_series(const std::string& folder) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        throw InputError(folder + ": not a folder, expected a folder of checkpoint dumps (.h5)");
    std::vector<std::string> files;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        const auto ext = it->path().extension().string();
        if (it->is_regular_file(ec) && (ext == ".h5" || ext == ".hdf5"))
            files.push_back(it->path().string());
    }
    if (ec) throw InputError(folder + ": cannot list folder: " + ec.message());
    if (files.empty()) throw InputError(folder + ": no .h5 or .hdf5 files in this folder");
    std::sort(files.begin(), files.end());
    return order_checkpoint_series(files);
}

}  // namespace es
