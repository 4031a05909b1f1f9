// Where the spectrum's first picture goes on a big dump (issue 20: on M the selected layer's top
// values came 4.3 s after opening; target 1.5 s). One layer, one thread, each step timed in wall
// and thread CPU seconds: opening the dump, reading the state (HDF5 and the float16 decode), the
// finite-row scan, the estimate's Krylov blocks (each Rayleigh-Ritz step, with how many leading
// values are within 1%, 2% and 5% by their residual bounds), and the exact values (the float64
// Gram and the eigensolve, the reference the estimate is judged against in the same run).
//   bench_spectrum_first FILE [layer] [k] [product threads] [--no-exact] [--generic-blas]
//                        [--exact-blas-threads N]
// --exact-blas-threads: the exact part on N BLAS threads (2: the app's selected layer, which has
// both cores while the other views yield to it; util/foreground.h).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "analysis/common.h"
#include "io/dump.h"
#include "numerics/blas_kernels.h"
#include "numerics/linalg.h"
#include "numerics/pca.h"
#include "numerics/randomized_svd.h"
#include "util/progress.h"

namespace {

double thread_cpu() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double process_cpu() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double load_average() {
    double l = -1;
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(f, "%lf", &l) != 1) l = -1;
        std::fclose(f);
    }
    return l;
}

// Wall, this thread's CPU and the process's CPU (helper threads) since construction.
struct Step {
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    double c0 = thread_cpu(), p0 = process_cpu();
    void print(const char* what) const {
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("  %-44s wall %7.3f s, thread CPU %7.3f s, process CPU %7.3f s\n", what, wall,
                    thread_cpu() - c0, process_cpu() - p0);
    }
};

// How many leading values have bound_i <= tol * s_i.
std::size_t tight(const es::numerics::TopSingularValues& t, double tol) {
    std::size_t n = 0;
    while (n < t.values.size() && t.bounds[n] <= tol * t.values[n]) ++n;
    return n;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr,
                     "usage: bench_spectrum_first FILE [layer] [k] [product threads] "
                     "[--no-exact]\n");
        return 2;
    }
    bool exact = true, generic_blas = false;
    int exact_blas_threads = 1;
    std::vector<const char*> pos;
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--exact-blas-threads") == 0 && i + 1 < argc)
            exact_blas_threads = std::max(1, std::atoi(argv[++i]));
        else if (std::strcmp(argv[i], "--no-exact") == 0)
            exact = false;
        else if (std::strcmp(argv[i], "--generic-blas") == 0)
            generic_blas = true;
        else
            pos.push_back(argv[i]);
    const std::size_t layer = pos.size() > 1 ? std::strtoul(pos[1], nullptr, 10) : 0;
    const std::size_t k = pos.size() > 2 ? std::strtoul(pos[2], nullptr, 10) : 64;
    const int threads = pos.size() > 3 ? std::atoi(pos[3]) : 1;
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    // As the app and the CLI do (numerics/blas_kernels.h), unless --generic-blas (the kernels
    // OpenBLAS picks by itself, to measure the difference).
    if (!generic_blas) es::numerics::choose_blas_kernels();
    es::numerics::set_blas_threads(1);  // as in the app: one BLAS thread per analysis
    std::printf("load average %.2f at the start (2 cores), BLAS kernels %s\n", load_average(),
                es::numerics::blas_kernels().c_str());

    Step open;
    auto dump = es::Dump::open(pos[0]);
    const es::StreamInfo& s = dump->stream("");
    open.print("open the dump");
    std::printf("  %s: %zu states x %zu tokens x %zu (%s), layer %zu, k %zu, threads %d\n", pos[0],
                s.n_states(), s.n_tokens(), s.d, es::dtype_name(s.dtype), layer, k, threads);

    std::vector<float> x;
    Step read;
    es::analysis::read_state(*dump, s, layer, x, es::no_progress());
    read.print("read the state (HDF5, decode to float32)");
    Step scan;
    const std::vector<std::size_t> rows = es::analysis::finite_rows(x.data(), s.n_tokens(), s.d);
    scan.print("finite rows");

    es::numerics::TopSingularValuesOptions o;
    o.k = k;
    o.seed = layer + 1;
    o.threads = threads;
    Step est;
    auto report = [&](const es::numerics::TopSingularValues& t) {
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - est.t0).count();
        double worst = 0;
        for (std::size_t i = 0; i < t.values.size(); ++i)
            worst = std::max(worst, t.bounds[i] / t.values[i]);
        std::printf(
            "    block %d at %.3f s (thread CPU %.3f s): %zu values, worst bound %.2e; "
            "within 1%%: %zu, 2%%: %zu, 5%%: %zu\n",
            t.iterations, wall, thread_cpu() - est.c0, t.values.size(), worst, tight(t, 0.01),
            tight(t, 0.02), tight(t, 0.05));
    };
    o.on_iteration = report;
    const es::numerics::TopSingularValues t =
        es::numerics::top_singular_values(x.data(), s.d, rows, true, o, es::no_progress());
    report(t);
    est.print("estimate (all blocks)");
    if (!exact) return 0;

    es::numerics::set_blas_threads(exact_blas_threads);
    const std::string on = exact_blas_threads == 1
                               ? std::string("one BLAS thread")
                               : std::to_string(exact_blas_threads) + " BLAS threads";
    Step gram;
    std::vector<double> g = es::numerics::gram_of_rows(x.data(), s.d, rows, true);
    gram.print(("exact: float64 Gram (" + on + ")").c_str());
    Step eig;
    std::vector<double> values;
    es::numerics::eigvalsh(g, rows.size(), values);
    eig.print(("exact: eigenvalues (" + on + ")").c_str());
    double worst_error = 0, worst_bound = 0;
    bool held = true;
    for (std::size_t i = 0; i < t.values.size(); ++i) {
        const double exact_i = std::sqrt(std::max(values[i], 0.0));
        const double err = std::abs(t.values[i] - exact_i);
        worst_error = std::max(worst_error, err / exact_i);
        worst_bound = std::max(worst_bound, t.bounds[i] / exact_i);
        // Float32 products: 2e-6 of the largest value (tests/core/test_top_spectrum.cpp).
        held = held && err <= t.bounds[i] + 2e-6 * std::sqrt(values[0]);
    }
    std::printf(
        "  estimate against the exact values: worst error %.2e of the value, worst bound "
        "%.2e, every value within its bound: %s\n",
        worst_error, worst_bound, held ? "yes" : "NO");
    std::printf("load average %.2f at the end\n", load_average());
    return 0;
}
