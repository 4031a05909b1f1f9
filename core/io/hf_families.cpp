// Hugging Face model families mapped to the TransformerLens roles (io/hf_checkpoint.h). Every
// mapped weight is a TensorView of one stored tensor: Linear layers store [out, in] and Conv1D
// (GPT-2) [in, out], fused attention projections hold Q, K and V as blocks of rows (Llama-style
// qkv_proj), blocks of columns (GPT-2 c_attn) or interleaved per head (GPT-NeoX), and
// TransformerLens wants W_Q|W_K|W_V as [H, d_model, d_head] and W_O as [H, d_head, d_model].
#include <set>

#include "io/hf_checkpoint.h"
#include "util/error.h"

namespace es::io {

namespace {

using Shape = std::vector<std::size_t>;

// Views of a stored tensor t (row-major; a 2-D tensor is [R, C]).
TensorView whole(const SafetensorsTensor& t) {
    TensorView v;
    v.shape = t.shape;
    v.strides.assign(t.shape.size(), 1);
    for (std::size_t k = t.shape.size(); k-- > 1;) v.strides[k - 1] = v.strides[k] * t.shape[k];
    return v;
}
// Rows r0 .. r0+n of [R, C], transposed: [C, n] (a Linear [out, in] read as [in, out]).
TensorView rows_transposed(const SafetensorsTensor& t, std::size_t r0, std::size_t n) {
    const std::size_t C = t.shape[1];
    return {{C, n}, {1, C}, r0 * C};
}
// Heads of a Linear [out, in] projection: row r0 + h * head_step + e is head h's output e;
// TransformerLens [H, in, d_head].
TensorView heads_from_rows(const SafetensorsTensor& t, std::size_t r0, std::size_t head_step,
                           std::size_t H, std::size_t dh) {
    const std::size_t C = t.shape[1];
    return {{H, C, dh}, {head_step * C, 1, C}, r0 * C};
}
// Heads of a Conv1D [in, out] projection (GPT-2): column c0 + h * dh + e; [H, in, d_head].
TensorView heads_from_columns(const SafetensorsTensor& t, std::size_t c0, std::size_t H,
                              std::size_t dh) {
    const std::size_t R = t.shape[0], C = t.shape[1];
    return {{H, R, dh}, {dh, C, 1}, c0};
}
// The output projection of a Linear [d_model, H * d_head]: [H, d_head, d_model].
TensorView out_heads_from_columns(const SafetensorsTensor& t, std::size_t H, std::size_t dh) {
    const std::size_t R = t.shape[0], C = t.shape[1];
    return {{H, dh, R}, {dh, 1, C}, 0};
}
// The output projection of a Conv1D [H * d_head, d_model]: [H, d_head, d_model], a reshape.
TensorView out_heads_from_rows(const SafetensorsTensor& t, std::size_t H, std::size_t dh) {
    const std::size_t C = t.shape[1];
    return {{H, dh, C}, {dh * C, C, 1}, 0};
}
// A 1-D bias of fused or per-head outputs: element off + h * head_step + e; [H, d_head].
TensorView bias_heads(std::size_t off, std::size_t head_step, std::size_t H, std::size_t dh) {
    return {{H, dh}, {head_step, 1}, off};
}

std::string range(std::size_t a, std::size_t n) {
    return std::to_string(a) + "-" + std::to_string(a + n - 1);
}

// A positive size from config.json under the first of `keys` present, bounded far above any
// model so that products of sizes cannot overflow.
std::optional<std::size_t> config_size(const nlohmann::json* cfg, const std::string& file,
                                       std::initializer_list<const char*> keys) {
    if (!cfg) return std::nullopt;
    for (const char* k : keys) {
        auto it = cfg->find(k);
        if (it == cfg->end() || it->is_null()) continue;
        if (!it->is_number_unsigned() || it->get<std::uint64_t>() == 0 ||
            it->get<std::uint64_t>() > (1u << 24))
            throw InputError(file + ": " + k + " is " + it->dump() +
                             ", expected a positive whole number (at most 16777216)");
        return it->get<std::size_t>();
    }
    return std::nullopt;
}

std::string config_text(const nlohmann::json* cfg, const char* key) {
    if (!cfg) return {};
    auto it = cfg->find(key);
    return it != cfg->end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool config_flag(const nlohmann::json* cfg, const char* key, bool fallback) {
    if (!cfg) return fallback;
    auto it = cfg->find(key);
    return it != cfg->end() && it->is_boolean() ? it->get<bool>() : fallback;
}

// Buffers some checkpoints carry that are not weights: causal masks, rotary frequencies.
bool is_buffer(const std::string& name) {
    for (const char* end : {".attn.bias", ".attn.masked_bias", ".attention.bias",
                            ".attention.masked_bias", "rotary_emb.inv_freq"})
        if (name.size() >= std::string(end).size() &&
            name.compare(name.size() - std::string(end).size(), std::string::npos, end) == 0)
            return true;
    return false;
}

class Mapper {
public:
    Mapper(const Catalog& catalog, const std::string& config_file)
        : catalog_(catalog), config_file_(config_file) {}

    const SafetensorsTensor* find(const std::string& name) const {
        auto it = catalog_.find(name);
        return it == catalog_.end() ? nullptr : it->second.tensor;
    }
    bool has(const std::string& name) const { return find(name) != nullptr; }

    // The tensor, with this shape (0 in `shape`: any size, returned in `shape`).
    const SafetensorsTensor& need(const std::string& name, Shape& shape) const {
        auto it = catalog_.find(name);
        if (it == catalog_.end())
            throw InputError(config_file_ + ": no tensor " + name + " in the checkpoint, which " +
                             out.family + " models have (config.json: " + dims_text() + ")");
        const SafetensorsTensor& t = *it->second.tensor;
        bool ok = t.shape.size() == shape.size();
        for (std::size_t k = 0; ok && k < shape.size(); ++k)
            ok = shape[k] == 0 ? t.shape[k] > 0 : t.shape[k] == shape[k];
        if (!ok) {
            std::string want = "[";
            for (std::size_t k = 0; k < shape.size(); ++k)
                want += (k ? ", " : "") + (shape[k] ? std::to_string(shape[k]) : std::string("*"));
            throw InputError(it->second.file + ": " + name + ": shape " + shape_to_string(t.shape) +
                             " but config.json (" + dims_text() + ") implies " + want + "]");
        }
        shape = t.shape;
        return t;
    }
    const SafetensorsTensor& need(const std::string& name, Shape&& shape) const {
        return need(name, shape);
    }

    void add(const std::string& role, const std::string& source, const TensorView& view,
             const std::string& transform) {
        out.weights.push_back({role, source, transform, view});
        used_.insert(source);
    }
    // An optional tensor under a role, as it is stored (biases, norms), when present with `shape`.
    void add_if(const std::string& role, const std::string& source, const Shape& shape) {
        const SafetensorsTensor* t = find(source);
        if (!t) return;
        if (t->shape != shape)
            throw InputError(catalog_.at(source).file + ": " + source + ": shape " +
                             shape_to_string(t->shape) + ", expected " + shape_to_string(shape) +
                             " (config.json: " + dims_text() + ")");
        add(role, source, whole(*t), "");
    }
    // The unembedding: lm_head [V, D] transposed, or the embedding's transpose when tied.
    void unembed(const std::string& lm_head, const std::string& embed, bool tied) {
        const SafetensorsTensor& e = need(embed, Shape{0, *out.dims.d_model});
        const SafetensorsTensor* head = find(lm_head);
        if (tied || !head) {
            add("unembed.W_U", embed, rows_transposed(e, 0, e.shape[0]), "transposed, tied");
            out.notes.push_back(std::string("unembed.W_U is embed.W_E transposed: ") +
                                (tied ? "tie_word_embeddings" : "no " + lm_head + " tensor"));
            return;
        }
        const SafetensorsTensor& h = need(lm_head, Shape{0, *out.dims.d_model});
        add("unembed.W_U", lm_head, rows_transposed(h, 0, h.shape[0]), "transposed");
    }

    // Every tensor not mapped keeps its own name; buffers are left out.
    void keep_the_rest() {
        std::size_t buffers = 0, kept = 0;
        for (const auto& [name, entry] : catalog_) {
            if (used_.count(name)) continue;
            if (!out.family.empty() && is_buffer(name)) {
                ++buffers;
                continue;
            }
            out.weights.push_back({name, name, "", whole(*entry.tensor)});
            ++kept;
        }
        if (buffers)
            out.notes.push_back(std::to_string(buffers) +
                                " buffers (attention masks, rotary frequencies) left out");
        if (kept && !out.family.empty())
            out.notes.push_back(std::to_string(kept) + " tensors not mapped to " +
                                "TransformerLens roles keep their own names");
    }

    std::string dims_text() const {
        const ModelDims& d = out.dims;
        auto s = [](const std::optional<std::size_t>& v) {
            return v ? std::to_string(*v) : std::string("?");
        };
        return s(d.n_layers) + " layers, " + s(d.n_heads) + " heads (" + s(d.n_kv_heads) +
               " key/value), d_model " + s(d.d_model) + ", d_head " + s(d.d_head);
    }

    FamilyMapping out;

private:
    const Catalog& catalog_;
    std::string config_file_;
    std::set<std::string> used_;
};

// The prefix (among `prefixes`) under which `probe` is stored.
std::string prefix_of(const Mapper& m, const std::string& probe,
                      std::initializer_list<const char*> prefixes) {
    for (const char* p : prefixes)
        if (m.has(p + probe)) return p;
    return *prefixes.begin();
}

void map_gpt2(Mapper& m, const nlohmann::json* cfg) {
    const std::size_t H = *m.out.dims.n_heads, D = *m.out.dims.d_model, dh = *m.out.dims.d_head;
    const std::string p = prefix_of(m, "wte.weight", {"transformer.", ""});
    const SafetensorsTensor& wte = m.need(p + "wte.weight", Shape{0, D});
    m.add("embed.W_E", p + "wte.weight", whole(wte), "");
    m.out.dims.d_vocab = wte.shape[0];
    if (m.has(p + "wpe.weight")) {
        const SafetensorsTensor& wpe = m.need(p + "wpe.weight", Shape{0, D});
        m.add("pos_embed.W_pos", p + "wpe.weight", whole(wpe), "");
        m.out.dims.n_ctx = wpe.shape[0];
    }
    for (std::size_t l = 0; l < *m.out.dims.n_layers; ++l) {
        const std::string h = p + "h." + std::to_string(l) + ".",
                          b = "blocks." + std::to_string(l) + ".";
        const std::string qkv = h + "attn.c_attn.weight";
        const SafetensorsTensor& c_attn = m.need(qkv, Shape{D, 3 * D});
        const char* roles[] = {"W_Q", "W_K", "W_V"};
        const char* bias_roles[] = {"b_Q", "b_K", "b_V"};
        const bool attn_bias = m.has(h + "attn.c_attn.bias");
        if (attn_bias) m.need(h + "attn.c_attn.bias", Shape{3 * D});
        for (std::size_t i = 0; i < 3; ++i) {
            m.add(b + "attn." + roles[i], qkv, heads_from_columns(c_attn, i * D, H, dh),
                  "columns " + range(i * D, D) + " split into heads");
            if (attn_bias)
                m.add(b + "attn." + bias_roles[i], h + "attn.c_attn.bias",
                      bias_heads(i * D, dh, H, dh), "elements " + range(i * D, D) + " per head");
        }
        const SafetensorsTensor& c_proj = m.need(h + "attn.c_proj.weight", Shape{D, D});
        m.add(b + "attn.W_O", h + "attn.c_proj.weight", out_heads_from_rows(c_proj, H, dh),
              "rows split into heads");
        m.add_if(b + "attn.b_O", h + "attn.c_proj.bias", {D});
        const SafetensorsTensor& c_fc = m.need(h + "mlp.c_fc.weight", Shape{D, 0});
        const std::size_t dm = c_fc.shape[1];
        m.out.dims.d_mlp = dm;
        m.add(b + "mlp.W_in", h + "mlp.c_fc.weight", whole(c_fc), "");
        m.add_if(b + "mlp.b_in", h + "mlp.c_fc.bias", {dm});
        const SafetensorsTensor& out = m.need(h + "mlp.c_proj.weight", Shape{dm, D});
        m.add(b + "mlp.W_out", h + "mlp.c_proj.weight", whole(out), "");
        m.add_if(b + "mlp.b_out", h + "mlp.c_proj.bias", {D});
        for (const char* n : {"1", "2"}) {
            m.add_if(b + "ln" + n + ".w", h + "ln_" + n + ".weight", {D});
            m.add_if(b + "ln" + n + ".b", h + "ln_" + n + ".bias", {D});
        }
    }
    m.add_if("ln_final.w", p + "ln_f.weight", {D});
    m.add_if("ln_final.b", p + "ln_f.bias", {D});
    m.unembed("lm_head.weight", p + "wte.weight", config_flag(cfg, "tie_word_embeddings", true));
}

void map_neox(Mapper& m, const nlohmann::json* cfg) {
    const std::size_t H = *m.out.dims.n_heads, D = *m.out.dims.d_model, dh = *m.out.dims.d_head;
    const std::string p = prefix_of(m, "embed_in.weight", {"gpt_neox.", ""});
    const SafetensorsTensor& e = m.need(p + "embed_in.weight", Shape{0, D});
    m.add("embed.W_E", p + "embed_in.weight", whole(e), "");
    m.out.dims.d_vocab = e.shape[0];
    for (std::size_t l = 0; l < *m.out.dims.n_layers; ++l) {
        const std::string h = p + "layers." + std::to_string(l) + ".",
                          b = "blocks." + std::to_string(l) + ".";
        // Rows (head, q|k|v, d_head): head h's query rows start at 3 h d_head.
        const std::string qkv = h + "attention.query_key_value.weight";
        const SafetensorsTensor& t = m.need(qkv, Shape{3 * D, D});
        const bool bias = m.has(h + "attention.query_key_value.bias");
        if (bias) m.need(h + "attention.query_key_value.bias", Shape{3 * D});
        const char* roles[] = {"W_Q", "W_K", "W_V"};
        const char* bias_roles[] = {"b_Q", "b_K", "b_V"};
        for (std::size_t i = 0; i < 3; ++i) {
            m.add(b + "attn." + roles[i], qkv, heads_from_rows(t, i * dh, 3 * dh, H, dh),
                  "rows " + range(i * dh, dh) + " of every 3 x " + std::to_string(dh) +
                      " (interleaved per head), transposed");
            if (bias)
                m.add(b + "attn." + bias_roles[i], h + "attention.query_key_value.bias",
                      bias_heads(i * dh, 3 * dh, H, dh), "interleaved per head");
        }
        const SafetensorsTensor& o = m.need(h + "attention.dense.weight", Shape{D, D});
        m.add(b + "attn.W_O", h + "attention.dense.weight", out_heads_from_columns(o, H, dh),
              "columns split into heads, transposed");
        m.add_if(b + "attn.b_O", h + "attention.dense.bias", {D});
        const SafetensorsTensor& up = m.need(h + "mlp.dense_h_to_4h.weight", Shape{0, D});
        const std::size_t dm = up.shape[0];
        m.out.dims.d_mlp = dm;
        m.add(b + "mlp.W_in", h + "mlp.dense_h_to_4h.weight", rows_transposed(up, 0, dm),
              "transposed");
        m.add_if(b + "mlp.b_in", h + "mlp.dense_h_to_4h.bias", {dm});
        const SafetensorsTensor& down = m.need(h + "mlp.dense_4h_to_h.weight", Shape{D, dm});
        m.add(b + "mlp.W_out", h + "mlp.dense_4h_to_h.weight", rows_transposed(down, 0, D),
              "transposed");
        m.add_if(b + "mlp.b_out", h + "mlp.dense_4h_to_h.bias", {D});
        m.add_if(b + "ln1.w", h + "input_layernorm.weight", {D});
        m.add_if(b + "ln1.b", h + "input_layernorm.bias", {D});
        m.add_if(b + "ln2.w", h + "post_attention_layernorm.weight", {D});
        m.add_if(b + "ln2.b", h + "post_attention_layernorm.bias", {D});
    }
    m.add_if("ln_final.w", p + "final_layer_norm.weight", {D});
    m.add_if("ln_final.b", p + "final_layer_norm.bias", {D});
    m.unembed("embed_out.weight", p + "embed_in.weight",
              config_flag(cfg, "tie_word_embeddings", false));
}

// Llama, Mistral, Qwen2, Gemma (head_dim from the config), Phi-3 (fused qkv_proj, gate_up_proj).
void map_llama(Mapper& m, const nlohmann::json* cfg, bool phi3, bool gemma) {
    const std::size_t H = *m.out.dims.n_heads, KV = *m.out.dims.n_kv_heads, D = *m.out.dims.d_model,
                      dh = *m.out.dims.d_head;
    const std::string p = prefix_of(m, "embed_tokens.weight", {"model.", ""});
    const SafetensorsTensor& e = m.need(p + "embed_tokens.weight", Shape{0, D});
    m.add("embed.W_E", p + "embed_tokens.weight", whole(e), "");
    m.out.dims.d_vocab = e.shape[0];
    const std::string k_role = KV < H ? "_W_K" : "W_K", v_role = KV < H ? "_W_V" : "W_V";
    const std::string kb_role = KV < H ? "_b_K" : "b_K", vb_role = KV < H ? "_b_V" : "b_V";
    for (std::size_t l = 0; l < *m.out.dims.n_layers; ++l) {
        const std::string h = p + "layers." + std::to_string(l) + ".",
                          b = "blocks." + std::to_string(l) + ".", a = h + "self_attn.";
        // (tensor, first row, heads, role, bias role) for Q, K and V.
        struct Part {
            std::string tensor;
            std::size_t row0, heads;
            std::string role, bias_role;
        };
        std::vector<Part> parts;
        if (phi3) {
            parts = {{a + "qkv_proj", 0, H, "W_Q", "b_Q"},
                     {a + "qkv_proj", H * dh, KV, k_role, kb_role},
                     {a + "qkv_proj", (H + KV) * dh, KV, v_role, vb_role}};
            m.need(a + "qkv_proj.weight", Shape{(H + 2 * KV) * dh, D});
        } else {
            parts = {{a + "q_proj", 0, H, "W_Q", "b_Q"},
                     {a + "k_proj", 0, KV, k_role, kb_role},
                     {a + "v_proj", 0, KV, v_role, vb_role}};
            for (const Part& part : parts)
                m.need(part.tensor + ".weight", Shape{part.heads * dh, D});
        }
        for (const Part& part : parts) {
            const SafetensorsTensor& t = *m.find(part.tensor + ".weight");
            m.add(b + "attn." + part.role, part.tensor + ".weight",
                  heads_from_rows(t, part.row0, dh, part.heads, dh),
                  "rows " + range(part.row0, part.heads * dh) + " split into heads, transposed");
            if (m.has(part.tensor + ".bias")) {
                m.need(part.tensor + ".bias", Shape{t.shape[0]});
                m.add(b + "attn." + part.bias_role, part.tensor + ".bias",
                      bias_heads(part.row0, dh, part.heads, dh), "split into heads");
            }
        }
        const SafetensorsTensor& o = m.need(a + "o_proj.weight", Shape{D, H * dh});
        m.add(b + "attn.W_O", a + "o_proj.weight", out_heads_from_columns(o, H, dh),
              "columns split into heads, transposed");
        m.add_if(b + "attn.b_O", a + "o_proj.bias", {D});
        std::size_t dm = 0;
        if (phi3) {
            const SafetensorsTensor& gu = m.need(h + "mlp.gate_up_proj.weight", Shape{0, D});
            if (gu.shape[0] % 2)
                throw InputError(m.out.family + ": " + h + "mlp.gate_up_proj.weight: shape " +
                                 shape_to_string(gu.shape) + " has an odd row count");
            dm = gu.shape[0] / 2;
            m.add(b + "mlp.W_gate", h + "mlp.gate_up_proj.weight", rows_transposed(gu, 0, dm),
                  "rows " + range(0, dm) + ", transposed");
            m.add(b + "mlp.W_in", h + "mlp.gate_up_proj.weight", rows_transposed(gu, dm, dm),
                  "rows " + range(dm, dm) + ", transposed");
        } else {
            const SafetensorsTensor& up = m.need(h + "mlp.up_proj.weight", Shape{0, D});
            dm = up.shape[0];
            const SafetensorsTensor& gate = m.need(h + "mlp.gate_proj.weight", Shape{dm, D});
            m.add(b + "mlp.W_gate", h + "mlp.gate_proj.weight", rows_transposed(gate, 0, dm),
                  "transposed");
            m.add(b + "mlp.W_in", h + "mlp.up_proj.weight", rows_transposed(up, 0, dm),
                  "transposed");
        }
        m.out.dims.d_mlp = dm;
        const SafetensorsTensor& down = m.need(h + "mlp.down_proj.weight", Shape{D, dm});
        m.add(b + "mlp.W_out", h + "mlp.down_proj.weight", rows_transposed(down, 0, D),
              "transposed");
        if (!gemma) {
            m.add_if(b + "ln1.w", h + "input_layernorm.weight", {D});
            m.add_if(b + "ln2.w", h + "post_attention_layernorm.weight", {D});
        }
    }
    if (gemma)
        m.out.notes.push_back(
            "Gemma's RMSNorm scales by 1 + w: its norm weights keep their own names");
    else
        m.add_if("ln_final.w", p + "norm.weight", {D});
    m.unembed("lm_head.weight", p + "embed_tokens.weight",
              config_flag(cfg, "tie_word_embeddings", gemma));
}

}  // namespace

FamilyMapping map_hf_family(const nlohmann::json* config, const std::string& config_file,
                            const Catalog& catalog) {
    Mapper m(catalog, config_file);
    std::string type = config_text(config, "model_type");
    static const std::set<std::string> llama_like = {"llama", "mistral", "qwen2", "qwen3"};
    static const std::set<std::string> gemma_like = {"gemma", "gemma2", "gemma3_text"};
    std::string family;
    if (type == "gpt2")
        family = "gpt2";
    else if (type == "gpt_neox")
        family = "gpt_neox";
    else if (llama_like.count(type))
        family = "llama";
    else if (gemma_like.count(type))
        family = "gemma";
    else if (type == "phi3")
        family = "phi3";
    if (family.empty()) {
        m.keep_the_rest();
        m.out.notes.push_back(
            (config ? "model_type '" + type + "' is not one of the families mapped to heads"
                    : std::string("no config.json: the model family and its heads are unknown")) +
            " (gpt2, gpt_neox, llama, mistral, qwen2, qwen3, gemma, gemma2, gemma3_text, phi3): "
            "every tensor keeps its own name, 2-D ones get spectra, no head circuits");
        return std::move(m.out);
    }
    m.out.family = family;
    ModelDims& d = m.out.dims;
    const bool gpt2 = family == "gpt2";
    d.n_layers = config_size(config, config_file, {gpt2 ? "n_layer" : "num_hidden_layers"});
    d.n_heads = config_size(config, config_file, {gpt2 ? "n_head" : "num_attention_heads"});
    d.d_model = config_size(config, config_file, {gpt2 ? "n_embd" : "hidden_size"});
    d.n_ctx = config_size(config, config_file, {gpt2 ? "n_positions" : "max_position_embeddings"});
    d.n_kv_heads = config_size(config, config_file, {"num_key_value_heads"});
    if (!d.n_kv_heads || family == "gpt2" || family == "gpt_neox") d.n_kv_heads = d.n_heads;
    if (!d.n_layers || !d.n_heads || !d.d_model)
        throw InputError(config_file + ": model_type '" + type + "' but " +
                         (gpt2 ? "n_layer, n_head or n_embd"
                               : "num_hidden_layers, num_attention_heads or hidden_size") +
                         " is missing");
    if (*d.n_layers > (1u << 16))
        throw InputError(config_file + ": " + std::to_string(*d.n_layers) +
                         " layers, beyond any model");
    d.d_head = family == "gemma" || family == "llama"
                   ? config_size(config, config_file, {"head_dim"})
                   : std::nullopt;
    if (!d.d_head) {
        if (*d.d_model % *d.n_heads)
            throw InputError(config_file + ": hidden size " + std::to_string(*d.d_model) +
                             " is not a multiple of the " + std::to_string(*d.n_heads) +
                             " heads, and no head_dim is given");
        d.d_head = *d.d_model / *d.n_heads;
    }
    if (*d.n_heads % *d.n_kv_heads)
        throw InputError(config_file + ": " + std::to_string(*d.n_heads) +
                         " attention heads are not a multiple of the " +
                         std::to_string(*d.n_kv_heads) + " key/value heads");
    if (family == "gpt2")
        map_gpt2(m, config);
    else if (family == "gpt_neox")
        map_neox(m, config);
    else
        map_llama(m, config, family == "phi3", family == "gemma");
    m.keep_the_rest();
    return std::move(m.out);
}

}  // namespace es::io
