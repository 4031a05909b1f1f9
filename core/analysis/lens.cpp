#include "analysis/lens.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <sstream>

#include "analysis/common.h"
#include "util/error.h"
#include "util/number_text.h"
#include "util/token_text.h"

namespace es::analysis {

LensResult lens(const Dump& dump, const LensOptions& o, Progress& progress) {
    const StreamInfo& s = dump.stream(o.stream);
    const std::size_t d = s.d;
    const WeightInfo* wu = dump.find_weight("unembed.W_U");
    if (!wu)
        throw InputError(dump.where() +
                         "logit lens needs unembed.W_U, which this dump does not hold");
    if (wu->shape.size() != 2 || wu->shape[0] != d)
        throw InputError(dump.where(wu->dataset) + "unembed.W_U has shape " +
                         shape_to_string(wu->shape) + ", expected [" + std::to_string(d) +
                         ", d_vocab]");
    if (o.token >= s.n_tokens())
        throw InputError(dump.where() + "token " + std::to_string(o.token) + " out of range (0.." +
                         std::to_string(s.n_tokens() - 1) + ")");
    const std::size_t V = wu->shape[1];
    LensResult r;
    r.stream = s.name;
    r.token = o.token;
    r.prompt = o.token / s.n_positions;
    r.position = o.token % s.n_positions;
    if (o.token < dump.tokens().size()) {
        r.token_text = dump.tokens()[o.token].text;
        r.token_label = dump.tokens()[o.token].label();
        r.token_id = dump.tokens()[o.token].id;
    }
    r.vocab_size = V;
    for (const auto& [k, v] : dump.attributes())
        if (k == "eps") {
            if (const auto eps = util::parse_number(v)) r.eps = *eps;
        } else if (k == "norm") {
            r.rms_norm = v == "rmsnorm";
        }
    std::vector<float> w, b, bu;
    if (dump.find_weight("ln_final.w")) {
        w = dump.read_weight("ln_final.w").data;
        b = dump.find_weight("ln_final.b") ? dump.read_weight("ln_final.b").data
                                           : std::vector<float>(d, 0.f);
        if (w.size() != d || b.size() != d)
            throw InputError(dump.where() + "ln_final.w/b do not have d_model entries");
        r.ln_final = true;
    } else {
        r.note =
            "no ln_final weights in the dump: states are unembedded without the final LayerNorm";
    }
    if (dump.find_weight("unembed.b_U")) {
        bu = dump.read_weight("unembed.b_U").data;
        if (bu.size() != V)
            throw InputError(dump.where() + "unembed.b_U does not have d_vocab entries");
        r.unembed_bias = true;
    }

    // Normalised states (n x d, float64).
    const std::vector<std::size_t> states = analysed_states(s, o.include_final_norm);
    const std::size_t n = states.size();
    std::vector<double> xs(n * d, 0.0);
    std::vector<unsigned char> ok(n, 1);
    std::vector<float> v(d);
    for (std::size_t i = 0; i < n; ++i) {
        progress.check();
        dump.read_states(s, states[i], o.token, o.token + 1, v.data());
        LensLayer l;
        l.state = states[i];
        l.name = s.state_names[states[i]];
        const bool already = s.last_is_final_norm && states[i] + 1 == s.n_states();
        l.normalized = r.ln_final && !already;
        ok[i] = row_finite(v.data(), d);
        double mean = 0, var = 0;
        if (!r.rms_norm) {
            for (float f : v) mean += f;
            mean /= static_cast<double>(d);
        }
        for (float f : v) var += (f - mean) * (f - mean);
        var /= static_cast<double>(d);
        const double inv = 1.0 / std::sqrt(var + r.eps);
        for (std::size_t j = 0; j < d; ++j)
            xs[i * d + j] =
                l.normalized ? (v[j] - mean) * inv * w[j] + b[j] : static_cast<double>(v[j]);
        r.layers.push_back(std::move(l));
    }
    // Logits, streaming W_U by rows (d_model blocks of at most ~16 MiB).
    std::vector<double> logits(n * V, 0.0);
    const std::size_t step =
        std::max<std::size_t>(1, (16u << 20) / (sizeof(float) * std::max<std::size_t>(V, 1)));
    for (std::size_t j0 = 0; j0 < d; j0 += step) {
        progress.report(0.9 * static_cast<double>(j0) / static_cast<double>(d),
                        "logit lens: unembedding");
        progress.check();
        const std::size_t j1 = std::min(d, j0 + step);
        const Tensor rows = dump.read_weight_rows("unembed.W_U", j0, j1);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = j0; j < j1; ++j) {
                const double xj = xs[i * d + j];
                const float* wr = rows.data.data() + (j - j0) * V;
                double* out = logits.data() + i * V;
                for (std::size_t t = 0; t < V; ++t) out[t] += xj * wr[t];
            }
    }
    // Vocabulary strings.
    const std::vector<std::string>& vocab = dump.vocabulary();
    std::map<long long, std::string> seen;
    if (!vocab.empty()) {
        r.vocab_source = "vocab dataset";
    } else {
        for (const auto& t : dump.tokens())
            if (t.id && !t.text.empty()) seen.emplace(*t.id, t.text);
        r.vocab_source = seen.empty() ? "none (ids only)"
                                      : "dump tokens (ids seen in the prompts; others by id)";
    }
    auto text_of = [&](long long id) -> std::string {
        if (id >= 0 && static_cast<std::size_t>(id) < vocab.size())
            return vocab[static_cast<std::size_t>(id)];
        auto it = seen.find(id);
        return it != seen.end() ? it->second : std::string();
    };
    const std::size_t k = std::min(o.top_k, V);
    for (std::size_t i = 0; i < n; ++i) {
        LensLayer& l = r.layers[i];
        if (!ok[i]) {
            l.entropy = std::nan("");
            continue;
        }
        double* z = logits.data() + i * V;
        for (std::size_t t = 0; t < V && !bu.empty(); ++t) z[t] += bu[t];
        const double zmax = *std::max_element(z, z + V);
        double sum = 0;
        for (std::size_t t = 0; t < V; ++t) sum += std::exp(z[t] - zmax);
        const double logsum = zmax + std::log(sum);
        double h = 0;
        for (std::size_t t = 0; t < V; ++t) {
            const double lp = z[t] - logsum;
            h -= std::exp(lp) * lp;
        }
        l.entropy = h;
        std::vector<std::size_t> idx(V);
        std::iota(idx.begin(), idx.end(), 0);
        std::partial_sort(
            idx.begin(), idx.begin() + static_cast<long>(k), idx.end(),
            [&](std::size_t a, std::size_t c) { return z[a] > z[c] || (z[a] == z[c] && a < c); });
        for (std::size_t q = 0; q < k; ++q) {
            const auto id = static_cast<long long>(idx[q]);
            l.top.push_back({id, text_of(id), std::exp(z[idx[q]] - logsum), z[idx[q]]});
        }
    }
    progress.report(1.0, "logit lens done");
    return r;
}

nlohmann::json to_json(const LensResult& r) {
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : r.layers) {
        nlohmann::json top = nlohmann::json::array();
        for (const auto& e : l.top)
            top.push_back({{"id", e.id},
                           {"token", e.text},
                           {"probability", num(e.probability)},
                           {"logit", num(e.logit)}});
        layers.push_back({{"layer", l.state},
                          {"name", l.name},
                          {"normalized", l.normalized},
                          {"entropy", num(l.entropy)},
                          {"top", top}});
    }
    return {{"stream", r.stream},
            {"token", token_json(r.token, r.prompt, r.position, r.token_text, r.token_id)},
            {"ln_final", r.ln_final},
            {"norm", r.ln_final ? nlohmann::json(r.rms_norm ? "rmsnorm" : "layernorm")
                                : nlohmann::json(nullptr)},
            {"eps", r.eps},
            {"unembed_bias", r.unembed_bias},
            {"vocab_size", r.vocab_size},
            {"vocab_source", r.vocab_source},
            {"note", r.note},
            {"layers", layers}};
}

std::string to_csv(const LensResult& r) {
    std::ostringstream os;
    os << "layer,name,rank,id,token,probability,logit\n";
    for (const auto& l : r.layers)
        for (std::size_t q = 0; q < l.top.size(); ++q)
            os << l.state << ',' << csv_text(l.name) << ',' << q << ',' << l.top[q].id << ','
               << csv_text(token_label(l.top[q].text, l.top[q].id)) << ','
               << csv_num(l.top[q].probability) << ',' << csv_num(l.top[q].logit) << '\n';
    return os.str();
}

}  // namespace es::analysis
