#include "analysis/subspace_angles.h"

#include <sstream>

#include "analysis/matrix_source.h"
#include "analysis/subspace_spec.h"
#include "numerics/principal_angles.h"
#include "util/error.h"

namespace es::analysis {

SubspaceAnglesResult subspace_angles(const Dump& dump, const std::string& spec_a,
                                     const std::string& spec_b, Progress& progress) {
    const SubspaceSpec a = parse_subspace_spec(spec_a), b = parse_subspace_spec(spec_b);
    progress.report(0.0, "subspace A");
    const Eigen::MatrixXd qa = resolve_subspace(dump, a, progress);
    progress.report(0.5, "subspace B");
    const Eigen::MatrixXd qb = resolve_subspace(dump, b, progress);
    if (qa.rows() != qb.rows())
        throw InputError("subspaces live in different dimensions: '" + spec_a + "' in " +
                         std::to_string(qa.rows()) + ", '" + spec_b + "' in " +
                         std::to_string(qb.rows()));
    SubspaceAnglesResult r;
    r.a = spec_a;
    r.b = spec_b;
    r.ambient = static_cast<std::size_t>(qa.rows());
    r.dim_a = static_cast<std::size_t>(qa.cols());
    r.dim_b = static_cast<std::size_t>(qb.cols());
    r.angles_deg = numerics::subspace_angles_deg(qa, qb);
    r.overlap = numerics::subspace_overlap(r.angles_deg);
    progress.report(1.0, "angles done");
    return r;
}

nlohmann::json to_json(const SubspaceAnglesResult& r) {
    return {{"a", r.a},
            {"b", r.b},
            {"ambient", r.ambient},
            {"dim_a", r.dim_a},
            {"dim_b", r.dim_b},
            {"angles_deg", jnums(r.angles_deg)},
            {"overlap", jnum(r.overlap)}};
}

std::string to_csv(const SubspaceAnglesResult& r) {
    std::ostringstream os;
    os << "index,angle_deg\n";
    for (std::size_t i = 0; i < r.angles_deg.size(); ++i)
        os << i << "," << cnum(r.angles_deg[i]) << "\n";
    return os.str();
}

}  // namespace es::analysis
