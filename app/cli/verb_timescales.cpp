// eigenscope-cli timescales FILE [--stream NAME] [--layer N] [--components K]
//                           [--include-final-norm] (--json|--csv)
#include "analysis/timescales.h"
#include "args.h"
#include "output_format.h"
#include "verbs.h"

namespace es::cli {

int verb_timescales(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "include-final-norm"}, {"stream", "layer", "components"});
    if (args.positionals().size() != 1) throw UsageError("timescales takes exactly one FILE");
    const Format f = output_format(args);
    auto dump = Dump::open(args.positionals()[0]);
    analysis::TimescalesOptions o;
    o.stream = args.option("stream").value_or("");
    if (auto l = args.integer("layer", 0, 1 << 20)) o.layer = static_cast<std::size_t>(*l);
    o.components = static_cast<std::size_t>(args.integer("components", 1, 1 << 20).value_or(8));
    o.include_final_norm = args.flag("include-final-norm");
    return print_result(f, analysis::timescales(*dump, o, no_progress()));
}

}  // namespace es::cli
