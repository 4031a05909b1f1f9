#include "io/dump.h"

#include <sys/stat.h>

#include <algorithm>

#include "io/dump_impl.h"
#include "io/hf_checkpoint.h"
#include "io/layout.h"
#include "io/slab.h"
#include "numerics/memory_budget.h"
#include "util/error.h"
#include "util/supervise.h"
#include "util/token_text.h"

namespace es {

std::string TokenInfo::label() const {
    return token_label(text, id);
}

const char* dtype_name(DType t) {
    switch (t) {
        case DType::Float16:
            return "float16";
        case DType::BFloat16:
            return "bfloat16";
        case DType::Float32:
            return "float32";
        case DType::Float64:
            return "float64";
        case DType::Float8E4M3:
            return "float8_e4m3";
        case DType::Float8E5M2:
            return "float8_e5m2";
    }
    return "?";
}

std::size_t dtype_size(DType t) {
    switch (t) {
        case DType::Float16:
        case DType::BFloat16:
            return 2;
        case DType::Float32:
            return 4;
        case DType::Float64:
            return 8;
        case DType::Float8E4M3:
        case DType::Float8E5M2:
            return 1;
    }
    return 0;
}

const char* layout_name(Layout l) {
    switch (l) {
        case Layout::TransformerLens:
            return "transformerlens";
        case Layout::HuggingFace:
            return "huggingface";
        case Layout::WeightsOnly:
            return "weights-only";
    }
    return "?";
}

std::string shape_to_string(const std::vector<std::size_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

Dump::~Dump() = default;

namespace {

// A dataset the listing found but HDF5 cannot open now: its header is damaged.
[[noreturn]] void throw_cannot_open(const std::string& file_path, const std::string& path) {
    throw InputError(file_path + ": " + path +
                         ": damaged dataset: its description in the file cannot be read; "
                         "restore the file from a good copy",
                     h5::take_error().stack);
}

}  // namespace

std::shared_ptr<h5::Id> Dump::Impl::dataset(const std::string& path, const std::string& file_path) {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto it = open_datasets.begin(); it != open_datasets.end(); ++it) {
        if (it->path == path) {
            open_datasets.splice(open_datasets.begin(), open_datasets, it);
            return it->id;
        }
    }
    h5::silence_errors();
    // Filtered (compressed) chunks: 16 MiB of cache and a prime slot count well above the chunks
    // a slab touches (numerics notes: the 1 MiB default re-inflates gzip chunks for every
    // partial read). Unfiltered chunks: no cache, so HDF5 reads selections straight from the
    // file into our buffer instead of through a cached copy (M-dump trajectories: 1.2 s -> 0.75 s
    // of CPU, 413 -> 262 MB peak). The filter count is only known once the dataset is open.
    auto open_with_cache = [&](std::size_t bytes) {
        h5::Id dapl(H5Pcreate(H5P_DATASET_ACCESS));
        H5Pset_chunk_cache(dapl.get(), 4099, bytes, 1.0);
        return H5Dopen2(file.get(), path.c_str(), dapl.get());
    };
    hid_t id = open_with_cache(kChunkCacheBytes);
    if (id < 0) throw_cannot_open(file_path, path);
    bool unfiltered = false;
    {
        h5::Id dcpl(H5Dget_create_plist(id));
        unfiltered = dcpl.get() >= 0 && H5Pget_layout(dcpl.get()) == H5D_CHUNKED &&
                     H5Pget_nfilters(dcpl.get()) == 0;
    }
    if (unfiltered) {
        // HDF5 shares one object per open dataset, configured by its first open: close first.
        H5Dclose(id);
        id = open_with_cache(0);
        if (id < 0) throw_cannot_open(file_path, path);
    }
    auto shared = std::make_shared<h5::Id>(id);
    open_datasets.push_front({path, shared});
    if (open_datasets.size() > kMaxOpen) open_datasets.pop_back();  // readers keep their shared_ptr
    return shared;
}

void Dump::Impl::check_not_truncated(const std::string& file_path,
                                     const std::string& dataset) const {
    struct stat st;
    if (fd < 0 || ::fstat(fd, &st) != 0 || st.st_size >= opened_size) return;
    throw InputError(file_path + ": " + dataset + ": read failed: the file was truncated on disk " +
                     "while open (" + std::to_string(st.st_size) + " bytes now, " +
                     std::to_string(opened_size) + " when opened); reopen it");
}

std::string Dump::where(const std::string& dataset) const {
    return dataset.empty() ? path_ + ": " : path_ + ": " + dataset + ": ";
}

const StreamInfo* Dump::find_stream(const std::string& name) const {
    for (const auto& s : streams_)
        if (s.name == name) return &s;
    return nullptr;
}

const StreamInfo& Dump::stream(const std::string& name) const {
    if (!name.empty()) {
        if (const StreamInfo* s = find_stream(name)) return *s;
        std::string known;
        for (const auto& s : streams_) known += (known.empty() ? "" : ", ") + s.name;
        throw InputError(where() + "no stream named '" + name +
                         "' (streams: " + (known.empty() ? "none" : known) + ")");
    }
    for (const char* preferred : {"resid", "hidden_states", "resid_post", "resid_pre"})
        if (const StreamInfo* s = find_stream(preferred)) return *s;
    throw InputError(where() +
                     "no residual stream (expected blocks.{l}.hook_resid_post or "
                     "hidden_states); this dump holds " +
                     std::string(layout_name(layout_)));
}

const AttentionInfo* Dump::find_attention(const std::string& name) const {
    for (const auto& a : attention_)
        if (a.name == name) return &a;
    return nullptr;
}

const WeightInfo* Dump::find_weight(const std::string& name) const {
    auto it = weights_.find(name);
    return it == weights_.end() ? nullptr : &it->second;
}

void Dump::read_states(const StreamInfo& stream, std::size_t state, std::size_t begin,
                       std::size_t end, float* out) const {
    if (state >= stream.n_states())
        throw InputError(where() + "stream " + stream.name + " has " +
                         std::to_string(stream.n_states()) + " states, asked for state " +
                         std::to_string(state));
    if (begin > end || end > stream.n_tokens())
        throw InputError(where() + "token range [" + std::to_string(begin) + ", " +
                         std::to_string(end) + ") outside the " +
                         std::to_string(stream.n_tokens()) + " tokens of stream " + stream.name);
    const StateSource& src = stream.sources[state];
    const h5::DatasetFacts& facts = impl_->facts.at(src.dataset);
    const util::ReadingStep step(path_, src.dataset);  // bounded in time when supervised
    auto dset = impl_->dataset(src.dataset, path_);

    // Stored shape: [stacked?] [prompts?] positions, trailing... ; trailing dims are read whole.
    const bool batched = stream.batched;
    const std::size_t rank = facts.shape.size();
    const std::size_t P = stream.n_positions;
    std::size_t t = begin;
    float* dst = out;
    while (t < end) {
        std::size_t prompt = t / P, pos = t % P;
        // Whole prompts at once when aligned; otherwise the rest of this prompt.
        std::size_t n_prompts_here = 1, n_pos_here = std::min(P - pos, end - t);
        if (pos == 0 && end - t >= P) {
            n_prompts_here = (end - t) / P;
            n_pos_here = P;
        }
        std::vector<hsize_t> start(rank, 0), count(facts.shape.begin(), facts.shape.end());
        std::size_t axis = 0;
        if (src.stacked) {
            start[0] = *src.stacked;
            count[0] = 1;
            axis = 1;
        }
        if (batched) {
            start[axis] = prompt;
            count[axis] = n_prompts_here;
            ++axis;
        } else if (n_prompts_here != 1 || prompt != 0) {
            throw InternalError(where(src.dataset) + "prompt index out of range");
        }
        start[axis] = pos;
        count[axis] = n_pos_here;
        try {
            read_hyperslab_f32(dset->get(), facts, stream.dtype, start, count, dst, impl_->fd);
        } catch (const InputError& e) {
            impl_->check_not_truncated(path_, src.dataset);  // the clearer message, if so
            throw InputError(where(src.dataset) + "read failed: " + e.what(), e.detail());
        }
        std::size_t n_tok = n_prompts_here * n_pos_here;
        dst += n_tok * stream.d;
        t += n_tok;
    }
    impl_->check_not_truncated(path_, src.dataset);
}

Tensor Dump::read_weight(const std::string& name) const {
    const WeightInfo* w = find_weight(name);
    if (!w) throw InputError(where() + "no weight named '" + name + "'");
    return read_weight_rows(name, 0, w->shape.empty() ? 0 : w->shape[0]);
}

Tensor Dump::read_weight_rows(const std::string& name, std::size_t begin, std::size_t end) const {
    const WeightInfo* w = find_weight(name);
    if (!w) throw InputError(where() + "no weight named '" + name + "'");
    if (weights_from_ && weights_from_->find_weight(name))
        return weights_from_->read_weight_rows(name, begin, end);
    if (impl_->checkpoint) return read_checkpoint_weight(*w, false, begin, end);
    const h5::DatasetFacts& facts = impl_->facts.at(w->dataset);
    Tensor t;
    t.shape = w->shape;
    std::vector<hsize_t> start(facts.shape.size(), 0),
        count(facts.shape.begin(), facts.shape.end());
    if (!w->shape.empty()) {
        if (begin > end || end > w->shape[0])
            throw InputError(where(w->dataset) + "rows [" + std::to_string(begin) + ", " +
                             std::to_string(end) + ") outside " + shape_to_string(w->shape));
        start[0] = begin;
        count[0] = end - begin;
        t.shape[0] = end - begin;
    }
    // A declared shape may be far larger than the data written (chunks never written read as
    // fill values): refused before allocating, naming the dataset, not a bad_alloc.
    numerics::require_memory(static_cast<double>(t.size()) * sizeof(float),
                             "rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                                 ") of shape " + shape_to_string(w->shape),
                             where(w->dataset));
    t.data.resize(w->shape.empty() ? 1 : t.size());
    const util::ReadingStep step(path_, w->dataset);  // bounded in time when supervised
    auto dset = impl_->dataset(w->dataset, path_);
    try {
        read_hyperslab_f32(dset->get(), facts, w->dtype, start, count, t.data.data(), impl_->fd);
    } catch (const InputError& e) {
        impl_->check_not_truncated(path_, w->dataset);
        throw InputError(where(w->dataset) + "read failed: " + e.what(), e.detail());
    }
    impl_->check_not_truncated(path_, w->dataset);
    return t;
}

Tensor Dump::read_checkpoint_weight(const WeightInfo& w, bool transposed, std::size_t begin,
                                    std::size_t end) const {
    Tensor t;
    t.shape = w.shape;
    if (transposed) std::swap(t.shape[0], t.shape[1]);
    if (!t.shape.empty()) {
        if (begin > end || end > t.shape[0])
            throw InputError(where(w.dataset) + (transposed ? "columns [" : "rows [") +
                             std::to_string(begin) + ", " + std::to_string(end) + ") outside " +
                             shape_to_string(w.shape));
        t.shape[0] = end - begin;
    }
    numerics::require_memory(static_cast<double>(t.size()) * sizeof(float),
                             "rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                                 ") of shape " + shape_to_string(w.shape),
                             where(w.dataset));
    t.data.resize(t.shape.empty() ? 1 : t.size());
    impl_->checkpoint->read_rows(w.name, transposed, begin, end, t.data.data());
    return t;
}

Tensor Dump::read_weight_columns(const std::string& name, std::size_t begin,
                                 std::size_t end) const {
    const WeightInfo* w = find_weight(name);
    if (!w) throw InputError(where() + "no weight named '" + name + "'");
    if (w->shape.size() != 2)
        throw InputError(where(w->dataset) + "weight '" + name + "' has shape " +
                         shape_to_string(w->shape) + ", not a matrix");
    if (weights_from_ && weights_from_->find_weight(name))
        return weights_from_->read_weight_columns(name, begin, end);
    if (impl_->checkpoint) return read_checkpoint_weight(*w, true, begin, end);
    if (begin > end || end > w->shape[1])
        throw InputError(where(w->dataset) + "columns [" + std::to_string(begin) + ", " +
                         std::to_string(end) + ") outside " + shape_to_string(w->shape));
    // HDF5: the column block as stored (rows x (end - begin)), then transposed in memory.
    const std::size_t rows = w->shape[0], cols = end - begin;
    numerics::require_memory(
        2.0 * static_cast<double>(rows) * static_cast<double>(cols) * sizeof(float),
        "columns [" + std::to_string(begin) + ", " + std::to_string(end) + ") of shape " +
            shape_to_string(w->shape),
        where(w->dataset));
    const h5::DatasetFacts& facts = impl_->facts.at(w->dataset);
    std::vector<float> block(rows * cols);
    const util::ReadingStep step(path_, w->dataset);
    auto dset = impl_->dataset(w->dataset, path_);
    try {
        read_hyperslab_f32(dset->get(), facts, w->dtype, {0, begin}, {rows, cols}, block.data(),
                           impl_->fd);
    } catch (const InputError& e) {
        impl_->check_not_truncated(path_, w->dataset);
        throw InputError(where(w->dataset) + "read failed: " + e.what(), e.detail());
    }
    impl_->check_not_truncated(path_, w->dataset);
    Tensor t;
    t.shape = {cols, rows};
    t.data.resize(rows * cols);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) t.data[c * rows + r] = block[r * cols + c];
    return t;
}

Tensor Dump::read_attention(const AttentionInfo& att, std::size_t layer, std::size_t prompt,
                            std::size_t head) const {
    if (layer >= att.layers.size() || prompt >= att.n_prompts || head >= att.n_heads)
        throw InputError(where() + "attention index out of range (layer " + std::to_string(layer) +
                         ", prompt " + std::to_string(prompt) + ", head " + std::to_string(head) +
                         ")");
    const StateSource& src = att.layers[layer];
    const h5::DatasetFacts& facts = impl_->facts.at(src.dataset);
    std::vector<hsize_t> start(facts.shape.size(), 0),
        count(facts.shape.begin(), facts.shape.end());
    std::size_t axis = 0;
    if (src.stacked) {
        start[0] = *src.stacked;
        count[0] = 1;
        axis = 1;
    }
    if (facts.shape.size() - axis == 4) {  // [B, H, P, P]
        start[axis] = prompt;
        count[axis] = 1;
        ++axis;
    }
    start[axis] = head;
    count[axis] = 1;
    Tensor t;
    t.shape = {att.n_positions, att.n_positions};
    numerics::require_memory(static_cast<double>(t.size()) * sizeof(float),
                             "one attention pattern of " + std::to_string(att.n_positions) + " x " +
                                 std::to_string(att.n_positions) + " positions",
                             where(src.dataset));
    t.data.resize(t.size());
    const util::ReadingStep step(path_, src.dataset);  // bounded in time when supervised
    auto dset = impl_->dataset(src.dataset, path_);
    try {
        read_hyperslab_f32(dset->get(), facts, att.dtype, start, count, t.data.data(), impl_->fd);
    } catch (const InputError& e) {
        impl_->check_not_truncated(path_, src.dataset);
        throw InputError(where(src.dataset) + "read failed: " + e.what(), e.detail());
    }
    impl_->check_not_truncated(path_, src.dataset);
    return t;
}

std::shared_ptr<Dump> Dump::open(const std::string& path) {
    std::shared_ptr<Dump> dump(new Dump());
    dump->path_ = path;
    dump->impl_ = std::make_unique<Impl>();
    const util::ReadingStep opening(path);  // each note inside is a step of its own
    DumpBuilder(*dump).run();
    return dump;
}

std::shared_ptr<Dump> Dump::open(const std::string& path, const std::string& weights_path) {
    std::shared_ptr<Dump> dump = open(path);
    if (weights_path.empty()) return dump;
    std::shared_ptr<const Dump> weights = open(weights_path);
    if (weights->weights().empty())
        throw InputError(weights_path + ": no weights to attach to " + path);
    const ModelDims& w = weights->dims();
    ModelDims& d = dump->dims_;
    // The residual stream's width is the activations' d_model even when no attribute says so.
    std::optional<std::size_t> width = d.d_model;
    if (!width)
        for (const StreamInfo& s : dump->streams_)
            if (s.name == "resid" || s.name == "hidden_states") width = s.d;
    if (width && w.d_model && *width != *w.d_model)
        throw InputError(path + ": its residual stream is " + std::to_string(*width) +
                         " wide, but the weights in " + weights_path + " have d_model " +
                         std::to_string(*w.d_model) + ": not the same model");
    if (d.n_layers && w.n_layers && *d.n_layers != *w.n_layers)
        throw InputError(path + ": " + std::to_string(*d.n_layers) + " layers, but " +
                         weights_path + " has " + std::to_string(*w.n_layers) +
                         ": not the same model");
    for (auto [mine, theirs] : {std::pair{&d.n_layers, &w.n_layers},
                                {&d.n_heads, &w.n_heads},
                                {&d.n_kv_heads, &w.n_kv_heads},
                                {&d.d_model, &w.d_model},
                                {&d.d_head, &w.d_head},
                                {&d.d_vocab, &w.d_vocab},
                                {&d.n_ctx, &w.n_ctx},
                                {&d.d_mlp, &w.d_mlp}})
        if (!*mine) *mine = *theirs;
    for (const auto& [name, info] : weights->weights()) dump->weights_[name] = info;
    for (const std::string& n : weights->notes()) dump->notes_.push_back(weights_path + ": " + n);
    dump->attributes_.emplace_back("weights", weights_path);
    // How to apply the weights' final norm (logit lens) comes with them, unless the dump says;
    // so do config.json's facts (the Dataset panel, info).
    for (const auto& [k, v] : weights->attributes())
        if (k == "norm" || k == "eps" || k.rfind("config.json:", 0) == 0) {
            bool have = false;
            for (const auto& a : dump->attributes_) have |= a.first == k;
            if (!have) dump->attributes_.emplace_back(k, v);
        }
    std::sort(dump->attributes_.begin(), dump->attributes_.end());
    dump->weights_from_ = std::move(weights);
    dump->weights_path_ = weights_path;
    return dump;
}

std::shared_ptr<Dump> Dump::open_image(const void* data, std::size_t size,
                                       const std::string& display_name) {
    std::shared_ptr<Dump> dump(new Dump());
    dump->path_ = display_name;
    dump->impl_ = std::make_unique<Impl>();
    // A null pointer with a size would be a caller bug; an empty image is the user's.
    static const char kEmpty = 0;
    const util::ReadingStep opening(display_name);
    DumpBuilder(*dump, data ? data : &kEmpty, data ? size : 0).run();
    return dump;
}

}  // namespace es
