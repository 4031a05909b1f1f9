// Opening a Hugging Face checkpoint as a Dump (io/hf_checkpoint.h): finding its files, reading
// config.json and the shard index, the safetensors headers, and the family mapping
// (hf_families.cpp) into the Dump's weights. Reads go through HfCheckpoint::read_rows.
#include "io/hf_checkpoint.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "io/layout.h"
#include "util/error.h"
#include "util/supervise.h"

namespace es {

namespace fs = std::filesystem;

namespace io {

namespace {

bool ends_with(const std::string& s, const std::string& end) {
    return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}

// config.json and the index are small: far above any real one, far below memory.
constexpr std::uintmax_t kMaxJsonFileBytes = 64u << 20;

}  // namespace

std::string read_small_file(const std::string& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) throw InputError(path + ": cannot read: " + ec.message());
    if (size > kMaxJsonFileBytes)
        throw InputError(path + ": " + std::to_string(size) +
                         " bytes, far larger than any config or index (64 MiB at most)");
    util::note_reading(path);
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) throw InputError(path + ": cannot read: " + std::strerror(errno));
    return text.str();
}

namespace {

nlohmann::json parse_object(const std::string& file, const std::string& text, const char* what) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw InputError(file + ": not valid JSON, expected " + what, e.what());
    }
    if (!j.is_object()) throw InputError(file + ": not a JSON object, expected " + what);
    return j;
}

}  // namespace

bool is_hf_checkpoint_path(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) return true;
    return ends_with(path, ".safetensors") || ends_with(path, ".safetensors.index.json");
}

nlohmann::json parse_hf_config(const std::string& file, const std::string& text) {
    return parse_object(file, text, "a model's config.json");
}

std::map<std::string, std::string> parse_hf_index(const std::string& file,
                                                  const std::string& text) {
    const nlohmann::json j = parse_object(file, text, "a safetensors index with a weight_map");
    auto map = j.find("weight_map");
    if (map == j.end() || !map->is_object())
        throw InputError(file + ": no weight_map object (tensor name -> shard file)");
    std::map<std::string, std::string> out;
    for (const auto& [tensor, shard] : map->items()) {
        if (!shard.is_string())
            throw InputError(file + ": " + tensor + ": the shard is " + shard.dump() +
                             ", expected a file name");
        const std::string name = shard.get<std::string>();
        // A shard lives next to the index: no paths that could leave the folder.
        if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
            name.find('\\') != std::string::npos || name.find('\0') != std::string::npos)
            throw InputError(file + ": " + tensor + ": shard '" + name +
                             "' is not a plain file name in the checkpoint's folder");
        out.emplace(tensor, name);
    }
    return out;
}

void HfCheckpoint::read_rows(const std::string& name, bool transposed, std::size_t begin,
                             std::size_t end, float* out) const {
    const Weight& w = weights.at(name);
    w.file->read_view_rows(*w.tensor, transposed ? w.view.transposed() : w.view, begin, end, out);
}

}  // namespace io

namespace {

// The safetensors files of a checkpoint path, the config.json to use ("" when none) and the
// index ("" when none).
struct CheckpointFiles {
    std::vector<std::string> shards;
    std::string config, index, trainer_state;
};

CheckpointFiles find_checkpoint_files(const std::string& path) {
    CheckpointFiles f;
    std::error_code ec;
    fs::path folder = path;
    if (!fs::is_directory(path, ec)) {
        folder = fs::path(path).parent_path();
        if (folder.empty()) folder = ".";
        if (io::ends_with(path, ".json"))
            f.index = path;
        else
            f.shards = {path};
    } else if (fs::exists(folder / "model.safetensors.index.json", ec)) {
        f.index = (folder / "model.safetensors.index.json").string();
    } else if (fs::exists(folder / "model.safetensors", ec)) {
        f.shards = {(folder / "model.safetensors").string()};
    } else {
        for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
            if (it->path().extension() == ".safetensors") f.shards.push_back(it->path().string());
        if (ec) throw InputError(path + ": cannot list folder: " + ec.message());
        std::sort(f.shards.begin(), f.shards.end());
        if (f.shards.empty()) {
            const bool config = fs::exists(folder / "config.json", ec);
            const bool pickle = fs::exists(folder / "pytorch_model.bin", ec) ||
                                fs::exists(folder / "pytorch_model.bin.index.json", ec);
            throw InputError(
                path + ": is a directory, expected an HDF5 file (.h5) or a model folder with " +
                "config.json and .safetensors files" +
                (pickle   ? "; pytorch_model.bin is PyTorch's pickle format, which is not read: "
                            "save with save_pretrained(..., safe_serialization=True)"
                 : config ? "; this folder has config.json but no .safetensors files"
                          : "; open a folder of .h5 dumps as a checkpoint series "
                            "instead"));
        }
    }
    if (fs::exists(folder / "config.json", ec)) f.config = (folder / "config.json").string();
    if (fs::exists(folder / "trainer_state.json", ec))
        f.trainer_state = (folder / "trainer_state.json").string();
    return f;
}

}  // namespace

// config.json's key facts, shown by `info` and the Dataset panel as attributes "config.json:KEY",
// and what the logit lens needs to apply the final norm as the model does: `norm` (Llama-like
// families use RMSNorm, no centring) and `eps`.
void DumpBuilder::add_config_facts(const nlohmann::json& config, const std::string& family) {
    static const char* const kFacts[] = {"model_type",          "architectures",
                                         "hidden_size",         "n_embd",
                                         "num_hidden_layers",   "n_layer",
                                         "num_attention_heads", "n_head",
                                         "num_key_value_heads", "head_dim",
                                         "intermediate_size",   "n_inner",
                                         "vocab_size",          "max_position_embeddings",
                                         "n_positions",         "tie_word_embeddings",
                                         "torch_dtype",         "rope_theta",
                                         "hidden_act",          "activation_function",
                                         "rms_norm_eps",        "layer_norm_eps",
                                         "layer_norm_epsilon",  "transformers_version"};
    for (const char* key : kFacts) {
        const auto it = config.find(key);
        if (it == config.end() || it->is_null()) continue;
        std::string text;
        if (it->is_string())
            text = it->get<std::string>();
        else if (it->is_array()) {
            for (const auto& x : *it)
                text +=
                    (text.empty() ? "" : ", ") + (x.is_string() ? x.get<std::string>() : x.dump());
        } else
            text = it->dump();
        d_.attributes_.emplace_back(std::string("config.json:") + key, text);
    }
    if (family == "llama" || family == "phi3") d_.attributes_.emplace_back("norm", "rmsnorm");
    for (const char* key : {"rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon"})
        if (const auto it = config.find(key); it != config.end() && it->is_number()) {
            d_.attributes_.emplace_back("eps", it->dump());
            break;
        }
}

void DumpBuilder::run_hf_checkpoint() {
    const std::string& p = d_.path_;
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) throw InputError(p + ": cannot open: " + std::strerror(errno));
    CheckpointFiles files = find_checkpoint_files(p);
    auto checkpoint = std::make_shared<io::HfCheckpoint>();
    std::map<std::string, std::string> index;
    if (!files.index.empty()) {
        index = io::parse_hf_index(files.index, io::read_small_file(files.index));
        std::set<std::string> shards;
        for (const auto& [tensor, shard] : index) shards.insert(shard);
        const fs::path folder = fs::path(files.index).parent_path();
        for (const std::string& s : shards) files.shards.push_back((folder / s).string());
        if (files.shards.empty())
            throw InputError(files.index + ": the weight_map names no tensors");
    }
    io::Catalog catalog;
    std::vector<std::string> notes;
    for (const std::string& shard : files.shards) {
        checkpoint->files.push_back(std::make_unique<io::SafetensorsFile>(shard));
        const io::SafetensorsFile& file = *checkpoint->files.back();
        const std::string name = fs::path(shard).filename().string();
        for (const std::string& n : file.header().notes) notes.push_back(name + ": " + n);
        for (const io::SafetensorsTensor& t : file.header().tensors) {
            if (!t.type) continue;  // noted by the header already
            if (t.elements == 0) {  // nothing to analyse, and its sizes need not be sane
                notes.push_back(name + ": " + t.name + ": empty tensor " +
                                shape_to_string(t.shape) + " left out");
                continue;
            }
            auto [it, fresh] = catalog.emplace(t.name, io::CatalogEntry{&t, shard});
            if (!fresh)
                throw InputError(shard + ": " + t.name + ": also in " + it->second.file +
                                 "; which one is the model's?");
        }
        for (const auto& [k, v] : file.header().metadata)
            d_.attributes_.emplace_back(name + ":" + k, v);
    }
    for (const auto& [tensor, shard] : index) {
        const auto it = catalog.find(tensor);
        const fs::path expected = fs::path(files.index).parent_path() / shard;
        if (it == catalog.end() || fs::path(it->second.file) != expected) {
            // Tensors of types not read are in the headers but not the catalog: fine.
            bool listed = false;
            for (const auto& f : checkpoint->files)
                if (fs::path(f->path()) == expected && f->header().find(tensor)) listed = true;
            if (!listed)
                throw InputError(expected.string() + ": " + tensor + ": " + files.index +
                                 " says this shard holds it, but it does not");
        }
    }
    nlohmann::json config;
    const bool have_config = !files.config.empty();
    if (have_config) config = io::parse_hf_config(files.config, io::read_small_file(files.config));
    io::FamilyMapping mapping = io::map_hf_family(
        have_config ? &config : nullptr, have_config ? files.config : p + "/config.json", catalog);
    for (const io::MappedWeight& m : mapping.weights) {
        const io::CatalogEntry& e = catalog.at(m.source);
        io::HfCheckpoint::Weight w;
        for (const auto& f : checkpoint->files)
            if (f->path() == e.file) w.file = f.get();
        w.tensor = e.tensor;
        w.view = m.view;
        if (m.view.extent() > e.tensor->elements)
            throw InternalError(e.file + ": " + m.source + ": view of " + m.name +
                                " outside the tensor");
        checkpoint->weights[m.name] = w;
        WeightInfo info;
        info.name = m.name;
        info.dataset = fs::path(e.file).filename().string() + ": " + m.source;
        info.shape = m.view.shape;
        info.dtype = *e.tensor->type;
        info.source = m.source;
        info.source_transform = m.transform;
        info.stored_transposed = m.view.shape.size() == 2 && m.view.strides[0] < m.view.strides[1];
        info.source_shape = e.tensor->shape;
        info.source_strides = m.view.strides;
        info.source_offset = m.view.offset;
        d_.weights_[m.name] = std::move(info);
    }
    for (const auto& [name, entry] : catalog) d_.all_datasets_.push_back(name);
    d_.dims_ = mapping.dims;
    d_.attributes_.emplace_back("format", "safetensors");
    if (!files.trainer_state.empty()) {
        // A Trainer checkpoint (checkpoint-STEP/): its step orders the checkpoint series.
        const nlohmann::json state =
            io::parse_object(files.trainer_state, io::read_small_file(files.trainer_state),
                             "a Trainer state with global_step");
        const auto g = state.find("global_step");
        if (g == state.end() || !g->is_number_integer())
            throw InputError(files.trainer_state + ": global_step is " +
                             (g == state.end() ? std::string("missing") : g->dump()) +
                             ", expected the training step as a whole number");
        d_.step_ = g->get<long long>();
        d_.attributes_.emplace_back("step", std::to_string(*d_.step_));
    }
    if (have_config && config.contains("model_type") && config["model_type"].is_string())
        d_.attributes_.emplace_back("model_type", config["model_type"].get<std::string>());
    d_.attributes_.emplace_back("family", mapping.family.empty() ? "unmapped" : mapping.family);
    if (have_config) add_config_facts(config, mapping.family);
    d_.notes_ = std::move(notes);
    d_.notes_.insert(d_.notes_.end(), mapping.notes.begin(), mapping.notes.end());
    std::sort(d_.attributes_.begin(), d_.attributes_.end());
    d_.impl_->checkpoint = std::move(checkpoint);
    d_.layout_ = Layout::WeightsOnly;
    if (d_.weights_.empty())
        throw InputError(p + ": no floating-point tensors in this checkpoint" +
                         (d_.notes_.empty() ? std::string() : " (" + d_.notes_.front() + ")"));
}

}  // namespace es
