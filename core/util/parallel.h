#pragma once
// Splitting work over threads, the one way core does it. Both helpers run part of the work on the
// calling thread, join every thread they started before returning (none is ever left behind, even
// when the work throws) and then rethrow the exception a sequential loop would have met first.
// Cancellation is an exception too (Progress::check() throws CancelledError), so it travels the
// same way. Results must be written per index, so that they do not depend on the thread count or
// on scheduling. No Qt.
#include <cstddef>
#include <functional>

namespace es::util {

// 0 means "both cores" (min(2, hardware threads)); otherwise the request, at least 1.
int resolve_threads(int requested);

// Runs fn(begin, end) over [0, n) split into min(n, threads) contiguous ranges (a fixed
// partition, so results written per index are identical whatever the thread count). Every range
// runs to its end; the first exception by range order is rethrown.
void parallel_for(std::size_t n, int threads,
                  const std::function<void(std::size_t begin, std::size_t end)>& fn);

// Runs fn(i, worker) for every i in [0, n) on min(n, threads) threads; worker (0 = the calling
// thread, up to threads - 1) lets callers keep scratch per thread. Items are taken in index order
// from a shared counter, so uneven costs balance. on_take(i), when given, runs as item i is taken,
// under the counter's lock: its calls come in index order (progress messages). After a failure
// (in fn or on_take) no new item is taken, and the exception of the lowest failing index is
// rethrown: the one a sequential loop would have met, since every lower item was started first.
void parallel_each(std::size_t n, int threads,
                   const std::function<void(std::size_t i, std::size_t worker)>& fn,
                   const std::function<void(std::size_t i)>& on_take = {});
// The same without the worker slot.
void parallel_each(std::size_t n, int threads, const std::function<void(std::size_t i)>& fn);

}  // namespace es::util
