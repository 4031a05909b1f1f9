// util/parallel.h: every index once, results independent of the thread count, every thread
// joined before an exception (the lowest failing index's) is rethrown, and on_take in order.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/parallel.h"

namespace {

using es::util::parallel_each;
using es::util::parallel_for;

TEST(Parallel, ResolveThreads) {
    EXPECT_EQ(es::util::resolve_threads(3), 3);
    EXPECT_GE(es::util::resolve_threads(0), 1);
    EXPECT_LE(es::util::resolve_threads(0), 2);
}

TEST(Parallel, ForCoversEveryIndexOnceWhateverTheThreadCount) {
    for (int threads : {0, 1, 2, 3, 7, 200}) {
        std::vector<int> hits(101, 0);
        parallel_for(hits.size(), threads, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) ++hits[i];
        });
        EXPECT_EQ(hits, std::vector<int>(101, 1)) << threads;
    }
    bool called = false;
    parallel_for(0, 2, [&](std::size_t, std::size_t) { called = true; });
    EXPECT_FALSE(called);
}

TEST(Parallel, ForRunsEveryRangeAndRethrowsTheFirstByRangeOrder) {
    std::atomic<int> ranges{0};
    try {
        parallel_for(40, 4, [&](std::size_t b, std::size_t) {
            ++ranges;
            if (b >= 10) throw std::runtime_error("range " + std::to_string(b));
        });
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "range 10");
    }
    EXPECT_EQ(ranges.load(), 4);
}

TEST(Parallel, EachCoversEveryIndexOnceWithAWorkerSlot) {
    for (int threads : {0, 1, 2, 5}) {
        std::vector<int> hits(57, 0);
        std::vector<std::size_t> worker(57, 99);
        parallel_each(hits.size(), threads, [&](std::size_t i, std::size_t w) {
            ++hits[i];
            worker[i] = w;
        });
        EXPECT_EQ(hits, std::vector<int>(57, 1)) << threads;
        for (std::size_t w : worker) EXPECT_LT(w, static_cast<std::size_t>(std::max(1, threads)));
    }
    std::vector<int> once(9, 0);
    parallel_each(once.size(), 2, [&](std::size_t i) { ++once[i]; });
    EXPECT_EQ(once, std::vector<int>(9, 1));
}

TEST(Parallel, EachStopsTakingItemsAfterAFailureAndRethrowsTheLowest) {
    for (int threads : {1, 2, 4}) {
        std::atomic<int> started{0};
        try {
            parallel_each(1000, threads, [&](std::size_t i) {
                ++started;
                if (i >= 5) throw std::runtime_error("item " + std::to_string(i));
            });
            FAIL() << "no exception";
        } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "item 5") << threads;
        }
        EXPECT_LT(started.load(), 1000) << threads;
    }
}

TEST(Parallel, EachTakesItemsInOrder) {
    std::vector<std::size_t> taken;  // on_take runs under the counter's lock
    parallel_each(
        50, 2, [](std::size_t, std::size_t) {}, [&](std::size_t i) { taken.push_back(i); });
    ASSERT_EQ(taken.size(), 50u);
    for (std::size_t i = 0; i < taken.size(); ++i) EXPECT_EQ(taken[i], i);
    // A failing on_take stops the loop like a failing item.
    EXPECT_THROW(parallel_each(
                     50, 2, [](std::size_t, std::size_t) {},
                     [](std::size_t i) {
                         if (i == 3) throw std::invalid_argument("take");
                     }),
                 std::invalid_argument);
}

}  // namespace
