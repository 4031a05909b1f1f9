#include "analysis/trajectory.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>

#include "numerics/memory_gate.h"
#include "numerics/row_dots.h"
#include "util/error.h"
#include "util/foreground.h"
#include "util/parallel.h"

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

namespace {

// Per-token arrays (token-major, L per token) turned into the result for the first `tokens`
// tokens and `layers` layers: the final result, or a partial one while layers fill in.
struct Arrays {
    std::vector<double> norm, cprev, cfirst;
    std::vector<unsigned char> valid;
    std::size_t L = 0;
    std::size_t offset = 0;  // flat index of the first token held
};

// Per-layer statistics and growth from the per-token values of r.
void finish(TrajectoryResult& r, const StreamInfo& s) {
    const std::size_t layers = r.states.size();
    r.norm_stats.clear();
    r.cos_prev_stats.clear();
    r.cos_first_stats.clear();
    r.growth_ratio.reset();
    for (std::size_t li = 0; li < layers; ++li) {
        std::vector<double> n, p, f;
        for (std::size_t i = 0; i < r.token_index.size(); ++i) {
            n.push_back(r.norm[i][li]);
            if (r.cos_prev[i][li]) p.push_back(*r.cos_prev[i][li]);
            if (r.cos_first[i][li]) f.push_back(*r.cos_first[i][li]);
        }
        r.norm_stats.push_back(summarize(n));
        r.cos_prev_stats.push_back(summarize(p));
        r.cos_first_stats.push_back(summarize(f));
    }
    // Growth: last pre-final-norm state over the first (the final-norm state is never used).
    const std::size_t last = last_pre_norm_state(s);
    const auto it = std::find(r.states.begin(), r.states.end(), last);
    if (it != r.states.end() && !r.token_index.empty()) {
        const double first_mean = r.norm_stats.front().mean;
        const double last_mean = r.norm_stats[static_cast<std::size_t>(it - r.states.begin())].mean;
        if (first_mean > 0) r.growth_ratio = last_mean / first_mean;
    }
}

TrajectoryResult assemble(const TrajectoryResult& head, const Arrays& a, const StreamInfo& s,
                          std::size_t tokens, std::size_t layers) {
    TrajectoryResult r;
    r.stream = head.stream;
    r.layers.assign(head.layers.begin(), head.layers.begin() + static_cast<long>(layers));
    r.states.assign(head.states.begin(), head.states.begin() + static_cast<long>(layers));
    r.layers_total = head.states.size();
    r.tokens = head.tokens;
    const std::size_t L = a.L;
    auto opt = [](double v) { return std::isnan(v) ? std::nullopt : std::optional<double>(v); };
    for (std::size_t t = 0; t < tokens; ++t) {
        if (!a.valid[t]) {
            ++r.excluded_tokens;
            continue;
        }
        r.token_index.push_back(a.offset + t);
        r.norm.emplace_back(a.norm.begin() + static_cast<long>(t * L),
                            a.norm.begin() + static_cast<long>(t * L + layers));
        std::vector<std::optional<double>> cp(layers), cf(layers);
        for (std::size_t li = 0; li < layers; ++li) {
            cp[li] = opt(a.cprev[t * L + li]);
            cf[li] = opt(a.cfirst[t * L + li]);
        }
        r.cos_prev.push_back(std::move(cp));
        r.cos_first.push_back(std::move(cf));
    }
    finish(r, s);
    return r;
}

}  // namespace

TrajectoryResult trajectory(const Dump& dump, const TrajectoryOptions& options,
                            Progress& progress) {
    const StreamInfo& s = dump.stream(options.stream);
    TrajectoryResult head;
    head.stream = s.name;
    head.states = analysed_states(s, options.include_final_norm);
    for (std::size_t st : head.states) head.layers.push_back(s.state_names[st]);
    const std::size_t T_all = s.n_tokens(), d = s.d, L = head.states.size();
    head.tokens = T_all;
    if (T_all == 0) throw InputError(dump.where() + "stream " + s.name + " has no tokens");
    // The tokens of this call: [t0, T). Arrays and `a` are indexed from t0.
    const std::size_t T = options.token_end ? std::min(options.token_end, T_all) : T_all;
    const std::size_t t0 = std::min(options.token_begin, T), n = T - t0;

    // Per token and layer; filled by token ranges, so thread count cannot change values.
    Arrays a;
    a.L = L;
    a.offset = t0;
    a.norm.assign(n * L, 0.0);
    a.cprev.assign(n * L, std::nan(""));
    a.cfirst.assign(n * L, std::nan(""));
    a.valid.assign(n, 1);

    // Layer-major within blocks of tokens whose previous and first states stay in memory, so the
    // picture can fill in layer by layer; the block bounds memory on any dump size.
    // Compressed: ~16 MiB a read, so the gzip fast path takes it and inflates on both cores
    // (HDF5 inflates one chunk at a time under its global lock); otherwise ~4 MiB.
    const std::size_t step = options.slab_tokens
                                 ? options.slab_tokens
                                 : chunk_read_tokens(s, s.filters.empty() ? 4u << 20 : 16u << 20);
    std::size_t block = options.block_tokens
                            ? options.block_tokens
                            : std::max<std::size_t>(step, kTrajectoryBlockBytes / (3 * d * 4));
    block = std::max<std::size_t>(1, std::min(block, n));
    // The three blocks are leased from the process's memory gate (the app's budget): as large as
    // planned when that much is free, else as many tokens as fit, down to one read's worth; the
    // values do not depend on the block, only how soon the first picture covers every token.
    // At most an eighth of the gate's budget: the lease is held for the whole run (a minute on
    // M under load), and with a whole 4096 x 4096 block (192 MiB) beside the equaliser's basis
    // fit the spectrum's first layer waited for the trajectory to finish (70 s instead of 6 s).
    const double token_bytes = 3.0 * static_cast<double>(d) * sizeof(float);
    const double most = std::min(token_bytes * static_cast<double>(block),
                                 numerics::memory_gate().budget()
                                     ? static_cast<double>(numerics::memory_gate().budget()) / 8
                                     : token_bytes * static_cast<double>(block));
    numerics::MemoryLease lease = numerics::memory_gate().lease_range(
        token_bytes * static_cast<double>(std::min(block, step)), most, "trajectory", progress);
    if (!options.block_tokens && numerics::memory_gate().budget())
        block = std::clamp<std::size_t>(
            static_cast<std::size_t>(static_cast<double>(lease.bytes()) / token_bytes), 1, block);
    const std::size_t n_blocks = (n + block - 1) / block, units = n_blocks * L;
    const int threads = util::resolve_threads(options.threads);
    // Layer 0 stays in `first`; later layers alternate between two buffers, so the previous
    // layer is always in memory and nothing is copied.
    std::vector<float> first(block * d), even(block * d), odd(block * d);
    progress.report(0.0, layer_message(0, L, "trajectories"));
    // Until its first partial picture the trajectory is what is on screen first (foreground.h).
    std::optional<util::ForegroundScope> first_picture;
    if (options.on_layer) first_picture.emplace();

    for (std::size_t b0 = t0, unit = 0; b0 < T; b0 += block) {
        const std::size_t e0 = std::min(T, b0 + block), n_slabs = (e0 - b0 + step - 1) / step;
        for (std::size_t li = 0; li < L; ++li) {
            progress.check();
            float* cur = li == 0 ? first.data() : li % 2 ? odd.data() : even.data();
            const float* prev = li <= 1 ? first.data() : li % 2 ? even.data() : odd.data();
            util::parallel_for(n_slabs, threads, [&](std::size_t sb, std::size_t se) {
                for (std::size_t slab = sb; slab < se; ++slab) {
                    progress.check();
                    const std::size_t b = b0 + slab * step, e = std::min(e0, b + step);
                    dump.read_states(s, head.states[li], b, e, cur + (b - b0) * d);
                    for (std::size_t ta = b; ta < e; ++ta) {
                        const std::size_t t = ta - t0;  // index into the arrays
                        const float* x = cur + (ta - b0) * d;
                        const float* p = prev + (ta - b0) * d;
                        const float* f = first.data() + (ta - b0) * d;
                        const numerics::RowDots dots =
                            numerics::row_dots(x, li > 0 ? p : nullptr, li > 0 ? f : nullptr, d);
                        if (!std::isfinite(dots.xx)) a.valid[t] = 0;  // a non-finite entry
                        const double n = std::sqrt(dots.xx);
                        a.norm[t * L + li] = n;
                        if (li == 0) {
                            a.cfirst[t * L] = n > 0 ? 1.0 : std::nan("");
                        } else {
                            const double np = a.norm[t * L + li - 1], nf = a.norm[t * L];
                            a.cprev[t * L + li] = cosine(dots.xp, n, np).value_or(std::nan(""));
                            a.cfirst[t * L + li] = cosine(dots.xf, n, nf).value_or(std::nan(""));
                        }
                    }
                }
            });
            ++unit;
            progress.report(static_cast<double>(unit) / static_cast<double>(units),
                            layer_message(li, L, "trajectories"));
            // Partial pictures while the first block's layers come in (later blocks only refine
            // statistics the user already sees, so they are not worth a redraw per layer).
            if (options.on_layer && b0 == t0 && li + 1 < L)
                options.on_layer(assemble(head, a, s, e0 - t0, li + 1));
            first_picture.reset();
        }
    }
    TrajectoryResult r = assemble(head, a, s, n, L);
    progress.report(1.0, "trajectories done");
    return r;
}

TrajectoryResult trajectory_merge(std::vector<TrajectoryResult> parts, const StreamInfo& s) {
    if (parts.empty()) return {};
    TrajectoryResult r = std::move(parts.front());
    for (std::size_t i = 1; i < parts.size(); ++i) {
        TrajectoryResult& p = parts[i];
        r.excluded_tokens += p.excluded_tokens;
        r.token_index.insert(r.token_index.end(), p.token_index.begin(), p.token_index.end());
        for (auto& v : p.norm) r.norm.push_back(std::move(v));
        for (auto& v : p.cos_prev) r.cos_prev.push_back(std::move(v));
        for (auto& v : p.cos_first) r.cos_first.push_back(std::move(v));
    }
    finish(r, s);
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
