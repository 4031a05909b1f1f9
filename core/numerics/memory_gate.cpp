#include "numerics/memory_gate.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <optional>
#include <thread>

#include "numerics/memory_budget.h"
#include "util/error.h"
#include "util/foreground.h"

namespace es::numerics {

namespace {

// Progress has no cancel hook, so a waiter wakes this often to see a cancel (and an earlier
// waiter's patience running out); otherwise it sleeps on the condition variable.
constexpr std::chrono::milliseconds kWake{20};

std::size_t to_bytes(double bytes) {
    if (!(bytes > 0)) return 0;
    if (bytes >= static_cast<double>(SIZE_MAX)) return SIZE_MAX;
    return static_cast<std::size_t>(std::ceil(bytes));
}

}  // namespace

MemoryLease::MemoryLease(MemoryLease&& o) noexcept : gate_(o.gate_), id_(o.id_), bytes_(o.bytes_) {
    o.gate_ = nullptr;
    o.bytes_ = 0;
}

MemoryLease& MemoryLease::operator=(MemoryLease&& o) noexcept {
    if (this != &o) {
        release();
        gate_ = o.gate_;
        id_ = o.id_;
        bytes_ = o.bytes_;
        o.gate_ = nullptr;
        o.bytes_ = 0;
    }
    return *this;
}

void MemoryLease::shrink(std::size_t bytes) {
    if (!gate_ || bytes >= bytes_) return;
    gate_->give_back(id_, bytes);
    bytes_ = bytes;
}

void MemoryLease::release() {
    if (!gate_) return;
    gate_->give_back(id_, 0);
    gate_ = nullptr;
    bytes_ = 0;
}

void MemoryGate::set_budget(std::size_t bytes) {
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        budget_ = bytes;
    }
    changed_.notify_all();
}

std::size_t MemoryGate::budget() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return budget_;
}

void MemoryGate::set_patience(std::chrono::milliseconds patience) {
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        patience_ = patience;
    }
    changed_.notify_all();
}

bool MemoryGate::may_grant(const Waiter& w) const {
    if (budget_ == 0) return true;
    const auto fits = [&](std::size_t bytes) {
        return held_ == 0 || (bytes <= budget_ && held_ <= budget_ - bytes);
    };
    if (!fits(w.min_bytes)) return false;
    // In order of arrival: an earlier waiter that fits goes first; one that does not is passed
    // only while it has waited less than the patience (then everyone after it waits too).
    const auto now = std::chrono::steady_clock::now();
    for (const Waiter& a : waiters_) {
        if (a.id == w.id) break;
        if (fits(a.min_bytes) || now - a.since >= patience_) return false;
    }
    return true;
}

std::string MemoryGate::holders_text() const {
    std::string text;
    for (const Held& h : leases_) {
        text += text.empty() ? "" : ", ";
        text += h.who + " holds " + format_bytes(static_cast<double>(h.bytes));
    }
    if (waiters_.size() > 1)
        text += (text.empty() ? "" : "; ") + std::to_string(waiters_.size() - 1) + " more waiting";
    return text;
}

MemoryLease MemoryGate::lease(double bytes, const std::string& who, Progress& progress) {
    return lease_range(bytes, bytes, who, progress);
}

MemoryLease MemoryGate::lease_range(double min_bytes, double max_bytes, const std::string& who,
                                    Progress& progress) {
    const std::size_t lo = to_bytes(min_bytes), hi = std::max(lo, to_bytes(max_bytes));
    MemoryLease out;
    if (hi == 0) return out;
    std::unique_lock<std::mutex> lock(mutex_);
    const auto grant = [&](std::size_t bytes) {
        out.gate_ = this;
        out.id_ = next_id_++;
        out.bytes_ = bytes;
        leases_.push_back({out.id_, who, bytes, std::this_thread::get_id()});
        held_ += bytes;
        peak_ = std::max(peak_, held_);
    };
    if (budget_ == 0) {
        grant(hi);
        return out;
    }
    if (std::any_of(leases_.begin(), leases_.end(), [](const Held& h) {
            return h.owner == std::this_thread::get_id();
        })) {  // see the header: never wait while holding a lease of the same gate
        ++nested_;
        grant(lo);
        return out;
    }
    waiters_.push_back({next_id_++, lo, std::chrono::steady_clock::now()});
    const auto me = std::prev(waiters_.end());
    std::string said, before;
    bool waited = false;
    auto said_at = std::chrono::steady_clock::now();
    // A foreground thread that waits here is not foreground meanwhile: the holders may be
    // threads yielding to it (util/foreground.h), and they give the memory back only if they run.
    std::optional<util::ForegroundPause> pause;
    while (!may_grant(*me)) {
        if (!pause) pause.emplace();
        if (progress.cancelled()) {
            waiters_.erase(me);
            lock.unlock();
            changed_.notify_all();
            throw CancelledError();
        }
        const std::string text = "waiting for " + format_bytes(static_cast<double>(lo)) +
                                 " of memory (" + holders_text() + ")";
        // Said again when the holders change and every second (the app's job runner keeps at
        // most one message per 50 ms, so one said right after another could be dropped);
        // outside the lock.
        const auto now = std::chrono::steady_clock::now();
        if (text != said || now - said_at >= std::chrono::seconds(1)) {
            said = text;
            said_at = now;
            lock.unlock();
            if (!waited) before = progress.message();
            waited = true;
            progress.report(progress.fraction(), text);
            lock.lock();
            continue;
        }
        changed_.wait_for(lock, kWake);
    }
    waiters_.erase(me);
    std::size_t bytes = lo;
    if (budget_ == 0)
        bytes = hi;
    else if (held_ < budget_)
        bytes = std::clamp(budget_ - held_, lo, hi);
    grant(bytes);
    lock.unlock();
    changed_.notify_all();  // the order changed: the next waiter may go now
    if (waited) progress.report(progress.fraction(), before);
    return out;
}

void MemoryGate::give_back(std::uint64_t id, std::size_t keep) {
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        const auto it =
            std::find_if(leases_.begin(), leases_.end(), [&](const Held& h) { return h.id == id; });
        if (it == leases_.end()) return;
        held_ -= it->bytes - std::min(keep, it->bytes);
        if (keep == 0) {
            leases_.erase(it);
        } else {
            it->bytes = std::min(keep, it->bytes);
        }
    }
    changed_.notify_all();
}

std::size_t MemoryGate::held() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return held_;
}

std::size_t MemoryGate::peak_held() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return peak_;
}

void MemoryGate::reset_peak() {
    const std::lock_guard<std::mutex> lock(mutex_);
    peak_ = held_;
}

std::vector<MemoryHolder> MemoryGate::holders() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    std::vector<MemoryHolder> out;
    for (const Held& h : leases_) out.push_back({h.who, h.bytes});
    return out;
}

std::size_t MemoryGate::waiting() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return waiters_.size();
}

std::size_t MemoryGate::nested_grants() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return nested_;
}

MemoryGate& memory_gate() {
    static MemoryGate gate;
    return gate;
}

}  // namespace es::numerics
