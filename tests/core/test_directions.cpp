// `directions` (and the analogy and neighbour verbs) against numpy float64: a dump with a planted
// direction written at test time by tests/fixtures/make_directions.py, which also writes the
// expected numbers, computed independently in numpy. Tolerance 1e-6 (relative to the value, or
// absolute below 1): the states are float32 in the file, both sides accumulate in float64, so
// only summation order differs.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "h5_read_test_support.h"
#include "test_support.h"

using es::test::run_cli;
using nlohmann::json;

namespace {

const std::string& dir() {
    return es::test::script_fixtures("make_directions.py");
}

json expected() {
    return es::test::load_json(dir() + "expected.json");
}

void expect_near_values(const json& got, const json& want, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (want[i].is_array()) {
            expect_near_values(got[i], want[i], what + "[" + std::to_string(i) + "]");
            continue;
        }
        if (want[i].is_null()) {
            EXPECT_TRUE(got[i].is_null()) << what << "[" << i << "] = " << got[i];
            continue;
        }
        ASSERT_TRUE(got[i].is_number()) << what << "[" << i << "] = " << got[i];
        const double w = want[i].get<double>();
        EXPECT_NEAR(got[i].get<double>(), w, 1e-6 * std::max(1.0, std::abs(w)))
            << what << "[" << i << "]";
    }
}

json run_json(const std::string& args) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json();
}

void expect_matches(const json& got, const json& want, bool projection) {
    for (const char* k : {"consistency", "consistency_null", "direction_cos_prev", "separation"})
        expect_near_values(got[k], want[k], k);
    if (projection) expect_near_values(got["projection"], want["projection"], "projection");
}

}  // namespace

TEST(Directions, PairsMatchNumpy) {
    ASSERT_FALSE(dir().empty());
    const json got = run_json(
        "directions --json --projection --null-draws 4 --seed 7 "
        "--pairs king:queen,man:woman,boy:girl,prince:princess " +
        dir() + "directions.h5");
    const json want = expected()["pairs"];
    expect_matches(got, want, true);
    EXPECT_EQ(got["pairs"].size(), 4u);
    EXPECT_EQ(got["pairs"][0]["a"], "king");
    EXPECT_EQ(got["definition"], "pairs");
    // The planted direction grows: consistency far above its null at the last state.
    EXPECT_GT(got["consistency"].back().get<double>(),
              got["consistency_null"].back().get<double>() + 0.5);
    EXPECT_TRUE(got["projection"][2][2 * 40 + 7].is_null());  // the NaN state
}

TEST(Directions, GroupsWeightVectorAndPcMatchNumpy) {
    ASSERT_FALSE(dir().empty());
    const std::string f = dir() + "directions.h5";
    const std::string pairs = " --pairs king:queen,man:woman,boy:girl,prince:princess ";
    const json e = expected();
    expect_matches(
        run_json(
            "directions --json --projection --group-a king,man,boy --group-b queen,woman,girl " +
            f),
        e["groups"], true);
    expect_matches(
        run_json("directions --json --projection --null-draws 0 --weight W_U[queen]" + pairs + f),
        e["weight"], true);
    expect_matches(
        run_json("directions --json --projection --null-draws 0 --weight W_U[1]" + pairs + f),
        e["weight"], true);
    expect_matches(run_json("directions --json --projection --null-draws 0 --vector " + dir() +
                            "direction.npy" + pairs + f),
                   e["vector"], true);
    // The HDF5 copy of the vector is float32: its rounding moves projections by ~1e-7 relative.
    expect_matches(run_json("directions --json --projection --null-draws 0 --vector " + dir() +
                            "direction_vec.h5:/v" + pairs + f),
                   e["vector"], true);
    expect_matches(run_json("directions --json --projection --pc 1 " + f), e["pc"], true);
    expect_matches(run_json("directions --json --projection --pc 2@1 " + f), e["pc_at"], true);
}

TEST(Directions, CsvAgreesWithJson) {
    ASSERT_FALSE(dir().empty());
    const std::string args = "--pairs king:queen,man:woman " + dir() + "directions.h5";
    const json j = run_json("directions --json " + args);
    const auto c = run_cli("directions --csv " + args);
    ASSERT_EQ(c.exit_code, 0) << c.err;
    std::istringstream in(c.out);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "layer,name,consistency,consistency_null,direction_cos_prev,separation");
    for (std::size_t i = 0; i < j["layers"].size(); ++i) {
        ASSERT_TRUE(std::getline(in, line));
        std::vector<std::string> cells;
        std::istringstream ls(line);
        for (std::string cell; std::getline(ls, cell, ',');) cells.push_back(cell);
        ASSERT_GE(cells.size(), 6u) << line;
        EXPECT_DOUBLE_EQ(std::stod(cells[5]), j["separation"][i].get<double>());
    }
}

TEST(Directions, BadInputExitsTwoNamingIt) {
    ASSERT_FALSE(dir().empty());
    const std::string f = dir() + "directions.h5";
    auto r = run_cli("directions --json --pairs king:queene " + f);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("'queene'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("directions.h5"), std::string::npos) << r.err;
    r = run_cli("directions --json --pairs king:9999 " + f);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("9999"), std::string::npos) << r.err;
    r = run_cli("directions --json --vector " + dir() + "nope.npy " + f);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("nope.npy"), std::string::npos) << r.err;
    r = run_cli("directions --json --vector " + dir() + "direction_vec.h5:/w " + f);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("/w"), std::string::npos) << r.err;
    EXPECT_EQ(run_cli("directions --json " + f).exit_code, 2);  // no definition
    EXPECT_EQ(run_cli("directions --json --weight W_Q[king] " + f).exit_code, 2);
    EXPECT_EQ(run_cli("directions --json --pc 0 " + f).exit_code, 2);
    EXPECT_EQ(run_cli("directions --json --pairs king " + f).exit_code, 2);
}

TEST(Directions, TokensByTrimmedTextAndQuotes) {
    ASSERT_FALSE(dir().empty());
    const std::string f = dir() + "directions.h5";
    // "king" matches exactly (not " king"); "'river'" is text; "' king'" keeps its space.
    const json a = run_json("directions --json --pairs \"' king':queen,river:'dog'\" " + f);
    ASSERT_EQ(a["pairs"].size(), 2u);
    EXPECT_EQ(a["pairs"][0]["a"], " king");
    EXPECT_GT(a["pairs"][0]["a_count"].get<int>(), 0);
    EXPECT_EQ(a["pairs"][1]["b"], "dog");
}

namespace {

void expect_analogy(const json& got, const json& want, const std::string& what) {
    ASSERT_EQ(got["results"].size(), want["results"].size()) << what;
    for (std::size_t i = 0; i < want["results"].size(); ++i) {
        EXPECT_EQ(got["results"][i]["token"], want["results"][i]["token"]) << what << " #" << i;
        EXPECT_NEAR(got["results"][i]["cosine"].get<double>(),
                    want["results"][i]["cosine"].get<double>(), 1e-6)
            << what << " #" << i;
    }
    EXPECT_EQ(got["expected"]["rank"], want["expected_rank"]) << what;
}

}  // namespace

TEST(Analogy, StatesRawAndNormalizedMatchNumpy) {
    ASSERT_FALSE(dir().empty());
    const std::string f = dir() + "directions.h5";
    const json e = expected()["analogy"];
    for (const char* mode : {"raw", "normalized"}) {
        const std::string norm = std::string(mode) == "raw" ? "" : " --normalize";
        const json all = run_json("analogy --json --all-layers --top 5 --expect queen" + norm +
                                  " " + f + " \"king - man + woman\"");
        ASSERT_EQ(all["layers"].size(), e[mode].size());
        for (std::size_t l = 0; l < e[mode].size(); ++l)
            expect_analogy(all["layers"][l], e[mode][l],
                           std::string(mode) + " layer " + std::to_string(l));
        // One layer: the same numbers, at the top level.
        const json one = run_json("analogy --json --layer 3 --top 5 --expect queen" + norm + " " +
                                  f + " \"king -man +woman\"");
        EXPECT_EQ(one["layer"], 3);
        EXPECT_EQ(one["normalized"], std::string(mode) != "raw");
        expect_analogy(one, e[mode][3], std::string(mode) + " --layer 3");
    }
}

TEST(Analogy, WeightSourcesMatchNumpy) {
    ASSERT_FALSE(dir().empty());
    const std::string f = dir() + "directions.h5";
    const json e = expected()["analogy"];
    expect_analogy(
        run_json("analogy --json --source embed.W_E --normalize --top 5 --expect queen " + f +
                 " \"king - man + woman\""),
        e["W_E"], "W_E");
    expect_analogy(run_json("analogy --json --source unembed.W_U --top 5 --expect queen " + f +
                            " \"king - man + woman\""),
                   e["W_U"], "W_U");
    auto r = run_cli("analogy --json " + f + " \"king - man + wonan\"");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("'wonan'"), std::string::npos) << r.err;
    EXPECT_EQ(run_cli("analogy --json " + f + " \"king man\"").exit_code, 2);
    EXPECT_EQ(run_cli("analogy --json --source W_Q " + f + " \"king - man\"").exit_code, 2);
}

TEST(Neighbours, ExactMatchesNumpy) {
    ASSERT_FALSE(dir().empty());
    const std::string f = dir() + "directions.h5";
    const json e = expected()["neighbours"];
    for (const char* metric : {"cosine", "euclidean"}) {
        const json got =
            run_json(std::string("neighbours --json --token 5 --layer 3 --k 7 --metric ") + metric +
                     " " + f);
        EXPECT_EQ(got["method"], "exact");
        ASSERT_EQ(got["neighbours"].size(), e[metric].size()) << metric;
        for (std::size_t i = 0; i < e[metric].size(); ++i) {
            EXPECT_EQ(got["neighbours"][i]["token_index"], e[metric][i]["token_index"])
                << metric << i;
            EXPECT_NEAR(got["neighbours"][i]["score"].get<double>(),
                        e[metric][i]["score"].get<double>(), 1e-6)
                << metric << " #" << i;
        }
    }
    // Every other finite state in order, the NaN one (2:7 at state 2) left out; one slab per
    // thread or many, the same answer.
    for (const char* threads : {"1", "2"}) {
        const json all =
            run_json(std::string("neighbours --json --token 0 --layer 2 --k 119 --threads ") +
                     threads + " " + f);
        ASSERT_EQ(all["neighbours"].size(), e["cosine_l2"].size());
        for (std::size_t i = 0; i < e["cosine_l2"].size(); ++i)
            EXPECT_EQ(all["neighbours"][i]["token_index"], e["cosine_l2"][i]["token_index"]) << i;
    }
}

TEST(Neighbours, HnswIndexRecallAndReuse) {
    ASSERT_FALSE(dir().empty());
    const std::string f = dir() + "directions.h5", index = dir() + "l3.hnsw";
    // On 120 states with ef 200 the graph search is exhaustive in practice: recall 1.
    const json a =
        run_json("neighbours --json --token 5 --layer 3 --k 7 --method hnsw --recall --index " +
                 index + " " + f);
    EXPECT_EQ(a["method"], "hnsw");
    EXPECT_DOUBLE_EQ(a["recall"].get<double>(), 1.0);
    const json want = expected()["neighbours"]["cosine"];
    for (std::size_t i = 0; i < want.size(); ++i)
        EXPECT_NEAR(a["neighbours"][i]["score"].get<double>(), want[i]["score"].get<double>(),
                    1e-6);
    std::ifstream saved(index);
    EXPECT_TRUE(saved.good()) << "the index is kept for the next query";
    const json b =
        run_json("neighbours --json --token 9 --layer 3 --k 3 --method hnsw --recall --index " +
                 index + " " + f);
    EXPECT_DOUBLE_EQ(b["recall"].get<double>(), 1.0);
    EXPECT_EQ(run_cli("neighbours --json --token 999 --layer 3 " + f).exit_code, 2);
    EXPECT_EQ(run_cli("neighbours --json --token 5 --layer 3 --metric manhattan " + f).exit_code,
              2);
    EXPECT_EQ(run_cli("neighbours --json --token 2:7 --layer 2 " + f).exit_code, 2);  // NaN state
}

TEST(Directions, TheThreadCountChangesNothing) {
    ASSERT_FALSE(dir().empty());
    const std::string args =
        "directions --json --projection --pairs king:queen,man:woman,boy:girl " + dir() +
        "directions.h5 --threads ";
    const auto one = run_cli(args + "1"), two = run_cli(args + "2");
    ASSERT_EQ(one.exit_code, 0) << one.err;
    EXPECT_EQ(one.out, two.out);
}

TEST(Analogy, TokensWithoutTextAreTheirIds) {
    // hf_batched.h5 has token ids and no strings: every id is a candidate of its own, named
    // "id N" in CSV and by its id in JSON (it would otherwise be one candidate, "").
    const auto r = run_cli("analogy --json --top 3 " + es::test::fixture("good/hf_batched.h5") +
                           " \"0 - 1 + 2\"");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = json::parse(r.out);
    EXPECT_EQ(j["candidates"], 7);  // 10 distinct ids, the 3 of the query left out
    ASSERT_EQ(j["results"].size(), 3u);
    EXPECT_TRUE(j["results"][0].contains("id"));
    const auto c = run_cli("analogy --csv --top 1 " + es::test::fixture("good/hf_batched.h5") +
                           " \"0 - 1 + 2\"");
    EXPECT_NE(c.out.find(",id "), std::string::npos) << c.out;
}
