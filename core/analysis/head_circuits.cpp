#include "analysis/head_circuits.h"

#include <sstream>
#include <utility>

#include "analysis/matrix_source.h"
#include "numerics/linalg.h"
#include "numerics/principal_angles.h"
#include "util/parallel.h"

namespace es::analysis {

namespace {

// Upper-triangular R with R^T R = F^T F: float64 Gram by BLAS syrk (half the flops of a
// Householder QR, all BLAS-3) and Cholesky. False when F is not well conditioned (R's diagonal
// spread >= 1e3: the Gram squares the condition number, and relative accuracy of the smallest
// singular values goes as eps kappa^2), then the caller takes the QR route.
bool gram_factor(const Eigen::MatrixXd& f, Eigen::MatrixXd& r) {
    const Eigen::Index n = f.cols();
    if (f.rows() < n || n == 0) return false;
    Eigen::MatrixXd g = Eigen::MatrixXd::Zero(n, n);
    numerics::syrk_t(f.data(), static_cast<std::size_t>(f.rows()), static_cast<std::size_t>(n), 1.0,
                     0.0, g.data());  // lower triangle
    Eigen::LLT<Eigen::MatrixXd, Eigen::Lower> llt(g);
    if (llt.info() != Eigen::Success) return false;
    r = llt.matrixU();
    const Eigen::VectorXd d = r.diagonal().cwiseAbs();
    return d.minCoeff() > 1e-3 * d.maxCoeff();
}

MatrixSpectrum spectrum(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    std::vector<double> s;
    Eigen::MatrixXd ra, rb;
    if (gram_factor(a, ra) && gram_factor(b, rb)) {
        // singular values of a b^T = those of the d_head x d_head core ra rb^T
        const Eigen::BDCSVD<Eigen::MatrixXd> svd(ra * rb.transpose());
        s.assign(svd.singularValues().data(),
                 svd.singularValues().data() + svd.singularValues().size());
    } else {
        const numerics::FactoredSvd f = numerics::factored_svd(a, b, false);
        s.assign(f.s.data(), f.s.data() + f.s.size());
    }
    return matrix_spectrum(std::move(s));
}

}  // namespace

HeadCircuitsResult head_circuits(const Dump& dump, const HeadCircuitsOptions& options,
                                 Progress& progress) {
    HeadCircuitsResult r;
    const numerics::ScopedBlasThreads one_blas_thread(1);  // heads run in parallel instead
    r.n_layers = count_attention_layers(dump);
    std::vector<std::size_t> layers = options.layers;
    if (layers.empty())
        for (std::size_t l = 0; l < r.n_layers; ++l) layers.push_back(l);
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const std::size_t l = layers[i];
        progress.check();
        progress.report(static_cast<double>(i) / static_cast<double>(layers.size()),
                        "layer " + std::to_string(l + 1) + "/" + std::to_string(r.n_layers) +
                            ": head circuits");
        const LayerHeads lh = read_layer_heads(dump, l);
        if (i == 0) {
            r.n_heads = lh.n_heads;
            r.n_kv_heads = lh.n_kv_heads;
            r.d_model = lh.d_model;
            r.d_head = lh.d_head;
        }
        std::vector<HeadCircuit> heads(lh.n_heads);
        util::parallel_each(lh.n_heads, options.threads, [&](std::size_t h) {
            progress.check();
            heads[h].layer = l;
            heads[h].head = h;
            heads[h].qk = spectrum(lh.heads[h].qk_a, lh.heads[h].qk_b);
            heads[h].ov = spectrum(lh.heads[h].ov_a, lh.heads[h].ov_b);
        });
        r.heads.insert(r.heads.end(), heads.begin(), heads.end());
    }
    progress.report(1.0, "head circuits done");
    return r;
}

nlohmann::json to_json(const HeadCircuitsResult& r) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& h : r.heads)
        a.push_back({{"layer", h.layer},
                     {"head", h.head},
                     {"qk", circuit_json(h.qk)},
                     {"ov", circuit_json(h.ov)}});
    return {{"n_layers", r.n_layers}, {"n_heads", r.n_heads}, {"n_kv_heads", r.n_kv_heads},
            {"d_model", r.d_model},   {"d_head", r.d_head},   {"heads", a}};
}

std::string to_csv(const HeadCircuitsResult& r) {
    std::ostringstream os;
    os << "layer,head,circuit,spectral_norm,frobenius,stable_rank,alpha,singular_values\n";
    for (const auto& h : r.heads)
        for (const auto* c : {&h.qk, &h.ov}) {
            os << h.layer << "," << h.head << "," << (c == &h.qk ? "qk" : "ov") << ","
               << csv_cells(*c) << ",";
            for (std::size_t i = 0; i < c->singular_values.size(); ++i)
                os << (i ? ";" : "") << cnum(c->singular_values[i]);
            os << "\n";
        }
    return os.str();
}

}  // namespace es::analysis
