#include "analysis/trajectory.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <sstream>

#include "util/error.h"

namespace es::analysis {

namespace {

std::optional<double> cosine(double dot, double na, double nb) {
    if (na == 0.0 || nb == 0.0) return std::nullopt;
    return std::clamp(dot / (na * nb), -1.0, 1.0);
}

nlohmann::json stats_json(const std::vector<Summary>& s) {
    nlohmann::json j;
    for (const char* key : {"mean", "median", "p10", "p90"}) j[key] = nlohmann::json::array();
    for (const auto& x : s) {
        j["mean"].push_back(num(x.mean));
        j["median"].push_back(num(x.median));
        j["p10"].push_back(num(x.p10));
        j["p90"].push_back(num(x.p90));
    }
    return j;
}

}  // namespace

TrajectoryResult trajectory(const Dump& dump, const TrajectoryOptions& options,
                            Progress& progress) {
    const StreamInfo& s = dump.stream(options.stream);
    TrajectoryResult r;
    r.stream = s.name;
    r.states = analysed_states(s, options.include_final_norm);
    for (std::size_t st : r.states) r.layers.push_back(s.state_names[st]);
    const std::size_t T = s.n_tokens(), d = s.d, L = r.states.size();
    r.tokens = T;
    if (T == 0) throw InputError(dump.where() + "stream " + s.name + " has no tokens");

    // Per token (all T) and layer; filled by token ranges, so thread count cannot change values.
    std::vector<double> norm(T * L), cprev(T * L, std::nan("")), cfirst(T * L, std::nan(""));
    std::vector<unsigned char> valid(T, 1);
    const std::size_t step = options.slab_tokens ? options.slab_tokens : slab_tokens(d),
                      n_slabs = (T + step - 1) / step;
    std::atomic<std::size_t> done{0};
    const std::size_t units = n_slabs * L;
    progress.report(0.0, layer_message(0, L, "trajectories"));

    parallel_for(n_slabs, resolve_threads(options.threads), [&](std::size_t sb, std::size_t se) {
        std::vector<float> cur(step * d), prev(step * d), first(step * d);
        std::vector<double> first_norm(step), prev_norm(step);
        for (std::size_t slab = sb; slab < se; ++slab) {
            const std::size_t b = slab * step, e = std::min(T, b + step), m = e - b;
            for (std::size_t li = 0; li < L; ++li) {
                progress.check();
                dump.read_states(s, r.states[li], b, e, cur.data());
                for (std::size_t i = 0; i < m; ++i) {
                    const float* x = cur.data() + i * d;
                    const std::size_t t = b + i;
                    if (!row_finite(x, d)) {
                        valid[t] = 0;
                        continue;
                    }
                    double nn = 0, dp = 0, df = 0;
                    const float* p = prev.data() + i * d;
                    const float* f = first.data() + i * d;
                    for (std::size_t j = 0; j < d; ++j) {
                        const double xv = x[j];
                        nn += xv * xv;
                        if (li > 0) {
                            dp += xv * static_cast<double>(p[j]);
                            df += xv * static_cast<double>(f[j]);
                        }
                    }
                    const double n = std::sqrt(nn);
                    norm[t * L + li] = n;
                    if (li == 0) {
                        first_norm[i] = n;
                        cfirst[t * L] = n > 0 ? 1.0 : std::nan("");
                    } else {
                        cprev[t * L + li] = cosine(dp, n, prev_norm[i]).value_or(std::nan(""));
                        cfirst[t * L + li] = cosine(df, n, first_norm[i]).value_or(std::nan(""));
                    }
                    prev_norm[i] = n;
                }
                if (li == 0)
                    std::copy(cur.begin(), cur.begin() + static_cast<long>(m * d), first.begin());
                std::swap(cur, prev);
                const std::size_t k = ++done;
                if (sb == 0)  // one reporter keeps messages ordered
                    progress.report(static_cast<double>(k) / static_cast<double>(units),
                                    layer_message(li, L, "trajectories"));
            }
        }
    });

    auto opt = [](double v) { return std::isnan(v) ? std::nullopt : std::optional<double>(v); };
    for (std::size_t t = 0; t < T; ++t) {
        if (!valid[t]) {
            ++r.excluded_tokens;
            continue;
        }
        r.token_index.push_back(t);
        r.norm.emplace_back(norm.begin() + static_cast<long>(t * L),
                            norm.begin() + static_cast<long>((t + 1) * L));
        std::vector<std::optional<double>> cp(L), cf(L);
        for (std::size_t li = 0; li < L; ++li) {
            cp[li] = opt(cprev[t * L + li]);
            cf[li] = opt(cfirst[t * L + li]);
        }
        r.cos_prev.push_back(std::move(cp));
        r.cos_first.push_back(std::move(cf));
    }
    for (std::size_t li = 0; li < L; ++li) {
        std::vector<double> a, b, c;
        for (std::size_t i = 0; i < r.token_index.size(); ++i) {
            a.push_back(r.norm[i][li]);
            if (r.cos_prev[i][li]) b.push_back(*r.cos_prev[i][li]);
            if (r.cos_first[i][li]) c.push_back(*r.cos_first[i][li]);
        }
        r.norm_stats.push_back(summarize(a));
        r.cos_prev_stats.push_back(summarize(b));
        r.cos_first_stats.push_back(summarize(c));
    }
    // Growth: last pre-final-norm state over the first (the final-norm state is never used).
    const std::size_t last = last_pre_norm_state(s);
    const auto it = std::find(r.states.begin(), r.states.end(), last);
    if (it != r.states.end() && !r.token_index.empty()) {
        const double first_mean = r.norm_stats.front().mean;
        const double last_mean = r.norm_stats[static_cast<std::size_t>(it - r.states.begin())].mean;
        if (first_mean > 0) r.growth_ratio = last_mean / first_mean;
    }
    progress.report(1.0, "trajectories done");
    return r;
}

nlohmann::json to_json(const TrajectoryResult& r, bool per_token) {
    nlohmann::json j;
    j["stream"] = r.stream;
    j["layers"] = r.layers;
    j["tokens"] = r.tokens;
    j["excluded_tokens"] = r.excluded_tokens;
    j["norm"] = stats_json(r.norm_stats);
    j["cos_prev"] = stats_json(r.cos_prev_stats);
    j["cos_first"] = stats_json(r.cos_first_stats);
    j["growth_ratio"] = num(r.growth_ratio);
    if (per_token) {
        nlohmann::json pt = nlohmann::json::array();
        for (std::size_t i = 0; i < r.token_index.size(); ++i)
            pt.push_back({{"token", r.token_index[i]},
                          {"norm", nums(r.norm[i])},
                          {"cos_prev", nums(r.cos_prev[i])},
                          {"cos_first", nums(r.cos_first[i])}});
        j["per_token"] = pt;
    }
    return j;
}

std::string to_csv(const TrajectoryResult& r, bool per_token) {
    std::ostringstream os;
    if (per_token) {
        os << "token,layer,name,norm,cos_prev,cos_first\n";
        for (std::size_t i = 0; i < r.token_index.size(); ++i)
            for (std::size_t li = 0; li < r.layers.size(); ++li)
                os << r.token_index[i] << ',' << li << ',' << csv_text(r.layers[li]) << ','
                   << csv_num(r.norm[i][li]) << ',' << csv_num(r.cos_prev[i][li]) << ','
                   << csv_num(r.cos_first[i][li]) << '\n';
        return os.str();
    }
    os << "layer,name,norm_mean,norm_median,norm_p10,norm_p90,cos_prev_mean,cos_prev_median,"
          "cos_prev_p10,cos_prev_p90,cos_first_mean,cos_first_median,cos_first_p10,cos_first_p90\n";
    for (std::size_t li = 0; li < r.layers.size(); ++li) {
        os << li << ',' << csv_text(r.layers[li]);
        for (const auto* st : {&r.norm_stats[li], &r.cos_prev_stats[li], &r.cos_first_stats[li]})
            os << ',' << csv_num(st->mean) << ',' << csv_num(st->median) << ',' << csv_num(st->p10)
               << ',' << csv_num(st->p90);
        os << '\n';
    }
    return os.str();
}

}  // namespace es::analysis
