// Damaged or hostile declared shapes (found by fuzzing, docs/RELIABILITY.md): a file may declare
// any shape in a few bytes of header. Each is refused with an InputError naming the file and the
// dataset (at open, or when a read would need more memory than the machine has), quickly and
// without allocating for the declared size: never a hang or an out-of-memory crash.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "io/data_health.h"
#include "io/dump.h"
#include "io/h5.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace {

// A file with one float32 dataset `name` of shape `dims`, chunked by `chunk` with no chunk
// written (a few KB on disk whatever it declares), or contiguous with its data written.
std::string one_dataset(const std::string& file, const std::string& name,
                        const std::vector<hsize_t>& dims, const std::vector<hsize_t>& chunk) {
    const std::string path =
        (fs::temp_directory_path() / (file + "_" + std::to_string(::getpid()) + ".h5")).string();
    es::h5::Id f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    es::h5::Id space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
    es::h5::Id dcpl(H5Pcreate(H5P_DATASET_CREATE));
    if (!chunk.empty()) H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
    es::h5::Id dset(H5Dcreate2(f.get(), name.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                               dcpl.get(), H5P_DEFAULT));
    EXPECT_TRUE(dset.valid()) << name;
    if (chunk.empty()) {
        std::size_t n = 1;
        for (hsize_t d : dims) n *= d;
        std::vector<float> zeros(n, 0.0f);
        H5Dwrite(dset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data());
    }
    return path;
}

// The InputError that opening `path` gives, checked to come within a few seconds.
std::string open_error(const std::string& path) {
    const auto t0 = std::chrono::steady_clock::now();
    std::string message;
    try {
        es::Dump::open(path);
        ADD_FAILURE() << path << " opened";
    } catch (const es::InputError& e) {
        message = e.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5)) << path;
    EXPECT_NE(message.find(path), std::string::npos) << message;
    return message;
}

}  // namespace

// The fuzz.short finding in DumpBuilder::build_streams: 5.8 x 10^17 hidden states, one state
// name each, until memory ran out. Chunked with no chunk written, such a file is even valid HDF5.
TEST(DamagedShapes, AHiddenStatesLayerCountBeyondAnyModelIsRefused) {
    const std::string path =
        one_dataset("es_layers", "hidden_states", {hsize_t{1} << 40, 5, 8}, {1, 5, 8});
    const std::string m = open_error(path);
    EXPECT_NE(m.find("/hidden_states"), std::string::npos) << m;
    EXPECT_NE(m.find("declares 1099511627776 layers"), std::string::npos) << m;
    fs::remove(path);
}

TEST(DamagedShapes, AnAttentionLayerCountBeyondAnyModelIsRefused) {
    const std::string path = one_dataset("es_attn_layers", "attentions",
                                         {hsize_t{1} << 40, 1, 2, 4, 4}, {1, 1, 2, 4, 4});
    const std::string m = open_error(path);
    EXPECT_NE(m.find("/attentions"), std::string::npos) << m;
    EXPECT_NE(m.find("layers"), std::string::npos) << m;
    fs::remove(path);
}

// A shape whose size in bytes overflows 64 bits (the state width would wrap to a small number,
// and a read would write past its buffer).
TEST(DamagedShapes, AShapeOfMoreBytesThanCanBeAddressedIsRefused) {
    // 2^62 floats: the element count still fits in HDF5's signed count, the bytes do not.
    const std::string path =
        one_dataset("es_overflow", "blocks.0.hook_resid_post",
                    {hsize_t{1} << 20, hsize_t{1} << 20, hsize_t{1} << 22}, {1, 1, 1024});
    const std::string m = open_error(path);
    EXPECT_NE(m.find("/blocks.0.hook_resid_post"), std::string::npos) << m;
    EXPECT_NE(m.find("more bytes than can be addressed"), std::string::npos) << m;
    fs::remove(path);
}

// std::stoul on the digits of blocks.N threw std::out_of_range, which no caller expects.
TEST(DamagedShapes, AnAbsurdLayerNumberInANameIsRefused) {
    const std::string name = "blocks.123456789012345678901234567890.hook_resid_post";
    const std::string path = one_dataset("es_layer_number", name, {3, 4}, {});
    const std::string m = open_error(path);
    EXPECT_NE(m.find("/" + name), std::string::npos) << m;
    EXPECT_NE(m.find("layer number 123456789012345678901234..."), std::string::npos) << m;
    fs::remove(path);
}

// The kept fuzz input: contiguous data of 640 bytes under a header declaring
// 576460752303423492 x 5 x 8 floats, 2^64 bytes and more.
TEST(DamagedShapes, TheKeptFuzzInputIsRefusedNamingTheDataset) {
    const fs::path input = fs::path(EIGENSCOPE_SOURCE_DIR) /
                           "tests/fuzz/regressions/fuzz_dump_image-hidden-states-layer-count";
    std::ifstream in(input, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    ASSERT_FALSE(bytes.empty()) << input;
    try {
        es::Dump::open_image(bytes.data(), bytes.size(), "layers.h5");
        FAIL() << "the damaged image opened";
    } catch (const es::InputError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("layers.h5: /hidden_states: declares shape [576460752303423492, 5, 8]"),
                  std::string::npos)
            << m;
    }
}

// Contiguous data of 3 x 5 x 8 floats under a header patched to declare 3000 x 5 x 8: HDF5
// opens it, and the direct read (pread at the data's offset) would have returned whatever
// bytes follow the data in the file.
TEST(DamagedShapes, ContiguousDataShorterThanItsShapeIsRefused) {
    const std::string path = one_dataset("es_short", "hidden_states", {3, 5, 8}, {});
    std::string bytes;
    {
        std::ifstream in(path, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    // The dataspace message holds the dimensions and the maximum dimensions as 64-bit integers.
    const std::uint64_t dims[3] = {3, 5, 8}, patched = 3000;
    const std::string pattern(reinterpret_cast<const char*>(dims), sizeof dims);
    int found = 0;
    for (auto at = bytes.find(pattern); at != std::string::npos; at = bytes.find(pattern, at + 1)) {
        bytes.replace(at, sizeof patched, reinterpret_cast<const char*>(&patched), sizeof patched);
        ++found;
    }
    ASSERT_GE(found, 1);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    const std::string m = open_error(path);
    EXPECT_NE(m.find("/hidden_states: declares shape [3000, 5, 8] (480000 bytes) but its data "
                     "holds 480 bytes: the file is damaged"),
              std::string::npos)
        << m;
    fs::remove(path);
}

// A weights-only dump's token ids declaring 2^30 of them (chunked, none written): refused before
// the 8 GB of integers were allocated and filled, as string tables already were.
TEST(DamagedShapes, AnAbsurdTokenIdTableIsRefusedBeforeAllocating) {
    const std::string path = one_dataset("es_ids", "embed.W_E", {4, 8}, {});
    {
        es::h5::Id f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
        const hsize_t n = hsize_t{1} << 30, chunk = 1 << 16;
        es::h5::Id space(H5Screate_simple(1, &n, nullptr));
        es::h5::Id dcpl(H5Pcreate(H5P_DATASET_CREATE));
        H5Pset_chunk(dcpl.get(), 1, &chunk);
        es::h5::Id ids(H5Dcreate2(f.get(), "token_ids", H5T_STD_I64LE, space.get(), H5P_DEFAULT,
                                  dcpl.get(), H5P_DEFAULT));
        ASSERT_TRUE(ids.valid());
    }
    const std::string m = open_error(path);
    EXPECT_NE(m.find("/token_ids: cannot read token ids: declares 1073741824 integers"),
              std::string::npos)
        << m;
    fs::remove(path);
}

// Chunked data may declare a row wider than the machine with no chunk written (valid HDF5, a few
// KB): it opens, and reading it is refused naming the dataset. `eigenscope-cli info` ended in
// "internal error: out of memory" (exit 1) on both, from the health scan.
// Runs `read` on a dump whose dataset `name` declares 4 rows of 4 TB each (chunked, nothing
// written) and expects the InputError `expected` (after the file's path) from it.
template <typename Read>
void expect_refused_wide_rows(const char* file, const char* name, Read read,
                              const std::string& expected) {
    const hsize_t wide = hsize_t{1} << 40;  // 4 TB of float32 per row
    const std::string path = one_dataset(file, name, {4, wide}, {1, hsize_t{1} << 16});
    try {
        read(*es::Dump::open(path));
        ADD_FAILURE() << name << ": a 4 TB row was read";
    } catch (const es::InputError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find(path + ": " + expected), std::string::npos) << m;
    }
    fs::remove(path);
}

TEST(DamagedShapes, ARowWiderThanTheMachineIsRefusedWhenRead) {
    expect_refused_wide_rows(
        "es_wide", "blocks.0.hook_resid_post",
        [](const es::Dump& dump) { (void)es::scan_health(dump); },
        "/blocks.0.hook_resid_post: this needs 4.0 TB of memory");
    expect_refused_wide_rows(
        "es_wide_weight", "embed.W_E",
        [](const es::Dump& dump) { (void)dump.read_weight_rows("embed.W_E", 0, 1); },
        "/embed.W_E: this needs 4.0 TB of memory for rows [0, 1)");
}

// The limits leave real shapes alone: 3 hidden states of a contiguous [3, 5, 8] open.
TEST(DamagedShapes, ARealShapeStillOpens) {
    const std::string path = one_dataset("es_real", "hidden_states", {3, 5, 8}, {});
    const auto dump = es::Dump::open(path);
    ASSERT_EQ(dump->streams().size(), 1u);
    EXPECT_EQ(dump->streams()[0].n_states(), 3u);
    fs::remove(path);
}
