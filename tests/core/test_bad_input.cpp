// The bad-input corpus: each file gives one InputError naming the file and the dataset and
// saying what was expected, and no file is changed by trying.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "io/dump.h"
#include "io/h5.h"
#include "test_support.h"
#include "util/error.h"

using es::test::fixture;

namespace {

struct BadCase {
    const char* file;
    const char* dataset;  // "" when the error is about the whole file
    const char* phrase;
};

const BadCase kBad[] = {
    {"truncated.h5", "", "truncated HDF5 file"},
    {"not_hdf5.h5", "", "not an HDF5 file"},
    {"zero_bytes.h5", "", "empty file (0 bytes)"},
    {"integer_activations.h5", "/blocks.1.hook_resid_post",
     "integer dataset (int32) where floating-point activations were expected"},
    {"string_activations.h5", "/blocks.0.hook_resid_pre",
     "string dataset where floating-point activations were expected"},
    {"inconsistent_shapes.h5", "/blocks.2.hook_resid_post",
     "shapes inconsistent across layers: [2, 5, 6] here but [2, 5, 8]"},
    {"missing_filter.h5", "/blocks.1.hook_resid_post", "HDF5 filter lzf (filter id 32000)"},
    {"empty_dataset.h5", "/blocks.1.hook_resid_post", "empty dataset (shape [2, 0, 8])"},
    {"layer_gap.h5", "/blocks.2.hook_resid_post", "follows a gap: no layer 1"},
    {"token_count_mismatch.h5", "/tokens", "has 6 tokens but the activations"},
    {"float_token_ids.h5", "/token_ids", "token ids must be integers"},
    {"prompt_mismatch.h5", "/blocks.0.hook_", "3 x 5"},
    {"no_layout.h5", "", "no recognised layout"},
    {"weights_integer.h5", "/embed.W_E",
     "integer dataset (int64) where floating-point weights were expected"},
};

// Test names and failure messages show the file, not the struct's bytes.
void PrintTo(const BadCase& c, std::ostream* os) {
    *os << c.file;
}

class BadInput : public ::testing::TestWithParam<BadCase> {};

}  // namespace

TEST_P(BadInput, OneClearErrorNamingFileAndDataset) {
    const BadCase& c = GetParam();
    const std::string path = fixture(std::string("bad/") + c.file);
    const auto before = es::test::fingerprint(path);
    try {
        auto dump = es::Dump::open(path);
        FAIL() << c.file << " was accepted";
    } catch (const es::InputError& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;  // starts with the file
        if (*c.dataset) {
            EXPECT_NE(msg.find(std::string(": ") + c.dataset), std::string::npos) << msg;
        }
        EXPECT_NE(msg.find(c.phrase), std::string::npos) << msg;
        EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
        for (const char* internal : {"sblock", "stored_eof", "H5F", "H5D", "H5Z", "H5O"})
            EXPECT_EQ(msg.find(internal), std::string::npos) << msg;
    }
    EXPECT_TRUE(es::test::fingerprint(path) == before);
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadInput, ::testing::ValuesIn(kBad), [](const auto& info) {
    std::string n = info.param.file;
    return n.substr(0, n.find('.'));
});

TEST(BadInputFiles, DirectoryAndMissingFile) {
    const auto dir = std::filesystem::temp_directory_path() / "eigenscope_dir_test.h5";
    std::filesystem::create_directories(dir);
    try {
        es::Dump::open(dir.string());
        FAIL();
    } catch (const es::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
    }
    std::filesystem::remove(dir);
    try {
        es::Dump::open("/nonexistent/file.h5");
        FAIL();
    } catch (const es::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/file.h5: cannot open: No such file"),
                  std::string::npos);
    }
}

TEST(BadInputFiles, TruncatedCopyOfEveryGoodFixtureNeverCrashes) {
    // Cut each good fixture at several places: opening and reading must throw InputError or
    // succeed, never crash or return garbage silently.
    for (const char* name : {"tl_batched_f32", "tl_nested_nobatch_f16", "hf_batched"}) {
        const std::string src = fixture(std::string("good/") + name + ".h5");
        std::ifstream in(src, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        for (double frac : {0.05, 0.3, 0.6, 0.9, 0.99}) {
            // Named by process: other tests cut copies in the same temp dir under ctest -j.
            const auto cut = std::filesystem::temp_directory_path() /
                             ("eigenscope_cut_" + std::to_string(::getpid()) + ".h5");
            {
                std::ofstream out(cut, std::ios::binary | std::ios::trunc);
                out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() * frac));
            }
            try {
                auto dump = es::Dump::open(cut.string());
                for (const auto& s : dump->streams()) {
                    std::vector<float> buf(s.n_tokens() * s.d);
                    for (std::size_t st = 0; st < s.n_states(); ++st)
                        dump->read_states(s, st, 0, s.n_tokens(), buf.data());
                }
                ADD_FAILURE() << name << " cut at " << frac << " read without error";
            } catch (const es::InputError& e) {
                EXPECT_NE(std::string(e.what()).find(cut.string()), std::string::npos) << e.what();
            }
            std::filesystem::remove(cut);
        }
    }
}

// Damaged files written here, at test time: the message is a sentence for a person (the file,
// the dataset if any, what is wrong, what to do), HDF5's own words are in detail() only.
namespace {

std::string bytes_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A file of the temp folder named by process: other tests write there too under ctest -j.
std::string written(const std::string& name, const std::string& bytes) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("eigenscope_msg_" + std::to_string(::getpid()) + "_" + name);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path.string();
}

// HDF5's internals: function and field names that belong in the detail only.
void expect_plain_words(const std::string& msg) {
    for (const char* internal :
         {"sblock", "stored_eof", "base_addr", "addr =", "eof =", "H5F", "H5D", "H5Z", "H5O"})
        EXPECT_EQ(msg.find(internal), std::string::npos) << internal << " in: " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
}

es::InputError open_error(const std::string& path) {
    try {
        auto dump = es::Dump::open(path);
        for (const auto& s : dump->streams()) {
            std::vector<float> buf(s.n_tokens() * s.d);
            for (std::size_t st = 0; st < s.n_states(); ++st)
                dump->read_states(s, st, 0, s.n_tokens(), buf.data());
        }
    } catch (const es::InputError& e) {
        return e;
    }
    ADD_FAILURE() << path << " was read without error";
    return es::InputError("");
}

}  // namespace

TEST(DamagedFileMessages, TruncatedSaysHowMuchIsThereAndWhatToDo) {
    const std::string good = bytes_of(fixture("good/tl_batched_f32.h5"));
    const std::string path = written("half.h5", good.substr(0, good.size() / 2));
    const es::InputError e = open_error(path);
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(path + ": truncated HDF5 file: it ends at ", 0), 0u) << msg;
    EXPECT_NE(msg.find(" but its header says "), std::string::npos) << msg;
    EXPECT_NE(msg.find("was it copied completely?"), std::string::npos) << msg;
    expect_plain_words(msg);
    // The library's words, entry by entry, behind it.
    EXPECT_NE(e.detail().find("stored_eof = " + std::to_string(good.size())), std::string::npos)
        << e.detail();
    EXPECT_NE(e.detail().find("H5Fopen()"), std::string::npos) << e.detail();
    std::filesystem::remove(path);
}

TEST(DamagedFileMessages, NotHdf5SaysSo) {
    std::string text;
    for (int i = 0; i < 200; ++i) text += "layer,token,x,y,z\n";
    const std::string path = written("table.h5", text);
    const es::InputError e = open_error(path);
    const std::string msg = e.what();
    EXPECT_EQ(msg, path + ": not an HDF5 file (no HDF5 signature found); is it the right file?");
    EXPECT_NE(e.detail().find("signature"), std::string::npos) << e.detail();
    std::filesystem::remove(path);
}

TEST(DamagedFileMessages, ChecksumFailureNamesTheDataset) {
    // One byte of the first chunk of a fletcher32-checked dataset flipped: the read of that
    // dataset fails, saying so in words and naming it.
    const std::string source = fixture("good/tl_f64_fletcher.h5");
    const char* dataset = "/cache/blocks.0.hook_resid_pre";
    haddr_t offset = 0;
    {
        es::h5::Id file(H5Fopen(source.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
        es::h5::Id dset(H5Dopen2(file.get(), dataset, H5P_DEFAULT));
        es::h5::Id space(H5Dget_space(dset.get()));
        hsize_t size = 0;
        unsigned mask = 0;
        ASSERT_GE(H5Dget_chunk_info(dset.get(), space.get(), 0, nullptr, &mask, &offset, &size), 0);
        ASSERT_GT(size, 16u);
    }
    std::string bytes = bytes_of(source);
    bytes[offset + 10] = static_cast<char>(bytes[offset + 10] ^ 0xff);
    const std::string path = written("flipped.h5", bytes);
    const es::InputError e = open_error(path);
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(path + ": " + dataset + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find("checksum (fletcher32) does not match"), std::string::npos) << msg;
    EXPECT_NE(msg.find("restore the file from a good copy"), std::string::npos) << msg;
    expect_plain_words(msg);
    EXPECT_NE(e.detail().find("Fletcher32"), std::string::npos) << e.detail();
    EXPECT_NE(e.detail().find("H5Dread()"), std::string::npos) << e.detail();
    std::filesystem::remove(path);
}

TEST(DamagedFileMessages, UnsupportedTypeAndBadShapeNameTheDatasetInWords) {
    for (const char* name : {"integer_activations.h5", "string_activations.h5",
                             "inconsistent_shapes.h5", "empty_dataset.h5", "missing_filter.h5"}) {
        const std::string path = fixture(std::string("bad/") + name);
        const es::InputError e = open_error(path);
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind(path + ": /", 0), 0u) << msg;  // the file, then the dataset
        expect_plain_words(msg);
    }
}
