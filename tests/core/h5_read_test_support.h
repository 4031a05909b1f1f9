#pragma once
// Shared by the read-path tests (test_gzip_read.cpp, test_direct_read.cpp): fixtures written at
// test time by a script under tests/fixtures/ run with Debian's h5py, the file their hyperslabs
// are read from, the hyperslabs every read path is checked over, and a bitwise comparison of
// float results.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "io/h5.h"
#include "io/slab.h"

namespace es::test {

// Runs tests/fixtures/<script> DIR once into a directory of this process's own (ctest -j runs
// the tests of one file in parallel processes), removed at exit. path is empty when the script
// failed. -B: the modules the scripts share (read_path_cases.py) leave no bytecode in the source
// tree.
class ScriptFixtures {
public:
    explicit ScriptFixtures(const std::string& script) {
        const std::string d =
            testing::TempDir() + "eigenscope_" + script + "_" + std::to_string(::getpid()) + "/";
        const std::string cmd = "mkdir -p '" + d + "' && " EIGENSCOPE_PYTHON " -B '" +
                                EIGENSCOPE_SOURCE_DIR "/tests/fixtures/" + script + "' '" + d + "'";
        if (std::system(cmd.c_str()) == 0) path = d;
    }
    ~ScriptFixtures() {
        // Only the process that wrote them: a forked child of a later test (the supervisor's)
        // runs static destructors too when it exits, and must not take them from the parent.
        if (::getpid() != owner_) return;
        std::error_code ec;
        if (!path.empty()) std::filesystem::remove_all(path, ec);
    }
    ScriptFixtures(const ScriptFixtures&) = delete;
    ScriptFixtures& operator=(const ScriptFixtures&) = delete;

    std::string path;

private:
    const pid_t owner_ = ::getpid();
};

// The directory tests/fixtures/<script> wrote for this process, the script run at the first call;
// empty when it failed.
inline const std::string& script_fixtures(const std::string& script) {
    static std::map<std::string, ScriptFixtures> written;
    return written.try_emplace(script, script).first->second.path;
}

// The base of a read-path suite: `dir`, the fixtures `script` wrote (a test stops at once when it
// could not), and a process-wide read setting (Get, Set) put back after every test, whatever the
// test set it to.
template <typename Setting, Setting (*Get)(), void (*Set)(Setting)>
class ReadPathTest : public testing::Test {
protected:
    explicit ReadPathTest(const std::string& script) : dir(script_fixtures(script)) {}
    void SetUp() override { ASSERT_FALSE(dir.empty()) << "h5py could not write the fixtures"; }
    void TearDown() override { Set(saved_); }

    const std::string& dir;

private:
    const Setting saved_ = Get();
};

struct Hyperslab {
    std::vector<hsize_t> start, count;
};

// A fixture file opened read-only with HDF5. read() gives one hyperslab of a dataset as float32
// through es::read_hyperslab_f32 by whichever path the process-wide settings choose; values it
// did not write stay -12345.
class SlabFile {
public:
    explicit SlabFile(const std::string& path)
        : file_(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)) {}
    bool ok() const { return file_.valid(); }
    hid_t get() const { return file_.get(); }

    es::h5::DatasetFacts facts(const std::string& name) const {
        es::h5::Id ds(H5Dopen2(file_.get(), name.c_str(), H5P_DEFAULT));
        return es::h5::inspect_dataset(ds.get());
    }

    // fd: HDF5's descriptor of the file, for the direct path; -1 reads through HDF5 only.
    std::vector<float> read(const std::string& name, const Hyperslab& h, int fd = -1) const {
        es::h5::Id ds(H5Dopen2(file_.get(), name.c_str(), H5P_DEFAULT));
        EXPECT_TRUE(ds.valid()) << name;
        const es::h5::DatasetFacts facts = es::h5::inspect_dataset(ds.get());
        es::DType dtype{};
        std::string why;
        EXPECT_TRUE(es::classify_dtype(facts, dtype, why)) << why;
        std::size_t n = 1;
        for (hsize_t c : h.count) n *= c;
        std::vector<float> out(n, -12345.0f);
        es::read_hyperslab_f32(ds.get(), facts, dtype, h.start, h.count, out.data(), fd);
        return out;
    }

private:
    es::h5::Id file_;
};

// The scripts' CASES, written as <dtype>/<group>/<name> for every dtype and group (storage or
// filters): edge chunks, rows of chunks, one chunk for everything, and a 2-D matrix.
struct ReadCase {
    std::string path;
    std::vector<hsize_t> shape;
};

inline std::vector<ReadCase> read_cases(std::initializer_list<const char*> dtypes,
                                        std::initializer_list<const char*> groups) {
    std::vector<ReadCase> cases;
    for (const char* dtype : dtypes)
        for (const char* group : groups)
            for (const char* name : {"edge3d", "rows3d", "single", "mat2d"})
                cases.push_back({std::string(dtype) + "/" + group + "/" + name,
                                 std::string(name) == "mat2d" ? std::vector<hsize_t>{100, 30}
                                                              : std::vector<hsize_t>{3, 37, 50}});
    return cases;
}

inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// For the fixtures' (100, 30) matrices and (3, 37, 50) stacks.
inline std::vector<Hyperslab> slabs_for(const std::vector<hsize_t>& shape) {
    if (shape.size() == 2)
        return {{{0, 0}, {100, 30}}, {{5, 0}, {20, 30}}, {{6, 3}, {9, 17}}, {{99, 29}, {1, 1}}};
    return {
        {{0, 0, 0}, {3, 37, 50}},    // everything, edge chunks included
        {{1, 5, 3}, {2, 28, 44}},    // crosses chunk boundaries in every dimension
        {{2, 30, 40}, {1, 7, 10}},   // only the partial edge chunk
        {{0, 16, 24}, {1, 16, 24}},  // exactly one interior chunk
        {{1, 0, 0}, {1, 37, 50}},    // one state, as Dump::read_states asks
        {{0, 36, 49}, {3, 1, 1}},    // a column of single elements
    };
}

}  // namespace es::test
