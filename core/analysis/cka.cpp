#include "analysis/cka.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <sstream>

#include "analysis/cka_detail.h"
#include "analysis/common.h"
#include "numerics/linalg.h"
#include "numerics/memory_budget.h"
#include "numerics/memory_gate.h"
#include "numerics/pca.h"
#include "parallel/comm.h"
#include "util/error.h"
#include "util/foreground.h"
#include "util/parallel.h"

namespace es::analysis {

namespace {

using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using cka_detail::centred_rows;
using cka_detail::Source;
using cka_detail::StateCache;

// Rows `rows` of x (d columns), centred on their mean, float64.
RowMat centred(const std::vector<float>& x, std::size_t d, const std::vector<std::size_t>& rows) {
    RowMat m(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(d));
    for (std::size_t r = 0; r < rows.size(); ++r)
        for (std::size_t j = 0; j < d; ++j)
            m(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j)) = x[rows[r] * d + j];
    m.rowwise() -= m.colwise().mean();
    return m;
}

std::optional<double> ratio(double num, double a, double b) {
    if (!(a > 0) || !(b > 0)) return std::nullopt;
    return num / (a * b);
}

struct GramPlan {
    bool keep_layers = true;  // every centred layer in memory (else read again for each block)
    std::size_t block = 1;    // Gram rows per block
};

// <K_i, K_j> for every pair of layers (L x L, symmetric), K_i = Xc_i Xc_i^T over the common rows.
// A block of rows R at a time: B_i = Xc_i[R] Xc_i^T for every layer (BLAS gemm in S), the blocks
// stacked as the columns of one float64 matrix, and all their inner products at once (dsyrk,
// accumulated over the blocks). The result does not depend on the block size beyond rounding.
template <typename S>
std::vector<double> gram_inner_products(const std::vector<Source>& src, StateCache& cache,
                                        const std::vector<std::size_t>& rows, const GramPlan& plan,
                                        int threads, parallel::Block blocks, Progress& progress) {
    const std::size_t L = src.size(), n = rows.size();
    auto layer = [&](std::size_t i) {
        return centred_rows<S>(cache.get(src[i], i), src[i].stream->d, rows);
    };
    std::vector<std::vector<S>> kept(plan.keep_layers ? L : 0);
    for (std::size_t i = 0; i < kept.size(); ++i) {
        progress.check();
        kept[i] = layer(i);
    }
    if (plan.keep_layers) cache.clear();  // the raw layers are not needed again
    const numerics::ScopedBlasThreads blas(threads);
    std::vector<double> inner(L * L, 0.0), stacked;
    std::vector<S> block;
    // This part's row blocks only (all of them in one process).
    for (std::size_t r0 = blocks.begin * plan.block; r0 < std::min(n, blocks.end * plan.block);
         r0 += plan.block) {
        const std::size_t rr = std::min(plan.block, n - r0);
        progress.report(0.6 + 0.4 * static_cast<double>(r0) / static_cast<double>(n),
                        "cka gram rows " + std::to_string(r0 + 1) + "-" + std::to_string(r0 + rr) +
                            " of " + std::to_string(n));
        stacked.resize(rr * n * L);
        block.resize(rr * n);
        for (std::size_t i = 0; i < L; ++i) {
            progress.check();
            std::vector<S> read;
            if (!plan.keep_layers) read = layer(i);
            const std::vector<S>& xc = plan.keep_layers ? kept[i] : read;
            const std::size_t d = src[i].stream->d;
            numerics::gemm_nt(xc.data() + r0 * d, rr, xc.data(), n, d, block.data());
            std::copy(block.begin(), block.end(), stacked.begin() + static_cast<long>(i * rr * n));
        }
        numerics::syrk_t(stacked.data(), rr * n, L, 1.0, 1.0, inner.data());
    }
    numerics::fill_upper(inner.data(), L);
    return inner;
}

}  // namespace

double linear_cka(const std::vector<double>& x, std::size_t dx, const std::vector<double>& y,
                  std::size_t dy, std::size_t n) {
    Eigen::Map<const RowMat> X(x.data(), static_cast<Eigen::Index>(n),
                               static_cast<Eigen::Index>(dx));
    Eigen::Map<const RowMat> Y(y.data(), static_cast<Eigen::Index>(n),
                               static_cast<Eigen::Index>(dy));
    const RowMat xc = X.rowwise() - X.colwise().mean(), yc = Y.rowwise() - Y.colwise().mean();
    const double xy = (xc.transpose() * yc).squaredNorm();
    const double xx = (xc.transpose() * xc).norm(), yy = (yc.transpose() * yc).norm();
    return ratio(xy, xx, yy).value_or(std::nan(""));
}

namespace {

// What both forms start from: the states of dump (then of options.other) in src, named in r;
// the two dumps must hold the same tokens. Returns the number of dump's states (na).
std::size_t cka_sources(const Dump& dump, const CkaOptions& options, CkaResult& r,
                        std::vector<Source>& src) {
    const Dump& other = options.other ? *options.other : dump;
    const StreamInfo& sa = dump.stream(options.stream);
    const StreamInfo& sb = other.stream(options.stream);
    const std::size_t T = sa.n_tokens();
    if (sb.n_tokens() != T)
        throw InputError("cka: " + dump.path() + " has " + std::to_string(T) + " tokens but " +
                         other.path() + " has " + std::to_string(sb.n_tokens()) +
                         "; CKA compares the same tokens");
    r.stream = sa.name;
    r.file = dump.path();
    for (std::size_t st : analysed_states(sa, options.include_final_norm)) {
        src.push_back({&dump, &sa, st});
        r.layers.push_back(sa.state_names[st]);
    }
    const std::size_t na = src.size();
    if (options.other) {
        r.other_file = other.path();
        for (std::size_t st : analysed_states(sb, options.include_final_norm)) {
            src.push_back({&other, &sb, st});
            r.other_layers.push_back(sb.state_names[st]);
        }
    }
    return na;
}

}  // namespace

CkaResult cka_preview(const Dump& dump, const CkaOptions& options, std::size_t tokens,
                      Progress& progress) {
    const std::size_t T = dump.stream(options.stream).n_tokens();
    CkaResult r;
    r.method = "gram";
    std::vector<Source> src;
    const std::size_t na = cka_sources(dump, options, r, src);
    const std::size_t L = src.size(), nb = options.other ? L - na : na,
                      col0 = options.other ? na : 0;
    // Four runs spread over the dump (prompts differ along it), each read as one token range.
    tokens = std::min(tokens, T);
    const std::size_t runs = std::min<std::size_t>(4, tokens), per = tokens / runs;
    std::vector<std::pair<std::size_t, std::size_t>> ranges;
    for (std::size_t k = 0; k < runs; ++k) {
        const std::size_t b = (T - per) * k / std::max<std::size_t>(runs - 1, 1);
        ranges.emplace_back(b, b + per);
    }
    const std::size_t n = runs * per;
    // One layer in memory at a time: all 33 of M's at once were 138 MB beside the other views'
    // working sets. Layer i's runs into x; false when a token still in `valid` is NaN/Inf in it.
    std::vector<float> x;
    auto read = [&](std::size_t i, std::vector<unsigned char>& valid) {
        const std::size_t d = src[i].stream->d;
        x.resize(n * d);
        std::size_t row = 0;
        for (const auto& [b, e] : ranges) {
            src[i].dump->read_states(*src[i].stream, src[i].state, b, e, x.data() + row * d);
            row += e - b;
        }
        std::vector<unsigned char> ok(n, 0);
        for (std::size_t t : finite_rows(x.data(), n, d)) ok[t] = 1;
        bool kept = true;
        for (std::size_t t = 0; t < n; ++t) {
            kept = kept && (ok[t] || !valid[t]);
            valid[t] &= ok[t];
        }
        return kept;
    };
    std::vector<unsigned char> valid(n, 1);
    std::vector<std::size_t> rows(n);
    for (std::size_t t = 0; t < n; ++t) rows[t] = t;
    std::size_t m = 0;
    std::vector<double> stacked, total;
    std::vector<float> gram;
    // Per layer: the Gram's diagonal |xc_t|^2, its rows' sums without the diagonal, their sum.
    std::vector<std::vector<double>> diag, off;
    // Each layer's Gram over `rows` as it is read; with `check`, false (and stopped) at the
    // first layer where one of them is NaN/Inf.
    auto grams = [&](bool check) {
        m = rows.size();
        stacked.assign(m * m * L, 0.0);
        gram.resize(m * m);
        diag.assign(L, std::vector<double>(m));
        off.assign(L, std::vector<double>(m));
        total.assign(L, 0.0);
        for (std::size_t i = 0; i < L; ++i) {
            progress.check();
            std::vector<unsigned char> unchecked(n, 1);
            if (!read(i, check ? valid : unchecked) && check) return false;
            const std::vector<float> xc = centred_rows<float>(x, src[i].stream->d, rows);
            // syrk: half the flops of a product (on M's 4096 columns most of the time here).
            numerics::syrk_t(xc.data(), src[i].stream->d, m, 1.0f, 0.0f, gram.data());
            numerics::fill_upper(gram.data(), m);
            std::copy(gram.begin(), gram.end(), stacked.begin() + static_cast<long>(i * m * m));
            for (std::size_t t = 0; t < m; ++t) {
                double sum = 0;
                for (std::size_t u = 0; u < m; ++u) sum += gram[t * m + u];
                diag[i][t] = gram[t * m + t];
                off[i][t] = sum - diag[i][t];
                total[i] += off[i][t];
            }
        }
        return true;
    };
    r.matrix.assign(na, std::vector<std::optional<double>>(nb));
    // Every token read is usually finite: Grams as the layers are read. Otherwise (rare) one
    // pass finds the tokens finite in every layer and the Grams are computed again without
    // the others.
    if (!grams(true)) {
        for (std::size_t i = 0; i < L; ++i) read(i, valid);
        rows.clear();
        for (std::size_t t = 0; t < n; ++t)
            if (valid[t]) rows.push_back(t);
        r.tokens = r.preview_tokens = rows.size();
        if (rows.size() < 2) return r;  // nothing to estimate: every entry undefined
        grams(false);
    }
    r.tokens = r.preview_tokens = rows.size();
    std::vector<float>().swap(x);
    std::vector<double> inner(L * L, 0.0);
    numerics::syrk_t(stacked.data(), m * m, L, 1.0, 0.0, inner.data());
    numerics::fill_upper(inner.data(), L);
    // Over every token the plain statistic is the exact matrix. From a sample it is not an
    // estimate of it: <K_i, K_j> / m^2 is biased by ~(E|x|^2|y|^2 - 3 H) / m, which on
    // 33 x 4096 x 1024 moved CKA by up to 0.44 at 256 tokens (every pair towards 1). So the
    // estimate is what the exact statistic over all T tokens would be: H, the population's
    // ||Sigma_xy||_F^2, by the unbiased HSIC estimator (Song et al. 2012; invariant to
    // centring), plus that same bias at T: h_T = H + (M - 3 H) / T, M = mean_t |xc_t|^2 |yc_t|^2
    // (the first-order term of E||Sigma_hat_xy||_F^2 with 1/n covariances). Max error 0.012 there.
    const bool every = tokens >= T || m < 4;
    const double mm = static_cast<double>(m), Tn = static_cast<double>(T);
    std::vector<double> h(L * L);
    for (std::size_t i = 0; i < L; ++i)
        for (std::size_t j = i; j < L; ++j) {
            double dd = 0, oo = 0;
            for (std::size_t t = 0; t < m; ++t) {
                dd += diag[i][t] * diag[j][t];
                oo += off[i][t] * off[j][t];
            }
            const double unbiased =
                (inner[i * L + j] - dd + total[i] * total[j] / ((mm - 1) * (mm - 2)) -
                 2 / (mm - 2) * oo) /
                (mm * (mm - 3));
            h[i * L + j] = h[j * L + i] =
                every ? inner[i * L + j] : unbiased + (dd / mm - 3 * unbiased) / Tn;
        }
    for (std::size_t i = 0; i < na; ++i)
        for (std::size_t j = 0; j < nb; ++j) {
            const double a = h[i * L + i], b = h[(col0 + j) * L + col0 + j];
            r.matrix[i][j] =
                ratio(h[i * L + col0 + j], a > 0 ? std::sqrt(a) : 0.0, b > 0 ? std::sqrt(b) : 0.0);
        }
    return r;
}

namespace {

// Indices first .. first + count - 1 ordered outward from focus: focus, focus + 1, focus - 1, ...
std::vector<std::size_t> outward(std::size_t first, std::size_t count, std::size_t focus) {
    std::vector<std::size_t> order;
    if (count == 0) return order;
    const std::size_t f = std::min(focus, count - 1);
    order.push_back(first + f);
    for (std::size_t step = 1; order.size() < count; ++step) {
        if (f + step < count) order.push_back(first + f + step);
        if (step <= f) order.push_back(first + f - step);
    }
    return order;
}

// The matrix so far for on_pairs: the pairs `known` marks (inner products over all sources,
// L x L) as CKA, the others missing.
CkaResult pairs_so_far(const CkaResult& base, const std::vector<double>& inner,
                       const std::vector<unsigned char>& known, std::size_t na, std::size_t nb,
                       std::size_t col0, bool two) {
    CkaResult r = base;
    const std::size_t L = static_cast<std::size_t>(std::llround(std::sqrt(inner.size())));
    r.matrix.assign(na, std::vector<std::optional<double>>(nb));
    r.computed.assign(na * nb, 0);
    r.pairs_total = two ? na * nb : na * (na + 1) / 2;
    for (std::size_t i = 0; i < na; ++i)
        for (std::size_t j = 0; j < nb; ++j) {
            const std::size_t a = i * L + col0 + j;
            if (!known[a]) continue;
            r.computed[i * nb + j] = 1;
            r.matrix[i][j] = ratio(inner[a], std::sqrt(inner[i * L + i]),
                                   std::sqrt(inner[(col0 + j) * L + col0 + j]));
            if (two || j >= i) ++r.pairs_done;
        }
    return r;
}

}  // namespace

CkaResult cka(const Dump& dump, const CkaOptions& options, Progress& progress) {
    CkaResult r = cka_finish(cka_part(dump, options, 0, 1, progress));
    progress.report(1.0, "cka done");
    return r;
}

CkaPart cka_part(const Dump& dump, const CkaOptions& options, int part, int parts,
                 Progress& progress) {
    const std::size_t T = dump.stream(options.stream).n_tokens();
    CkaPart out;
    CkaResult& r = out.result;
    std::vector<Source> src;
    const std::size_t na = cka_sources(dump, options, r, src);
    const StreamInfo& sa = dump.stream(options.stream);
    const StreamInfo& sb = (options.other ? *options.other : dump).stream(options.stream);
    const std::size_t n_src = src.size(), nb = options.other ? n_src - na : na;
    const std::size_t col0 = options.other ? na : 0;
    const bool two = options.other != nullptr;
    // Pairs are handed out as they complete only by a run that computes all of them.
    const bool whole = parts == 1;
    // The form with fewer flops (both exact): Grams cost L T^2 D plus (L^2/2) T^2 for their
    // inner products, cross-covariances (L^2/2 + L) T D^2.
    const double L = static_cast<double>(n_src), Tn = static_cast<double>(T),
                 D = 0.5 * static_cast<double>(sa.d + sb.d);
    const double pairs_count = two ? static_cast<double>(na * nb) : L * (L + 1) / 2;
    const double gram_flops = L * Tn * Tn * D + L * L * Tn * Tn / 2;
    const double cross_flops = (pairs_count + L) * Tn * D * D;
    bool gram = gram_flops <= cross_flops;
    if (options.method == "gram" || options.method == "cross_covariance")
        gram = options.method == "gram";
    else if (!options.method.empty())
        throw InputError("cka: unknown method '" + options.method +
                         "'; one of gram, cross_covariance");
    r.method = gram ? "gram" : "cross_covariance";

    // The first picture, before pass 1 reads every layer whole (1.1 GB of float16 on a
    // 33 x 4096 x 4096 dump) and before the first pair's two whole Grams: an estimate from a
    // few runs of tokens, a hyperslab read per run and layer (issue 20: CKA on screen in 1.5 s).
    if (whole && options.on_preview && options.preview_tokens >= 2 &&
        T > 2 * options.preview_tokens) {
        progress.report(0.0,
                        "cka estimate from " + std::to_string(options.preview_tokens) + " tokens");
        const util::ForegroundScope first_picture;  // what is on screen first (foreground.h)
        options.on_preview(cka_preview(dump, options, options.preview_tokens, progress));
    }
    // The working set is leased from the process's memory gate before pass 1 reads a layer, and
    // held to the end (the only lease this job takes, so it never waits holding one). With a
    // budget (the app's) the Gram form sizes its scheme by what it got: at least the row blocks'
    // minimum (three layers in float32 and a row of blocks), at most its share. Without one (the
    // CLI) nothing waits and the budget below is options.memory_budget or a quarter of RAM.
    std::size_t max_d = 0;
    for (const Source& s : src) max_d = std::max(max_d, s.stream->d);
    const double share = options.memory_budget
                             ? static_cast<double>(options.memory_budget)
                             : static_cast<double>(numerics::physical_memory_bytes()) / 4;
    const double wide_d = static_cast<double>(max_d);
    const double least = gram ? 3.0 * Tn * wide_d * 4.0 + Tn * (8.0 * L + 8.0)
                              : static_cast<double>(options.cache_bytes);
    // More than every Gram held (float64) beside the panels' working set is never used.
    const double most = gram ? Tn * (Tn + wide_d) * 8.0 + 2.0 * Tn * wide_d * 4.0 +
                                   L * cka_detail::packed_gram_bytes(T, sizeof(double))
                             : share;
    numerics::MemoryLease lease = numerics::memory_gate().lease_range(
        std::min(least, share), std::min(most, share), "CKA", progress);
    // Pass 1: which tokens are finite in every layer.
    std::vector<unsigned char> valid(T, 1);
    // The Gram form keeps its own centred copies of the layers: raw layers are not cached
    // beside them (two at most), which keeps 33 x 4096 x 1024 under 1 GB.
    StateCache cache(gram ? 0 : options.cache_bytes, progress);
    for (std::size_t i = 0; i < n_src; ++i) {
        progress.report(0.6 * static_cast<double>(i) / static_cast<double>(n_src),
                        layer_message(i, n_src, "cka"));
        const std::vector<float>& x = cache.get(src[i], i);
        std::vector<unsigned char> ok(T, 0);
        for (std::size_t t : finite_rows(x.data(), T, src[i].stream->d)) ok[t] = 1;
        for (std::size_t t = 0; t < T; ++t) valid[t] &= ok[t];
        progress.check();
    }
    std::vector<std::size_t> rows;
    for (std::size_t t = 0; t < T; ++t)
        if (valid[t]) rows.push_back(t);
    r.tokens = rows.size();
    r.excluded_tokens = T - rows.size();
    if (rows.size() < 2)
        throw InputError(dump.where() +
                         "cka needs at least 2 tokens finite in every layer, found " +
                         std::to_string(rows.size()));
    const std::size_t n = rows.size();
    out.na = na;
    out.n_src = n_src;
    out.inner.assign(n_src * n_src, 0.0);
    out.self.assign(n_src, 0.0);
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    for (std::size_t i = 0; i < na; ++i)
        for (std::size_t j = two ? 0 : i; j < nb; ++j) pairs.emplace_back(i, col0 + j);

    if (gram) {
        // float64 products while they take well under a second (every small dump, the
        // reference tests); beyond, BLAS float32 products with float64 inner products, as a
        // careful numpy user computes it (relative error ~1e-6 on CKA against float64).
        const bool wide = options.product_bits
                              ? options.product_bits == 32
                              : L * static_cast<double>(n) * static_cast<double>(n) * D > 2e9;
        const std::size_t scalar = wide ? sizeof(float) : sizeof(double);
        const double budget =
            numerics::memory_gate().budget() ? static_cast<double>(lease.bytes()) : share;
        double layers_bytes = 0;
        for (const Source& s : src) layers_bytes += static_cast<double>(n * s.stream->d * scalar);
        const int threads = util::resolve_threads(options.threads);
        // The panel scheme holds whole packed Grams beside syrk's n x n output, a centred layer
        // and the reader's two raw float32 layers.
        const double overhead =
            static_cast<double>(n) * static_cast<double>(n + max_d) * static_cast<double>(scalar) +
            2.0 * static_cast<double>(T * max_d) * 4.0;
        const double packed = cka_detail::packed_gram_bytes(n, scalar);
        const std::size_t panel_rows = two ? na : n_src;
        const std::size_t panel_cols = two ? nb : 0;
        std::size_t capacity =
            options.panel_grams
                ? options.panel_grams
                : static_cast<std::size_t>(std::max(0.0, (budget - overhead) / packed));
        capacity = std::min(capacity, panel_rows);
        // Panels when at least one Gram fits and they compute at most 3 L Grams in all: each by
        // syrk costs half a row block's product, so at most 1.5x the flops of the row blocks,
        // and the pairs are shown as they complete rather than all at the end. Ranks share the
        // row blocks (each rank a block of Gram rows of every layer; parts sum exactly to the
        // whole), so a run over several ranks takes the row scheme.
        bool panels = whole && capacity >= 1 &&
                      cka_detail::panel_gram_count(panel_rows, panel_cols, capacity) <= 3 * n_src;
        if (options.gram_scheme == "panels") {
            panels = whole;
            capacity = std::max<std::size_t>(capacity, 1);
        } else if (options.gram_scheme == "rows") {
            panels = false;
        } else if (!options.gram_scheme.empty()) {
            throw InputError("cka: unknown Gram scheme '" + options.gram_scheme +
                             "'; one of panels, rows");
        }
        if (panels) {
            cka_detail::PanelPlan plan;
            plan.capacity = capacity;
            plan.rows_order = outward(0, panel_rows, options.focus);
            if (two) plan.cols_order = outward(na, nb, options.focus);
            cka_detail::PairsDone done;
            if (options.on_pairs)
                done = [&](const std::vector<double>& in, const std::vector<unsigned char>& known) {
                    CkaResult so_far = pairs_so_far(r, in, known, na, nb, col0, two);
                    if (so_far.pairs_done < so_far.pairs_total) options.on_pairs(so_far);
                };
            std::vector<unsigned char> known;
            out.inner = wide ? cka_detail::gram_panels<float>(src, cache, rows, plan, threads, done,
                                                              progress, known)
                             : cka_detail::gram_panels<double>(src, cache, rows, plan, threads,
                                                               done, progress, known);
        } else {
            GramPlan plan;
            // Kept when they fit with a block beside them (the budget holds both).
            plan.keep_layers = layers_bytes + 128.0e6 <= budget;
            // The stacked blocks (float64, every layer) and one block in S take the rest, at
            // most 128 MB: beyond ~64 rows a block is as fast as the whole Gram, and the app's
            // memory stays bounded.
            const double per_row = static_cast<double>(n) * (8.0 * L + static_cast<double>(scalar));
            // Layers read again for each block (a budget below the layers, as in the app):
            // blocks as large as the budget allows after the two raw layers the reader keeps and
            // one centred copy, since each block costs a read of every layer.
            const double layer_f32 = layers_bytes / L * (4.0 / static_cast<double>(scalar));
            const double room = plan.keep_layers ? std::min(budget - layers_bytes, 128.0e6)
                                                 : budget - 3 * layer_f32;
            plan.block = options.block_tokens ? options.block_tokens
                                              : static_cast<std::size_t>(std::clamp(
                                                    room / per_row, 1.0, static_cast<double>(n)));
            // BLAS takes int sizes: a block's values per layer stay below 2^31.
            plan.block =
                std::max<std::size_t>(1, std::min({plan.block, n, std::size_t{2000000000} / n}));
            const parallel::Block mine =
                parallel::block((n + plan.block - 1) / plan.block, part, parts);
            out.inner =
                wide ? gram_inner_products<float>(src, cache, rows, plan, threads, mine, progress)
                     : gram_inner_products<double>(src, cache, rows, plan, threads, mine, progress);
        }
        for (std::size_t i = 0; i < n_src; ++i) out.self[i] = out.inner[i * n_src + i];
    } else {
        // The pairs of the focused layer first, then outward, each shown as it completes (the
        // order decides only which part computes a pair, never its value).
        const auto distance = [&](const std::pair<std::size_t, std::size_t>& q) {
            const auto d = [](std::size_t a, std::size_t b) { return a > b ? a - b : b - a; };
            const std::size_t i = q.first, j = q.second - col0;
            // Nearest to the focus first, and among those the pair nearest the diagonal.
            return std::pair{std::min(d(i, options.focus), d(j, options.focus)), d(i, j)};
        };
        std::stable_sort(pairs.begin(), pairs.end(),
                         [&](const auto& x, const auto& y) { return distance(x) < distance(y); });
        // The layers' norms, then the pairs: one list of items, this part's block of it.
        const std::size_t items = n_src + pairs.size();
        const parallel::Block mine = parallel::block(items, part, parts);
        std::vector<unsigned char> known(whole && options.on_pairs ? n_src * n_src : 0, 0);
        for (std::size_t it = mine.begin; it < mine.end; ++it) {
            progress.report(
                0.6 + 0.4 * static_cast<double>(it - mine.begin) / static_cast<double>(mine.size()),
                "cka " + std::to_string(it + 1 - mine.begin) + "/" + std::to_string(mine.size()));
            if (it < n_src) {
                const RowMat x = centred(cache.get(src[it], it), src[it].stream->d, rows);
                out.self[it] = (x.transpose() * x).squaredNorm();
                continue;
            }
            const auto [i, j] = pairs[it - n_src];
            const RowMat x = centred(cache.get(src[i], i), src[i].stream->d, rows);
            const RowMat y = centred(cache.get(src[j], j), src[j].stream->d, rows);
            out.inner[i * n_src + j] = (x.transpose() * y).squaredNorm();
            if (known.empty() || it + 1 == mine.end) continue;
            // pairs_so_far reads the denominators from the diagonal and a pair from either
            // triangle; the part's own `inner` keeps each pair once (parts are summed).
            known[i * n_src + j] = known[j * n_src + i] = 1;
            std::vector<double> shown = out.inner;
            for (std::size_t k = 0; k < n_src; ++k) shown[k * n_src + k] = out.self[k];
            for (std::size_t a = 0; a < n_src; ++a)
                for (std::size_t b = 0; b < n_src; ++b)
                    if (known[a * n_src + b] && a != b)
                        shown[a * n_src + b] = out.inner[std::min(a, b) * n_src + std::max(a, b)];
            options.on_pairs(pairs_so_far(r, shown, known, na, nb, col0, two));
        }
    }
    return out;
}

void cka_merge(CkaPart& into, const CkaPart& next) {
    if (into.inner.size() != next.inner.size() || into.self.size() != next.self.size())
        throw InternalError("cka_merge: parts of different CKA runs");
    for (std::size_t i = 0; i < into.inner.size(); ++i) into.inner[i] += next.inner[i];
    for (std::size_t i = 0; i < into.self.size(); ++i) into.self[i] += next.self[i];
}

CkaResult cka_finish(const CkaPart& p) {
    CkaResult r = p.result;
    const bool two = !r.other_file.empty();
    const std::size_t L = p.n_src, na = p.na, nb = two ? L - na : na, col0 = two ? na : 0;
    r.matrix.assign(na, std::vector<std::optional<double>>(nb));
    for (std::size_t i = 0; i < na; ++i)
        for (std::size_t j = two ? 0 : i; j < nb; ++j)
            r.matrix[i][j] =
                ratio(p.inner[i * L + col0 + j], std::sqrt(p.self[i]), std::sqrt(p.self[col0 + j]));
    if (!two)
        for (std::size_t i = 0; i < na; ++i)
            for (std::size_t j = 0; j < i; ++j) r.matrix[i][j] = r.matrix[j][i];
    return r;
}

nlohmann::json to_json(const CkaResult& r) {
    nlohmann::json m = nlohmann::json::array();
    for (const auto& row : r.matrix) m.push_back(nums(row));
    nlohmann::json j = {{"stream", r.stream},
                        {"file", r.file},
                        {"layers", r.layers},
                        {"tokens", r.tokens},
                        {"excluded_tokens", r.excluded_tokens},
                        {"method", r.method},
                        {"matrix", m}};
    if (!r.other_file.empty()) {
        j["other_file"] = r.other_file;
        j["other_layers"] = r.other_layers;
    }
    return j;
}

std::string to_csv(const CkaResult& r) {
    std::ostringstream os;
    const auto& cols = r.other_file.empty() ? r.layers : r.other_layers;
    os << "layer";
    for (const auto& c : cols) os << ',' << csv_text(c);
    os << '\n';
    for (std::size_t i = 0; i < r.matrix.size(); ++i) {
        os << csv_text(r.layers[i]);
        for (const auto& v : r.matrix[i]) os << ',' << csv_num(v);
        os << '\n';
    }
    return os.str();
}

}  // namespace es::analysis
