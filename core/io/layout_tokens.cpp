// The token table (ids, strings, vocabulary, prompts) and the model's dimensions, for the layout
// recognition of io/layout.h.
#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "io/layout.h"
#include "util/error.h"
#include "util/supervise.h"

namespace es {

void DumpBuilder::check_tokens_shape(const std::string& path, std::size_t prompts,
                                     std::size_t positions) {
    if (!have_ref_) return;
    if (prompts * positions != ref_prompts_ * ref_positions_)
        throw InputError(d_.where(path) + "has " + std::to_string(prompts * positions) +
                         " tokens but the activations (" + ref_dataset_ + ") hold " +
                         std::to_string(ref_prompts_) + " prompts x " +
                         std::to_string(ref_positions_) + " positions");
}

void DumpBuilder::build_tokens() {
    if (!vocab_.empty()) {
        util::note_reading(d_.path_, vocab_);
        h5::Id dset(H5Dopen2(d_.impl_->file.get(), vocab_.c_str(), H5P_DEFAULT));
        try {
            d_.vocabulary_ = h5::read_strings(dset.get());
        } catch (const InputError& e) {
            throw InputError(d_.where(vocab_) + "cannot read the vocabulary: " + e.what(),
                             e.detail());
        }
    }
    std::size_t prompts = have_ref_ ? ref_prompts_ : 0, positions = have_ref_ ? ref_positions_ : 0;
    std::vector<std::string> texts;
    std::vector<long long> ids;
    auto shape_of = [&](const std::string& path) {
        const auto& s = facts(path).shape;
        std::size_t n = 1;
        for (auto v : s) n *= v;
        check_tokens_shape(path, n / (s.empty() ? 1 : s.back()), s.empty() ? 1 : s.back());
        return n;
    };
    // One token dataset, its shape checked first; a failed read names it.
    auto read_tokens = [&](const std::string& path, const char* what, auto read) {
        shape_of(path);
        util::note_reading(d_.path_, path);
        h5::Id dset(H5Dopen2(d_.impl_->file.get(), path.c_str(), H5P_DEFAULT));
        try {
            return read(dset.get());
        } catch (const InputError& e) {
            throw InputError(d_.where(path) + "cannot read " + what + ": " + e.what(), e.detail());
        }
    };
    if (!token_strings_.empty())
        texts = read_tokens(token_strings_, "token strings", h5::read_strings);
    if (!token_ids_.empty()) {
        const auto& f = facts(token_ids_);
        if (f.type_class != H5T_INTEGER)
            throw InputError(d_.where(token_ids_) + "token ids must be integers, found a " +
                             (f.type_class == H5T_STRING ? "string" : "floating-point") +
                             " dataset");
        ids = read_tokens(token_ids_, "token ids", h5::read_integers);
    }
    if (!have_ref_) {  // weights-only dumps may still carry tokens: take their own shape
        const std::string& p = !token_strings_.empty() ? token_strings_ : token_ids_;
        if (p.empty()) return;
        const auto& s = facts(p).shape;
        positions = s.empty() ? 1 : s.back();
        std::size_t n = std::max(texts.size(), ids.size());
        prompts = positions ? n / positions : 0;
    }
    // A table of one entry per token: a declared size far beyond any real dump (the fuzzer made
    // one of 10^10 positions, with no data written) would take minutes and gigabytes to build.
    constexpr double kMaxTokens = double(std::size_t{1} << 24);
    if (static_cast<double>(prompts) * static_cast<double>(positions) > kMaxTokens)
        throw InputError(d_.where(have_ref_                 ? ref_dataset_
                                  : !token_strings_.empty() ? token_strings_
                                                            : token_ids_) +
                         "declares " + std::to_string(prompts) + " prompts x " +
                         std::to_string(positions) + " positions; more than " +
                         std::to_string(std::size_t{1} << 24) + " tokens is not supported");
    d_.n_prompts_ = prompts;
    for (std::size_t b = 0; b < prompts; ++b) {
        for (std::size_t p = 0; p < positions; ++p) {
            std::size_t t = b * positions + p;
            TokenInfo tok;
            tok.prompt = b;
            tok.position = p;
            if (t < ids.size()) tok.id = ids[t];
            // The raw text; without one, an id stays the token's name (TokenInfo::label()).
            if (t < texts.size())
                tok.text = texts[t];
            else if (tok.id && *tok.id >= 0 &&
                     static_cast<std::size_t>(*tok.id) < d_.vocabulary_.size())
                tok.text = d_.vocabulary_[static_cast<std::size_t>(*tok.id)];
            else if (!tok.id)
                tok.text =
                    prompts > 1 ? std::to_string(b) + ":" + std::to_string(p) : std::to_string(p);
            d_.tokens_.push_back(std::move(tok));
        }
    }
    if (!prompts_.empty() && facts(prompts_).type_class == H5T_STRING) {
        util::note_reading(d_.path_, prompts_);
        h5::Id dset(H5Dopen2(d_.impl_->file.get(), prompts_.c_str(), H5P_DEFAULT));
        d_.prompt_texts_ = h5::read_strings(dset.get());
    }
}

void DumpBuilder::build_token_columns() {
    for (const auto& [name, path] : token_meta_) {
        const auto& f = facts(path);
        std::size_t n = 1;
        for (auto v : f.shape) n *= static_cast<std::size_t>(v);
        if (f.type_class != H5T_STRING && f.type_class != H5T_INTEGER && f.type_class != H5T_FLOAT)
            throw InputError(d_.where(path) +
                             "a token metadata column must hold strings or numbers (booleans: "
                             "store them as integers)");
        if (n != d_.tokens_.size())
            throw InputError(d_.where(path) + "has " + std::to_string(n) +
                             " values; a token metadata column needs one per token (" +
                             std::to_string(d_.tokens_.size()) + ")");
        util::note_reading(d_.path_, path);
        h5::Id dset(H5Dopen2(d_.impl_->file.get(), path.c_str(), H5P_DEFAULT));
        TokenColumn col;
        col.name = name;
        col.dataset = path;
        try {
            if (f.type_class == H5T_STRING) {
                col.categorical = true;
                col.labels = h5::read_strings(dset.get());
            } else {
                col.values = h5::read_doubles(dset.get());
                std::string flag;
                if (h5::read_attribute_text(dset.get(), "categorical", flag) &&
                    (flag == "1" || flag == "True" || flag == "true")) {
                    col.categorical = true;
                    for (double v : col.values) {
                        std::ostringstream text;
                        text << v;
                        col.labels.push_back(text.str());
                    }
                    col.values.clear();
                }
            }
        } catch (const InputError& e) {
            throw InputError(d_.where(path) + "cannot read the token metadata: " + e.what(),
                             e.detail());
        }
        d_.token_columns_.push_back(std::move(col));
    }
}

void DumpBuilder::build_dims() {
    ModelDims& m = d_.dims_;
    auto w = [&](const char* name) { return d_.find_weight(name); };
    std::size_t max_layer = 0;
    bool any_layer = false;
    for (const auto& [name, info] : d_.weights_) {
        static const std::regex block(R"(blocks\.(\d+)\..*)");
        std::smatch mt;
        if (std::regex_match(name, mt, block)) {
            max_layer = std::max(max_layer, layer_number(mt[1], info.dataset));
            any_layer = true;
        }
    }
    for (const auto& [hook, layers] : layer_hooks_) {
        max_layer = std::max(max_layer, layers.rbegin()->first);
        any_layer = true;
    }
    if (any_layer) m.n_layers = max_layer + 1;
    if (const StreamInfo* s = d_.find_stream("hidden_states")) m.n_layers = s->n_states() - 1;
    if (const WeightInfo* q = w("blocks.0.attn.W_Q"); q && q->shape.size() == 3) {
        m.n_heads = q->shape[0];
        m.d_model = q->shape[1];
        m.d_head = q->shape[2];
    }
    if (const WeightInfo* k = w("blocks.0.attn._W_K"); k && k->shape.size() == 3)
        m.n_kv_heads = k->shape[0];
    else if (m.n_heads && w("blocks.0.attn.W_K"))
        m.n_kv_heads = m.n_heads;
    if (!m.n_heads && !d_.attention_.empty()) m.n_heads = d_.attention_.front().n_heads;
    if (!m.d_head) {
        if (const StreamInfo* q = d_.find_stream("attn.q"); q && q->stored_shape.size() >= 2)
            m.d_head = q->stored_shape.back();
    }
    if (const WeightInfo* e = w("embed.W_E"); e && e->shape.size() == 2) {
        m.d_vocab = e->shape[0];
        if (!m.d_model) m.d_model = e->shape[1];
    } else if (const WeightInfo* u = w("unembed.W_U"); u && u->shape.size() == 2) {
        m.d_vocab = u->shape[1];
        if (!m.d_model) m.d_model = u->shape[0];
    }
    if (!m.d_model) {
        if (const StreamInfo* s = d_.find_stream("resid"))
            m.d_model = s->d;
        else if (const StreamInfo* h = d_.find_stream("hidden_states"))
            m.d_model = h->d;
    }
    if (const WeightInfo* p = w("pos_embed.W_pos"); p && p->shape.size() == 2)
        m.n_ctx = p->shape[0];
    if (const WeightInfo* in = w("blocks.0.mlp.W_in"); in && in->shape.size() == 2)
        m.d_mlp = in->shape[1];
    // Root attributes fill what the arrays do not say (they never override measured shapes).
    auto attr = [&](const char* key, std::optional<std::size_t>& slot) {
        if (slot) return;
        for (const auto& [k, v] : d_.attributes_) {
            if (k != key) continue;
            try {
                long long n = std::stoll(v);
                if (n > 0) slot = static_cast<std::size_t>(n);
            } catch (...) {
            }
        }
    };
    attr("n_layers", m.n_layers);
    attr("n_heads", m.n_heads);
    attr("d_model", m.d_model);
    attr("d_head", m.d_head);
    attr("d_vocab", m.d_vocab);
    attr("n_ctx", m.n_ctx);
    attr("d_mlp", m.d_mlp);
    attr("n_key_value_heads", m.n_kv_heads);
}

}  // namespace es
