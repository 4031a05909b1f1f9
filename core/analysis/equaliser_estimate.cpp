#include "analysis/equaliser_estimate.h"

#include <algorithm>

#include "analysis/common.h"
#include "numerics/linalg.h"
#include "numerics/pca.h"
#include "util/error.h"

namespace es::analysis {

namespace {
// Runs of neighbouring tokens, spread evenly: one read each, and the prompts' positions (the
// first token of a prompt is often an outlier) all represented. Even, so the halves are equal.
constexpr std::size_t kRuns = 8;

// The Gram of the rows centred on their mean, and its eigenpairs above round-off.
void fit(const float* x, std::size_t d, SampleAxes& a) {
    const std::size_t m = a.rows.size();
    a.mean.assign(d, 0.0);
    for (std::size_t r : a.rows)
        for (std::size_t j = 0; j < d; ++j) a.mean[j] += x[r * d + j];
    for (double& v : a.mean) v /= static_cast<double>(m);
    a.u = numerics::gram_of_rows(x, d, a.rows, true);
    numerics::eigh(a.u, m, a.g, true);  // descending; vectors as columns of a.u
    const std::size_t k = numerics::count_above_roundoff(a.g);
    a.g.resize(k);
    a.u.resize(m * k);
}
}  // namespace

EqualiserSampleBases equaliser_sample_bases(const Dump& dump, const StreamInfo& s,
                                            std::size_t state, std::size_t tokens,
                                            Progress& progress) {
    const std::size_t T = s.n_tokens(), d = s.d;
    const std::size_t run = std::max<std::size_t>(1, std::min(tokens, T) / kRuns);
    std::vector<float> x(kRuns * run * d);
    std::vector<std::size_t> rows[2];  // finite rows of the even and the odd runs
    for (std::size_t i = 0; i < kRuns; ++i) {
        progress.check();
        const std::size_t begin = std::min(i * T / kRuns, T - std::min(run, T));
        const std::size_t end = std::min(begin + run, T);
        float* out = x.data() + i * run * d;
        dump.read_states(s, state, begin, end, out);
        for (std::size_t r : finite_rows(out, end - begin, d)) rows[i % 2].push_back(i * run + r);
    }
    if (rows[0].size() < 2 || rows[1].size() < 2)
        throw InputError(dump.where() + "equaliser estimate: fewer than 4 finite tokens in " +
                         s.state_names[state]);
    EqualiserSampleBases b;
    b.d = d;
    b.x = std::move(x);
    b.all.rows = rows[0];
    b.all.rows.insert(b.all.rows.end(), rows[1].begin(), rows[1].end());
    std::sort(b.all.rows.begin(), b.all.rows.end());
    b.half[0].rows = std::move(rows[0]);
    b.half[1].rows = std::move(rows[1]);
    for (SampleAxes* a : {&b.all, &b.half[0], &b.half[1]}) {
        progress.check();
        fit(b.x.data(), d, *a);
    }
    return b;
}

std::vector<double> EqualiserSampleBases::energies(const SampleAxes& a, const float* v,
                                                   std::size_t k, double scale) const {
    const std::size_t m = a.rows.size();
    double mv = 0;
    for (std::size_t j = 0; j < d; ++j) mv += a.mean[j] * v[j];
    std::vector<double> y(m);  // Sc v
    for (std::size_t r = 0; r < m; ++r) {
        const float* row = x.data() + a.rows[r] * d;
        double dot = 0;
        for (std::size_t j = 0; j < d; ++j) dot += static_cast<double>(row[j]) * v[j];
        y[r] = dot - mv;
    }
    std::vector<double> e(std::min(k, a.k()));
    for (std::size_t i = 0; i < e.size(); ++i) {
        double p = 0;
        for (std::size_t r = 0; r < m; ++r) p += a.u[i * m + r] * y[r];
        e[i] = p * p / a.g[i] / scale;
    }
    return e;
}

}  // namespace es::analysis
