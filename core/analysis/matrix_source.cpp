#include "analysis/matrix_source.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "numerics/linalg.h"
#include "numerics/memory_budget.h"
#include "util/error.h"
#include "util/number_text.h"

namespace es::analysis {

std::size_t block_rows(std::size_t cols) {
    return std::max<std::size_t>(1, (std::size_t{1} << 24) / std::max<std::size_t>(cols, 1));
}

RowSource weight_rows(const Dump& dump, const std::string& name) {
    const WeightInfo* w = dump.find_weight(name);
    if (!w) throw InputError(dump.where() + "no weight named '" + name + "'");
    if (w->shape.size() != 2)
        throw InputError(dump.where(w->dataset) + "weight '" + name + "' has shape " +
                         shape_to_string(w->shape) + ", not a matrix");
    RowSource src;
    src.name = name;
    src.rows = w->shape[0];
    src.cols = w->shape[1];
    src.read = [&dump, name, cols = src.cols](std::size_t b, std::size_t e, Eigen::MatrixXd& out) {
        Tensor t = dump.read_weight_rows(name, b, e);
        out =
            Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                t.data.data(), static_cast<Eigen::Index>(e - b), static_cast<Eigen::Index>(cols))
                .cast<double>();
    };
    return src;
}

RowSource weight_transpose_rows(const Dump& dump, const std::string& name) {
    RowSource src = weight_rows(dump, name);  // checks presence and rank
    std::swap(src.rows, src.cols);
    src.read = [&dump, name, cols = src.cols](std::size_t b, std::size_t e, Eigen::MatrixXd& out) {
        Tensor t = dump.read_weight_columns(name, b, e);
        out =
            Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                t.data.data(), static_cast<Eigen::Index>(e - b), static_cast<Eigen::Index>(cols))
                .cast<double>();
    };
    return src;
}

RowSource stream_rows(const Dump& dump, const StreamInfo& stream, std::size_t state,
                      Progress& progress) {
    if (state >= stream.n_states())
        throw InputError(dump.where() + "stream '" + stream.name + "' has " +
                         std::to_string(stream.n_states()) + " states (0.." +
                         std::to_string(stream.n_states() == 0 ? 0 : stream.n_states() - 1) +
                         "), not " + std::to_string(state));
    const std::size_t T = stream.n_tokens(), d = stream.d;
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(d));
    std::size_t finite = 0;
    const std::size_t blk = block_rows(d);
    std::vector<float> buf;
    for (std::size_t b = 0; b < T; b += blk) {
        progress.check();
        const std::size_t e = std::min(T, b + blk);
        buf.resize((e - b) * d);
        dump.read_states(stream, state, b, e, buf.data());
        for (std::size_t i = 0; i < e - b; ++i) {
            const float* row = buf.data() + i * d;
            if (!std::all_of(row, row + d, [](float v) { return std::isfinite(v); })) continue;
            ++finite;
            for (std::size_t j = 0; j < d; ++j) mean(static_cast<Eigen::Index>(j)) += row[j];
        }
    }
    if (finite) mean /= static_cast<double>(finite);
    RowSource src;
    src.name = stream.name + "[" + std::to_string(state) + "]";
    src.rows = T;
    src.cols = d;
    src.read = [&dump, &stream, state, d, mean](std::size_t b, std::size_t e,
                                                Eigen::MatrixXd& out) {
        std::vector<float> rows((e - b) * d);
        dump.read_states(stream, state, b, e, rows.data());
        out.resize(static_cast<Eigen::Index>(e - b), static_cast<Eigen::Index>(d));
        for (std::size_t i = 0; i < e - b; ++i) {
            const float* row = rows.data() + i * d;
            const bool ok = std::all_of(row, row + d, [](float v) { return std::isfinite(v); });
            for (std::size_t j = 0; j < d; ++j)
                out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
                    ok ? row[j] - mean(static_cast<Eigen::Index>(j)) : 0.0;
        }
    };
    return src;
}

RowSource difference_rows(RowSource base, RowSource other) {
    if (base.rows != other.rows || base.cols != other.cols)
        throw InputError("'" + base.name + "' shapes differ");
    RowSource src;
    src.name = base.name;
    src.block = base.block;
    src.rows = base.rows;
    src.cols = base.cols;
    src.read = [base, other](std::size_t b, std::size_t e, Eigen::MatrixXd& out) {
        Eigen::MatrixXd x;
        other.read(b, e, out);
        base.read(b, e, x);
        out -= x;
    };
    return src;
}

GramSvd gram_svd(const RowSource& src, std::size_t k_left, std::size_t k_right,
                 Progress& progress) {
    const std::size_t m = src.rows, n = src.cols, p = std::min(m, n);
    GramSvd out;
    if (p == 0) return out;
    const bool col_gram = n <= m;  // Gram of the columns (n x n): eigenvectors = right vectors
    const std::size_t g = col_gram ? n : m;
    const std::size_t blk = src.block ? src.block : block_rows(n);
    // The Gram and its eigenvectors (eigh works on a copy): refused up front when too large.
    numerics::require_memory(2.0 * static_cast<double>(g) * static_cast<double>(g) * sizeof(double),
                             "a " + std::to_string(g) + " x " + std::to_string(g) + " Gram matrix");
    std::vector<double> gram(g * g, 0.0);
    Eigen::MatrixXd xi, xj;
    if (col_gram) {
        for (std::size_t b = 0; b < m; b += blk) {
            progress.check();
            const std::size_t e = std::min(m, b + blk);
            src.read(b, e, xi);  // (e-b) x n column-major = A (k x n, ld k)
            numerics::syrk_t(xi.data(), e - b, n, 1.0, 1.0, gram.data());
        }
    } else {
        // X X^T by row-block pairs: block i kept, blocks j >= i streamed.
        for (std::size_t bi = 0; bi < m; bi += blk) {
            const std::size_t ei = std::min(m, bi + blk);
            src.read(bi, ei, xi);
            for (std::size_t bj = bi; bj < m; bj += blk) {
                progress.check();
                const std::size_t ej = std::min(m, bj + blk);
                if (bj == bi)
                    xj = xi;
                else
                    src.read(bj, ej, xj);
                const Eigen::MatrixXd c = xj * xi.transpose();  // rows j x rows i
                for (std::size_t i = 0; i < ei - bi; ++i)
                    for (std::size_t j = 0; j < ej - bj; ++j)
                        if (bj + j >= bi + i)
                            gram[(bi + i) * g + (bj + j)] =
                                c(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i));
            }
        }
    }
    for (std::size_t i = 0; i < g; ++i) out.frob2 += gram[i * g + i];
    const std::size_t k_own = col_gram ? k_right : k_left, k_other = col_gram ? k_left : k_right;
    const bool vectors = k_own > 0 || k_other > 0;
    std::vector<double> eig;
    if (vectors)
        numerics::eigh(gram, g, eig, true);
    else
        numerics::eigvalsh(gram, g, eig);  // two-stage, ~2x faster for values alone
    out.s.resize(p);
    for (std::size_t i = 0; i < p; ++i) out.s[i] = std::sqrt(std::max(0.0, eig[i]));
    if (!vectors) return out;
    // eigenvectors: column c of gram (column-major), descending
    const std::size_t kown = std::min(k_own, p);
    Eigen::Map<const Eigen::MatrixXd> evec(gram.data(), static_cast<Eigen::Index>(g),
                                           static_cast<Eigen::Index>(g));
    Eigen::MatrixXd own =
        evec.leftCols(static_cast<Eigen::Index>(std::max(kown, std::min(k_other, p))));
    std::size_t rank = 0;
    while (rank < p && out.s[rank] > 1e-12 * out.s[0]) ++rank;
    const std::size_t kother = std::min(k_other, rank);
    Eigen::MatrixXd other;
    if (kother > 0) {
        const Eigen::MatrixXd basis = own.leftCols(static_cast<Eigen::Index>(kother));
        const std::size_t olen = col_gram ? m : n;
        other = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(olen),
                                      static_cast<Eigen::Index>(kother));
        for (std::size_t b = 0; b < m; b += blk) {
            progress.check();
            const std::size_t e = std::min(m, b + blk);
            src.read(b, e, xi);
            if (col_gram)  // u rows = x_rows v
                other.middleRows(static_cast<Eigen::Index>(b), static_cast<Eigen::Index>(e - b)) =
                    xi * basis;
            else  // v += x_rows^T u_rows
                other += xi.transpose() * basis.middleRows(static_cast<Eigen::Index>(b),
                                                           static_cast<Eigen::Index>(e - b));
        }
        for (std::size_t c = 0; c < kother; ++c)
            other.col(static_cast<Eigen::Index>(c)) /= out.s[c];
    }
    Eigen::MatrixXd own_k = own.leftCols(static_cast<Eigen::Index>(kown));
    if (col_gram) {
        out.v = std::move(own_k);
        out.u = std::move(other);
    } else {
        out.u = std::move(own_k);
        out.v = std::move(other);
    }
    if (out.u.size() == 0) out.u.resize(static_cast<Eigen::Index>(m), 0);
    if (out.v.size() == 0) out.v.resize(static_cast<Eigen::Index>(n), 0);
    return out;
}

std::size_t count_attention_layers(const Dump& dump) {
    std::size_t l = 0;
    while (dump.find_weight("blocks." + std::to_string(l) + ".attn.W_Q")) ++l;
    return l;
}

namespace {

const WeightInfo& need(const Dump& dump, const std::string& a, const std::string& b = {}) {
    if (const WeightInfo* w = dump.find_weight(a)) return *w;
    if (!b.empty())
        if (const WeightInfo* w = dump.find_weight(b)) return *w;
    throw InputError(dump.where() + "no weight '" + a + "'" + (b.empty() ? "" : " or '" + b + "'") +
                     ": head circuits need W_Q, W_K, W_V and W_O");
}

Eigen::MatrixXd slice(const Tensor& t, std::size_t h, bool transpose) {
    const std::size_t r = t.shape[1], c = t.shape[2];
    Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> m(
        t.data.data() + h * r * c, static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c));
    if (transpose) return m.transpose().cast<double>();
    return m.cast<double>();
}

}  // namespace

LayerHeads read_layer_heads(const Dump& dump, std::size_t layer) {
    const std::string p = "blocks." + std::to_string(layer) + ".attn.";
    const WeightInfo& wq = need(dump, p + "W_Q");
    const WeightInfo& wk = need(dump, p + "W_K", p + "_W_K");
    const WeightInfo& wv = need(dump, p + "W_V", p + "_W_V");
    const WeightInfo& wo = need(dump, p + "W_O");
    for (const WeightInfo* w : {&wq, &wk, &wv, &wo})
        if (w->shape.size() != 3)
            throw InputError(dump.where(w->dataset) + "'" + w->name + "' has shape " +
                             shape_to_string(w->shape) + ", expected 3 axes [heads, ., .]");
    LayerHeads lh;
    lh.n_heads = wq.shape[0];
    lh.d_model = wq.shape[1];
    lh.d_head = wq.shape[2];
    lh.n_kv_heads = wk.shape[0];
    const auto bad = [&](const WeightInfo& w, const std::string& want) {
        return InputError(dump.where(w.dataset) + "'" + w.name + "' has shape " +
                          shape_to_string(w.shape) + ", expected " + want + " to match " + wq.name +
                          " " + shape_to_string(wq.shape));
    };
    const std::string dh = std::to_string(lh.d_head), D = std::to_string(lh.d_model);
    if (lh.n_kv_heads == 0 || lh.n_heads % lh.n_kv_heads != 0 || wk.shape[1] != lh.d_model ||
        wk.shape[2] != lh.d_head)
        throw bad(wk,
                  "[H_kv, " + D + ", " + dh + "] with H_kv dividing " + std::to_string(lh.n_heads));
    if (wv.shape != wk.shape) throw bad(wv, shape_to_string(wk.shape));
    if (wo.shape != std::vector<std::size_t>{lh.n_heads, lh.d_head, lh.d_model})
        throw bad(wo, "[" + std::to_string(lh.n_heads) + ", " + dh + ", " + D + "]");
    const Tensor q = dump.read_weight(wq.name), k = dump.read_weight(wk.name),
                 v = dump.read_weight(wv.name), o = dump.read_weight(wo.name);
    const std::size_t group = lh.n_heads / lh.n_kv_heads;
    lh.heads.resize(lh.n_heads);
    for (std::size_t h = 0; h < lh.n_heads; ++h) {
        HeadFactors& f = lh.heads[h];
        f.qk_a = slice(q, h, false);
        f.qk_b = slice(k, h / group, false);
        f.ov_a = slice(v, h / group, false);
        f.ov_b = slice(o, h, true);
    }
    return lh;
}

nlohmann::json jnum(double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}
nlohmann::json jnums(const std::vector<double>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (double x : v) a.push_back(jnum(x));
    return a;
}
nlohmann::json jnums(const Eigen::VectorXd& v) {
    nlohmann::json a = nlohmann::json::array();
    for (Eigen::Index i = 0; i < v.size(); ++i) a.push_back(jnum(v(i)));
    return a;
}
std::string cnum(double v) {
    return util::format_number(v, 9);
}

}  // namespace es::analysis
