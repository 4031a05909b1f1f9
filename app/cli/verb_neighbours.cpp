// eigenscope-cli neighbours FILE --token T --layer L [--k K] [--metric cosine|euclidean]
//                           [--method auto|exact|hnsw] [--index FILE] [--recall] [--ef N]
//                           [--stream NAME] [--threads N] (--json|--csv)
#include "analysis/neighbours.h"
#include "analysis/token_address.h"
#include "args.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_neighbours(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "recall"},
              {"stream", "token", "layer", "k", "metric", "method", "index", "ef", "threads",
               "hnsw-threshold"});
    const std::string& file = only_positional(args, "neighbours");
    const Format f = output_format(args);
    const auto layer = args.integer("layer", 0, 1 << 20);
    const auto token = args.option("token");
    if (!layer || !token) throw UsageError("neighbours needs --token T and --layer L");
    analysis::NeighboursOptions o;
    o.stream = args.option("stream").value_or("");
    o.layer = static_cast<std::size_t>(*layer);
    o.k = static_cast<std::size_t>(args.integer("k", 1, 1 << 20).value_or(10));
    const std::string metric = args.option("metric").value_or("cosine");
    if (metric != "cosine" && metric != "euclidean")
        throw UsageError("--metric must be cosine or euclidean, got '" + metric + "'");
    o.metric = metric == "cosine" ? analysis::NeighbourMetric::Cosine
                                  : analysis::NeighbourMetric::Euclidean;
    const std::string method = args.option("method").value_or("auto");
    if (method != "auto" && method != "exact" && method != "hnsw")
        throw UsageError("--method must be auto, exact or hnsw, got '" + method + "'");
    o.method = method == "exact"  ? analysis::NeighbourMethod::Exact
               : method == "hnsw" ? analysis::NeighbourMethod::Hnsw
                                  : analysis::NeighbourMethod::Auto;
    o.index_path = args.option("index").value_or("");
    o.measure_recall = args.flag("recall");
    if (auto ef = args.integer("ef", 1, 1 << 20)) o.hnsw_ef = static_cast<std::size_t>(*ef);
    if (auto t = args.integer("hnsw-threshold", 1, 1ll << 40))
        o.hnsw_threshold = static_cast<std::size_t>(*t);
    o.threads = static_cast<int>(args.integer("threads", 0, 256).value_or(0));
    auto dump = Dump::open(file);
    const StreamInfo& s = dump->stream(o.stream);
    o.token = analysis::parse_token_address(*token, s.n_prompts, s.n_positions).flat;
    return print_result(f, analysis::neighbours(*dump, o, no_progress()));
}

}  // namespace es::cli
