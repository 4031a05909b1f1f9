// eigenscope-cli info as a process: JSON schema, exit codes, errors on stderr, never a signal.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "test_support.h"

using es::test::CliRun;
using es::test::run_cli;

TEST(Cli, InfoJsonSchema) {
    CliRun r = run_cli("info --json " + es::test::fixture("good/tl_batched_f32.h5"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    for (const char* key : {"layout", "n_layers", "n_heads", "d_model", "d_head", "d_vocab",
                            "tokens", "prompts", "streams", "weights", "nonfinite", "zero_vectors"})
        EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_EQ(j["layout"], "transformerlens");
    EXPECT_EQ(j["n_layers"], 3);
    EXPECT_EQ(j["tokens"], 10);
    EXPECT_EQ(j["prompts"], 2);
    EXPECT_EQ(j["streams"][0]["name"], "resid");
    EXPECT_EQ(j["streams"][0]["layers"], 4);
    EXPECT_EQ(j["streams"][0]["shape"], nlohmann::json({4, 2, 5, 8}));
    EXPECT_EQ(j["streams"][0]["dtype"], "float32");
    EXPECT_EQ(j["weights"].size(), 35u);
}

TEST(Cli, InfoNullWhereUnknownAndHealth) {
    CliRun r = run_cli("info --json " + es::test::fixture("good/tl_nonfinite.h5"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_TRUE(j["n_heads"].is_null());
    EXPECT_EQ(j["nonfinite"], 4);
    EXPECT_EQ(j["zero_vectors"], 1);
    CliRun hf = run_cli("info --json " + es::test::fixture("good/hf_batched.h5"));
    auto h = nlohmann::json::parse(hf.out);
    EXPECT_EQ(h["layout"], "huggingface");
    EXPECT_EQ(h["streams"][0]["last_is_final_norm"], true);
    CliRun w = run_cli("info --json " + es::test::fixture("good/weights_only_gqa.h5"));
    EXPECT_EQ(nlohmann::json::parse(w.out)["layout"], "weights-only");
}

TEST(Cli, ExitCodes) {
    CliRun bad = run_cli("info " + es::test::fixture("bad/truncated.h5"));
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_FALSE(bad.signalled);
    EXPECT_NE(bad.err.find("truncated HDF5 file"), std::string::npos) << bad.err;
    EXPECT_TRUE(bad.out.empty());
    // The sentence on the first line, HDF5's stack under "detail:", indented.
    const std::string first = bad.err.substr(0, bad.err.find('\n'));
    EXPECT_EQ(first.rfind("error: ", 0), 0u) << bad.err;
    EXPECT_NE(first.find("was it copied completely?"), std::string::npos) << first;
    EXPECT_EQ(first.find("stored_eof"), std::string::npos) << first;
    EXPECT_NE(bad.err.find("\n  detail:\n    #0 H5Fopen()"), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find("stored_eof"), std::string::npos) << bad.err;
    EXPECT_EQ(run_cli("info").exit_code, 2);
    EXPECT_EQ(run_cli("info --bogus x.h5").exit_code, 2);
    EXPECT_EQ(run_cli("frobnicate").exit_code, 2);
    CliRun v = run_cli("--version");
    EXPECT_EQ(v.exit_code, 0);
    EXPECT_NE(v.out.find(EIGENSCOPE_VERSION_STRING), std::string::npos);
}

TEST(Cli, PermissionDeniedIsAClearError) {
    // A file the user may not read. As root, permissions do not stop us, so the CLI runs as
    // `nobody` (runuser) on a root-only copy; as another user, chmod 000 is enough.
    const std::string dir = testing::TempDir() + "eigenscope_perm_" + std::to_string(::getpid());
    const std::string file = dir + "/secret.h5";
    ASSERT_EQ(
        std::system(("mkdir -p " + dir + " && chmod 755 " + dir + " && cp " +
                     es::test::fixture("good/tl_bf16.h5") + " " + file + " && chmod 000 " + file)
                        .c_str()),
        0);
    std::string prefix;
    if (geteuid() == 0) {
        ASSERT_EQ(std::system("command -v runuser >/dev/null"), 0)
            << "runuser (util-linux) is needed as root";
        prefix = "runuser -u nobody -- ";
    }
    const std::string err_file = dir + "/stderr.txt";
    const int status = std::system(
        (prefix + EIGENSCOPE_CLI + " info " + file + " 2>" + err_file + " >/dev/null").c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2);
    std::ifstream in(err_file);
    std::string err((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(err.find(file + ": cannot open for reading: Permission denied"), std::string::npos)
        << err;
    std::system(("rm -rf " + dir).c_str());
}
