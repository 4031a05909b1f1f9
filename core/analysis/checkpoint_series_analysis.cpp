#include "analysis/checkpoint_series_analysis.h"

#include <cmath>
#include <sstream>

#include "analysis/matrix_source.h"
#include "analysis/subspace_spec.h"
#include "io/checkpoint_series.h"
#include "io/dump.h"
#include "numerics/principal_angles.h"
#include "parallel/comm.h"
#include "util/error.h"

namespace es::analysis {

namespace {

struct Plan {
    SubspaceSource source;
    bool left = false;
    std::size_t k = 0, begin = 0;
    std::vector<CheckpointEntry> all, entries;  // every checkpoint, the distinct ones
};

// The matrix, side and range asked for, the checkpoints, and k: the requested k capped by the
// rank of the matrix at every distinct checkpoint (shapes only: no data is read).
Plan plan_of(const std::string& folder, const CheckpointSeriesOptions& options) {
    Plan p;
    p.left = options.left;
    p.k = options.top;
    if (options.matrix.find(':') != std::string::npos) {
        const SubspaceSpec spec = parse_subspace_spec(options.matrix);
        p.source = spec.source;
        p.left = spec.left;
        p.begin = spec.begin;
        p.k = spec.end;
    } else {
        p.source = parse_subspace_source(options.matrix);
    }
    if (p.k == 0) throw InputError("--top must be at least 1");
    p.all = list_checkpoint_series(folder);
    p.entries = distinct_checkpoints(p.all);
    for (const CheckpointEntry& e : p.entries) {
        auto dump = Dump::open(e.path);
        if (p.source.kind == SubspaceSource::Kind::Weight) {
            const WeightInfo* w = dump->find_weight(p.source.name);
            if (w && w->shape.size() == 2) p.k = std::min(p.k, std::min(w->shape[0], w->shape[1]));
        } else if (p.source.kind == SubspaceSource::Kind::Circuit) {
            if (const WeightInfo* w = dump->find_weight("blocks.0.attn.W_Q");
                w && w->shape.size() == 3)
                p.k = std::min(p.k, w->shape[2]);
        }
    }
    if (p.begin >= p.k)
        throw InputError("'" + options.matrix + "': range start beyond the matrix's rank");
    return p;
}

}  // namespace

std::vector<CheckpointSeriesStep> checkpoint_series_steps(const std::string& folder,
                                                          const CheckpointSeriesOptions& options,
                                                          int part, int parts, Progress& progress) {
    const Plan p = plan_of(folder, options);
    const parallel::Block mine = parallel::block(p.entries.size(), part, parts);
    std::vector<CheckpointSeriesStep> out;
    for (std::size_t i = mine.begin; i < mine.end; ++i) {
        progress.check();
        progress.report(static_cast<double>(i - mine.begin) / static_cast<double>(mine.size()),
                        "step " + std::to_string(i + 1) + "/" + std::to_string(p.entries.size()) +
                            ": " + std::to_string(p.entries[i].step));
        auto dump = Dump::open(p.entries[i].path);
        const SourceSvd s =
            source_svd(*dump, p.source, p.left ? p.k : 0, p.left ? 0 : p.k, progress);
        CheckpointSeriesStep st;
        st.step = p.entries[i].step;
        st.file = p.entries[i].path;
        st.singular_values.assign(
            s.s.begin(), s.s.begin() + static_cast<std::ptrdiff_t>(std::min(p.k, s.s.size())));
        const Eigen::MatrixXd& b = p.left ? s.u : s.v;
        const Eigen::MatrixXd kept = b.middleCols(static_cast<Eigen::Index>(p.begin),
                                                  static_cast<Eigen::Index>(p.k - p.begin));
        st.rows = static_cast<std::size_t>(kept.rows());
        st.cols = static_cast<std::size_t>(kept.cols());
        st.basis.assign(kept.data(), kept.data() + kept.size());
        out.push_back(std::move(st));
    }
    return out;
}

CheckpointSeriesResult checkpoint_series_finish(const std::string& folder,
                                                const CheckpointSeriesOptions& options,
                                                std::vector<CheckpointSeriesStep> steps) {
    const Plan p = plan_of(folder, options);
    CheckpointSeriesResult r;
    r.matrix = options.matrix;
    r.side = p.left ? "left" : "right";
    r.k = p.k - p.begin;
    for (const CheckpointEntry& e : p.all)
        if (e.same_as >= 0) {
            const CheckpointEntry& same = p.all[static_cast<std::size_t>(e.same_as)];
            r.duplicates.push_back({e.step, same.step, e.path, same.path});
        }
    std::vector<Eigen::MatrixXd> bases;
    for (auto& st : steps) {
        if (!bases.empty() && st.rows != static_cast<std::size_t>(bases[0].rows()))
            throw InputError(st.file + ": '" + p.source.text + "' changes shape along the series");
        bases.push_back(Eigen::Map<const Eigen::MatrixXd>(st.basis.data(),
                                                          static_cast<Eigen::Index>(st.rows),
                                                          static_cast<Eigen::Index>(st.cols)));
        r.steps.push_back(st.step);
        r.files.push_back(std::move(st.file));
        r.singular_values.push_back(std::move(st.singular_values));
    }
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
    return r;
}

CheckpointSeriesResult checkpoint_series_analysis(const std::string& folder,
                                                  const CheckpointSeriesOptions& options,
                                                  Progress& progress) {
    CheckpointSeriesResult r = checkpoint_series_finish(
        folder, options, checkpoint_series_steps(folder, options, 0, 1, progress));
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
