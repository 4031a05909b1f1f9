// eigenscope-cli spectrum FILE [--stream NAME] (--layer N | --all-layers) [--uncentered]
//                         [--top K] [--include-final-norm] (--json|--csv)
// Under MPI (distributed.h): each rank a block of the states, or, with fewer states than ranks
// and more tokens than dimensions, each state's scatter split into token blocks, one per rank.
#include "analysis/common.h"
#include "analysis/spectrum.h"
#include "args.h"
#include "distributed.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_spectrum(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "all-layers", "uncentered", "include-final-norm"},
              {"stream", "layer", "top"});
    const std::string& file = only_positional(args, "spectrum");
    const Format f = output_format(args);
    const auto layer = args.integer("layer", 0, 1 << 20);
    if (layer.has_value() == args.flag("all-layers"))
        throw UsageError("give exactly one of --layer N or --all-layers");
    auto o = stream_options<analysis::SpectrumOptions>(args);
    o.centred = !args.flag("uncentered");
    o.top_k = static_cast<std::size_t>(args.integer("top", 0, 1 << 20).value_or(16));
    if (layer) o.layers = {static_cast<std::size_t>(*layer)};
    const auto r = distributed_spectrum(file, o);
    if (!r) return 0;  // not rank 0: rank 0 prints
    if (layer && f == Format::Json) {
        nlohmann::json j = analysis::to_json(r->layers.at(0));
        j["stream"] = r->stream;
        return print_text(j.dump(2) + "\n");
    }
    return print_result(f, *r);
}

}  // namespace es::cli
