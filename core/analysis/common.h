#pragma once
// Helpers shared by the activation analyses: state selection, whole-state streaming reads with
// cancellation, finite-token masks, numpy-style percentiles and NaN-free JSON/CSV number
// formatting. No Qt.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/dump.h"
#include "util/progress.h"

namespace es::analysis {

// JSON number, or null when not finite (JSON has no NaN).
nlohmann::json num(double v);
nlohmann::json num(const std::optional<double>& v);
nlohmann::json nums(const std::vector<double>& v);
nlohmann::json nums(const std::vector<std::optional<double>>& v);
// CSV cell: shortest round-trip ("%.17g") text, empty when not finite / absent.
std::string csv_num(double v);
std::string csv_num(const std::optional<double>& v);
// CSV cell for text: quoted when it holds a comma, quote or newline.
std::string csv_text(const std::string& s);

// Linear-interpolated percentile (numpy's default), q in [0, 100]. NaN when empty.
double percentile(std::vector<double> values, double q);

struct Summary {
    double mean = 0, median = 0, p10 = 0, p90 = 0;  // NaN when there are no values
    std::size_t count = 0;
};
Summary summarize(const std::vector<double>& values);

// The states an analysis uses by default: all of the stream, minus an HF final-norm state unless
// include_final_norm. Never empty (throws InputError for an empty stream).
std::vector<std::size_t> analysed_states(const StreamInfo& s, bool include_final_norm);
// The last state before the final norm (the last state for TransformerLens dumps).
std::size_t last_pre_norm_state(const StreamInfo& s);
// Validates a user-given state index ("--layer N": 0 .. n_states-1).
std::size_t check_state(const Dump& dump, const StreamInfo& s, long long layer);

// Reads all tokens of one state (T x d float32, row-major) slab by slab, checking cancellation
// between slabs (~1 MiB each).
void read_state(const Dump& dump, const StreamInfo& s, std::size_t state, std::vector<float>& out,
                Progress& progress);
bool row_finite(const float* row, std::size_t d);
// Indices of the rows of x (n x d) whose entries are all finite.
std::vector<std::size_t> finite_rows(const float* x, std::size_t n, std::size_t d);
// Tokens per slab so that one slab is about `bytes` of float32.
std::size_t slab_tokens(std::size_t d, std::size_t bytes = 1u << 20);
// Tokens per read of about `bytes` of float32, rounded up to whole chunks when the stream is
// chunked, so that each chunk is read (and, compressed, inflated) once. Unfiltered chunks of
// more than 4x that are read in parts instead (a partial read of them costs nothing extra).
std::size_t chunk_read_tokens(const StreamInfo& s, std::size_t bytes);

// Reports fraction lo + f * (hi - lo).
struct ProgressSpan {
    Progress& progress;
    double lo = 0, hi = 1;
    void report(double f, const std::string& message) const {
        progress.report(lo + f * (hi - lo), message);
    }
};

// One token as the equaliser and the lens report it: {"index","prompt","position","text","id"},
// the text raw, the id null when the dump has none.
nlohmann::json token_json(std::size_t index, std::size_t prompt, std::size_t position,
                          const std::string& text, std::optional<long long> id);

// "layer 3/5: spectrum" (1-based position among the analysed states).
std::string layer_message(std::size_t i, std::size_t n, const std::string& what);

}  // namespace es::analysis
