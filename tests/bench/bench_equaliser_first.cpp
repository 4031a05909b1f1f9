// The equaliser's first picture on a big dump (issue 20): how long the estimate (the selected
// layer along a token sample's principal axes) takes against the exact pca basis fit, and how far
// it is from the exact bands in the same run, against the uncertainty it states. One thread, as
// the app's analysis threads run (one BLAS thread); thread CPU and wall seconds.
//   bench_equaliser_first FILE [layer] [tokens] [token...] [--generic-blas]
// For each token: the time to the estimate, to the exact basis' first frame and to the whole
// result; the estimate's stated uncertainty (a fraction of ||x||^2) and its actual largest error
// over the bands shown and the rest; one JSON line per token on stdout.
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/equaliser.h"
#include "io/dump.h"
#include "numerics/blas_kernels.h"
#include "numerics/linalg.h"
#include "util/progress.h"

namespace {

double thread_cpu() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
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

}  // namespace

int main(int argc, char** argv) {
    std::vector<const char*> args;
    bool generic = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--generic-blas") == 0)
            generic = true;
        else
            args.push_back(argv[i]);
    }
    if (args.empty()) {
        std::fprintf(stderr,
                     "usage: bench_equaliser_first FILE [layer] [tokens] [token...] "
                     "[--generic-blas]\n");
        return 2;
    }
    if (!generic) es::numerics::choose_blas_kernels();
    es::numerics::set_blas_threads(1);
    auto dump = es::Dump::open(args[0]);
    const es::StreamInfo& s = dump->stream();
    const std::size_t layer = args.size() > 1 ? std::strtoul(args[1], nullptr, 10) : 0;
    const std::size_t tokens = args.size() > 2 ? std::strtoul(args[2], nullptr, 10) : 1024;
    std::vector<std::size_t> which;
    for (std::size_t i = 3; i < args.size(); ++i)
        which.push_back(std::strtoul(args[i], nullptr, 10));
    if (which.empty()) which = {0, 1, s.n_tokens() / 2 + 77, s.n_tokens() - 1};
    std::fprintf(stderr, "%s: %zu x %zu x %zu, layer %zu, sample %zu, BLAS %s, load %.1f\n",
                 args[0], s.n_states(), s.n_tokens(), s.d, layer, tokens,
                 es::numerics::blas_kernels().c_str(), load_average());
    for (std::size_t token : which) {
        es::analysis::EqualiserOptions o;
        o.layer = layer;
        o.token = token;
        o.bands = 32;
        o.estimate_tokens = tokens;
        o.focus = std::make_shared<std::atomic<long long>>(static_cast<long long>(layer));
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = thread_cpu();
        double estimate_cpu = -1, estimate_wall = -1, exact_cpu = -1, exact_wall = -1;
        std::optional<es::analysis::EqualiserResult> estimate;
        o.on_frame = [&](const es::analysis::EqualiserResult& r) {
            const double wall =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (r.estimate_tokens > 0) {
                estimate = r;
                estimate_cpu = thread_cpu() - c0;
                estimate_wall = wall;
            } else if (exact_cpu < 0) {
                exact_cpu = thread_cpu() - c0;
                exact_wall = wall;
            }
        };
        es::Progress progress;
        const auto r = es::analysis::equaliser(*dump, o, progress);
        const double total_cpu = thread_cpu() - c0;
        const double total_wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!estimate) {
            std::fprintf(stderr, "no estimate delivered\n");
            return 1;
        }
        // The estimate's frame against the exact one: each shown band, and the rest.
        const std::size_t f =
            std::find(estimate->frame_computed.begin(), estimate->frame_computed.end(), true) -
            estimate->frame_computed.begin();
        const auto& e = estimate->frames[f];
        const auto& x = r.frames[f];
        double total = 0, shown = 0, exact_shown = 0, worst = 0;
        for (const auto& v : x) total += v.value_or(0.0);
        std::size_t bands = 0;
        for (std::size_t k = 0; k < e.size(); ++k) {
            if (!e[k]) continue;
            ++bands;
            shown += *e[k];
            exact_shown += x[k].value_or(0.0);
            worst = std::max(
                {worst, std::abs(*e[k] - x[k].value_or(0.0)), std::abs(shown - exact_shown)});
        }
        worst /= total;
        std::printf(
            "{\"token\": %zu, \"frame\": %zu, \"bands_shown\": %zu, \"estimate_tokens\": %zu, "
            "\"estimate_cpu_s\": %.3f, \"estimate_wall_s\": %.3f, \"exact_first_cpu_s\": %.3f, "
            "\"exact_first_wall_s\": %.3f, \"complete_cpu_s\": %.3f, \"complete_wall_s\": %.3f, "
            "\"stated\": %.4f, \"actual_error\": %.4f, \"rest_estimate\": %.4f, "
            "\"rest_exact\": %.4f, \"band0_estimate\": %.4f, \"band0_exact\": %.4f, "
            "\"load\": %.1f}\n",
            token, f, bands, estimate->estimate_tokens, estimate_cpu, estimate_wall, exact_cpu,
            exact_wall, total_cpu, total_wall, estimate->estimate_spread, worst,
            estimate->estimate_rest / total, 1 - exact_shown / total, e[0].value_or(0.0) / total,
            x[0].value_or(0.0) / total, load_average());
        std::fflush(stdout);
    }
    return 0;
}
