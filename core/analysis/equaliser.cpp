#include "analysis/equaliser.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "analysis/common.h"
#include "analysis/direction_spec.h"
#include "analysis/equaliser_estimate.h"
#include "numerics/memory_gate.h"
#include "numerics/pca.h"
#include "util/error.h"
#include "util/foreground.h"

namespace es::analysis {

namespace {

// Energies of x along the basis rows (identity when basis is empty), optionally unit-normalised.
std::vector<double> energies_of(const float* x, std::size_t d, const std::vector<double>& basis,
                                bool unit) {
    double nn = 0;
    for (std::size_t j = 0; j < d; ++j) nn += static_cast<double>(x[j]) * x[j];
    const double scale = unit ? (nn > 0 ? 1.0 / nn : 0.0) : 1.0;
    std::vector<double> e(d);
    for (std::size_t c = 0; c < d; ++c) {
        double p = 0;
        if (basis.empty()) {
            p = x[c];
        } else {
            for (std::size_t j = 0; j < d; ++j) p += basis[c * d + j] * x[j];
        }
        e[c] = p * p * scale;
    }
    return e;
}

// Energies of x along unit directions (NaN where a direction is undefined).
std::vector<double> energies_along(const float* x, std::size_t d,
                                   const std::vector<std::vector<double>>& dirs, bool unit) {
    double nn = 0;
    for (std::size_t j = 0; j < d; ++j) nn += static_cast<double>(x[j]) * x[j];
    const double scale = unit ? (nn > 0 ? 1.0 / nn : 0.0) : 1.0;
    std::vector<double> e;
    for (const auto& u : dirs) {
        if (u.empty()) {
            e.push_back(std::nan(""));
            continue;
        }
        double p = 0;
        for (std::size_t j = 0; j < d; ++j) p += u[j] * x[j];
        e.push_back(p * p * scale);
    }
    return e;
}

std::vector<double> band_sums(const std::vector<double>& e, const std::vector<std::size_t>& edges) {
    std::vector<double> b(edges.size() - 1, 0.0);
    for (std::size_t k = 0; k + 1 < edges.size(); ++k)
        for (std::size_t c = edges[k]; c < edges[k + 1]; ++c) b[k] += e[c];
    return b;
}

// The frame nearest the focus state (o.layer without one): the one shown first.
std::size_t focus_frame(const EqualiserOptions& o, const std::vector<std::size_t>& states) {
    const long long f = o.focus ? o.focus->load() : static_cast<long long>(o.layer);
    std::size_t best = 0;
    for (std::size_t i = 1; i < states.size(); ++i)
        if (std::llabs(static_cast<long long>(states[i]) - f) <
            std::llabs(static_cast<long long>(states[best]) - f))
            best = i;
    return best;
}

// Components resolved, down to a band edge: the bands wholly inside the first k components.
std::size_t resolved_to_edge(const std::vector<std::size_t>& edges, std::size_t k) {
    std::size_t e = 0;
    for (std::size_t edge : edges)
        if (edge <= k) e = edge;
    return e;
}

// The first picture of a pca equaliser along a token sample's principal axes
// (equaliser_estimate.h): `r` holds the token and its raw vector at o.layer; this adds the
// energies there and the focus state's frame, marked as an estimate (partial).
EqualiserResult estimate_first(const Dump& dump, const StreamInfo& s, const EqualiserOptions& o,
                               EqualiserResult r, const std::vector<std::size_t>& frame_states,
                               Progress& progress) {
    const std::size_t d = s.d;
    const std::size_t ref = o.basis_layer
                                ? check_state(dump, s, static_cast<long long>(*o.basis_layer))
                                : last_pre_norm_state(s);
    progress.report(0.0, "equaliser: estimating the basis from a token sample");
    const EqualiserSampleBases b =
        equaliser_sample_bases(dump, s, ref, o.estimate_tokens, progress);
    const std::size_t nb = std::min(o.bands, d);
    for (std::size_t k = 0; k <= nb; ++k) r.band_edges.push_back(k * d / nb);
    // Only the bands the halves resolve too are shown: each with its stated uncertainty.
    const std::size_t resolved =
        resolved_to_edge(r.band_edges, std::min({b.all.k(), b.half[0].k(), b.half[1].k()}));
    r.basis_layers = {s.state_names[ref]};
    double total = 0;  // the sample's variance (its Gram's trace)
    for (double g : b.all.g) total += g;
    for (std::size_t c = 0; c < resolved; ++c)
        r.basis_explained.push_back(total > 0 ? b.all.g[c] / total : 0.0);
    r.estimate_tokens = b.tokens();
    r.estimate_of = s.n_tokens();
    r.estimate_resolved = resolved;
    // Band sums over the resolved bands (null beyond), the rest beyond them, and the halves'
    // largest difference, for one vector x.
    struct Picture {
        std::vector<double> energies;  // d, NaN beyond `resolved`
        std::vector<std::optional<double>> bands;
        double rest = 0, spread = 0;
    };
    auto picture = [&](const float* x) {
        double xx = 0;
        for (std::size_t j = 0; j < d; ++j) xx += static_cast<double>(x[j]) * x[j];
        const double scale = o.normalize && xx > 0 ? xx : 1.0;
        Picture p;
        p.energies = b.energies(b.all, x, resolved, scale);
        p.energies.resize(d, std::nan(""));
        std::vector<double> halves[2];
        for (int h = 0; h < 2; ++h) halves[h] = b.energies(b.half[h], x, resolved, scale);
        p.rest = xx / scale;
        // Per band and per sum of the bands up to one (the rest's complement): the halves'
        // difference (twice the whole sample's standard error, roughly) plus how far the whole
        // sample is from the halves' mean (its bias, which shrinks as 1/m, half of the halves').
        auto uncertainty = [](double whole, const double half[2]) {
            return std::abs(half[0] - half[1]) + std::abs(whole - 0.5 * (half[0] + half[1]));
        };
        double cumulative = 0, cumulative_half[2] = {0, 0};
        for (std::size_t k = 0; k < nb; ++k) {
            if (r.band_edges[k + 1] > resolved) {
                p.bands.emplace_back();
                continue;
            }
            double band = 0, half[2] = {0, 0};
            for (std::size_t c = r.band_edges[k]; c < r.band_edges[k + 1]; ++c) {
                band += p.energies[c];
                for (int h = 0; h < 2; ++h) half[h] += halves[h][c];
            }
            p.bands.emplace_back(band);
            p.rest -= band;
            cumulative += band;
            for (int h = 0; h < 2; ++h) cumulative_half[h] += half[h];
            p.spread = std::max(
                {p.spread, uncertainty(band, half), uncertainty(cumulative, cumulative_half)});
        }
        p.rest = std::max(p.rest, 0.0);           // round-off below zero on a fully resolved token
        p.spread *= scale / (xx > 0 ? xx : 1.0);  // a fraction of ||x||^2 either way
        return p;
    };
    const std::vector<float> raw(r.raw.begin(), r.raw.end());  // the file's values, as read
    const Picture at_layer = picture(raw.data());
    r.energies = at_layer.energies;
    for (const auto& band : at_layer.bands) r.bands.push_back(band.value_or(std::nan("")));
    const std::size_t n = frame_states.size();
    r.frames.assign(n, {});
    r.frame_computed.assign(n, false);
    const std::size_t i = focus_frame(o, frame_states);
    std::vector<float> x(d);
    progress.check();
    dump.read_states(s, frame_states[i], o.token, o.token + 1, x.data());
    Picture shown = frame_states[i] == o.layer ? at_layer : Picture{};
    if (frame_states[i] != o.layer && row_finite(x.data(), d)) shown = picture(x.data());
    if (shown.bands.empty()) shown.bands.assign(nb, std::nullopt);  // a NaN/Inf state
    r.frames[i] = shown.bands;
    r.frame_computed[i] = true;
    r.estimate_rest = shown.rest;
    r.estimate_spread = shown.spread;
    return r;
}

}  // namespace

EqualiserBasisFit equaliser_basis(const Dump& dump, const EqualiserOptions& o, Progress& progress) {
    const StreamInfo& s = dump.stream(o.stream);
    const std::size_t d = s.d, T = s.n_tokens();
    EqualiserBasisFit out;
    out.d = d;
    std::vector<std::size_t> fit;
    if (o.pooled)
        fit = analysed_states(s, false);
    else
        fit.push_back(o.basis_layer ? check_state(dump, s, static_cast<long long>(*o.basis_layer))
                                    : last_pre_norm_state(s));
    numerics::Scatter sc(d, true);
    std::vector<float> x;
    for (std::size_t i = 0; i < fit.size(); ++i) {
        progress.report(0.8 * static_cast<double>(i) / static_cast<double>(fit.size()),
                        layer_message(i, fit.size(), "equaliser basis"));
        read_state(dump, s, fit[i], x, progress);
        const auto rows = finite_rows(x.data(), T, d);
        sc.add(x.data(), rows.size(), rows.data());
        out.layers.push_back(s.state_names[fit[i]]);
    }
    if (sc.count() < 2)
        throw InputError(dump.where() + "equaliser basis needs at least 2 finite tokens");
    progress.check();
    // The last state read and the scatter handed over, not copied: on a 4096-wide dump the fit
    // peaked at 624 MB with both alive beside the eigensolver's matrix, workspace and vectors.
    std::vector<float>().swap(x);
    numerics::Pca p = numerics::pca_of_scatter(std::move(sc), d, true);
    out.components = std::move(p.components);
    const double total = p.total();
    for (std::size_t c = 0; c < d; ++c)
        out.explained.push_back(c < p.eig.size() && total > 0 ? p.eig[c] / total : 0.0);
    return out;
}

EqualiserResult equaliser(const Dump& dump, const EqualiserOptions& o, Progress& progress) {
    const StreamInfo& s = dump.stream(o.stream);
    const std::size_t d = s.d, T = s.n_tokens();
    check_state(dump, s, static_cast<long long>(o.layer));
    if (o.token >= T)
        throw InputError(dump.where() + "token " + std::to_string(o.token) + " out of range (0.." +
                         std::to_string(T - 1) + ")");
    if (o.bands == 0) throw InputError("equaliser: --bands must be at least 1");
    EqualiserResult r;
    r.stream = s.name;
    r.layer = o.layer;
    r.layer_name = s.state_names[o.layer];
    r.token = o.token;
    r.prompt = o.token / s.n_positions;
    r.position = o.token % s.n_positions;
    if (o.token < dump.tokens().size()) {
        r.token_text = dump.tokens()[o.token].text;
        r.token_label = dump.tokens()[o.token].label();
        r.token_id = dump.tokens()[o.token].id;
    }
    r.normalized = o.normalize;
    r.basis = o.basis == EqualiserBasis::Dims         ? "dims"
              : o.basis == EqualiserBasis::Directions ? "directions"
                                                      : "pca";

    const std::vector<std::size_t> frame_states = analysed_states(s, o.include_final_norm);
    // The token's raw vector at o.layer first: it does not depend on the basis, and an estimate
    // (below) shows it before the basis is fit.
    std::vector<float> v(d);
    dump.read_states(s, o.layer, o.token, o.token + 1, v.data());
    if (!row_finite(v.data(), d))
        throw InputError(dump.where() + "token " + std::to_string(o.token) +
                         " has NaN/Inf values at state " + r.layer_name);
    double nn = 0;
    for (float f : v) {
        r.raw.push_back(f);
        nn += static_cast<double>(f) * f;
    }
    r.norm = std::sqrt(nn);
    for (float f : v)
        r.unit.push_back(r.norm > 0 ? std::optional<double>(f / r.norm) : std::nullopt);
    for (std::size_t i = 0; i < frame_states.size(); ++i)
        r.frame_layers.push_back(s.state_names[frame_states[i]]);

    std::vector<double> basis;  // d x d row-major, empty for dims
    // The estimate from a token sample (a few MB) comes before the basis' lease, so that it shows
    // while the lease waits for memory.
    if (o.basis == EqualiserBasis::Pca && !o.fitted && !o.pooled && o.on_frame &&
        o.estimate_tokens > 0) {
        const util::ForegroundScope first_picture;  // what is on screen first (foreground.h)
        o.on_frame(estimate_first(dump, s, o, r, frame_states, progress));
    }
    // The PCA basis is leased from the process's memory gate (the app's budget) before it is
    // fitted: the fit peaks at its d x d float64 scatter and ?syevd's 2 d^2 workspace (402 MB at
    // d = 4096; the state read before them, 4 T d, beside the scatter), then the basis alone
    // stays for the frames. One lease per job: it never waits holding another.
    const double dd = static_cast<double>(d) * static_cast<double>(d);
    numerics::MemoryLease lease;
    if (o.basis == EqualiserBasis::Pca)
        lease = numerics::memory_gate().lease(
            o.fitted ? 16 * dd : std::max(4.0 * static_cast<double>(T * d) + 8 * dd, 24 * dd),
            "equaliser", progress);
    if (o.basis == EqualiserBasis::Pca) {
        const EqualiserBasisFit own =
            o.fitted ? EqualiserBasisFit{} : equaliser_basis(dump, o, progress);
        const EqualiserBasisFit& fit = o.fitted ? *o.fitted : own;
        if (fit.d != d || fit.components.size() != d * d)
            throw InputError(dump.where() + "equaliser: the given basis is " +
                             std::to_string(fit.d) + " wide, the stream " + std::to_string(d));
        basis = fit.components;
        r.basis_layers = fit.layers;
        r.basis_explained = fit.explained;
    }
    lease.shrink(static_cast<std::size_t>(8 * dd));  // the basis the frames use
    // Directions basis: per frame state, the unit vector of every direction (then at o.layer).
    std::vector<std::vector<std::vector<double>>> along;  // frame x direction x d
    std::vector<std::vector<double>> along_layer;
    if (o.basis == EqualiserBasis::Directions) {
        const auto specs = split_specs(o.directions);
        if (specs.empty())
            throw InputError(
                "equaliser: the directions basis needs directions, e.g. "
                "pairs(king:queen)");
        along.assign(frame_states.size(), {});
        for (std::size_t k = 0; k < specs.size(); ++k) {
            const DirectionSpec spec = parse_direction(specs[k], dump, s);
            r.direction_labels.push_back(spec.text);
            progress.report(0.8 * static_cast<double>(k) / static_cast<double>(specs.size()),
                            "equaliser: direction " + spec.text);
            const double lo = 0.8 * static_cast<double>(k) / static_cast<double>(specs.size()),
                         hi = 0.8 * static_cast<double>(k + 1) / static_cast<double>(specs.size());
            const auto at = direction_at(dump, spec, frame_states, progress, lo, hi);
            for (std::size_t i = 0; i < frame_states.size(); ++i) along[i].push_back(at[i]);
            along_layer.push_back(direction_at(dump, spec, {o.layer}, progress, hi, hi).front());
        }
    }
    const std::size_t nb = along_layer.empty() ? std::min(o.bands, d) : along_layer.size();
    const std::size_t width = along_layer.empty() ? d : nb;  // components the bands split
    for (std::size_t k = 0; k <= nb; ++k) r.band_edges.push_back(k * width / nb);
    // A pca basis determines the components of non-zero variance (cut where the PCA fit cuts).
    r.determined =
        o.basis == EqualiserBasis::Pca ? numerics::count_above_roundoff(r.basis_explained) : width;
    r.determined_to_edge = resolved_to_edge(r.band_edges, r.determined);
    const bool undetermined = r.determined < width;
    auto energies = [&](const float* x, std::size_t frame) {
        if (along_layer.empty()) return energies_of(x, d, basis, o.normalize);
        return energies_along(x, d, frame < along.size() ? along[frame] : along_layer, o.normalize);
    };
    // The band sums of one vector's energies e, NaN past the determined bands, and the energy of
    // the undetermined rest (components from determined_to_edge on) together.
    auto bands_of = [&](const std::vector<double>& e, double& rest) {
        std::vector<double> b = band_sums(e, r.band_edges);
        rest = 0;
        if (!undetermined) return b;
        for (std::size_t c = r.determined_to_edge; c < width; ++c) rest += e[c];
        for (std::size_t k = 0; k < nb; ++k)
            if (r.band_edges[k + 1] > r.determined_to_edge) b[k] = std::nan("");
        return b;
    };

    // The first partial result (with the focus state's frame) holds everything but the others.
    r.energies = energies(v.data(), frame_states.size());  // past the frames: at o.layer
    r.bands = bands_of(r.energies, r.undetermined_at_layer);
    for (std::size_t c = r.determined; c < width; ++c) r.energies[c] = std::nan("");

    const std::size_t n = frame_states.size();
    r.frames.assign(n, {});
    r.frame_computed.assign(n, false);
    if (undetermined) r.undetermined.assign(n, std::nullopt);
    if (o.basis == EqualiserBasis::Dims) r.frame_coordinates.assign(n, {});
    // Which frame to compute next: in order, or the one nearest the focus state not yet done.
    auto next_frame = [&](std::size_t done) {
        if (!o.focus) return done;
        const long long f = o.focus->load();
        std::size_t best = n;
        long long best_distance = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (r.frame_computed[i]) continue;
            const long long distance = std::llabs(static_cast<long long>(frame_states[i]) - f);
            if (best == n || distance < best_distance) best = i, best_distance = distance;
        }
        return best;
    };
    for (std::size_t done = 0; done < n; ++done) {
        const std::size_t i = next_frame(done);
        progress.report(0.8 + 0.2 * static_cast<double>(done) / static_cast<double>(n),
                        layer_message(done, n, "equaliser frames"));
        progress.check();
        dump.read_states(s, frame_states[i], o.token, o.token + 1, v.data());
        std::vector<std::optional<double>> row(nb);
        if (row_finite(v.data(), d)) {
            double rest = 0;
            const auto b = bands_of(energies(v.data(), i), rest);
            for (std::size_t k = 0; k < nb; ++k)
                if (std::isfinite(b[k])) row[k] = b[k];
            if (undetermined && std::isfinite(rest)) r.undetermined[i] = rest;
        }
        r.frames[i] = std::move(row);
        if (o.basis == EqualiserBasis::Dims) r.frame_coordinates[i] = v;
        r.frame_computed[i] = true;
        if (o.on_frame && done + 1 < n) o.on_frame(r);
    }
    progress.report(1.0, "equaliser done");
    return r;
}

bool EqualiserResult::partial() const {
    if (estimate_tokens > 0) return true;  // an estimate of the basis, whatever the frames
    for (bool c : frame_computed)
        if (!c) return true;
    return false;
}

nlohmann::json to_json(const EqualiserResult& r) {
    nlohmann::json frames = nlohmann::json::array();
    for (const auto& f : r.frames) frames.push_back(nums(f));
    nlohmann::json j = {
        {"stream", r.stream},
        {"layer", r.layer},
        {"name", r.layer_name},
        {"token", token_json(r.token, r.prompt, r.position, r.token_text, r.token_id)},
        {"basis", r.basis},
        {"basis_layers", r.basis_layers},
        {"basis_explained", nums(r.basis_explained)},
        {"normalized", r.normalized},
        {"norm", num(r.norm)},
        {"raw", nums(r.raw)},
        {"unit", nums(r.unit)},
        {"energies", nums(r.energies)},
        {"band_edges", r.band_edges},
        {"bands", nums(r.bands)},
        {"frames", {{"layers", r.frame_layers}, {"energies", frames}}}};
    if (r.basis == "directions") j["directions"] = r.direction_labels;
    j["determined"] = r.determined;
    if (r.has_undetermined())
        j["undetermined"] = {{"from_component", r.determined_to_edge},
                             {"energy", num(r.undetermined_at_layer)},
                             {"frames", nums(r.undetermined)}};
    return j;
}

std::string to_csv(const EqualiserResult& r) {
    std::ostringstream os;
    os << "band,first_component,end_component,energy";
    for (const auto& l : r.frame_layers) os << ',' << csv_text(l);
    os << '\n';
    for (std::size_t k = 0; k < r.bands.size(); ++k) {
        os << k << ',' << r.band_edges[k] << ',' << r.band_edges[k + 1] << ','
           << csv_num(r.bands[k]);
        for (const auto& f : r.frames) os << ',' << csv_num(f[k]);
        os << '\n';
    }
    if (r.has_undetermined()) {
        os << "undetermined," << r.determined_to_edge << ',' << r.band_edges.back() << ','
           << csv_num(r.undetermined_at_layer);
        for (const auto& u : r.undetermined) os << ',' << csv_num(u);
        os << '\n';
    }
    return os.str();
}

}  // namespace es::analysis
