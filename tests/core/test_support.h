#pragma once
// Shared helpers for core tests: fixture paths, file fingerprints, expected-value JSON.
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

}  // namespace es::test
