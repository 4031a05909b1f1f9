// eigenscope-cli info FILE [--weights DIR] [--json] [--no-health]
// --no-health skips the data scan: the app's child-process probe wants the metadata only.
#include <iostream>

#include "args.h"
#include "io/data_health.h"
#include "io/dump.h"
#include "report/info.h"
#include "verbs.h"

namespace es::cli {

int verb_info(const std::vector<std::string>& argv) {
    Args args(argv, {"json", "no-health"}, {"weights"});
    if (args.positionals().size() != 1) throw UsageError("info takes exactly one FILE");
    auto dump = Dump::open(args.positionals()[0], args.option("weights").value_or(""));
    DataHealth health = args.flag("no-health") ? DataHealth{} : scan_health(*dump);
    if (args.flag("json"))
        std::cout << info_json(*dump, health).dump(2) << "\n";
    else
        std::cout << info_text(*dump, health);
    return 0;
}

}  // namespace es::cli
