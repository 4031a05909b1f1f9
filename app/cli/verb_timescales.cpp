// eigenscope-cli timescales FILE [--stream NAME] [--layer N] [--components K]
//                           [--include-final-norm] (--json|--csv)
#include "analysis/timescales.h"
#include "args.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_timescales(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "include-final-norm"}, {"stream", "layer", "components"});
    const std::string& file = only_positional(args, "timescales");
    const Format f = output_format(args);
    auto o = stream_options<analysis::TimescalesOptions>(args);
    if (auto l = args.integer("layer", 0, 1 << 20)) o.layer = static_cast<std::size_t>(*l);
    o.components = static_cast<std::size_t>(args.integer("components", 1, 1 << 20).value_or(8));
    auto dump = Dump::open(file);
    return print_result(f, analysis::timescales(*dump, o, no_progress()));
}

}  // namespace es::cli
