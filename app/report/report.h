#pragma once
// The multi-page PDF report of one dump (eigenscope-cli report, File > Export Report): a summary
// table, the trajectory, the spectra across layers, head-similarity heatmaps of every layer, CKA
// and, when the dump has weights, their power-law alphas; every page with a caption.
//
// Two halves so the app can compute off the GUI thread: compute_report() is plain core work
// (any thread), write_report_pdf() draws the views off-screen (GUI thread) and writes atomically.
#include <QString>
#include <functional>
#include <optional>
#include <vector>

#include "analysis/cka.h"
#include "analysis/head_similarity.h"
#include "analysis/spectrum.h"
#include "analysis/trajectory.h"
#include "analysis/weight_spectra.h"
#include "io/dump.h"
#include "util/progress.h"

namespace es::report {

struct ReportData {
    std::string path, sha256;
    ModelDims dims;
    std::string layout;
    std::size_t tokens = 0, prompts = 0, weights = 0;
    std::vector<std::string> token_texts;
    bool last_is_final_norm = false;
    std::optional<analysis::TrajectoryResult> trajectory;
    std::optional<analysis::SpectrumResult> spectrum;
    std::optional<analysis::CkaResult> cka;
    std::vector<analysis::HeadSimilarityResult> heads;  // one per layer
    std::optional<analysis::WeightSpectraResult> weight_spectra;
    std::vector<std::string> notes;  // analyses left out and why
};

// How compute_report runs its analyses: a member left empty runs in this process. The CLI under
// MPI sets them to the distributed analyses (app/cli/distributed.h): every rank calls
// compute_report with them, in the same order, and only rank 0's data (summary true) is drawn;
// a runner returns nullopt on the other ranks.
struct ReportRunners {
    std::function<std::optional<analysis::TrajectoryResult>()> trajectory;
    std::function<std::optional<analysis::SpectrumResult>()> spectrum;  // values only (top 0)
    std::function<std::optional<analysis::CkaResult>()> cka;
    // Head similarity of every layer: QK cosine from the weights, else pattern correlation.
    std::function<std::optional<std::vector<analysis::HeadSimilarityResult>>(bool weights)> heads;
    std::function<std::optional<analysis::WeightSpectraResult>()> weight_spectra;
    bool summary = true;  // false: skip the summary's hash and token reads (non-root ranks)
};

// Runs every analysis the report shows. Throws InputError when the file is not a dump and
// CancelledError when progress is cancelled; an analysis the dump cannot support becomes a note.
ReportData compute_report(const std::shared_ptr<Dump>& dump, Progress& progress,
                          const ReportRunners& runners = {});

// Renders the pages into a PDF at path through QSaveFile. Needs a QApplication (the offscreen
// platform is enough). False with *error naming the problem; nothing is left at path then.
bool write_report_pdf(const ReportData& data, const QString& path, QString* error = nullptr);

// Page count write_report_pdf produces for data (tests and the CLI's message).
int report_page_count(const ReportData& data);

}  // namespace es::report
