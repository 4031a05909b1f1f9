#pragma once
// Shared by the core-only benchmarks (bench_gzip_read, bench_spectrum_layers): the median of the
// repetitions, and the synthetic dump tests/bench/make_gzip_dump.py writes when it is missing.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace es::bench {

inline double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Writes `path` with make_gzip_dump.py ARGS (after the path) by Debian's h5py unless it exists;
// false when the script failed.
inline bool write_dump_if_missing(const std::string& path, const std::string& args = "") {
    if (std::filesystem::exists(path)) return true;
    const std::string cmd = "/usr/bin/python3 '" EIGENSCOPE_SOURCE_DIR
                            "/tests/bench/make_gzip_dump.py' '" +
                            path + "'" + (args.empty() ? "" : " " + args);
    std::printf("writing %s ...\n", path.c_str());
    return std::system(cmd.c_str()) == 0;
}

}  // namespace es::bench
