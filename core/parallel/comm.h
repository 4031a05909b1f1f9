#pragma once
// Ranks of a distributed run: who I am, how work is split, and how the parts come back to rank 0.
// The communicator is a small interface so that core stays free of MPI: a single-process world
// (rank 0 of 1) unless the CLI, started under mpirun/srun and built with MPI, installs the MPI
// one (parallel/mpi/mpi_comm.h). Parts travel as bytes (the result codec's CBOR: exact doubles,
// NaN kept), so rank 0 merges exactly what the ranks computed. No Qt, no MPI headers.
#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace es::parallel {

class Comm {
public:
    virtual ~Comm() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;
    // Every rank's bytes at rank 0, in rank order; other ranks get an empty vector. Collective.
    virtual std::vector<std::string> gather(const std::string& mine) = 0;
    // Rank 0's bytes on every rank. Collective.
    virtual std::string broadcast(const std::string& at_root) = 0;
    // Every rank's bytes handed to on_part(rank, bytes) at rank 0 one rank at a time, in rank
    // order, so rank 0 holds its own part and one other (a D x D scatter per rank would not fit
    // gathered whole at scale). Each part travels in messages of at most max_message_bytes().
    // Collective; on_part is called on rank 0 only. This default gathers whole (one process).
    virtual void gather_each(const std::string& mine,
                             const std::function<void(int, std::string&&)>& on_part) {
        std::vector<std::string> all = gather(mine);
        for (std::size_t r = 0; r < all.size(); ++r)
            on_part(static_cast<int>(r), std::move(all[r]));
    }
    bool root() const { return rank() == 0; }
};

// The largest message a part is sent in: 64 MiB, or EIGENSCOPE_MPI_MESSAGE_BYTES when set (at
// least 1; tests use a few kB to send every part in many messages).
std::size_t max_message_bytes();

// The world of this process: single-process unless set_world() installed another.
Comm& world();
void set_world(std::unique_ptr<Comm> comm);

// [begin, end) of one rank's share of n items: contiguous blocks, the first n % size ranks one
// item more. Depends only on (n, rank, size), so every rank computes every rank's block.
struct Block {
    std::size_t begin = 0, end = 0;
    std::size_t size() const { return end - begin; }
};
Block block(std::size_t n, int rank, int size);
std::vector<std::size_t> block_items(const std::vector<std::size_t>& items, int rank, int size);

// Thrown on the other ranks when a part failed somewhere: rank 0 reports the failure, the others
// stop quietly with this (so that no rank waits in a later collective that will never come).
class PeerFailed : public std::runtime_error {
public:
    PeerFailed() : std::runtime_error("another rank failed") {}
};

// Runs `part()` on every rank and gathers what it returns to rank 0 (rank order). A failure on
// any rank does not leave the others waiting in the collective: the exception is carried to rank
// 0 as bytes, and rank 0 rethrows the first one in rank order with its type (InputError with its
// detail, CancelledError, otherwise InternalError with the message); rank 0 then tells the
// others, which throw PeerFailed. On success non-root ranks get an empty vector.
std::vector<std::string> gather_parts(Comm& comm, const std::function<std::string()>& part);

// gather_parts with rank 0 holding one part at a time: each successful part is handed to
// on_part(rank, bytes) at rank 0 in rank order as it arrives (Comm::gather_each). After the first
// failure (a rank's, or on_part's own on rank 0) no further part is handed on; the failure is
// rethrown on rank 0 and PeerFailed on the others, as gather_parts does.
void gather_parts_each(Comm& comm, const std::function<std::string()>& part,
                       const std::function<void(int, std::string&&)>& on_part);

}  // namespace es::parallel
