// Nothing lost: every user file a core test can open (tests/fixtures and resources/demo) is
// fingerprinted (content hash, size, mtime) before the test program's tests run and checked
// after. CTest runs each test in its own process (gtest_discover_tests), so this checks every
// test on its own, including those that open fixtures without a check of their own.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "test_support.h"

namespace {

namespace fs = std::filesystem;

std::map<std::string, es::test::Fingerprint> fingerprint_user_files() {
    std::map<std::string, es::test::Fingerprint> out;
    for (const std::string& root : {std::string(EIGENSCOPE_FIXTURES),
                                    std::string(EIGENSCOPE_SOURCE_DIR) + "/resources/demo"}) {
        std::error_code ec;
        for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
            if (it->is_regular_file() && it->path().extension() == ".h5")
                out[it->path().string()] = es::test::fingerprint(it->path().string());
    }
    return out;
}

class UserFilesUnchanged : public ::testing::Environment {
public:
    void SetUp() override { before_ = fingerprint_user_files(); }
    void TearDown() override {
        // A file that vanished or appeared counts too: tests write only to their temp dirs.
        const auto after = fingerprint_user_files();
        EXPECT_EQ(before_.size(), after.size()) << "user files appeared or vanished";
        for (const auto& [path, fp] : before_) {
            auto it = after.find(path);
            EXPECT_TRUE(it != after.end() && it->second == fp)
                << path << " changed while the tests ran: user files must stay byte-identical";
        }
    }

private:
    std::map<std::string, es::test::Fingerprint> before_;
};

// Registered before main() (gtest_main) runs the tests.
[[maybe_unused]] ::testing::Environment* const kUserFiles =
    ::testing::AddGlobalTestEnvironment(new UserFilesUnchanged);

}  // namespace

// The guard itself must be able to see a change, or it proves nothing.
TEST(NothingLost, FingerprintSeesAOneByteChange) {
    const std::string path = testing::TempDir() + "eigenscope_fp.h5";
    {
        std::ofstream out(path, std::ios::binary);
        out << std::string(4096, 'a');
    }
    const auto a = es::test::fingerprint(path);
    {
        std::fstream io(path, std::ios::binary | std::ios::in | std::ios::out);
        io.seekp(2000);
        io.put('b');
    }
    // Same size and, on a coarse clock, possibly the same mtime: the hash alone must differ.
    const auto b = es::test::fingerprint(path);
    EXPECT_EQ(a.size, b.size);
    EXPECT_NE(a.hash, b.hash);
    EXPECT_FALSE(a == b);
    EXPECT_GE(fingerprint_user_files().size(), 30u);  // fixtures and demo files are all seen
    std::remove(path.c_str());
}
