#include "numerics/clustering.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace es::numerics {

std::vector<std::size_t> average_linkage_order(const std::vector<double>& dist, std::size_t n) {
    if (n == 0) return {};
    double big = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j)
            if (std::isfinite(dist[i * n + j])) big = std::max(big, dist[i * n + j]);
    big += 1;
    // d: current cluster-to-cluster average distances (slot i < j), sizes and leaf lists.
    std::vector<double> d(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) {
            const double v = std::isfinite(dist[i * n + j]) ? dist[i * n + j] : big;
            d[i * n + j] = d[j * n + i] = v;
        }
    std::vector<std::vector<std::size_t>> leaves(n);
    std::vector<double> size(n, 1.0);
    std::vector<bool> active(n, true);
    for (std::size_t i = 0; i < n; ++i) leaves[i] = {i};
    for (std::size_t step = 1; step < n; ++step) {
        std::size_t bi = n, bj = n;
        double best = std::numeric_limits<double>::infinity();
        for (std::size_t i = 0; i < n; ++i) {
            if (!active[i]) continue;
            for (std::size_t j = i + 1; j < n; ++j)
                if (active[j] && d[i * n + j] < best) best = d[i * n + j], bi = i, bj = j;
        }
        // Merge bj into bi (bi < bj; slot i always holds the cluster with the smaller first leaf).
        for (std::size_t k = 0; k < n; ++k) {
            if (!active[k] || k == bi || k == bj) continue;
            const double v =
                (size[bi] * d[bi * n + k] + size[bj] * d[bj * n + k]) / (size[bi] + size[bj]);
            d[bi * n + k] = d[k * n + bi] = v;
        }
        size[bi] += size[bj];
        leaves[bi].insert(leaves[bi].end(), leaves[bj].begin(), leaves[bj].end());
        leaves[bj].clear();
        active[bj] = false;
    }
    for (std::size_t i = 0; i < n; ++i)
        if (active[i]) return leaves[i];
    return {};
}

}  // namespace es::numerics
