// eigenscope-cli lens FILE --token T [--top K] [--weights DIR] [--stream NAME]
// [--include-final-norm]
// (--json|--csv)
#include "analysis/lens.h"
#include "analysis/token_address.h"
#include "args.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_lens(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "include-final-norm"}, {"stream", "token", "top", "weights"});
    const std::string& file = only_positional(args, "lens");
    const Format f = output_format(args);
    const auto token = args.option("token");
    if (!token) throw UsageError("lens needs --token T");
    auto o = stream_options<analysis::LensOptions>(args);
    auto dump = open_dump(args, file);
    const StreamInfo& s = dump->stream(o.stream);
    o.token = analysis::parse_token_address(*token, s.n_prompts, s.n_positions).flat;
    o.top_k = static_cast<std::size_t>(args.integer("top", 1, 1 << 20).value_or(10));
    return print_result(f, analysis::lens(*dump, o, no_progress()));
}

}  // namespace es::cli
