#pragma once
// Hugging Face checkpoints opened natively: a model folder (config.json + model.safetensors, or
// shards model-0000k-of-0000n.safetensors with model.safetensors.index.json) or a single
// .safetensors file (config.json next to it when present). The tensors of known families (GPT-2,
// GPT-NeoX/Pythia, Llama/Mistral/Qwen2, Gemma, Phi-3) become the TransformerLens weights the
// analyses use (embed.W_E, blocks.{l}.attn.W_Q [H, D, d_head], ...), each a view of the stored
// tensor (rows, columns, per-head split, transpose) rather than a copy; every other tensor keeps
// its own name. Private to core/io (Dump::open) and the tests. No Qt.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"
#include "io/safetensors.h"

namespace es::io {

// True when Dump::open should read `path` as a checkpoint: a folder, a *.safetensors file or a
// model.safetensors.index.json.
bool is_hf_checkpoint_path(const std::string& path);

// A small JSON file's text (config.json, an index, trainer_state.json, adapter_config.json: at
// most 64 MiB); InputError naming it when it cannot be read.
std::string read_small_file(const std::string& path);
// config.json as a JSON object; InputError naming `file` when it is not one.
nlohmann::json parse_hf_config(const std::string& file, const std::string& text);
// model.safetensors.index.json: tensor name -> shard file name (a plain name in the same folder;
// paths leaving the folder are refused). InputError naming `file` (and the tensor).
std::map<std::string, std::string> parse_hf_index(const std::string& file, const std::string& text);

// Every decoded tensor of the checkpoint and the file it is in (for messages).
struct CatalogEntry {
    const SafetensorsTensor* tensor = nullptr;
    std::string file;
};
using Catalog = std::map<std::string, CatalogEntry>;

// One weight of the Dump: a view of a stored tensor.
struct MappedWeight {
    std::string name;       // TransformerLens role, or the tensor's own name when not mapped
    std::string source;     // the tensor's name in the checkpoint
    std::string transform;  // how the view is taken, for people ("" when the tensor as it is)
    TensorView view;
};

struct FamilyMapping {
    std::string family;  // "gpt2", "gpt_neox", "llama", "gemma", "phi3", or "" when not mapped
    std::vector<MappedWeight> weights;
    ModelDims dims;
    std::vector<std::string> notes;  // what was not mapped, tied embeddings, ...
};

// Maps the catalog by config.json (nullptr when there is none). `config_file` names it in
// messages. InputError when a known family's tensor is missing or its shape disagrees with the
// config.
FamilyMapping map_hf_family(const nlohmann::json* config, const std::string& config_file,
                            const Catalog& catalog);

// The opened files and the views of every weight, for Dump's reads.
class HfCheckpoint {
public:
    std::vector<std::unique_ptr<SafetensorsFile>> files;
    struct Weight {
        const SafetensorsFile* file = nullptr;
        const SafetensorsTensor* tensor = nullptr;
        TensorView view;
    };
    std::map<std::string, Weight> weights;

    // Rows [begin, end) of a weight (or of its transpose, 2-D only) as float32 into out.
    void read_rows(const std::string& name, bool transposed, std::size_t begin, std::size_t end,
                   float* out) const;
};

}  // namespace es::io
