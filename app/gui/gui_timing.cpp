#include "gui_timing.h"

#include <time.h>
#include <mutex>

namespace es::app::gui_timing {

namespace {

std::atomic<bool> g_enabled{false};
std::mutex g_mutex;  // scopes may close on any thread (a worker's callback), rarely
std::vector<Entry> g_entries;
thread_local int t_depth = 0;

qint64 clock_ns(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<qint64>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

void enable(bool on) {
    g_enabled.store(on, std::memory_order_relaxed);
}

bool enabled() {
    return g_enabled.load(std::memory_order_relaxed);
}

std::vector<Entry> take() {
    std::lock_guard<std::mutex> lock(g_mutex);
    std::vector<Entry> out;
    out.swap(g_entries);
    return out;
}

qint64 now_ns() {
    return clock_ns(CLOCK_MONOTONIC);
}

Scope::Scope(const char* what) : on_(enabled()) {
    if (!on_) return;
    what_ = QString::fromLatin1(what);
    open();
}

Scope::Scope(QString what) : on_(enabled()) {
    if (!on_) return;
    what_ = std::move(what);
    open();
}

void Scope::open() {
    ++t_depth;
    wall0_ = clock_ns(CLOCK_MONOTONIC);
    cpu0_ = clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

Scope::~Scope() {
    if (!on_) return;
    const qint64 wall = clock_ns(CLOCK_MONOTONIC), cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    --t_depth;
    Entry e{what_, wall, 1e-6 * double(wall - wall0_), 1e-6 * double(cpu - cpu0_), t_depth};
    std::lock_guard<std::mutex> lock(g_mutex);
    g_entries.push_back(std::move(e));
}

}  // namespace es::app::gui_timing
