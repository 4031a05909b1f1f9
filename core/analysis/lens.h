#pragma once
// Logit lens: for one token, at every state, the top-k next tokens of softmax(ln(x) W_U + b_U).
// LayerNorm with ln_final.w/b when present (centre, divide by sqrt(var + eps), scale, shift; eps
// from the dump's "eps" attribute, else 1e-5); without ln_final the raw state is unembedded and
// the result says so. Vocabulary strings: the dump's vocabulary (Dump::vocabulary(), a "vocab"
// string dataset), else the dump's own (token id, text) pairs, else none: an entry's text is
// then empty and it shows its id ("id 73", util/token_text.h). Texts are raw; labels and the CSV
// show them with visible whitespace.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

struct LensOptions {
    std::string stream;
    std::size_t token = 0;  // flat index
    std::size_t top_k = 10;
    bool include_final_norm = false;  // HF: the final-norm state is unembedded without a 2nd norm
};

struct LensEntry {
    long long id = 0;
    std::string text;  // raw; empty when the vocabulary has no string for the id
    double probability = 0, logit = 0;
};

struct LensLayer {
    std::string name;
    std::size_t state = 0;
    bool normalized = false;     // ln_final applied to this state
    std::vector<LensEntry> top;  // empty when the state holds NaN/Inf
    double entropy = 0;          // nats; NaN when the state holds NaN/Inf
};

struct LensResult {
    std::string stream, token_text, vocab_source, note;  // token_text raw
    std::string token_label;  // what the token shows (TokenInfo::label())
    std::optional<long long> token_id;
    std::size_t token = 0, prompt = 0, position = 0, vocab_size = 0;
    bool ln_final = false, unembed_bias = false;
    bool rms_norm = false;  // the final norm is RMSNorm (attribute norm = rmsnorm): no centring
    double eps = 1e-5;
    std::vector<LensLayer> layers;
};

LensResult lens(const Dump& dump, const LensOptions& options, Progress& progress);

// {"stream","token":{"index","prompt","position","text","id"},"ln_final","eps","unembed_bias",
//  "norm","vocab_size","vocab_source","note","layers":[{"layer","name","normalized","entropy",
//  "top":[{"id","token","probability","logit"}]}]}
nlohmann::json to_json(const LensResult& r);
// layer,name,rank,id,token,probability,logit (token: its label, "␣the" or "id 73")
std::string to_csv(const LensResult& r);

}  // namespace es::analysis
