// eigenscope-cli trajectory FILE [--stream NAME] [--include-final-norm] [--per-token]
//                           [--threads N] (--json|--csv)
// Under MPI each rank takes a block of tokens; rank 0 joins the blocks in order and computes the
// statistics over all tokens (analysis::trajectory_merge).
#include "analysis/trajectory.h"
#include "args.h"
#include "distributed.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_trajectory(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "include-final-norm", "per-token"}, {"stream", "threads"});
    const std::string& file = only_positional(args, "trajectory");
    const Format f = output_format(args);
    auto o = stream_options<analysis::TrajectoryOptions>(args);
    o.threads = static_cast<int>(args.integer("threads", 1, 64).value_or(0));
    const bool per_token = args.flag("per-token");
    const auto r = distributed_trajectory(file, o);
    if (!r) return 0;  // not rank 0: rank 0 prints
    return print_text(f == Format::Json ? analysis::to_json(*r, per_token).dump(2) + "\n"
                                        : analysis::to_csv(*r, per_token));
}

}  // namespace es::cli
