#include "report/info.h"

#include <sstream>

#include "version.h"

namespace es {

namespace {

nlohmann::json opt(const std::optional<std::size_t>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

std::string opt_text(const std::optional<std::size_t>& v) {
    return v ? std::to_string(*v) : "?";
}

}  // namespace

nlohmann::json info_json(const Dump& dump, const DataHealth& health) {
    using nlohmann::json;
    const ModelDims& m = dump.dims();
    json j;
    j["eigenscope_version"] = EIGENSCOPE_VERSION;
    j["file"] = dump.path();
    j["layout"] = layout_name(dump.layout());
    j["n_layers"] = opt(m.n_layers);
    j["n_heads"] = opt(m.n_heads);
    j["n_kv_heads"] = opt(m.n_kv_heads);
    j["d_model"] = opt(m.d_model);
    j["d_head"] = opt(m.d_head);
    j["d_vocab"] = opt(m.d_vocab);
    j["d_mlp"] = opt(m.d_mlp);
    j["n_ctx"] = opt(m.n_ctx);
    j["tokens"] = dump.tokens().size();
    j["prompts"] = dump.n_prompts();
    json preview = json::array();
    for (std::size_t i = 0; i < dump.tokens().size() && i < 16; ++i)
        preview.push_back(dump.tokens()[i].text);
    j["token_preview"] = preview;
    j["prompt_texts"] = dump.prompt_texts();
    j["vocabulary"] = dump.vocabulary().size();  // strings for token ids (0 when absent)
    json streams = json::array();
    for (const StreamInfo& s : dump.streams()) {
        streams.push_back({{"name", s.name},
                           {"layers", s.n_states()},
                           {"shape", {s.n_states(), s.n_prompts, s.n_positions, s.d}},
                           {"stored_shape", s.stored_shape},
                           {"dtype", dtype_name(s.dtype)},
                           {"chunks", s.chunk.empty() ? json(nullptr) : json(s.chunk)},
                           {"filters", s.filters},
                           {"states", s.state_names},
                           {"last_is_final_norm", s.last_is_final_norm}});
    }
    j["streams"] = streams;
    json attention = json::array();
    for (const AttentionInfo& a : dump.attention()) {
        attention.push_back(
            {{"name", a.name},
             {"layers", a.layers.size()},
             {"shape", {a.layers.size(), a.n_prompts, a.n_heads, a.n_positions, a.n_positions}},
             {"dtype", dtype_name(a.dtype)}});
    }
    j["attention"] = attention;
    json names = json::array(), shapes = json::object();
    for (const auto& [name, w] : dump.weights()) {
        names.push_back(name);
        shapes[name] = w.shape;
    }
    j["weights"] = names;
    j["weight_shapes"] = shapes;
    // Safetensors checkpoints: each weight's own tensor and how the view is taken.
    json sources = json::object();
    for (const auto& [name, w] : dump.weights())
        if (!w.source.empty())
            sources[name] = {{"source", w.source}, {"transform", w.source_transform}};
    if (!sources.empty()) j["weight_sources"] = sources;
    j["notes"] = dump.notes();
    json attrs = json::object();
    for (const auto& [k, v] : dump.attributes()) attrs[k] = v;
    j["attributes"] = attrs;
    j["step"] = dump.step() ? json(*dump.step()) : json(nullptr);
    j["nonfinite"] = health.nonfinite_values;
    j["nonfinite_vectors"] = health.nonfinite_vectors;
    j["zero_vectors"] = health.zero_vectors;
    json per_stream = json::array();
    for (const auto& sh : health.streams)
        per_stream.push_back({{"stream", sh.stream},
                              {"nonfinite", sh.nonfinite_values},
                              {"nonfinite_vectors", sh.nonfinite_vectors},
                              {"zero_vectors", sh.zero_vectors}});
    json per_weight = json::array();
    for (const auto& wh : health.weights)
        per_weight.push_back({{"weight", wh.weight}, {"nonfinite", wh.nonfinite_values}});
    j["health"] = {{"streams", per_stream}, {"weights", per_weight}};
    return j;
}

std::string info_text(const Dump& dump, const DataHealth& health) {
    const ModelDims& m = dump.dims();
    std::ostringstream os;
    os << dump.path() << "\n";
    os << "  layout      " << layout_name(dump.layout()) << "\n";
    os << "  model       layers " << opt_text(m.n_layers) << ", heads " << opt_text(m.n_heads);
    if (m.n_kv_heads && m.n_heads && *m.n_kv_heads != *m.n_heads)
        os << " (kv " << *m.n_kv_heads << ")";
    os << ", d_model " << opt_text(m.d_model) << ", d_head " << opt_text(m.d_head) << ", d_vocab "
       << opt_text(m.d_vocab) << ", d_mlp " << opt_text(m.d_mlp) << ", n_ctx " << opt_text(m.n_ctx)
       << "\n";
    os << "  tokens      " << dump.tokens().size() << " in " << dump.n_prompts() << " prompt(s):";
    for (std::size_t i = 0; i < dump.tokens().size() && i < 12; ++i)
        os << " " << dump.tokens()[i].label();
    if (dump.tokens().size() > 12) os << " ...";
    os << "\n";
    if (dump.step()) os << "  step        " << *dump.step() << "\n";
    os << "  streams\n";
    for (const StreamInfo& s : dump.streams()) {
        os << "    " << s.name << ": " << s.n_states() << " states x " << s.n_prompts << " x "
           << s.n_positions << " x " << s.d << ", " << dtype_name(s.dtype);
        if (!s.chunk.empty()) os << ", chunks " << shape_to_string(s.chunk);
        for (const auto& f : s.filters) os << ", " << f;
        if (s.last_is_final_norm) os << " (last state has the final norm applied)";
        os << "\n";
    }
    for (const AttentionInfo& a : dump.attention())
        os << "  attention   " << a.name << ": " << a.layers.size() << " layers x " << a.n_prompts
           << " prompts x " << a.n_heads << " heads x " << a.n_positions << "^2, "
           << dtype_name(a.dtype) << "\n";
    os << "  weights     " << dump.weights().size() << "\n";
    for (const auto& [name, w] : dump.weights()) {
        os << "    " << name << " " << shape_to_string(w.shape) << " " << dtype_name(w.dtype);
        if (!w.source.empty() && w.source != name)
            os << " <- " << w.source
               << (w.source_transform.empty() ? "" : " (" + w.source_transform + ")");
        os << "\n";
    }
    if (!dump.notes().empty()) {
        os << "  notes\n";
        for (const auto& n : dump.notes()) os << "    " << n << "\n";
    }
    if (!dump.attributes().empty()) {
        os << "  attributes\n";
        for (const auto& [k, v] : dump.attributes()) os << "    " << k << " = " << v << "\n";
    }
    os << "  health      " << health.nonfinite_values << " non-finite values in "
       << health.nonfinite_vectors << " token states; " << health.zero_vectors << " zero vectors\n";
    return os.str();
}

}  // namespace es
