#pragma once
// What the analysis verbs share: the one FILE (or DIR) they take, the --stream and
// --include-final-norm options of the activation verbs, and the --json / --csv choice (exactly
// one of them) with the printing of the result in that format.
#include <iostream>
#include <memory>
#include <string>

#include "args.h"
#include "io/dump.h"

namespace es::cli {

// The single positional argument of a verb that takes exactly one (`what`: FILE or DIR).
inline const std::string& only_positional(const Args& args, const std::string& verb,
                                          const char* what = "FILE") {
    if (args.positionals().size() != 1) throw UsageError(verb + " takes exactly one " + what);
    return args.positionals()[0];
}

// --stream NAME (default: the residual stream) and --include-final-norm, which every activation
// verb takes, into its options.
template <typename Options>
Options stream_options(const Args& args) {
    Options o;
    o.stream = args.option("stream").value_or("");
    o.include_final_norm = args.flag("include-final-norm");
    return o;
}

// The dump of FILE, its weights from --weights PATH when given (a Hugging Face model folder, a
// .safetensors file or an HDF5 file of weights; Dump::open(path, weights_path)).
inline std::shared_ptr<Dump> open_dump(const Args& args, const std::string& file) {
    return Dump::open(file, args.option("weights").value_or(""));
}

enum class Format { Json, Csv };

inline Format output_format(const Args& args) {
    const bool json = args.flag("json"), csv = args.flag("csv");
    if (json == csv) throw UsageError("give exactly one of --json or --csv");
    return json ? Format::Json : Format::Csv;
}

// Writes text to standard output; the exit code (1 when it could not all be written).
inline int print_text(const std::string& text) {
    std::cout << text;
    std::cout.flush();
    return std::cout ? 0 : 1;
}

// The result as 2-space-indented JSON or as CSV (to_json / to_csv of its namespace).
template <typename Result>
int print_result(Format f, const Result& r) {
    return print_text(f == Format::Json ? to_json(r).dump(2) + "\n" : to_csv(r));
}

}  // namespace es::cli
