#pragma once
// Results bundles: what `eigenscope-cli bundle` writes and the app opens without the dump. One
// HDF5 file holding
//   - a sample of the dump's token states (default 20k tokens, evenly spaced) of its residual
//     stream, under the dataset names the dump used, with their tokens: the bundle is itself a
//     dump Dump::open recognises, so `info`, the 3-D view and per-token trajectories read it;
//   - the analyses computed on the whole dump (trajectory statistics, spectra with top
//     directions, CKA, weight spectra, head circuits and similarities, ...) as the result codec's
//     bytes (cache/result_codec.h, the disk cache's format) under the key the app's views ask
//     with ("spectrum/resid/centred=1/top=0"): /eigenscope_bundle/{keys, offsets, blob};
//   - the dump's provenance as attributes of /eigenscope_bundle (path, SHA-256 and size of each
//     file, tokens, sample, when, by which version, on how many ranks).
// Written atomically (a temporary file in the target's folder, renamed). No Qt.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace es::bundle {

constexpr int kFormatVersion = 1;
constexpr const char* kGroup = "eigenscope_bundle";

struct SourceFile {
    std::string path, sha256;
    std::uint64_t bytes = 0;
};

struct Provenance {
    int format = kFormatVersion;
    std::string source;              // the dump as given (file or folder), made absolute
    std::vector<SourceFile> files;   // the file, or every file of a checkpoint folder
    std::string layout;              // of the dump ("TransformerLens", ...)
    std::string stream;              // the sampled stream
    std::size_t tokens = 0;          // tokens of the dump's stream
    std::size_t sampled_tokens = 0;  // of them in the bundle
    std::size_t states = 0, d = 0;   // of the sampled stream
    std::string created_utc;         // ISO 8601
    std::string eigenscope_version;
    int ranks = 1;                   // MPI ranks that computed it
    std::vector<std::string> lacks;  // what the bundle does not hold, in words
};

// The sampled token states, laid out as the dump stored them: one [N, D] dataset per state
// (TransformerLens names), or one stacked [S, N, D] dataset (Hugging Face hidden_states).
struct Sample {
    std::vector<std::string> datasets;  // per state; all equal when stacked
    bool stacked = false;
    bool final_norm_applied = false;  // HF: attribute of the stacked dataset
    std::size_t n = 0, d = 0;
    std::vector<float> states;             // S x N x D, state-major
    std::vector<std::size_t> token_index;  // the sampled tokens' flat indices in the dump
    std::vector<std::string> token_text;   // per sampled token (may be empty strings)
    std::vector<long long> token_ids;      // per sampled token, or empty
    // What the logit lens of a sampled token reads besides its states, copied from the dump so
    // that the lens works from the bundle: the unembedding and final norm (unembed.W_U,
    // unembed.b_U, ln_final.w, ln_final.b, float32, when the dump has them), the root attributes
    // eps and norm, and the vocabulary strings (the dump's, or the texts its tokens show for
    // their ids). Root attributes also carry the model's dimensions (n_layers, n_heads, ...);
    // whole numbers are written as integers.
    struct Weight {
        std::string name;
        std::vector<std::size_t> shape;
        std::vector<float> data;
    };
    std::vector<Weight> weights;
    std::vector<std::pair<std::string, std::string>> attributes;
    std::vector<std::string> vocabulary;
};

struct Entry {
    std::string key;    // the view's analysis key
    std::string bytes;  // cache::encode of the result
};

// Writes the bundle to `out` atomically; InputError naming `out` when it cannot.
void write(const std::string& out, const Provenance& p, const Sample& s,
           const std::vector<Entry>& entries);

// Evenly spaced flat token indices: min(n, total) of [0, total), first and last included.
std::vector<std::size_t> sample_tokens(std::size_t total, std::size_t n);

// The provenance of a bundle, or nullopt when `path` is not one (any other HDF5 file or dump).
std::optional<Provenance> read_provenance(const std::string& path);
// The keys of a bundle's results, in the order written.
std::vector<std::string> read_keys(const std::string& path);
// One result's bytes, or nullopt when the bundle has no result under `key`.
std::optional<std::string> read_entry(const std::string& path, const std::string& key);

nlohmann::json to_json(const Provenance& p);

}  // namespace es::bundle
