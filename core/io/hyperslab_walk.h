#pragma once
// Walking a hyperslab [start, start + count) of a row-major dataset chunk by chunk and run by run,
// as the reads that bypass HDF5's data path (io/direct_read.h, io/gzip_chunks.h) do: which
// chunks it touches, and which innermost runs of a stored block it takes and where they go.
// Templates: the run walk sits on the gzip fast path's per-row loop.
#include <hdf5.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace es::io {

using Index = std::vector<hsize_t>;

// Advances `at` to the next multi-index of the box [lo, hi) in row-major order (the last of the
// first `dims` dimensions fastest; the others are left alone). False, with `at` back at lo, after
// the last one.
inline bool next_index(Index& at, const Index& lo, const Index& hi, std::size_t dims) {
    for (std::size_t i = dims; i-- > 0;) {
        if (++at[i] < hi[i]) return true;
        at[i] = lo[i];
    }
    return false;
}

// Calls fn(origin) with the origin, in dataset coordinates, of every chunk (shape `chunk`, no zero
// extent) the hyperslab touches, in row-major chunk order. Stops when fn returns false and then
// returns false. An empty hyperslab touches no chunk.
template <typename Fn>
bool for_each_chunk(const Index& chunk, const Index& start, const Index& count, Fn&& fn) {
    const std::size_t rank = chunk.size();
    Index first(rank), end(rank);
    for (std::size_t i = 0; i < rank; ++i) {
        if (count[i] == 0) return true;
        first[i] = start[i] / chunk[i];
        end[i] = (start[i] + count[i] - 1) / chunk[i] + 1;
    }
    Index at = first, origin(rank);
    do {
        for (std::size_t i = 0; i < rank; ++i) origin[i] = at[i] * chunk[i];
        if (!fn(static_cast<const Index&>(origin))) return false;
    } while (next_index(at, first, end, rank));
    return true;
}

// Calls fn(src, dst, n) for every innermost run of the part of the hyperslab inside a row-major
// block of shape `block` whose first element is at `origin` in dataset coordinates (a chunk, or
// the whole dataset): n elements from element src of the block go to element dst of the
// hyperslab's row-major order. Runs come in row-major order; none when the two do not meet.
template <typename Fn>
void for_each_run(const Index& block, const Index& origin, const Index& start, const Index& count,
                  Fn&& fn) {
    const std::size_t rank = block.size();
    if (rank == 0) return;
    Index lo(rank), hi(rank);
    for (std::size_t i = 0; i < rank; ++i) {
        lo[i] = std::max(start[i], origin[i]);
        hi[i] = std::min(start[i] + count[i], origin[i] + block[i]);
        if (lo[i] >= hi[i]) return;
    }
    const auto n = static_cast<std::size_t>(hi[rank - 1] - lo[rank - 1]);
    Index at = lo;
    do {
        std::uint64_t src = 0, dst = 0;
        for (std::size_t i = 0; i < rank; ++i) {
            src = src * block[i] + (at[i] - origin[i]);
            dst = dst * count[i] + (at[i] - start[i]);
        }
        fn(src, dst, n);
    } while (next_index(at, lo, hi, rank - 1));
}

}  // namespace es::io
