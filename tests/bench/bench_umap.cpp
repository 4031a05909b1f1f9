// UMAP's descent on one thread and on two (docs/PERFORMANCE.md, "UMAP layouts").
//
//   bench_umap [--points N] [--dims D] [--epochs E]
//
// N points (default 50 000) in D dimensions (default 16) around 12 centres, the HNSW graph;
// three layouts of the same graph and seed: umap-learn's sequential descent (the reference, in
// the same run), the parallel descent on one thread and on two. For each: the descent's wall
// and CPU time (getrusage, between the progress messages that open and close it) and the
// trustworthiness (k = 10) on 3 000 points taken evenly. The two parallel layouts must be
// identical (printed). A benchmark: it asserts nothing about speed.
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "numerics/umap.h"
#include "util/progress.h"

using namespace es;
using Clock = std::chrono::steady_clock;

namespace {

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

struct Run {
    std::vector<float> y;
    double wall = 0, cpu = 0, trust = 0;
};

Run run(const std::vector<float>& x, std::size_t n, std::size_t d, std::size_t epochs,
        bool parallel, int threads) {
    numerics::UmapOptions o;
    o.dims = 3;
    o.seed = 42;
    o.epochs = epochs;
    o.approximate = true;
    o.parallel_descent = parallel;
    o.threads = threads;
    Clock::time_point t0{};
    double c0 = 0;
    Run r;
    Progress progress([&](double, const std::string& message) {
        if (message == "UMAP: layout" && c0 == 0) {
            t0 = Clock::now();
            c0 = cpu_seconds();
        } else if (message == "UMAP done") {
            r.wall = std::chrono::duration<double>(Clock::now() - t0).count();
            r.cpu = cpu_seconds() - c0;
        }
    });
    r.y = numerics::umap(x.data(), n, d, o, progress);
    const std::size_t m = 3000, step = n / m;
    std::vector<float> xs, ys;
    for (std::size_t i = 0; i < m; ++i) {
        xs.insert(xs.end(), x.begin() + long(i * step * d), x.begin() + long((i * step + 1) * d));
        ys.insert(ys.end(), r.y.begin() + long(i * step * 3),
                  r.y.begin() + long((i * step + 1) * 3));
    }
    r.trust = numerics::trustworthiness(xs.data(), d, ys.data(), 3, m, 10);
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t n = 50000, d = 16, epochs = 200;
    for (int i = 1; i + 1 < argc; ++i) {
        if (!std::strcmp(argv[i], "--points")) n = std::stoul(argv[++i]);
        if (!std::strcmp(argv[i], "--dims")) d = std::stoul(argv[++i]);
        if (!std::strcmp(argv[i], "--epochs")) epochs = std::stoul(argv[++i]);
    }
    // 12 centres on a sphere of radius 4, unit noise: splitmix uniforms, Box-Muller normals.
    std::uint64_t s = 99;
    const auto uniform = [&s] {
        s += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = s;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return (double((z ^ (z >> 31)) >> 11) + 0.5) / double(1ULL << 53);
    };
    const auto normal = [&] {
        return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
    };
    std::vector<double> centres(12 * d);
    for (double& c : centres) c = 4.0 * normal() / std::sqrt(double(d));
    std::vector<float> x(n * d);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t c = 0; c < d; ++c)
            x[i * d + c] = static_cast<float>(centres[(i % 12) * d + c] + 0.5 * normal());
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    const Run seq = run(x, n, d, epochs, false, 1);
    const Run one = run(x, n, d, epochs, true, 1);
    const Run two = run(x, n, d, epochs, true, 2);
    double load_after[3] = {0, 0, 0};
    getloadavg(load_after, 3);
    std::printf("UMAP descent, %zu points x %zu dims, %zu epochs, HNSW graph (load %.1f -> %.1f)\n",
                n, d, epochs, load[0], load_after[0]);
    for (const auto& [name, r] : {std::pair<const char*, const Run&>{"sequential (reference)", seq},
                                  {"parallel, 1 thread", one},
                                  {"parallel, 2 threads", two}})
        std::printf("  %-24s wall %7.2f s  cpu %7.2f s  trustworthiness %.4f\n", name, r.wall,
                    r.cpu, r.trust);
    std::printf("  speedup, wall: 2 threads vs 1 %.2fx, vs sequential %.2fx; identical: %s\n",
                one.wall / two.wall, seq.wall / two.wall, one.y == two.y ? "yes" : "NO");
    std::printf(
        "{\"points\": %zu, \"seq_wall\": %.3f, \"seq_cpu\": %.3f, \"one_wall\": %.3f, "
        "\"one_cpu\": %.3f, \"two_wall\": %.3f, \"two_cpu\": %.3f, \"seq_trust\": %.4f, "
        "\"par_trust\": %.4f, \"identical\": %s}\n",
        n, seq.wall, seq.cpu, one.wall, one.cpu, two.wall, two.cpu, seq.trust, two.trust,
        one.y == two.y ? "true" : "false");
    return 0;
}
