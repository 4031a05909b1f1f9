#include "cache/result_codec.h"

#include <nlohmann/json.hpp>

// nlohmann 3.11.2 has no std::optional support: null for nullopt.
namespace nlohmann {
template <typename T>
struct adl_serializer<std::optional<T>> {
    static void to_json(json& j, const std::optional<T>& v) {
        if (v)
            j = *v;
        else
            j = nullptr;
    }
    static void from_json(const json& j, std::optional<T>& v) {
        if (j.is_null())
            v.reset();
        else
            v = j.get<T>();
    }
};
}  // namespace nlohmann

namespace es::analysis {

// Every field, by name: a renamed or added field makes old entries fail to decode (recomputed).
// LayerSpectrum's estimate_* fields are left out: only complete results are cached, and in those
// they are empty (an estimate exists only in the partial results handed to the app's view).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LayerSpectrum, layer, name, centred, tokens, excluded_tokens,
                                   singular_values, explained_variance_ratio, effective_rank,
                                   participation_ratio, components)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SpectrumResult, stream, layers)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CkaResult, stream, file, other_file, layers, other_layers,
                                   tokens, excluded_tokens, method, matrix)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ProjectResult, stream, layers, states, tokens, excluded_states,
                                   fit_rows, spherized, method, dims, seed, knn, axis_labels,
                                   explained_variance, axes, mean, coordinates)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PowerLawFit, ok, reason, alpha, xmin, ks, sigma, n, n_total)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(MatrixSpectrum, name, shape, singular_values, spectral_norm,
                                   frobenius, stable_rank, fit)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(WeightSpectraResult, file, matrices, sources)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(HeadCircuit, layer, head, qk, ov)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(HeadSimilarityResult, layer, metric, rank, heads, matrix, order)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(HeadCircuitsResult, n_layers, n_heads, n_kv_heads, d_model,
                                   d_head, heads)
// TrajectoryResult by hand, called by name: analysis::to_json(const TrajectoryResult&, bool) makes
// nlohmann's from_json detection fail for this type, so neither its traits nor ADL are used.
nlohmann::json stats_json(const std::vector<Summary>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (const Summary& s : v) a.push_back({s.mean, s.median, s.p10, s.p90, s.count});
    return a;
}

std::vector<Summary> stats_of(const nlohmann::json& a) {
    std::vector<Summary> v;
    for (const auto& e : a)
        v.push_back({e.at(0).get<double>(), e.at(1).get<double>(), e.at(2).get<double>(),
                     e.at(3).get<double>(), e.at(4).get<std::size_t>()});
    return v;
}

void trajectory_to_json(nlohmann::json& j, const TrajectoryResult& r) {
    j = {{"stream", r.stream},
         {"layers", r.layers},
         {"states", r.states},
         {"layers_total", r.layers_total},
         {"tokens", r.tokens},
         {"excluded_tokens", r.excluded_tokens},
         {"token_index", r.token_index},
         {"norm", r.norm},
         {"cos_prev", r.cos_prev},
         {"cos_first", r.cos_first},
         {"norm_stats", stats_json(r.norm_stats)},
         {"cos_prev_stats", stats_json(r.cos_prev_stats)},
         {"cos_first_stats", stats_json(r.cos_first_stats)},
         {"growth_ratio", r.growth_ratio}};
}

void trajectory_from_json(const nlohmann::json& j, TrajectoryResult& r) {
    j.at("stream").get_to(r.stream);
    j.at("layers").get_to(r.layers);
    j.at("states").get_to(r.states);
    j.at("layers_total").get_to(r.layers_total);
    j.at("tokens").get_to(r.tokens);
    j.at("excluded_tokens").get_to(r.excluded_tokens);
    j.at("token_index").get_to(r.token_index);
    j.at("norm").get_to(r.norm);
    j.at("cos_prev").get_to(r.cos_prev);
    j.at("cos_first").get_to(r.cos_first);
    r.norm_stats = stats_of(j.at("norm_stats"));
    r.cos_prev_stats = stats_of(j.at("cos_prev_stats"));
    r.cos_first_stats = stats_of(j.at("cos_first_stats"));
    j.at("growth_ratio").get_to(r.growth_ratio);
}

}  // namespace es::analysis

namespace es::cache {

namespace {

template <typename R>
std::string encode_any(const R& r) {
    const nlohmann::json j = r;
    const std::vector<std::uint8_t> bytes = nlohmann::json::to_cbor(j);
    return std::string(bytes.begin(), bytes.end());
}

template <typename R>
bool decode_any(const std::string& bytes, R& r) {
    try {
        const nlohmann::json j = nlohmann::json::from_cbor(bytes);
        r = j.get<R>();
        return true;
    } catch (const nlohmann::json::exception&) {
        return false;
    }
}

}  // namespace

std::string encode(const analysis::SpectrumResult& r) {
    return encode_any(r);
}
std::string encode(const analysis::CkaResult& r) {
    return encode_any(r);
}
std::string encode(const analysis::ProjectResult& r) {
    return encode_any(r);
}
std::string encode(const analysis::WeightSpectraResult& r) {
    return encode_any(r);
}
std::string encode(const analysis::HeadCircuitsResult& r) {
    return encode_any(r);
}
std::string encode(const analysis::TrajectoryResult& r) {
    nlohmann::json j;
    analysis::trajectory_to_json(j, r);
    const std::vector<std::uint8_t> bytes = nlohmann::json::to_cbor(j);
    return std::string(bytes.begin(), bytes.end());
}
std::string encode(const analysis::HeadSimilarityResult& r) {
    return encode_any(r);
}
bool decode(const std::string& b, analysis::HeadSimilarityResult& r) {
    return decode_any(b, r);
}
bool decode(const std::string& b, analysis::HeadCircuitsResult& r) {
    return decode_any(b, r);
}
bool decode(const std::string& b, analysis::TrajectoryResult& r) {
    try {
        analysis::trajectory_from_json(nlohmann::json::from_cbor(b), r);
        return true;
    } catch (const nlohmann::json::exception&) {
        return false;
    }
}
bool decode(const std::string& b, analysis::SpectrumResult& r) {
    return decode_any(b, r);
}
bool decode(const std::string& b, analysis::CkaResult& r) {
    return decode_any(b, r);
}
bool decode(const std::string& b, analysis::ProjectResult& r) {
    return decode_any(b, r);
}
bool decode(const std::string& b, analysis::WeightSpectraResult& r) {
    return decode_any(b, r);
}

}  // namespace es::cache
