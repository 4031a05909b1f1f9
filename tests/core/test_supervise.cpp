// util::run_supervised: the child's exit code passes through, its death by a crash signal becomes
// exit 2 and a sentence naming what it was reading, and signals meant for the parent reach the
// child (none is left running behind a dead parent).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "util/supervise.h"

namespace {

using es::util::note_reading;
using es::util::run_supervised;

// What run_supervised printed on stderr (the child's lines included: it inherits the descriptor).
struct Captured {
    int code = -1;
    std::string err;
};

Captured capture_stderr(const std::function<int()>& body, std::vector<std::string> inputs = {}) {
    const std::string path =
        testing::TempDir() + "supervise_stderr_" + std::to_string(::getpid()) + ".txt";
    const int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int saved = ::dup(STDERR_FILENO);
    ::dup2(file, STDERR_FILENO);
    ::close(file);
    Captured c;
    c.code = run_supervised(body, inputs);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    std::ifstream in(path);
    c.err.assign(std::istreambuf_iterator<char>(in), {});
    std::remove(path.c_str());
    return c;
}

// Dies by `sig` with its default action, as libhdf5 does when it reads through a wild pointer.
// The default is restored first: under ASan or TSan their own handler would catch SIGSEGV and
// turn it into a report and exit 1, which is not what a release build does.
[[noreturn]] void die_by(int sig) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    ::_exit(99);
}

// Waits for `pid` with a limit, so that a supervision bug fails the test instead of hanging it.
bool wait_for(pid_t pid, int* status, int seconds = 20) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        const pid_t got = ::waitpid(pid, status, WNOHANG);
        if (got == pid) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, status, 0);
    return false;
}

TEST(Supervise, TheChildsExitCodePassesThrough) {
    EXPECT_EQ(run_supervised([] { return 0; }, {}), 0);
    EXPECT_EQ(run_supervised([] { return 7; }, {}), 7);
    EXPECT_EQ(run_supervised([] { return 130; }, {}), 130);
}

TEST(Supervise, TheWorkRunsInAnotherProcess) {
    const pid_t self = ::getpid();
    EXPECT_EQ(run_supervised([self] { return ::getpid() != self ? 0 : 1; }, {}), 0);
}

TEST(Supervise, ACrashIsExit2NamingTheFileAndDatasetBeingRead) {
    const Captured c = capture_stderr(
        []() -> int {
            note_reading("/data/run1.h5");
            note_reading("/data/run1.h5", "/tokens");
            die_by(SIGSEGV);
        },
        {"/data/run1.h5"});
    EXPECT_EQ(c.code, 2);
    EXPECT_NE(c.err.find("error: the HDF5 library crashed (SIGSEGV) reading /data/run1.h5, "
                         "dataset /tokens: the file is probably damaged"),
              std::string::npos)
        << c.err;
}

TEST(Supervise, WithNothingNotedTheMessageNamesTheInputs) {
    const Captured c = capture_stderr([]() -> int { die_by(SIGBUS); }, {"a.h5", "b.h5"});
    EXPECT_EQ(c.code, 2);
    EXPECT_NE(c.err.find("crashed (SIGBUS) reading a.h5 or b.h5"), std::string::npos) << c.err;
}

TEST(Supervise, AnAbortIsContainedToo) {
    const Captured c = capture_stderr([]() -> int { die_by(SIGABRT); }, {"x.h5"});
    EXPECT_EQ(c.code, 2);
    EXPECT_NE(c.err.find("(SIGABRT)"), std::string::npos) << c.err;
}

TEST(Supervise, AKilledChildIsAnInternalFailureNamingWhatItRead) {
    const Captured c = capture_stderr(
        [] {
            note_reading("big.h5", "/blocks.3.hook_resid_post");
            ::kill(::getpid(), SIGKILL);
            ::pause();
            return 0;
        },
        {});
    EXPECT_EQ(c.code, 1);
    EXPECT_NE(c.err.find("killed (SIGKILL) while reading big.h5, dataset "
                         "/blocks.3.hook_resid_post"),
              std::string::npos)
        << c.err;
}

// Sets the read time limit for one test.
struct ReadLimit {
    explicit ReadLimit(const char* seconds) { ::setenv("EIGENSCOPE_READ_TIMEOUT_S", seconds, 1); }
    ~ReadLimit() { ::unsetenv("EIGENSCOPE_READ_TIMEOUT_S"); }
};

TEST(Supervise, AReadThatNeverEndsIsRefusedNamingTheDataset) {
    const ReadLimit limit("0.3");
    const auto start = std::chrono::steady_clock::now();
    const Captured c = capture_stderr([]() -> int {
        const es::util::ReadingStep step("/data/run2.h5", "/tokens");
        for (;;) ::pause();  // as libhdf5 looping in H5HG_read on a zeroed global heap
    });
    EXPECT_EQ(c.code, 2);
    EXPECT_NE(c.err.find("error: reading /data/run2.h5, dataset /tokens did not finish within "
                         "0.3 s: the file is probably damaged"),
              std::string::npos)
        << c.err;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(Supervise, ComputingAfterAReadHasNoTimeLimit) {
    const ReadLimit limit("0.2");
    const Captured c = capture_stderr([] {
        { const es::util::ReadingStep step("/data/run2.h5", "/blocks.0.hook_resid_post"); }
        std::this_thread::sleep_for(std::chrono::milliseconds(800));  // "computing"
        return 0;
    });
    EXPECT_EQ(c.code, 0) << c.err;
}

TEST(Supervise, TheInputsNamedAreTheArgumentsThatExist) {
    const std::string dir = testing::TempDir();
    EXPECT_EQ(es::util::existing_paths({"--json", dir, "/no/such/file.h5", "--stream"}),
              std::vector<std::string>{dir});
}

TEST(Supervise, NotingOutsideASupervisedChildDoesNothing) {
    note_reading("/nowhere.h5", "/x");  // no shared page in this process: must not crash
    SUCCEED();
}

// A parent (P) supervising a child (C) that waits forever; this test process (T) is their
// subreaper, so C is reaped here once P is gone. Returns C's pid read from a pipe.
struct Family {
    pid_t parent = -1, child = -1;
};

Family start_family() {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    Family f;
    f.parent = ::fork();
    if (f.parent == 0) {
        ::close(fds[0]);
        const int code = run_supervised(
            [w = fds[1]] {
                const pid_t me = ::getpid();
                if (::write(w, &me, sizeof me) != sizeof me) return 3;
                ::close(w);
                for (;;) ::pause();
            },
            {});
        ::_exit(code);
    }
    ::close(fds[1]);
    if (::read(fds[0], &f.child, sizeof f.child) != sizeof f.child) f.child = -1;
    ::close(fds[0]);
    return f;
}

TEST(Supervise, ATerminatedParentPassesTheSignalOnAndEndsByIt) {
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    const Family f = start_family();
    ASSERT_GT(f.child, 0);
    ASSERT_EQ(::kill(f.parent, SIGTERM), 0);
    int parent_status = 0;
    ASSERT_TRUE(wait_for(f.parent, &parent_status));
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    // The parent ends by SIGTERM only when its child did (any other end is passed on as an exit
    // code), so a shell sees "Terminated", not a success; and it reaped the child before.
    EXPECT_TRUE(WIFSIGNALED(parent_status) && WTERMSIG(parent_status) == SIGTERM);
    EXPECT_EQ(::kill(f.child, 0), -1);
    EXPECT_EQ(errno, ESRCH);
}

TEST(Supervise, AParentKilledOutrightTakesItsChildAlong) {
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    const Family f = start_family();
    ASSERT_GT(f.child, 0);
    ASSERT_EQ(::kill(f.parent, SIGKILL), 0);
    int parent_status = 0, child_status = 0;
    ASSERT_TRUE(wait_for(f.parent, &parent_status));
    ASSERT_TRUE(wait_for(f.child, &child_status));
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    EXPECT_TRUE(WIFSIGNALED(child_status) && WTERMSIG(child_status) == SIGKILL);
}

}  // namespace
