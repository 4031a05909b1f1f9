#pragma once
// Shared by the read-path tests (test_gzip_read.cpp, test_direct_read.cpp): fixtures written at
// test time by a script under tests/fixtures/ run with Debian's h5py, the hyperslabs every read
// path is checked over, and a bitwise comparison of float results.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

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
        std::error_code ec;
        if (!path.empty()) std::filesystem::remove_all(path, ec);
    }
    ScriptFixtures(const ScriptFixtures&) = delete;
    ScriptFixtures& operator=(const ScriptFixtures&) = delete;

    std::string path;
};

struct Hyperslab {
    std::vector<hsize_t> start, count;
};

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
