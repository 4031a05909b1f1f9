#include "verbs.h"

namespace es::cli {

const std::vector<Verb>& verbs() {
    static const std::vector<Verb> table = {
        {"info", "info FILE [--json] [--no-health]",
         "layout, model dimensions, streams, weights, tokens and data health of a dump", verb_info},
    };
    return table;
}

}  // namespace es::cli
