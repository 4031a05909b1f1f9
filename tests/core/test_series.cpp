// Checkpoint series: ordered by the `step` attribute, else by the number in the file name.
#include <gtest/gtest.h>

#include <filesystem>

#include "io/checkpoint_series.h"
#include "test_support.h"
#include "util/error.h"

TEST(CheckpointSeries, OrdersByStepAttributeThenFileName) {
    auto entries = es::list_checkpoint_series(es::test::fixture("series"));
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(std::filesystem::path(entries[0].path).filename(), "step_50.h5");
    EXPECT_EQ(entries[0].step, 50);
    EXPECT_FALSE(entries[0].step_from_attribute);
    EXPECT_EQ(std::filesystem::path(entries[1].path).filename(), "ckpt_b.h5");
    EXPECT_EQ(entries[1].step, 200);
    EXPECT_TRUE(entries[1].step_from_attribute);
    EXPECT_EQ(entries[2].step, 1000);
}

TEST(CheckpointSeries, NumberInFileName) {
    EXPECT_EQ(es::step_from_file_name("/a/run3/ckpt_step_001200.h5"), 1200);
    EXPECT_EQ(es::step_from_file_name("final.h5"), -1);
}

TEST(CheckpointSeries, BadFolders) {
    EXPECT_THROW(es::list_checkpoint_series(es::test::fixture("good/tl_bf16.h5")), es::InputError);
    const auto empty = std::filesystem::temp_directory_path() / "eigenscope_empty_series";
    std::filesystem::create_directories(empty);
    EXPECT_THROW(es::list_checkpoint_series(empty.string()), es::InputError);
    std::filesystem::remove(empty);
    // A folder with a bad file names that file.
    try {
        es::list_checkpoint_series(es::test::fixture("bad"));
        FAIL();
    } catch (const es::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("/bad/"), std::string::npos);
    }
}
