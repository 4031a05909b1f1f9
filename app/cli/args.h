#pragma once
// Minimal command-line parsing for eigenscope-cli verbs: positionals, --flag and --key value
// (or --key=value). Unknown options are a usage error (exit 2), never ignored.
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace es::cli {

class Args {
public:
    // flags: options without a value; options: options that take one.
    Args(const std::vector<std::string>& argv, const std::set<std::string>& flags,
         const std::set<std::string>& options);

    const std::vector<std::string>& positionals() const { return positionals_; }
    bool flag(const std::string& name) const { return flags_.count(name) > 0; }
    std::optional<std::string> option(const std::string& name) const;
    // Throws UsageError when present but not a whole number in [lo, hi].
    std::optional<long long> integer(const std::string& name, long long lo, long long hi) const;

private:
    std::vector<std::string> positionals_;
    std::set<std::string> flags_;
    std::map<std::string, std::string> options_;
};

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace es::cli
