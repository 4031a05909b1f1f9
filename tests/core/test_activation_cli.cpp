// The analysis verbs as processes: exit codes, JSON keys, CSV numbers equal JSON numbers.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "test_support.h"

using es::test::CliRun;
using es::test::run_cli;

namespace {

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> cells;
        std::string cell;
        std::istringstream ls(line);
        while (std::getline(ls, cell, ',')) cells.push_back(cell);
        if (!line.empty() && line.back() == ',') cells.push_back("");
        rows.push_back(cells);
    }
    return rows;
}

const std::string synth = es::test::fixture("good/analysis_synth.h5");
const std::string tl = es::test::fixture("good/tl_nonfinite.h5");

}  // namespace

TEST(AnalysisCli, TrajectoryJsonAndCsvAgree) {
    CliRun j = run_cli("trajectory --json " + tl);
    ASSERT_EQ(j.exit_code, 0) << j.err;
    auto js = nlohmann::json::parse(j.out);
    for (const char* k : {"stream", "layers", "tokens", "norm", "cos_prev", "cos_first",
                          "growth_ratio", "excluded_tokens"})
        EXPECT_TRUE(js.contains(k)) << k;
    EXPECT_EQ(js["excluded_tokens"], 2);
    EXPECT_TRUE(js["cos_prev"]["mean"][0].is_null());
    CliRun c = run_cli("trajectory --csv " + tl);
    ASSERT_EQ(c.exit_code, 0) << c.err;
    auto rows = csv_rows(c.out);
    ASSERT_EQ(rows.size(), js["layers"].size() + 1);
    for (std::size_t l = 0; l < js["layers"].size(); ++l) {
        EXPECT_DOUBLE_EQ(std::stod(rows[l + 1][2]), js["norm"]["mean"][l].get<double>());
        EXPECT_DOUBLE_EQ(std::stod(rows[l + 1][13]), js["cos_first"]["p90"][l].get<double>());
    }
    EXPECT_EQ(rows[1][6], "");  // null cos_prev of the first layer is an empty cell
}

TEST(AnalysisCli, SpectrumCkaAndOthers) {
    CliRun s = run_cli("spectrum --json --layer 2 --top 3 " + synth);
    ASSERT_EQ(s.exit_code, 0) << s.err;
    auto js = nlohmann::json::parse(s.out);
    for (const char* k : {"layer", "centered", "singular_values", "explained_variance_ratio",
                          "effective_rank", "participation_ratio"})
        EXPECT_TRUE(js.contains(k)) << k;
    EXPECT_EQ(js["components"].size(), 3u);
    CliRun sc = run_cli("spectrum --csv --layer 2 " + synth);
    auto rows = csv_rows(sc.out);
    EXPECT_DOUBLE_EQ(std::stod(rows[1][4]), js["singular_values"][0].get<double>());
    CliRun all = run_cli("spectrum --json --all-layers --uncentered " + synth);
    ASSERT_EQ(all.exit_code, 0);
    EXPECT_EQ(nlohmann::json::parse(all.out)["layers"].size(), 5u);

    CliRun k = run_cli("cka --json " + synth);
    ASSERT_EQ(k.exit_code, 0) << k.err;
    auto kj = nlohmann::json::parse(k.out);
    EXPECT_EQ(kj["matrix"].size(), kj["layers"].size());
    CliRun kc = run_cli("cka --csv " + synth);
    auto krows = csv_rows(kc.out);
    EXPECT_DOUBLE_EQ(std::stod(krows[2][3]), kj["matrix"][1][2].get<double>());

    for (const std::string& args :
         {"equaliser --json --layer 1 --token 1:3 --bands 8 --normalize " + synth,
          "equaliser --csv --layer 1 --token 5 --basis dims " + synth,
          "project --json --spherize " + synth, "project --csv --axes 0-1,2-3@1 " + synth,
          "timescales --json --components 3 " + synth,
          "lens --json --token 0:4 --top 3 " + synth}) {
        CliRun r = run_cli(args);
        EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
        EXPECT_FALSE(r.out.empty()) << args;
        EXPECT_EQ(r.out.find("NaN"), std::string::npos) << args;
    }
}

TEST(AnalysisCli, ExitCodes) {
    EXPECT_EQ(run_cli("spectrum --json " + synth).exit_code,
              2);  // neither --layer nor --all-layers
    EXPECT_EQ(run_cli("spectrum --layer 1 " + synth).exit_code, 2);  // neither --json nor --csv
    EXPECT_EQ(run_cli("spectrum --json --layer 99 " + synth).exit_code, 2);       // out of range
    EXPECT_EQ(run_cli("trajectory --json --stream nope " + synth).exit_code, 2);  // unknown stream
    EXPECT_EQ(run_cli("lens --json --token 9:9 " + synth).exit_code, 2);          // bad token
    EXPECT_EQ(run_cli("lens --json --token 0 " + es::test::fixture("good/hf_batched.h5")).exit_code,
              2);                                                           // no W_U
    EXPECT_EQ(run_cli("project --json --axes 0-0 " + synth).exit_code, 2);  // zero axis
    CliRun two = run_cli("cka --json " + synth + " " + tl);
    EXPECT_EQ(two.exit_code, 2);
    EXPECT_NE(two.err.find("analysis_synth.h5"), std::string::npos);
    EXPECT_NE(two.err.find("tl_nonfinite.h5"), std::string::npos);
    EXPECT_EQ(run_cli("equaliser --json --layer 1 --token x " + synth).exit_code, 2);
    EXPECT_EQ(run_cli("timescales --json " + es::test::fixture("bad/truncated.h5")).exit_code, 2);
}
