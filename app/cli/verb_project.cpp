// eigenscope-cli project FILE [--method pca|umap] [--layer L] [--dims 2|3] [--seed S]
//                        [--trustworthiness N] [--stream NAME] [--spherize]
//                        [--axes A-B[@L],C-D[@L],...] [--axes-layer N] [--include-final-norm]
//                        [--color-by token|COLUMN] (--json|--csv)
// A and B are token addresses (flat index or prompt:position); L defaults to --axes-layer, else
// the last pre-final-norm state. --layer projects one state instead of all of them pooled.
// --color-by adds the tokens' colouring (by string or a token_meta column) and its legend to the
// JSON, as the 3-D view and its exports colour them.
#include "analysis/axis_spec.h"
#include "analysis/common.h"
#include "analysis/project.h"
#include "analysis/token_coloring.h"
#include "args.h"
#include "util/error.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_project(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "spherize", "include-final-norm"},
              {"stream", "axes", "axes-layer", "method", "layer", "dims", "seed", "trustworthiness",
               "color-by"});
    const std::string& file = only_positional(args, "project");
    const Format f = output_format(args);
    auto o = stream_options<analysis::ProjectOptions>(args);
    o.spherize = args.flag("spherize");
    const std::string method = args.option("method").value_or("pca");
    if (method != "pca" && method != "umap")
        throw UsageError("--method must be pca or umap, got " + method);
    o.method = method == "umap" ? analysis::ProjectMethod::Umap : analysis::ProjectMethod::Pca;
    o.dims = static_cast<std::size_t>(args.integer("dims", 2, 3).value_or(3));
    // Seeds are 64-bit; integer() bounds them to what a long long holds.
    o.seed = static_cast<std::uint64_t>(args.integer("seed", 0, (1LL << 62)).value_or(42));
    o.trust_points =
        static_cast<std::size_t>(args.integer("trustworthiness", 0, 100000).value_or(0));
    auto dump = Dump::open(file);
    const StreamInfo& s = dump->stream(o.stream);
    if (const auto layer = args.integer("layer", 0, 1 << 20))
        o.layers = {static_cast<std::size_t>(*layer)};
    const auto axes_layer = args.integer("axes-layer", 0, 1 << 20);
    if (auto axes = args.option("axes"))
        o.axes = analysis::parse_axes(
            *axes, *dump, s,
            axes_layer ? static_cast<std::size_t>(*axes_layer) : analysis::last_pre_norm_state(s));
    const auto color_by = args.option("color-by");
    if (color_by && f != Format::Json) throw UsageError("--color-by goes with --json");
    // Checked before the projection, which may take minutes: a wrong name fails at once.
    std::optional<analysis::TokenColoring> coloring;
    if (color_by)
        coloring = analysis::token_coloring(dump->tokens(), dump->token_columns(), *color_by);
    const analysis::ProjectResult result = analysis::project(*dump, o, no_progress());
    if (!coloring) return print_result(f, result);
    nlohmann::json j = to_json(result);
    j["coloring"] = to_json(*coloring);
    return print_text(j.dump(2) + "\n");
}

}  // namespace es::cli
