#pragma once
// Streaming one state of a stream in slabs of whole rows (whole chunks when the stream is
// chunked), so that the directions, analogy and neighbour analyses hold one slab, never a state:
// memory stays bounded for states of millions of tokens. Cancellation is checked between slabs.
#include <algorithm>
#include <cstddef>
#include <functional>
#include <vector>

#include "analysis/common.h"

namespace es::analysis {

// fn(begin, end, rows): rows is (end - begin) x s.d float32, row-major, valid during the call.
inline void for_each_slab(const Dump& dump, const StreamInfo& s, std::size_t state,
                          std::size_t bytes, Progress& progress,
                          const std::function<void(std::size_t, std::size_t, const float*)>& fn) {
    const std::size_t T = s.n_tokens(),
                      step = std::max<std::size_t>(1, chunk_read_tokens(s, bytes));
    std::vector<float> buf(std::min(T, step) * s.d);
    for (std::size_t b = 0; b < T; b += step) {
        progress.check();
        const std::size_t e = std::min(T, b + step);
        dump.read_states(s, state, b, e, buf.data());
        fn(b, e, buf.data());
    }
    progress.check();
}

}  // namespace es::analysis
