#pragma once
// What changed between two dumps of the same model (a fine-tune against its base, or a LoRA
// adapter): for every 2-D weight present in both with the same shape, Delta W = W_other - W_base;
// for every LoRA pair in OTHER, Delta W = scale * (B A) in TransformerLens orientation, never
// formed. Per delta: singular values, Frobenius norm, effective rank (Roy & Vetterli: exp of the
// entropy of s_i / sum s), and the fraction of ||Delta||_F^2 inside the base weight's top-k
// singular subspaces: left |U_k^T D|^2, right |D V_k|^2 and two-sided |U_k^T D V_k|^2.
//
// LoRA factors accepted (names "<weight>.lora_A" / "<weight>.lora_B", weight [in, out] as
// TransformerLens stores it, x @ W):
//   PEFT orientation   lora_A [r, in], lora_B [out, r]: Delta = (B A)^T = A^T B^T;
//   TL orientation     lora_A [in, r], lora_B [r, out]: Delta = A B.
// (PEFT wins when both fit.) scale = lora_alpha / r with lora_alpha an attribute of the lora_A or
// lora_B dataset or else of the file root; 1 when there is none. No Qt.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <Eigen/Dense>

#include "analysis/matrix_source.h"
#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

struct DeltaMatrix {
    std::string name;
    std::string source;  // PEFT adapters: the adapter's module ("model.layers.0.self_attn.q_proj")
    std::string kind;    // "dense" or "lora"
    std::vector<std::size_t> shape;
    std::size_t lora_rank = 0;
    double lora_scale = 1;
    std::vector<double> singular_values;  // dense: min(m, n); lora: min(m, n, r); descending
    double frobenius = 0, effective_rank = 0;
    std::size_t k = 0;  // base subspace size used (top clamped to the base's rank)
    double captured_left = 0, captured_right = 0, captured_both = 0;  // NaN when Delta = 0
};

struct WeightDeltaOptions {
    std::size_t top = 16;
};

struct WeightDeltaResult {
    std::string base, other;
    std::size_t top = 0;
    std::vector<DeltaMatrix> matrices;
    std::vector<std::pair<std::string, std::string>> skipped;  // name, reason
};

WeightDeltaResult weight_delta(const Dump& base, const Dump& other,
                               const WeightDeltaOptions& options, Progress& progress);

double effective_rank(const std::vector<double>& s);

// A delta given as scale * f g^T (f [rows, r], g [cols, r]) against the base matrix `base`
// (rows x cols): its SVD from the factors (never formed) and the fractions of it in the base's
// top-k singular subspaces. m's name, kind, shape and LoRA fields are the caller's.
void factored_delta(DeltaMatrix& m, const Eigen::MatrixXd& f, const Eigen::MatrixXd& g,
                    double scale, const RowSource& base, std::size_t top, Progress& progress);

// {"base","other","top","matrices":[{"name","source","kind","shape","lora_rank","lora_scale",
//  "singular_values","frobenius","effective_rank","k","captured_left","captured_right",
//  "captured_both"}],"skipped":[{"name","reason"}]}
nlohmann::json to_json(const WeightDeltaResult& r);
std::string to_csv(const WeightDeltaResult& r);

}  // namespace es::analysis
