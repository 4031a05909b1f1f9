#pragma once
// Linear CKA (Kornblith et al. 2019, centred) between every pair of layers of one dump, or
// between the layers of two dumps over the same tokens, by the cheaper of two exact forms:
//   gram              <K_i, K_j> / (|K_i| |K_j|), K = Xc Xc^T the centred T x T Gram of a layer:
//                     L T^2 D flops, in bounded memory either as whole Grams held a panel at a
//                     time (pairs exact as soon as both Grams are computed: CKA fills in pair by
//                     pair) or, when too few Grams fit, a block of Gram rows at a time;
//   cross_covariance  ||Xc^T Yc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F): (L^2/2) T D^2 flops.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

struct CkaOptions {
    std::string stream;  // both dumps
    bool include_final_norm = false;
    const Dump* other = nullptr;  // compare against this dump's layers (same tokens)
    int threads = 0;
    std::size_t cache_bytes = 512u << 20;  // layers kept in memory by the T > D path
    std::string method;  // "" (the one with fewer flops), "gram" or "cross_covariance"
    // The Gram form's working memory (centred layers and a block of every layer's Gram rows);
    // 0: a quarter of the machine's memory.
    std::size_t memory_budget = 0;
    std::size_t block_tokens = 0;  // Gram rows per block; 0: as many as the budget allows
    int product_bits = 0;  // Gram products in float 32 or 64; 0: float64 while they are cheap
    // The Gram form's scheme: "" by cost and memory, "panels" (whole Grams, pairs as they
    // complete) or "rows" (blocks of Gram rows; every pair at the end).
    std::string gram_scheme;
    std::size_t panel_grams = 0;  // Grams held at once by the panels; 0: as many as the budget
    // Progressive use (the app). The layer whose pairs come first (then outward from it).
    std::size_t focus = 0;
    // Each time pairs complete (the panel scheme, the cross-covariance form), the matrix so far
    // is handed to on_pairs on the worker thread: the pairs computed are exact, the others
    // missing (CkaResult::computed). A partial result: shown marked as such, never exported.
    std::function<void(const struct CkaResult&)> on_pairs;
    // The first picture: before anything else (pass 1, the first pair's two Grams) an estimate
    // from preview_tokens tokens (a few evenly spaced runs of the dump) is handed to on_preview,
    // when the dump has more than twice as many tokens. Partial: the exact pairs replace it.
    std::function<void(const struct CkaResult&)> on_preview;
    std::size_t preview_tokens = 256;
};

struct CkaResult {
    std::string stream, file, other_file;
    std::vector<std::string> layers, other_layers;  // other_layers empty for one dump
    std::size_t tokens = 0, excluded_tokens = 0;    // tokens used / with NaN/Inf in any layer
    std::string method;                             // "gram" or "cross_covariance"
    std::vector<std::vector<std::optional<double>>> matrix;  // layers x (other_)layers
    // > 0 only in on_preview's estimate: the tokens it used (the exact result has 0).
    std::size_t preview_tokens = 0;
    // Only in on_pairs' partial results: which entries of `matrix` are computed (row-major,
    // layers x (other_)layers; the others are missing, not undefined). Empty when complete.
    std::vector<unsigned char> computed;
    std::size_t pairs_done = 0, pairs_total = 0;  // distinct pairs; both 0 when complete
    bool partial() const { return preview_tokens > 0 || !computed.empty(); }
};

CkaResult cka(const Dump& dump, const CkaOptions& options, Progress& progress);

// CKA in parts (distributed runs): part `part` of `parts` computes the Gram form's inner products
// over its share of the Gram row blocks, or the cross-covariance form's share of the layer norms
// and pairs; parts summed in part order (cka_merge) and finished (cka_finish) give cka()'s matrix
// up to rounding. Every part reads every layer the form needs (the Gram form: all of them, to
// find the tokens finite in every layer and centre them).
struct CkaPart {
    CkaResult result;               // names, tokens, method; matrix empty
    std::size_t na = 0, n_src = 0;  // states of the dump, of both dumps
    // n_src x n_src numerators (<K_i, K_j> or ||Xc_i^T Xc_j||_F^2; zero where another part
    // computes them) and the squared norms of every state's K_i (the denominators' squares).
    std::vector<double> inner, self;
};
CkaPart cka_part(const Dump& dump, const CkaOptions& options, int part, int parts,
                 Progress& progress);
void cka_merge(CkaPart& into, const CkaPart& next);
CkaResult cka_finish(const CkaPart& p);

// The estimate on_preview receives, from `tokens` tokens in runs spread evenly over the dump
// (float32 Grams, float64 inner products; tokens with NaN/Inf in any layer left out): not the
// sample's own CKA (biased towards 1 when tokens << D) but what the exact statistic over all T
// tokens is expected to be (unbiased HSIC plus its bias at T; cka.cpp); preview_tokens set.
// Over every token, the exact matrix.
CkaResult cka_preview(const Dump& dump, const CkaOptions& options, std::size_t tokens,
                      Progress& progress);

// Linear CKA of two row-aligned matrices (n x dx, n x dy, row-major float64), centred here.
double linear_cka(const std::vector<double>& x, std::size_t dx, const std::vector<double>& y,
                  std::size_t dy, std::size_t n);

// {"stream", "file", "layers", "tokens", "excluded_tokens", "method", "matrix"}
// (+ "other_file", "other_layers" with two dumps); undefined entries are null.
nlohmann::json to_json(const CkaResult& r);
// Matrix with a header row of column layer names and the row layer name first.
std::string to_csv(const CkaResult& r);

}  // namespace es::analysis
