#pragma once
// What is on screen first, for the cores as the memory gate (numerics/memory_gate.h) is for
// memory. Work that draws a view's first picture (estimates, the trajectory's first layer) runs
// in a FirstPicture scope, the selected layer's exact spectrum in a Selected one; while a scope is
// open, every thread below its level working for a Progress that yields (the app's job runner
// marks its jobs so) waits at its next Progress::check(). It is cooperative: nothing is
// pre-empted inside a product, so a yielding thread stops within one unit of work (a token
// block, a layer). Issue 20: on a 33 x 4096 x 4096 dump the selected layer's exact spectrum
// shared the two cores with CKA's pass and the trajectory; with them yielding it has both
// (numbers in docs/PERFORMANCE.md).
//
// Rules that keep it from deadlocking or starving:
// - A thread yields only to threads at a higher level (scopes nest; the level is per thread,
//   and the threads util::parallel starts share their caller's).
// - A foreground thread that waits for something other threads hold (a memory lease) is at level
//   0 while it waits (ForegroundPause): the holders run on and give it back.
// - A yielding thread waits at most kForegroundMaxWait, then runs on until the foreground has
//   been empty once: a lock a yielder holds and the foreground needs costs that much, never a
//   hang.
// - Cancelling a yielding thread's Progress wakes it within 20 ms into CancelledError.
// Without a Progress that yields (the CLI, the tests of the analyses) nothing ever waits.
#include <chrono>

namespace es {
class Progress;
}

namespace es::util {

// How long a yielding thread waits at most: longer than the selected layer's exact spectrum
// takes on a slow machine (8-10 s on M on this project's VM, where an 8 s cap let the others run
// on halfway through it), short enough to be an escape, not a hang.
constexpr std::chrono::milliseconds kForegroundMaxWait{30000};
// Changes the longest wait (tests: to see the escape without waiting 30 s); returns the old one.
std::chrono::milliseconds set_foreground_max_wait(std::chrono::milliseconds wait);

// Two levels: first pictures (estimates, the trajectory's first layer) go before the selected
// layer's exact values, and both before everything else (level 0).
enum class Foreground { Selected = 1, FirstPicture = 2 };

// The calling thread works at `level` (or stays at a higher one it is already at) until destroyed.
class ForegroundScope {
public:
    explicit ForegroundScope(Foreground level = Foreground::FirstPicture);
    ~ForegroundScope();
    ForegroundScope(const ForegroundScope&) = delete;
    ForegroundScope& operator=(const ForegroundScope&) = delete;

private:
    int previous_ = 0;  // the thread's level before, restored on destruction
};

// The calling thread works at level 0 until destroyed (a wait for a resource that threads at
// lower levels may hold); outside a scope it does nothing.
class ForegroundPause {
public:
    ForegroundPause();
    ~ForegroundPause();
    ForegroundPause(const ForegroundPause&) = delete;
    ForegroundPause& operator=(const ForegroundPause&) = delete;

private:
    int paused_ = 0;  // the thread's level, handed back on destruction
};

// The calling thread's level (0 outside every scope); threads in scopes now (all threads).
int foreground_level();
int foreground_threads();

// Waits (see the rules above) while a thread works at a higher level than the calling one;
// returns how long it waited. Throws CancelledError when `progress` is cancelled.
std::chrono::milliseconds yield_to_foreground(const Progress& progress);

// Statistics for tests and benchmarks: yields that waited, and the total time they waited.
struct ForegroundStats {
    long long yields = 0;
    long long waited_ms = 0;
};
ForegroundStats foreground_stats();

}  // namespace es::util
