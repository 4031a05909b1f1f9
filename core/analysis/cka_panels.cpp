// CKA's panel scheme (see cka_detail.h): whole centred Grams, a panel of them held at a time, so
// that pairs are exact as soon as both of their Grams have been computed.
#include <algorithm>
#include <cmath>

#include "analysis/cka_detail.h"
#include "numerics/linalg.h"
#include "numerics/row_dots.h"

namespace es::analysis::cka_detail {

namespace {

// The Gram K = Xc Xc^T of xc (n x d, row-major) by syrk (its lower triangle, column-major, in
// `full`), packed by columns: the diagonal as it is, the entries below it times sqrt(2), so that
// the plain dot product of two packed Grams is their Frobenius inner product (each off-diagonal
// entry stands for itself and its mirror).
template <typename S>
void packed_gram(const std::vector<S>& xc, std::size_t n, std::size_t d, std::vector<S>& full,
                 std::vector<S>& out) {
    full.resize(n * n);
    numerics::syrk_t(xc.data(), d, n, S(1), S(0), full.data());
    out.resize(n * (n + 1) / 2);
    const S root2 = static_cast<S>(std::sqrt(2.0));
    std::size_t k = 0;
    for (std::size_t j = 0; j < n; ++j) {
        const S* column = full.data() + j * n;
        out[k++] = column[j];
        for (std::size_t i = j + 1; i < n; ++i) out[k++] = root2 * column[i];
    }
}

// g . h[b] for every held Gram b, in float64.
void dots(const std::vector<float>& g, const std::vector<std::vector<float>>& held,
          std::vector<double>& out) {
    out.assign(held.size(), 0.0);
    // Two held Grams a pass: the new one is read half as often (the pass is memory-bound).
    for (std::size_t b = 0; b < held.size(); b += 2) {
        const float* second = b + 1 < held.size() ? held[b + 1].data() : nullptr;
        const numerics::RowDots r = numerics::row_dots(g.data(), held[b].data(), second, g.size());
        out[b] = r.xp;
        if (second) out[b + 1] = r.xf;
    }
}

double dot(const std::vector<double>& g, const double* h) {
    double acc[4] = {0, 0, 0, 0};  // four chains: the loop is not bound by one add's latency
    std::size_t k = 0;
    for (; k + 4 <= g.size(); k += 4)
        for (std::size_t l = 0; l < 4; ++l) acc[l] += g[k + l] * h[k + l];
    for (; k < g.size(); ++k) acc[0] += g[k] * h[k];
    return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

void dots(const std::vector<double>& g, const std::vector<std::vector<double>>& held,
          std::vector<double>& out) {
    out.assign(held.size(), 0.0);
    for (std::size_t b = 0; b < held.size(); ++b) out[b] = dot(g, held[b].data());
}

double self_dot(const std::vector<float>& g) {
    return numerics::row_dots(g.data(), nullptr, nullptr, g.size()).xx;
}
double self_dot(const std::vector<double>& g) {
    return dot(g, g.data());
}

}  // namespace

std::size_t panel_gram_count(std::size_t rows, std::size_t cols, std::size_t capacity) {
    capacity = std::max<std::size_t>(capacity, 1);
    const std::size_t panels = (rows + capacity - 1) / capacity;
    if (cols) return rows + panels * cols;  // two dumps: every column layer once per panel
    std::size_t count = 0;
    for (std::size_t p0 = 0; p0 < rows; p0 += capacity) count += rows - p0;  // own + later ones
    return count;
}

template <typename S>
std::vector<double> gram_panels(const std::vector<Source>& src, StateCache& cache,
                                const std::vector<std::size_t>& rows, const PanelPlan& plan,
                                int threads, const PairsDone& on_pairs, Progress& progress,
                                std::vector<unsigned char>& known) {
    const std::size_t L = src.size(), n = rows.size();
    const std::vector<std::size_t>& R = plan.rows_order;
    const bool two = !plan.cols_order.empty();
    const std::size_t capacity = std::max<std::size_t>(plan.capacity, 1);
    std::vector<double> inner(L * L, 0.0);
    known.assign(L * L, 0);
    const numerics::ScopedBlasThreads blas(threads);
    std::vector<S> full;  // syrk's n x n output, reused
    const std::size_t total = panel_gram_count(R.size(), plan.cols_order.size(), capacity);
    std::size_t computed = 0;
    auto gram = [&](std::size_t i, std::vector<S>& out) {
        progress.report(
            0.3 + 0.7 * static_cast<double>(computed) / static_cast<double>(total),
            "cka gram " + std::to_string(computed + 1) + " of " + std::to_string(total));
        progress.check();
        const std::vector<S> xc = centred_rows<S>(cache.get(src[i], i), src[i].stream->d, rows);
        packed_gram(xc, n, src[i].stream->d, full, out);
        ++computed;
    };
    std::size_t fresh = 0;  // pairs new since on_pairs last ran
    auto set = [&](std::size_t i, std::size_t j, double v) {
        inner[i * L + j] = inner[j * L + i] = v;
        fresh += !known[i * L + j];
        known[i * L + j] = known[j * L + i] = 1;
    };
    auto report_pairs = [&] {
        if (on_pairs && fresh) on_pairs(inner, known);
        fresh = 0;
    };
    std::vector<std::vector<S>> held;
    std::vector<std::size_t> held_ids;
    std::vector<S> g;
    std::vector<double> d;
    for (std::size_t p0 = 0; p0 < R.size(); p0 += capacity) {
        held.clear();
        held_ids.clear();
        const std::size_t p1 = std::min(p0 + capacity, R.size());
        for (std::size_t a = p0; a < p1; ++a) {
            gram(R[a], g);
            dots(g, held, d);
            for (std::size_t b = 0; b < held.size() && !two; ++b) set(R[a], held_ids[b], d[b]);
            set(R[a], R[a], self_dot(g));
            held.push_back(g);
            held_ids.push_back(R[a]);
            report_pairs();
        }
        // The layers this panel meets: one dump, those of later panels; two dumps, every layer
        // of the second.
        std::vector<std::size_t> meet =
            two ? plan.cols_order : std::vector<std::size_t>(R.begin() + p1, R.end());
        for (std::size_t j : meet) {
            gram(j, g);
            dots(g, held, d);
            for (std::size_t b = 0; b < held.size(); ++b) set(held_ids[b], j, d[b]);
            if (!known[j * L + j]) set(j, j, self_dot(g));
            report_pairs();
        }
    }
    return inner;
}

template std::vector<double> gram_panels<float>(const std::vector<Source>&, StateCache&,
                                                const std::vector<std::size_t>&, const PanelPlan&,
                                                int, const PairsDone&, Progress&,
                                                std::vector<unsigned char>&);
template std::vector<double> gram_panels<double>(const std::vector<Source>&, StateCache&,
                                                 const std::vector<std::size_t>&, const PanelPlan&,
                                                 int, const PairsDone&, Progress&,
                                                 std::vector<unsigned char>&);

}  // namespace es::analysis::cka_detail
