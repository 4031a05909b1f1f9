// Checkpoint series of Hugging Face checkpoints (io/checkpoint_series.h): a Trainer output folder
// and a folder of hub revisions written by tests/fixtures/make_hf_series.py give their steps in
// order, flag the checkpoint whose weights are a byte copy of an earlier step's, and give the
// same singular values and angles over steps as the HDF5 series of the same weights.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "analysis/checkpoint_series_analysis.h"
#include "h5_read_test_support.h"
#include "io/checkpoint_series.h"
#include "io/dump.h"
#include "test_support.h"
#include "util/error.h"

namespace {

namespace fs = std::filesystem;

const std::string& dir() {
    return es::test::script_fixtures("make_hf_series.py");
}

std::string name_of(const std::string& path) {
    return fs::path(path).filename().string();
}

es::analysis::CheckpointSeriesResult series(const std::string& folder, const std::string& matrix,
                                            bool left) {
    es::analysis::CheckpointSeriesOptions o;
    o.matrix = matrix;
    o.top = 4;
    o.left = left;
    return es::analysis::checkpoint_series_analysis(folder, o, es::no_progress());
}

// Same steps, singular values and angles: the values are the same float32 numbers, read through
// another layout, so only summation order may differ.
void expect_same(const es::analysis::CheckpointSeriesResult& a,
                 const es::analysis::CheckpointSeriesResult& b, const std::string& what) {
    ASSERT_EQ(a.steps, b.steps) << what;
    ASSERT_EQ(a.k, b.k) << what;
    for (std::size_t i = 0; i < a.steps.size(); ++i) {
        ASSERT_EQ(a.singular_values[i].size(), b.singular_values[i].size()) << what;
        for (std::size_t j = 0; j < a.singular_values[i].size(); ++j)
            EXPECT_NEAR(a.singular_values[i][j], b.singular_values[i][j],
                        1e-9 * a.singular_values[i][0])
                << what << " step " << a.steps[i];
        ASSERT_EQ(a.angles_final[i].size(), b.angles_final[i].size()) << what;
        for (std::size_t j = 0; j < a.angles_final[i].size(); ++j)
            EXPECT_NEAR(a.angles_final[i][j], b.angles_final[i][j], 1e-6) << what;
        for (std::size_t j = 0; j < a.angles_prev[i].size(); ++j)
            EXPECT_NEAR(a.angles_prev[i][j], b.angles_prev[i][j], 1e-6) << what;
        if (i > 0) {
            EXPECT_NEAR(a.overlap_prev[i], b.overlap_prev[i], 1e-9) << what;
        }
    }
}

}  // namespace

TEST(HfSeries, TrainerFolderGivesStepsInOrderAndFlagsTheCopy) {
    ASSERT_FALSE(dir().empty()) << "make_hf_series.py could not write the checkpoints";
    const auto entries = es::list_checkpoint_series(dir() + "trainer");
    ASSERT_EQ(entries.size(), 4u);  // runs/ and README.md are not checkpoints
    const std::vector<long long> steps = {20, 100, 300, 500};
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(entries[i].step, steps[i]);
        EXPECT_TRUE(entries[i].step_from_attribute) << "from trainer_state.json";
        EXPECT_EQ(name_of(entries[i].path), "checkpoint-" + std::to_string(steps[i]));
    }
    EXPECT_EQ(entries[0].same_as, -1);
    EXPECT_EQ(entries[1].same_as, -1);
    EXPECT_EQ(entries[2].same_as, -1);
    EXPECT_EQ(entries[3].same_as, 2) << "checkpoint-500 holds checkpoint-300's weights";
    EXPECT_EQ(es::distinct_checkpoints(entries).size(), 3u);
    // The step is the checkpoint's own, for every reader of it.
    auto dump = es::Dump::open(entries[1].path);
    ASSERT_TRUE(dump->step().has_value());
    EXPECT_EQ(*dump->step(), 100);
}

TEST(HfSeries, RevisionFoldersTakeTheirStepsFromTheirNames) {
    ASSERT_FALSE(dir().empty());
    const auto entries = es::list_checkpoint_series(dir() + "revisions");
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].step, 20);
    EXPECT_EQ(entries[1].step, 100);
    EXPECT_EQ(entries[2].step, 300);
    for (const auto& e : entries) {
        EXPECT_FALSE(e.step_from_attribute);
        EXPECT_EQ(e.same_as, -1);
    }
}

TEST(HfSeries, NumbersEqualTheHdf5Series) {
    ASSERT_FALSE(dir().empty());
    for (const auto& [matrix, left] :
         std::vector<std::pair<std::string, bool>>{{"blocks.0.mlp.W_in", false},
                                                   {"blocks.1.mlp.W_out", true},
                                                   {"unembed.W_U", true},
                                                   {"blocks.1.attn.QK[2]", true},
                                                   {"blocks.0.attn.OV[1]", false},
                                                   {"embed.W_E:right:1-4", false}}) {
        const auto h5 = series(dir() + "h5series", matrix, left);
        ASSERT_EQ(h5.steps, (std::vector<long long>{20, 100, 300}));
        EXPECT_TRUE(h5.duplicates.empty());
        const auto trainer = series(dir() + "trainer", matrix, left);
        expect_same(h5, trainer, "trainer " + matrix);
        ASSERT_EQ(trainer.duplicates.size(), 1u);
        EXPECT_EQ(trainer.duplicates[0].step, 500);
        EXPECT_EQ(trainer.duplicates[0].same_as_step, 300);
        EXPECT_EQ(name_of(trainer.duplicates[0].file), "checkpoint-500");
        expect_same(h5, series(dir() + "revisions", matrix, left), "revisions " + matrix);
    }
    // The drift is real (not the zeros of a series compared with itself).
    const auto r = series(dir() + "trainer", "blocks.0.mlp.W_in", false);
    EXPECT_GT(r.angles_prev[1].back(), 1.0);
    const auto j = es::analysis::to_json(r);
    EXPECT_EQ(j["duplicates"][0]["same_as_step"], 300);
    EXPECT_EQ(j["steps"].size(), 3u);
}

TEST(HfSeries, ModelFolderOrSeries) {
    ASSERT_FALSE(dir().empty());
    EXPECT_FALSE(es::is_model_folder(dir() + "trainer"));
    EXPECT_TRUE(es::is_model_folder(dir() + "trainer/checkpoint-20"));
    EXPECT_TRUE(es::is_model_folder(dir() + "revisions/step20"));
    EXPECT_FALSE(es::is_model_folder(dir() + "revisions"));
    EXPECT_FALSE(es::is_model_folder(dir() + "h5series"));
    EXPECT_FALSE(es::is_model_folder(dir() + "h5series/step_20.h5"));
}

TEST(HfSeries, DamagedTrainerFoldersNameTheCheckpoint) {
    ASSERT_FALSE(dir().empty());
    try {
        es::list_checkpoint_series(dir() + "trainer_pickle");
        FAIL() << "a checkpoint with only pytorch_model.bin";
    } catch (const es::InputError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("checkpoint-10"), std::string::npos) << m;
        EXPECT_NE(m.find("pytorch_model.bin"), std::string::npos) << m;
    }
    try {
        es::list_checkpoint_series(dir() + "trainer_badstate");
        FAIL() << "global_step that is not a number";
    } catch (const es::InputError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("checkpoint-10/trainer_state.json"), std::string::npos) << m;
        EXPECT_NE(m.find("global_step"), std::string::npos) << m;
    }
}

TEST(HfSeries, CliSeriesOnATrainerFolder) {
    ASSERT_FALSE(dir().empty());
    const auto run =
        es::test::run_cli("series " + dir() + "trainer --matrix blocks.0.mlp.W_in --top 3 --json");
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const auto j = nlohmann::json::parse(run.out);
    EXPECT_EQ(j["steps"], (std::vector<long long>{20, 100, 300}));
    EXPECT_EQ(j["duplicates"][0]["step"], 500);
}
