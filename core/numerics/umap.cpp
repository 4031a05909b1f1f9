#include "numerics/umap.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>

#include "numerics/hnsw.h"
#include "util/error.h"
#include "util/parallel.h"

namespace es::numerics {

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// The curve 1 / (1 + a d^(2b)) that umap-learn fits to min_dist 0.1, spread 1.
constexpr double kA = 1.576943460405378, kB = 0.8950608781227859;

std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

double clip4(double g) {
    return std::clamp(g, -4.0, 4.0);
}

struct Edge {
    std::uint32_t head, tail;
    double weight;
};

// The fuzzy simplicial set of the kNN graph (umap-learn's smooth_knn_dist and fuzzy union),
// both directions of every edge, sorted by (head, tail).
std::vector<Edge> fuzzy_graph(const Knn& knn, int threads) {
    const std::size_t n = knn.n, k = knn.k;
    const double target = std::log2(static_cast<double>(k));
    double mean_all = 0;
    for (float v : knn.distance) mean_all += v;
    mean_all /= std::max<std::size_t>(1, knn.distance.size());
    std::vector<double> w(n * k);
    util::parallel_for(n, threads, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            const float* d = &knn.distance[i * k];
            double rho = 0, mean_i = 0;
            for (std::size_t j = 0; j < k; ++j) {
                mean_i += d[j];
                if (rho == 0 && d[j] > 0) rho = d[j];
            }
            mean_i /= static_cast<double>(k);
            double lo = 0, hi = std::numeric_limits<double>::infinity(), sigma = 1;
            for (int it = 0; it < 64; ++it) {
                double psum = 0;
                for (std::size_t j = 0; j < k; ++j)
                    psum += std::exp(-std::max(0.0, d[j] - rho) / sigma);
                if (std::abs(psum - target) < 1e-5) break;
                if (psum > target) {
                    hi = sigma;
                    sigma = (lo + hi) / 2;
                } else {
                    lo = sigma;
                    sigma = std::isinf(hi) ? sigma * 2 : (lo + hi) / 2;
                }
            }
            // umap-learn's floor: a point in a tight clump keeps some reach.
            const double floor = 1e-3 * (rho > 0 ? mean_i : mean_all);
            sigma = std::max(sigma, floor);
            for (std::size_t j = 0; j < k; ++j)
                w[i * k + j] = std::exp(-std::max(0.0, d[j] - rho) / sigma);
        }
    });
    // Fuzzy union: w(i,j) + w(j,i) - w(i,j) w(j,i), over unordered pairs.
    struct Directed {
        std::uint64_t key;  // min * n + max
        bool forward;       // head < tail
        double w;
    };
    std::vector<Directed> all;
    all.reserve(n * k);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < k; ++j) {
            const std::uint64_t a = i, b = knn.index[i * k + j];
            if (a == b) continue;
            all.push_back({std::min(a, b) * n + std::max(a, b), a < b, w[i * k + j]});
        }
    std::sort(all.begin(), all.end(), [](const Directed& x, const Directed& y) {
        return x.key != y.key ? x.key < y.key : x.forward < y.forward;
    });
    std::vector<Edge> edges;
    for (std::size_t s = 0; s < all.size();) {
        std::size_t t = s + 1;
        while (t < all.size() && all[t].key == all[s].key) ++t;
        double a = 0, b = 0;
        for (std::size_t u = s; u < t; ++u) (all[u].forward ? a : b) = all[u].w;
        const double v = a + b - a * b;
        const auto lo = static_cast<std::uint32_t>(all[s].key / n);
        const auto hi = static_cast<std::uint32_t>(all[s].key % n);
        edges.push_back({lo, hi, v});
        edges.push_back({hi, lo, v});
        s = t;
    }
    std::sort(edges.begin(), edges.end(), [](const Edge& x, const Edge& y) {
        return x.head != y.head ? x.head < y.head : x.tail < y.tail;
    });
    return edges;
}

}  // namespace

Knn exact_knn(const float* x, std::size_t n, std::size_t d, std::size_t k, int threads,
              Progress& progress) {
    if (n < 2) throw InputError("nearest neighbours need at least 2 points");
    k = std::min(k, n - 1);
    Knn out;
    out.n = n;
    out.k = k;
    out.index.assign(n * k, 0);
    out.distance.assign(n * k, 0);
    const Eigen::Map<const RowMajor> X(x, static_cast<Eigen::Index>(n),
                                       static_cast<Eigen::Index>(d));
    const Eigen::VectorXf norms = X.rowwise().squaredNorm();
    // Blocks of rows against blocks of columns: |a|^2 + |b|^2 - 2 a.b from one matrix product
    // each (the product is where the time goes), the k best kept per row.
    constexpr std::size_t kRows = 256, kCols = 4096;
    const std::size_t blocks = (n + kRows - 1) / kRows;
    util::parallel_each(blocks, threads, [&](std::size_t blk) {
        progress.check();
        const std::size_t r0 = blk * kRows, r1 = std::min(n, r0 + kRows);
        const auto rows = static_cast<Eigen::Index>(r1 - r0);
        std::vector<std::pair<float, std::uint32_t>> best(
            (r1 - r0) * k, {std::numeric_limits<float>::infinity(), 0});
        RowMajor dots;
        for (std::size_t c0 = 0; c0 < n; c0 += kCols) {
            const std::size_t c1 = std::min(n, c0 + kCols);
            const auto cols = static_cast<Eigen::Index>(c1 - c0);
            dots.noalias() = X.middleRows(static_cast<Eigen::Index>(r0), rows) *
                             X.middleRows(static_cast<Eigen::Index>(c0), cols).transpose();
            for (std::size_t i = r0; i < r1; ++i) {
                auto* b = &best[(i - r0) * k];
                const float ni = norms[static_cast<Eigen::Index>(i)];
                const float* row = dots.data() + (i - r0) * (c1 - c0);
                for (std::size_t j = c0; j < c1; ++j) {
                    if (j == i) continue;
                    const float d2 = std::max(
                        0.0f, ni + norms[static_cast<Eigen::Index>(j)] - 2.0f * row[j - c0]);
                    if (!(d2 < b[k - 1].first)) continue;
                    std::size_t p = k - 1;  // insertion: after equal ones (lower index first)
                    while (p > 0 && b[p - 1].first > d2) {
                        b[p] = b[p - 1];
                        --p;
                    }
                    b[p] = {d2, static_cast<std::uint32_t>(j)};
                }
            }
        }
        for (std::size_t i = r0; i < r1; ++i)
            for (std::size_t j = 0; j < k; ++j) {
                const auto& [d2, idx] = best[(i - r0) * k + j];
                out.index[i * k + j] = idx;
                // The distance itself in float64 from the rows: the expansion above loses
                // digits for near neighbours far from the origin.
                double s = 0;
                for (std::size_t c = 0; c < d; ++c) {
                    const double diff = double(x[i * d + c]) - double(x[std::size_t(idx) * d + c]);
                    s += diff * diff;
                }
                out.distance[i * k + j] = static_cast<float>(std::sqrt(s));
            }
    });
    return out;
}

Knn approximate_knn(const float* x, std::size_t n, std::size_t d, std::size_t k, std::uint64_t seed,
                    int threads, Progress& progress) {
    if (n < 2) throw InputError("nearest neighbours need at least 2 points");
    k = std::min(k, n - 1);
    HnswGraph index(HnswGraph::Space::L2, d, n, 16, 200, static_cast<std::size_t>(seed));
    for (std::size_t i = 0; i < n; ++i) {
        if (i % 4096 == 0) progress.check();
        index.add(x + i * d, i);
    }
    index.set_ef(std::max<std::size_t>(64, 2 * k));
    Knn out;
    out.n = n;
    out.k = k;
    out.index.assign(n * k, 0);
    out.distance.assign(n * k, 0);
    util::parallel_for(n, util::resolve_threads(threads), [&](std::size_t b, std::size_t e) {
        std::vector<std::pair<float, std::uint32_t>> found;
        for (std::size_t i = b; i < e; ++i) {
            if (i % 4096 == 0) progress.check();
            found.clear();
            for (const auto& [dist, label] : index.search(x + i * d, k + 1))
                if (label != i) found.emplace_back(dist, static_cast<std::uint32_t>(label));
            std::sort(found.begin(), found.end());  // nearest first, ties by index
            for (std::size_t j = 0; j < k; ++j) {
                // Fewer than k found (never in practice): repeat the farthest one found.
                const auto& f = found[std::min(j, found.size() - 1)];
                out.index[i * k + j] = f.second;
                out.distance[i * k + j] = std::sqrt(std::max(0.0f, f.first));
            }
        }
    });
    return out;
}

namespace {

// The descent on `threads`: per epoch, every point moves along its own edges (sorted by head, so
// a point's edges are one run) in edge order, against the other points' positions of the previous
// epoch, and writes only its own new position. A pair's two directed edges each move one end;
// umap-learn's edge moves both ends, so the attraction step is doubled to keep the same pull per
// sample. Negative samples push the head only, as umap-learn's do.
void descend_parallel(const std::vector<Edge>& edges, const std::vector<double>& per_sample,
                      const std::vector<double>& per_negative, std::vector<double>& y,
                      std::size_t n, std::size_t D, std::size_t epochs, std::uint64_t seed,
                      int threads, Progress& progress) {
    const std::size_t m = edges.size();
    std::vector<std::size_t> first(n + 1, m);  // point i's edges: [first[i], first[i + 1])
    for (std::size_t e = m; e-- > 0;) first[edges[e].head] = e;
    for (std::size_t i = n; i-- > 0;) first[i] = std::min(first[i], first[i + 1]);
    std::vector<double> next(per_sample), next_negative(per_negative);
    std::vector<double> prev(y);
    for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
        if (epoch % 10 == 0) {
            progress.check();
            progress.report(0.35 + 0.65 * double(epoch) / double(epochs), "UMAP: layout");
        }
        const double alpha = 1.0 - double(epoch) / double(epochs);
        const double ep = static_cast<double>(epoch);
        prev.swap(y);  // prev: the positions every point reads this epoch; y: the new ones
        util::parallel_for(n, threads, [&](std::size_t b, std::size_t end) {
            double cur[3];
            for (std::size_t i = b; i < end; ++i) {
                for (std::size_t c = 0; c < D; ++c) cur[c] = prev[i * D + c];
                for (std::size_t e = first[i]; e < first[i + 1]; ++e) {
                    if (next[e] > ep) continue;
                    const double* oth = &prev[std::size_t(edges[e].tail) * D];
                    double d2 = 0;
                    for (std::size_t c = 0; c < D; ++c) d2 += (cur[c] - oth[c]) * (cur[c] - oth[c]);
                    if (d2 > 0) {
                        const double g =
                            -2.0 * kA * kB * std::pow(d2, kB - 1.0) / (kA * std::pow(d2, kB) + 1.0);
                        for (std::size_t c = 0; c < D; ++c)
                            cur[c] += 2.0 * clip4(g * (cur[c] - oth[c])) * alpha;
                    }
                    next[e] += per_sample[e];
                    const auto negatives =
                        static_cast<std::size_t>((ep - next_negative[e]) / per_negative[e]);
                    for (std::size_t p = 0; p < negatives; ++p) {
                        const std::uint64_t r =
                            splitmix(seed ^ splitmix((std::uint64_t(epoch) << 40) ^
                                                     (std::uint64_t(e) << 8) ^ p));
                        const std::size_t k = static_cast<std::size_t>(r % n);
                        if (k == i) continue;
                        const double* other = &prev[k * D];
                        double q = 0;
                        for (std::size_t c = 0; c < D; ++c)
                            q += (cur[c] - other[c]) * (cur[c] - other[c]);
                        const double g =
                            q > 0 ? 2.0 * kB / ((0.001 + q) * (kA * std::pow(q, kB) + 1.0)) : 0.0;
                        for (std::size_t c = 0; c < D; ++c)
                            cur[c] += (g > 0 ? clip4(g * (cur[c] - other[c])) : 4.0) * alpha;
                    }
                    next_negative[e] += double(negatives) * per_negative[e];
                }
                for (std::size_t c = 0; c < D; ++c) y[i * D + c] = cur[c];
            }
        });
    }
}

}  // namespace

std::vector<float> umap(const float* x, std::size_t n, std::size_t d, const UmapOptions& o,
                        Progress& progress) {
    if (o.dims < 2 || o.dims > 3) throw InputError("UMAP: dims must be 2 or 3");
    if (d < o.dims) throw InputError("UMAP: the input has fewer dimensions than the layout");
    if (n <= o.dims + 1) throw InputError("UMAP needs more than dims + 1 points");
    const int threads = util::resolve_threads(o.threads);
    progress.report(0.0, "UMAP: nearest neighbours");
    const std::size_t kn = std::max<std::size_t>(2, o.neighbours);
    const Knn knn = o.approximate ? approximate_knn(x, n, d, kn, o.seed, threads, progress)
                                  : exact_knn(x, n, d, kn, threads, progress);
    progress.report(0.3, "UMAP: fuzzy graph");
    std::vector<Edge> edges = fuzzy_graph(knn, threads);
    const std::size_t epochs = o.epochs ? o.epochs : (n <= 10000 ? 500 : 200);
    double wmax = 0;
    for (const Edge& e : edges) wmax = std::max(wmax, e.weight);
    // umap-learn drops edges too weak to be sampled once in the whole run.
    edges.erase(std::remove_if(edges.begin(), edges.end(),
                               [&](const Edge& e) { return e.weight < wmax / double(epochs); }),
                edges.end());

    // Initialisation: the input's first coordinates (principal-component scores), centred and
    // scaled to a largest magnitude of 10, umap-learn's scale.
    const std::size_t D = o.dims;
    std::vector<double> y(n * D);
    std::vector<double> mean(D, 0.0);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t c = 0; c < D; ++c) mean[c] += x[i * d + c];
    for (double& m : mean) m /= double(n);
    double amax = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t c = 0; c < D; ++c) {
            y[i * D + c] = x[i * d + c] - mean[c];
            amax = std::max(amax, std::abs(y[i * D + c]));
        }
    for (double& v : y) v *= amax > 0 ? 10.0 / amax : 1.0;

    const std::size_t m = edges.size();
    std::vector<double> per_sample(m), next(m), per_negative(m), next_negative(m);
    const double neg_rate = static_cast<double>(std::max<std::size_t>(1, o.negative_samples));
    for (std::size_t e = 0; e < m; ++e) {
        per_sample[e] = wmax / edges[e].weight;
        next[e] = per_sample[e];
        per_negative[e] = per_sample[e] / neg_rate;
        next_negative[e] = per_negative[e];
    }
    if (o.parallel_descent) {
        descend_parallel(edges, per_sample, per_negative, y, n, D, epochs, o.seed, threads,
                         progress);
        progress.report(1.0, "UMAP done");
        return std::vector<float>(y.begin(), y.end());
    }
    // The descent, sequential: see the header.
    for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
        if (epoch % 10 == 0) {
            progress.check();
            progress.report(0.35 + 0.65 * double(epoch) / double(epochs), "UMAP: layout");
        }
        const double alpha = 1.0 - double(epoch) / double(epochs);
        const double ep = static_cast<double>(epoch);
        for (std::size_t e = 0; e < m; ++e) {
            if (next[e] > ep) continue;
            double* cur = &y[std::size_t(edges[e].head) * D];
            double* oth = &y[std::size_t(edges[e].tail) * D];
            double d2 = 0;
            for (std::size_t c = 0; c < D; ++c) d2 += (cur[c] - oth[c]) * (cur[c] - oth[c]);
            if (d2 > 0) {
                const double g =
                    -2.0 * kA * kB * std::pow(d2, kB - 1.0) / (kA * std::pow(d2, kB) + 1.0);
                for (std::size_t c = 0; c < D; ++c) {
                    const double step = clip4(g * (cur[c] - oth[c])) * alpha;
                    cur[c] += step;
                    oth[c] -= step;
                }
            }
            next[e] += per_sample[e];
            const auto negatives =
                static_cast<std::size_t>((ep - next_negative[e]) / per_negative[e]);
            for (std::size_t p = 0; p < negatives; ++p) {
                const std::uint64_t r = splitmix(
                    o.seed ^ splitmix((std::uint64_t(epoch) << 40) ^ (std::uint64_t(e) << 8) ^ p));
                const std::size_t k = static_cast<std::size_t>(r % n);
                if (k == edges[e].head) continue;
                const double* other = &y[k * D];
                double q = 0;
                for (std::size_t c = 0; c < D; ++c) q += (cur[c] - other[c]) * (cur[c] - other[c]);
                const double g =
                    q > 0 ? 2.0 * kB / ((0.001 + q) * (kA * std::pow(q, kB) + 1.0)) : 0.0;
                for (std::size_t c = 0; c < D; ++c)
                    cur[c] += (g > 0 ? clip4(g * (cur[c] - other[c])) : 4.0) * alpha;
            }
            next_negative[e] += double(negatives) * per_negative[e];
        }
    }
    progress.report(1.0, "UMAP done");
    return std::vector<float>(y.begin(), y.end());
}

double trustworthiness(const float* x, std::size_t dx, const float* y, std::size_t dy,
                       std::size_t n, std::size_t k, int threads) {
    if (n < 2 * k + 2) throw InputError("trustworthiness needs more than 2k + 1 points");
    std::vector<double> penalty(n, 0.0);
    util::parallel_for(n, util::resolve_threads(threads), [&](std::size_t b, std::size_t e) {
        std::vector<double> ddx(n), ddy(n);
        std::vector<std::size_t> order(n);
        for (std::size_t i = b; i < e; ++i) {
            for (std::size_t j = 0; j < n; ++j) {
                double sx = 0, sy = 0;
                for (std::size_t c = 0; c < dx; ++c) {
                    const double v = double(x[i * dx + c]) - double(x[j * dx + c]);
                    sx += v * v;
                }
                for (std::size_t c = 0; c < dy; ++c) {
                    const double v = double(y[i * dy + c]) - double(y[j * dy + c]);
                    sy += v * v;
                }
                ddx[j] = sx;
                ddy[j] = sy;
            }
            // Orders by distance, ties by index; the point itself first (distance 0, and it is
            // moved to the front even when another point coincides with it).
            const auto by = [&](const std::vector<double>& dd) {
                return [&dd, i](std::size_t a, std::size_t c) {
                    if (a == i || c == i) return a == i && c != i;
                    return dd[a] != dd[c] ? dd[a] < dd[c] : a < c;
                };
            };
            for (std::size_t j = 0; j < n; ++j) order[j] = j;
            std::partial_sort(order.begin(), order.begin() + long(k + 1), order.end(), by(ddy));
            const std::vector<std::size_t> near_y(order.begin() + 1, order.begin() + long(k + 1));
            for (std::size_t j = 0; j < n; ++j) order[j] = j;
            std::sort(order.begin(), order.end(), by(ddx));
            std::vector<std::size_t> rank(n);
            for (std::size_t r = 0; r < n; ++r) rank[order[r]] = r;  // the point itself: 0
            double p = 0;
            for (std::size_t j : near_y)
                if (rank[j] > k) p += double(rank[j]) - double(k);
            penalty[i] = p;
        }
    });
    double total = 0;
    for (double p : penalty) total += p;
    const double nn = double(n), kk = double(k);
    return 1.0 - 2.0 / (nn * kk * (2.0 * nn - 3.0 * kk - 1.0)) * total;
}

}  // namespace es::numerics
