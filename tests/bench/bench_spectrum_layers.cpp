// Spectra of every layer, one layer at a time on two BLAS threads (threads = 1) against two
// layers at once with one BLAS thread each (threads = 2), interleaved A/B/A/B, 5 repetitions.
// usage: bench_spectrum_layers [dump.h5] [top_k]  (default: writes
// /tmp/eigenscope_bench_spectrum.h5, 8 x 2048 x 2048 float32, contiguous; top_k 0: values only)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "analysis/spectrum.h"
#include "bench_support.h"
#include "io/dump.h"
#include "numerics/linalg.h"

using es::bench::median;

int main(int argc, char** argv) {
    std::string path = argc > 1 ? argv[1] : "/tmp/eigenscope_bench_spectrum.h5";
    const std::size_t top_k = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 0;
    // A dump named on the command line is never written.
    if (argc <= 1 && !es::bench::write_dump_if_missing(path, "8 2048 2048 --dtype=f4 --plain"))
        return 1;
    auto dump = es::Dump::open(path);
    const es::StreamInfo& s = dump->stream("");
    std::printf("%s: %zu states x %zu tokens x %zu (%s), top_k %zu, BLAS threads %d\n",
                path.c_str(), s.n_states(), s.n_tokens(), s.d, es::dtype_name(s.dtype), top_k,
                es::numerics::blas_threads());
    es::numerics::set_blas_threads(2);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress visible when redirected to a file

    es::analysis::SpectrumResult results[2];
    auto run = [&](int threads) {
        es::analysis::SpectrumOptions o;
        o.top_k = top_k;
        o.threads = threads;
        const auto t0 = std::chrono::steady_clock::now();
        results[threads - 1] = es::analysis::spectrum(*dump, o, es::no_progress());
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    std::vector<double> seq, par;
    for (int rep = 0; rep < 5; ++rep) {
        seq.push_back(run(1));
        par.push_back(run(2));
        std::printf("rep %d: sequential %.3f s, two layers at once %.3f s\n", rep, seq.back(),
                    par.back());
    }
    // Per value (relative, floored at 1) and relative to the layer's largest value: the
    // centred matrix has a null direction whose "singular value" is sqrt(rounding noise), which
    // differs between BLAS thread counts in absolute terms only.
    double worst = 0, worst_top = 0;
    for (std::size_t l = 0; l < results[0].layers.size(); ++l) {
        const auto &a = results[0].layers[l].singular_values,
                   &b = results[1].layers[l].singular_values;
        for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
            worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(1.0, std::abs(a[i])));
            worst_top = std::max(worst_top, std::abs(a[i] - b[i]) / std::abs(a[0]));
        }
    }
    std::printf(
        "BLAS threads after: %d; max difference of singular values: %.2e relative "
        "(floored at 1), %.2e relative to the largest\n",
        es::numerics::blas_threads(), worst, worst_top);
    std::printf("median: sequential %.3f s, two layers at once %.3f s; ratio %.2fx\n", median(seq),
                median(par), median(seq) / median(par));
    return 0;
}
