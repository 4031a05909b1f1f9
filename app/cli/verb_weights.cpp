// eigenscope-cli weights FILE (--json | --csv [--heads]) [--matrix NAME] [--weights DIR]
// Spectra of every 2-D weight and of every head's QK/OV circuit. --csv prints the matrix table,
// or with --heads the head-circuit table. Under MPI each rank takes a block of the matrices and
// a block of the layers' heads; rank 0 merges them in order.
#include "analysis/head_circuits.h"
#include "analysis/matrix_source.h"
#include "analysis/weight_spectra.h"
#include "args.h"
#include "distribute.h"
#include "distributed.h"
#include "io/dump.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

namespace {

// Rank 0: every layer's head circuits; other ranks: nullopt after computing their share.
std::optional<analysis::HeadCircuitsResult> distributed_heads(const Args& args,
                                                              const std::string& file) {
    return gather_results<analysis::HeadCircuitsResult>(
        [&](int rank, int size) {
            auto dump = open_dump(args, file);
            analysis::HeadCircuitsOptions ho;
            if (size > 1) {
                std::vector<std::size_t> all;
                for (std::size_t l = 0; l < analysis::count_attention_layers(*dump); ++l)
                    all.push_back(l);
                ho.layers = parallel::block_items(all, rank, size);
                if (ho.layers.empty()) {
                    analysis::HeadCircuitsResult none;
                    none.n_layers = all.size();
                    return none;
                }
            }
            return analysis::head_circuits(*dump, ho, no_progress());
        },
        [](analysis::HeadCircuitsResult& into, analysis::HeadCircuitsResult&& part) {
            if (into.heads.empty()) {  // the dimensions come from the first rank with layers
                into.n_heads = part.n_heads;
                into.n_kv_heads = part.n_kv_heads;
                into.d_model = part.d_model;
                into.d_head = part.d_head;
            }
            for (auto& h : part.heads) into.heads.push_back(std::move(h));
        });
}

}  // namespace

int verb_weights(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "heads"}, {"matrix", "weights"});
    const std::string& file = only_positional(args, "weights");
    const Format f = output_format(args);
    analysis::WeightSpectraOptions wo;
    if (auto m = args.option("matrix")) wo.only = {*m};
    const bool root = ranks().root();
    if (f == Format::Csv && args.flag("heads")) {
        const auto heads = distributed_heads(args, file);  // every rank takes part
        return root ? print_result(f, *heads) : 0;
    }
    const auto spectra = distributed_weight_spectra(file, args.option("weights").value_or(""), wo);
    if (f == Format::Csv) return root ? print_result(f, *spectra) : 0;
    const auto heads = distributed_heads(args, file);
    if (!root) return 0;
    nlohmann::json j = analysis::to_json(*spectra);
    const nlohmann::json h = analysis::to_json(*heads);
    for (const char* k : {"n_layers", "n_heads", "n_kv_heads", "d_model", "d_head", "heads"})
        j[k] = h[k];
    return print_text(j.dump(2) + "\n");
}

}  // namespace es::cli
