#include "analysis/power_law.h"

#include <algorithm>
#include <cmath>

namespace es::analysis {

PowerLawFit fit_power_law(const std::vector<double>& eigenvalues, double floor,
                          std::size_t min_count) {
    PowerLawFit fit;
    std::vector<double> x;
    for (double v : eigenvalues)
        if (std::isfinite(v) && v > floor) x.push_back(v);
    std::sort(x.begin(), x.end());
    fit.n_total = x.size();
    if (x.size() < std::max<std::size_t>(min_count, 2)) {
        fit.reason = "only " + std::to_string(x.size()) + " eigenvalues above " + "1e-5" +
                     " (need " + std::to_string(std::max<std::size_t>(min_count, 2)) + ")";
        return fit;
    }
    const std::size_t N = x.size();
    // suffix sums of ln x: sum_{i >= k} ln x_i
    std::vector<double> logs(N), suffix(N + 1, 0.0);
    for (std::size_t i = 0; i < N; ++i) logs[i] = std::log(x[i]);
    for (std::size_t i = N; i-- > 0;) suffix[i] = suffix[i + 1] + logs[i];
    double best_d = INFINITY;
    for (std::size_t k = 0; k + 1 < N; ++k) {
        if (k > 0 && x[k] == x[k - 1]) continue;  // unique candidates
        const double xmin = x[k];
        const std::size_t n = N - k;
        const double s = suffix[k] - static_cast<double>(n) * logs[k];
        if (!(s > 0)) continue;
        const double alpha = 1.0 + static_cast<double>(n) / s;
        double d = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double f_fit = 1.0 - std::exp((1.0 - alpha) * (logs[k + i] - logs[k]));
            // the empirical CDF's lower step only, as poweRlaw, plfit and powerlaw (power_law.h)
            const double f_emp = static_cast<double>(i) / static_cast<double>(n);
            d = std::max(d, std::abs(f_fit - f_emp));
        }
        if (d < best_d) {  // strict: a tie keeps the smaller xmin, like poweRlaw's which.min
            best_d = d;
            fit.ok = true;
            fit.alpha = alpha;
            fit.xmin = xmin;
            fit.ks = d;
            fit.n = n;
            fit.sigma = (alpha - 1.0) / std::sqrt(static_cast<double>(n));
        }
    }
    if (!fit.ok) fit.reason = "all eigenvalues equal: no power law";
    return fit;
}

}  // namespace es::analysis
