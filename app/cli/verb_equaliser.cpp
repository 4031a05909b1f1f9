// eigenscope-cli equaliser FILE --layer N --token T [--basis dims|pca] [--pooled]
//                          [--basis-layer N] [--bands B] [--directions D1,D2,...] [--normalize]
//                          [--stream NAME] (--json|--csv)
// --directions (direction_spec.h) replaces the basis by one bar per direction.
#include "analysis/equaliser.h"
#include "analysis/token_address.h"
#include "args.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_equaliser(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "normalize", "pooled", "include-final-norm"},
              {"stream", "layer", "token", "basis", "basis-layer", "bands", "directions"});
    const std::string& file = only_positional(args, "equaliser");
    const Format f = output_format(args);
    const auto layer = args.integer("layer", 0, 1 << 20);
    const auto token = args.option("token");
    if (!layer || !token) throw UsageError("equaliser needs --layer N and --token T");
    const std::string basis = args.option("basis").value_or("pca");
    if (basis != "pca" && basis != "dims")
        throw UsageError("--basis must be dims or pca, got '" + basis + "'");
    auto o = stream_options<analysis::EqualiserOptions>(args);
    auto dump = Dump::open(file);
    const StreamInfo& s = dump->stream(o.stream);
    o.layer = static_cast<std::size_t>(*layer);
    o.token = analysis::parse_token_address(*token, s.n_prompts, s.n_positions).flat;
    o.basis = basis == "dims" ? analysis::EqualiserBasis::Dims : analysis::EqualiserBasis::Pca;
    o.pooled = args.flag("pooled");
    if (auto bl = args.integer("basis-layer", 0, 1 << 20))
        o.basis_layer = static_cast<std::size_t>(*bl);
    o.bands = static_cast<std::size_t>(args.integer("bands", 1, 1 << 20).value_or(32));
    o.normalize = args.flag("normalize");
    if (auto dirs = args.option("directions")) {
        if (args.option("basis") || args.flag("pooled") || args.option("basis-layer"))
            throw UsageError(
                "--directions replaces the basis: drop --basis, --pooled and "
                "--basis-layer");
        o.basis = analysis::EqualiserBasis::Directions;
        o.directions = *dirs;
    }
    return print_result(f, analysis::equaliser(*dump, o, no_progress()));
}

}  // namespace es::cli
