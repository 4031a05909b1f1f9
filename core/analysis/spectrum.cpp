#include "analysis/spectrum.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>

#include "analysis/common.h"
#include "numerics/linalg.h"
#include "numerics/memory_budget.h"
#include "numerics/memory_gate.h"
#include "numerics/pca.h"
#include "numerics/randomized_svd.h"
#include "util/error.h"
#include "util/foreground.h"
#include "util/parallel.h"

namespace es::analysis {

double spectrum_effective_rank(const std::vector<double>& s) {
    double sum = 0;
    for (double v : s) sum += v;
    if (sum <= 0) return 0;
    double h = 0;
    for (double v : s)
        if (v > 0) {
            const double p = v / sum;
            h -= p * std::log(p);
        }
    return std::exp(h);
}

double spectrum_participation_ratio(const std::vector<double>& s) {
    double s2 = 0, s4 = 0;
    for (double v : s) {
        s2 += v * v;
        s4 += v * v * v * v;
    }
    return s4 > 0 ? s2 * s2 / s4 : 0;
}

bool SpectrumResult::partial() const {
    if (!pending_layers.empty()) return true;
    for (const LayerSpectrum& l : layers)
        if (l.estimate_of) return true;
    return false;
}

std::size_t spectrum_estimate_top(std::size_t tokens, std::size_t d) {
    return std::min(tokens, d) >= 2048 ? 64 : 0;
}

std::size_t spectrum_first_values() {
    return 8;
}

double spectrum_first_bound() {
    return 0.02;
}

std::size_t spectrum_tight_values(const std::vector<double>& values,
                                  const std::vector<double>& bounds, double relative) {
    std::size_t n = 0;
    while (n < values.size() && n < bounds.size() && bounds[n] <= relative * values[n]) ++n;
    return n;
}

namespace {

// Called with the finite rows of a state read whole, before its exact spectrum is computed.
using BeforeExact = std::function<void(const float*, const std::vector<std::size_t>&)>;

LayerSpectrum layer_of_pca(const Dump& dump, const StreamInfo& s, std::size_t st,
                           const SpectrumOptions& options, const numerics::Pca& p,
                           std::size_t finite) {
    const std::size_t d = s.d;
    if (finite < 2)
        throw InputError(dump.where(s.sources[st].dataset) +
                         "spectrum needs at least 2 tokens with finite "
                         "values, state " +
                         s.state_names[st] + " has " + std::to_string(finite));
    LayerSpectrum l;
    l.layer = st;
    l.name = s.state_names[st];
    l.centred = options.centred;
    l.tokens = finite;
    l.excluded_tokens = s.n_tokens() - finite;
    const double total = p.total();
    for (double e : p.eig) {
        l.singular_values.push_back(std::sqrt(e));
        l.explained_variance_ratio.push_back(total > 0 ? e / total : 0.0);
    }
    l.effective_rank = spectrum_effective_rank(l.singular_values);
    l.participation_ratio = spectrum_participation_ratio(l.singular_values);
    for (std::size_t c = 0; c < p.k; ++c)
        l.components.emplace_back(p.components.begin() + static_cast<long>(c * d),
                                  p.components.begin() + static_cast<long>((c + 1) * d));
    return l;
}

// The leading `count` values of an estimate as a layer (estimate_of says of how many).
LayerSpectrum estimated_layer(const StreamInfo& s, std::size_t st, const SpectrumOptions& options,
                              const std::vector<std::size_t>& rows,
                              const numerics::TopSingularValues& t, std::size_t count) {
    LayerSpectrum l;
    l.layer = st;
    l.name = s.state_names[st];
    l.centred = options.centred;
    l.tokens = rows.size();
    l.excluded_tokens = s.n_tokens() - rows.size();
    l.singular_values.assign(t.values.begin(), t.values.begin() + static_cast<long>(count));
    for (double v : l.singular_values)
        l.explained_variance_ratio.push_back(t.frobenius_squared > 0 ? v * v / t.frobenius_squared
                                                                     : 0.0);
    l.estimate_of = std::min(rows.size(), s.d);
    l.estimate_bounds.assign(t.bounds.begin(), t.bounds.begin() + static_cast<long>(count));
    l.estimate_converged = t.converged && count == t.values.size();
    return l;
}

// The estimate of a state's top values handed out before its exact spectrum: the leading values
// as soon as spectrum_first_values() of them are within spectrum_first_bound() (on an M layer
// after 3 of the 6 Krylov blocks), then all estimate_top values once converged. Both cores run
// the products (the numbers do not depend on it): it is the first picture, and short.
void layer_estimate(const StreamInfo& s, std::size_t st, const SpectrumOptions& options,
                    const float* x, const std::vector<std::size_t>& rows, Progress& progress,
                    const std::function<void(LayerSpectrum&&)>& post) {
    numerics::TopSingularValuesOptions o;
    o.k = options.estimate_top;
    o.seed = st + 1;
    // Two product threads only on one BLAS thread each (as the app runs it): OpenBLAS' own
    // threads called from two threads at once serialise (see kSpectrumMemory in the app).
    o.threads = numerics::blas_threads() > 1 ? 1 : util::resolve_threads(0);
    bool shown = false;
    o.on_iteration = [&](const numerics::TopSingularValues& t) {
        if (shown || t.values.empty()) return;
        const std::size_t n = spectrum_tight_values(t.values, t.bounds, spectrum_first_bound());
        if (n < std::min(spectrum_first_values(), t.values.size())) return;
        shown = true;
        post(estimated_layer(s, st, options, rows, t, n));
    };
    const numerics::TopSingularValues t =
        numerics::top_singular_values(x, s.d, rows, options.centred, o, progress);
    post(estimated_layer(s, st, options, rows, t, t.values.size()));
}

numerics::Scatter scatter_of_tokens(const Dump& dump, const StreamInfo& s, std::size_t st,
                                    bool centred, std::size_t begin, std::size_t end,
                                    std::vector<float>& x, Progress& progress) {
    const std::size_t d = s.d;
    numerics::Scatter scatter(d, centred);
    const std::size_t step = chunk_read_tokens(s, std::size_t{16} << 20);  // ~16 MiB
    x.resize(std::min(step, end - begin) * d);
    for (std::size_t b = begin; b < end; b += step) {
        progress.check();
        const std::size_t e = std::min(end, b + step);
        dump.read_states(s, st, b, e, x.data());
        const std::vector<std::size_t> rows = finite_rows(x.data(), e - b, d);
        scatter.add(x.data(), rows.size(), rows.data());
    }
    progress.check();
    return scatter;
}

// One state's spectrum. With more tokens than dimensions the D x D scatter is accumulated from
// token blocks streamed from the file (the state is never held whole: 16384 x 4096 float32 is
// 256 MB); otherwise the whole state is read and its T x T Gram used. x is the caller's
// (reused) buffer.
LayerSpectrum layer_spectrum(const Dump& dump, const StreamInfo& s, std::size_t st,
                             const SpectrumOptions& options, std::vector<float>& x,
                             const BeforeExact& before_exact, Progress& progress) {
    const std::size_t T = s.n_tokens(), d = s.d;
    if (T <= d) {
        read_state(dump, s, st, x, progress);
        const std::vector<std::size_t> rows = finite_rows(x.data(), T, d);
        if (rows.size() < 2) return layer_of_pca(dump, s, st, options, {}, rows.size());
        if (before_exact) before_exact(x.data(), rows);
        return layer_of_pca(
            dump, s, st, options,
            numerics::pca_of_rows(x.data(), d, rows, options.centred, options.top_k, progress),
            rows.size());
    }
    return spectrum_of_scatter(dump, s, st, options,
                               scatter_of_tokens(dump, s, st, options.centred, 0, T, x, progress));
}

}  // namespace

numerics::Scatter spectrum_scatter(const Dump& dump, const StreamInfo& s, std::size_t state,
                                   bool centred, std::size_t begin, std::size_t end,
                                   Progress& progress) {
    check_state(dump, s, static_cast<long long>(state));
    std::vector<float> x;
    return scatter_of_tokens(dump, s, state, centred, begin, std::min(end, s.n_tokens()), x,
                             progress);
}

LayerSpectrum spectrum_of_scatter(const Dump& dump, const StreamInfo& s, std::size_t state,
                                  const SpectrumOptions& options, numerics::Scatter&& scatter) {
    const std::size_t finite = scatter.count();
    if (finite < 2) return layer_of_pca(dump, s, state, options, {}, finite);
    return layer_of_pca(dump, s, state, options,
                        numerics::pca_of_scatter(std::move(scatter), options.top_k), finite);
}

// T <= D: the float32 state, the float64 T x T Gram and one 256-column float64 block of centred
// rows. T > D: one streamed token block and the float64 D x D scatter with its 256-row block.
// Vectors add the subspace iteration's few n x p blocks.
double spectrum_layer_bytes(std::size_t T, std::size_t d, std::size_t top_k) {
    const double t = static_cast<double>(T), dd = static_cast<double>(d);
    const double p = static_cast<double>(std::max<std::size_t>(2 * top_k, top_k + 16));
    if (T <= d) return 4 * t * dd + 8 * t * t + 8 * 256 * t + (top_k ? 48 * t * p : 0);
    return (16 << 20) + 8 * dd * dd + 8 * 256 * dd + (top_k ? 48 * dd * p : 0);
}

int spectrum_layers_at_once(std::size_t layers, std::size_t tokens, std::size_t d,
                            std::size_t top_k, int threads, std::size_t memory_budget) {
    const double budget = memory_budget
                              ? static_cast<double>(memory_budget)
                              : 0.5 * static_cast<double>(numerics::physical_memory_bytes());
    return layers >= 2 && util::resolve_threads(threads) >= 2 &&
                   2 * spectrum_layer_bytes(tokens, d, top_k) <= budget
               ? 2
               : 1;
}

SpectrumResult spectrum(const Dump& dump, const SpectrumOptions& options, Progress& progress) {
    const StreamInfo& s = dump.stream(options.stream);
    SpectrumResult r;
    r.stream = s.name;
    std::vector<std::size_t> states = options.layers;
    if (states.empty()) states = analysed_states(s, options.include_final_norm);
    for (std::size_t st : states) check_state(dump, s, static_cast<long long>(st));
    const std::size_t n = states.size();

    // Two layers at once, on one BLAS thread each, only when two working sets fit in the budget
    // (by default half of physical memory; the app's share in the app). Layers are taken and
    // reported in order, so progress messages come in layer order; after a failure no new layer is
    // started, and the error of the lowest failing layer is rethrown (the one the sequential loop
    // would hit).
    const int workers = spectrum_layers_at_once(n, s.n_tokens(), s.d, options.top_k,
                                                options.threads, options.memory_budget);
    const bool pair = workers == 2;
    std::optional<numerics::ScopedBlasThreads> one_blas_thread;
    // threads = 1 means one core: one BLAS thread too (the app beside other analyses).
    if (pair || options.threads == 1) one_blas_thread.emplace(1);
    std::vector<std::vector<float>> x(static_cast<std::size_t>(workers));  // reused per worker
    std::vector<std::optional<LayerSpectrum>> done(n);
    // Which of `states` the i-th layer taken is: in order, or the nearest to the focus not yet
    // taken (ties: the lower state), chosen under parallel_each's lock as the layer is taken.
    std::vector<std::size_t> taken(n);
    std::vector<bool> started(n, false);
    std::mutex done_lock;
    std::size_t finished = 0;
    // Estimates handed out, kept in later partial results until the exact layer replaces them.
    std::vector<std::optional<LayerSpectrum>> estimates(n);
    // Every layer done so far, the estimated ones, the others pending. Called under done_lock.
    auto partial_result = [&] {
        SpectrumResult partial;
        partial.stream = s.name;
        for (std::size_t j = 0; j < n; ++j)
            if (done[j])
                partial.layers.push_back(*done[j]);
            else if (estimates[j])
                partial.layers.push_back(*estimates[j]);
            else
                partial.pending_layers.push_back(states[j]);
        return partial;
    };
    auto pick = [&](std::size_t i) {
        std::size_t best = i;
        if (options.focus) {
            const long long f = options.focus->load();
            long long best_distance = -1;
            for (std::size_t k = 0; k < n; ++k) {
                if (started[k]) continue;
                const long long dist = std::llabs(static_cast<long long>(states[k]) - f);
                if (best_distance < 0 || dist < best_distance) best = k, best_distance = dist;
            }
        }
        started[best] = true;
        taken[i] = best;
        return best;
    };
    util::parallel_each(
        n, workers,
        [&](std::size_t i, std::size_t w) {
            const std::size_t k = taken[i];
            // The selected layer's top values first, when the exact ones take seconds.
            BeforeExact estimate;
            std::optional<util::ForegroundScope> on_screen;  // set below, lowered here
            std::optional<numerics::ScopedBlasThreads> both_cores;
            if (options.on_layer && options.estimate_top &&
                (i == 0 ||
                 (options.focus && options.focus->load() == static_cast<long long>(states[k]))))
                estimate = [&, k, i](const float* xs, const std::vector<std::size_t>& rows) {
                    // The status bar says which part runs: the estimate, then the exact values.
                    const auto say = [&](const std::string& what) {
                        progress.report(static_cast<double>(i) / static_cast<double>(n),
                                        "layer " + std::to_string(states[k]) + " of " +
                                            std::to_string(n) + ": " + what);
                    };
                    say("estimating its top " + std::to_string(options.estimate_top) + " values");
                    layer_estimate(s, states[k], options, xs, rows, progress,
                                   [&, k](LayerSpectrum&& e) {
                                       SpectrumResult partial;
                                       {
                                           const std::lock_guard<std::mutex> lock(done_lock);
                                           estimates[k] = std::move(e);
                                           partial = partial_result();
                                       }
                                       options.on_layer(partial);
                                   });
                    say("exact values");
                    // Its first picture is out: the exact values yield to other views' first
                    // pictures, and everything else yields to them.
                    on_screen.reset();
                    on_screen.emplace(util::Foreground::Selected);
                    // The others wait at their checks (where they yield: the app's jobs), so
                    // its products and eigensolve may have both cores (OpenBLAS' count is
                    // process-wide: this scope overrides the one-thread scopes of the jobs
                    // beside it for as long as it is open).
                    if (progress.yields()) both_cores.emplace(util::resolve_threads(0), true);
                };
            // The layer's working set is leased from the process's memory gate (the app's
            // budget, shared with CKA, the equaliser, ...) and given back, with the state read,
            // before the next layer asks: no thread waits for a lease while holding one.
            numerics::MemoryLease lease = numerics::memory_gate().lease(
                spectrum_layer_bytes(s.n_tokens(), s.d, options.top_k), "spectrum", progress);
            // The selected layer is what is on screen: while it computes, the other views'
            // jobs (and this job's other layer) wait at their next check (util/foreground.h).
            if (estimate) on_screen.emplace(util::Foreground::FirstPicture);
            LayerSpectrum l = layer_spectrum(dump, s, states[k], options, x[w], estimate, progress);
            both_cores.reset();
            on_screen.reset();
            if (numerics::memory_gate().budget()) std::vector<float>().swap(x[w]);
            lease.release();
            if (!options.on_layer) {
                done[k] = std::move(l);
                return;
            }
            SpectrumResult partial;
            {
                const std::lock_guard<std::mutex> lock(done_lock);
                done[k] = std::move(l);
                ++finished;
                if (finished == n) return;  // the complete result follows
                partial = partial_result();
            }
            options.on_layer(partial);
        },
        [&](std::size_t i) {
            const std::size_t k = pick(i);
            progress.report(static_cast<double>(i) / static_cast<double>(n),
                            "layer " + std::to_string(states[k]) + " of " + std::to_string(n));
        });
    r.layers.reserve(n);
    for (auto& l : done) r.layers.push_back(std::move(*l));
    one_blas_thread.reset();
    progress.report(1.0, "spectrum done");
    return r;
}

nlohmann::json to_json(const LayerSpectrum& l) {
    nlohmann::json comps = nlohmann::json::array();
    for (const auto& c : l.components) comps.push_back(nums(c));
    return {{"layer", l.layer},
            {"name", l.name},
            {"centered", l.centred},
            {"tokens", l.tokens},
            {"excluded_tokens", l.excluded_tokens},
            {"singular_values", nums(l.singular_values)},
            {"explained_variance_ratio", nums(l.explained_variance_ratio)},
            {"effective_rank", num(l.effective_rank)},
            {"participation_ratio", num(l.participation_ratio)},
            {"components", comps}};
}

nlohmann::json to_json(const SpectrumResult& r) {
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : r.layers) layers.push_back(to_json(l));
    return {{"stream", r.stream}, {"layers", layers}};
}

std::string to_csv(const SpectrumResult& r) {
    std::ostringstream os;
    os << "layer,name,centered,index,singular_value,explained_variance_ratio,effective_rank,"
          "participation_ratio\n";
    for (const auto& l : r.layers)
        for (std::size_t i = 0; i < l.singular_values.size(); ++i)
            os << l.layer << ',' << csv_text(l.name) << ',' << (l.centred ? "true" : "false") << ','
               << i << ',' << csv_num(l.singular_values[i]) << ','
               << csv_num(l.explained_variance_ratio[i]) << ',' << csv_num(l.effective_rank) << ','
               << csv_num(l.participation_ratio) << '\n';
    return os.str();
}

}  // namespace es::analysis
