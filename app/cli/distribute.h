#pragma once
// A verb's work split over the MPI ranks (parallel/comm.h): each rank computes its share as a
// result struct, the parts travel to rank 0 through the result codec (exact doubles), and rank 0
// merges them in rank order, so it prints exactly what one process prints. Alone (one rank)
// the part is the whole result and nothing is encoded.
#include <optional>
#include <utility>

#include "cache/part_codec.h"
#include "cache/result_codec.h"
#include "parallel/comm.h"
#include "util/error.h"

namespace es::cli {

inline parallel::Comm& ranks() {
    return parallel::world();
}

// part(rank, size) -> R on every rank; merge(R& into, R&& next) at rank 0 over ranks 1..n-1, each
// part decoded and merged as it arrives (rank 0 holds the merged result and one part).
// Rank 0 gets the merged result (or the first failure by rank, rethrown); others get nullopt.
template <typename R, typename Part, typename Merge>
std::optional<R> gather_results(Part part, Merge merge) {
    parallel::Comm& comm = ranks();
    if (comm.size() == 1) return part(0, 1);
    std::optional<R> out;
    parallel::gather_parts_each(
        comm, [&] { return cache::encode(static_cast<const R&>(part(comm.rank(), comm.size()))); },
        [&](int, std::string&& b) {
            R r;
            if (!cache::decode(b, r))
                throw InternalError("a rank's result part could not be decoded");
            b.clear();
            if (!out)
                out = std::move(r);
            else
                merge(*out, std::move(r));
        });
    if (!comm.root()) return std::nullopt;
    return out;
}

}  // namespace es::cli
