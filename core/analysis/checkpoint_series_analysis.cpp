#include "analysis/checkpoint_series_analysis.h"

#include <cmath>
#include <sstream>

#include "analysis/matrix_source.h"
#include "analysis/subspace_spec.h"
#include "io/checkpoint_series.h"
#include "io/dump.h"
#include "numerics/principal_angles.h"
#include "util/error.h"

namespace es::analysis {

CheckpointSeriesResult checkpoint_series_analysis(const std::string& folder,
                                                  const CheckpointSeriesOptions& options,
                                                  Progress& progress) {
    CheckpointSeriesResult r;
    SubspaceSource source;
    bool left = options.left;
    std::size_t k = options.top, begin = 0;
    if (options.matrix.find(':') != std::string::npos) {
        const SubspaceSpec spec = parse_subspace_spec(options.matrix);
        source = spec.source;
        left = spec.left;
        begin = spec.begin;
        k = spec.end;
    } else {
        source = parse_subspace_source(options.matrix);
    }
    if (k == 0) throw InputError("--top must be at least 1");
    r.matrix = options.matrix;
    r.side = left ? "left" : "right";
    const std::vector<CheckpointEntry> all = list_checkpoint_series(folder);
    for (const CheckpointEntry& e : all)
        if (e.same_as >= 0) {
            const CheckpointEntry& same = all[static_cast<std::size_t>(e.same_as)];
            r.duplicates.push_back({e.step, same.step, e.path, same.path});
        }
    const std::vector<CheckpointEntry> entries = distinct_checkpoints(all);
    std::vector<Eigen::MatrixXd> bases;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        progress.check();
        progress.report(static_cast<double>(i) / static_cast<double>(entries.size()),
                        "step " + std::to_string(i + 1) + "/" + std::to_string(entries.size()) +
                            ": " + std::to_string(entries[i].step));
        auto dump = Dump::open(entries[i].path);
        if (source.kind == SubspaceSource::Kind::Weight) {
            const WeightInfo* w = dump->find_weight(source.name);
            if (w && w->shape.size() == 2) k = std::min(k, std::min(w->shape[0], w->shape[1]));
        } else if (source.kind == SubspaceSource::Kind::Circuit) {
            if (const WeightInfo* w = dump->find_weight("blocks.0.attn.W_Q");
                w && w->shape.size() == 3)
                k = std::min(k, w->shape[2]);
        }
        if (begin >= k)
            throw InputError("'" + options.matrix + "': range start beyond the matrix's rank");
        const SourceSvd s = source_svd(*dump, source, left ? k : 0, left ? 0 : k, progress);
        r.steps.push_back(entries[i].step);
        r.files.push_back(entries[i].path);
        r.singular_values.emplace_back(
            s.s.begin(), s.s.begin() + static_cast<std::ptrdiff_t>(std::min(k, s.s.size())));
        const Eigen::MatrixXd& b = left ? s.u : s.v;
        bases.push_back(
            b.middleCols(static_cast<Eigen::Index>(begin), static_cast<Eigen::Index>(k - begin)));
        if (i > 0 && bases[i].rows() != bases[0].rows())
            throw InputError(entries[i].path + ": '" + source.text +
                             "' changes shape along the series");
    }
    // k may have shrunk after early steps: trim everything to the final k.
    for (auto& b : bases) b = b.leftCols(static_cast<Eigen::Index>(k - begin)).eval();
    for (auto& s : r.singular_values) s.resize(std::min(s.size(), k));
    r.k = k - begin;
    const std::size_t n = bases.size();
    r.angles_prev.resize(n);
    r.angles_final.resize(n);
    r.overlap_prev.assign(n, NAN);
    r.overlap_final.assign(n, NAN);
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) {
            r.angles_prev[i] = numerics::subspace_angles_deg(bases[i - 1], bases[i]);
            r.overlap_prev[i] = numerics::subspace_overlap(r.angles_prev[i]);
        }
        r.angles_final[i] = numerics::subspace_angles_deg(bases[i], bases[n - 1]);
        r.overlap_final[i] = numerics::subspace_overlap(r.angles_final[i]);
    }
    progress.report(1.0, "series done");
    return r;
}

nlohmann::json to_json(const CheckpointSeriesResult& r) {
    nlohmann::json sv = nlohmann::json::array(), ap = nlohmann::json::array(),
                   af = nlohmann::json::array();
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
        sv.push_back(jnums(r.singular_values[i]));
        ap.push_back(i == 0 ? nlohmann::json(nullptr) : jnums(r.angles_prev[i]));
        af.push_back(jnums(r.angles_final[i]));
    }
    nlohmann::json dup = nlohmann::json::array();
    for (const auto& d : r.duplicates)
        dup.push_back({{"step", d.step},
                       {"file", d.file},
                       {"same_as_step", d.same_as_step},
                       {"same_as_file", d.same_as_file}});
    return {{"matrix", r.matrix},
            {"side", r.side},
            {"k", r.k},
            {"steps", r.steps},
            {"files", r.files},
            {"singular_values", sv},
            {"angles_prev_deg", ap},
            {"angles_final_deg", af},
            {"overlap_prev", jnums(r.overlap_prev)},
            {"overlap_final", jnums(r.overlap_final)},
            {"duplicates", dup}};
}

std::string to_csv(const CheckpointSeriesResult& r) {
    std::ostringstream os;
    std::size_t width = 0;
    for (const auto& s : r.singular_values) width = std::max(width, s.size());
    os << "step,overlap_prev,overlap_final";
    for (std::size_t j = 0; j < width; ++j) os << ",s" << j;
    os << "\n";
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
        os << r.steps[i] << "," << cnum(r.overlap_prev[i]) << "," << cnum(r.overlap_final[i]);
        for (std::size_t j = 0; j < width; ++j)
            os << "," << (j < r.singular_values[i].size() ? cnum(r.singular_values[i][j]) : "");
        os << "\n";
    }
    return os.str();
}

}  // namespace es::analysis
