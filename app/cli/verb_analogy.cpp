// eigenscope-cli analogy FILE "a - b + c" [--layer L | --all-layers | --source embed.W_E]
//                        [--normalize] [--top K] [--expect T] [--stream NAME] (--json|--csv)
#include "analysis/analogy.h"
#include "args.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_analogy(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "normalize", "all-layers", "include-final-norm"},
              {"stream", "layer", "source", "top", "expect"});
    if (args.positionals().size() != 2)
        throw UsageError("analogy takes FILE and a query such as \"king - man + woman\"");
    const Format f = output_format(args);
    auto o = stream_options<analysis::AnalogyOptions>(args);
    o.query = args.positionals()[1];
    if (auto l = args.integer("layer", 0, 1 << 20)) o.layer = static_cast<std::size_t>(*l);
    o.all_layers = args.flag("all-layers");
    o.source = args.option("source").value_or("");
    if (static_cast<int>(o.layer.has_value()) + static_cast<int>(o.all_layers) +
            static_cast<int>(!o.source.empty()) >
        1)
        throw UsageError("give at most one of --layer, --all-layers and --source");
    o.normalize = args.flag("normalize");
    o.top = static_cast<std::size_t>(args.integer("top", 1, 1 << 20).value_or(10));
    o.expect = args.option("expect").value_or("");
    auto dump = Dump::open(args.positionals()[0]);
    return print_result(f, analysis::analogy(*dump, o, no_progress()));
}

}  // namespace es::cli
