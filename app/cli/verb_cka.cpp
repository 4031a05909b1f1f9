// eigenscope-cli cka FILE [OTHER] [--stream NAME] [--include-final-norm] [--threads N]
// [--memory MB] (--json|--csv)
// Under MPI the Gram rows (or the pairs) are shared among the ranks (distributed.h).
#include "analysis/cka.h"
#include "args.h"
#include "distributed.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_cka(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "include-final-norm"}, {"stream", "threads", "memory"});
    const auto& pos = args.positionals();
    if (pos.empty() || pos.size() > 2) throw UsageError("cka takes FILE and optionally OTHER");
    const Format f = output_format(args);
    auto o = stream_options<analysis::CkaOptions>(args);
    o.threads = static_cast<int>(args.integer("threads", 1, 64).value_or(0));
    // The Gram form's working memory (default a quarter of RAM): what the app gives it can be
    // reproduced here.
    if (const auto mb = args.integer("memory", 1, 1 << 24))
        o.memory_budget = static_cast<std::size_t>(*mb) << 20;
    const auto r = distributed_cka(pos[0], pos.size() == 2 ? pos[1] : "", o);
    return r ? print_result(f, *r) : 0;  // not rank 0: rank 0 prints
}

}  // namespace es::cli
