#pragma once
// The CLI's verbs: one table (verbs.cpp) names each, its usage line and its function. --help,
// the man page's VERBS section (man_page.cpp, printed by the hidden --man at build time) and the
// headings of docs/CLI.md come from it.
#include <string>
#include <vector>

namespace es::cli {

// A verb returns the process exit code: 0 success, 2 bad input or usage, 1 internal failure.
using VerbMain = int(const std::vector<std::string>& args);
using VerbFn = VerbMain*;

struct Verb {
    const char* name;
    const char* usage;    // "info FILE [--json]": metavariables in capitals
    const char* summary;  // one line for --help; the man page's first sentence
    VerbFn run;
    const char* details = nullptr;  // more sentences for the man page, or none
};

const std::vector<Verb>& verbs();

// The verbs, one file each (verb_NAME.cpp).
VerbMain verb_info, verb_weights, verb_heads, verb_angles, verb_series, verb_delta, verb_trajectory,
    verb_spectrum, verb_equaliser, verb_project, verb_cka, verb_timescales, verb_lens,
    verb_attention, verb_bundle;
// Linear directions, analogies and nearest neighbours (issue 21).
VerbMain verb_directions, verb_analogy, verb_neighbours;
#ifdef EIGENSCOPE_WITH_REPORT
VerbMain verb_report;  // needs Qt: built with the GUI (app/report/verb_report.cpp)
#endif

// The man page's VERBS section (roff, from ".SH VERBS" on): every verb's usage line with its
// metavariables in italics, and its summary and details.
std::string man_verbs();

}  // namespace es::cli
