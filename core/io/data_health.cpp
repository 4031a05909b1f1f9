#include "io/data_health.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

#include "numerics/memory_budget.h"

namespace es {

namespace {
// Token rows per read: about 16 MiB of float32 whatever the width.
std::size_t block_rows(std::size_t d) {
    return std::max<std::size_t>(1, (std::size_t{4} << 20) / std::max<std::size_t>(d, 1));
}
}  // namespace

DataHealth scan_health(const Dump& dump, Progress& progress) {
    DataHealth health;
    std::size_t total_states = 0;
    for (const auto& s : dump.streams()) total_states += s.n_states();
    const double total_units = static_cast<double>(total_states + dump.weights().size()) + 1e-9;
    double done = 0;
    std::vector<float> buffer;
    // A dataset can belong to several streams (resid shares resid_pre/resid_post): each one is
    // read once, and the totals count it once.
    struct Counts {
        std::size_t values = 0, vectors = 0, zeros = 0;
    };
    std::map<std::pair<std::string, std::size_t>, Counts> seen;
    for (const StreamInfo& s : dump.streams()) {
        StreamHealth sh;
        sh.stream = s.name;
        const std::size_t rows = std::min(block_rows(s.d), s.n_tokens());
        // A declared width far beyond the data written (unwritten chunks read as fill values)
        // is refused naming the dataset, not a bad_alloc.
        numerics::require_memory(
            static_cast<double>(rows) * static_cast<double>(s.d) * 4,
            std::to_string(rows) + " token(s) of " + std::to_string(s.d) + " values",
            dump.where(s.sources.empty() ? "" : s.sources[0].dataset));
        buffer.resize(rows * s.d);
        for (std::size_t state = 0; state < s.n_states(); ++state) {
            progress.check();
            const StateSource& src = s.sources[state];
            auto key = std::make_pair(src.dataset, src.stacked.value_or(SIZE_MAX));
            auto it = seen.find(key);
            if (it == seen.end()) {
                Counts c;
                for (std::size_t t0 = 0; t0 < s.n_tokens(); t0 += rows) {
                    std::size_t t1 = std::min(s.n_tokens(), t0 + rows);
                    dump.read_states(s, state, t0, t1, buffer.data());
                    for (std::size_t t = 0; t < t1 - t0; ++t) {
                        const float* v = buffer.data() + t * s.d;
                        std::size_t bad = 0;
                        bool zero = true;
                        for (std::size_t k = 0; k < s.d; ++k) {
                            if (!std::isfinite(v[k])) ++bad;
                            if (v[k] != 0.0f) zero = false;
                        }
                        c.values += bad;
                        c.vectors += bad ? 1 : 0;
                        c.zeros += zero ? 1 : 0;
                    }
                }
                health.nonfinite_values += c.values;
                health.nonfinite_vectors += c.vectors;
                health.zero_vectors += c.zeros;
                it = seen.emplace(key, c).first;
            }
            sh.nonfinite_values += it->second.values;
            sh.nonfinite_vectors += it->second.vectors;
            sh.zero_vectors += it->second.zeros;
            progress.report(++done / total_units,
                            "checking " + s.name + " " + s.state_names[state]);
        }
        health.streams.push_back(sh);
    }
    for (const auto& [name, info] : dump.weights()) {
        progress.check();
        WeightHealth wh;
        wh.weight = name;
        // A view of a [out, in] tensor as [in, out] reads fastest by its columns (rows of the
        // stored tensor); the count is the same either way.
        const bool by_columns = info.stored_transposed;
        const std::size_t rows_total = info.shape.empty() ? 1
                                       : by_columns       ? info.shape[1]
                                                          : info.shape[0];
        // A loop, not a lambda: clang 14 (the fuzz build) cannot capture structured bindings.
        std::size_t width = 1;
        for (std::size_t i = 1; i < info.shape.size(); ++i) width *= info.shape[i];
        if (by_columns) width = info.shape[0];
        width = std::max<std::size_t>(1, width);
        const std::size_t rows = std::max<std::size_t>(1, std::min(block_rows(width), rows_total));
        for (std::size_t r0 = 0; r0 < rows_total; r0 += rows) {
            const std::size_t r1 = std::min(rows_total, r0 + rows);
            Tensor t = by_columns ? dump.read_weight_columns(name, r0, r1)
                                  : dump.read_weight_rows(name, r0, r1);
            for (float v : t.data)
                if (!std::isfinite(v)) ++wh.nonfinite_values;
        }
        if (wh.nonfinite_values) {
            health.nonfinite_values += wh.nonfinite_values;
            health.weights.push_back(wh);
        }
        progress.report(++done / total_units, "checking " + name);
    }
    progress.report(1.0, "checked");
    return health;
}

}  // namespace es
