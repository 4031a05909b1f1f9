// Directions as 3D axes (`project --axes "pairs(king:queen)@3, pc1@2"`) and as the equaliser's
// bars (`equaliser --directions ...`) against numpy float64: the dump with a planted direction and
// the expected numbers are written at test time by tests/fixtures/make_direction_axes.py.
// Tolerance 1e-6 (relative, or absolute below 1): float32 states, float64 sums on both sides.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "analysis/axis_spec.h"
#include "analysis/direction_spec.h"
#include "h5_read_test_support.h"
#include "io/dump.h"
#include "test_support.h"
#include "util/error.h"

using es::test::run_cli;
using nlohmann::json;
namespace an = es::analysis;

namespace {

const std::string& dir() {
    return es::test::script_fixtures("make_direction_axes.py");
}

json expected() {
    return es::test::load_json(dir() + "expected.json");
}

void expect_near(const json& got, const json& want, const std::string& what) {
    if (want.is_null()) {
        EXPECT_TRUE(got.is_null()) << what << " = " << got;
        return;
    }
    if (want.is_array()) {
        ASSERT_TRUE(got.is_array()) << what << " = " << got;
        ASSERT_EQ(got.size(), want.size()) << what;
        for (std::size_t i = 0; i < want.size(); ++i)
            expect_near(got[i], want[i], what + "[" + std::to_string(i) + "]");
        return;
    }
    ASSERT_TRUE(got.is_number()) << what << " = " << got;
    const double w = want.get<double>();
    EXPECT_NEAR(got.get<double>(), w, 1e-6 * std::max(1.0, std::abs(w))) << what;
}

json run_json(const std::string& args) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json();
}

// The first `n` axes and every state's first `n` coordinates against numpy's.
void expect_axes(const json& got, const json& want, std::size_t n, const std::string& what) {
    ASSERT_TRUE(got.contains("coordinates")) << what;
    for (std::size_t a = 0; a < n; ++a)
        expect_near(got["axes"][a], want["axes"][a], what + " axis " + std::to_string(a));
    const json& wc = want["coordinates"];
    ASSERT_EQ(got["coordinates"].size(), wc.size());
    for (std::size_t l = 0; l < wc.size(); ++l)
        for (std::size_t t = 0; t < wc[l].size(); ++t) {
            const std::string at = what + " state " + std::to_string(l) + "," + std::to_string(t);
            const json& g = got["coordinates"][l][t];
            if (wc[l][t].is_null()) {
                EXPECT_TRUE(g.is_null()) << at;
                continue;
            }
            ASSERT_TRUE(g.is_array()) << at;
            for (std::size_t a = 0; a < n; ++a) expect_near(g[a], wc[l][t][a], at);
        }
}

}  // namespace

TEST(DirectionAxes, ProjectionOnDirectionAxesMatchesNumpy) {
    ASSERT_FALSE(dir().empty());
    const std::string f = dir() + "directions.h5";
    const json e = expected();
    json got = run_json("project --json --axes 'pairs(king:queen,man:woman)@3, pc1@2' " + f);
    expect_axes(got, e["pairs_pc"], 2, "pairs_pc");
    EXPECT_EQ(got["axis_labels"][0], "pairs(king:queen,man:woman)@3");
    EXPECT_EQ(got["axis_labels"][1], "pc1@2");
    EXPECT_EQ(got["axis_labels"][2], "PC1'");  // the third filled by PCA
    got =
        run_json("project --json --axes 'W_U[queen], groups(king,man,boy|queen,woman,girl)' " + f);
    expect_axes(got, e["weight_groups"], 2, "weight_groups");
    EXPECT_EQ(got["axis_labels"][1], "groups(king,man,boy|queen,woman,girl)@4");  // default layer
    got =
        run_json("project --json --axes-layer 1 --axes 'vector(" + dir() + "direction.npy)' " + f);
    expect_axes(got, e["vector"], 1, "vector");
    // A direction and a token difference mix.
    got = run_json("project --json --axes 'pairs(king:queen)@3, 0-1@2' " + f);
    EXPECT_EQ(got["axis_labels"][1], "0-1@2");
}

TEST(DirectionAxes, EqualiserEnergiesAlongDirectionsMatchNumpy) {
    ASSERT_FALSE(dir().empty());
    const std::string f = dir() + "directions.h5";
    const json e = expected()["equaliser"];
    const std::string dirs =
        " --directions 'pairs(king:queen), pairs(man:woman)@2, W_U[queen], pc1' ";
    json got = run_json("equaliser --json --layer 3 --token 1" + dirs + f);
    EXPECT_EQ(got["basis"], "directions");
    ASSERT_EQ(got["directions"].size(), 4u);
    EXPECT_EQ(got["directions"][1], "pairs(man:woman)@2");
    expect_near(got["frames"]["energies"], e["raw"], "raw frames");
    expect_near(got["bands"], e["raw"][3], "bands at layer 3");
    expect_near(got["energies"], e["raw"][3], "energies at layer 3");
    got = run_json("equaliser --json --normalize --layer 3 --token 1" + dirs + f);
    expect_near(got["frames"]["energies"], e["normalized"], "normalised frames");
    // The token whose state 2 is NaN: that frame is null, the others are numbers.
    got = run_json("equaliser --json --layer 3 --token 87" + dirs + f);
    expect_near(got["frames"]["energies"], e["nan_token"], "NaN token frames");
    const auto csv = run_cli("equaliser --csv --layer 3 --token 1" + dirs + f);
    EXPECT_EQ(csv.exit_code, 0) << csv.err;
    EXPECT_NE(csv.out.find("band,first_component,end_component,energy"), std::string::npos);
}

TEST(DirectionAxes, BadSpecsAreClearErrors) {
    ASSERT_FALSE(dir().empty());
    const std::string f = dir() + "directions.h5";
    auto r = run_cli("project --json --axes 'pairs(king:queene)@3' " + f);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("'queene'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("directions.h5"), std::string::npos) << r.err;
    r = run_cli("equaliser --json --layer 1 --token 1 --directions 'W_Q[king]' " + f);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("W_Q[king]"), std::string::npos) << r.err;
    r = run_cli("equaliser --json --layer 1 --token 1 --basis pca --directions pc1 " + f);
    EXPECT_NE(r.exit_code, 0);
    auto dump = es::Dump::open(f);
    const es::StreamInfo& s = dump->stream("");
    for (const char* bad : {"pairs(king)", "pairs(king:queen", "pc0", "pc1@99", "pc1@x",
                            "W_U[queen]@2", "groups(king,man)", "pairs(king:queen),,pc1",
                            "vector()", "pairs(king:queen)@3,pc1,pc2,pc3"}) {
        try {
            an::parse_axes(bad, *dump, s, 1);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const es::InputError& err) {
            EXPECT_FALSE(std::string(err.what()).empty()) << bad;
        }
    }
    // Commas inside a direction's brackets and quotes do not split the list.
    EXPECT_EQ(an::split_specs("pairs(a:b,c:d)@1, W_U[','], 'x,y'-z").size(), 3u);
    EXPECT_TRUE(an::is_direction("pc12@3"));
    EXPECT_FALSE(an::is_direction("12-13@3"));
}
