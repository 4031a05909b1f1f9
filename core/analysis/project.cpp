#include "analysis/project.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "analysis/axis_spec.h"
#include "analysis/common.h"
#include "numerics/memory_gate.h"
#include "numerics/pca.h"
#include "numerics/umap.h"
#include "util/error.h"

namespace es::analysis {

std::optional<std::vector<double>> spherize_row(const float* x, const std::vector<double>& mean,
                                                std::size_t d) {
    std::vector<double> z(d);
    double nn = 0;
    for (std::size_t j = 0; j < d; ++j) {
        z[j] = static_cast<double>(x[j]) - mean[j];
        nn += z[j] * z[j];
    }
    if (!(nn > 0)) return std::nullopt;
    const double inv = 1.0 / std::sqrt(nn);
    for (double& v : z) v *= inv;
    return z;
}

namespace {

// Gram-Schmidt (twice, for stability) of v against the accepted axes; false when dependent.
bool orthonormalise(std::vector<double>& v, const std::vector<std::vector<double>>& axes) {
    double n0 = 0;
    for (double x : v) n0 += x * x;
    n0 = std::sqrt(n0);
    if (!(n0 > 0)) return false;
    for (int pass = 0; pass < 2; ++pass)
        for (const auto& a : axes) {
            double p = 0;
            for (std::size_t j = 0; j < v.size(); ++j) p += a[j] * v[j];
            for (std::size_t j = 0; j < v.size(); ++j) v[j] -= p * a[j];
        }
    double n = 0;
    for (double x : v) n += x * x;
    n = std::sqrt(n);
    if (!(n > 1e-9 * n0)) return false;
    for (double& x : v) x /= n;
    return true;
}

// The states' rows as the fit saw them, one layer at a time: fn(row, token, y) with y the state
// centred on the pooled mean, or spherized; NaN/Inf states and (spherized) states at the mean
// are skipped.
template <typename Fn>
void for_each_state(const Dump& dump, const StreamInfo& s, const ProjectResult& r, bool spherize,
                    Progress& progress, int pass, int passes, Fn&& fn) {
    const std::size_t d = s.d, T = s.n_tokens(), L = r.states.size();
    std::vector<float> x;
    std::vector<double> y(d);
    for (std::size_t i = 0; i < L; ++i) {
        progress.report((pass + static_cast<double>(i) / static_cast<double>(L)) / passes,
                        layer_message(i, L, "projection"));
        read_state(dump, s, r.states[i], x, progress);
        for (std::size_t t = 0; t < T; ++t) {
            const float* xt = x.data() + t * d;
            if (!row_finite(xt, d)) continue;
            if (spherize) {
                auto z = spherize_row(xt, r.mean, d);
                if (!z) continue;
                y = std::move(*z);
            } else {
                for (std::size_t j = 0; j < d; ++j) y[j] = static_cast<double>(xt[j]) - r.mean[j];
            }
            fn(i, t, y);
        }
    }
}

constexpr std::size_t kTrustK = 10;
constexpr std::size_t kUmapInput = 50;  // principal components the kNN graph is built on

// States kept for trustworthiness: every stride-th of the n fitted ones, in model space, with
// the layout's and PCA-3D's coordinates of each.
struct TrustSample {
    std::size_t stride = 0, seen = 0;
    std::vector<float> model, layout, pca3;
    std::size_t count() const { return pca3.size() / 3; }
    bool take() { return stride > 0 && seen++ % stride == 0; }
    void finish(ProjectResult& r, std::size_t d, std::size_t dims, int threads) {
        const std::size_t m = count();
        if (stride == 0 || m < 2 * kTrustK + 2) return;
        r.trust_states = m;
        r.trustworthiness =
            numerics::trustworthiness(model.data(), d, layout.data(), dims, m, kTrustK, threads);
        r.trustworthiness_pca3 =
            numerics::trustworthiness(model.data(), d, pca3.data(), 3, m, kTrustK, threads);
    }
};

TrustSample trust_sample(std::size_t fitted, std::size_t wanted) {
    TrustSample t;
    if (wanted > 0) t.stride = std::max<std::size_t>(1, (fitted + wanted - 1) / wanted);
    return t;
}

// The UMAP layout of the fitted states (see project.h), in r.coordinates.
void umap_layout(const Dump& dump, const StreamInfo& s, const ProjectOptions& o,
                 const numerics::Scatter& fit, ProjectResult& r, Progress& progress) {
    const std::size_t d = s.d, T = s.n_tokens(), L = r.states.size();
    const std::size_t k = std::min(d, kUmapInput);
    const numerics::Pca p = numerics::pca_of_scatter(fit, k, true);
    std::vector<float> scores;
    scores.reserve(fit.count() * k);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> where;  // (row, token) of each
    TrustSample trust = trust_sample(fit.count(), o.trust_points);
    for_each_state(dump, s, r, o.spherize, progress, 0, 2,
                   [&](std::size_t i, std::size_t t, const std::vector<double>& y) {
                       for (std::size_t c = 0; c < k; ++c) {
                           double v = 0;
                           for (std::size_t j = 0; j < d; ++j) v += p.components[c * d + j] * y[j];
                           scores.push_back(static_cast<float>(v));
                       }
                       where.emplace_back(static_cast<std::uint32_t>(i),
                                          static_cast<std::uint32_t>(t));
                       if (!trust.take()) return;
                       for (double v : y) trust.model.push_back(static_cast<float>(v));
                       for (std::size_t c = 0; c < 3; ++c)
                           trust.pca3.push_back(c < k ? scores[scores.size() - k + c] : 0.0f);
                   });
    const std::size_t n = where.size();
    numerics::UmapOptions uo;
    uo.dims = o.dims;
    uo.seed = o.seed;
    uo.threads = o.threads;
    uo.approximate = n > o.exact_knn_up_to;
    uo.parallel_descent = !o.umap_sequential;
    r.knn = uo.approximate ? "hnsw" : "exact";
    const std::vector<float> emb = numerics::umap(scores.data(), n, k, uo, progress);
    r.coordinates.assign(L, std::vector<std::optional<std::array<double, 3>>>(T));
    for (std::size_t q = 0; q < n; ++q) {
        std::array<double, 3> c{};
        for (std::size_t a = 0; a < o.dims; ++a) c[a] = emb[q * o.dims + a];
        r.coordinates[where[q].first][where[q].second] = c;
    }
    for (std::size_t q = 0; q < n && trust.stride > 0; q += trust.stride)
        for (std::size_t a = 0; a < o.dims; ++a) trust.layout.push_back(emb[q * o.dims + a]);
    trust.finish(r, d, o.dims, o.threads);
    for (std::size_t a = 0; a < 3; ++a)
        r.axis_labels.push_back(a < o.dims ? "UMAP " + std::to_string(a + 1) : "none");
}

}  // namespace

ProjectResult project(const Dump& dump, const ProjectOptions& o, Progress& progress) {
    const StreamInfo& s = dump.stream(o.stream);
    const std::size_t d = s.d, T = s.n_tokens();
    ProjectResult r;
    r.stream = s.name;
    r.states = o.layers.empty() ? analysed_states(s, o.include_final_norm) : o.layers;
    for (std::size_t st : r.states)
        r.layers.push_back(s.state_names[check_state(dump, s, static_cast<long long>(st))]);
    r.tokens = T;
    r.spherized = o.spherize;
    r.method = o.method == ProjectMethod::Umap ? "umap" : "pca";
    r.dims = o.dims;
    if (o.dims != 2 && o.dims != 3) throw InputError("project: dims must be 2 or 3");
    if (o.method == ProjectMethod::Umap) {
        r.seed = o.seed;
        if (!o.axes.empty())
            throw InputError("project: custom axes apply to the PCA layout, not to UMAP");
    }
    if (o.axes.size() > 3)
        throw InputError("project: at most 3 custom axes, got " + std::to_string(o.axes.size()));
    const std::size_t L = r.states.size();
    if (o.on_preview && o.method == ProjectMethod::Pca && o.axes.empty() && !o.spherize && L > 1) {
        // The selected state first: exactly `project --layers focus` (one read of that layer
        // for its fit, one for its coordinates), spread over the full layer list.
        const auto at = std::find(r.states.begin(), r.states.end(), o.focus);
        const std::size_t f =
            at == r.states.end() ? 0 : static_cast<std::size_t>(at - r.states.begin());
        ProjectOptions one = o;
        one.on_preview = nullptr;
        one.layers = {r.states[f]};
        one.trust_points = 0;
        ProjectResult p = project(dump, one, progress);
        p.layers = r.layers;
        p.states = r.states;
        p.preview_state = r.states[f];
        for (std::string& label : p.axis_labels) label += " of " + r.layers[f];
        std::vector<std::optional<std::array<double, 3>>> row = std::move(p.coordinates.front());
        p.coordinates.assign(L, std::vector<std::optional<std::array<double, 3>>>(T));
        p.coordinates[f] = std::move(row);
        o.on_preview(p);
    }
    const int passes = (o.spherize ? 3 : 2) + (o.method == ProjectMethod::Umap ? 1 : 0);
    auto report = [&](int pass, std::size_t i, const std::string& what) {
        progress.report((pass + static_cast<double>(i) / static_cast<double>(L)) / passes,
                        layer_message(i, L, what));
    };

    // The fit's working set is leased from the process's memory gate (the app's budget) after
    // the preview (a project() call of its own, which leases and gives back before this one):
    // a state read (4 T d; spherized, 8 T d more), the pooled d x d float64 scatter, the
    // spherized one, and the copy the PCA and the explained variance take of the fitted one.
    const double dd = static_cast<double>(d) * static_cast<double>(d);
    const numerics::MemoryLease lease = numerics::memory_gate().lease(
        (o.spherize ? 12.0 : 4.0) * static_cast<double>(T) * static_cast<double>(d) +
            (o.spherize ? 3 : 2) * 8 * dd,
        "projection", progress);
    // Pass 1: pooled scatter of the raw states (its mean centres everything).
    numerics::Scatter raw(d, true);
    std::vector<float> x;
    for (std::size_t i = 0; i < L; ++i) {
        report(0, i, "projection fit");
        read_state(dump, s, r.states[i], x, progress);
        const auto rows = finite_rows(x.data(), T, d);
        r.excluded_states += T - rows.size();
        raw.add(x.data(), rows.size(), rows.data());
    }
    if (raw.count() < 2) throw InputError(dump.where() + "project needs at least 2 finite states");
    r.mean = raw.mean();
    numerics::Scatter sph(d, true);
    if (o.spherize) {  // Pass 2: scatter of the spherized states.
        for (std::size_t i = 0; i < L; ++i) {
            report(1, i, "projection fit (spherized)");
            read_state(dump, s, r.states[i], x, progress);
            std::vector<double> zs;
            std::size_t m = 0;
            for (std::size_t t = 0; t < T; ++t) {
                if (!row_finite(x.data() + t * d, d)) continue;
                if (auto z = spherize_row(x.data() + t * d, r.mean, d)) {
                    zs.insert(zs.end(), z->begin(), z->end());
                    ++m;
                }
            }
            sph.add(zs.data(), m);
        }
        if (sph.count() < 2)
            throw InputError(dump.where() + "project needs at least 2 states away from the mean");
    }
    const numerics::Scatter& fit = o.spherize ? sph : raw;
    r.fit_rows = fit.count();
    progress.check();
    if (o.method == ProjectMethod::Umap) {
        umap_layout(dump, s, o, fit, r, progress);
        progress.report(1.0, "projection done");
        return r;
    }

    // Axes: custom differences first, then principal directions orthogonalised against them.
    for (std::size_t a = 0; a < o.axes.size(); ++a) {
        const AxisSpec& ax = o.axes[a];
        if (!ax.direction.empty()) {  // a direction at a state (axis_spec.h), used as it is
            std::vector<double> v = axis_direction(dump, s, ax, progress);
            if (!orthonormalise(v, r.axes))
                throw InputError("project: axis " + ax.label +
                                 " is linearly dependent on the axes before it");
            r.axes.push_back(std::move(v));
            r.axis_labels.push_back(ax.label);
            continue;
        }
        check_state(dump, s, static_cast<long long>(ax.layer));
        if (ax.token_a >= T || ax.token_b >= T)
            throw InputError("project: axis token out of range");
        std::vector<float> va(d), vb(d);
        dump.read_states(s, ax.layer, ax.token_a, ax.token_a + 1, va.data());
        dump.read_states(s, ax.layer, ax.token_b, ax.token_b + 1, vb.data());
        const std::string label = ax.label.empty() ? std::to_string(ax.token_a) + "-" +
                                                         std::to_string(ax.token_b) + "@" +
                                                         std::to_string(ax.layer)
                                                   : ax.label;
        if (!row_finite(va.data(), d) || !row_finite(vb.data(), d))
            throw InputError(dump.where() + "axis " + label + ": a token state holds NaN/Inf");
        std::vector<double> v(d);
        if (o.spherize) {
            auto za = spherize_row(va.data(), r.mean, d), zb = spherize_row(vb.data(), r.mean, d);
            if (!za || !zb) throw InputError("axis " + label + ": a token state equals the mean");
            for (std::size_t j = 0; j < d; ++j) v[j] = (*za)[j] - (*zb)[j];
        } else {
            for (std::size_t j = 0; j < d; ++j) v[j] = static_cast<double>(va[j]) - vb[j];
        }
        if (!orthonormalise(v, r.axes))
            throw InputError("project: axis " + label +
                             " is zero or linearly dependent on the axes before it");
        r.axes.push_back(std::move(v));
        r.axis_labels.push_back(label);
    }
    const numerics::Pca p =
        numerics::pca_of_scatter(fit, std::min<std::size_t>(d, 3 + o.axes.size()), true);
    for (std::size_t c = 0; c < p.k && r.axes.size() < 3; ++c) {
        std::vector<double> v(p.components.begin() + static_cast<long>(c * d),
                              p.components.begin() + static_cast<long>((c + 1) * d));
        if (!orthonormalise(v, r.axes)) continue;
        if (!o.axes.empty()) numerics::sign_normalise(v.data(), d);
        r.axes.push_back(std::move(v));
        r.axis_labels.push_back("PC" + std::to_string(c + 1) + (o.axes.empty() ? "" : "'"));
    }
    const std::vector<double> cov = fit.matrix();
    const double total = p.total();
    for (const auto& a : r.axes) {
        double q = 0;
        for (std::size_t i = 0; i < d; ++i) {
            double row = 0;
            for (std::size_t j = 0; j < d; ++j) row += cov[i * d + j] * a[j];
            q += a[i] * row;
        }
        r.explained_variance.push_back(total > 0 ? q / total : 0.0);
    }
    while (r.axes.size() < 3) {  // d < 3: pad with zero axes
        r.axes.emplace_back(d, 0.0);
        r.axis_labels.push_back("none");
        r.explained_variance.push_back(0.0);
    }

    // Last pass: coordinates (and the states kept for trustworthiness). PCA-3D's are the first
    // three principal components' scores, which are these coordinates without custom axes.
    const std::vector<double> pc3 =
        p.k >= 3 ? std::vector<double>(p.components.begin(), p.components.begin() + 3 * d)
                 : std::vector<double>(3 * d, 0.0);
    TrustSample trust = trust_sample(fit.count(), o.trust_points);
    r.coordinates.assign(L, std::vector<std::optional<std::array<double, 3>>>(T));
    for_each_state(dump, s, r, o.spherize, progress, passes - 1, passes,
                   [&](std::size_t i, std::size_t t, const std::vector<double>& y) {
                       std::array<double, 3> c{};
                       for (std::size_t a = 0; a < o.dims; ++a)
                           for (std::size_t j = 0; j < d; ++j) c[a] += r.axes[a][j] * y[j];
                       r.coordinates[i][t] = c;
                       if (!trust.take()) return;
                       for (double v : y) trust.model.push_back(static_cast<float>(v));
                       for (std::size_t a = 0; a < o.dims; ++a)
                           trust.layout.push_back(static_cast<float>(c[a]));
                       for (std::size_t a = 0; a < 3; ++a) {
                           double v = 0;
                           for (std::size_t j = 0; j < d; ++j) v += pc3[a * d + j] * y[j];
                           trust.pca3.push_back(static_cast<float>(v));
                       }
                   });
    trust.finish(r, d, o.dims, o.threads);
    progress.report(1.0, "projection done");
    return r;
}

nlohmann::json to_json(const ProjectResult& r) {
    nlohmann::json coords = nlohmann::json::array(), axes = nlohmann::json::array();
    for (const auto& layer : r.coordinates) {
        nlohmann::json l = nlohmann::json::array();
        for (const auto& c : layer)
            l.push_back(c ? nlohmann::json{num((*c)[0]), num((*c)[1]), num((*c)[2])} : nullptr);
        coords.push_back(l);
    }
    for (const auto& a : r.axes) axes.push_back(nums(a));
    nlohmann::json out = {{"stream", r.stream},
                          {"layers", r.layers},
                          {"tokens", r.tokens},
                          {"excluded_states", r.excluded_states},
                          {"spherized", r.spherized},
                          {"method", r.method},
                          {"dims", r.dims},
                          {"axis_labels", r.axis_labels},
                          {"explained_variance", nums(r.explained_variance)},
                          {"axes", axes},
                          {"coordinates", coords}};
    if (r.method == "umap") {
        out["seed"] = r.seed;
        out["knn"] = r.knn;
    }
    if (r.trustworthiness)
        out["trustworthiness"] = {{"k", kTrustK},
                                  {"states", r.trust_states},
                                  {"layout", num(*r.trustworthiness)},
                                  {"pca3", num(r.trustworthiness_pca3.value_or(0.0))}};
    return out;
}

std::string to_csv(const ProjectResult& r) {
    std::ostringstream os;
    os << "layer,name,token,x,y,z\n";
    for (std::size_t i = 0; i < r.coordinates.size(); ++i)
        for (std::size_t t = 0; t < r.coordinates[i].size(); ++t) {
            const auto& c = r.coordinates[i][t];
            os << r.states[i] << ',' << csv_text(r.layers[i]) << ',' << t;
            for (int a = 0; a < 3; ++a)
                os << ',' << (c ? csv_num((*c)[static_cast<std::size_t>(a)]) : "");
            os << '\n';
        }
    return os.str();
}

}  // namespace es::analysis
