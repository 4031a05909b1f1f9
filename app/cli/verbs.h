#pragma once
// The CLI's verbs: one table (verbs.cpp) names each, its usage line and its function.
#include <string>
#include <vector>

namespace es::cli {

// A verb returns the process exit code: 0 success, 2 bad input or usage, 1 internal failure.
using VerbMain = int(const std::vector<std::string>& args);
using VerbFn = VerbMain*;

struct Verb {
    const char* name;
    const char* usage;    // "info FILE [--json]": metavariables in capitals
    const char* summary;  // one line for --help
    VerbFn run;
};

const std::vector<Verb>& verbs();

// The verbs, one file each (verb_NAME.cpp).
VerbMain verb_info, verb_weights, verb_heads, verb_angles, verb_series, verb_delta, verb_trajectory,
    verb_spectrum, verb_equaliser, verb_project, verb_cka, verb_timescales, verb_lens;
#ifdef EIGENSCOPE_WITH_REPORT
VerbMain verb_report;  // needs Qt: built with the GUI (app/report/verb_report.cpp)
#endif

}  // namespace es::cli
