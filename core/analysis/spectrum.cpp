#include "analysis/spectrum.h"

#include <cmath>
#include <sstream>

#include "analysis/common.h"
#include "numerics/pca.h"
#include "util/error.h"

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

SpectrumResult spectrum(const Dump& dump, const SpectrumOptions& options, Progress& progress) {
    const StreamInfo& s = dump.stream(options.stream);
    SpectrumResult r;
    r.stream = s.name;
    std::vector<std::size_t> states = options.layers;
    if (states.empty()) states = analysed_states(s, options.include_final_norm);
    for (std::size_t st : states) check_state(dump, s, static_cast<long long>(st));
    const std::size_t d = s.d, n = states.size();
    std::vector<float> x;
    for (std::size_t i = 0; i < n; ++i) {
        progress.report(static_cast<double>(i) / static_cast<double>(n),
                        layer_message(i, n, "spectrum"));
        const std::size_t st = states[i];
        read_state(dump, s, st, x, progress);
        const std::vector<std::size_t> rows = finite_rows(x.data(), s.n_tokens(), d);
        if (rows.size() < 2)
            throw InputError(dump.where(s.sources[st].dataset) +
                             "spectrum needs at least 2 tokens with finite "
                             "values, state " +
                             s.state_names[st] + " has " + std::to_string(rows.size()));
        const numerics::Pca p =
            numerics::pca_of_rows(x.data(), d, rows, options.centred, options.top_k, progress);
        LayerSpectrum l;
        l.layer = st;
        l.name = s.state_names[st];
        l.centred = options.centred;
        l.tokens = rows.size();
        l.excluded_tokens = s.n_tokens() - rows.size();
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
        r.layers.push_back(std::move(l));
    }
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
