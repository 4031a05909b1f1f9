#include "args.h"

#include <stdexcept>

namespace es::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& flags,
           const std::set<std::string>& options) {
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
            std::string name = a.substr(2), value;
            bool has_value = false;
            if (auto eq = name.find('='); eq != std::string::npos) {
                value = name.substr(eq + 1);
                name = name.substr(0, eq);
                has_value = true;
            }
            if (flags.count(name)) {
                if (has_value) throw UsageError("option --" + name + " takes no value");
                flags_.insert(name);
            } else if (options.count(name)) {
                if (!has_value) {
                    if (i + 1 >= argv.size())
                        throw UsageError("option --" + name + " needs a value");
                    value = argv[++i];
                }
                options_[name] = value;
            } else {
                throw UsageError("unknown option --" + name);
            }
        } else {
            positionals_.push_back(a);
        }
    }
}

std::optional<std::string> Args::option(const std::string& name) const {
    auto it = options_.find(name);
    if (it == options_.end()) return std::nullopt;
    return it->second;
}

std::optional<long long> Args::integer(const std::string& name, long long lo, long long hi) const {
    auto v = option(name);
    if (!v) return std::nullopt;
    std::size_t used = 0;
    long long n = 0;
    try {
        n = std::stoll(*v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v->size() || v->empty() || n < lo || n > hi)
        throw UsageError("--" + name + " must be a whole number from " + std::to_string(lo) +
                         " to " + std::to_string(hi) + ", got '" + *v + "'");
    return n;
}

}  // namespace es::cli
