// eigenscope-cli delta BASE OTHER [--top K] (--json | --csv)
#include <iostream>

#include "analysis/weight_delta.h"
#include "args.h"
#include "io/dump.h"
#include "verbs.h"

namespace es::cli {

int verb_delta(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv"}, {"top"});
    if (args.positionals().size() != 2) throw UsageError("delta takes BASE and OTHER");
    if (args.flag("json") == args.flag("csv")) throw UsageError("choose one of --json or --csv");
    analysis::WeightDeltaOptions o;
    if (auto k = args.integer("top", 1, 1000000)) o.top = static_cast<std::size_t>(*k);
    auto base = Dump::open(args.positionals()[0]);
    auto other = Dump::open(args.positionals()[1]);
    const auto r = analysis::weight_delta(*base, *other, o, no_progress());
    if (args.flag("json"))
        std::cout << analysis::to_json(r).dump(2) << "\n";
    else
        std::cout << analysis::to_csv(r);
    return 0;
}

}  // namespace es::cli
