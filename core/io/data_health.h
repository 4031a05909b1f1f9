#pragma once
// Counts of non-finite values and all-zero token vectors, streamed over a dump. Such values are
// reported, never fatal: analyses exclude the affected tokens and say how many they excluded.
#include <cstddef>
#include <string>
#include <vector>

#include "io/dump.h"
#include "util/progress.h"

namespace es {

struct StreamHealth {
    std::string stream;
    std::size_t nonfinite_values = 0;   // NaN or +-Inf entries
    std::size_t nonfinite_vectors = 0;  // token states holding at least one such entry
    std::size_t zero_vectors = 0;       // token states that are exactly zero
};

struct WeightHealth {
    std::string weight;
    std::size_t nonfinite_values = 0;
};

struct DataHealth {
    std::vector<StreamHealth> streams;
    std::vector<WeightHealth> weights;  // only weights with non-finite values are listed
    std::size_t nonfinite_values = 0;
    std::size_t nonfinite_vectors = 0;
    std::size_t zero_vectors = 0;
};

// Reads every state of every stream and every weight once, a slab at a time.
DataHealth scan_health(const Dump& dump, Progress& progress = no_progress());

}  // namespace es
