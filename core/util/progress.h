#pragma once
// A handle shared between whoever runs an analysis and whoever waits for it: the analysis reports
// progress (0..1 with a message) and checks for cancellation at short intervals; the requester
// cancels from any thread. Thread-safe; cheap to poll.
#include <atomic>
#include <functional>
#include <mutex>
#include <string>

namespace es {

class Progress {
public:
    using Callback = std::function<void(double fraction, const std::string& message)>;

    Progress() = default;
    explicit Progress(Callback cb) : callback_(std::move(cb)) {}

    void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
    bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
    // Throws CancelledError when cancel() was called; analyses call it between units of work.
    // For a Progress that yields, it also waits there while another thread does what is on
    // screen (util/foreground.h).
    void check() const;
    // The app's jobs yield to the foreground; the CLI's and the tests' analyses do not.
    void set_yields(bool yields) { yields_.store(yields, std::memory_order_relaxed); }
    bool yields() const { return yields_.load(std::memory_order_relaxed); }

    // fraction is clamped to [0, 1] and never goes backwards.
    void report(double fraction, const std::string& message);
    double fraction() const { return fraction_.load(std::memory_order_relaxed); }
    std::string message() const;

private:
    Callback callback_;
    std::atomic<bool> cancelled_{false};
    std::atomic<bool> yields_{false};
    std::atomic<double> fraction_{0.0};
    mutable std::mutex mutex_;
    std::string message_;
};

// For calls that nobody watches.
Progress& no_progress();

}  // namespace es
