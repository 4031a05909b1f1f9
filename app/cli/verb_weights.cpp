// eigenscope-cli weights FILE (--json | --csv [--heads]) [--matrix NAME] [--weights DIR]
// Spectra of every 2-D weight and of every head's QK/OV circuit. --csv prints the matrix table,
// or with --heads the head-circuit table.
#include "analysis/head_circuits.h"
#include "analysis/weight_spectra.h"
#include "args.h"
#include "io/dump.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_weights(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "heads"}, {"matrix", "weights"});
    const std::string& file = only_positional(args, "weights");
    const Format f = output_format(args);
    auto dump = open_dump(args, file);
    analysis::WeightSpectraOptions wo;
    if (auto m = args.option("matrix")) wo.only = {*m};
    if (f == Format::Csv && args.flag("heads"))
        return print_result(f, analysis::head_circuits(*dump, {}, no_progress()));
    const auto spectra = analysis::weight_spectra(*dump, wo, no_progress());
    if (f == Format::Csv) return print_result(f, spectra);
    nlohmann::json j = analysis::to_json(spectra);
    const nlohmann::json h = analysis::to_json(analysis::head_circuits(*dump, {}, no_progress()));
    for (const char* k : {"n_layers", "n_heads", "n_kv_heads", "d_model", "d_head", "heads"})
        j[k] = h[k];
    return print_text(j.dump(2) + "\n");
}

}  // namespace es::cli
