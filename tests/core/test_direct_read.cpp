// Direct reads of unfiltered datasets (io/direct_read.h) against HDF5's own path: bit-identical
// float32 for float16, float32 and bfloat16, chunked (edge chunks, one chunk, 2-D) and contiguous
// storage and every kind of hyperslab; proof that the path ran; HDF5 left to do what it does not
// handle (float64, big-endian, unwritten chunks, filters) with HDF5's values.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "h5_read_test_support.h"
#include "io/direct_read.h"

namespace {

using namespace es::test;  // h5_read_test_support.h

namespace dr = es::direct_read;

// Fixtures written once per process by Debian's h5py (see the script); the direct path's switch
// put back after every test.
class DirectRead : public ReadPathTest<bool, dr::enabled, dr::set_enabled> {
protected:
    DirectRead() : ReadPathTest("make_direct_fixtures.py") {}
};

// Reads with HDF5's descriptor of the file, which the direct path needs.
class File : public SlabFile {
public:
    explicit File(const std::string& path) : SlabFile(path) {
        void* handle = nullptr;
        if (SlabFile::ok() && H5Fget_vfd_handle(get(), H5P_DEFAULT, &handle) >= 0 && handle)
            fd_ = *static_cast<int*>(handle);
    }
    bool ok() const { return SlabFile::ok() && fd_ >= 0; }

    // One hyperslab with the direct path on or off; `taken` tells whether it read the bytes.
    std::vector<float> read(const std::string& name, const Hyperslab& h, bool direct,
                            bool* taken = nullptr) {
        dr::set_enabled(direct);
        const std::uint64_t before = dr::bytes_read();
        std::vector<float> out = SlabFile::read(name, h, fd_);
        if (taken) *taken = dr::bytes_read() > before;
        return out;
    }

private:
    int fd_ = -1;
};

TEST_F(DirectRead, BitIdenticalToHdf5) {
    File f(dir + "direct.h5");
    ASSERT_TRUE(f.ok());
    int compared = 0;
    for (const auto& [path, shape] : read_cases({"f2", "f4", "bf16"}, {"chunked", "contiguous"}))
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
    EXPECT_EQ(compared, 3 * 2 * (3 * 6 + 4));
}

TEST_F(DirectRead, LeavesToHdf5WhatItDoesNotHandle) {
    File f(dir + "direct.h5");
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
