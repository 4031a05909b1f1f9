// The process's memory gate (issue 20): leases wait until they fit beside the others and proceed
// in order of arrival, a cancel while waiting returns promptly, a lease larger than the budget
// runs alone, a lease shrinks or is given back early, and without a budget nothing waits.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "numerics/memory_gate.h"
#include "util/error.h"
#include "util/progress.h"

using es::Progress;
using es::numerics::MemoryGate;
using es::numerics::MemoryLease;
using namespace std::chrono_literals;

namespace {

// Waits (up to 10 s) until the gate has `n` waiters: a thread has reached its wait.
bool waiters_reach(const MemoryGate& gate, std::size_t n) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (gate.waiting() != n)
        if (std::chrono::steady_clock::now() > until)
            return false;
        else
            std::this_thread::sleep_for(1ms);
    return true;
}

// A lease taken on its own thread and held until `release` is set; `order` records when it was
// granted (its position among the grants).
struct Holder {
    std::future<void> done;
    std::atomic<bool> release{false};
    std::atomic<int> granted_as{-1};
    std::atomic<std::size_t> bytes{0};
    Progress progress;
    void start(MemoryGate& gate, double want, std::atomic<int>& order, const char* who) {
        done = std::async(std::launch::async, [&, want, who] {
            MemoryLease l = gate.lease(want, who, progress);
            granted_as = order++;
            bytes = l.bytes();
            while (!release) std::this_thread::sleep_for(1ms);
        });
    }
};

// Waits (up to 10 s) until h's thread has counted its grant: the gate removes a waiter as it
// grants, a moment before the thread returns from lease() and counts itself.
bool granted(const Holder& h) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (h.granted_as < 0)
        if (std::chrono::steady_clock::now() > until)
            return false;
        else
            std::this_thread::sleep_for(1ms);
    return true;
}

}  // namespace

TEST(MemoryGate, WithoutABudgetNothingWaits) {
    MemoryGate gate;  // as the CLI and the tests run: no budget
    MemoryLease a = gate.lease(1e15, "a", es::no_progress());
    MemoryLease b = gate.lease(1e15, "b", es::no_progress());
    EXPECT_EQ(a.bytes(), std::size_t{1000000000000000});
    EXPECT_EQ(gate.held(), std::size_t{2000000000000000});
    EXPECT_EQ(gate.waiting(), 0u);
    a.release();
    EXPECT_EQ(gate.held(), std::size_t{1000000000000000});
    EXPECT_EQ(gate.lease(0, "nothing", es::no_progress()).bytes(), 0u);
}

TEST(MemoryGate, LeasesWaitUntilTheyFitAndProceedInOrder) {
    MemoryGate gate(100);
    std::atomic<int> order{0};
    MemoryLease first = gate.lease(60, "first", es::no_progress());
    Holder b, c;
    b.start(gate, 60, order, "b");  // does not fit beside 60
    ASSERT_TRUE(waiters_reach(gate, 1));
    c.start(gate, 50, order, "c");  // nor does this one, and it came later
    ASSERT_TRUE(waiters_reach(gate, 2));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(b.granted_as, -1);
    EXPECT_EQ(c.granted_as, -1);
    EXPECT_EQ(gate.held(), 60u);
    // The message says what it waits for and who holds the memory.
    EXPECT_NE(b.progress.message().find("waiting for 60 bytes of memory (first holds 60 bytes"),
              std::string::npos)
        << b.progress.message();
    first.release();
    // b first (60 fits alone); c (50) does not fit beside it and waits for b.
    ASSERT_TRUE(waiters_reach(gate, 1));
    ASSERT_TRUE(granted(b));  // (checked at once, it failed once in CI: not counted yet)
    EXPECT_EQ(b.granted_as, 0);
    EXPECT_EQ(c.granted_as, -1);
    EXPECT_EQ(gate.held(), 60u);
    b.release = true;
    b.done.get();
    ASSERT_TRUE(waiters_reach(gate, 0));
    ASSERT_TRUE(granted(c));
    EXPECT_EQ(c.granted_as, 1);
    c.release = true;
    c.done.get();
    EXPECT_EQ(gate.held(), 0u);
    EXPECT_EQ(gate.peak_held(), 60u);
    EXPECT_EQ(gate.nested_grants(), 0u);
}

TEST(MemoryGate, ASmallerLeasePassesAWaiterOnlyWithinItsPatience) {
    for (const bool patient : {true, false}) {
        MemoryGate gate(100);
        gate.set_patience(patient ? 60s : 0ms);
        std::atomic<int> order{0};
        MemoryLease first = gate.lease(60, "first", es::no_progress());
        Holder big, small;
        big.start(gate, 60, order, "big");
        ASSERT_TRUE(waiters_reach(gate, 1));
        small.start(gate, 30, order, "small");  // fits beside the 60 held
        if (patient) {
            ASSERT_TRUE(waiters_reach(gate, 1));  // only big still waits
            const auto until = std::chrono::steady_clock::now() + 10s;
            while (small.granted_as < 0 && std::chrono::steady_clock::now() < until)
                std::this_thread::sleep_for(1ms);
            EXPECT_EQ(small.granted_as, 0);
            EXPECT_EQ(gate.held(), 90u);
        } else {
            ASSERT_TRUE(waiters_reach(gate, 2));  // no passing: small waits behind big
            std::this_thread::sleep_for(50ms);
            EXPECT_EQ(small.granted_as, -1);
            EXPECT_EQ(gate.held(), 60u);
        }
        first.release();
        small.release = true;
        small.done.get();
        big.release = true;
        big.done.get();
        EXPECT_EQ(big.bytes, 60u);
        EXPECT_EQ(small.bytes, 30u);
        // Patient: small was granted while big still waited, so big came second. Not patient:
        // releasing `first` grants big and then small at once (90 of 100 fit), and which of the
        // two threads wakes first to count itself is the scheduler's (it failed once in CI);
        // the no-passing itself is checked above, while both waited.
        if (patient) {
            EXPECT_EQ(big.granted_as, 1);
        }
        EXPECT_LE(gate.peak_held(), 100u);
    }
}

TEST(MemoryGate, CancelWhileWaitingReturnsPromptly) {
    MemoryGate gate(100);
    MemoryLease all = gate.lease(100, "all", es::no_progress());
    Progress progress;
    progress.report(0.25, "layer 3 of 8");
    auto waiter = std::async(std::launch::async, [&] {
        EXPECT_THROW(gate.lease(10, "late", progress), es::CancelledError);
    });
    ASSERT_TRUE(waiters_reach(gate, 1));
    const auto cancelled_at = std::chrono::steady_clock::now();
    progress.cancel();
    ASSERT_EQ(waiter.wait_for(2s), std::future_status::ready) << "the waiter did not return";
    waiter.get();
    // Promptly: the waiter wakes every 20 ms to look; 2 s is a bound for a loaded machine.
    EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, 2s);
    EXPECT_EQ(gate.waiting(), 0u);
    EXPECT_EQ(gate.held(), 100u);  // the cancelled lease took nothing
    all.release();
    EXPECT_EQ(gate.held(), 0u);
}

TEST(MemoryGate, ALeaseLargerThanTheBudgetRunsAlone) {
    MemoryGate gate(100);
    std::atomic<int> order{0};
    MemoryLease small = gate.lease(10, "small", es::no_progress());
    Holder huge, after;
    huge.start(gate, 500, order, "huge");  // never fits: waits until nothing else is held
    ASSERT_TRUE(waiters_reach(gate, 1));
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(huge.granted_as, -1);
    small.release();
    ASSERT_TRUE(waiters_reach(gate, 0));
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (huge.granted_as < 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(1ms);
    EXPECT_EQ(huge.bytes, 500u);  // granted whole, not refused
    EXPECT_EQ(gate.held(), 500u);
    after.start(gate, 10, order, "after");  // waits while the oversize lease runs
    ASSERT_TRUE(waiters_reach(gate, 1));
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(after.granted_as, -1);
    huge.release = true;
    huge.done.get();
    after.release = true;
    after.done.get();
    EXPECT_EQ(after.granted_as, 1);
    EXPECT_EQ(gate.peak_held(), 500u);
}

TEST(MemoryGate, ShrinkingOrReleasingEarlyLetsTheNextIn) {
    MemoryGate gate(100);
    std::atomic<int> order{0};
    MemoryLease fit = gate.lease(100, "fit", es::no_progress());
    Holder next;
    next.start(gate, 50, order, "next");
    ASSERT_TRUE(waiters_reach(gate, 1));
    fit.shrink(50);  // the working set after its peak
    EXPECT_EQ(fit.bytes(), 50u);
    ASSERT_TRUE(waiters_reach(gate, 0));
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (next.granted_as < 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(1ms);
    EXPECT_EQ(next.granted_as, 0);
    EXPECT_EQ(gate.held(), 100u);
    fit.shrink(80);  // growing is not shrinking: nothing changes
    EXPECT_EQ(fit.bytes(), 50u);
    MemoryLease moved = std::move(fit);
    EXPECT_EQ(moved.bytes(), 50u);
    EXPECT_EQ(fit.bytes(), 0u);
    moved.release();
    EXPECT_EQ(gate.held(), 50u);
    next.release = true;
    next.done.get();
    EXPECT_EQ(gate.held(), 0u);
}

TEST(MemoryGate, ARangeTakesWhatIsFreeAndARenewedLeaseNeverDeadlocks) {
    MemoryGate gate(100);
    MemoryLease a = gate.lease(30, "a", es::no_progress());
    auto ranges = std::async(std::launch::async, [&] {
        MemoryLease r = gate.lease_range(20, 1000, "range", es::no_progress());
        const std::size_t all_free = r.bytes();
        r.release();
        const MemoryLease capped = gate.lease_range(5, 40, "capped", es::no_progress());
        return std::make_pair(all_free, capped.bytes());
    });
    const auto [all_free, capped] = ranges.get();
    EXPECT_EQ(all_free, 70u);  // all that is free, between its least and its most
    EXPECT_EQ(capped, 40u);    // no more than its most
    EXPECT_EQ(gate.nested_grants(), 0u);
    // A second lease on the thread that holds one is granted at once, not waited for (it would
    // wait for itself): counted so that tests can require that no analysis does it.
    MemoryLease nested = gate.lease(90, "nested", es::no_progress());
    EXPECT_EQ(nested.bytes(), 90u);
    EXPECT_EQ(gate.nested_grants(), 1u);
    EXPECT_EQ(gate.held(), 120u);
}
