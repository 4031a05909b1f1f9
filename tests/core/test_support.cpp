#include "test_support.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace es::test {

std::string fixture(const std::string& relative) {
    return std::string(EIGENSCOPE_FIXTURES) + "/" + relative;
}

nlohmann::json load_json(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    return nlohmann::json::parse(in);
}

Fingerprint fingerprint(const std::string& path) {
    Fingerprint fp;
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    // One bulk read: every core test process fingerprints all user files (test_nothing_lost).
    std::string bytes(in ? static_cast<std::size_t>(in.tellg()) : 0, '\0');
    in.seekg(0);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    fp.hash = 1469598103934665603ull;
    for (unsigned char c : bytes) fp.hash = (fp.hash ^ c) * 1099511628211ull;
    fp.size = bytes.size();
    struct stat st;
    if (::stat(path.c_str(), &st) == 0)
        fp.mtime_ns = st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec;
    return fp;
}

CliRun run_cli(const std::string& args) {
    // One file per process: ctest -j runs the tests of one file in parallel processes.
    const std::string err_file =
        testing::TempDir() + "cli_stderr_" + std::to_string(::getpid()) + ".txt";
    const std::string cmd = std::string(EIGENSCOPE_CLI) + " " + args + " 2>" + err_file;
    CliRun r;
    FILE* p = popen(cmd.c_str(), "r");
    std::array<char, 4096> buf;
    std::size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    const int status = pclose(p);
    r.signalled = WIFSIGNALED(status);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (FILE* e = fopen(err_file.c_str(), "r")) {
        while ((n = fread(buf.data(), 1, buf.size(), e)) > 0) r.err.append(buf.data(), n);
        fclose(e);
    }
    std::remove(err_file.c_str());
    return r;
}

nlohmann::json run_reference(const std::string& script, const std::string& args, std::string* why) {
    const std::string cmd = std::string(EIGENSCOPE_PYTHON) + " " + EIGENSCOPE_SOURCE_DIR +
                            "/tests/reference/" + script + " " + args;
    if (why) *why = cmd;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return nullptr;
    std::string text;
    std::array<char, 4096> buf;
    std::size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) text.append(buf.data(), n);
    if (pclose(p) != 0) return nullptr;
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    return j.is_discarded() ? nullptr : j;
}

}  // namespace es::test
