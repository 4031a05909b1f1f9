#pragma once
// Principal angles between two subspaces of one dump named by SPECs (see subspace_spec.h):
// angles in degrees ascending (Knyazev-Argentati sine form for small angles) and the overlap
// mean cos^2. Both subspaces must live in the same ambient dimension. No Qt.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

struct SubspaceAnglesResult {
    std::string a, b;
    std::size_t ambient = 0, dim_a = 0, dim_b = 0;
    std::vector<double> angles_deg;  // min(dim_a, dim_b), ascending
    double overlap = 0;
};

SubspaceAnglesResult subspace_angles(const Dump& dump, const std::string& spec_a,
                                     const std::string& spec_b, Progress& progress);

// {"a", "b", "ambient", "dim_a", "dim_b", "angles_deg", "overlap"}
nlohmann::json to_json(const SubspaceAnglesResult& r);
std::string to_csv(const SubspaceAnglesResult& r);  // index,angle_deg

}  // namespace es::analysis
