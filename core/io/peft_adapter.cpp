#include "io/peft_adapter.h"

#include <cmath>
#include <filesystem>
#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include "io/hf_checkpoint.h"
#include "io/safetensors.h"
#include "util/error.h"

namespace es::io {

namespace fs = std::filesystem;

namespace {

// "base_model.model.<module>.lora_A.weight" or "...lora_A.<adapter>.weight" -> module and which
// factor ('A' or 'B'); false for any other tensor.
bool split_factor_name(const std::string& name, std::string& module, char& which) {
    static const std::regex re(
        R"(^(?:base_model\.model\.)?(.+)\.lora_([AB])(?:\.[^.]+)?\.weight$)");
    std::smatch m;
    if (!std::regex_match(name, m, re)) return false;
    module = m[1].str();
    which = m[2].str()[0];
    return true;
}

double number_of(const nlohmann::json& j, const std::string& file, const std::string& what) {
    if (!j.is_number())
        throw InputError(file + ": " + what + " is " + j.dump() + ", expected a number");
    return j.get<double>();
}

// The value of a pattern map (rank_pattern / alpha_pattern) for a module, or `fallback`.
double pattern_value(const nlohmann::json& config, const char* key, const std::string& module,
                     double fallback, const std::string& file) {
    const auto p = config.find(key);
    if (p == config.end() || p->is_null()) return fallback;
    if (!p->is_object()) throw InputError(file + ": " + key + " is not an object {module: value}");
    for (const auto& [pattern, value] : p->items()) {
        // std::regex recurses per character: a pattern of absurd length could exhaust the stack.
        // Real keys are module names (a few dozen characters).
        if (pattern.size() > 512)
            throw InputError(file + ": " + key + ": a pattern of " +
                             std::to_string(pattern.size()) +
                             " characters; module patterns are at most 512");
        bool match = false;
        try {
            match = peft_pattern_matches(pattern, module);
        } catch (const std::regex_error& e) {
            throw InputError(file + ": " + key + ": '" + pattern + "' is not a valid pattern",
                             e.what());
        }
        if (match) return number_of(value, file, std::string(key) + "[" + pattern + "]");
    }
    return fallback;
}

}  // namespace

bool peft_pattern_matches(const std::string& key, const std::string& module) {
    return std::regex_match(module, std::regex("(.*\\.)?" + key));
}

bool is_peft_adapter(const std::string& path) {
    std::error_code ec;
    return fs::is_directory(path, ec) && fs::exists(fs::path(path) / "adapter_config.json", ec);
}

PeftAdapter open_peft_adapter(const std::string& folder) {
    PeftAdapter a;
    a.folder = folder;
    a.config_file = (fs::path(folder) / "adapter_config.json").string();
    a.weights_file = (fs::path(folder) / "adapter_model.safetensors").string();
    const nlohmann::json config = parse_hf_config(a.config_file, read_small_file(a.config_file));
    a.peft_type = config.value("peft_type", std::string("LORA"));
    if (a.peft_type != "LORA")
        throw InputError(a.config_file + ": peft_type " + a.peft_type +
                         ": only LoRA adapters (peft_type LORA) are read");
    if (const auto b = config.find("base_model_name_or_path"); b != config.end() && b->is_string())
        a.base_model = b->get<std::string>();
    const auto flag = [&](const char* key) {
        const auto f = config.find(key);
        if (f == config.end() || f->is_null()) return false;
        if (!f->is_boolean()) throw InputError(a.config_file + ": " + key + " is not true/false");
        return f->get<bool>();
    };
    a.fan_in_fan_out = flag("fan_in_fan_out");
    a.use_rslora = flag("use_rslora");
    if (!config.contains("r")) throw InputError(a.config_file + ": no r (the LoRA rank)");
    const double r = number_of(config["r"], a.config_file, "r");
    const double alpha = config.contains("lora_alpha")
                             ? number_of(config["lora_alpha"], a.config_file, "lora_alpha")
                             : 8.0;  // PEFT's default
    std::error_code ec;
    if (!fs::exists(a.weights_file, ec))
        throw InputError(a.weights_file +
                         ": missing; a PEFT adapter folder holds adapter_model.safetensors "
                         "(adapter_model.bin is PyTorch's pickle format, which is not read)");
    const SafetensorsFile file(a.weights_file);
    a.notes = file.header().notes;
    std::map<std::string, std::pair<const SafetensorsTensor*, const SafetensorsTensor*>> factors;
    for (const SafetensorsTensor& t : file.header().tensors) {
        std::string module;
        char which = 0;
        if (!split_factor_name(t.name, module, which)) {
            a.notes.push_back(t.name + ": not a LoRA factor (lora_A/lora_B), left out");
            continue;
        }
        if (!t.type)
            throw InputError(a.weights_file + ": " + t.name + ": dtype " + t.dtype_text +
                             " is not a float type");
        if (t.shape.size() != 2)
            throw InputError(a.weights_file + ": " + t.name + ": shape " +
                             shape_to_string(t.shape) + ", a LoRA factor is a matrix");
        auto& slot = factors[module];
        (which == 'A' ? slot.first : slot.second) = &t;
    }
    const auto read = [&](const SafetensorsTensor& t) {
        Tensor out;
        out.shape = t.shape;
        out.data.resize(t.elements);
        TensorView whole;
        whole.shape = t.shape;
        whole.strides = {t.shape[1], 1};
        file.read_view_rows(t, whole, 0, t.shape[0], out.data.data());
        return out;
    };
    for (const auto& [module, pair] : factors) {
        const auto [ta, tb] = pair;
        if (!ta || !tb)
            throw InputError(a.weights_file + ": " + (ta ? ta->name : tb->name) + ": its " +
                             (ta ? "lora_B" : "lora_A") + " partner is missing");
        LoraModule m;
        m.module = module;
        m.a_name = ta->name;
        m.b_name = tb->name;
        m.rank = ta->shape[0];
        if (m.rank == 0)
            throw InputError(a.weights_file + ": " + ta->name + ": rank 0 (shape " +
                             shape_to_string(ta->shape) + ")");
        if (tb->shape[1] != m.rank)
            throw InputError(a.weights_file + ": " + tb->name + ": shape " +
                             shape_to_string(tb->shape) + " does not fit lora_A " +
                             shape_to_string(ta->shape) + " (expected A [r, in], B [out, r])");
        const double configured = pattern_value(config, "rank_pattern", module, r, a.config_file);
        if (configured != static_cast<double>(m.rank))
            throw InputError(a.weights_file + ": " + ta->name + ": rank " + std::to_string(m.rank) +
                             ", but " + a.config_file +
                             " gives r = " + nlohmann::json(configured).dump() + " for " + module);
        m.alpha = pattern_value(config, "alpha_pattern", module, alpha, a.config_file);
        const double rank = static_cast<double>(m.rank);
        m.scale = a.use_rslora ? m.alpha / std::sqrt(rank) : m.alpha / rank;
        m.a = read(*ta);
        m.b = read(*tb);
        a.modules.push_back(std::move(m));
    }
    if (a.modules.empty())
        throw InputError(a.weights_file + ": no LoRA factors (tensors named ...lora_A.weight / " +
                         "...lora_B.weight)");
    return a;
}

}  // namespace es::io
