#pragma once
// Crash containment for the headless front ends (eigenscope-cli, eigenscope --export).
//
// libhdf5 trusts the metadata of the file it reads: a damaged file can make it read through a
// wild pointer (SIGSEGV in H5HG_read under H5Dread of variable-length strings, for one) where no
// error code ever comes back to us. Scripts call the CLI on thousands of files, so such a file
// must end in a refusal (exit 2 and a sentence), never in a process killed by a signal.
// run_supervised() forks before any HDF5 call: the child does the work with the caller's
// stdout/stderr; the parent only waits and turns the child's death by a crash signal into that
// refusal. While it works the child notes which file and dataset it is reading (note_reading),
// in a page shared with the parent, so the refusal names them.
#include <functional>
#include <string>
#include <vector>

namespace es::util {

// Runs body() in a child process and returns its exit code. A step of reading that outlasts the
// read time limit (see note_reading) ends the child and gives exit 2 with a sentence. Should the
// child die by a crash signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS, SIGTRAP), prints
//   "error: the HDF5 library crashed (SIGSEGV) reading FILE, dataset /x: the file is probably
//    damaged; nothing was written"
// on stderr and returns 2. `inputs` names the files the command was given: the message falls back
// on them when the child had noted nothing. SIGKILL (the kernel's out-of-memory killer, for one)
// gives exit 1 with a sentence. SIGINT/SIGQUIT from the terminal reach both processes; SIGTERM
// and SIGHUP sent to the parent are passed on to the child; a child ended by any of those ends
// the parent by the same signal, so shells and job control see what they expect.
// When fork() fails, body() runs in this process.
int run_supervised(const std::function<int()>& body, const std::vector<std::string>& inputs);

// The calling thread starts a step of reading FILE (and dataset): opening it, walking its groups,
// reading one table or one slab. Each step must end within the read time limit (60 s, or
// $EIGENSCOPE_READ_TIMEOUT_S): libhdf5 can loop forever on damaged metadata (H5HG_read on a
// zeroed global heap), which no error code reports either. A child whose step outlasts the limit
// is killed and the parent exits 2 naming the file and dataset. The step lasts until the next
// note on the same thread or the end of the enclosing ReadingStep. Cheap (a copy into a shared
// page); a no-op outside a supervised child.
void note_reading(const std::string& file, const std::string& dataset = {});

// A step of reading with a scope: notes on construction, ends the thread's step on destruction
// (what follows, computing, has no time limit).
class ReadingStep {
public:
    explicit ReadingStep(const std::string& file, const std::string& dataset = {});
    ~ReadingStep();
    ReadingStep(const ReadingStep&) = delete;
    ReadingStep& operator=(const ReadingStep&) = delete;
};

// The arguments that name existing files or folders (options, "--x", left out): what a crash
// message names when the child noted nothing.
std::vector<std::string> existing_paths(const std::vector<std::string>& args);

// The refusal's text for a child that died by `signal_number` while reading `what`.
std::string crash_message(int signal_number, const std::string& what);
// The refusal's text for a child whose step of reading `what` outlasted `seconds`.
std::string stall_message(double seconds, const std::string& what);

}  // namespace es::util
