// eigenscope-cli heads FILE (--layer N | --all-layers) --metric M [--rank R] (--json | --csv)
#include <iostream>

#include "analysis/head_similarity.h"
#include "args.h"
#include "io/dump.h"
#include "verbs.h"

namespace es::cli {

int verb_heads(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "all-layers"}, {"layer", "metric", "rank"});
    if (args.positionals().size() != 1) throw UsageError("heads takes exactly one FILE");
    if (args.flag("json") == args.flag("csv")) throw UsageError("choose one of --json or --csv");
    const auto layer = args.integer("layer", 0, 1000000);
    if (layer.has_value() == args.flag("all-layers"))
        throw UsageError("choose one of --layer N or --all-layers");
    const auto metric = args.option("metric");
    if (!metric) throw UsageError("--metric is required");
    analysis::HeadSimilarityOptions o;
    o.metric = analysis::parse_head_metric(*metric);
    if (layer) o.layer = static_cast<std::size_t>(*layer);
    if (auto r = args.integer("rank", 1, 1000000)) o.rank = static_cast<std::size_t>(*r);
    auto dump = Dump::open(args.positionals()[0]);
    const auto r = analysis::head_similarity(*dump, o, no_progress());
    if (args.flag("json"))
        std::cout << analysis::to_json(r).dump(2) << "\n";
    else
        std::cout << analysis::to_csv(r);
    return 0;
}

}  // namespace es::cli
