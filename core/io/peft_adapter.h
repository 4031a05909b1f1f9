#pragma once
// PEFT LoRA adapters read natively: a folder with adapter_config.json and
// adapter_model.safetensors, tensors `base_model.model.<module>.lora_A.weight` [r, in] and
// `lora_B.weight` [out, r] (optionally `.lora_A.<adapter name>.weight`). The update of each
// module's weight is Delta W = scale * B A in the module's [out, in] sense, with
// scale = lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora, r and lora_alpha per module
// from rank_pattern / alpha_pattern; fan_in_fan_out says the base weight is stored [in, out]
// (GPT-2's Conv1D). Only the factors are read (r x in and out x r): Delta W is never formed. No Qt.
#include <string>
#include <vector>

#include "util/tensor.h"

namespace es::io {

struct LoraModule {
    std::string module;          // "model.layers.0.self_attn.q_proj", as PEFT names it
    std::string a_name, b_name;  // the factors' tensor names in adapter_model.safetensors
    std::size_t rank = 0;        // r of this module (rank_pattern or r); the factors' rank
    double alpha = 0;            // lora_alpha of this module (alpha_pattern or lora_alpha)
    double scale = 1;            // alpha / r, or alpha / sqrt(r) with use_rslora
    Tensor a, b;                 // lora_A [r, in], lora_B [out, r] as float32
};

struct PeftAdapter {
    std::string folder, config_file, weights_file;
    std::string peft_type, base_model;  // "LORA"; base_model_name_or_path ("" when not given)
    bool fan_in_fan_out = false, use_rslora = false;
    std::vector<LoraModule> modules;  // in module-name order
    std::vector<std::string> notes;   // tensors that are not LoRA factors, left out
};

// True for a folder holding adapter_config.json.
bool is_peft_adapter(const std::string& path);

// Reads the config and the factors. InputError naming the file (and the tensor or module) when
// the config is not a LoRA config, a factor is missing or its shape disagrees with its partner
// or with the configured rank.
PeftAdapter open_peft_adapter(const std::string& folder);

// The module a pattern key of rank_pattern / alpha_pattern applies to, as PEFT matches them:
// the whole name, or its end after a dot (regex `(.*\.)?KEY$`).
bool peft_pattern_matches(const std::string& key, const std::string& module);

}  // namespace es::io
