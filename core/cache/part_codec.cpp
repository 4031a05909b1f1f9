#include "cache/part_codec.h"

#include <cstdint>
#include <cstring>

#include <nlohmann/json.hpp>

namespace es::cache {

namespace {

using json = nlohmann::json;

// Raw doubles as a CBOR byte string: exact, and a D x D scatter (8192^2) stays 512 MB instead
// of a JSON array of 67M nodes.
json doubles(const std::vector<double>& v) {
    std::vector<std::uint8_t> b(v.size() * sizeof(double));
    if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
    return json::binary(std::move(b));
}

std::vector<double> doubles_of(const json& j) {
    const auto& b = j.get_binary();
    if (b.size() % sizeof(double) != 0) throw json::other_error::create(501, "not doubles", &j);
    std::vector<double> v(b.size() / sizeof(double));
    if (!v.empty()) std::memcpy(v.data(), b.data(), b.size());
    return v;
}

std::string bytes_of(const json& j) {
    const std::vector<std::uint8_t> b = json::to_cbor(j);
    return std::string(b.begin(), b.end());
}

template <typename Fill>
bool parse(const std::string& bytes, Fill fill) {
    try {
        fill(json::from_cbor(bytes));
        return true;
    } catch (const json::exception&) {
        return false;
    } catch (const std::exception&) {  // sizes that do not match (Scatter::from_state)
        return false;
    }
}

}  // namespace

std::string encode(const numerics::Scatter& s) {
    return bytes_of({{"kind", "scatter"},
                     {"d", s.dim()},
                     {"centred", s.centred()},
                     {"n", s.count()},
                     {"mean", doubles(s.mean())},
                     {"lower", doubles(s.lower())}});
}

bool decode(const std::string& bytes, numerics::Scatter& s) {
    return parse(bytes, [&](const json& j) {
        if (j.at("kind") != "scatter") throw json::other_error::create(501, "not a scatter", &j);
        s = numerics::Scatter::from_state(j.at("d").get<std::size_t>(), j.at("centred").get<bool>(),
                                          j.at("n").get<std::size_t>(), doubles_of(j.at("mean")),
                                          doubles_of(j.at("lower")));
    });
}

std::string encode(const analysis::CkaPart& p) {
    const analysis::CkaResult& r = p.result;
    return bytes_of({{"kind", "cka_part"},
                     {"stream", r.stream},
                     {"file", r.file},
                     {"other_file", r.other_file},
                     {"layers", r.layers},
                     {"other_layers", r.other_layers},
                     {"tokens", r.tokens},
                     {"excluded_tokens", r.excluded_tokens},
                     {"method", r.method},
                     {"na", p.na},
                     {"n_src", p.n_src},
                     {"inner", doubles(p.inner)},
                     {"self", doubles(p.self)}});
}

bool decode(const std::string& bytes, analysis::CkaPart& p) {
    return parse(bytes, [&](const json& j) {
        if (j.at("kind") != "cka_part") throw json::other_error::create(501, "not CKA", &j);
        analysis::CkaResult& r = p.result;
        j.at("stream").get_to(r.stream);
        j.at("file").get_to(r.file);
        j.at("other_file").get_to(r.other_file);
        j.at("layers").get_to(r.layers);
        j.at("other_layers").get_to(r.other_layers);
        j.at("tokens").get_to(r.tokens);
        j.at("excluded_tokens").get_to(r.excluded_tokens);
        j.at("method").get_to(r.method);
        j.at("na").get_to(p.na);
        j.at("n_src").get_to(p.n_src);
        p.inner = doubles_of(j.at("inner"));
        p.self = doubles_of(j.at("self"));
        if (p.inner.size() != p.n_src * p.n_src || p.self.size() != p.n_src)
            throw json::other_error::create(501, "CKA part sizes", &j);
    });
}

std::string encode(const analysis::EqualiserBasisFit& b) {
    return bytes_of({{"kind", "equaliser_basis"},
                     {"d", b.d},
                     {"layers", b.layers},
                     {"explained", doubles(b.explained)},
                     {"components", doubles(b.components)}});
}

bool decode(const std::string& bytes, analysis::EqualiserBasisFit& b) {
    return parse(bytes, [&](const json& j) {
        if (j.at("kind") != "equaliser_basis")
            throw json::other_error::create(501, "not a basis", &j);
        j.at("d").get_to(b.d);
        j.at("layers").get_to(b.layers);
        b.explained = doubles_of(j.at("explained"));
        b.components = doubles_of(j.at("components"));
        if (b.components.size() != b.d * b.d)
            throw json::other_error::create(501, "basis size", &j);
    });
}

std::string encode(const std::vector<analysis::CheckpointSeriesStep>& steps) {
    json a = json::array();
    for (const auto& s : steps)
        a.push_back({s.step, s.file, doubles(s.singular_values), s.rows, s.cols, doubles(s.basis)});
    return bytes_of({{"kind", "series_steps"}, {"steps", a}});
}

bool decode(const std::string& bytes, std::vector<analysis::CheckpointSeriesStep>& steps) {
    return parse(bytes, [&](const json& j) {
        if (j.at("kind") != "series_steps") throw json::other_error::create(501, "not steps", &j);
        steps.clear();
        for (const auto& e : j.at("steps")) {
            analysis::CheckpointSeriesStep s;
            s.step = e.at(0).get<long long>();
            s.file = e.at(1).get<std::string>();
            s.singular_values = doubles_of(e.at(2));
            s.rows = e.at(3).get<std::size_t>();
            s.cols = e.at(4).get<std::size_t>();
            s.basis = doubles_of(e.at(5));
            if (s.basis.size() != s.rows * s.cols)
                throw json::other_error::create(501, "basis size", &e);
            steps.push_back(std::move(s));
        }
    });
}

}  // namespace es::cache
