// eigenscope-cli: the headless front end of eigenscope_core. Exit codes: 0 success, 2 bad input
// or usage (message on stderr), 1 internal failure, 130 cancelled. It never dies by a signal
// it could have caught: every exception ends in a message and an exit code, and the verb runs
// in a supervised child process (util/supervise.h), so a file that crashes libhdf5 ends in
// exit 2 with a sentence too. --no-isolation (anywhere on the line) runs it in this process.
// Started under mpirun/srun (built with MPI), the verb runs in this process on every rank (an MPI
// process must not fork a child that talks MPI): the distributed verbs share their work and rank 0
// prints; every other verb runs on rank 0 alone.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <new>
#include <sstream>

#include "args.h"
#include "numerics/blas_kernels.h"
#include "parallel/comm.h"
#ifdef EIGENSCOPE_WITH_MPI
#include "parallel/mpi/mpi_comm.h"
#endif
#include "util/error.h"
#include "util/supervise.h"
#include "verbs.h"
#include "version.h"

namespace {

void print_help(std::ostream& os) {
    os << "eigenscope-cli " << EIGENSCOPE_VERSION
       << ": analyses of transformer activation dumps (HDF5)\n\nUsage: eigenscope-cli VERB "
          "ARGS...\n\n";
    for (const auto& v : es::cli::verbs()) os << "  " << v.usage << "\n      " << v.summary << "\n";
    os << "\n  --version       print the version\n  --help          this text\n"
          "  --no-isolation  with any verb: read in this process, not in a supervised child\n"
          "                  (trusted files; a crash of the HDF5 library then kills the CLI)\n"
          "\nExit codes: 0 ok, 2 bad input or usage (a file that crashes the HDF5 library "
          "included), 1 internal error.\nDocumentation: docs/CLI.md\n";
}

// Verbs that split their work over MPI ranks (distribute.h); the others run on rank 0 alone.
bool distributed_verb(const std::string& name) {
    for (const char* v :
         {"spectrum", "weights", "heads", "trajectory", "bundle", "cka", "series", "report"})
        if (name == v) return true;
    return false;
}

int run_verb(const es::cli::Verb& v, const std::vector<std::string>& rest) {
    const std::string verb = v.name;
    // Ranks other than 0 hold the same arguments and files, so their messages would repeat rank
    // 0's: they stay silent and rank 0 speaks for the job.
    std::ostringstream silent;
    std::ostream& err = es::parallel::world().root() ? std::cerr : silent;
    try {
        const int code = v.run(rest);
        // A full disk or a closed pipe must not pass for success with the output cut short.
        // errno still holds the failed write's error if the stream broke earlier.
        if (std::cout) {
            errno = 0;
            std::cout.flush();
        }
        if (!std::cout) {
            err << "error: cannot write the output"
                << (errno ? std::string(" (") + std::strerror(errno) + ")" : "")
                << "; what was written is incomplete\n";
            return 1;
        }
        return code;
    } catch (const es::cli::UsageError& e) {
        err << "eigenscope-cli " << verb << ": " << e.what() << "\nusage: eigenscope-cli "
            << v.usage << "\n";
        return 2;
    } catch (const es::InputError& e) {
        // The sentence on the first line (what scripts and the app's probe read), then the
        // library's detail, indented, for a bug report.
        err << "error: " << e.what() << "\n";
        if (!e.detail().empty()) {
            err << "  detail:\n";
            std::string line;
            for (std::istringstream in(e.detail()); std::getline(in, line);)
                err << "    " << line << "\n";
        }
        return 2;
    } catch (const es::parallel::PeerFailed&) {
        return 2;  // rank 0 reports the failure
    } catch (const es::CancelledError&) {
        err << "cancelled\n";
        return 130;
    } catch (const std::bad_alloc&) {
        err << "internal error: out of memory\n";
        return 1;
    } catch (const std::exception& e) {
        err << "internal error: " << e.what() << "\n";
        return 1;
    } catch (...) {
        err << "internal error: unknown exception\n";
        return 1;
    }
}

}  // namespace

static int run_main(int argc, char** argv, bool mpi) {
    if (!es::parallel::world().root() && (argc < 2 || !distributed_verb(argv[1]))) return 0;
    if (argc < 2) {
        print_help(std::cerr);
        return 2;
    }
    const std::string verb = argv[1];
    if (verb == "--version" || verb == "version") {
        std::cout << "eigenscope-cli " << EIGENSCOPE_VERSION << "\n";
        return 0;
    }
    if (verb == "--help" || verb == "-h" || verb == "help") {
        print_help(std::cout);
        return 0;
    }
    if (verb == "--man") {  // hidden: the man page's VERBS section, generated at build time
        std::cout << es::cli::man_verbs();
        return std::cout.flush() ? 0 : 1;
    }
    std::vector<std::string> rest(argv + 2, argv + argc);
    const auto no_isolation = std::find(rest.begin(), rest.end(), "--no-isolation");
    const bool isolate = no_isolation == rest.end() && !mpi;
    if (no_isolation != rest.end()) rest.erase(no_isolation);
    for (const auto& v : es::cli::verbs()) {
        if (verb != v.name) continue;
        std::cout.flush();
        if (!isolate) return run_verb(v, rest);
        return es::util::run_supervised([&] { return run_verb(v, rest); },
                                        es::util::existing_paths(rest));
    }
    std::cerr << "eigenscope-cli: unknown verb '" << verb << "' (see eigenscope-cli --help)\n";
    return 2;
}

int main(int argc, char** argv) {
    es::numerics::choose_blas_kernels();  // before any BLAS call (numerics/blas_kernels.h)
    std::ios::sync_with_stdio(false);
#ifdef EIGENSCOPE_WITH_MPI
    const bool mpi = es::parallel::start_mpi_if_launched(&argc, &argv);
    const int code = run_main(argc, argv, mpi);
    es::parallel::finish_mpi();
    return code;
#else
    return run_main(argc, argv, false);
#endif
}
