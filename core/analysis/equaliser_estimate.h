#pragma once
// The equaliser's first picture on a wide stream (issue 20), before its principal basis is fit:
// on a 4096-wide dump the exact basis is a 4096 x 4096 scatter and eigensolve, seconds of CPU.
// The estimate takes the principal axes of a token sample of the same reference state instead
// (an m x m Gram and its eigensolve, m ~ 1024: a fraction of a second). A sample of m tokens
// has rank m - 1 after centring, so it resolves only the leading m - 1 components; what it says
// about the rest is their summed energy. Its uncertainty is measured, not assumed: the sample is
// split into two halves of whole runs, each fit on its own. Their difference measures the
// sampling noise (about twice the whole sample's standard error), and the whole sample's distance
// from their mean its bias (a subspace fit from m tokens is biased by O(1/m), so the halves'
// bias is about twice the whole's); the picture states the sum of both, at its largest over the
// bands shown and the rest. Only the bands both halves resolve are shown. Internal to
// equaliser.cpp.
#include <cstddef>
#include <string>
#include <vector>

#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

// The principal axes of m sampled rows, kept as the Gram's eigenvectors: axis i is
// Sc^T u_i / sqrt(g_i) (Sc the rows centred), so x's projection on it is u_i . (Sc x) / sqrt(g_i),
// m d + m k flops a vector, and no k x d matrix is formed (at m = 1024, d = 4096 forming it was
// most of the estimate's time).
struct SampleAxes {
    std::vector<std::size_t> rows;  // into EqualiserSampleBases::x
    std::vector<double> mean;       // d
    std::vector<double> u;          // m x k column-major: the Gram's top k eigenvectors
    std::vector<double> g;          // their eigenvalues, descending, above round-off
    std::size_t k() const { return g.size(); }
};

struct EqualiserSampleBases {
    std::size_t d = 0;
    std::vector<float> x;  // the sampled tokens, row-major (non-finite rows not used)
    SampleAxes all;        // the whole sample
    SampleAxes half[2];    // its two halves (alternate runs)
    std::size_t tokens() const { return all.rows.size(); }
    // Energies (squared projections) of v along the first k axes of `a`, divided by `scale`.
    std::vector<double> energies(const SampleAxes& a, const float* v, std::size_t k,
                                 double scale) const;
};

// Samples about `tokens` tokens of `state` in runs spread evenly over the stream (one hyperslab
// read a run), drops non-finite rows, and fits the three sets of axes. Throws InputError when
// fewer than 4 finite tokens are left.
EqualiserSampleBases equaliser_sample_bases(const Dump& dump, const StreamInfo& s,
                                            std::size_t state, std::size_t tokens,
                                            Progress& progress);

}  // namespace es::analysis
