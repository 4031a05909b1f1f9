// Reading every state of a gzip+shuffle dump through HDF5's filter pipeline (one core) and
// through the parallel fast path (io/gzip_chunks.h), interleaved A/B/A/B, 5 repetitions.
// usage: bench_gzip_read [dump.h5]  (written when missing; default /tmp/eigenscope_bench_gzip.h5:
// 8 x 4096 x 4096 float16 in (1, 256, 4096) chunks, by tests/bench/make_gzip_dump.py with
// Debian's h5py)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "analysis/common.h"
#include "bench_support.h"
#include "io/dump.h"
#include "io/gzip_chunks.h"

using es::bench::median;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    std::string path = argc > 1 ? argv[1] : "/tmp/eigenscope_bench_gzip.h5";
    if (!es::bench::write_dump_if_missing(path)) return 1;
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress visible when redirected to a file
    auto dump = es::Dump::open(path);
    const es::StreamInfo& s = dump->stream("");
    std::printf("%s: %zu states x %zu tokens x %zu (%s), filters:", path.c_str(), s.n_states(),
                s.n_tokens(), s.d, es::dtype_name(s.dtype));
    for (const auto& f : s.filters) std::printf(" %s", f.c_str());
    std::printf("\n");

    std::vector<float> x, first;
    // Process CPU seconds of the last read_all: CPU / wall shows how many cores a path kept
    // busy, which stays meaningful when other work on the machine stretches the wall time.
    double cpu = 0;
    auto read_all = [&](es::gzip_chunks::Mode mode, bool keep) {
        es::gzip_chunks::set_mode(mode);
        const std::clock_t c0 = std::clock();
        const auto t0 = std::chrono::steady_clock::now();
        double checksum = 0;
        for (std::size_t st = 0; st < s.n_states(); ++st) {
            es::analysis::read_state(*dump, s, st, x, es::no_progress());
            checksum += x[x.size() / 2];
            if (keep && st == s.n_states() - 1) first = x;
        }
        const double t = seconds_since(t0);
        cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
        if (checksum == 12345.678) std::printf(" ");  // keep the reads observable
        return t;
    };
    // Warm the page cache and check that both paths give the same bits.
    read_all(es::gzip_chunks::Mode::Off, true);
    read_all(es::gzip_chunks::Mode::Auto, false);
    const bool same = first.size() == x.size() &&
                      std::memcmp(first.data(), x.data(), x.size() * sizeof(float)) == 0;
    std::printf("last state bit-identical between paths: %s\n", same ? "yes" : "NO");

    std::vector<double> hdf5, fast, hdf5_cpu, fast_cpu;
    const std::uint64_t chunks0 = es::gzip_chunks::chunks_decoded();
    for (int rep = 0; rep < 5; ++rep) {
        hdf5.push_back(read_all(es::gzip_chunks::Mode::Off, false));
        hdf5_cpu.push_back(cpu);
        fast.push_back(read_all(es::gzip_chunks::Mode::Auto, false));
        fast_cpu.push_back(cpu);
        std::printf("rep %d: hdf5 %.3f s (CPU %.3f s), fast %.3f s (CPU %.3f s)\n", rep,
                    hdf5.back(), hdf5_cpu.back(), fast.back(), fast_cpu.back());
    }
    std::printf("median CPU: hdf5 %.3f s, fast %.3f s (%.2f cores busy on average)\n",
                median(hdf5_cpu), median(fast_cpu), median(fast_cpu) / median(fast));
    const double mh = median(hdf5), mf = median(fast);
    const double gb = static_cast<double>(s.n_states() * s.n_tokens() * s.d) * 4 / 1e9;
    std::printf(
        "median: hdf5 %.3f s (%.2f GB/s float32 out), fast %.3f s (%.2f GB/s); "
        "ratio %.2fx; fast-path chunks %llu\n",
        mh, gb / mh, mf, gb / mf, mh / mf,
        static_cast<unsigned long long>(es::gzip_chunks::chunks_decoded() - chunks0));
    return same ? 0 : 2;
}
