// eigenscope-cli delta BASE OTHER [--top K] (--json | --csv)
// OTHER may be a PEFT adapter folder (adapter_config.json + adapter_model.safetensors).
#include "analysis/peft_delta.h"
#include "analysis/weight_delta.h"
#include "args.h"
#include "io/dump.h"
#include "io/peft_adapter.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_delta(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv"}, {"top"});
    if (args.positionals().size() != 2) throw UsageError("delta takes BASE and OTHER");
    const Format f = output_format(args);
    analysis::WeightDeltaOptions o;
    if (auto k = args.integer("top", 1, 1000000)) o.top = static_cast<std::size_t>(*k);
    auto base = Dump::open(args.positionals()[0]);
    const std::string& other_path = args.positionals()[1];
    if (io::is_peft_adapter(other_path))
        return print_result(
            f, analysis::peft_delta(*base, io::open_peft_adapter(other_path), o, no_progress()));
    auto other = Dump::open(other_path);
    return print_result(f, analysis::weight_delta(*base, *other, o, no_progress()));
}

}  // namespace es::cli
