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
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LayerSpectrum, layer, name, centred, tokens, excluded_tokens,
                                   singular_values, explained_variance_ratio, effective_rank,
                                   participation_ratio, components)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SpectrumResult, stream, layers)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CkaResult, stream, file, other_file, layers, other_layers,
                                   tokens, excluded_tokens, method, matrix)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ProjectResult, stream, layers, states, tokens, excluded_states,
                                   fit_rows, spherized, axis_labels, explained_variance, axes, mean,
                                   coordinates)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PowerLawFit, ok, reason, alpha, xmin, ks, sigma, n, n_total)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(MatrixSpectrum, name, shape, singular_values, spectral_norm,
                                   frobenius, stable_rank, fit)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(WeightSpectraResult, file, matrices)

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
