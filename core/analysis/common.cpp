#include "analysis/common.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "numerics/memory_budget.h"
#include "util/error.h"
#include "util/number_text.h"

namespace es::analysis {

nlohmann::json num(double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json num(const std::optional<double>& v) {
    return v ? num(*v) : nlohmann::json(nullptr);
}

nlohmann::json nums(const std::vector<double>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (double x : v) a.push_back(num(x));
    return a;
}

nlohmann::json nums(const std::vector<std::optional<double>>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& x : v) a.push_back(num(x));
    return a;
}

std::string csv_num(double v) {
    return util::format_number(v);  // a '.' in any locale: the file is comma-separated
}

std::string csv_num(const std::optional<double>& v) {
    return v ? csv_num(*v) : std::string();
}

std::string csv_text(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return std::nan("");
    std::sort(v.begin(), v.end());
    const double pos = std::clamp(q, 0.0, 100.0) / 100.0 * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    const double frac = pos - static_cast<double>(lo);
    return v[lo] + (v[hi] - v[lo]) * frac;
}

Summary summarize(const std::vector<double>& values) {
    Summary s;
    s.count = values.size();
    if (values.empty()) {
        s.mean = s.median = s.p10 = s.p90 = std::nan("");
        return s;
    }
    double sum = 0;
    for (double v : values) sum += v;
    s.mean = sum / static_cast<double>(values.size());
    s.median = percentile(values, 50);
    s.p10 = percentile(values, 10);
    s.p90 = percentile(values, 90);
    return s;
}

std::vector<std::size_t> analysed_states(const StreamInfo& s, bool include_final_norm) {
    std::size_t n = s.n_states();
    if (n == 0) throw InputError("stream " + s.name + " has no states");
    if (s.last_is_final_norm && !include_final_norm && n > 1) --n;
    std::vector<std::size_t> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = i;
    return out;
}

std::size_t last_pre_norm_state(const StreamInfo& s) {
    return analysed_states(s, false).back();
}

std::size_t check_state(const Dump& dump, const StreamInfo& s, long long layer) {
    if (layer < 0 || static_cast<std::size_t>(layer) >= s.n_states())
        throw InputError(dump.where() + "layer " + std::to_string(layer) +
                         " out of range: stream " + s.name + " has states 0.." +
                         std::to_string(s.n_states() - 1));
    return static_cast<std::size_t>(layer);
}

std::size_t slab_tokens(std::size_t d, std::size_t bytes) {
    return std::max<std::size_t>(1, bytes / (sizeof(float) * std::max<std::size_t>(d, 1)));
}

void read_state(const Dump& dump, const StreamInfo& s, std::size_t state, std::vector<float>& out,
                Progress& progress) {
    const std::size_t T = s.n_tokens(), d = s.d;
    // Compressed chunks: several whole chunks per slab (~16 MiB), so that the gzip fast path
    // (io/gzip_chunks.h) inflates each chunk once and has work for both cores.
    const std::size_t step =
        s.filters.empty() ? slab_tokens(d) : chunk_read_tokens(s, std::size_t{16} << 20);
    // Whole-state reads are the analyses' largest buffer: a declared shape too large for this
    // machine is refused here, naming the dataset, before anything is allocated.
    numerics::require_memory(static_cast<double>(T) * static_cast<double>(d) * sizeof(float),
                             "one " + std::to_string(T) + " x " + std::to_string(d) +
                                 " state (tokens x width) as float32",
                             dump.where(s.sources.at(state).dataset));
    out.resize(T * d);
    for (std::size_t b = 0; b < T; b += step) {
        progress.check();
        const std::size_t e = std::min(T, b + step);
        dump.read_states(s, state, b, e, out.data() + b * d);
    }
    progress.check();
}

std::size_t chunk_read_tokens(const StreamInfo& s, std::size_t bytes) {
    const std::size_t step = slab_tokens(s.d, bytes);
    if (s.chunk.size() < 2) return step;
    const std::size_t per_chunk = std::max<std::size_t>(1, s.chunk[s.chunk.size() - 2]);
    if (s.filters.empty() && per_chunk > 4 * step) return step;
    return (step + per_chunk - 1) / per_chunk * per_chunk;
}

bool row_finite(const float* row, std::size_t d) {
    for (std::size_t j = 0; j < d; ++j)
        if (!std::isfinite(row[j])) return false;
    return true;
}

std::vector<std::size_t> finite_rows(const float* x, std::size_t n, std::size_t d) {
    std::vector<std::size_t> rows;
    rows.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        if (row_finite(x + i * d, d)) rows.push_back(i);
    return rows;
}

nlohmann::json token_json(std::size_t index, std::size_t prompt, std::size_t position,
                          const std::string& text, std::optional<long long> id) {
    return {{"index", index},
            {"prompt", prompt},
            {"position", position},
            {"text", text},
            {"id", id ? nlohmann::json(*id) : nlohmann::json()}};
}

std::string layer_message(std::size_t i, std::size_t n, const std::string& what) {
    return "layer " + std::to_string(i + 1) + "/" + std::to_string(n) + ": " + what;
}

}  // namespace es::analysis
