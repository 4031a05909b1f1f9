// eigenscope-cli lens FILE --token T [--top K] [--stream NAME] [--include-final-norm]
// (--json|--csv)
#include "analysis/lens.h"
#include "analysis/token_address.h"
#include "args.h"
#include "output_format.h"
#include "verbs.h"

namespace es::cli {

int verb_lens(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "include-final-norm"}, {"stream", "token", "top"});
    if (args.positionals().size() != 1) throw UsageError("lens takes exactly one FILE");
    const Format f = output_format(args);
    const auto token = args.option("token");
    if (!token) throw UsageError("lens needs --token T");
    auto dump = Dump::open(args.positionals()[0]);
    analysis::LensOptions o;
    o.stream = args.option("stream").value_or("");
    const StreamInfo& s = dump->stream(o.stream);
    o.token = analysis::parse_token_address(*token, s.n_prompts, s.n_positions).flat;
    o.top_k = static_cast<std::size_t>(args.integer("top", 1, 1 << 20).value_or(10));
    o.include_final_norm = args.flag("include-final-norm");
    return print_result(f, analysis::lens(*dump, o, no_progress()));
}

}  // namespace es::cli
