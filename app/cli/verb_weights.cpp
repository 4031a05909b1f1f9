// eigenscope-cli weights FILE (--json | --csv [--heads]) [--matrix NAME]...
// Spectra of every 2-D weight and of every head's QK/OV circuit. --csv prints the matrix table,
// or with --heads the head-circuit table.
#include <iostream>

#include "analysis/head_circuits.h"
#include "analysis/weight_spectra.h"
#include "args.h"
#include "io/dump.h"
#include "verbs.h"

namespace es::cli {

int verb_weights(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "heads"}, {"matrix"});
    if (args.positionals().size() != 1) throw UsageError("weights takes exactly one FILE");
    if (args.flag("json") == args.flag("csv")) throw UsageError("choose one of --json or --csv");
    auto dump = Dump::open(args.positionals()[0]);
    analysis::WeightSpectraOptions wo;
    if (auto m = args.option("matrix")) wo.only = {*m};
    if (args.flag("csv") && args.flag("heads")) {
        std::cout << analysis::to_csv(analysis::head_circuits(*dump, {}, no_progress()));
        return 0;
    }
    const auto spectra = analysis::weight_spectra(*dump, wo, no_progress());
    if (args.flag("csv")) {
        std::cout << analysis::to_csv(spectra);
        return 0;
    }
    nlohmann::json j = analysis::to_json(spectra);
    const nlohmann::json h = analysis::to_json(analysis::head_circuits(*dump, {}, no_progress()));
    for (const char* k : {"n_layers", "n_heads", "n_kv_heads", "d_model", "d_head", "heads"})
        j[k] = h[k];
    std::cout << j.dump(2) << "\n";
    return 0;
}

}  // namespace es::cli
