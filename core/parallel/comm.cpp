#include "parallel/comm.h"

#include <algorithm>
#include <cstdlib>
#include <new>

#include "util/error.h"

namespace es::parallel {

namespace {

class SingleComm final : public Comm {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    std::vector<std::string> gather(const std::string& mine) override { return {mine}; }
    std::string broadcast(const std::string& at_root) override { return at_root; }
};

std::unique_ptr<Comm>& world_slot() {
    static std::unique_ptr<Comm> w = std::make_unique<SingleComm>();
    return w;
}

// The envelope of a part: one tag byte, then the payload ('O') or the error's message and
// detail separated by a NUL ('I' InputError, 'C' cancelled, 'E' anything else).
std::string failure(char tag, const std::string& message, const std::string& detail = {}) {
    return std::string(1, tag) + message + std::string(1, '\0') + detail;
}

}  // namespace

Comm& world() {
    return *world_slot();
}

void set_world(std::unique_ptr<Comm> comm) {
    world_slot() = comm ? std::move(comm) : std::make_unique<SingleComm>();
}

Block block(std::size_t n, int rank, int size) {
    const std::size_t r = static_cast<std::size_t>(std::max(rank, 0));
    const std::size_t s = static_cast<std::size_t>(std::max(size, 1));
    const std::size_t base = n / s, extra = n % s;
    Block b;
    b.begin = r * base + std::min(r, extra);
    b.end = b.begin + base + (r < extra ? 1 : 0);
    return b;
}

std::vector<std::size_t> block_items(const std::vector<std::size_t>& items, int rank, int size) {
    const Block b = block(items.size(), rank, size);
    return {items.begin() + static_cast<long>(b.begin), items.begin() + static_cast<long>(b.end)};
}

std::size_t max_message_bytes() {
    if (const char* v = std::getenv("EIGENSCOPE_MPI_MESSAGE_BYTES"); v && *v) {
        const long long n = std::atoll(v);
        if (n >= 1) return static_cast<std::size_t>(n);
    }
    return std::size_t{64} << 20;
}

namespace {

std::string envelope(const std::function<std::string()>& part) {
    try {
        return "O" + part();
    } catch (const InputError& e) {
        return failure('I', e.what(), e.detail());
    } catch (const CancelledError&) {
        return failure('C', "cancelled");
    } catch (const std::bad_alloc&) {
        return failure('E', "out of memory");
    } catch (const std::exception& e) {
        return failure('E', e.what());
    }
}

[[noreturn]] void rethrow(const std::string& b, int rank, int size) {
    const char tag = b.empty() ? 'E' : b[0];
    const std::size_t nul = b.find('\0');
    const std::string message = b.size() > 1 ? b.substr(1, nul - 1) : "no answer";
    const std::string detail = nul == std::string::npos ? "" : b.substr(nul + 1);
    const std::string on = size > 1 ? " (on rank " + std::to_string(rank) + ")" : "";
    if (tag == 'I') throw InputError(message, detail);
    if (tag == 'C') throw CancelledError();
    throw InternalError(message + on);
}

}  // namespace

void gather_parts_each(Comm& comm, const std::function<std::string()>& part,
                       const std::function<void(int, std::string&&)>& on_part) {
    const std::string mine = envelope(part);
    // Rank 0 finds the first failure (its own merge's included), tells every rank whether there
    // was one, then rethrows it.
    std::string failed;
    int failed_rank = -1;
    comm.gather_each(mine, [&](int r, std::string&& b) {
        if (failed_rank >= 0) return;
        if (b.empty() || b[0] != 'O') {
            failed = std::move(b);
            failed_rank = r;
            return;
        }
        b.erase(0, 1);
        try {
            on_part(r, std::move(b));
        } catch (const std::exception&) {
            failed = envelope([]() -> std::string { throw; });
            failed_rank = r;
        }
    });
    const std::string verdict = comm.broadcast(failed_rank < 0 ? "O" : "F");
    if (!comm.root()) {
        if (verdict != "O") throw PeerFailed();
        return;
    }
    if (failed_rank >= 0) rethrow(failed, failed_rank, comm.size());
}

std::vector<std::string> gather_parts(Comm& comm, const std::function<std::string()>& part) {
    std::vector<std::string> all;
    gather_parts_each(comm, part, [&](int, std::string&& b) { all.push_back(std::move(b)); });
    return all;
}

}  // namespace es::parallel
