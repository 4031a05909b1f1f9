// eigenscope-cli series DIR --matrix SOURCE[:SIDE:RANGE] [--top K] [--side left|right]
// (--json|--csv)
#include <iostream>

#include "analysis/checkpoint_series_analysis.h"
#include "args.h"
#include "verbs.h"

namespace es::cli {

int verb_series(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv"}, {"matrix", "top", "side"});
    if (args.positionals().size() != 1) throw UsageError("series takes exactly one DIR");
    if (args.flag("json") == args.flag("csv")) throw UsageError("choose one of --json or --csv");
    analysis::CheckpointSeriesOptions o;
    const auto m = args.option("matrix");
    if (!m) throw UsageError("--matrix is required");
    o.matrix = *m;
    if (auto k = args.integer("top", 1, 1000000)) o.top = static_cast<std::size_t>(*k);
    if (auto s = args.option("side")) {
        if (*s != "left" && *s != "right") throw UsageError("--side must be left or right");
        o.left = *s == "left";
    }
    const auto r = analysis::checkpoint_series_analysis(args.positionals()[0], o, no_progress());
    if (args.flag("json"))
        std::cout << analysis::to_json(r).dump(2) << "\n";
    else
        std::cout << analysis::to_csv(r);
    return 0;
}

}  // namespace es::cli
