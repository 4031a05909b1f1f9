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
#include "numerics/pca.h"
#include "util/progress.h"

namespace es::analysis {

struct EqualiserSampleBases {
    std::size_t tokens = 0;  // finite tokens sampled (of the stream's n_tokens())
    numerics::Pca all;       // the principal axes of the whole sample (components k x d)
    numerics::Pca half[2];   // of its two halves (alternate runs)
};

// Samples about `tokens` tokens of `state` in runs spread evenly over the stream (one hyperslab
// read a run, runs of whole chunks where the stream is chunked), drops non-finite rows, and fits
// the three bases. Throws InputError when fewer than 4 finite tokens are left.
EqualiserSampleBases equaliser_sample_bases(const Dump& dump, const StreamInfo& s,
                                            std::size_t state, std::size_t tokens,
                                            Progress& progress);

// Energies (squared projections) of x along the first k rows of a k x d basis, each divided by
// `scale`.
std::vector<double> energies_along_rows(const float* x, std::size_t d,
                                        const std::vector<double>& rows, std::size_t k,
                                        double scale);

}  // namespace es::analysis
