#include "analysis/head_similarity.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "analysis/matrix_source.h"
#include "numerics/clustering.h"
#include "numerics/principal_angles.h"
#include "util/error.h"
#include "util/parallel.h"

namespace es::analysis {

namespace {

const std::vector<std::pair<const char*, HeadMetric>>& metric_table() {
    static const std::vector<std::pair<const char*, HeadMetric>> t = {
        {"qk_cosine", HeadMetric::QkCosine},
        {"ov_cosine", HeadMetric::OvCosine},
        {"subspace_overlap", HeadMetric::SubspaceOverlap},
        {"ov_read_overlap", HeadMetric::OvReadOverlap},
        {"qk_query_overlap", HeadMetric::QkQueryOverlap},
        {"qk_key_overlap", HeadMetric::QkKeyOverlap},
        {"pattern_corr", HeadMetric::PatternCorr}};
    return t;
}

// Per head: the two factors of the chosen circuit, or the basis of the chosen subspace, or the
// causal pattern entries.
struct HeadData {
    Eigen::MatrixXd a, b;        // cosine: factors
    Eigen::MatrixXd basis;       // overlap: D x r orthonormal
    std::vector<double> values;  // pattern: centred, unit-norm
    double norm2 = 0;
};

}  // namespace

HeadMetric parse_head_metric(const std::string& name) {
    if (name == "ov_write_overlap") return HeadMetric::SubspaceOverlap;
    std::string valid;
    for (const auto& [n, m] : metric_table()) {
        if (name == n) return m;
        valid += (valid.empty() ? "" : ", ") + std::string(n);
    }
    throw InputError("unknown head metric '" + name + "' (valid: " + valid + ")");
}

const char* head_metric_name(HeadMetric m) {
    for (const auto& [n, v] : metric_table())
        if (v == m) return n;
    return "?";
}

namespace {

// The lower triangle from the upper one, and the display order from average linkage.
void finish(HeadSimilarityResult& r) {
    const std::size_t n = r.n();
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < i; ++j) r.matrix[i * n + j] = r.matrix[j * n + i];
    std::vector<double> dist(n * n);
    for (std::size_t i = 0; i < n * n; ++i) dist[i] = 1.0 - r.matrix[i];
    r.order = numerics::average_linkage_order(dist, n);
}

}  // namespace

HeadSimilarityResult head_similarity(const Dump& dump, const HeadSimilarityOptions& options,
                                     Progress& progress) {
    HeadSimilarityResult r;
    r.layer = options.layer;
    r.metric = head_metric_name(options.metric);
    const bool pattern = options.metric == HeadMetric::PatternCorr;
    const bool cosine =
        options.metric == HeadMetric::QkCosine || options.metric == HeadMetric::OvCosine;
    std::vector<std::size_t> layers;
    const AttentionInfo* att = pattern ? dump.find_attention("pattern") : nullptr;
    if (pattern && !att)
        throw InputError(
            dump.where() +
            "no attention patterns (hook_pattern / attentions): pattern_corr needs them");
    const std::size_t n_layers = pattern ? att->layers.size() : count_attention_layers(dump);
    if (n_layers == 0) throw InputError(dump.where() + "no attention weights (blocks.0.attn.W_Q)");
    if (options.layer) {
        if (*options.layer >= n_layers)
            throw InputError(dump.where() + "layer " + std::to_string(*options.layer) +
                             " out of range (0.." + std::to_string(n_layers - 1) + ")");
        layers = {*options.layer};
    } else {
        for (std::size_t l = 0; l < n_layers; ++l) layers.push_back(l);
    }
    std::vector<HeadData> data;
    for (std::size_t li = 0; li < layers.size(); ++li) {
        const std::size_t l = layers[li];
        progress.check();
        progress.report(
            0.5 * static_cast<double>(li) / static_cast<double>(layers.size()),
            "layer " + std::to_string(li + 1) + "/" + std::to_string(layers.size()) + ": heads");
        if (pattern) {
            const std::size_t H = att->n_heads, P = att->n_positions;
            for (std::size_t h = 0; h < H; ++h) {
                HeadData d;
                for (std::size_t p = 0; p < att->n_prompts; ++p) {
                    const Tensor t = dump.read_attention(*att, l, p, h);
                    for (std::size_t q = 0; q < P; ++q)
                        for (std::size_t k = 0; k <= q; ++k) d.values.push_back(t.data[q * P + k]);
                }
                double mean = 0;
                for (double v : d.values) mean += v;
                mean /= static_cast<double>(std::max<std::size_t>(1, d.values.size()));
                double ss = 0;
                for (double& v : d.values) {
                    v -= mean;
                    ss += v * v;
                }
                d.norm2 = ss;
                data.push_back(std::move(d));
                r.heads.push_back("L" + std::to_string(l) + "H" + std::to_string(h));
            }
            continue;
        }
        const LayerHeads lh = read_layer_heads(dump, l);
        const std::size_t rank = std::min(options.rank, lh.d_head);
        if (!cosine) r.rank = rank;
        std::vector<HeadData> layer_data(lh.n_heads);
        util::parallel_each(lh.n_heads, options.threads, [&](std::size_t h) {
            const HeadFactors& f = lh.heads[h];
            HeadData& d = layer_data[h];
            const bool qk = options.metric == HeadMetric::QkCosine ||
                            options.metric == HeadMetric::QkQueryOverlap ||
                            options.metric == HeadMetric::QkKeyOverlap;
            const Eigen::MatrixXd& a = qk ? f.qk_a : f.ov_a;
            const Eigen::MatrixXd& b = qk ? f.qk_b : f.ov_b;
            if (cosine) {
                d.a = a;
                d.b = b;
                d.norm2 = ((a.transpose() * a) * (b.transpose() * b)).trace();
                return;
            }
            const numerics::FactoredSvd s = numerics::factored_svd(a, b, true);
            const bool left = options.metric == HeadMetric::OvReadOverlap ||
                              options.metric == HeadMetric::QkQueryOverlap;
            const Eigen::Index k =
                std::min<Eigen::Index>(static_cast<Eigen::Index>(rank), s.u.cols());
            d.basis = left ? s.u.leftCols(k) : s.v.leftCols(k);
        });
        for (std::size_t h = 0; h < lh.n_heads; ++h) {
            data.push_back(std::move(layer_data[h]));
            r.heads.push_back("L" + std::to_string(l) + "H" + std::to_string(h));
        }
    }
    const std::size_t n = data.size();
    if (pattern)
        for (std::size_t i = 1; i < n; ++i)
            if (data[i].values.size() != data[0].values.size())
                throw InputError(dump.where() + "attention patterns differ in size between heads");
    r.matrix.assign(n * n, NAN);
    progress.report(0.5, "pairs");
    const std::size_t stride = std::max<std::size_t>(1, options.row_stride);
    util::parallel_each(n, options.threads, [&](std::size_t i) {
        progress.check();
        if (i % stride != options.row_offset % stride) return;  // another rank's row
        for (std::size_t j = i; j < n; ++j) {
            const HeadData &x = data[i], &y = data[j];
            double v = NAN;
            if (pattern) {
                double dot = 0;
                for (std::size_t t = 0; t < x.values.size(); ++t) dot += x.values[t] * y.values[t];
                if (x.norm2 > 0 && y.norm2 > 0) v = dot / std::sqrt(x.norm2 * y.norm2);
            } else if (cosine) {
                const double dot = ((x.a.transpose() * y.a) * (y.b.transpose() * x.b)).trace();
                if (x.norm2 > 0 && y.norm2 > 0) v = dot / std::sqrt(x.norm2 * y.norm2);
            } else if (x.basis.cols() > 0 && y.basis.cols() > 0) {
                v = (x.basis.transpose() * y.basis).squaredNorm() /
                    static_cast<double>(std::min(x.basis.cols(), y.basis.cols()));
            }
            r.matrix[i * n + j] = v;
        }
    });
    if (stride == 1) finish(r);
    progress.report(1.0, "head similarity done");
    return r;
}

HeadSimilarityResult head_similarity_merge(std::vector<HeadSimilarityResult> shares) {
    if (shares.empty()) return {};
    HeadSimilarityResult r = std::move(shares.front());
    const std::size_t n = r.n(), stride = shares.size();
    for (std::size_t k = 1; k < stride; ++k)
        for (std::size_t i = k; i < n; i += stride)
            std::copy_n(shares[k].matrix.begin() + static_cast<long>(i * n), n,
                        r.matrix.begin() + static_cast<long>(i * n));
    finish(r);
    return r;
}

nlohmann::json to_json(const HeadSimilarityResult& r) {
    nlohmann::json m = nlohmann::json::array();
    for (std::size_t i = 0; i < r.n(); ++i) {
        nlohmann::json row = nlohmann::json::array();
        for (std::size_t j = 0; j < r.n(); ++j) row.push_back(jnum(r.matrix[i * r.n() + j]));
        m.push_back(row);
    }
    return {{"layer", r.layer ? nlohmann::json(*r.layer) : nlohmann::json(nullptr)},
            {"metric", r.metric},
            {"rank", r.rank ? nlohmann::json(r.rank) : nlohmann::json(nullptr)},
            {"heads", r.heads},
            {"order", r.order},
            {"matrix", m}};
}

std::string to_csv(const HeadSimilarityResult& r) {
    std::ostringstream os;
    os << "head";
    for (const auto& h : r.heads) os << "," << h;
    os << "\n";
    for (std::size_t i = 0; i < r.n(); ++i) {
        os << r.heads[i];
        for (std::size_t j = 0; j < r.n(); ++j) os << "," << cnum(r.matrix[i * r.n() + j]);
        os << "\n";
    }
    return os.str();
}

}  // namespace es::analysis
