#include "util/parallel.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "util/foreground.h"

namespace es::util {

namespace {

std::size_t worker_count(std::size_t n, int threads) {
    return std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, threads)));
}

void rethrow_first(const std::vector<std::exception_ptr>& errors) {
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
}

}  // namespace

int resolve_threads(int requested) {
    if (requested > 0) return requested;
    const unsigned hw = std::thread::hardware_concurrency();
    return static_cast<int>(std::clamp(hw, 1u, 2u));
}

void parallel_for(std::size_t n, int threads,
                  const std::function<void(std::size_t, std::size_t)>& fn) {
    const std::size_t t = worker_count(n, threads);
    if (t <= 1) {
        if (n) fn(0, n);
        return;
    }
    std::vector<std::exception_ptr> errors(t);
    // The threads share the caller's place in the foreground (else they would wait for it).
    const int foreground = foreground_level();
    // Never throws: an exception escaping a thread would end the process.
    auto run = [&](std::size_t k) {
        std::optional<ForegroundScope> scope;
        if (foreground) scope.emplace(static_cast<Foreground>(foreground));
        try {
            fn(n * k / t, n * (k + 1) / t);
        } catch (...) {
            errors[k] = std::current_exception();
        }
    };
    std::vector<std::thread> pool;
    std::vector<std::size_t> here{0};  // ranges run on this thread: 0, and any that found no thread
    pool.reserve(t - 1);
    for (std::size_t k = 1; k < t; ++k) {
        try {
            pool.emplace_back(run, k);
        } catch (const std::system_error&) {
            here.push_back(k);
        }
    }
    for (std::size_t k : here) run(k);
    for (auto& th : pool) th.join();
    rethrow_first(errors);
}

void parallel_each(std::size_t n, int threads,
                   const std::function<void(std::size_t, std::size_t)>& fn,
                   const std::function<void(std::size_t)>& on_take) {
    const std::size_t t = worker_count(n, threads);
    std::vector<std::exception_ptr> errors(n);
    std::mutex mutex;
    std::size_t next = 0;
    bool stop = false;
    const int foreground = foreground_level();  // as in parallel_for
    // Never throws: an exception escaping a thread would end the process.
    auto work = [&](std::size_t worker) {
        std::optional<ForegroundScope> scope;
        if (foreground) scope.emplace(static_cast<Foreground>(foreground));
        for (;;) {
            std::size_t i;
            {
                std::lock_guard<std::mutex> lock(mutex);
                if (stop || next >= n) return;
                i = next++;
                try {
                    if (on_take) on_take(i);
                } catch (...) {
                    errors[i] = std::current_exception();
                    stop = true;
                    return;
                }
            }
            try {
                fn(i, worker);
            } catch (...) {
                std::lock_guard<std::mutex> lock(mutex);
                errors[i] = std::current_exception();
                stop = true;
                return;
            }
        }
    };
    std::vector<std::thread> pool;
    pool.reserve(t > 0 ? t - 1 : 0);
    for (std::size_t w = 1; w < t; ++w) {
        try {
            pool.emplace_back(work, w);
        } catch (const std::system_error&) {
            break;  // fewer workers: the others take the items
        }
    }
    if (t > 0) work(0);
    for (auto& th : pool) th.join();
    rethrow_first(errors);
}

void parallel_each(std::size_t n, int threads, const std::function<void(std::size_t)>& fn) {
    parallel_each(n, threads, [&](std::size_t i, std::size_t) { fn(i); });
}

}  // namespace es::util
