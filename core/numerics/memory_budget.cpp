#include "numerics/memory_budget.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "util/error.h"

namespace es::numerics {

std::uint64_t physical_memory_bytes() {
    if (const char* env = std::getenv("EIGENSCOPE_MEMORY_LIMIT_BYTES")) {
        const unsigned long long v = std::strtoull(env, nullptr, 10);
        if (v > 0) return v;
    }
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    // sysconf cannot fail on Linux; if it ever does, do not refuse anything on its account.
    if (pages <= 0 || page <= 0) return UINT64_MAX;
    return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
}

std::string format_bytes(double bytes) {
    static const char* const kUnits[] = {"bytes", "KB", "MB", "GB", "TB", "PB", "EB"};
    std::size_t u = 0;
    while (bytes >= 1024.0 && u + 1 < sizeof kUnits / sizeof kUnits[0]) {
        bytes /= 1024.0;
        ++u;
    }
    char buf[48];
    if (u == 0 || bytes >= 10.0)
        std::snprintf(buf, sizeof buf, "%.0f %s", std::round(bytes), kUnits[u]);
    else
        std::snprintf(buf, sizeof buf, "%.1f %s", bytes, kUnits[u]);
    return buf;
}

void require_memory(double bytes, const std::string& what, const std::string& context) {
    const std::uint64_t have = physical_memory_bytes();
    if (!(bytes > static_cast<double>(have))) return;
    throw InputError(context + "this needs " + format_bytes(bytes) + " of memory for " + what +
                     "; the machine has " + format_bytes(static_cast<double>(have)));
}

}  // namespace es::numerics
