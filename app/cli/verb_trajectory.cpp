// eigenscope-cli trajectory FILE [--stream NAME] [--include-final-norm] [--per-token]
//                           [--threads N] (--json|--csv)
// Under MPI each rank takes a block of tokens; rank 0 joins the blocks in order and computes the
// statistics over all tokens (analysis::trajectory_merge).
#include "analysis/trajectory.h"
#include "args.h"
#include "distribute.h"
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
    std::shared_ptr<Dump> dump;
    std::vector<analysis::TrajectoryResult> parts;
    const auto joined = gather_results<analysis::TrajectoryResult>(
        [&](int rank, int size) {
            dump = Dump::open(file);
            analysis::TrajectoryOptions mine = o;
            const parallel::Block b =
                parallel::block(dump->stream(o.stream).n_tokens(), rank, size);
            if (size > 1) {
                mine.token_begin = b.begin;
                mine.token_end = b.end;
            }
            return analysis::trajectory(*dump, mine, no_progress());
        },
        [&](analysis::TrajectoryResult& into, analysis::TrajectoryResult&& part) {
            if (parts.empty()) parts.push_back(std::move(into));
            parts.push_back(std::move(part));
        });
    if (!joined) return 0;  // not rank 0: rank 0 prints
    const analysis::TrajectoryResult r =
        parts.empty() ? *joined
                      : analysis::trajectory_merge(std::move(parts), dump->stream(o.stream));
    return print_text(f == Format::Json ? analysis::to_json(r, per_token).dump(2) + "\n"
                                        : analysis::to_csv(r, per_token));
}

}  // namespace es::cli
