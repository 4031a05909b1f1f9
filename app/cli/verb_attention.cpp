// eigenscope-cli attention FILE --layer N --head H [--prompt P] [--scores] (--json|--csv)
#include "analysis/attention.h"
#include "args.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_attention(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "scores"}, {"layer", "head", "prompt"});
    const std::string& file = only_positional(args, "attention");
    const Format f = output_format(args);
    const auto layer = args.integer("layer", 0, 1 << 20), head = args.integer("head", 0, 1 << 20);
    if (!layer || !head) throw UsageError("attention needs --layer N and --head H");
    analysis::AttentionOptions o;
    o.source = args.flag("scores") ? "attn_scores" : "pattern";
    o.layer = static_cast<std::size_t>(*layer);
    o.head = static_cast<std::size_t>(*head);
    o.prompt = static_cast<std::size_t>(args.integer("prompt", 0, 1 << 30).value_or(0));
    auto dump = Dump::open(file);
    return print_result(f, analysis::attention(*dump, o, no_progress()));
}

}  // namespace es::cli
