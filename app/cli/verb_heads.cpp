// eigenscope-cli heads FILE (--layer N | --all-layers) --metric M [--rank R] [--weights DIR]
// (--json | --csv)
// Under MPI every rank prepares every head (weights are small) and computes every size-th row of
// the pair matrix; rank 0 joins the rows, symmetrises and orders (head_similarity_merge).
#include "analysis/head_similarity.h"
#include "args.h"
#include "distribute.h"
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
    std::vector<analysis::HeadSimilarityResult> shares;
    const auto joined = gather_results<analysis::HeadSimilarityResult>(
        [&](int rank, int size) {
            auto dump = open_dump(args, file);
            analysis::HeadSimilarityOptions mine = o;
            mine.row_stride = static_cast<std::size_t>(size);
            mine.row_offset = static_cast<std::size_t>(rank);
            return analysis::head_similarity(*dump, mine, no_progress());
        },
        [&](analysis::HeadSimilarityResult& into, analysis::HeadSimilarityResult&& next) {
            if (shares.empty()) shares.push_back(std::move(into));
            shares.push_back(std::move(next));
        });
    if (!joined) return 0;  // not rank 0: rank 0 prints
    return print_result(
        f, shares.empty() ? *joined : analysis::head_similarity_merge(std::move(shares)));
}

}  // namespace es::cli
