#include "analysis/timescales.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "analysis/common.h"
#include "analysis/spectrum.h"
#include "numerics/memory_gate.h"
#include "numerics/pca.h"
#include "util/error.h"

namespace es::analysis {

std::vector<std::optional<double>> autocorrelation(const std::vector<double>& v,
                                                   std::size_t prompts, std::size_t positions) {
    std::vector<double> y(v.size(), std::nan(""));
    for (std::size_t p = 0; p < prompts; ++p) {  // remove each prompt's mean
        double sum = 0;
        std::size_t n = 0;
        for (std::size_t t = 0; t < positions; ++t)
            if (!std::isnan(v[p * positions + t])) {
                sum += v[p * positions + t];
                ++n;
            }
        for (std::size_t t = 0; t < positions && n; ++t)
            if (!std::isnan(v[p * positions + t]))
                y[p * positions + t] = v[p * positions + t] - sum / n;
    }
    std::vector<double> acc(positions, 0.0);
    for (std::size_t lag = 0; lag < positions; ++lag)
        for (std::size_t p = 0; p < prompts; ++p)
            for (std::size_t t = 0; t + lag < positions; ++t) {
                const double a = y[p * positions + t], b = y[p * positions + t + lag];
                if (!std::isnan(a) && !std::isnan(b)) acc[lag] += a * b;
            }
    std::vector<std::optional<double>> r(positions);
    if (positions == 0 || !(acc[0] > 0)) return r;
    for (std::size_t lag = 0; lag < positions; ++lag) r[lag] = acc[lag] / acc[0];
    return r;
}

std::optional<double> half_life(const std::vector<std::optional<double>>& r) {
    for (std::size_t lag = 1; lag < r.size(); ++lag) {
        if (!r[lag] || !r[lag - 1]) return std::nullopt;
        if (*r[lag] < 0.5) {
            const double a = *r[lag - 1], b = *r[lag];
            return static_cast<double>(lag - 1) + (a - 0.5) / (a - b);
        }
    }
    return std::nullopt;
}

TimescalesResult timescales(const Dump& dump, const TimescalesOptions& o, Progress& progress) {
    const StreamInfo& s = dump.stream(o.stream);
    const std::size_t d = s.d, T = s.n_tokens(), P = s.n_positions, B = s.n_prompts;
    const std::vector<std::size_t> states = analysed_states(s, o.include_final_norm);
    TimescalesResult r;
    r.stream = s.name;
    r.layer = o.layer ? check_state(dump, s, static_cast<long long>(*o.layer))
                      : states[states.size() / 2];
    r.layer_name = s.state_names[r.layer];
    r.tokens = T;
    r.positions = P;
    if (o.components == 0) throw InputError("timescales: --components must be at least 1");
    const std::size_t n = states.size();
    // A state and its PCA (a T x T or d x d float64 Gram: ~270 MB at 4096 x 4096), one state at
    // a time, leased from the process's memory gate for the whole pass (the state buffer is
    // reused from state to state).
    const numerics::MemoryLease lease = numerics::memory_gate().lease(
        spectrum_layer_bytes(T, d, o.components), "timescales", progress);
    std::vector<float> x;
    std::vector<double> prev;  // previous state's top-k basis
    std::size_t prev_k = 0;
    for (std::size_t i = 0; i <= n; ++i) {
        // Pass over every analysed state for persistence; the chosen layer is also analysed in
        // full (it is state r.layer, which may be outside `states` when given explicitly).
        const bool extra = i == n;
        if (extra && std::find(states.begin(), states.end(), r.layer) != states.end()) break;
        const std::size_t st = extra ? r.layer : states[i];
        progress.report(static_cast<double>(i) / static_cast<double>(n + 1),
                        layer_message(i, n, "timescales"));
        read_state(dump, s, st, x, progress);
        const auto rows = finite_rows(x.data(), T, d);
        if (rows.size() < 2)
            throw InputError(dump.where() + "timescales needs at least 2 finite tokens at state " +
                             s.state_names[st]);
        const numerics::Pca p =
            numerics::pca_of_rows(x.data(), d, rows, true, o.components, progress);
        if (!extra && i > 0) {
            const std::size_t k = std::min(prev_k, p.k);
            std::vector<double> a(prev.begin(), prev.begin() + static_cast<long>(k * d));
            std::vector<double> b(p.components.begin(),
                                  p.components.begin() + static_cast<long>(k * d));
            SubspaceStep step{s.state_names[states[i - 1]], s.state_names[st], {}};
            for (double ang : numerics::principal_angles(a, b, k, d))
                step.angles_deg.push_back(ang * (180.0 / 3.14159265358979323846));
            r.persistence.push_back(std::move(step));
        }
        if (!extra) {
            prev = p.components;
            prev_k = p.k;
        }
        if (st != r.layer) continue;
        r.excluded_tokens = T - rows.size();
        r.components = p.k;
        const double total = p.total();
        std::vector<unsigned char> ok(T, 0);
        for (std::size_t t : rows) ok[t] = 1;
        for (std::size_t c = 0; c < p.k; ++c) {
            r.explained_variance_ratio.push_back(total > 0 ? p.eig[c] / total : 0.0);
            std::vector<double> v(T, std::nan(""));
            for (std::size_t t = 0; t < T; ++t) {
                if (!ok[t]) continue;
                double acc = 0;
                for (std::size_t j = 0; j < d; ++j)
                    acc += p.components[c * d + j] * (x[t * d + j] - p.mean[j]);
                v[t] = acc;
            }
            r.autocorrelation.push_back(autocorrelation(v, B, P));
            r.half_life.push_back(half_life(r.autocorrelation.back()));
        }
    }
    progress.report(1.0, "timescales done");
    return r;
}

nlohmann::json to_json(const TimescalesResult& r) {
    nlohmann::json ac = nlohmann::json::array(), pers = nlohmann::json::array();
    for (const auto& a : r.autocorrelation) ac.push_back(nums(a));
    for (const auto& st : r.persistence)
        pers.push_back({{"from", st.from}, {"to", st.to}, {"angles_deg", nums(st.angles_deg)}});
    return {{"stream", r.stream},
            {"layer", r.layer},
            {"name", r.layer_name},
            {"tokens", r.tokens},
            {"excluded_tokens", r.excluded_tokens},
            {"components", r.components},
            {"explained_variance_ratio", nums(r.explained_variance_ratio)},
            {"autocorrelation", ac},
            {"half_life", nums(r.half_life)},
            {"persistence", pers}};
}

std::string to_csv(const TimescalesResult& r) {
    std::ostringstream os;
    os << "component,explained_variance_ratio,half_life";
    for (std::size_t lag = 0; lag < r.positions; ++lag) os << ",lag" << lag;
    os << '\n';
    for (std::size_t c = 0; c < r.components; ++c) {
        os << c << ',' << csv_num(r.explained_variance_ratio[c]) << ',' << csv_num(r.half_life[c]);
        for (const auto& v : r.autocorrelation[c]) os << ',' << csv_num(v);
        os << '\n';
    }
    return os.str();
}

}  // namespace es::analysis
