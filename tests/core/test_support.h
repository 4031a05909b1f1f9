#pragma once
// Shared helpers for core tests: fixture paths, file fingerprints, expected-value JSON, the CLI
// run as a process.
#include <nlohmann/json.hpp>
#include <string>

namespace es::test {

std::string fixture(const std::string& relative);  // tests/fixtures/<relative>
nlohmann::json load_json(const std::string& path);
// FNV-1a 64 of the whole file plus its size and mtime: equal before and after means untouched.
struct Fingerprint {
    unsigned long long hash = 0, size = 0;
    long long mtime_ns = 0;
    bool operator==(const Fingerprint& o) const {
        return hash == o.hash && size == o.size && mtime_ns == o.mtime_ns;
    }
};
Fingerprint fingerprint(const std::string& path);

// `eigenscope-cli ARGS` (ARGS as a shell would split them) run as a process: stdout, stderr, the
// exit code (-1 when it did not exit) and whether a signal ended it.
struct CliRun {
    int exit_code = -1;
    bool signalled = false;
    std::string out, err;
};
CliRun run_cli(const std::string& args);

// Debian's Python on tests/reference/SCRIPT with ARGS (shell-split): its stdout parsed as JSON,
// or null when the script could not run or exited non-zero (`why` then says which command).
nlohmann::json run_reference(const std::string& script, const std::string& args,
                             std::string* why = nullptr);

}  // namespace es::test
