// The safetensors reader (core/io/safetensors.h): decoding of every float type through the HDF5
// decode kernels, strided views read in bounded spans, and damaged files refused with a sentence
// naming the file and the tensor (InputError here, exit 2 from the CLI).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"
#include "io/safetensors.h"
#include "test_support.h"
#include "util/error.h"

namespace {

namespace fs = std::filesystem;
using es::io::SafetensorsFile;
using es::io::TensorView;

// A file of its own for each test (ctest runs tests in parallel processes).
std::string temp_path(const std::string& name) {
    return testing::TempDir() + "es_st_" + std::to_string(::getpid()) + "_" + name;
}

std::string bytes_of(const std::string& header, const std::string& data) {
    std::string out(8, '\0');
    std::uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return out + header + data;
}

std::string write_file(const std::string& name, const std::string& bytes) {
    const std::string path = temp_path(name);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

template <typename T>
std::string raw(const std::vector<T>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// The InputError message of opening `bytes` as a .safetensors file (empty when it opened).
std::string open_error(const std::string& name, const std::string& bytes) {
    const std::string path = write_file(name + ".safetensors", bytes);
    try {
        SafetensorsFile f(path);
    } catch (const es::InputError& e) {
        fs::remove(path);
        return e.what();
    }
    fs::remove(path);
    return {};
}

nlohmann::json entry(const char* dtype, std::vector<std::size_t> shape, std::uint64_t b,
                     std::uint64_t e) {
    return {{"dtype", dtype}, {"shape", shape}, {"data_offsets", {b, e}}};
}

}  // namespace

TEST(Safetensors, DecodesEveryFloatTypeLikeHdf5Data) {
    const std::vector<double> f64 = {1.5, -2.25, 1e300};
    const std::vector<float> f32 = {3.0f, -0.5f};
    const std::vector<std::uint16_t> f16 = {0x3c00, 0xc000, 0x0001};  // 1, -2, smallest subnormal
    const std::vector<std::uint16_t> bf16 = {0x3f80, 0xc040};         // 1, -3
    const std::vector<std::uint8_t> e4m3 = {0x38, 0xb8, 0x01, 0x7e};  // 1, -1, 2^-9, 448
    const std::vector<std::uint8_t> e5m2 = {0x3c, 0x7c};              // 1, inf
    nlohmann::json h;
    std::string data;
    auto add = [&](const char* name, const char* dtype, std::size_t n, const std::string& bytes) {
        h[name] = entry(dtype, {n}, data.size(), data.size() + bytes.size());
        data += bytes;
    };
    add("a64", "F64", 3, raw(f64));
    add("b32", "F32", 2, raw(f32));
    add("c16", "F16", 3, raw(f16));
    add("dbf", "BF16", 2, raw(bf16));
    add("e43", "F8_E4M3", 4, raw(e4m3));
    add("f52", "F8_E5M2", 2, raw(e5m2));
    add("g_int", "I32", 1, std::string(4, '\0'));
    h["__metadata__"] = {{"format", "pt"}};
    const std::string path = write_file("types.safetensors", bytes_of(h.dump(), data));
    SafetensorsFile f(path);
    auto read = [&](const char* name) {
        const auto* t = f.header().find(name);
        EXPECT_NE(t, nullptr) << name;
        std::vector<float> out(t->elements);
        f.read_view_rows(*t, {{t->elements}, {1}, 0}, 0, t->elements, out.data());
        return out;
    };
    EXPECT_EQ(read("a64"), (std::vector<float>{1.5f, -2.25f, INFINITY}));
    EXPECT_EQ(read("b32"), f32);
    EXPECT_EQ(read("c16"), (std::vector<float>{1.0f, -2.0f, std::ldexp(1.0f, -24)}));
    EXPECT_EQ(read("dbf"), (std::vector<float>{1.0f, -3.0f}));
    EXPECT_EQ(read("e43"), (std::vector<float>{1.0f, -1.0f, std::ldexp(1.0f, -9), 448.0f}));
    EXPECT_EQ(read("f52"), (std::vector<float>{1.0f, INFINITY}));
    EXPECT_FALSE(f.header().find("g_int")->type.has_value());
    ASSERT_EQ(f.header().notes.size(), 1u);
    EXPECT_NE(f.header().notes[0].find("g_int"), std::string::npos);
    EXPECT_EQ(f.header().metadata.at(0), (std::pair<std::string, std::string>{"format", "pt"}));
    fs::remove(path);
}

TEST(Safetensors, ViewsReadRowsOfTransposesSlicesAndHeads) {
    // A [3000, 1000] float32 tensor (12 MB: more than one read span) with value = r * 1000 + c.
    const std::size_t R = 3000, C = 1000;
    std::vector<float> v(R * C);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
    nlohmann::json h;
    h["m"] = entry("F32", {R, C}, 0, v.size() * 4);
    const std::string path = write_file("views.safetensors", bytes_of(h.dump(), raw(v)));
    SafetensorsFile f(path);
    const auto& t = *f.header().find("m");
    // Whole tensor, read in one call: spans split, values in place.
    std::vector<float> out(R * C);
    f.read_view_rows(t, {{R, C}, {C, 1}, 0}, 0, R, out.data());
    EXPECT_EQ(out, v);
    // Rows 10..13 of the transpose = columns 10..13, every row.
    const TensorView tr = TensorView{{R, C}, {C, 1}, 0}.transposed();
    std::vector<float> cols(3 * R);
    f.read_view_rows(t, tr, 10, 13, cols.data());
    for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t r = 0; r < R; ++r)
            ASSERT_EQ(cols[c * R + r], v[r * C + 10 + c]) << c << "," << r;
    // Heads of rows 4.. (head step 6, d_head 2) of the first 24 rows seen as a Linear [out, in]:
    // view [3 heads, C, 2], element (h, d, e) = tensor (4 + 6 h + e, d); heads 1..2 read.
    const TensorView heads{{3, C, 2}, {6 * C, 1, C}, 4 * C};
    std::vector<float> hv(2 * C * 2);
    f.read_view_rows(t, heads, 1, 3, hv.data());
    for (std::size_t h2 = 0; h2 < 2; ++h2)
        for (std::size_t d = 0; d < C; ++d)
            for (std::size_t e = 0; e < 2; ++e)
                ASSERT_EQ(hv[(h2 * C + d) * 2 + e], v[(4 + 6 * (h2 + 1) + e) * C + d]);
    // The whole transpose in one call: across spans, in tiles of adjacent output columns.
    std::vector<float> all(R * C);
    f.read_view_rows(t, tr, 0, C, all.data());
    for (std::size_t c = 0; c < C; ++c)
        for (std::size_t r = 0; r < R; ++r)
            ASSERT_EQ(all[c * R + r], v[r * C + c]) << c << "," << r;
    // W_O [H, d_head, D] of an o_proj [D, H d_head] (D = 3000, H = 10, d_head = 100): element
    // (h, d, e) = tensor (e, h d_head + d); the adjacent output columns are far apart in the file.
    const TensorView wo{{10, 100, R}, {100, 1, C}, 0};
    std::vector<float> ov(5 * 100 * R);
    f.read_view_rows(t, wo, 2, 7, ov.data());
    for (std::size_t h2 = 0; h2 < 5; ++h2)
        for (std::size_t d = 0; d < 100; ++d)
            for (std::size_t e = 0; e < R; ++e)
                ASSERT_EQ(ov[(h2 * 100 + d) * R + e], v[e * C + (h2 + 2) * 100 + d]);
    fs::remove(path);
}

TEST(Safetensors, DamagedFilesNameTheFileAndTheTensor) {
    const std::string four(4 * 4, '\0');
    struct Case {
        const char* name;
        std::string bytes, expect;
    };
    nlohmann::json ok;
    ok["w"] = entry("F32", {4}, 0, 16);
    const std::string good = bytes_of(ok.dump(), four);
    std::string huge_length = good;
    huge_length[3] = 0x7f;  // a header length of ~2 GB
    std::string past_end = good;
    past_end[0] = static_cast<char>(good.size());  // longer than what follows
    past_end[1] = 0;
    nlohmann::json overlap, range, size, gap, tail, shape, dtype, overflow;
    overlap["a"] = entry("F32", {2}, 0, 8);
    overlap["b"] = entry("F32", {2}, 4, 12);
    range["w"] = entry("F32", {4}, 0, 1600);
    size["w"] = entry("F32", {3}, 0, 16);
    gap["a"] = entry("F32", {1}, 0, 4);
    gap["b"] = entry("F32", {2}, 8, 16);
    tail["w"] = entry("F32", {2}, 0, 8);
    shape["w"] = {{"dtype", "F32"}, {"shape", {-4}}, {"data_offsets", {0, 16}}};
    dtype["w"] = {{"dtype", 5}, {"shape", {4}}, {"data_offsets", {0, 16}}};
    overflow["w"] = entry("F32", {std::size_t{1} << 40, std::size_t{1} << 40}, 0, 16);
    const std::vector<Case> cases = {
        {"empty", "", "empty file (0 bytes)"},
        {"short", "abc", "too short for a safetensors file"},
        {"huge_length", huge_length, "above the format's limit of 100 MB"},
        {"past_end", past_end, "truncated safetensors file"},
        {"not_json", bytes_of("{\"w\": [1, 2", four), "not valid JSON"},
        {"not_object", bytes_of("[1, 2, 3]", ""), "not an object"},
        {"truncated", good.substr(0, good.size() - 3), "w: data [0, 16) lies past the end"},
        {"overlap", bytes_of(overlap.dump(), four),
         "b: damaged safetensors header: data [4, 12) "
         "overlaps a"},
        {"out_of_range", bytes_of(range.dump(), four), "w: data [0, 1600) lies past the end"},
        {"byte_size", bytes_of(size.dump(), four),
         "w: damaged safetensors header: shape [3] of "
         "F32 needs 12 bytes but data_offsets give 16"},
        {"gap", bytes_of(gap.dump(), four), "b: damaged safetensors header: a gap of 4 bytes"},
        {"trailing", bytes_of(tail.dump(), four), "the tensors end at byte 8"},
        {"shape", bytes_of(shape.dump(), four), "w: damaged safetensors header: shape [-4]"},
        {"dtype", bytes_of(dtype.dump(), four), "w: damaged safetensors header: the entry lacks"},
        {"overflow", bytes_of(overflow.dump(), four), "more elements than can exist"},
    };
    for (const Case& c : cases) {
        const std::string message = open_error(c.name, c.bytes);
        EXPECT_NE(message.find(std::string(c.name) + ".safetensors: "), std::string::npos)
            << c.name << ": " << message;
        EXPECT_NE(message.find(c.expect), std::string::npos) << c.name << ": " << message;
    }
    EXPECT_EQ(open_error("good", good), "");
}

TEST(Safetensors, CliExitsTwoOnDamagedFilesAndNeverChangesThem) {
    nlohmann::json h;
    h["model.embed.weight"] = entry("F32", {4, 2}, 0, 32);
    const std::string whole = bytes_of(h.dump(), std::string(32, '\0'));
    const std::string path = write_file("cut.safetensors", whole.substr(0, whole.size() - 10));
    const auto before = es::test::fingerprint(path);
    const es::test::CliRun r = es::test::run_cli("weights --json " + path);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(path + ": model.embed.weight: data [0, 32) lies past the end"),
              std::string::npos)
        << r.err;
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(es::test::fingerprint(path), before);
    const std::string empty = write_file("empty.safetensors", "");
    EXPECT_EQ(es::test::run_cli("info " + empty).exit_code, 2);
    fs::remove(path);
    fs::remove(empty);
}
