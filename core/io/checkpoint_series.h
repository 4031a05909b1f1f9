#pragma once
// A checkpoint series: a folder (or list) of dumps of one model at several training steps,
// ordered by the root attribute `step`, or else by the last number in the file name.
#include <string>
#include <vector>

namespace es {

struct CheckpointEntry {
    std::string path;
    long long step = 0;
    bool step_from_attribute = false;  // false: taken from the file name (or its position)
};

// Lists *.h5 / *.hdf5 files of a folder, ordered by step. Throws InputError when the folder
// cannot be read, holds no dump, or a file is not a readable dump (the error names it).
std::vector<CheckpointEntry> list_checkpoint_series(const std::string& folder);
// The same for an explicit list of files.
std::vector<CheckpointEntry> order_checkpoint_series(const std::vector<std::string>& files);

// The last run of digits in a file name ("ckpt_step_001200.h5" -> 1200), or -1.
long long step_from_file_name(const std::string& path);

}  // namespace es
