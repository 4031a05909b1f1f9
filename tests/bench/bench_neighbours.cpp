// Neighbour search at scale (docs/PERFORMANCE.md, "Neighbours").
//
//   bench_neighbours [--dir DIR] [--keep] [--queries Q]
//
// 1. Exact: the 10 nearest (cosine) of one token among 1M states of width 1024, a 2 GB float16
//    contiguous dump, warm (the file read once before timing). Median of 5 queries, against a
//    reference measured in the same run: one parallel streaming read of the same state with no
//    scoring (what any analysis of the state costs at least). Target: <= 2 s.
// 2. Approximate: an HNSW index over 100k states of width 1024 (build time), then Q random
//    queries (default 200): recall@10 against the exact answer (mean and worst), and the median
//    query time against the exact search on the same dump.
// The dumps (tests/bench/make_neighbour_dump.py) are written into DIR (default /tmp) when
// missing and deleted at the end unless --keep.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "analysis/common.h"
#include "analysis/neighbours.h"
#include "bench_support.h"
#include "io/dump.h"
#include "util/parallel.h"

using namespace es;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

bool write_if_missing(const std::string& path, std::size_t tokens) {
    if (std::filesystem::exists(path)) return true;
    std::printf("writing %s (%zu x 1024 float16) ...\n", path.c_str(), tokens);
    const std::string cmd = "/usr/bin/python3 '" EIGENSCOPE_SOURCE_DIR
                            "/tests/bench/make_neighbour_dump.py' '" +
                            path + "' --tokens " + std::to_string(tokens);
    return std::system(cmd.c_str()) == 0;
}

// The reference: the state read once, slab by slab on both workers, nothing computed.
double read_pass(const Dump& dump, const StreamInfo& s) {
    const std::size_t T = s.n_tokens(), step = analysis::chunk_read_tokens(s, 1u << 20);
    const std::size_t slabs = (T + step - 1) / step;
    std::vector<std::vector<float>> buf(2, std::vector<float>(step * s.d));
    const auto t0 = Clock::now();
    util::parallel_each(slabs, 2, [&](std::size_t i, std::size_t w) {
        const std::size_t b = i * step, e = std::min(T, b + step);
        dump.read_states(s, 0, b, e, buf[w].data());
    });
    return seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
    std::string dir = "/tmp";
    bool keep = false;
    std::size_t queries = 200;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--dir" && i + 1 < argc)
            dir = argv[++i];
        else if (a == "--keep")
            keep = true;
        else if (a == "--queries" && i + 1 < argc)
            queries = std::stoul(argv[++i]);
    }
    const std::string big = dir + "/bench_neighbours_1m.h5",
                      small = dir + "/bench_neighbours_100k.h5";
    if (!write_if_missing(big, 1000000) || !write_if_missing(small, 100000)) return 1;
    std::mt19937_64 rng(5);

    {  // 1. exact, 1M x 1024
        auto dump = Dump::open(big);
        const StreamInfo& s = dump->stream();
        analysis::NeighboursOptions o;
        o.method = analysis::NeighbourMethod::Exact;
        o.k = 10;
        read_pass(*dump, s);  // warm the page cache
        std::vector<double> exact, reads;
        for (int rep = 0; rep < 5; ++rep) {
            reads.push_back(read_pass(*dump, s));
            o.token = rng() % s.n_tokens();
            const auto t0 = Clock::now();
            const auto r = analysis::neighbours(*dump, o, no_progress());
            exact.push_back(seconds_since(t0));
            if (r.neighbours.size() != 10) return 1;
        }
        const double e = bench::median(exact), rd = bench::median(reads);
        std::printf(
            "exact neighbours, 1M x 1024 float16 (2 GB), warm: median %.3f s (target <= 2 s)"
            "; read-only pass %.3f s; ratio %.2f\n",
            e, rd, e / rd);
    }
    {  // 2. HNSW, 100k x 1024
        auto dump = Dump::open(small);
        const StreamInfo& s = dump->stream();
        analysis::NeighboursOptions o;
        o.k = 10;
        o.method = analysis::NeighbourMethod::Hnsw;
        o.index_path = dir + "/bench_neighbours_100k.hnsw";
        std::filesystem::remove(o.index_path);
        o.token = 0;
        auto t0 = Clock::now();
        analysis::neighbours(*dump, o, no_progress());  // builds and saves the index
        const double build = seconds_since(t0);
        std::vector<double> approx_t, exact_t;
        double recall_sum = 0, recall_min = 1;
        analysis::NeighboursOptions ex = o;
        ex.method = analysis::NeighbourMethod::Exact;
        for (std::size_t q = 0; q < queries; ++q) {
            o.token = ex.token = rng() % s.n_tokens();
            t0 = Clock::now();
            const auto a = analysis::neighbours(*dump, o, no_progress());
            approx_t.push_back(seconds_since(t0));
            t0 = Clock::now();
            const auto x = analysis::neighbours(*dump, ex, no_progress());
            exact_t.push_back(seconds_since(t0));
            std::size_t hit = 0;
            for (const auto& n : x.neighbours)
                for (const auto& m : a.neighbours) hit += n.token_index == m.token_index;
            const double recall =
                static_cast<double>(hit) / static_cast<double>(x.neighbours.size());
            recall_sum += recall;
            recall_min = std::min(recall_min, recall);
        }
        const double qa = bench::median(approx_t), qe = bench::median(exact_t);
        std::printf(
            "hnsw, 100k x 1024 (M 16, ef_construction 200, ef 200): build %.1f s; %zu "
            "queries: recall@10 mean %.4f, worst %.2f (target >= 0.95); query median "
            "%.2f ms vs exact %.1f ms (%.0fx faster)\n",
            build, queries, recall_sum / static_cast<double>(queries), recall_min, 1e3 * qa,
            1e3 * qe, qe / qa);
        std::filesystem::remove(o.index_path);
    }
    if (!keep) {
        std::filesystem::remove(big);
        std::filesystem::remove(small);
    }
    return 0;
}
