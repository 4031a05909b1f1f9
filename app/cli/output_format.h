#pragma once
// --json / --csv choice shared by the analysis verbs: exactly one of them.
#include <iostream>
#include <string>

#include "args.h"

namespace es::cli {

enum class Format { Json, Csv };

inline Format output_format(const Args& args) {
    const bool json = args.flag("json"), csv = args.flag("csv");
    if (json == csv) throw UsageError("give exactly one of --json or --csv");
    return json ? Format::Json : Format::Csv;
}

template <typename Result>
int print_result(Format f, const Result& r) {
    if (f == Format::Json)
        std::cout << to_json(r).dump(2) << "\n";
    else
        std::cout << to_csv(r);
    std::cout.flush();
    return std::cout ? 0 : 1;
}

}  // namespace es::cli
