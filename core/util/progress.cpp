#include "util/progress.h"

#include <algorithm>

#include "util/error.h"
#include "util/foreground.h"

namespace es {

void Progress::check() const {
    if (cancelled()) throw CancelledError();
    if (yields_.load(std::memory_order_relaxed) && util::foreground_threads() > 0)
        util::yield_to_foreground(*this);
}

void Progress::report(double fraction, const std::string& message) {
    fraction = std::clamp(fraction, 0.0, 1.0);
    double previous = fraction_.load(std::memory_order_relaxed);
    while (fraction > previous &&
           !fraction_.compare_exchange_weak(previous, fraction, std::memory_order_relaxed)) {
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        message_ = message;
    }
    if (callback_) callback_(fraction_.load(std::memory_order_relaxed), message);
}

std::string Progress::message() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return message_;
}

Progress& no_progress() {
    // thread_local: a shared instance must never be cancelled by one caller for all others.
    thread_local Progress progress;
    return progress;
}

}  // namespace es
