#pragma once
// An activation/weight dump opened read-only: what it holds (streams, attention, weights, tokens,
// model dimensions) and streaming reads of any slab as float32. No Qt; thread-safe reads.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "util/tensor.h"

namespace es {

// Float8E4M3 (E4M3FN: no infinities) and Float8E5M2 occur only in safetensors checkpoints.
enum class DType { Float16, BFloat16, Float32, Float64, Float8E4M3, Float8E5M2 };
const char* dtype_name(DType t);
// Bytes per stored element.
std::size_t dtype_size(DType t);

enum class Layout { TransformerLens, HuggingFace, WeightsOnly };
const char* layout_name(Layout l);

// Where one state (one layer) of a stream lives: a dataset, possibly one index of a stacked one.
struct StateSource {
    std::string dataset;                 // HDF5 path, e.g. "/blocks.3.hook_resid_post"
    std::optional<std::size_t> stacked;  // HF: index into the leading layer axis
};

// A sequence of hidden states, one per layer, each n_prompts x n_positions tokens of width d.
struct StreamInfo {
    std::string name;                      // "resid", "attn_out", "attn.q", "hidden_states", ...
    std::vector<std::string> state_names;  // one per state, e.g. "blocks.0.hook_resid_pre"
    std::vector<StateSource> sources;
    std::vector<std::size_t> stored_shape;  // shape of one state as stored, e.g. {B, P, D}
    std::size_t n_prompts = 1, n_positions = 0, d = 0;
    bool batched = false;  // the stored state has a leading prompt (batch) axis
    DType dtype = DType::Float32;
    std::vector<std::size_t> chunk;  // chunk shape of the dataset(s), empty when contiguous
    std::vector<std::string> filters;
    bool last_is_final_norm = false;  // HF: the last hidden state has the final norm applied

    std::size_t n_states() const { return sources.size(); }
    std::size_t n_tokens() const { return n_prompts * n_positions; }
};

// Attention patterns (or scores), per layer [prompts, heads, query, key].
struct AttentionInfo {
    std::string name;  // "pattern" or "attn_scores"
    std::vector<StateSource> layers;
    std::size_t n_prompts = 1, n_heads = 0, n_positions = 0;
    DType dtype = DType::Float32;
};

struct WeightInfo {
    std::string name;     // TransformerLens name, e.g. "blocks.0.attn.W_Q"
    std::string dataset;  // HDF5 path; for a safetensors checkpoint "FILE.safetensors: TENSOR"
    // Safetensors checkpoints: the checkpoint's own tensor name this weight is read from
    // ("model.layers.0.self_attn.q_proj.weight"), with how ("rows 0-23, per head, transposed").
    // Empty for HDF5.
    std::string source, source_transform;
    // Safetensors checkpoints: the stored tensor's shape, and where element (i0, i1, ...) of
    // this weight is in it (source_offset + sum i_k source_strides[k], row-major): what a PEFT
    // adapter's factors, given for the stored tensor, need to be seen under this weight's role.
    std::vector<std::size_t> source_shape, source_strides;
    std::size_t source_offset = 0;
    // 2-D views whose columns are contiguous in the stored tensor (a Linear [out, in] weight read
    // as TransformerLens [in, out]): read_weight_columns is the fast way through them.
    bool stored_transposed = false;
    std::vector<std::size_t> shape;
    DType dtype = DType::Float32;
};

struct TokenInfo {
    // Raw, as the dump's token strings or its vocabulary give it (" the", "\n", bytes that are
    // not UTF-8); empty when they give none for this token's id. A dump with neither strings nor
    // ids names its tokens by position ("3", or "1:3" with several prompts).
    std::string text;
    std::size_t prompt = 0;
    std::size_t position = 0;
    std::optional<long long> id;
    // What people read (util/token_text.h): the text with visible whitespace and escaped
    // control bytes, or "id 73" when there is no text. JSON keeps `text` and `id`.
    std::string label() const;
};

// A per-token metadata column: a dataset under the group `token_meta` (docs/FORMAT.md), one
// value per token. Strings are categories; numbers are values, or categories when the dataset
// has the attribute `categorical` set to a true value (class ids, sentence ids).
struct TokenColumn {
    std::string name;     // the dataset's name under token_meta
    std::string dataset;  // its path in the file
    bool categorical = false;
    std::vector<double> values;       // numeric: one per token (NaN where the file has NaN)
    std::vector<std::string> labels;  // categorical: one per token
};

// Model dimensions; unset where the dump does not say.
struct ModelDims {
    std::optional<std::size_t> n_layers, n_heads, n_kv_heads, d_model, d_head, d_vocab, n_ctx,
        d_mlp;
};

class Dump {
public:
    // Opens read-only and recognises the layout. Throws InputError naming file and dataset.
    // A folder, a .safetensors file or a model.safetensors.index.json opens as a Hugging Face
    // checkpoint (io/hf_checkpoint.h): its weights under TransformerLens names.
    static std::shared_ptr<Dump> open(const std::string& path);
    // An activation dump with its weights from elsewhere (`weights_path`: a Hugging Face model
    // folder, a .safetensors file or an HDF5 file of weights; empty: as open(path)). Those
    // weights join the dump's, replacing any of the same name, and are read from there; the
    // dimensions they give fill those the activations do not. InputError naming both when the
    // model width (d_model) or the layer count disagree.
    static std::shared_ptr<Dump> open(const std::string& path, const std::string& weights_path);
    // Opens an HDF5 file image held in memory (copied; HDF5's core driver, nothing on disk) and
    // recognises its layout exactly as open() does; display_name stands for the path in messages.
    // Used by the fuzz targets and their regression tests.
    static std::shared_ptr<Dump> open_image(const void* data, std::size_t size,
                                            const std::string& display_name);
    ~Dump();
    Dump(const Dump&) = delete;
    Dump& operator=(const Dump&) = delete;

    const std::string& path() const { return path_; }
    Layout layout() const { return layout_; }
    const ModelDims& dims() const { return dims_; }
    const std::vector<StreamInfo>& streams() const { return streams_; }
    const StreamInfo* find_stream(const std::string& name) const;
    // The residual stream ("resid" or HF "hidden_states"); throws InputError when there is none.
    const StreamInfo& stream(const std::string& name = {}) const;
    const std::vector<AttentionInfo>& attention() const { return attention_; }
    const AttentionInfo* find_attention(const std::string& name = "pattern") const;
    const std::map<std::string, WeightInfo>& weights() const { return weights_; }
    const WeightInfo* find_weight(const std::string& name) const;
    const std::vector<TokenInfo>& tokens() const { return tokens_; }
    std::size_t n_prompts() const { return n_prompts_; }
    const std::vector<std::string>& prompt_texts() const { return prompt_texts_; }
    // The per-token metadata columns, in name order (empty when the dump has none).
    const std::vector<TokenColumn>& token_columns() const { return token_columns_; }
    // The string of every token id (dataset `vocab` [d_vocab]), empty when the dump has none.
    const std::vector<std::string>& vocabulary() const { return vocabulary_; }
    // Root attributes as text, in name order (processing flags like fold_ln, step, ...).
    const std::vector<std::pair<std::string, std::string>>& attributes() const {
        return attributes_;
    }
    std::optional<long long> step() const { return step_; }
    // Where the weights come from when attached (open(path, weights_path)), else "".
    const std::string& weights_path() const { return weights_path_; }
    // What a reader wants to know about how the file was read: tensors left out, roles not
    // mapped, tied embeddings (safetensors checkpoints); empty for HDF5.
    const std::vector<std::string>& notes() const { return notes_; }
    // Every dataset found, dotted names, for "no recognised layout" messages and the tree.
    const std::vector<std::string>& all_datasets() const { return all_datasets_; }

    // Reads tokens [begin, end) of one state as float32 into out ((end-begin) x d, row-major).
    // Tokens are flat indices prompt * n_positions + position. Memory: the slab only.
    void read_states(const StreamInfo& stream, std::size_t state, std::size_t begin,
                     std::size_t end, float* out) const;
    // Reads a whole weight as float32, row-major in its stored shape.
    Tensor read_weight(const std::string& name) const;
    // Reads rows [begin, end) of a weight's first axis (for huge embeddings read in blocks).
    Tensor read_weight_rows(const std::string& name, std::size_t begin, std::size_t end) const;
    // Reads columns [begin, end) of a 2-D weight as the rows of its transpose, (end - begin) x
    // rows: the same singular values, and contiguous reads where stored_transposed.
    Tensor read_weight_columns(const std::string& name, std::size_t begin, std::size_t end) const;
    // One head's [query, key] matrix for one prompt.
    Tensor read_attention(const AttentionInfo& att, std::size_t layer, std::size_t prompt,
                          std::size_t head) const;

    // "file.h5: /dataset: " prefix for error messages.
    std::string where(const std::string& dataset = {}) const;

private:
    Dump() = default;
    // Reads of a safetensors checkpoint's weight (rows of it or of its transpose).
    Tensor read_checkpoint_weight(const WeightInfo& w, bool transposed, std::size_t begin,
                                  std::size_t end) const;
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string path_;
    Layout layout_ = Layout::WeightsOnly;
    ModelDims dims_;
    std::vector<StreamInfo> streams_;
    std::vector<AttentionInfo> attention_;
    std::map<std::string, WeightInfo> weights_;
    std::vector<TokenInfo> tokens_;
    std::size_t n_prompts_ = 0;
    std::vector<std::string> prompt_texts_;
    std::vector<TokenColumn> token_columns_;
    std::vector<std::string> vocabulary_;
    std::vector<std::pair<std::string, std::string>> attributes_;
    std::optional<long long> step_;
    std::vector<std::string> all_datasets_;
    std::vector<std::string> notes_;
    std::shared_ptr<const Dump> weights_from_;  // attached weights, read through it
    std::string weights_path_;

    friend class DumpBuilder;
};

}  // namespace es
