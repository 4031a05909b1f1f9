#pragma once
// What a PEFT LoRA adapter (io/peft_adapter.h) changes in its base model, reported under the
// base's weight names: for each adapted module, every base weight read from that module's tensor
// (a Llama q_proj gives blocks.L.attn.W_Q; GPT-2's fused c_attn gives W_Q, W_K and W_V; an
// unmapped family's tensor keeps its name) gets Delta W = scale * B A restricted to the rows and
// columns the weight takes from the tensor, in the weight's orientation, as the factors
// A^T[cols] and B[rows] (never formed). A per-head weight [H, D, d_head] is taken as the merged
// matrix [D, H d_head] (W_O [H, d_head, D]: [H d_head, D]). Per delta: singular values,
// Frobenius norm, effective rank and the captured fractions of weight_delta. No Qt.
#include <string>

#include "analysis/weight_delta.h"
#include "io/dump.h"
#include "io/peft_adapter.h"
#include "util/progress.h"

namespace es::analysis {

// base: a Hugging Face checkpoint (its weights know their stored tensors). Modules whose tensor
// the base lacks, or whose factors do not fit it, are listed in `skipped` with the reason.
WeightDeltaResult peft_delta(const Dump& base, const io::PeftAdapter& adapter,
                             const WeightDeltaOptions& options, Progress& progress);

}  // namespace es::analysis
