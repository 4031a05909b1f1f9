// Layout recognition (io/layout.h): finding and classifying the datasets, building streams,
// attention and weights. Tokens and dimensions: layout_tokens.cpp.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <regex>
#include <set>

#include "io/hf_checkpoint.h"
#include "io/layout.h"
#include "io/slab.h"
#include "numerics/memory_budget.h"
#include "util/error.h"
#include "util/supervise.h"

namespace es {

namespace {

herr_t collect_link(hid_t group, const char* name, const H5L_info_t* info, void* data) {
    if (info->type != H5L_TYPE_HARD) return 0;  // soft/external links could leave the file
    H5O_info_t oinfo;
    if (H5Oget_info_by_name(group, name, &oinfo, H5P_DEFAULT) < 0) return 0;
    if (oinfo.type == H5O_TYPE_DATASET)
        static_cast<std::vector<std::string>*>(data)->push_back(name);
    return 0;
}

std::string dotted_name(const std::string& link) {
    std::string d = link;
    std::replace(d.begin(), d.end(), '/', '.');
    // Containers people wrap dumps in; the names below them are the recognised ones.
    for (const char* prefix : {"cache.", "activations.", "weights.", "state_dict.", "params."}) {
        std::size_t n = std::strlen(prefix);
        if (d.size() > n && d.compare(0, n, prefix) == 0) return d.substr(n);
    }
    return d;
}

std::string join(const std::vector<std::string>& items, std::size_t max_items = 12) {
    std::string s;
    for (std::size_t i = 0; i < items.size() && i < max_items; ++i) s += (i ? ", " : "") + items[i];
    if (items.size() > max_items) s += ", ... (" + std::to_string(items.size()) + " in all)";
    return s;
}

std::vector<std::size_t> to_sizes(const std::vector<hsize_t>& v) {
    return std::vector<std::size_t>(v.begin(), v.end());
}

bool is_per_head_hook(const std::string& hook) {
    // [B, P, H, d_head] hooks: the head axis is folded into the state width.
    return hook == "attn.q" || hook == "attn.k" || hook == "attn.v" || hook == "attn.z" ||
           hook == "attn.result" || hook == "attn.rot_q" || hook == "attn.rot_k";
}

}  // namespace

void DumpBuilder::check_file_access() {
    const std::string& p = d_.path_;
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) throw InputError(p + ": cannot open: " + std::strerror(errno));
    if (S_ISDIR(st.st_mode))
        throw InputError(p +
                         ": is a directory, expected an HDF5 file (.h5); open a folder as a "
                         "checkpoint series instead");
    if (!S_ISREG(st.st_mode)) throw InputError(p + ": not a regular file, expected an HDF5 file");
    int fd = ::open(p.c_str(), O_RDONLY);
    if (fd < 0) throw InputError(p + ": cannot open for reading: " + std::strerror(errno));
    ::close(fd);
    if (st.st_size == 0) throw InputError(p + ": empty file (0 bytes), expected an HDF5 file");
}

namespace {

// H5Fopen read-only with `fapl`, or an InputError saying why (truncation named as such).
hid_t open_read_only(const std::string& p, hid_t fapl) {
    util::note_reading(p);
    const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDONLY, fapl);
    if (f >= 0) return f;
    const h5::Error why = h5::take_error();
    if (why.message.find("truncated") != std::string::npos) {
        // "truncated file: eof = 26196, sblock->base_addr = 0, stored_eof = 52392"
        static const std::regex sizes(R"(\beof = (\d+).*\bstored_eof = (\d+))");
        std::smatch m;
        std::string how = "it is shorter than its header says";
        if (std::regex_search(why.message, m, sizes))
            how = "it ends at " + numerics::format_bytes(std::stod(m[1].str())) +
                  " but its header says " + numerics::format_bytes(std::stod(m[2].str()));
        throw InputError(p + ": truncated HDF5 file: " + how + "; was it copied completely?",
                         why.stack);
    }
    throw InputError(p + ": cannot be opened as HDF5: its header is damaged or was written by a "
                         "newer HDF5 library than this one",
                     why.stack);
}

}  // namespace

void DumpBuilder::open_file() {
    const std::string& p = d_.path_;
    htri_t is_h5 = H5Fis_hdf5(p.c_str());
    if (is_h5 <= 0) {
        const h5::Error why = h5::take_error();
        throw InputError(p + ": not an HDF5 file (no HDF5 signature found); is it the right file?",
                         "no HDF5 superblock signature (\\211HDF\\r\\n\\032\\n) at byte 0, 512, "
                         "1024, ... of the file" +
                             (why.stack.empty() ? std::string() : "\n" + why.stack));
    }
    h5::Id fapl(H5Pcreate(H5P_FILE_ACCESS));
    // No file locks: the file may be on read-only media, and we never write it anyway.
    H5Pset_file_locking(fapl.get(), false, true);
    const hid_t f = open_read_only(p, fapl.get());
    d_.impl_->file = h5::Id(f);
    // Remember the size to catch truncation while open (Impl::check_not_truncated).
    void* handle = nullptr;
    struct stat st;
    if (H5Fget_vfd_handle(f, H5P_DEFAULT, &handle) >= 0 && handle &&
        ::fstat(*static_cast<int*>(handle), &st) == 0) {
        d_.impl_->fd = *static_cast<int*>(handle);
        d_.impl_->opened_size = st.st_size;
    }
    h5::take_error_message();
}

void DumpBuilder::open_image() {
    const std::string& p = d_.path_;
    if (image_size_ == 0) throw InputError(p + ": empty file (0 bytes), expected an HDF5 file");
    h5::Id fapl(H5Pcreate(H5P_FILE_ACCESS));
    // Core driver without a backing store: the image is copied into HDF5's own buffer and
    // nothing is ever written to disk.
    if (H5Pset_fapl_core(fapl.get(), 1 << 16, false) < 0 ||
        H5Pset_file_image(fapl.get(), const_cast<void*>(image_), image_size_) < 0)
        throw InternalError(p + ": cannot set up an in-memory HDF5 image (" +
                            h5::take_error_message() + ")");
    // The name only labels the image for HDF5; the core driver never opens it on disk.
    const hid_t f = open_read_only(p, fapl.get());
    d_.impl_->file = h5::Id(f);
}

void DumpBuilder::list_datasets() {
    util::note_reading(d_.path_);  // the walk over its groups, not one dataset
    std::vector<std::string> links;
    if (H5Lvisit(d_.impl_->file.get(), H5_INDEX_NAME, H5_ITER_INC, collect_link, &links) < 0)
        throw InputError(d_.path_ +
                             ": damaged HDF5 file: the list of what it holds cannot be read; "
                             "restore it from a good copy",
                         h5::take_error().stack);
    for (const std::string& link : links) {
        std::string path = "/" + link;
        util::note_reading(d_.path_, path);
        h5::Id dset(H5Dopen2(d_.impl_->file.get(), path.c_str(), H5P_DEFAULT));
        if (!dset)
            throw InputError(d_.where(path) +
                                 "damaged dataset: its description in the file cannot be read; "
                                 "restore the file from a good copy",
                             h5::take_error().stack);
        d_.impl_->facts[path] = h5::inspect_dataset(dset.get());
        found_.push_back({path, dotted_name(link)});
        d_.all_datasets_.push_back(link);
    }
}

void DumpBuilder::classify() {
    static const std::regex layer_hook(R"(blocks\.(\d+)\.hook_(\w+))");
    static const std::regex sub_hook(R"(blocks\.(\d+)\.(attn|mlp|ln1|ln2)\.hook_(\w+))");
    static const std::regex top_hook(R"((ln_final)\.hook_(\w+))");
    std::smatch m;
    for (const Found& f : found_) {
        const std::string& n = f.dotted;
        if (std::regex_match(n, m, sub_hook)) {
            const std::size_t layer = layer_number(m[1], f.path);
            std::string sub = m[2], hook = m[3];
            if (sub == "attn" && (hook == "pattern" || hook == "attn_scores")) {
                attn_hooks_[hook][layer] = f.path;
            } else {
                layer_hooks_[sub + "." + hook][layer] = f.path;
            }
        } else if (std::regex_match(n, m, layer_hook)) {
            layer_hooks_[m[2]][layer_number(m[1], f.path)] = f.path;
        } else if (std::regex_match(n, m, top_hook)) {
            single_hooks_[std::string(m[1]) + "." + std::string(m[2])] = f.path;
        } else if (n == "hook_embed" || n == "hook_pos_embed") {
            single_hooks_[n.substr(5)] = f.path;
        } else if (n == "hidden_states") {
            hf_hidden_ = f.path;
        } else if (n == "attentions") {
            hf_attn_ = f.path;
        } else if (n == "str_tokens" || n == "token_strings" ||
                   (n == "tokens" && facts(f.path).type_class == H5T_STRING)) {
            token_strings_ = f.path;
        } else if (n == "tokens" || n == "token_ids" || n == "input_ids" || n == "hook_tokens") {
            if (token_ids_.empty() || n == "token_ids") token_ids_ = f.path;
        } else if (n.rfind("token_meta.", 0) == 0 && n.size() > 11) {
            token_meta_[n.substr(11)] = f.path;
        } else if (n == "prompts") {
            prompts_ = f.path;
        } else if (n == "vocab" && facts(f.path).type_class == H5T_STRING) {
            vocab_ = f.path;
        }
    }
}

std::size_t DumpBuilder::stacked_layers(const std::string& path) {
    const hsize_t n = facts(path).shape.at(0);
    if (n > kMaxLayers)
        throw InputError(d_.where(path) + "declares " + std::to_string(n) +
                         " layers (the first axis of shape " +
                         shape_to_string(to_sizes(facts(path).shape)) + "); more than " +
                         std::to_string(kMaxLayers) + " is not a model's");
    return static_cast<std::size_t>(n);
}

std::size_t DumpBuilder::layer_number(const std::string& digits, const std::string& path) {
    std::size_t n = 0;
    for (char c : digits) {
        n = n * 10 + static_cast<std::size_t>(c - '0');
        if (n >= kMaxLayers)
            throw InputError(d_.where(path) + "layer number " + digits.substr(0, 24) +
                             (digits.size() > 24 ? "..." : "") + " in the name; more than " +
                             std::to_string(kMaxLayers) + " layers is not a model's");
    }
    return n;
}

DType DumpBuilder::float_type(const std::string& path, const char* role) {
    DType t;
    std::string why;
    if (!classify_dtype(facts(path), t, why))
        throw InputError(d_.where(path) + why + " where floating-point " + role + " were expected");
    return t;
}

void DumpBuilder::check_usable(const std::string& path) {
    const auto& f = facts(path);
    if (f.shape.empty())
        throw InputError(d_.where(path) + "scalar dataset where an array was expected");
    for (hsize_t s : f.shape)
        if (s == 0)
            throw InputError(d_.where(path) + "empty dataset (shape " +
                             shape_to_string(to_sizes(f.shape)) + ")");
    // A damaged header may declare any shape: its size in bytes must be a number, and data
    // stored in one piece (contiguous or compact) must hold it. Chunked data may leave chunks
    // unwritten (read as fill values), so only the count limits bound it.
    std::uint64_t bytes = std::max<std::uint64_t>(f.type_size, 1);
    for (hsize_t s : f.shape)
        if (__builtin_mul_overflow(bytes, s, &bytes))
            throw InputError(d_.where(path) + "declares shape " +
                             shape_to_string(to_sizes(f.shape)) + " of " +
                             std::to_string(f.type_size) +
                             "-byte values, more bytes than can be addressed: the file is damaged");
    if ((f.layout == H5D_CONTIGUOUS || f.layout == H5D_COMPACT) && f.storage_bytes > 0 &&
        f.storage_bytes < bytes)
        throw InputError(d_.where(path) + "declares shape " + shape_to_string(to_sizes(f.shape)) +
                         " (" + std::to_string(bytes) + " bytes) but its data holds " +
                         std::to_string(f.storage_bytes) + " bytes: the file is damaged");
    if (!f.missing_filters.empty())
        throw InputError(d_.where(path) + "compressed with the HDF5 filter " +
                         join(f.missing_filters) +
                         ", which this system's HDF5 library does not provide (re-save with "
                         "gzip, e.g. h5py compression=\"gzip\")");
}

StreamInfo DumpBuilder::make_stream(const std::string& name, std::vector<std::string> state_names,
                                    std::vector<StateSource> sources, bool per_head) {
    StreamInfo s;
    s.name = name;
    s.state_names = std::move(state_names);
    s.sources = std::move(sources);
    const std::string& first = s.sources.front().dataset;
    const std::size_t lead = s.sources.front().stacked ? 1 : 0;
    for (std::size_t i = 0; i < s.sources.size(); ++i) {
        const std::string& p = s.sources[i].dataset;
        check_usable(p);
        DType t = float_type(p, "activations");
        if (i == 0) s.dtype = t;
        if (facts(p).shape != facts(first).shape)
            throw InputError(d_.where(p) + "shapes inconsistent across layers: " +
                             shape_to_string(to_sizes(facts(p).shape)) + " here but " +
                             shape_to_string(to_sizes(facts(first).shape)) + " in " + first);
    }
    const auto& f = facts(first);
    std::vector<std::size_t> shape(f.shape.begin() + static_cast<long>(lead), f.shape.end());
    s.stored_shape = shape;
    s.chunk = to_sizes(f.chunk);
    s.filters = f.filters;
    const std::size_t feature_rank = per_head ? 2 : 1;  // [H, d_head] or [D]
    if (shape.size() == feature_rank + 2) {
        s.batched = true;
        s.n_prompts = shape[0];
        s.n_positions = shape[1];
    } else if (shape.size() == feature_rank + 1) {
        s.n_prompts = 1;
        s.n_positions = shape[0];
    } else {
        throw InputError(d_.where(first) + "shape " + shape_to_string(shape) + " where " +
                         (per_head ? "[batch, pos, head, d_head] or [pos, head, d_head]"
                                   : "[batch, pos, d_model] or [pos, d_model]") +
                         " was expected");
    }
    s.d = 1;
    for (std::size_t k = shape.size() - feature_rank; k < shape.size(); ++k) s.d *= shape[k];
    if (!have_ref_) {
        have_ref_ = true;
        ref_prompts_ = s.n_prompts;
        ref_positions_ = s.n_positions;
        ref_dataset_ = first;
    } else if (s.n_prompts != ref_prompts_ || s.n_positions != ref_positions_) {
        throw InputError(d_.where(first) + "holds " + std::to_string(s.n_prompts) + " prompts x " +
                         std::to_string(s.n_positions) + " positions but " + ref_dataset_ +
                         " holds " + std::to_string(ref_prompts_) + " x " +
                         std::to_string(ref_positions_));
    }
    return s;
}

void DumpBuilder::build_streams() {
    if (!hf_hidden_.empty()) {
        check_usable(hf_hidden_);
        const auto& f = facts(hf_hidden_);
        if (f.shape.size() < 3 || f.shape.size() > 4)
            throw InputError(d_.where(hf_hidden_) + "shape " + shape_to_string(to_sizes(f.shape)) +
                             " where [layers+1, batch, pos, d_model] or [layers+1, pos, d_model] "
                             "was expected");
        std::vector<std::string> names;
        std::vector<StateSource> sources;
        const std::size_t states = stacked_layers(hf_hidden_);
        for (std::size_t l = 0; l < states; ++l) {
            names.push_back(l == 0 ? "embeddings" : "layer " + std::to_string(l));
            sources.push_back({hf_hidden_, l});
        }
        StreamInfo s = make_stream("hidden_states", names, sources, false);
        // HF applies the final norm to the last hidden state unless the exporter says otherwise.
        std::string flag;
        util::note_reading(d_.path_, hf_hidden_);
        h5::Id dset(H5Dopen2(d_.impl_->file.get(), hf_hidden_.c_str(), H5P_DEFAULT));
        if (!h5::read_attribute_text(dset.get(), "final_norm_applied", flag))
            h5::read_attribute_text(d_.impl_->file.get(), "final_norm_applied", flag);
        s.last_is_final_norm = !(flag == "false" || flag == "0" || flag == "False");
        if (s.last_is_final_norm) s.state_names.back() += " (final norm)";
        d_.streams_.push_back(std::move(s));
    }

    // Per-layer hooks; layers must be one run without gaps. The run need not start at 0: a
    // TransformerLens cache made with names_filter may hold only the last blocks.
    std::map<std::string, StreamInfo> per_layer;
    for (const auto& [hook, layers] : layer_hooks_) {
        std::size_t expected = layers.begin()->first;
        std::vector<std::string> names;
        std::vector<StateSource> sources;
        for (const auto& [layer, path] : layers) {
            if (layer != expected)
                throw InputError(d_.where(path) + "layer " + std::to_string(layer) + " of stream " +
                                 hook + " follows a gap: no layer " + std::to_string(expected));
            ++expected;
            names.push_back(path.substr(1));
            sources.push_back({path, std::nullopt});
        }
        per_layer.emplace(hook, make_stream(hook, names, sources, is_per_head_hook(hook)));
    }
    // The residual stream: the input of the first block held (the embedding for block 0) then
    // every block's output.
    auto pre = per_layer.find("resid_pre"), post = per_layer.find("resid_post");
    if (post != per_layer.end()) {
        StreamInfo resid = post->second;
        resid.name = "resid";
        const std::size_t first_post = layer_hooks_.at("resid_post").begin()->first;
        if (pre != per_layer.end() && layer_hooks_.at("resid_pre").count(first_post)) {
            const std::size_t i = first_post - layer_hooks_.at("resid_pre").begin()->first;
            resid.state_names.insert(resid.state_names.begin(), pre->second.state_names[i]);
            resid.sources.insert(resid.sources.begin(), pre->second.sources[i]);
            if (pre->second.dtype != resid.dtype || pre->second.d != resid.d)
                throw InputError(
                    d_.where(pre->second.sources[i].dataset) +
                    "shapes inconsistent across layers: resid_pre and resid_post differ");
        }
        d_.streams_.push_back(std::move(resid));
    }
    for (const char* hook : {"resid_pre", "resid_mid", "resid_post", "attn_out", "mlp_out"}) {
        auto it = per_layer.find(hook);
        if (it != per_layer.end()) {
            d_.streams_.push_back(it->second);
            per_layer.erase(it);
        }
    }
    for (auto& [hook, s] : per_layer) d_.streams_.push_back(std::move(s));
    for (const auto& [name, path] : single_hooks_)
        d_.streams_.push_back(make_stream(name, {path.substr(1)}, {{path, std::nullopt}}, false));
}

void DumpBuilder::build_attention() {
    auto add = [&](AttentionInfo a, const std::string& first, std::size_t lead) {
        const auto& f = facts(first);
        for (const StateSource& src : a.layers) {
            check_usable(src.dataset);
            a.dtype = float_type(src.dataset, "attention values");
            if (facts(src.dataset).shape != f.shape)
                throw InputError(d_.where(src.dataset) + "shapes inconsistent across layers: " +
                                 shape_to_string(to_sizes(facts(src.dataset).shape)) +
                                 " here but " + shape_to_string(to_sizes(f.shape)) + " in " +
                                 first);
        }
        std::size_t r = f.shape.size() - lead;
        if ((r != 3 && r != 4) || f.shape[f.shape.size() - 1] != f.shape[f.shape.size() - 2])
            throw InputError(d_.where(first) + "shape " + shape_to_string(to_sizes(f.shape)) +
                             " where [batch, head, query, key] was expected");
        a.n_prompts = r == 4 ? f.shape[lead] : 1;
        a.n_heads = f.shape[f.shape.size() - 3];
        a.n_positions = f.shape.back();
        if (have_ref_ && (a.n_prompts != ref_prompts_ || a.n_positions != ref_positions_))
            throw InputError(d_.where(first) + "attention covers " + std::to_string(a.n_prompts) +
                             " prompts x " + std::to_string(a.n_positions) + " positions but " +
                             ref_dataset_ + " holds " + std::to_string(ref_prompts_) + " x " +
                             std::to_string(ref_positions_));
        d_.attention_.push_back(std::move(a));
    };
    if (!hf_attn_.empty()) {
        check_usable(hf_attn_);
        AttentionInfo a;
        a.name = "pattern";
        const std::size_t layers = stacked_layers(hf_attn_);
        for (std::size_t l = 0; l < layers; ++l) a.layers.push_back({hf_attn_, l});
        add(std::move(a), hf_attn_, 1);
    }
    for (const auto& [hook, layers] : attn_hooks_) {
        AttentionInfo a;
        a.name = hook;
        std::size_t expected = 0;
        for (const auto& [layer, path] : layers) {
            if (layer != expected)
                throw InputError(d_.where(path) + "layer " + std::to_string(layer) +
                                 " of attention " + hook + " follows a gap: no layer " +
                                 std::to_string(expected));
            ++expected;
            a.layers.push_back({path, std::nullopt});
        }
        add(std::move(a), layers.begin()->second, 0);
    }
}

void DumpBuilder::build_weights() {
    static const std::regex tl_weight(
        R"((embed\.W_E|pos_embed\.W_pos|unembed\.[Wb]_U|ln_final\.[wb]|blocks\.\d+\.(attn|mlp|ln1|ln2)\.\w+))");
    std::set<std::string> used = {hf_hidden_, hf_attn_, token_strings_,
                                  token_ids_, prompts_, vocab_};
    for (const Found& f : found_) {
        if (used.count(f.path)) continue;
        const std::string& n = f.dotted;
        const std::string last = n.substr(n.rfind('.') == std::string::npos ? 0 : n.rfind('.') + 1);
        if (last.rfind("hook_", 0) == 0) continue;  // activations, handled above
        const bool known = std::regex_match(n, tl_weight) || n.find("lora_") != std::string::npos;
        DType t;
        std::string why;
        if (!classify_dtype(facts(f.path), t, why)) {
            if (known)
                throw InputError(d_.where(f.path) + why +
                                 " where floating-point weights were expected");
            continue;  // some other data the exporter kept; listed in all_datasets
        }
        if (!known) continue;  // unknown float data is listed in all_datasets, never guessed at
        check_usable(f.path);
        WeightInfo w;
        w.name = n;
        w.dataset = f.path;
        w.shape = to_sizes(facts(f.path).shape);
        w.dtype = t;
        d_.weights_[n] = std::move(w);
    }
}

void DumpBuilder::run() {
    if (!image_ && io::is_hf_checkpoint_path(d_.path_)) {
        run_hf_checkpoint();
        return;
    }
    h5::silence_errors();
    if (image_) {
        open_image();
    } else {
        check_file_access();
        open_file();
    }
    d_.attributes_ = h5::read_all_attributes_text(d_.impl_->file.get());
    for (const auto& [k, v] : d_.attributes_) {
        if (k != "step") continue;
        try {
            d_.step_ = std::stoll(v);
        } catch (...) {
        }
    }
    list_datasets();
    classify();
    build_streams();
    build_attention();
    build_weights();
    build_tokens();
    build_token_columns();
    build_dims();
    if (!hf_hidden_.empty())
        d_.layout_ = Layout::HuggingFace;
    else if (!d_.streams_.empty() || !d_.attention_.empty())
        d_.layout_ = Layout::TransformerLens;
    else if (!d_.weights_.empty())
        d_.layout_ = Layout::WeightsOnly;
    else
        throw InputError(
            d_.path_ +
            ": no recognised layout (expected TransformerLens names such as "
            "blocks.0.hook_resid_post or embed.W_E, or Hugging Face "
            "hidden_states); found: " +
            (d_.all_datasets_.empty() ? std::string("no datasets") : join(d_.all_datasets_)));
}

}  // namespace es
