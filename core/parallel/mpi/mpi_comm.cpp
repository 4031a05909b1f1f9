#include "parallel/mpi/mpi_comm.h"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "parallel/comm.h"
#include "util/error.h"

namespace es::parallel {

namespace {

bool started = false;

class MpiComm final : public Comm {
public:
    MpiComm() {
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
    }
    int rank() const override { return rank_; }
    int size() const override { return size_; }

    std::vector<std::string> gather(const std::string& mine) override {
        // Sizes first (64-bit), then the bytes: MPI counts are int, so a part over 2 GiB is an
        // error rather than a silent truncation (parts are results, not states: megabytes).
        const long long n = static_cast<long long>(mine.size());
        std::vector<long long> sizes(root() ? static_cast<std::size_t>(size_) : 0);
        check(MPI_Gather(&n, 1, MPI_LONG_LONG, sizes.data(), 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD),
              "MPI_Gather");
        std::vector<int> counts, displs;
        std::string all;
        if (root()) {
            long long total = 0;
            for (long long s : sizes) {
                if (s > INT_MAX || total + s > INT_MAX)
                    throw InternalError("a distributed result exceeds 2 GiB at rank 0");
                counts.push_back(static_cast<int>(s));
                displs.push_back(static_cast<int>(total));
                total += s;
            }
            all.resize(static_cast<std::size_t>(total));
        }
        if (n > INT_MAX) throw InternalError("a distributed result part exceeds 2 GiB");
        check(MPI_Gatherv(mine.data(), static_cast<int>(n), MPI_BYTE, all.data(), counts.data(),
                          displs.data(), MPI_BYTE, 0, MPI_COMM_WORLD),
              "MPI_Gatherv");
        std::vector<std::string> out;
        for (std::size_t r = 0; r < counts.size(); ++r)
            out.push_back(all.substr(static_cast<std::size_t>(displs[r]),
                                     static_cast<std::size_t>(counts[r])));
        return out;
    }

    // Point to point, one rank after another: the size (64-bit), then the bytes in messages of at
    // most max_message_bytes(), so neither MPI's int counts nor rank 0's memory bound a result to
    // what the gather of every part at once would need.
    void gather_each(const std::string& mine,
                     const std::function<void(int, std::string&&)>& on_part) override {
        const std::size_t chunk = std::min<std::size_t>(max_message_bytes(), INT_MAX);
        if (!root()) {
            const long long n = static_cast<long long>(mine.size());
            check(MPI_Send(&n, 1, MPI_LONG_LONG, 0, kSizeTag, MPI_COMM_WORLD), "MPI_Send");
            for (std::size_t at = 0; at < mine.size(); at += chunk)
                check(
                    MPI_Send(mine.data() + at, static_cast<int>(std::min(chunk, mine.size() - at)),
                             MPI_BYTE, 0, kBytesTag, MPI_COMM_WORLD),
                    "MPI_Send");
            return;
        }
        on_part(0, std::string(mine));
        for (int r = 1; r < size_; ++r) {
            long long n = 0;
            check(MPI_Recv(&n, 1, MPI_LONG_LONG, r, kSizeTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
                  "MPI_Recv");
            std::string b(static_cast<std::size_t>(n), '\0');
            for (std::size_t at = 0; at < b.size(); at += chunk)
                check(MPI_Recv(b.data() + at, static_cast<int>(std::min(chunk, b.size() - at)),
                               MPI_BYTE, r, kBytesTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
                      "MPI_Recv");
            on_part(r, std::move(b));
        }
    }

    std::string broadcast(const std::string& at_root) override {
        long long n = static_cast<long long>(at_root.size());
        check(MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD), "MPI_Bcast");
        if (n > INT_MAX) throw InternalError("a broadcast exceeds 2 GiB");
        std::string b = root() ? at_root : std::string(static_cast<std::size_t>(n), '\0');
        check(MPI_Bcast(b.data(), static_cast<int>(n), MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Bcast");
        return b;
    }

private:
    static constexpr int kSizeTag = 7100, kBytesTag = 7101;
    static void check(int rc, const char* what) {
        if (rc != MPI_SUCCESS) throw InternalError(std::string(what) + " failed");
    }
    int rank_ = 0, size_ = 1;
};

bool launched() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
        if (const char* s = std::getenv(v); s && *s) return true;
    return false;
}

}  // namespace

bool start_mpi_if_launched(int* argc, char*** argv) {
    if (started || !launched()) return false;
    // Every rank opens the dump read-only with the serial HDF5 library; HDF5 1.10 locks files by
    // default, which fails or serialises on shared file systems (Lustre, NFS). Our opens already
    // turn locking off (H5Pset_file_locking); the variable covers any other open as well.
    setenv("HDF5_USE_FILE_LOCKING", "FALSE", 0);
    int provided = 0;
    // Threads inside a rank never call MPI: only the main thread does (FUNNELED).
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return false;
    started = true;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    set_world(std::make_unique<MpiComm>());
    return true;
}

void finish_mpi() {
    if (!started) return;
    set_world(nullptr);
    MPI_Finalize();
    started = false;
}

void abort_mpi(int code) {
    if (started) MPI_Abort(MPI_COMM_WORLD, code);
    std::exit(code);
}

}  // namespace es::parallel
