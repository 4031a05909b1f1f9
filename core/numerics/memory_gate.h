#pragma once
// One memory budget that every heavy analysis of a process leases its working set from before
// allocating it (issue 20: the app within 1 GB with every visible view computing). Analyses that
// run side by side on the job pool (the spectrum's layers, CKA's Grams, the equaliser's basis,
// the projection's fit, the trajectory's token block) each knew only their own share, so a user
// who floated one more view beside them passed the budget; with the gate the later one waits.
//
// Rules:
// - No budget (0, the default: the CLI and the tests) grants every lease at once, so the CLI's
//   behaviour and its require_memory / quarter-of-RAM rules are unchanged; the app sets one.
// - A lease waits, cancellably (Progress::cancel; no busy loop), until it fits beside the others.
//   Waiters are served in order of arrival; a later, smaller one may go first only while it fits
//   and the earlier ones have waited less than `patience`, so a large lease is never starved.
// - A lease larger than the whole budget proceeds when no other lease is held (alone): work the
//   analyses did before the gate is never refused, only serialised.
// - No thread waits for a lease while it holds one (every analysis leases once per unit of work
//   and releases it before the next), so a waiter only ever waits for holders that are computing,
//   and every holder finishes: no deadlock. A lease asked for by a thread that already holds one
//   is granted at once (counted, and reported by nested_grants()) instead of deadlocking.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "util/progress.h"

namespace es::numerics {

class MemoryGate;

// Bytes held from a gate until destroyed or released; movable, not copyable.
class MemoryLease {
public:
    MemoryLease() = default;
    MemoryLease(MemoryLease&& o) noexcept;
    MemoryLease& operator=(MemoryLease&& o) noexcept;
    MemoryLease(const MemoryLease&) = delete;
    MemoryLease& operator=(const MemoryLease&) = delete;
    ~MemoryLease() { release(); }

    std::size_t bytes() const { return bytes_; }
    // Gives back all but `bytes` (no-op when it holds no more): a working set that shrinks.
    void shrink(std::size_t bytes);
    void release();

private:
    friend class MemoryGate;
    MemoryGate* gate_ = nullptr;
    std::uint64_t id_ = 0;
    std::size_t bytes_ = 0;
};

struct MemoryHolder {
    std::string who;
    std::size_t bytes = 0;
};

class MemoryGate {
public:
    explicit MemoryGate(std::size_t budget = 0) : budget_(budget) {}
    MemoryGate(const MemoryGate&) = delete;
    MemoryGate& operator=(const MemoryGate&) = delete;

    // 0: no budget. Changing it wakes the waiters.
    void set_budget(std::size_t bytes);
    std::size_t budget() const;
    void set_patience(std::chrono::milliseconds patience);

    // Waits until `bytes` fit (see the rules above) and holds them for `who` ("spectrum", "CKA").
    // While it waits, progress says so ("waiting for 402 MB of memory (CKA holds 377 MB)") and
    // the message before it is restored once granted. Throws CancelledError when progress is
    // cancelled while waiting. A lease of 0 bytes (or less) is empty and never waits.
    MemoryLease lease(double bytes, const std::string& who, Progress& progress);
    // Waits until at least min_bytes fit and takes as much of max_bytes as is free then (at least
    // min_bytes): for an analysis that sizes its blocks by the memory it gets (CKA, trajectory).
    // Without a budget it takes max_bytes.
    MemoryLease lease_range(double min_bytes, double max_bytes, const std::string& who,
                            Progress& progress);

    std::size_t held() const;
    // The most held at once since construction or reset_peak(): the app's test checks that its
    // analyses' leases never exceeded the budget.
    std::size_t peak_held() const;
    void reset_peak();
    std::vector<MemoryHolder> holders() const;
    std::size_t waiting() const;
    std::size_t nested_grants() const;

private:
    friend class MemoryLease;
    struct Waiter {
        std::uint64_t id;
        std::size_t min_bytes;
        std::chrono::steady_clock::time_point since;
    };
    struct Held {
        std::uint64_t id;
        std::string who;
        std::size_t bytes;
        std::thread::id owner;  // the thread that asked (a second lease there never waits)
    };
    bool may_grant(const Waiter& w) const;  // under mutex_
    void give_back(std::uint64_t id, std::size_t keep);
    std::string holders_text() const;  // under mutex_

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::size_t budget_ = 0, held_ = 0, peak_ = 0, nested_ = 0;
    std::chrono::milliseconds patience_{30000};
    std::uint64_t next_id_ = 1;
    std::list<Waiter> waiters_;
    std::vector<Held> leases_;
};

// The process-wide gate every analysis leases from: no budget unless the app sets one.
MemoryGate& memory_gate();

}  // namespace es::numerics
