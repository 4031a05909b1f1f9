// eigenscope-cli series DIR --matrix SOURCE[:SIDE:RANGE] [--top K] [--side left|right]
// (--json|--csv)
#include "analysis/checkpoint_series_analysis.h"
#include "args.h"
#include "distribute.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_series(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv"}, {"matrix", "top", "side"});
    const std::string& dir = only_positional(args, "series", "DIR");
    const Format f = output_format(args);
    analysis::CheckpointSeriesOptions o;
    const auto m = args.option("matrix");
    if (!m) throw UsageError("--matrix is required");
    o.matrix = *m;
    if (auto k = args.integer("top", 1, 1000000)) o.top = static_cast<std::size_t>(*k);
    if (auto s = args.option("side")) {
        if (*s != "left" && *s != "right") throw UsageError("--side must be left or right");
        o.left = *s == "left";
    }
    // Under MPI each rank takes a block of the checkpoints; rank 0 joins them in step order and
    // computes the angles between consecutive steps.
    const auto steps = gather_results<std::vector<analysis::CheckpointSeriesStep>>(
        [&](int rank, int size) {
            return analysis::checkpoint_series_steps(dir, o, rank, size, no_progress());
        },
        [](std::vector<analysis::CheckpointSeriesStep>& into,
           std::vector<analysis::CheckpointSeriesStep>&& part) {
            for (auto& st : part) into.push_back(std::move(st));
        });
    if (!steps) return 0;  // not rank 0: rank 0 prints
    return print_result(f, analysis::checkpoint_series_finish(dir, o, std::move(*steps)));
}

}  // namespace es::cli
