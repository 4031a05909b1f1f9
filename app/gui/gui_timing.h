#pragma once
// What the GUI thread spends on named pieces of work (issue 20: no event may stall the event
// loop for more than 50 ms, so each piece should stay within ~25 ms). Off unless enabled
// (bench_app_open turns it on): a disabled Scope costs one relaxed load. Enabled, each scope
// records its wall time and the calling thread's CPU time, nested scopes with their depth, so a
// long event can be broken down into what ran inside it.
#include <QString>
#include <atomic>
#include <vector>

namespace es::app::gui_timing {

// The delay of work moved to a later turn of the event loop (the dataset panel's fill, then
// loaded()): a timer rather than a zero-delay call, because Qt's event loop delivers posted
// events before timers; and 10 ms rather than 1, because with 1 the panel's timer fired in the
// same pass as the arrival's layout and paint, before the loop's other timers got their turn
// (bench_app_open: one 51 ms gap over both at load 1.6).
constexpr int kDeferMs = 10;

struct Entry {
    QString what;       // "refresh_primary", "request spectrum"
    qint64 end_ns = 0;  // CLOCK_MONOTONIC when the scope closed
    double wall_ms = 0, cpu_ms = 0;
    int depth = 0;  // scopes open around it
};

void enable(bool on);
bool enabled();
// The entries recorded since the last call, in the order the scopes closed.
std::vector<Entry> take();
// Nanoseconds of CLOCK_MONOTONIC (the clock Entry::end_ns is on).
qint64 now_ns();

class Scope {
public:
    explicit Scope(const char* what);
    explicit Scope(QString what);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

private:
    void open();
    bool on_ = false;
    QString what_;
    qint64 wall0_ = 0, cpu0_ = 0;
};

}  // namespace es::app::gui_timing
