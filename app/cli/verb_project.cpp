// eigenscope-cli project FILE [--stream NAME] [--spherize] [--axes A-B[@L],C-D[@L],...]
//                        [--axes-layer N] [--include-final-norm] (--json|--csv)
// A and B are token addresses (flat index or prompt:position); L defaults to --axes-layer, else
// the last pre-final-norm state.
#include "analysis/axis_spec.h"
#include "analysis/common.h"
#include "analysis/project.h"
#include "args.h"
#include "output_format.h"
#include "util/error.h"
#include "verbs.h"

namespace es::cli {

int verb_project(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "spherize", "include-final-norm"},
              {"stream", "axes", "axes-layer"});
    if (args.positionals().size() != 1) throw UsageError("project takes exactly one FILE");
    const Format f = output_format(args);
    auto dump = Dump::open(args.positionals()[0]);
    analysis::ProjectOptions o;
    o.stream = args.option("stream").value_or("");
    o.spherize = args.flag("spherize");
    o.include_final_norm = args.flag("include-final-norm");
    const StreamInfo& s = dump->stream(o.stream);
    const auto axes_layer = args.integer("axes-layer", 0, 1 << 20);
    if (auto axes = args.option("axes"))
        o.axes = analysis::parse_axes(
            *axes, *dump, s,
            axes_layer ? static_cast<std::size_t>(*axes_layer) : analysis::last_pre_norm_state(s));
    return print_result(f, analysis::project(*dump, o, no_progress()));
}

}  // namespace es::cli
