#include "analysis/equaliser_estimate.h"

#include <algorithm>

#include "analysis/common.h"
#include "util/error.h"

namespace es::analysis {

namespace {
// Runs of neighbouring tokens, spread evenly: one read each, and the prompts' positions (the
// first token of a prompt is often an outlier) all represented. Even, so the halves are equal.
constexpr std::size_t kRuns = 8;
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
    std::vector<std::size_t> all = rows[0];
    all.insert(all.end(), rows[1].begin(), rows[1].end());
    std::sort(all.begin(), all.end());
    b.tokens = all.size();
    // Every component each sample has (k = its size): pca_of_rows keeps those above round-off.
    b.all = numerics::pca_of_rows(x.data(), d, all, true, all.size(), progress);
    for (int h = 0; h < 2; ++h)
        b.half[h] = numerics::pca_of_rows(x.data(), d, rows[h], true, rows[h].size(), progress);
    return b;
}

std::vector<double> energies_along_rows(const float* x, std::size_t d,
                                        const std::vector<double>& rows, std::size_t k,
                                        double scale) {
    std::vector<double> e(k);
    for (std::size_t c = 0; c < k; ++c) {
        double p = 0;
        for (std::size_t j = 0; j < d; ++j) p += rows[c * d + j] * x[j];
        e[c] = p * p / scale;
    }
    return e;
}

}  // namespace es::analysis
