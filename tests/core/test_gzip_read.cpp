// The gzip fast path (io/gzip_chunks.h) against HDF5's own filter pipeline: bit-identical
// float32 for every dtype, filter combination, chunk shape and hyperslab, proof that the fast
// path ran, fallback for what it does not handle, and a corrupt chunk reported as InputError.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "h5_read_test_support.h"
#include "io/dump.h"
#include "io/gzip_chunks.h"
#include "io/h5.h"
#include "io/slab.h"
#include "util/error.h"

namespace {

using es::test::Hyperslab;
using es::test::same_bits;
using es::test::slabs_for;

namespace gz = es::gzip_chunks;

// Written once per process by Debian's h5py (see the script).
const std::string& fixture_dir() {
    static const es::test::ScriptFixtures dir("make_gzip_fixtures.py");
    return dir.path;
}

// Restores the process-wide mode whatever a test does.
struct ModeGuard {
    gz::Mode saved = gz::mode();
    ~ModeGuard() { gz::set_mode(saved); }
};

class GzipFile {
public:
    explicit GzipFile(const std::string& path)
        : file_(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)) {}
    bool ok() const { return file_.valid(); }

    // Reads one hyperslab through the given mode; false when the dataset is not readable.
    std::vector<float> read(const std::string& name, const Hyperslab& h, gz::Mode mode) {
        es::h5::Id ds(H5Dopen2(file_.get(), name.c_str(), H5P_DEFAULT));
        EXPECT_TRUE(ds.valid()) << name;
        const es::h5::DatasetFacts facts = es::h5::inspect_dataset(ds.get());
        es::DType dtype{};
        std::string why;
        EXPECT_TRUE(es::classify_dtype(facts, dtype, why)) << why;
        std::size_t n = 1;
        for (hsize_t c : h.count) n *= c;
        std::vector<float> out(n, -12345.0f);
        gz::set_mode(mode);
        es::read_hyperslab_f32(ds.get(), facts, dtype, h.start, h.count, out.data());
        return out;
    }
    es::h5::DatasetFacts facts(const std::string& name) {
        es::h5::Id ds(H5Dopen2(file_.get(), name.c_str(), H5P_DEFAULT));
        return es::h5::inspect_dataset(ds.get());
    }

private:
    es::h5::Id file_;
};

TEST(GzipRead, FastPathBitIdenticalToHdf5) {
    ASSERT_FALSE(fixture_dir().empty()) << "h5py could not write the fixtures";
    ModeGuard guard;
    GzipFile f(fixture_dir() + "gzip.h5");
    ASSERT_TRUE(f.ok());
    int compared = 0;
    for (const char* dtype : {"f2", "f4", "f8", "bf16"})
        for (const char* filters : {"shuffle", "plain"})
            for (const char* name : {"edge3d", "rows3d", "single", "mat2d"}) {
                const std::string path = std::string(dtype) + "/" + filters + "/" + name;
                const auto facts = f.facts(path);
                es::DType t{};
                std::string why;
                ASSERT_TRUE(es::classify_dtype(facts, t, why)) << path;
                EXPECT_TRUE(gz::eligible(facts, t)) << path;
                for (const Hyperslab& h : slabs_for(facts.shape)) {
                    const std::uint64_t before = gz::chunks_decoded();
                    const auto fast = f.read(path, h, gz::Mode::Force);
                    EXPECT_GT(gz::chunks_decoded(), before) << path << ": fast path not taken";
                    const auto slow = f.read(path, h, gz::Mode::Off);
                    EXPECT_TRUE(same_bits(fast, slow)) << path;
                    EXPECT_NE(slow[0], -12345.0f) << path;
                    ++compared;
                }
            }
    EXPECT_EQ(compared, 4 * 2 * (3 * 6 + 4));
}

TEST(GzipRead, AutoModeTakesFastPathForWholeChunksOnly) {
    ASSERT_FALSE(fixture_dir().empty());
    ModeGuard guard;
    GzipFile f(fixture_dir() + "gzip.h5");
    ASSERT_TRUE(f.ok());
    std::uint64_t before = gz::chunks_decoded();
    const auto whole = f.read("f2/shuffle/edge3d", {{0, 0, 0}, {3, 37, 50}}, gz::Mode::Auto);
    // 3 x 3 x 3 chunks of (1, 16, 24) cover (3, 37, 50).
    EXPECT_EQ(gz::chunks_decoded() - before, 27u);
    before = gz::chunks_decoded();
    const auto small = f.read("f2/shuffle/edge3d", {{0, 0, 0}, {1, 2, 2}}, gz::Mode::Auto);
    EXPECT_EQ(gz::chunks_decoded(), before) << "a small read inside one chunk uses HDF5's cache";
    EXPECT_EQ(small[0], whole[0]);
    EXPECT_EQ(small[3], whole[50 + 1]);
}

TEST(GzipRead, IneligibleDatasetsFallBackToHdf5) {
    ASSERT_FALSE(fixture_dir().empty());
    ModeGuard guard;
    GzipFile f(fixture_dir() + "gzip.h5");
    ASSERT_TRUE(f.ok());
    for (const char* name : {"fletcher", "contiguous"}) {
        const auto facts = f.facts(name);
        EXPECT_FALSE(gz::eligible(facts, es::DType::Float32)) << name;
        const std::uint64_t before = gz::chunks_decoded();
        const auto forced = f.read(name, {{2, 1}, {11, 20}}, gz::Mode::Force);
        EXPECT_EQ(gz::chunks_decoded(), before) << name;
        EXPECT_TRUE(same_bits(forced, f.read(name, {{2, 1}, {11, 20}}, gz::Mode::Off))) << name;
    }
}

TEST(GzipRead, CorruptChunkIsInputErrorNamingFileAndDataset) {
    ASSERT_FALSE(fixture_dir().empty());
    ModeGuard guard;
    gz::set_mode(gz::Mode::Force);
    const std::string path = fixture_dir() + "corrupt.h5";
    auto dump = es::Dump::open(path);
    // Reads every state of every stream; returns the InputError messages.
    auto read_all = [&] {
        std::vector<std::string> errors;
        for (const es::StreamInfo& s : dump->streams()) {
            std::vector<float> buf(s.n_tokens() * s.d);
            for (std::size_t st = 0; st < s.n_states(); ++st) {
                try {
                    dump->read_states(s, st, 0, s.n_tokens(), buf.data());
                } catch (const es::InputError& e) {
                    errors.push_back(e.what());
                }
            }
        }
        return errors;
    };
    const std::uint64_t before = gz::chunks_decoded();
    const auto errors = read_all();
    EXPECT_GT(gz::chunks_decoded(), before);
    // Only states stored in the corrupted dataset fail (it may belong to more than one stream).
    ASSERT_FALSE(errors.empty());
    for (const std::string& e : errors) {
        EXPECT_NE(e.find(path), std::string::npos) << e;
        EXPECT_NE(e.find("blocks/1/hook_resid_post"), std::string::npos) << e;
        EXPECT_NE(e.find("corrupt gzip chunk at [2, 0]"), std::string::npos) << e;
    }
    // The ordinary path reports the same dataset as an error too (HDF5's filter failure).
    gz::set_mode(gz::Mode::Off);
    const auto slow_errors = read_all();
    ASSERT_EQ(slow_errors.size(), errors.size());
    for (const std::string& e : slow_errors)
        EXPECT_NE(e.find("blocks/1/hook_resid_post"), std::string::npos) << e;
}

}  // namespace
