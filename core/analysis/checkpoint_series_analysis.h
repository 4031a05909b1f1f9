#pragma once
// How one weight or head circuit evolves over a checkpoint series: its top-k singular values at
// every step and the principal angles between its top-k left or right singular subspace at
// consecutive steps and at each step versus the final step. No Qt.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/progress.h"

namespace es::analysis {

struct CheckpointSeriesOptions {
    std::string matrix;   // SOURCE (weight or blocks.L.attn.QK[H] / OV[H]) or SOURCE:SIDE:RANGE
    std::size_t top = 8;  // k (ignored when matrix carries a RANGE: then k = range end)
    bool left = false;    // side (ignored when matrix carries a SIDE)
};

struct CheckpointSeriesResult {
    std::string matrix;
    std::string side;
    std::size_t k = 0;
    std::vector<long long> steps;
    std::vector<std::string> files;
    std::vector<std::vector<double>>
        singular_values;  // steps x k (fewer where the matrix has fewer)
    // angles (degrees, ascending) of the top-k subspace: [i] = step i vs step i-1 (empty for 0)
    std::vector<std::vector<double>> angles_prev, angles_final;
    std::vector<double> overlap_prev, overlap_final;  // mean cos^2 (NaN for step 0 / prev)
    // Checkpoints left out because their content is identical to a step's above (one file
    // served under two revisions): not a step of their own, so no fake zero drift.
    struct Duplicate {
        long long step = 0, same_as_step = 0;
        std::string file, same_as_file;
    };
    std::vector<Duplicate> duplicates;
};

// folder: a checkpoint folder (list_checkpoint_series: .h5 dumps, a Trainer output folder, or
// Hugging Face model folders). InputError when a step lacks the matrix.
CheckpointSeriesResult checkpoint_series_analysis(const std::string& folder,
                                                  const CheckpointSeriesOptions& options,
                                                  Progress& progress);

// The series in parts (distributed runs): the distinct checkpoints (duplicates left out) are
// numbered in step order; part `part` of `parts` computes the SVD of a contiguous block of them.
// The steps of every part, in part order, finished by checkpoint_series_finish, are the result
// checkpoint_series_analysis computes. k is fixed before any SVD from every checkpoint's shapes
// (read from the files' metadata), so a step's numbers do not depend on which part computed it.
struct CheckpointSeriesStep {
    long long step = 0;
    std::string file;
    std::vector<double> singular_values;  // top k
    std::size_t rows = 0, cols = 0;       // the subspace basis, column-major rows x cols
    std::vector<double> basis;
};
std::vector<CheckpointSeriesStep> checkpoint_series_steps(const std::string& folder,
                                                          const CheckpointSeriesOptions& options,
                                                          int part, int parts, Progress& progress);
CheckpointSeriesResult checkpoint_series_finish(const std::string& folder,
                                                const CheckpointSeriesOptions& options,
                                                std::vector<CheckpointSeriesStep> steps);

// {"matrix","side","k","steps","files","singular_values":[[..]],"angles_prev_deg":[[..]|null],
//  "angles_final_deg":[[..]],"overlap_prev":[..],"overlap_final":[..],
//  "duplicates":[{"step","file","same_as_step","same_as_file"}]}
nlohmann::json to_json(const CheckpointSeriesResult& r);
// step,overlap_prev,overlap_final,s0..s{k-1}
std::string to_csv(const CheckpointSeriesResult& r);

}  // namespace es::analysis
