#include "numerics/principal_angles.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "util/error.h"

namespace es::numerics {

Eigen::MatrixXd orthonormal_basis(const Eigen::MatrixXd& a) {
    const Eigen::Index k = std::min(a.rows(), a.cols());
    if (k == 0) return Eigen::MatrixXd(a.rows(), 0);
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
    return qr.householderQ() * Eigen::MatrixXd::Identity(a.rows(), k);
}

std::vector<double> subspace_angles_deg(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    if (a.rows() != b.rows())
        throw InternalError("subspace angles: ambient dimensions differ (" +
                            std::to_string(a.rows()) + " vs " + std::to_string(b.rows()) + ")");
    Eigen::MatrixXd qa = orthonormal_basis(a), qb = orthonormal_basis(b);
    if (qa.cols() < qb.cols()) std::swap(qa, qb);  // qa has at least as many columns
    const Eigen::Index k = qb.cols();
    std::vector<double> out(static_cast<std::size_t>(k));
    if (k == 0) return out;
    const Eigen::MatrixXd c = qa.transpose() * qb;  // p x q
    Eigen::JacobiSVD<Eigen::MatrixXd> svd_c(c);
    const Eigen::VectorXd cosines = svd_c.singularValues();  // descending: angles ascending
    const Eigen::MatrixXd resid = qb - qa * c;               // n x q: sines of the angles
    Eigen::JacobiSVD<Eigen::MatrixXd> svd_s(resid);
    Eigen::VectorXd sines = svd_s.singularValues();  // descending
    constexpr double rad = 180.0 / 3.14159265358979323846;
    for (Eigen::Index i = 0; i < k; ++i) {
        const double cs = std::clamp(cosines(i), 0.0, 1.0);
        if (cs * cs >= 0.5) {
            // i-th smallest angle <-> i-th smallest sine
            const double sn = std::clamp(sines(k - 1 - i), 0.0, 1.0);
            out[static_cast<std::size_t>(i)] = std::asin(sn) * rad;
        } else {
            out[static_cast<std::size_t>(i)] = std::acos(cs) * rad;
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

double subspace_overlap(const std::vector<double>& angles_deg) {
    if (angles_deg.empty()) return std::numeric_limits<double>::quiet_NaN();
    constexpr double to_rad = 3.14159265358979323846 / 180.0;
    double s = 0;
    for (double t : angles_deg) {
        const double c = std::cos(t * to_rad);
        s += c * c;
    }
    return s / static_cast<double>(angles_deg.size());
}

FactoredSvd factored_svd(const Eigen::MatrixXd& f, const Eigen::MatrixXd& g, bool vectors) {
    if (f.cols() != g.cols())
        throw InternalError("factored SVD: inner dimensions differ (" + std::to_string(f.cols()) +
                            " vs " + std::to_string(g.cols()) + ")");
    FactoredSvd out;
    const Eigen::Index kf = std::min(f.rows(), f.cols()), kg = std::min(g.rows(), g.cols());
    if (kf == 0 || kg == 0) {
        out.s = Eigen::VectorXd(0);
        out.u = Eigen::MatrixXd(f.rows(), 0);
        out.v = Eigen::MatrixXd(g.rows(), 0);
        return out;
    }
    Eigen::HouseholderQR<Eigen::MatrixXd> qf(f), qg(g);
    const Eigen::MatrixXd rf = qf.matrixQR().topRows(kf).triangularView<Eigen::Upper>();
    const Eigen::MatrixXd rg = qg.matrixQR().topRows(kg).triangularView<Eigen::Upper>();
    const Eigen::MatrixXd core = rf * rg.transpose();  // kf x kg
    if (!vectors) {
        Eigen::JacobiSVD<Eigen::MatrixXd> svd(core);
        out.s = svd.singularValues();
        return out;
    }
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(core, Eigen::ComputeThinU | Eigen::ComputeThinV);
    out.s = svd.singularValues();
    const Eigen::MatrixXd q_f = qf.householderQ() * Eigen::MatrixXd::Identity(f.rows(), kf);
    const Eigen::MatrixXd q_g = qg.householderQ() * Eigen::MatrixXd::Identity(g.rows(), kg);
    out.u = q_f * svd.matrixU();
    out.v = q_g * svd.matrixV();
    return out;
}

}  // namespace es::numerics
