#include "analysis/directions.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "analysis/common.h"
#include "analysis/state_slabs.h"
#include "analysis/token_lookup.h"
#include "analysis/vector_file.h"
#include "numerics/memory_gate.h"
#include "numerics/pca.h"
#include "util/error.h"
#include "util/parallel.h"

namespace es::analysis {

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

namespace {

using Vec = std::vector<double>;

double dot(const Vec& a, const Vec& b) {
    double s = 0;
    for (std::size_t j = 0; j < a.size(); ++j) s += a[j] * b[j];
    return s;
}

// v / |v|, or empty when v is zero (or not finite).
Vec unit(Vec v) {
    const double n = std::sqrt(dot(v, v));
    if (!(n > 0) || !std::isfinite(n)) return {};
    for (double& x : v) x /= n;
    return v;
}

std::optional<double> cosine(const Vec& a, const Vec& b) {
    const double na = std::sqrt(dot(a, a)), nb = std::sqrt(dot(b, b));
    if (!(na > 0) || !(nb > 0)) return std::nullopt;
    return dot(a, b) / (na * nb);
}

// Mean cosine over i < j of the defined (non-empty, non-zero) differences; null for fewer than 2.
std::optional<double> mean_pairwise_cosine(const std::vector<Vec>& diffs) {
    double sum = 0;
    std::size_t n = 0;
    for (std::size_t i = 0; i < diffs.size(); ++i)
        for (std::size_t j = i + 1; j < diffs.size(); ++j)
            if (auto c = cosine(diffs[i], diffs[j])) {
                sum += *c;
                ++n;
            }
    if (n == 0) return std::nullopt;
    return sum / static_cast<double>(n);
}

// A running sum of token states (the mean of one side of a pair).
struct Slot {
    Vec sum;
    std::size_t count = 0;
    Vec mean() const {
        if (count == 0) return {};
        Vec m = sum;
        for (double& x : m) x /= static_cast<double>(count);
        return m;
    }
};

// b - a, empty when either side has no finite occurrence.
Vec difference(const Slot& a, const Slot& b) {
    if (a.count == 0 || b.count == 0) return {};
    Vec d = b.mean(), ma = a.mean();
    for (std::size_t j = 0; j < d.size(); ++j) d[j] -= ma[j];
    return d;
}

Vec fixed_weight_direction(const Dump& dump, const std::string& spec, std::size_t d) {
    const auto open = spec.find('[');
    if (open == std::string::npos || spec.back() != ']')
        throw InputError("--weight must be W_E[token] or W_U[token], got '" + spec + "'");
    const std::string which = spec.substr(0, open),
                      tok = spec.substr(open + 1, spec.size() - open - 2);
    const bool embed = which == "W_E" || which == "embed.W_E";
    if (!embed && which != "W_U" && which != "unembed.W_U")
        throw InputError("--weight must be W_E[token] or W_U[token], got '" + spec + "'");
    const std::string name = embed ? "embed.W_E" : "unembed.W_U";
    const WeightInfo* w = dump.find_weight(name);
    if (!w || w->shape.size() != 2)
        throw InputError(dump.where() + "the dump has no 2-D " + name + " for --weight " + spec);
    const std::size_t vocab = embed ? w->shape[0] : w->shape[1],
                      width = embed ? w->shape[1] : w->shape[0];
    if (width != d)
        throw InputError(dump.where(w->dataset) + name + " has width " + std::to_string(width) +
                         " but the stream has " + std::to_string(d));
    const std::size_t id = resolve_vocab_id(dump, tok, vocab);
    const Tensor t = embed ? dump.read_weight_rows(name, id, id + 1)
                           : dump.read_weight_columns(name, id, id + 1);
    return Vec(t.data.begin(), t.data.end());
}

Vec principal_direction(const numerics::Scatter& sc, std::size_t pc, const Dump& dump) {
    if (sc.count() < 2)
        throw InputError(dump.where() + "a principal direction needs at least 2 finite tokens");
    const numerics::Pca p = numerics::pca_of_scatter(sc, pc, false);
    if (p.k < pc)
        throw InputError(dump.where() + "principal component " + std::to_string(pc) +
                         " does not exist (rank " + std::to_string(p.k) + ")");
    return Vec(p.components.begin() + static_cast<long>((pc - 1) * sc.dim()),
               p.components.begin() + static_cast<long>(pc * sc.dim()));
}

}  // namespace

DirectionsResult directions(const Dump& dump, const DirectionsOptions& o, Progress& progress) {
    const StreamInfo& s = dump.stream(o.stream);
    const std::size_t d = s.d, T = s.n_tokens();
    DirectionsResult r;
    r.stream = s.name;
    r.tokens = T;
    r.states = o.states.empty() ? analysed_states(s, o.include_final_norm) : o.states;
    for (std::size_t st : r.states)
        r.layers.push_back(s.state_names[check_state(dump, s, static_cast<long long>(st))]);
    const bool fixed = !o.weight.empty() || !o.vector.empty() || o.pc.has_value();
    if (static_cast<int>(!o.weight.empty()) + static_cast<int>(!o.vector.empty()) +
            static_cast<int>(o.pc.has_value()) >
        1)
        throw InputError("give at most one of --weight, --vector and --pc");
    if (!o.pairs.empty() && (!o.group_a.empty() || !o.group_b.empty()))
        throw InputError("give either --pairs or two groups, not both");
    if (o.group_a.empty() != o.group_b.empty())
        throw InputError("two groups are needed: --group-a and --group-b");
    if (o.pairs.empty() && o.group_a.empty() && !fixed)
        throw InputError("a direction needs --pairs, two groups, --weight, --vector or --pc");
    if (o.pc && *o.pc == 0) throw InputError("--pc counts from 1");

    // Slots: one per side of each pair / group member, then the null's (draw, pair, side).
    std::vector<Slot> slots;
    std::vector<std::pair<std::size_t, std::size_t>> feeds;  // (flat index, slot)
    auto add_side = [&](const std::string& name) {
        TokenRef t = resolve_token(dump, s, name);
        for (std::size_t i : t.occurrences) feeds.emplace_back(i, slots.size());
        slots.push_back({Vec(d, 0.0), 0});
        return DirectionsSide{t.name, t.occurrences};
    };
    for (const auto& [a, b] : o.pairs) {
        DirectionsSide sa = add_side(a);
        DirectionsSide sb = add_side(b);
        r.pairs.emplace_back(std::move(sa), std::move(sb));
    }
    for (const auto& g : o.group_a) r.group_a.push_back(add_side(g));
    for (const auto& g : o.group_b) r.group_b.push_back(add_side(g));
    const std::size_t real_slots = slots.size();
    std::set<std::size_t> side_a, side_b;
    for (const auto& p : r.pairs) {
        side_a.insert(p.first.occurrences.begin(), p.first.occurrences.end());
        side_b.insert(p.second.occurrences.begin(), p.second.occurrences.end());
    }
    for (const auto& g : r.group_a) side_a.insert(g.occurrences.begin(), g.occurrences.end());
    for (const auto& g : r.group_b) side_b.insert(g.occurrences.begin(), g.occurrences.end());
    r.side_a.assign(side_a.begin(), side_a.end());
    r.side_b.assign(side_b.begin(), side_b.end());

    r.seed = o.seed;
    r.null_draws = r.pairs.size() >= 2 ? o.null_draws : 0;
    std::uint64_t rng = o.seed;
    for (std::size_t draw = 0; draw < r.null_draws; ++draw)
        for (const auto& [a, b] : r.pairs) {
            const std::size_t na = a.occurrences.size(), m = na + b.occurrences.size();
            if (m > T)
                throw InputError(dump.where() + "the null needs " + std::to_string(m) +
                                 " distinct tokens for pair " + a.name + ":" + b.name +
                                 " but the stream holds " + std::to_string(T));
            std::set<std::size_t> taken;
            while (taken.size() < m) {
                const std::size_t t = static_cast<std::size_t>(splitmix64(rng) % T);
                if (!taken.insert(t).second) continue;
                feeds.emplace_back(t, slots.size() + (taken.size() <= na ? 0 : 1));
            }
            slots.push_back({Vec(d, 0.0), 0});
            slots.push_back({Vec(d, 0.0), 0});
        }
    std::sort(feeds.begin(), feeds.end());

    if (o.pairs.size() + o.group_a.size() > 0 && !fixed)
        r.definition = o.pairs.empty() ? "groups" : "pairs";
    Vec fixed_dir;
    if (!o.weight.empty()) {
        fixed_dir = unit(fixed_weight_direction(dump, o.weight, d));
        r.definition = o.weight;
    } else if (!o.vector.empty()) {
        fixed_dir = read_vector_file(o.vector);
        if (fixed_dir.size() != d)
            throw InputError(o.vector + ": the vector has " + std::to_string(fixed_dir.size()) +
                             " values but the stream's width is " + std::to_string(d));
        fixed_dir = unit(fixed_dir);
        r.definition = "vector " + o.vector;
    } else if (o.pc) {
        r.definition = "PC" + std::to_string(*o.pc);
        if (o.pc_layer) {
            const std::size_t st = check_state(dump, s, static_cast<long long>(*o.pc_layer));
            // The d x d scatter and the copy its PCA takes, leased from the memory gate.
            const double dd = static_cast<double>(d) * static_cast<double>(d);
            const numerics::MemoryLease lease =
                numerics::memory_gate().lease(16 * dd + (8 << 20), "directions", progress);
            numerics::Scatter sc(d, true);
            for_each_slab(dump, s, st, 8u << 20, progress,
                          [&](std::size_t b, std::size_t e, const float* x) {
                              const auto rows = finite_rows(x, e - b, d);
                              sc.add(x, rows.size(), rows.data());
                          });
            fixed_dir = principal_direction(sc, *o.pc, dump);
            r.definition += "@" + std::to_string(st);
        }
    }
    if ((!o.weight.empty() || !o.vector.empty()) && fixed_dir.empty())
        throw InputError("the direction " + r.definition + " is a zero vector");

    const std::size_t L = r.states.size();
    const int threads = util::resolve_threads(o.threads);
    for (std::size_t li = 0; li < L; ++li) {
        const std::size_t st = r.states[li];
        ProgressSpan span{progress, static_cast<double>(li) / L, static_cast<double>(li + 1) / L};
        span.report(0, layer_message(li, L, "directions"));
        for (Slot& sl : slots) {
            std::fill(sl.sum.begin(), sl.sum.end(), 0.0);
            sl.count = 0;
        }
        const bool per_state_pc = o.pc && !o.pc_layer;
        numerics::Scatter sc(per_state_pc ? d : 1, true);
        if (!feeds.empty() || per_state_pc) {  // pass 1: the sides' sums (and the PCA scatter)
            std::size_t f = 0;
            for_each_slab(dump, s, st, 8u << 20, progress,
                          [&](std::size_t b, std::size_t e, const float* x) {
                              for (; f < feeds.size() && feeds[f].first < e; ++f) {
                                  const float* row = x + (feeds[f].first - b) * d;
                                  if (!row_finite(row, d)) continue;
                                  Slot& sl = slots[feeds[f].second];
                                  for (std::size_t j = 0; j < d; ++j) sl.sum[j] += row[j];
                                  ++sl.count;
                              }
                              if (per_state_pc) {
                                  const auto rows = finite_rows(x, e - b, d);
                                  sc.add(x, rows.size(), rows.data());
                              }
                          });
        }
        std::vector<Vec> diffs;
        for (std::size_t i = 0; i < r.pairs.size(); ++i)
            diffs.push_back(difference(slots[2 * i], slots[2 * i + 1]));
        r.consistency.push_back(mean_pairwise_cosine(diffs));
        std::optional<double> null_sum;
        std::size_t null_n = 0;
        for (std::size_t draw = 0; draw < r.null_draws; ++draw) {
            std::vector<Vec> nd;
            const std::size_t base = real_slots + draw * 2 * r.pairs.size();
            for (std::size_t i = 0; i < r.pairs.size(); ++i)
                nd.push_back(difference(slots[base + 2 * i], slots[base + 2 * i + 1]));
            if (auto c = mean_pairwise_cosine(nd)) {
                null_sum = null_sum.value_or(0.0) + *c;
                ++null_n;
            }
        }
        r.consistency_null.push_back(null_sum ? std::optional<double>(*null_sum / null_n)
                                              : std::nullopt);

        Vec dir;
        if (!fixed_dir.empty()) {
            dir = fixed_dir;
        } else if (per_state_pc) {
            dir = principal_direction(sc, *o.pc, dump);
        } else if (!r.pairs.empty()) {  // the mean of the defined differences
            Vec m(d, 0.0);
            std::size_t n = 0;
            for (const Vec& v : diffs)
                if (!v.empty()) {
                    for (std::size_t j = 0; j < d; ++j) m[j] += v[j];
                    ++n;
                }
            if (n) dir = unit(std::move(m));
        } else {  // groups: mean of B's token means - mean of A's
            auto group_mean = [&](std::size_t first, std::size_t count) {
                Vec m(d, 0.0);
                std::size_t n = 0;
                for (std::size_t k = first; k < first + count; ++k)
                    if (slots[k].count) {
                        const Vec mk = slots[k].mean();
                        for (std::size_t j = 0; j < d; ++j) m[j] += mk[j];
                        ++n;
                    }
                if (n)
                    for (double& v : m) v /= static_cast<double>(n);
                return n ? m : Vec{};
            };
            Vec ma = group_mean(0, r.group_a.size()),
                mb = group_mean(r.group_a.size(), r.group_b.size());
            if (!ma.empty() && !mb.empty()) {
                for (std::size_t j = 0; j < d; ++j) mb[j] -= ma[j];
                dir = unit(std::move(mb));
            }
        }
        r.direction_cos_prev.push_back(li > 0 && !dir.empty() && !r.directions.back().empty()
                                           ? std::optional<double>(dot(dir, r.directions.back()))
                                           : std::nullopt);
        r.directions.push_back(dir);

        // Pass 2: every token's projection, then the sides' separation along the direction.
        std::vector<std::optional<double>> proj(T);
        if (!dir.empty()) {
            span.report(0.5, layer_message(li, L, "directions: projections"));
            for_each_slab(
                dump, s, st, 8u << 20, progress, [&](std::size_t b, std::size_t e, const float* x) {
                    util::parallel_for(e - b, threads, [&](std::size_t lo, std::size_t hi) {
                        for (std::size_t t = lo; t < hi; ++t) {
                            const float* row = x + t * d;
                            if (!row_finite(row, d)) continue;
                            double p = 0;
                            for (std::size_t j = 0; j < d; ++j) p += row[j] * dir[j];
                            proj[b + t] = p;
                        }
                    });
                });
        }
        auto stats = [&](const std::vector<std::size_t>& side, double& mean, double& ss) {
            std::vector<double> v;
            for (std::size_t t : side)
                if (proj[t]) v.push_back(*proj[t]);
            mean = 0;
            for (double x : v) mean += x;
            if (!v.empty()) mean /= static_cast<double>(v.size());
            ss = 0;
            for (double x : v) ss += (x - mean) * (x - mean);
            return v.size();
        };
        std::optional<double> sep;
        if (!dir.empty() && !r.side_a.empty() && !r.side_b.empty()) {
            double ma, sa, mb, sb;
            const std::size_t na = stats(r.side_a, ma, sa), nb = stats(r.side_b, mb, sb);
            if (na >= 1 && nb >= 1 && na + nb >= 3) {
                const double pooled = std::sqrt((sa + sb) / static_cast<double>(na + nb - 2));
                if (pooled > 0) sep = (mb - ma) / pooled;
            }
        }
        r.separation.push_back(sep);
        if (o.keep_projection) r.projection.push_back(std::move(proj));
    }
    progress.report(1.0, "directions done");
    return r;
}

nlohmann::json to_json(const DirectionsResult& r, bool with_projection) {
    auto side_json = [](const DirectionsSide& s) {
        return nlohmann::json{{"token", s.name}, {"count", s.occurrences.size()}};
    };
    nlohmann::json pairs = nlohmann::json::array();
    for (const auto& [a, b] : r.pairs)
        pairs.push_back({{"a", a.name},
                         {"b", b.name},
                         {"a_count", a.occurrences.size()},
                         {"b_count", b.occurrences.size()}});
    nlohmann::json j = {{"stream", r.stream},
                        {"definition", r.definition},
                        {"layers", r.layers},
                        {"tokens", r.tokens},
                        {"pairs", pairs},
                        {"null_draws", r.null_draws},
                        {"seed", r.seed},
                        {"consistency", nums(r.consistency)},
                        {"consistency_null", nums(r.consistency_null)},
                        {"direction_cos_prev", nums(r.direction_cos_prev)},
                        {"separation", nums(r.separation)}};
    if (!r.group_a.empty()) {
        nlohmann::json a = nlohmann::json::array(), b = nlohmann::json::array();
        for (const auto& s : r.group_a) a.push_back(side_json(s));
        for (const auto& s : r.group_b) b.push_back(side_json(s));
        j["groups"] = {{"a", a}, {"b", b}};
    }
    if (with_projection) {
        nlohmann::json p = nlohmann::json::array();
        for (const auto& row : r.projection) p.push_back(nums(row));
        j["projection"] = p;
    }
    return j;
}

std::string to_csv(const DirectionsResult& r) {
    std::ostringstream os;
    os << "layer,name,consistency,consistency_null,direction_cos_prev,separation\n";
    for (std::size_t i = 0; i < r.states.size(); ++i)
        os << r.states[i] << ',' << csv_text(r.layers[i]) << ',' << csv_num(r.consistency[i]) << ','
           << csv_num(r.consistency_null[i]) << ',' << csv_num(r.direction_cos_prev[i]) << ','
           << csv_num(r.separation[i]) << '\n';
    return os.str();
}

}  // namespace es::analysis
