#pragma once
// Power-law fit of an eigenvalue density as WeightWatcher does it (through the `powerlaw`
// package, Clauset, Shalizi & Newman 2009): every eigenvalue above a floor (1e-5) is tried as
// xmin; for each, the continuous MLE alpha = 1 + n / sum ln(x_i / xmin) over the n values
// x_i >= xmin, and the Kolmogorov-Smirnov distance D = max |F_emp - F_fit| between the empirical
// CDF (i/n for the i-th smallest, i = 0..n-1) and 1 - (x/xmin)^(1-alpha). The xmin with the
// smallest D wins (ties: the smaller xmin); sigma = (alpha - 1) / sqrt(n). The largest value is
// never an xmin candidate (n >= 2).
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
