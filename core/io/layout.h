#pragma once
// Layout recognition: turns the datasets of a file into streams, attention, weights and tokens.
// Accepts TransformerLens cache/state-dict names (dotted at the root or as nested groups, with or
// without the batch axis) and Hugging Face outputs; see docs/FORMAT.md. Private to core/io:
// Dump::open and Dump::open_image (dump.cpp) run it. layout.cpp finds and classifies the
// datasets and builds streams, attention and weights; layout_tokens.cpp the token table and the
// model's dimensions.
#include <map>

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "io/dump.h"
#include "io/dump_impl.h"

namespace es {

// A dataset of the file.
struct Found {
    std::string path;    // HDF5 path "/a/b"
    std::string dotted;  // "a.b" with a known container prefix removed
};

class DumpBuilder {
public:
    explicit DumpBuilder(Dump& dump) : d_(dump) {}
    // An in-memory image instead of the file at d_.path_ (open_image).
    DumpBuilder(Dump& dump, const void* image, std::size_t size)
        : d_(dump), image_(image), image_size_(size) {}
    void run();
    // A Hugging Face checkpoint (folder or .safetensors) instead: hf_checkpoint.cpp.
    void run_hf_checkpoint();
    void add_config_facts(const nlohmann::json& config, const std::string& family);

private:
    Dump& d_;
    const void* image_ = nullptr;
    std::size_t image_size_ = 0;
    std::vector<Found> found_;
    // Per-layer hooks: stream name -> layer -> dataset path.
    std::map<std::string, std::map<std::size_t, std::string>> layer_hooks_;
    std::map<std::string, std::string> single_hooks_;                       // "embed" -> path
    std::map<std::string, std::map<std::size_t, std::string>> attn_hooks_;  // "pattern" -> layers
    std::string hf_hidden_, hf_attn_, token_strings_, token_ids_, prompts_, vocab_;
    std::map<std::string, std::string> token_meta_;  // column name -> dataset path
    std::size_t ref_prompts_ = 0, ref_positions_ = 0;
    bool have_ref_ = false;
    std::string ref_dataset_;

    // Layers a file may declare, counting hidden states and attention layers and numbering
    // blocks.N: far beyond any model (the largest have a few hundred), and a declared
    // 5.8 x 10^17 would otherwise be looped over (one state name each) until memory runs out.
    static constexpr std::size_t kMaxLayers = std::size_t{1} << 16;

    const h5::DatasetFacts& facts(const std::string& path) { return d_.impl_->facts.at(path); }
    // The first axis of `path`, the layers it stacks, refused beyond kMaxLayers.
    std::size_t stacked_layers(const std::string& path);
    // The layer number N of a name blocks.N..., refused beyond kMaxLayers (not an exception
    // from std::stoul on 30 digits).
    std::size_t layer_number(const std::string& digits, const std::string& path);
    void check_file_access();
    void open_file();
    void open_image();
    void list_datasets();
    void classify();
    DType float_type(const std::string& path, const char* role);
    void check_usable(const std::string& path);
    void check_tokens_shape(const std::string& path, std::size_t prompts, std::size_t positions);
    StreamInfo make_stream(const std::string& name, std::vector<std::string> state_names,
                           std::vector<StateSource> sources, bool per_head);
    void build_streams();
    void build_attention();
    void build_weights();
    void build_tokens();
    void build_token_columns();  // after build_tokens: the token count is known
    void build_dims();
};

}  // namespace es
