// What is on screen first, for the cores (util/foreground.h, issue 20): jobs that yield wait at
// their checks while a first picture or the selected layer computes, in that order of levels;
// threads the foreground starts share its level; a cancel wakes a waiting job; a foreground
// thread waiting for memory that a yielding job holds gets it; a yielding job waits at most
// kForegroundMaxWait; and the selected layer's BLAS scope overrides the one-thread scopes.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <thread>

#include "numerics/linalg.h"
#include "numerics/memory_gate.h"
#include "util/error.h"
#include "util/foreground.h"
#include "util/parallel.h"
#include "util/progress.h"

using es::CancelledError;
using es::Progress;
using es::util::Foreground;
using es::util::ForegroundScope;
using namespace std::chrono_literals;

namespace {

// A job on its own thread: counts units of ~1 ms of work, a check before each, until stopped.
struct Job {
    Progress progress;
    std::atomic<long> units{0};
    std::atomic<bool> stop{false};
    std::future<bool> done;  // true: ended by a CancelledError
    explicit Job(bool yields, Foreground* level = nullptr) {
        progress.set_yields(yields);
        done = std::async(std::launch::async, [this, level] {
            std::optional<ForegroundScope> scope;
            if (level) scope.emplace(*level);
            try {
                while (!stop) {
                    progress.check();
                    std::this_thread::sleep_for(1ms);
                    ++units;
                }
            } catch (const CancelledError&) {
                return true;
            }
            return false;
        });
    }
    ~Job() {
        stop = true;
        progress.cancel();
        if (done.valid()) done.wait();
    }
    // Whether the count moves within `within`.
    bool moves(std::chrono::milliseconds within = 300ms) const {
        const long before = units.load();
        const auto until = std::chrono::steady_clock::now() + within;
        while (std::chrono::steady_clock::now() < until) {
            if (units.load() > before + 2) return true;
            std::this_thread::sleep_for(5ms);
        }
        return false;
    }
};

}  // namespace

TEST(Foreground, AJobThatYieldsWaitsWhileAFirstPictureComputesAndGoesOnAfter) {
    Job job(true);
    ASSERT_TRUE(job.moves());
    {
        ForegroundScope first_picture;
        std::this_thread::sleep_for(20ms);  // the unit it was in ends
        EXPECT_FALSE(job.moves());
        EXPECT_EQ(es::util::foreground_threads(), 1);
    }
    EXPECT_TRUE(job.moves());
    EXPECT_EQ(es::util::foreground_threads(), 0);
}

TEST(Foreground, AJobThatDoesNotYieldNeverWaits) {
    Job job(false);  // as the CLI and the analyses' tests run
    ForegroundScope first_picture;
    EXPECT_TRUE(job.moves());
}

TEST(Foreground, TheSelectedLayerYieldsToFirstPicturesAndEverythingElseToBoth) {
    Foreground selected = Foreground::Selected;
    Job background(true), exact(true, &selected);
    ASSERT_TRUE(exact.moves());
    EXPECT_FALSE(background.moves());  // the selected layer computes
    {
        ForegroundScope first_picture;
        std::this_thread::sleep_for(20ms);
        EXPECT_FALSE(exact.moves());
        EXPECT_FALSE(background.moves());
    }
    EXPECT_TRUE(exact.moves());
    EXPECT_FALSE(background.moves());
    exact.stop = true;
    EXPECT_FALSE(exact.done.get());
    EXPECT_TRUE(background.moves());
}

TEST(Foreground, ACancelWakesAWaitingJobAtOnce) {
    Job job(true);
    ASSERT_TRUE(job.moves());
    ForegroundScope first_picture;
    std::this_thread::sleep_for(20ms);
    ASSERT_FALSE(job.moves(50ms));
    const auto t0 = std::chrono::steady_clock::now();
    job.progress.cancel();
    ASSERT_EQ(job.done.wait_for(2s), std::future_status::ready);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
    EXPECT_TRUE(job.done.get());
}

TEST(Foreground, ThreadsTheForegroundStartsShareItsLevel) {
    // A first picture split over threads (the estimate's products): its workers check a Progress
    // that yields and must not wait for their own caller.
    Progress p;
    p.set_yields(true);
    ForegroundScope first_picture;
    std::atomic<int> checked{0}, at_level{0};
    const auto t0 = std::chrono::steady_clock::now();
    es::util::parallel_for(8, 2, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            p.check();
            ++checked;
            if (es::util::foreground_level() == static_cast<int>(Foreground::FirstPicture))
                ++at_level;
        }
    });
    es::util::parallel_each(8, 2, [&](std::size_t) {
        p.check();
        ++checked;
        if (es::util::foreground_level() == static_cast<int>(Foreground::FirstPicture)) ++at_level;
    });
    EXPECT_EQ(checked.load(), 16);
    EXPECT_EQ(at_level.load(), 16);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(Foreground, AForegroundThreadWaitingForMemoryAYieldingJobHoldsGetsIt) {
    // The yielding job holds the whole budget and waits at its check; the first picture asks for
    // memory: it stops being foreground while it waits, the job runs on, gives its lease back.
    es::numerics::MemoryGate gate(1000);
    Progress job_progress;
    job_progress.set_yields(true);
    std::atomic<bool> holding{false}, go_on{false};
    auto job = std::async(std::launch::async, [&] {
        es::numerics::MemoryLease l = gate.lease(1000, "job", job_progress);
        holding = true;
        while (!go_on) std::this_thread::sleep_for(1ms);
        job_progress.check();  // yields here while the foreground is foreground
        l.release();
    });
    while (!holding) std::this_thread::sleep_for(1ms);
    ForegroundScope first_picture;
    go_on = true;
    std::this_thread::sleep_for(50ms);
    ASSERT_EQ(job.wait_for(0ms), std::future_status::timeout);  // it yields to us
    const auto t0 = std::chrono::steady_clock::now();
    es::numerics::MemoryLease mine = gate.lease(1000, "first picture", es::no_progress());
    EXPECT_EQ(mine.bytes(), 1000u);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    EXPECT_EQ(es::util::foreground_level(), static_cast<int>(Foreground::FirstPicture));
    job.get();
}

TEST(Foreground, AJobWaitsAtMostTheLongestWaitThenGoesOnUntilTheForegroundEmpties) {
    // The escape from a lock a yielding job might hold that the foreground needs (30 s in the
    // app; 2 s here).
    const auto before = es::util::set_foreground_max_wait(2s);
    EXPECT_EQ(before, es::util::kForegroundMaxWait);
    {
        Job job(true);
        ASSERT_TRUE(job.moves());
        ForegroundScope first_picture;
        std::this_thread::sleep_for(20ms);
        ASSERT_FALSE(job.moves(100ms));
        EXPECT_TRUE(job.moves(4s));
        EXPECT_TRUE(job.moves());  // and does not wait again while this foreground lasts
        EXPECT_GE(es::util::foreground_stats().waited_ms, 2000 - 100);
    }
    es::util::set_foreground_max_wait(before);
}

TEST(Foreground, TheSelectedLayersBlasScopeOverridesTheOneThreadScopes) {
    es::numerics::set_blas_threads(2);
    ASSERT_EQ(es::numerics::blas_threads(), 2);  // the build links OpenBLAS
    {
        const es::numerics::ScopedBlasThreads one(1);
        EXPECT_EQ(es::numerics::blas_threads(), 1);
        {
            const es::numerics::ScopedBlasThreads both(2, true);
            EXPECT_EQ(es::numerics::blas_threads(), 2);
            const es::numerics::ScopedBlasThreads another_one(1);
            EXPECT_EQ(es::numerics::blas_threads(), 2);
        }
        EXPECT_EQ(es::numerics::blas_threads(), 1);
    }
    EXPECT_EQ(es::numerics::blas_threads(), 2);
}
