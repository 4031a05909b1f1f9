// eigenscope-cli info FILE [--weights DIR] [--json] [--no-health]
// --no-health skips the data scan: the app's child-process probe wants the metadata only.
// A results bundle (bundle/bundle.h) also shows where it came from and the results it holds.
#include <iostream>

#include "args.h"
#include "bundle/bundle.h"
#include "io/data_health.h"
#include "io/dump.h"
#include "report/info.h"
#include "verbs.h"

namespace es::cli {

int verb_info(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "no-health"}, {"weights"});
    if (args.positionals().size() != 1) throw UsageError("info takes exactly one FILE");
    const std::string& file = args.positionals()[0];
    auto dump = Dump::open(file, args.option("weights").value_or(""));
    DataHealth health = args.flag("no-health") ? DataHealth{} : scan_health(*dump);
    const auto provenance = bundle::read_provenance(file);
    if (args.flag("json")) {
        nlohmann::json j = info_json(*dump, health);
        if (provenance) {
            j["bundle"] = bundle::to_json(*provenance);
            j["bundle"]["results"] = bundle::read_keys(file);
        }
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::cout << info_text(*dump, health);
    if (provenance) {
        const bundle::Provenance& p = *provenance;
        std::cout << "\nResults bundle (format " << p.format << ", Eigenscope "
                  << p.eigenscope_version << ", " << p.created_utc << ", " << p.ranks
                  << (p.ranks == 1 ? " rank" : " ranks") << ")\n  of " << p.source << " ("
                  << p.layout << ")\n";
        for (const auto& f : p.files)
            std::cout << "  " << f.path << "  " << f.bytes << " bytes  sha256 " << f.sha256 << "\n";
        std::cout << "  stream " << p.stream << ": " << p.sampled_tokens << " of " << p.tokens
                  << " tokens sampled, " << p.states << " states, d " << p.d << "\n  results:";
        for (const auto& k : bundle::read_keys(file)) std::cout << " " << k;
        std::cout << "\n  lacks:";
        for (const auto& l : p.lacks) std::cout << "\n    " << l;
        std::cout << "\n";
    }
    return 0;
}

}  // namespace es::cli
