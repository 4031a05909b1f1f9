#include "analysis/weight_spectra.h"

#include <sstream>

#include "analysis/matrix_source.h"

namespace es::analysis {

std::vector<std::string> weight_spectra_names(const Dump& dump) {
    std::vector<std::string> names;
    for (const auto& [name, w] : dump.weights())
        if (w.shape.size() == 2 && name.find(".b_") == std::string::npos) names.push_back(name);
    return names;
}

WeightSpectraResult weight_spectra(const Dump& dump, const WeightSpectraOptions& options,
                                   Progress& progress) {
    WeightSpectraResult r;
    r.file = dump.path();
    std::vector<std::string> names = options.only;
    if (names.empty()) names = weight_spectra_names(dump);
    double total = 0, done = 0;
    for (const auto& n : names)
        if (const WeightInfo* w = dump.find_weight(n); w && w->shape.size() == 2)
            total += static_cast<double>(w->shape[0]) * static_cast<double>(w->shape[1]);
    r.matrices.resize(names.size());
    // Sequential over matrices: the Gram products use the BLAS threads (both cores).
    for (std::size_t i = 0; i < names.size(); ++i) {
        progress.check();
        progress.report(total > 0 ? done / total : 0.0, "matrix " + std::to_string(i + 1) + "/" +
                                                            std::to_string(names.size()) + ": " +
                                                            names[i]);
        // Singular values only: a weight stored transposed is read as its transpose.
        const WeightInfo* w = dump.find_weight(names[i]);
        const bool transposed = w && w->stored_transposed;
        const RowSource src =
            transposed ? weight_transpose_rows(dump, names[i]) : weight_rows(dump, names[i]);
        const GramSvd g = gram_svd(src, 0, 0, progress);
        MatrixSpectrum& m = r.matrices[i];
        m = matrix_spectrum(g.s);
        m.name = names[i];
        m.shape = transposed ? std::vector<std::size_t>{src.cols, src.rows}
                             : std::vector<std::size_t>{src.rows, src.cols};
        if (w && !w->source.empty()) r.sources[names[i]] = w->source;
        done += static_cast<double>(src.rows) * static_cast<double>(src.cols);
    }
    progress.report(1.0, "weight spectra done");
    return r;
}

nlohmann::json to_json(const WeightSpectraResult& r) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& m : r.matrices) {
        nlohmann::json j = to_json(m);
        // Safetensors checkpoints: the checkpoint's own tensor name behind the role.
        if (auto it = r.sources.find(m.name); it != r.sources.end()) j["source"] = it->second;
        a.push_back(std::move(j));
    }
    return {{"file", r.file}, {"matrices", a}};
}

std::string to_csv(const WeightSpectraResult& r) {
    std::ostringstream os;
    os << "name,rows,cols,spectral_norm,frobenius,stable_rank,alpha,xmin,ks,alpha_sigma,alpha_n\n";
    for (const auto& m : r.matrices) {
        os << m.name << "," << m.shape[0] << "," << m.shape[1] << "," << csv_cells(m) << ","
           << (m.fit.ok ? cnum(m.fit.xmin) : "") << "," << (m.fit.ok ? cnum(m.fit.ks) : "") << ","
           << (m.fit.ok ? cnum(m.fit.sigma) : "") << "," << m.fit.n << "\n";
    }
    return os.str();
}

}  // namespace es::analysis
