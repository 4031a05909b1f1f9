// Faults and limits: requests larger than the machine are refused before allocating, a file
// truncated while open fails its reads with an error naming file and dataset (never silently
// wrong numbers), a full disk under the CLI is an error (not a cut-short success), and in-memory
// images (the fuzz entry point) behave as files do, kept fuzz regressions included.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "analysis/cka.h"
#include "analysis/spectrum.h"
#include "io/dump.h"
#include "io/h5.h"
#include "numerics/memory_budget.h"
#include "test_support.h"
#include "util/error.h"

namespace fs = std::filesystem;
using es::test::fixture;

namespace {

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string temp_copy(const std::string& fixture_rel, const std::string& name) {
    const std::string dst = testing::TempDir() + name;
    fs::copy_file(fixture(fixture_rel), dst, fs::copy_options::overwrite_existing);
    return dst;
}

// A TransformerLens dump declaring two residual layers of 10^6 tokens x 10^6 wide, chunked with
// no chunk written: a few KB on disk, 4 TB per layer if anyone tried to hold it.
std::string huge_declared_dump() {
    const std::string path = testing::TempDir() + "eigenscope_huge.h5";
    hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[3] = {1, 1000000, 1000000}, chunk[3] = {1, 64, 1024};
    hid_t space = H5Screate_simple(3, dims, nullptr);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 3, chunk);
    for (const char* name : {"blocks.0.hook_resid_post", "blocks.1.hook_resid_post"})
        H5Dclose(H5Dcreate2(f, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(f);
    return path;
}

int run_shell(const std::string& cmd) {
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST(MemoryBudget, AGramOfAMillionTokensIsRefusedWithAClearMessage) {
    EXPECT_EQ(es::numerics::format_bytes(512.0 * 1024 * 1024), "512 MB");
    EXPECT_EQ(es::numerics::format_bytes(7.5 * 1024 * 1024 * 1024), "7.5 GB");
    EXPECT_GT(es::numerics::physical_memory_bytes(), 100u << 20);
    try {
        es::numerics::require_memory(1e6 * 1e6 * 8, "a 1000000 x 1000000 Gram matrix", "x.h5: ");
        FAIL() << "8e12 bytes were not refused";
    } catch (const es::InputError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("x.h5: this needs 7.3 TB of memory for a 1000000 x 1000000 Gram matrix; "
                         "the machine has "),
                  std::string::npos)
            << m;
    }
    EXPECT_NO_THROW(es::numerics::require_memory(1 << 20, "a small matrix"));
}

TEST(MemoryBudget, AnalysesRefuseAHugeDeclaredShapeBeforeAllocating) {
    const std::string path = huge_declared_dump();
    ASSERT_LT(fs::file_size(path), 1u << 20);
    const auto before = es::test::fingerprint(path);
    auto dump = es::Dump::open(path);
    ASSERT_EQ(dump->stream().n_tokens(), 1000000u);
    try {
        es::analysis::cka(*dump, {}, es::no_progress());
        FAIL() << "cka of 10^6 tokens was not refused";
    } catch (const es::InputError& e) {
        // CKA's Grams are computed in blocks of rows (bounded memory); what cannot fit is one
        // state of the layer it reads first.
        const std::string m = e.what();
        EXPECT_NE(m.find(path + ": /blocks.0.hook_resid_post: this needs 3.6 TB of memory for "
                                "one 1000000 x 1000000 state"),
                  std::string::npos)
            << m;
    }
    try {
        es::analysis::spectrum(*dump, {}, es::no_progress());
        FAIL() << "a 4 TB state was not refused";
    } catch (const es::InputError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find(path + ": /blocks.0.hook_resid_post: this needs 3.6 TB of memory for "
                                "one 1000000 x 1000000 state"),
                  std::string::npos)
            << m;
    }
    // The CLI says the same and exits 2 (the request, not the program, is at fault).
    const std::string err = testing::TempDir() + "huge_err_" + std::to_string(::getpid()) + ".txt";
    EXPECT_EQ(
        run_shell(std::string(EIGENSCOPE_CLI) + " cka " + path + " --json >/dev/null 2>" + err), 2);
    EXPECT_NE(read_bytes(err).find("this needs 3.6 TB of memory for one 1000000 x 1000000 state"),
              std::string::npos)
        << read_bytes(err);
    dump.reset();
    EXPECT_TRUE(es::test::fingerprint(path) == before);
    std::remove(path.c_str());
}

// A read error in the middle of an analysis: the file is cut short while open. Contiguous data
// past the end would read as zeros in HDF5; chunked gzip data fails to inflate. Both must end in
// one InputError naming the file and the dataset.
TEST(Faults, AFileTruncatedWhileOpenFailsTheAnalysisClearly) {
    for (const char* rel : {"good/analysis_synth.h5", "good/tl_bf16.h5"}) {
        // This process's own name: BadInputFiles cuts copies in the same temp dir meanwhile
        // (ctest -j runs tests in parallel processes).
        const std::string path =
            temp_copy(rel, "eigenscope_cut_" + std::to_string(::getpid()) + ".h5");
        auto dump = es::Dump::open(path);
        EXPECT_NO_THROW(es::analysis::spectrum(*dump, {}, es::no_progress())) << rel;
        ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(fs::file_size(path) / 2)), 0);
        try {
            es::analysis::spectrum(*dump, {}, es::no_progress());
            ADD_FAILURE() << rel << ": analysis of a truncated file succeeded";
        } catch (const es::InputError& e) {
            const std::string m = e.what();
            EXPECT_EQ(m.rfind(path + ": /blocks.", 0), 0u) << m;
            EXPECT_NE(m.find("read failed"), std::string::npos) << m;
        }
        dump.reset();
        std::remove(path.c_str());
    }
}

// Disk full under the CLI's output (/dev/full: every write fails with ENOSPC).
TEST(Faults, ACliOutputOnAFullDiskIsAnErrorNotASuccess) {
    const std::string err = testing::TempDir() + "full_err_" + std::to_string(::getpid()) + ".txt";
    const std::string file = fixture("good/analysis_synth.h5");
    const auto before = es::test::fingerprint(file);
    for (const std::string& args :
         {"info --json " + file, "spectrum " + file + " --all-layers --csv"}) {
        EXPECT_EQ(run_shell(std::string(EIGENSCOPE_CLI) + " " + args + " >/dev/full 2>" + err), 1)
            << args;
        const std::string m = read_bytes(err);
        EXPECT_NE(m.find("error: cannot write the output (No space left on device)"),
                  std::string::npos)
            << args << ": " << m;
    }
    EXPECT_TRUE(es::test::fingerprint(file) == before);
}

// The fuzz entry point: an image gives what the file gives; bad images give our errors.
TEST(Faults, InMemoryImagesBehaveAsFilesDo) {
    for (const char* rel : {"good/tl_batched_f32.h5", "good/hf_batched.h5", "good/tl_bf16.h5",
                            "good/weights_only_gqa.h5"}) {
        const std::string bytes = read_bytes(fixture(rel));
        auto from_file = es::Dump::open(fixture(rel));
        auto from_image = es::Dump::open_image(bytes.data(), bytes.size(), rel);
        EXPECT_EQ(from_image->path(), rel);
        EXPECT_EQ(from_image->layout(), from_file->layout()) << rel;
        EXPECT_EQ(from_image->all_datasets(), from_file->all_datasets()) << rel;
        ASSERT_EQ(from_image->streams().size(), from_file->streams().size()) << rel;
        if (!from_file->streams().empty()) {
            const auto& s = from_file->stream(from_file->streams()[0].name);
            std::vector<float> a(s.n_tokens() * s.d), b(a.size());
            from_file->read_states(s, 0, 0, s.n_tokens(), a.data());
            from_image->read_states(from_image->streams()[0], 0, 0, s.n_tokens(), b.data());
            EXPECT_EQ(a, b) << rel;
        }
    }
    EXPECT_THROW(es::Dump::open_image(nullptr, 0, "empty.h5"), es::InputError);
    for (const auto& entry : fs::directory_iterator(fixture("bad"))) {
        const std::string bytes = read_bytes(entry.path().string());
        EXPECT_THROW(es::Dump::open_image(bytes.data(), bytes.size(), "bad.h5"), es::InputError)
            << entry.path();
    }
}

// Inputs that once crashed a fuzz target (tests/fuzz/regressions): each opens or fails with an
// InputError, and whatever opened can be read without a crash.
TEST(Faults, KeptFuzzRegressionsAreHandled) {
    const fs::path dir = fs::path(EIGENSCOPE_SOURCE_DIR) / "tests/fuzz/regressions";
    std::size_t n = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().filename() == "README.md") continue;
        ++n;
        const std::string bytes = read_bytes(entry.path().string());
        try {
            auto dump = es::Dump::open_image(bytes.data(), bytes.size(), "regression.h5");
            for (const auto& s : dump->streams()) {
                if (s.n_tokens() == 0 || s.d == 0 || s.d > (1u << 16)) continue;
                std::vector<float> out(s.d);
                try {
                    dump->read_states(s, 0, 0, 1, out.data());
                } catch (const es::InputError&) {
                }
            }
        } catch (const es::InputError& e) {
            EXPECT_NE(std::string(e.what()).find("regression.h5"), std::string::npos) << e.what();
        }
    }
    EXPECT_GE(n, 2u) << "regression inputs missing in " << dir;
}

// A string table that declares more strings than any token, prompt or vocabulary table (written
// chunked and empty, so it costs a few KB): refused before a pointer per string is allocated.
TEST(Faults, AnAbsurdStringTableIsRefusedBeforeAllocating) {
    const fs::path path =
        fs::temp_directory_path() / ("es_strings_" + std::to_string(::getpid()) + ".h5");
    {
        es::h5::Id file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
        ASSERT_TRUE(file.valid());
        es::h5::Id type(H5Tcopy(H5T_C_S1));
        H5Tset_size(type.get(), H5T_VARIABLE);
        const hsize_t n = (hsize_t{1} << 24) + 1, chunk = 4096;
        es::h5::Id space(H5Screate_simple(1, &n, nullptr));
        es::h5::Id dcpl(H5Pcreate(H5P_DATASET_CREATE));
        H5Pset_chunk(dcpl.get(), 1, &chunk);
        es::h5::Id dset(H5Dcreate2(file.get(), "vocab", type.get(), space.get(), H5P_DEFAULT,
                                   dcpl.get(), H5P_DEFAULT));
        ASSERT_TRUE(dset.valid());
    }
    EXPECT_LT(fs::file_size(path), 100000u);
    es::h5::Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    es::h5::Id dset(H5Dopen2(file.get(), "vocab", H5P_DEFAULT));
    try {
        es::h5::read_strings(dset.get());
        ADD_FAILURE() << "16.8 M strings were read";
    } catch (const es::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("16777217 strings"), std::string::npos) << e.what();
    }
    fs::remove(path);
}
