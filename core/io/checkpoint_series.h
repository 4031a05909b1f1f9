#pragma once
// A checkpoint series: dumps of one model at several training steps. A folder of .h5/.hdf5 dumps
// (step from the root attribute `step`, else the last number in the file name), a Hugging Face
// Trainer output folder (checkpoint-STEP/ subfolders, step from their trainer_state.json's
// global_step, else the folder name), or any folder of Hugging Face model folders (step1000/,
// step2000/ ...). Checkpoints whose content is byte-for-byte the same as an earlier step's (a hub
// serving one file under two revisions) are flagged, so that analyses do not count them twice.
#include <string>
#include <vector>

namespace es {

struct CheckpointEntry {
    std::string path;  // an .h5 file or a model folder
    long long step = 0;
    bool step_from_attribute = false;  // false: taken from the file name (or its position)
    // Index (in the ordered series) of an earlier entry with identical content, or -1.
    int same_as = -1;
};

// Lists the checkpoints of a folder, ordered by step, identical ones flagged. Throws InputError
// when the folder cannot be read, holds no checkpoint, or one is not a readable dump (the error
// names it).
std::vector<CheckpointEntry> list_checkpoint_series(const std::string& folder);
// The same for an explicit list of files (or model folders).
std::vector<CheckpointEntry> order_checkpoint_series(const std::vector<std::string>& files);
// The entries that count as steps: those not flagged as the same as an earlier one.
std::vector<CheckpointEntry> distinct_checkpoints(const std::vector<CheckpointEntry>& entries);

// The last run of digits in a file name ("ckpt_step_001200.h5" -> 1200), or -1.
long long step_from_file_name(const std::string& path);

// What a folder opens as: one Hugging Face model (config.json, *.safetensors or a shard index in
// it, and no checkpoint-*/ subfolders), or else a checkpoint series.
bool is_model_folder(const std::string& folder);

}  // namespace es
