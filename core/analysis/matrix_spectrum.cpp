#include "analysis/matrix_spectrum.h"

#include <cmath>
#include <utility>

#include "analysis/common.h"
#include "analysis/matrix_source.h"

namespace es::analysis {

MatrixSpectrum matrix_spectrum(std::vector<double> singular_values) {
    MatrixSpectrum m;
    m.singular_values = std::move(singular_values);
    double f2 = 0;
    std::vector<double> eig;
    eig.reserve(m.singular_values.size());
    for (double v : m.singular_values) {
        f2 += v * v;
        eig.push_back(v * v);
    }
    m.spectral_norm = m.singular_values.empty() ? 0.0 : m.singular_values[0];
    m.frobenius = std::sqrt(f2);
    m.stable_rank = m.spectral_norm > 0 ? f2 / (m.spectral_norm * m.spectral_norm) : NAN;
    m.fit = fit_power_law(eig);
    return m;
}

nlohmann::json to_json(const MatrixSpectrum& m) {
    const auto fitted = [&](double v) { return m.fit.ok ? num(v) : nlohmann::json(nullptr); };
    return {{"name", m.name},
            {"shape", m.shape},
            {"singular_values", nums(m.singular_values)},
            {"spectral_norm", num(m.spectral_norm)},
            {"frobenius", num(m.frobenius)},
            {"stable_rank", num(m.stable_rank)},
            {"alpha", fitted(m.fit.alpha)},
            {"xmin", fitted(m.fit.xmin)},
            {"ks", fitted(m.fit.ks)},
            {"alpha_sigma", fitted(m.fit.sigma)},
            {"alpha_n", m.fit.n},
            {"alpha_reason", m.fit.ok ? nlohmann::json(nullptr) : nlohmann::json(m.fit.reason)}};
}

nlohmann::json circuit_json(const MatrixSpectrum& m) {
    nlohmann::json j = to_json(m);
    for (const char* key : {"name", "shape", "alpha_sigma", "alpha_n"}) j.erase(key);
    return j;
}

std::string csv_cells(const MatrixSpectrum& m) {
    return cnum(m.spectral_norm) + "," + cnum(m.frobenius) + "," + cnum(m.stable_rank) + "," +
           (m.fit.ok ? cnum(m.fit.alpha) : "");
}

}  // namespace es::analysis
