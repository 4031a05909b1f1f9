#include "util/supervise.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <new>

namespace es::util {

namespace {

// Shared between the supervised child (writes) and the parent (reads): for each thread of the
// child that reads, what it reads and since when. One slot a thread (threads past kSlots share).
constexpr std::size_t kSlots = 64;
constexpr std::size_t kWhatBytes = 496;
struct Slot {
    std::atomic<long long> since_ns{0};  // CLOCK_MONOTONIC (system-wide); 0 = not reading
    std::atomic<unsigned> version{0};    // odd while `what` is being written
    char what[kWhatBytes];
};
struct Shared {
    std::atomic<unsigned> next_slot{0};
    Slot slots[kSlots];
    Slot last;  // the latest note of any thread, for a crash with no step under way
};
Shared* g_shared = nullptr;

long long now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

Slot& my_slot() {
    thread_local Slot* slot = &g_shared->slots[g_shared->next_slot.fetch_add(1) % kSlots];
    return *slot;
}

void write_what(Slot& slot, const std::string& text) {
    slot.version.fetch_add(1, std::memory_order_acq_rel);
    const std::size_t n = std::min(text.size(), kWhatBytes - 1);
    std::memcpy(slot.what, text.data(), n);
    slot.what[n] = '\0';
    slot.version.fetch_add(1, std::memory_order_acq_rel);
}

std::string read_what(const Slot& slot) {
    for (int tries = 0; tries < 100; ++tries) {
        const unsigned v = slot.version.load(std::memory_order_acquire);
        if (v & 1u) continue;
        std::string text(slot.what, ::strnlen(slot.what, kWhatBytes));
        if (slot.version.load(std::memory_order_acquire) == v) return text;
    }
    return {};
}

double read_time_limit_s() {
    if (const char* env = std::getenv("EIGENSCOPE_READ_TIMEOUT_S")) {
        char* end = nullptr;
        const double v = std::strtod(env, &end);
        if (end != env && v > 0) return v;
    }
    return 60.0;
}

// The child being supervised, for the forwarding handler (0 while none).
volatile sig_atomic_t g_child = 0;

extern "C" void forward_to_child(int sig) {
    const pid_t child = g_child;
    if (child > 0) ::kill(child, sig);
}

const char* signal_name(int sig) {
    switch (sig) {
        case SIGSEGV:
            return "SIGSEGV";
        case SIGBUS:
            return "SIGBUS";
        case SIGFPE:
            return "SIGFPE";
        case SIGILL:
            return "SIGILL";
        case SIGABRT:
            return "SIGABRT";
        case SIGSYS:
            return "SIGSYS";
        case SIGTRAP:
            return "SIGTRAP";
        case SIGKILL:
            return "SIGKILL";
        default:
            return nullptr;
    }
}

bool is_crash(int sig) {
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGABRT ||
           sig == SIGSYS || sig == SIGTRAP;
}

// Ends this process by `sig` (default action), as the child ended.
[[noreturn]] void die_by(int sig) {
    std::fflush(nullptr);
    ::signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    ::raise(sig);
    ::_exit(128 + sig);  // a signal whose default is to continue or stop
}

std::string inputs_text(const std::vector<std::string>& inputs) {
    std::string s;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (i) s += i + 1 == inputs.size() ? " or " : ", ";
        s += inputs[i];
    }
    return s.empty() ? std::string("its input") : s;
}

}  // namespace

void note_reading(const std::string& file, const std::string& dataset) {
    if (!g_shared) return;
    std::string text = file;
    if (!dataset.empty()) text += ", dataset " + dataset;
    Slot& slot = my_slot();
    write_what(slot, text);
    slot.since_ns.store(now_ns(), std::memory_order_release);
    write_what(g_shared->last, text);
}

ReadingStep::ReadingStep(const std::string& file, const std::string& dataset) {
    note_reading(file, dataset);
}

ReadingStep::~ReadingStep() {
    if (g_shared) my_slot().since_ns.store(0, std::memory_order_release);
}

std::vector<std::string> existing_paths(const std::vector<std::string>& args) {
    std::vector<std::string> paths;
    struct stat st {};
    for (const auto& a : args)
        if (a.rfind("--", 0) != 0 && ::stat(a.c_str(), &st) == 0) paths.push_back(a);
    return paths;
}

std::string stall_message(double seconds, const std::string& what) {
    char limit[32];
    std::snprintf(limit, sizeof limit, "%g", seconds);
    return "reading " + what + " did not finish within " + limit +
           " s: the file is probably damaged (the HDF5 library can loop forever on damaged "
           "metadata), or on a stalled file system; EIGENSCOPE_READ_TIMEOUT_S sets the limit";
}

std::string crash_message(int sig, const std::string& what) {
    const char* name = signal_name(sig);
    return std::string("the HDF5 library crashed (") +
           (name ? name : "signal " + std::to_string(sig)) + ") reading " + what +
           ": the file is probably damaged (run with --no-isolation to debug a crash in "
           "Eigenscope itself)";
}

int run_supervised(const std::function<int()>& body, const std::vector<std::string>& inputs) {
    void* page =
        ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return body();
    Shared* shared = new (page) Shared();  // zeroed: no thread reads yet
    const double limit_s = read_time_limit_s();
    std::fflush(nullptr);  // nothing buffered may be written twice
    // The signals the parent handles stay blocked from before the fork until its handlers are in
    // place: a SIGTERM in between would otherwise end the parent without reaching the child.
    sigset_t handled, previous;
    sigemptyset(&handled);
    for (int sig : {SIGINT, SIGQUIT, SIGTERM, SIGHUP}) sigaddset(&handled, sig);
    ::sigprocmask(SIG_BLOCK, &handled, &previous);
    const pid_t parent = ::getpid();
    const pid_t child = ::fork();
    if (child < 0) {
        ::sigprocmask(SIG_SETMASK, &previous, nullptr);
        ::munmap(page, sizeof(Shared));
        return body();
    }
    if (child == 0) {
        ::sigprocmask(SIG_SETMASK, &previous, nullptr);  // a signal pending here is the child's
        g_shared = shared;
        // Should the parent be killed outright, the child must not run on unsupervised.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(1);
        // exit(), not _exit(): the child is the real process (stream flushes, HDF5's atexit
        // close, the sanitizers' leak check).
        std::exit(body());
    }

    // Parent: wait. SIGINT/SIGQUIT come from the terminal to the whole process group, so the
    // child gets them itself; the parent outlives them to report how the child ended.
    g_child = child;
    struct sigaction forward {
    }, ignore{}, old_int{}, old_quit{}, old_term{}, old_hup{};
    forward.sa_handler = forward_to_child;
    sigemptyset(&forward.sa_mask);
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGINT, &ignore, &old_int);
    ::sigaction(SIGQUIT, &ignore, &old_quit);
    ::sigaction(SIGTERM, &forward, &old_term);
    ::sigaction(SIGHUP, &forward, &old_hup);
    ::sigprocmask(SIG_SETMASK, &previous, nullptr);  // what came meanwhile is forwarded now

    // A pidfd becomes readable when the child ends: the wait costs no polling latency, and the
    // read steps are checked every 250 ms meanwhile. Without pidfds (kernels before 5.3), a
    // 10 ms sleep loop.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
    const long long limit_ns = static_cast<long long>(limit_s * 1e9);
    std::string stalled;
    int status = 0;
    pid_t got = 0;
    for (;;) {
        got = ::waitpid(child, &status, WNOHANG);
        if (got != 0 && !(got < 0 && errno == EINTR)) break;
        const long long now = now_ns();
        for (const Slot& slot : shared->slots) {
            const long long since = slot.since_ns.load(std::memory_order_acquire);
            if (since != 0 && now - since > limit_ns) stalled = read_what(slot);
        }
        if (!stalled.empty()) {
            ::kill(child, SIGKILL);
            while ((got = ::waitpid(child, &status, 0)) < 0 && errno == EINTR) {
            }
            break;
        }
        if (pidfd >= 0) {
            pollfd p{pidfd, POLLIN, 0};
            ::poll(&p, 1, 250);
        } else {
            ::usleep(10000);
        }
    }
    if (pidfd >= 0) ::close(pidfd);
    g_child = 0;
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGQUIT, &old_quit, nullptr);
    ::sigaction(SIGTERM, &old_term, nullptr);
    ::sigaction(SIGHUP, &old_hup, nullptr);
    const std::string noted = read_what(shared->last);
    ::munmap(page, sizeof(Shared));
    const std::string what = noted.empty() ? inputs_text(inputs) : noted;

    if (got < 0) {
        std::fprintf(stderr, "internal error: lost the worker process: %s\n", std::strerror(errno));
        return 1;
    }
    if (!stalled.empty()) {
        std::fprintf(stderr, "error: %s\n", stall_message(limit_s, stalled).c_str());
        return 2;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    const int sig = WTERMSIG(status);
    if (is_crash(sig)) {
        std::fprintf(stderr, "error: %s\n", crash_message(sig, what).c_str());
        return 2;
    }
    if (sig == SIGKILL) {
        std::fprintf(stderr,
                     "error: the worker process was killed (SIGKILL) while reading %s; out of "
                     "memory?\n",
                     what.c_str());
        return 1;
    }
    die_by(sig);
}

}  // namespace es::util
