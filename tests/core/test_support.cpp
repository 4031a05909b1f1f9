#include "test_support.h"

#include <sys/stat.h>

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

}  // namespace es::test
