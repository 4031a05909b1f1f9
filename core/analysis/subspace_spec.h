#pragma once
// Subspaces named on the command line as SOURCE:SIDE:RANGE, and the SVD of such a source.
//   SOURCE  a 2-D weight ("embed.W_E", "blocks.0.mlp.W_in"),
//           a head circuit "blocks.L.attn.QK[H]" / "blocks.L.attn.OV[H]" (QK = W_Q W_K^T,
//           OV = W_V W_O, see head_circuits.h), or
//           one state of a stream "NAME[S]" ("resid[4]", "attn_out[2]"): the centred activations,
//           tokens x d_model.
//   SIDE    "left" (column space: rows of a weight [m] / query or read side of a circuit / token
//           space of a stream) or "right" (row space: columns of a weight [n] / key or write side
//           of a circuit / model space, i.e. the principal directions, of a stream).
//   RANGE   "a-b": singular directions a .. b-1, zero-based, half-open, in order of decreasing
//           singular value (a < b).
// Parsing needs no dump and throws InputError with the offending text; resolving checks the
// names and sizes against a dump.
#include <Eigen/Dense>
#include <cstddef>
#include <string>
#include <vector>

#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

struct SubspaceSource {
    enum class Kind { Weight, Circuit, Stream };
    Kind kind = Kind::Weight;
    std::string text;                 // as given
    std::string name;                 // weight or stream name
    std::size_t layer = 0, head = 0;  // circuits
    bool qk = false;                  // circuits: QK (true) or OV
    std::size_t state = 0;            // streams
};

struct SubspaceSpec {
    std::string text;
    SubspaceSource source;
    bool left = false;
    std::size_t begin = 0, end = 0;
};

SubspaceSource parse_subspace_source(const std::string& text);
SubspaceSpec parse_subspace_spec(const std::string& text);

// Singular values (all min(m, n) for weights and streams, d_head for circuits, descending) and
// the top k_left / k_right singular vectors as columns. InputError when the source does not
// exist in the dump or k exceeds the number of (nonzero) singular directions.
struct SourceSvd {
    std::size_t rows = 0, cols = 0;  // the matrix's shape (left ambient = rows, right = cols)
    std::vector<double> s;
    Eigen::MatrixXd u, v;
};
SourceSvd source_svd(const Dump& dump, const SubspaceSource& source, std::size_t k_left,
                     std::size_t k_right, Progress& progress);

// The basis (ambient x (end - begin), orthonormal columns) the spec names.
Eigen::MatrixXd resolve_subspace(const Dump& dump, const SubspaceSpec& spec, Progress& progress);

}  // namespace es::analysis
