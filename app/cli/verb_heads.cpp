// eigenscope-cli heads FILE (--layer N | --all-layers) --metric M [--rank R] [--weights DIR]
// (--json | --csv)
#include "analysis/head_similarity.h"
#include "args.h"
#include "io/dump.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_heads(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "all-layers"}, {"layer", "metric", "rank", "weights"});
    const std::string& file = only_positional(args, "heads");
    const Format f = output_format(args);
    const auto layer = args.integer("layer", 0, 1000000);
    if (layer.has_value() == args.flag("all-layers"))
        throw UsageError("choose one of --layer N or --all-layers");
    const auto metric = args.option("metric");
    if (!metric) throw UsageError("--metric is required");
    analysis::HeadSimilarityOptions o;
    o.metric = analysis::parse_head_metric(*metric);
    if (layer) o.layer = static_cast<std::size_t>(*layer);
    if (auto r = args.integer("rank", 1, 1000000)) o.rank = static_cast<std::size_t>(*r);
    auto dump = open_dump(args, file);
    return print_result(f, analysis::head_similarity(*dump, o, no_progress()));
}

}  // namespace es::cli
