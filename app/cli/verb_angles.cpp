// eigenscope-cli angles FILE --a SPEC --b SPEC (--json | --csv); SPEC = SOURCE:SIDE:RANGE
#include <iostream>

#include "analysis/subspace_angles.h"
#include "args.h"
#include "io/dump.h"
#include "verbs.h"

namespace es::cli {

int verb_angles(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv"}, {"a", "b"});
    if (args.positionals().size() != 1) throw UsageError("angles takes exactly one FILE");
    if (args.flag("json") == args.flag("csv")) throw UsageError("choose one of --json or --csv");
    const auto a = args.option("a"), b = args.option("b");
    if (!a || !b) throw UsageError("--a SPEC and --b SPEC are required");
    auto dump = Dump::open(args.positionals()[0]);
    const auto r = analysis::subspace_angles(*dump, *a, *b, no_progress());
    if (args.flag("json"))
        std::cout << analysis::to_json(r).dump(2) << "\n";
    else
        std::cout << analysis::to_csv(r);
    return 0;
}

}  // namespace es::cli
