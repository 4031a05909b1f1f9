// eigenscope-cli angles FILE --a SPEC --b SPEC [--weights DIR] (--json | --csv); SPEC =
// SOURCE:SIDE:RANGE
#include "analysis/subspace_angles.h"
#include "args.h"
#include "io/dump.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_angles(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv"}, {"a", "b", "weights"});
    const std::string& file = only_positional(args, "angles");
    const Format f = output_format(args);
    const auto a = args.option("a"), b = args.option("b");
    if (!a || !b) throw UsageError("--a SPEC and --b SPEC are required");
    auto dump = open_dump(args, file);
    return print_result(f, analysis::subspace_angles(*dump, *a, *b, no_progress()));
}

}  // namespace es::cli
