// Colouring tokens by their string and by per-token metadata columns (token_meta/, issue 23):
// the columns as Dump reads them from a dump h5py wrote, the categories (most frequent first,
// the rest "other") and the value range, the CLI's --color-by JSON, and bad columns refused
// with the file and dataset named.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/token_coloring.h"
#include "h5_read_test_support.h"
#include "io/dump.h"
#include "test_support.h"
#include "util/error.h"

namespace {

class TokenMetaDump : public testing::Test {
protected:
    void SetUp() override { ASSERT_FALSE(dir.empty()) << "h5py could not write the fixtures"; }
    const std::string& dir = es::test::script_fixtures("make_token_meta.py");
};

const es::TokenColumn& column(const es::Dump& d, const std::string& name) {
    for (const auto& c : d.token_columns())
        if (c.name == name) return c;
    throw std::runtime_error("no column " + name);
}

TEST_F(TokenMetaDump, ColumnsAreReadOnePerToken) {
    auto dump = es::Dump::open(dir + "token_meta.h5");
    ASSERT_EQ(dump->tokens().size(), 12u);
    ASSERT_EQ(dump->token_columns().size(), 3u);
    // In name order.
    EXPECT_EQ(dump->token_columns()[0].name, "cluster");
    EXPECT_EQ(dump->token_columns()[1].name, "pos");
    EXPECT_EQ(dump->token_columns()[2].name, "sentiment");
    const auto& s = column(*dump, "sentiment");
    EXPECT_FALSE(s.categorical);
    ASSERT_EQ(s.values.size(), 12u);
    for (std::size_t i = 0; i < 12; ++i) {
        if (i == 3) {
            EXPECT_TRUE(std::isnan(s.values[i]));
            continue;
        }
        // linspace(-1, 1, 12) stored as float32: within float32's rounding.
        const double want = -1.0 + 2.0 * double(i) / 11.0;
        EXPECT_NEAR(s.values[i], want, 1e-7) << i;
    }
    const auto& pos = column(*dump, "pos");
    EXPECT_TRUE(pos.categorical);
    ASSERT_EQ(pos.labels.size(), 12u);
    EXPECT_EQ(pos.labels[5], "PUNCT");
    EXPECT_EQ(pos.labels[9], "PUNCT");
    const auto& cluster = column(*dump, "cluster");
    EXPECT_TRUE(cluster.categorical);  // numbers, with categorical = 1
    ASSERT_EQ(cluster.labels.size(), 12u);
    EXPECT_EQ(cluster.labels[0], "0");
    EXPECT_EQ(cluster.labels[11], "2");
}

TEST_F(TokenMetaDump, TokensByStringMostFrequentFirst) {
    auto dump = es::Dump::open(dir + "token_meta.h5");
    const auto c = es::analysis::token_coloring(dump->tokens(), dump->token_columns(), "token", 3);
    EXPECT_TRUE(c.categorical);
    // " the" 4 times; " sat" and "." twice each (" sat" appears first); four more once each.
    EXPECT_EQ(c.categories, (std::vector<std::string>{" the", " sat", "."}));
    EXPECT_EQ(c.counts, (std::vector<std::size_t>{4, 2, 2}));
    EXPECT_EQ(c.other_kinds, 4u);
    EXPECT_EQ(c.other_count, 4u);
    // The same string, the same category; every other string "other" (-1).
    EXPECT_EQ(c.category, (std::vector<int>{0, -1, 1, 0, -1, 2, 0, -1, 1, 2, 0, -1}));
    const auto all = es::analysis::token_coloring(dump->tokens(), dump->token_columns(), "token");
    EXPECT_EQ(all.categories.size(), 7u);  // room for every string: no "other"
    EXPECT_EQ(all.other_count, 0u);
}

TEST_F(TokenMetaDump, ColumnsByCategoryAndByValue) {
    auto dump = es::Dump::open(dir + "token_meta.h5");
    const auto pos = es::analysis::token_coloring(dump->tokens(), dump->token_columns(), "pos");
    EXPECT_EQ(pos.categories, (std::vector<std::string>{"DET", "NOUN", "VERB", "PUNCT"}));
    EXPECT_EQ(pos.counts, (std::vector<std::size_t>{4, 4, 2, 2}));
    EXPECT_EQ(pos.category, (std::vector<int>{0, 1, 2, 0, 1, 3, 0, 1, 2, 3, 0, 1}));
    const auto cl = es::analysis::token_coloring(dump->tokens(), dump->token_columns(), "cluster");
    EXPECT_EQ(cl.categories, (std::vector<std::string>{"0", "1", "2"}));
    const auto s = es::analysis::token_coloring(dump->tokens(), dump->token_columns(), "sentiment");
    EXPECT_FALSE(s.categorical);
    EXPECT_NEAR(s.low, -1.0, 1e-7);  // the NaN is left out of the range
    EXPECT_NEAR(s.high, 1.0, 1e-7);
    try {
        es::analysis::token_coloring(dump->tokens(), dump->token_columns(), "mood");
        FAIL() << "an unknown column was accepted";
    } catch (const es::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("choices: token, cluster, pos, sentiment"),
                  std::string::npos)
            << e.what();
    }
}

TEST_F(TokenMetaDump, BadColumnsNameFileAndDataset) {
    for (const auto& [file, words] : std::vector<std::pair<std::string, std::string>>{
             {"token_meta_bad.h5", "/token_meta/short: has 11 values"},
             {"token_meta_bool.h5", "/token_meta/flag: a token metadata column must hold"}}) {
        try {
            es::Dump::open(dir + file);
            FAIL() << file << " was accepted";
        } catch (const es::InputError& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find(file), std::string::npos) << what;
            EXPECT_NE(what.find(words), std::string::npos) << what;
        }
    }
}

TEST_F(TokenMetaDump, ProjectColorByWritesTheLegend) {
    const auto run = es::test::run_cli("project " + dir + "token_meta.h5 --color-by pos --json");
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const auto j = nlohmann::json::parse(run.out);
    EXPECT_EQ(j["coloring"]["by"], "pos");
    EXPECT_EQ(j["coloring"]["legend"]["categories"][0]["name"], "DET");
    EXPECT_EQ(j["coloring"]["legend"]["categories"][0]["tokens"], 4);
    EXPECT_EQ(j["coloring"]["token_category"][5], 3);
    EXPECT_EQ(j["coordinates"].size(), 3u);  // the projection is still there
    const auto bad = es::test::run_cli("project " + dir + "token_meta.h5 --color-by mood --json");
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("mood"), std::string::npos) << bad.err;
    const auto num =
        es::test::run_cli("project " + dir + "token_meta.h5 --color-by sentiment --json");
    ASSERT_EQ(num.exit_code, 0) << num.err;
    const auto n = nlohmann::json::parse(num.out);
    EXPECT_TRUE(n["coloring"]["token_value"][3].is_null());  // the NaN
    EXPECT_NEAR(n["coloring"]["legend"]["high"].get<double>(), 1.0, 1e-7);
}

}  // namespace
