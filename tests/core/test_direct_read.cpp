// Direct reads of unfiltered datasets (io/direct_read.h) against HDF5's own path: bit-identical
// float32 for float16, float32 and bfloat16, chunked (edge chunks, one chunk, 2-D) and contiguous
// storage and every kind of hyperslab; proof that the path ran; HDF5 left to do what it does not
// handle (float64, big-endian, unwritten chunks, filters) with HDF5's values.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "h5_read_test_support.h"
#include "io/direct_read.h"
#include "io/h5.h"
#include "io/slab.h"

namespace {

using es::test::Hyperslab;
using es::test::same_bits;
using es::test::slabs_for;

namespace dr = es::direct_read;

// Written once per process by Debian's h5py (see the script).
const std::string& fixture_dir() {
    static const es::test::ScriptFixtures dir("make_direct_fixtures.py");
    return dir.path;
}

struct EnabledGuard {
    bool saved = dr::enabled();
    ~EnabledGuard() { dr::set_enabled(saved); }
};

class File {
public:
    explicit File(const std::string& path)
        : file_(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)) {
        void* handle = nullptr;
        if (file_.valid() && H5Fget_vfd_handle(file_.get(), H5P_DEFAULT, &handle) >= 0 && handle)
            fd_ = *static_cast<int*>(handle);
    }
    bool ok() const { return file_.valid() && fd_ >= 0; }

    // One hyperslab with the direct path on or off; `taken` tells whether it read the bytes.
    std::vector<float> read(const std::string& name, const Hyperslab& h, bool direct,
                            bool* taken = nullptr) {
        es::h5::Id ds(H5Dopen2(file_.get(), name.c_str(), H5P_DEFAULT));
        EXPECT_TRUE(ds.valid()) << name;
        const es::h5::DatasetFacts facts = es::h5::inspect_dataset(ds.get());
        es::DType dtype{};
        std::string why;
        EXPECT_TRUE(es::classify_dtype(facts, dtype, why)) << why;
        std::size_t n = 1;
        for (hsize_t c : h.count) n *= c;
        std::vector<float> out(n, -12345.0f);
        dr::set_enabled(direct);
        const std::uint64_t before = dr::bytes_read();
        es::read_hyperslab_f32(ds.get(), facts, dtype, h.start, h.count, out.data(), fd_);
        if (taken) *taken = dr::bytes_read() > before;
        return out;
    }

private:
    es::h5::Id file_;
    int fd_ = -1;
};

TEST(DirectRead, BitIdenticalToHdf5) {
    ASSERT_FALSE(fixture_dir().empty()) << "h5py could not write the fixtures";
    EnabledGuard guard;
    File f(fixture_dir() + "direct.h5");
    ASSERT_TRUE(f.ok());
    int compared = 0;
    for (const char* dtype : {"f2", "f4", "bf16"})
        for (const char* storage : {"chunked", "contiguous"})
            for (const char* name : {"edge3d", "rows3d", "single", "mat2d"}) {
                const std::string path = std::string(dtype) + "/" + storage + "/" + name;
                const std::vector<hsize_t> shape = std::string(name) == "mat2d"
                                                       ? std::vector<hsize_t>{100, 30}
                                                       : std::vector<hsize_t>{3, 37, 50};
                for (const Hyperslab& h : slabs_for(shape)) {
                    bool taken = false, hdf5_taken = true;
                    const auto direct = f.read(path, h, true, &taken);
                    const auto hdf5 = f.read(path, h, false, &hdf5_taken);
                    EXPECT_TRUE(taken) << path << ": direct path not taken";
                    EXPECT_FALSE(hdf5_taken) << path;
                    EXPECT_TRUE(same_bits(direct, hdf5)) << path;
                    EXPECT_NE(hdf5[0], -12345.0f) << path;
                    ++compared;
                }
            }
    EXPECT_EQ(compared, 3 * 2 * (3 * 6 + 4));
}

TEST(DirectRead, LeavesToHdf5WhatItDoesNotHandle) {
    ASSERT_FALSE(fixture_dir().empty());
    EnabledGuard guard;
    File f(fixture_dir() + "direct.h5");
    ASSERT_TRUE(f.ok());
    const Hyperslab mat{{3, 2}, {10, 20}};
    for (const char* name : {"f8", "big_endian", "gzip"}) {
        bool taken = true;
        const auto a = f.read(name, mat, true, &taken);
        EXPECT_FALSE(taken) << name;
        EXPECT_TRUE(same_bits(a, f.read(name, mat, false))) << name;
    }
    // Unwritten chunks hold the fill value, which only HDF5 knows: a read touching one falls
    // back whole; one inside written chunks is direct.
    bool taken = true;
    const auto whole = f.read("sparse", {{0, 0, 0}, {3, 37, 50}}, true, &taken);
    EXPECT_FALSE(taken);
    EXPECT_TRUE(same_bits(whole, f.read("sparse", {{0, 0, 0}, {3, 37, 50}}, false)));
    EXPECT_EQ(whole[37 * 50 + 5], 7.5f);  // state 1 was never written
    const auto written = f.read("sparse", {{0, 2, 3}, {1, 10, 20}}, true, &taken);
    EXPECT_TRUE(taken);
    EXPECT_TRUE(same_bits(written, f.read("sparse", {{0, 2, 3}, {1, 10, 20}}, false)));
}

}  // namespace
