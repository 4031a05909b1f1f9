// eigenscope-cli directions FILE (--pairs A:B,C:D | --group-a A,B --group-b C,D)
//                           [--weight W_U[T] | --vector FILE.npy|FILE.h5:/dataset | --pc K[@L]]
//                           [--null-draws R] [--seed S] [--projection] [--stream NAME]
//                           [--include-final-norm] [--threads N] (--json|--csv)
#include "analysis/directions.h"
#include "analysis/token_lookup.h"
#include "args.h"
#include "verb_support.h"
#include "verbs.h"

namespace es::cli {

int verb_directions(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "csv", "projection", "include-final-norm"},
              {"stream", "pairs", "group-a", "group-b", "weight", "vector", "pc", "null-draws",
               "seed", "threads"});
    const std::string& file = only_positional(args, "directions");
    const Format f = output_format(args);
    auto o = stream_options<analysis::DirectionsOptions>(args);
    if (auto p = args.option("pairs"))
        for (const std::string& pair : analysis::split_outside_quotes(*p, ',')) {
            const auto sides = analysis::split_outside_quotes(pair, ':');
            if (sides.size() != 2)
                throw UsageError(
                    "--pairs takes A:B,C:D (quote a token holding ':' as 'a:b'), got '" + pair +
                    "'");
            o.pairs.emplace_back(sides[0], sides[1]);
        }
    if (auto a = args.option("group-a")) o.group_a = analysis::split_outside_quotes(*a, ',');
    if (auto b = args.option("group-b")) o.group_b = analysis::split_outside_quotes(*b, ',');
    o.weight = args.option("weight").value_or("");
    o.vector = args.option("vector").value_or("");
    if (auto pc = args.option("pc")) {
        const auto at = pc->find('@');
        try {
            std::size_t used = 0;
            o.pc = std::stoul(pc->substr(0, at), &used);
            if (used != (at == std::string::npos ? pc->size() : at))
                throw std::invalid_argument("");
            if (at != std::string::npos) o.pc_layer = std::stoul(pc->substr(at + 1), &used);
            if (at != std::string::npos && used != pc->size() - at - 1)
                throw std::invalid_argument("");
        } catch (const std::logic_error&) {
            throw UsageError("--pc takes K or K@LAYER (K from 1), got '" + *pc + "'");
        }
    }
    o.null_draws = static_cast<std::size_t>(args.integer("null-draws", 0, 10000).value_or(8));
    o.seed = static_cast<std::uint64_t>(args.integer("seed", 0, (1ll << 62)).value_or(0));
    o.threads = static_cast<int>(args.integer("threads", 0, 256).value_or(0));
    o.keep_projection = args.flag("projection");
    auto dump = Dump::open(file);
    const auto r = analysis::directions(*dump, o, no_progress());
    if (f == Format::Csv) return print_text(to_csv(r));
    return print_text(to_json(r, args.flag("projection")).dump(2) + "\n");
}

}  // namespace es::cli
