#pragma once
// Power-law fit of an eigenvalue density as WeightWatcher (through the Python `powerlaw`
// package), Clauset's plfit.m and R's poweRlaw (`estimate_xmin(conpl$new(x))`) do it, after
// Clauset, Shalizi & Newman 2009:
//  - x: the finite eigenvalues above `floor` (1e-5), sorted; N of them.
//  - candidates for xmin: every distinct value but the largest (as powerlaw and plfit; poweRlaw
//    also leaves out the second largest, which differs only if a 2-value tail fit best).
//  - for each: the n values x_i >= xmin (exactly; poweRlaw admits values down to
//    xmin - 1.5e-8), the continuous MLE alpha = 1 + n / sum ln(x_i / xmin) in closed form
//    (poweRlaw refines it with L-BFGS-B from the whole sample's MLE: agrees to ~1e-7), and
//    the Kolmogorov-Smirnov distance D = max_i |i/n - F(x_i)|, i = 0..n-1, against the fitted
//    CDF F(x) = 1 - (x/xmin)^(1-alpha). The empirical CDF is taken at its lower step i/n only,
//    not also (i+1)/n: that is the definition all three use (poweRlaw 0.70.6
//    get_distance_statistic: data_cdf = (0:(n-1))/n; plfit.m: cx = (0:n-1)'./n; powerlaw:
//    arange(n)/n), and the two-step distance chooses other tails (issue 19, where it was
//    suspected; tests/reference/reference_powerlaw.py has such cases).
//  - the xmin with the smallest D wins; ties go to the smaller xmin (poweRlaw's which.min over
//    increasing candidates). sigma = (alpha - 1) / sqrt(n).
// Deliberately unlike poweRlaw: its continuous CDF pplcon() sets F(q) = 0 for q < round(xmin),
// a line for discrete data that makes its fit depend on the unit of the data (xmin = 2.565
// compares the tail values in [2.565, 3) against F = 0). This fit is scale invariant and equals
// poweRlaw on the data rescaled below 0.5, where round(xmin) = 0 (tests/core/
// test_power_law_poweRlaw.cpp, python.powerlaw_poweRlaw).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace es::analysis {

struct PowerLawFit {
    bool ok = false;
    std::string reason;  // why there is no fit (ok == false)
    double alpha = 0, xmin = 0, ks = 0, sigma = 0;
    std::size_t n = 0;        // values >= xmin used by the winning fit
    std::size_t n_total = 0;  // values above the floor
};

// eigenvalues in any order; min_count: fewer values above the floor give ok == false.
PowerLawFit fit_power_law(const std::vector<double>& eigenvalues, double floor = 1e-5,
                          std::size_t min_count = 10);

}  // namespace es::analysis
