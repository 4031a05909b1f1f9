#include "util/foreground.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>

#include "util/error.h"
#include "util/progress.h"

namespace es::util {
namespace {

struct Lane {
    std::mutex mutex;
    std::condition_variable changed;
    std::atomic<int> at[3] = {0, 0, 0};  // threads at each level now (at[0] unused)
    std::atomic<int> active{0};          // threads in a scope now
    std::atomic<long long> epoch{0};     // counts the times `active` went from 0 to 1
    std::atomic<long long> yields{0};    // foreground_stats()
    std::atomic<long long> waited_ms{0};
};

Lane& lane() {
    static Lane l;
    return l;
}

thread_local int level = 0;  // this thread's level
// The epoch in which this thread waited its longest and went on: it does not yield again until
// the foreground has been empty once (see the header's rule on kForegroundMaxWait).
thread_local long long outwaited_epoch = -1;

std::atomic<long long> max_wait_ms{kForegroundMaxWait.count()};

// Wake a yielding thread this often to see a cancel (Progress has no hook to notify us).
constexpr std::chrono::milliseconds kWake{20};

// Moves the calling thread from level `from` to level `to` (0 = no scope).
void move(int from, int to) {
    if (from == to) return;
    Lane& l = lane();
    {
        const std::lock_guard<std::mutex> lock(l.mutex);
        if (from > 0) {
            l.at[from].fetch_sub(1);
            l.active.fetch_sub(1);
        }
        if (to > 0) {
            l.at[to].fetch_add(1);
            if (l.active.fetch_add(1) == 0) l.epoch.fetch_add(1);
        }
        level = to;
    }
    l.changed.notify_all();
}

// Whether a thread works above `mine` now.
bool above(const Lane& l, int mine) {
    for (int k = mine + 1; k <= 2; ++k)
        if (l.at[k].load() > 0) return true;
    return false;
}

}  // namespace

ForegroundScope::ForegroundScope(Foreground at) : previous_(level) {
    move(previous_, std::max(previous_, static_cast<int>(at)));
}

ForegroundScope::~ForegroundScope() {
    move(level, previous_);
}

ForegroundPause::ForegroundPause() : paused_(level) {
    move(paused_, 0);
}

ForegroundPause::~ForegroundPause() {
    move(0, paused_);
}

int foreground_level() {
    return level;
}

int foreground_threads() {
    return lane().active.load(std::memory_order_relaxed);
}

std::chrono::milliseconds yield_to_foreground(const Progress& progress) {
    Lane& l = lane();
    if (level >= 2 || l.active.load(std::memory_order_relaxed) == 0) return {};
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(l.mutex);
    const long long epoch = l.epoch.load();
    if (outwaited_epoch == epoch) return {};
    bool waited = false;
    while (above(l, level) && l.epoch.load() == epoch) {
        if (progress.cancelled()) throw CancelledError();
        if (std::chrono::steady_clock::now() - start >=
            std::chrono::milliseconds(max_wait_ms.load())) {
            outwaited_epoch = epoch;
            break;
        }
        waited = true;
        l.changed.wait_for(lock, kWake);
    }
    lock.unlock();
    const auto waited_for = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    if (waited) {
        l.yields.fetch_add(1);
        l.waited_ms.fetch_add(waited_for.count());
    }
    if (progress.cancelled()) throw CancelledError();
    return waited_for;
}

std::chrono::milliseconds set_foreground_max_wait(std::chrono::milliseconds wait) {
    return std::chrono::milliseconds(max_wait_ms.exchange(wait.count()));
}

ForegroundStats foreground_stats() {
    return {lane().yields.load(), lane().waited_ms.load()};
}

}  // namespace es::util
