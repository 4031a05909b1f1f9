#include "analysis/trajectory_step.h"

#include <algorithm>
#include <cmath>
#include <regex>

namespace es::analysis {

std::string state_in_words(const std::string& state_name) {
    // TransformerLens hooks, with '.' or '/' between the parts (nested groups).
    static const std::regex hook(R"(^blocks[./](\d+)[./]hook_(\w+)$)");
    static const std::regex hf_layer(R"(^layer (\d+)$)");
    std::smatch m;
    if (std::regex_match(state_name, m, hook)) {
        const std::string block = m[1].str(), what = m[2].str();
        if (what == "resid_pre") return block == "0" ? "embedding" : "block " + block + " input";
        if (what == "resid_mid") return "block " + block + " after attention";
        if (what == "resid_post") return "block " + block + " output";
        if (what == "attn_out") return "block " + block + " attention output";
        if (what == "mlp_out") return "block " + block + " MLP output";
        return state_name;
    }
    // Hugging Face: hidden_states[0] is the embedding, hidden_states[l] the output of layer l,
    // counted from 1 where blocks are counted from 0.
    if (std::regex_match(state_name, m, hf_layer)) {
        const unsigned long l = std::stoul(m[1].str());
        if (l > 0) return "block " + std::to_string(l - 1) + " output";
    }
    if (state_name == "embeddings" || state_name == "hook_embed") return "embedding";
    if (state_name == "hook_pos_embed") return "position embedding";
    if (state_name == "ln_final.hook_normalized") return "final norm output";
    return state_name;
}

std::optional<TrajectoryStep> trajectory_step(const TrajectoryResult& r, std::size_t state) {
    const auto it = std::find(r.states.begin(), r.states.end(), state);
    if (it == r.states.end()) return std::nullopt;
    const auto i = static_cast<std::size_t>(it - r.states.begin());
    if (i >= r.layers.size() || i >= r.norm_stats.size()) return std::nullopt;
    TrajectoryStep s;
    s.index = i;
    s.state = state;
    s.count = std::max(r.layers_total, r.layers.size());
    s.name = r.layers[i];
    s.words = state_in_words(s.name);
    auto mean = [](const std::vector<Summary>& v, std::size_t k) -> std::optional<double> {
        if (k >= v.size() || v[k].count == 0 || !std::isfinite(v[k].mean)) return std::nullopt;
        return v[k].mean;
    };
    s.mean_norm = mean(r.norm_stats, i);
    if (i > 0) {
        const std::optional<double> before = mean(r.norm_stats, i - 1);
        if (before && s.mean_norm && *before > 0) s.growth_from_prev = *s.mean_norm / *before;
        s.cos_prev = mean(r.cos_prev_stats, i);
        s.cos_first = mean(r.cos_first_stats, i);
    }
    return s;
}

}  // namespace es::analysis
