// eigenscope-cli project FILE [--stream NAME] [--spherize] [--axes A-B[@L],C-D[@L],...]
//                        [--axes-layer N] [--include-final-norm] (--json|--csv)
// A and B are token addresses (flat index or prompt:position); L defaults to --axes-layer, else
// the last pre-final-norm state.
#include "analysis/common.h"
#include "analysis/project.h"
#include "analysis/token_address.h"
#include "args.h"
#include "output_format.h"
#include "util/error.h"
#include "verbs.h"

namespace es::cli {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t b = 0;
    for (std::size_t e; (e = s.find(sep, b)) != std::string::npos; b = e + 1)
        out.push_back(s.substr(b, e - b));
    out.push_back(s.substr(b));
    return out;
}

}  // namespace

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
    if (auto axes = args.option("axes")) {
        for (const std::string& spec : split(*axes, ',')) {
            std::string pair = spec;
            analysis::AxisSpec ax;
            ax.layer = axes_layer ? static_cast<std::size_t>(*axes_layer)
                                  : analysis::last_pre_norm_state(s);
            if (auto at = spec.find('@'); at != std::string::npos) {
                pair = spec.substr(0, at);
                const std::string l = spec.substr(at + 1);
                if (l.empty() || l.size() > 9 ||
                    l.find_first_not_of("0123456789") != std::string::npos)
                    throw InputError("axis '" + spec + "': layer after @ must be a state index");
                ax.layer = std::stoul(l);
            }
            const auto ab = split(pair, '-');
            if (ab.size() != 2)
                throw InputError("axis '" + spec + "' must look like A-B or A-B@LAYER");
            ax.token_a = analysis::parse_token_address(ab[0], s.n_prompts, s.n_positions).flat;
            ax.token_b = analysis::parse_token_address(ab[1], s.n_prompts, s.n_positions).flat;
            analysis::check_state(*dump, s, static_cast<long long>(ax.layer));
            ax.label = pair + "@" + std::to_string(ax.layer);
            o.axes.push_back(ax);
        }
        if (o.axes.size() > 3) throw UsageError("--axes takes at most 3 axes");
    }
    return print_result(f, analysis::project(*dump, o, no_progress()));
}

}  // namespace es::cli
