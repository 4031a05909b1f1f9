#pragma once
// The CLI's verbs: one table (verbs.cpp) names each, its usage line and its function.
#include <string>
#include <vector>

namespace es::cli {

// A verb returns the process exit code: 0 success, 2 bad input or usage, 1 internal failure.
using VerbFn = int (*)(const std::vector<std::string>& args);

struct Verb {
    const char* name;
    const char* usage;    // "info FILE [--json]"
    const char* summary;  // one line for --help
    VerbFn run;
};

const std::vector<Verb>& verbs();

int verb_info(const std::vector<std::string>& args);
int verb_weights(const std::vector<std::string>& args);
int verb_heads(const std::vector<std::string>& args);
int verb_angles(const std::vector<std::string>& args);
int verb_series(const std::vector<std::string>& args);
int verb_delta(const std::vector<std::string>& args);
int verb_trajectory(const std::vector<std::string>& args);
int verb_spectrum(const std::vector<std::string>& args);
int verb_equaliser(const std::vector<std::string>& args);
int verb_project(const std::vector<std::string>& args);
int verb_cka(const std::vector<std::string>& args);
int verb_timescales(const std::vector<std::string>& args);
int verb_lens(const std::vector<std::string>& args);
#ifdef EIGENSCOPE_WITH_REPORT
int verb_report(const std::vector<std::string>& args);  // needs Qt: built with the GUI
#endif

}  // namespace es::cli
