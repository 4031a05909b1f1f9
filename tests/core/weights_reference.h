#pragma once
// Shared by the weight/head/subspace tests: the float64 reference values written by
// tests/reference/reference_weights.py, and relative comparison of value lists.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "test_support.h"

namespace es::test {

inline const nlohmann::json& weights_reference() {
    static const nlohmann::json j =
        load_json(fixture("../reference/expected/weights_reference.json"));
    return j;
}

// |a - b| <= rel * max(|b|, floor) elementwise; sizes equal.
inline void expect_close(const std::vector<double>& got, const nlohmann::json& want, double rel,
                         const std::string& what, double floor = 1e-6) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double w = want[i].get<double>();
        EXPECT_NEAR(got[i], w, rel * std::max(std::abs(w), floor)) << what << " [" << i << "]";
    }
}

}  // namespace es::test
