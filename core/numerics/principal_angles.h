#pragma once
// Principal angles between two subspaces given by (not necessarily orthonormal) column bases, and
// the SVD of a matrix given as a product of two thin factors (F G^T) without forming it.
// Double precision, Eigen; for small and thin matrices (d_head, LoRA rank, top-k bases).
#include <Eigen/Dense>
#include <vector>

namespace es::numerics {

// Angles in DEGREES, ascending, between span(A) and span(B) (both n x p / n x q, same n; the
// columns are orthonormalised first). min(p, q) angles. Cosines from the SVD of Qa^T Qb, and for
// angles below 45 degrees the sines from the SVD of Qb - Qa (Qa^T Qb) (Knyazev & Argentati 2002),
// so that tiny angles keep their relative accuracy. Throws InternalError when the rows differ.
std::vector<double> subspace_angles_deg(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b);
// mean cos^2 of those angles (1 = same subspace, 0 = orthogonal); NaN when there are none.
double subspace_overlap(const std::vector<double>& angles_deg);

// The SVD of M = F G^T for F (m x r) and G (n x r): thin QR of both factors, SVD of the small
// core R_F R_G^T. Never forms the m x n matrix. Singular values descending (min(m, n, r) of
// them); U (m x k) and V (n x k) only when vectors is true. Exact zeros are kept.
struct FactoredSvd {
    Eigen::VectorXd s;
    Eigen::MatrixXd u, v;
};
FactoredSvd factored_svd(const Eigen::MatrixXd& f, const Eigen::MatrixXd& g, bool vectors);

// Orthonormal basis of span(A) (thin Householder QR; n x min(n, p)).
Eigen::MatrixXd orthonormal_basis(const Eigen::MatrixXd& a);

}  // namespace es::numerics
