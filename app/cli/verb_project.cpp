// eigenscope-cli project FILE [--stream NAME] [--spherize] [--axes A-B[@L],C-D[@L],...]
//                        [--axes-layer N] [--include-final-norm] (--json|--csv)
// A and B are token addresses (flat index or prompt:position); L defaults to --axes-layer, else
// the last pre-final-norm state.
#include "analysis/axis_spec.h"
#include "analysis/common.h"
#include "analysis/project.h"
#include "args.h"
#include "util/error.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_project(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "spherize", "include-final-norm"},
              {"stream", "axes", "axes-layer"});
    const std::string& file = only_positional(args, "project");
    const Format f = output_format(args);
    auto o = stream_options<analysis::ProjectOptions>(args);
    o.spherize = args.flag("spherize");
    auto dump = Dump::open(file);
    const StreamInfo& s = dump->stream(o.stream);
    const auto axes_layer = args.integer("axes-layer", 0, 1 << 20);
    if (auto axes = args.option("axes"))
        o.axes = analysis::parse_axes(
            *axes, *dump, s,
            axes_layer ? static_cast<std::size_t>(*axes_layer) : analysis::last_pre_norm_state(s));
    return print_result(f, analysis::project(*dump, o, no_progress()));
}

}  // namespace es::cli
