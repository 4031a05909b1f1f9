// The gzip fast path (io/gzip_chunks.h) against HDF5's own filter pipeline: bit-identical
// float32 for every dtype, filter combination, chunk shape and hyperslab, proof that the fast
// path ran, fallback for what it does not handle, and a corrupt chunk reported as InputError.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "h5_read_test_support.h"
#include "io/dump.h"
#include "io/gzip_chunks.h"
#include "io/slab.h"
#include "util/error.h"

namespace {

using namespace es::test;  // h5_read_test_support.h

namespace gz = es::gzip_chunks;

// Fixtures written once per process by Debian's h5py (see the script); the process-wide mode
// put back after every test.
class GzipRead : public ReadPathTest<gz::Mode, gz::mode, gz::set_mode> {
protected:
    GzipRead() : ReadPathTest("make_gzip_fixtures.py") {}
};

class GzipFile : public SlabFile {
public:
    using SlabFile::SlabFile;

    // Reads one hyperslab through the given mode.
    std::vector<float> read(const std::string& name, const Hyperslab& h, gz::Mode mode) {
        gz::set_mode(mode);
        return SlabFile::read(name, h);
    }
};

TEST_F(GzipRead, FastPathBitIdenticalToHdf5) {
    GzipFile f(dir + "gzip.h5");
    ASSERT_TRUE(f.ok());
    int compared = 0;
    for (const auto& c : read_cases({"f2", "f4", "f8", "bf16"}, {"shuffle", "plain"})) {
        const auto facts = f.facts(c.path);
        es::DType t{};
        std::string why;
        ASSERT_TRUE(es::classify_dtype(facts, t, why)) << c.path;
        EXPECT_TRUE(gz::eligible(facts, t)) << c.path;
        for (const Hyperslab& h : slabs_for(facts.shape)) {
            const std::uint64_t before = gz::chunks_decoded();
            const auto fast = f.read(c.path, h, gz::Mode::Force);
            EXPECT_GT(gz::chunks_decoded(), before) << c.path << ": fast path not taken";
            const auto slow = f.read(c.path, h, gz::Mode::Off);
            EXPECT_TRUE(same_bits(fast, slow)) << c.path;
            EXPECT_NE(slow[0], -12345.0f) << c.path;
            ++compared;
        }
    }
    EXPECT_EQ(compared, 4 * 2 * (3 * 6 + 4));
}

TEST_F(GzipRead, AutoModeTakesFastPathForWholeChunksOnly) {
    GzipFile f(dir + "gzip.h5");
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

TEST_F(GzipRead, IneligibleDatasetsFallBackToHdf5) {
    GzipFile f(dir + "gzip.h5");
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

TEST_F(GzipRead, CorruptChunkIsInputErrorNamingFileAndDataset) {
    gz::set_mode(gz::Mode::Force);
    const std::string path = dir + "corrupt.h5";
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
        EXPECT_NE(e.find("(the chunk at [2, 0]) cannot be decompressed"), std::string::npos) << e;
    }
    // The ordinary path reports the same dataset as an error too (HDF5's filter failure).
    gz::set_mode(gz::Mode::Off);
    const auto slow_errors = read_all();
    ASSERT_EQ(slow_errors.size(), errors.size());
    for (const std::string& e : slow_errors)
        EXPECT_NE(e.find("blocks/1/hook_resid_post"), std::string::npos) << e;
}

}  // namespace
