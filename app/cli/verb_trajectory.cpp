// eigenscope-cli trajectory FILE [--stream NAME] [--include-final-norm] [--per-token]
//                           [--threads N] (--json|--csv)
#include "analysis/trajectory.h"
#include "args.h"
#include "output_format.h"
#include "verbs.h"

namespace es::cli {

int verb_trajectory(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "include-final-norm", "per-token"}, {"stream", "threads"});
    if (args.positionals().size() != 1) throw UsageError("trajectory takes exactly one FILE");
    const Format f = output_format(args);
    auto dump = Dump::open(args.positionals()[0]);
    analysis::TrajectoryOptions o;
    o.stream = args.option("stream").value_or("");
    o.include_final_norm = args.flag("include-final-norm");
    o.threads = static_cast<int>(args.integer("threads", 1, 64).value_or(0));
    const auto r = analysis::trajectory(*dump, o, no_progress());
    const bool per_token = args.flag("per-token");
    if (f == Format::Json)
        std::cout << analysis::to_json(r, per_token).dump(2) << "\n";
    else
        std::cout << analysis::to_csv(r, per_token);
    std::cout.flush();
    return std::cout ? 0 : 1;
}

}  // namespace es::cli
