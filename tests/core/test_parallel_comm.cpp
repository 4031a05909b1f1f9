// The distributed layer's pieces that do not need mpirun: the block partition, the carrying of a
// rank's failure to rank 0 (through a stand-in communicator that plays rank 0 of three, the
// other ranks' answers given), and SHA-256 against the FIPS 180-4 examples. The MPI runs
// themselves are tests/mpi.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parallel/comm.h"
#include "util/error.h"
#include "util/sha256.h"

namespace es::parallel {
namespace {

TEST(ParallelBlock, CoversEveryItemOnceInOrder) {
    for (std::size_t n : {0u, 1u, 5u, 7u, 81u, 100u})
        for (int size : {1, 2, 3, 4, 64}) {
            std::size_t next = 0;
            for (int r = 0; r < size; ++r) {
                const Block b = block(n, r, size);
                EXPECT_EQ(b.begin, next) << n << " " << size << " " << r;
                EXPECT_LE(b.size(), n / static_cast<std::size_t>(size) + 1);
                EXPECT_GE(b.size(), n / static_cast<std::size_t>(size));
                next = b.end;
            }
            EXPECT_EQ(next, n);
        }
    EXPECT_EQ(block_items({4, 8, 15, 16, 23}, 1, 2), (std::vector<std::size_t>{16, 23}));
}

// Rank 0 of `answers.size() + 1` ranks; the other ranks answered `answers`.
class Rank0Of : public Comm {
public:
    explicit Rank0Of(std::vector<std::string> answers) : answers_(std::move(answers)) {}
    int rank() const override { return 0; }
    int size() const override { return static_cast<int>(answers_.size()) + 1; }
    std::vector<std::string> gather(const std::string& mine) override {
        std::vector<std::string> all{mine};
        all.insert(all.end(), answers_.begin(), answers_.end());
        return all;
    }
    std::string broadcast(const std::string& at_root) override {
        verdict = at_root;
        return at_root;
    }
    std::string verdict;

private:
    std::vector<std::string> answers_;
};

TEST(ParallelGather, PartsInRankOrder) {
    Rank0Of comm({"Ob", "Oc"});
    EXPECT_EQ(gather_parts(comm, [] { return std::string("a"); }),
              (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(comm.verdict, "O");
}

TEST(ParallelGather, FirstFailureByRankWithItsType) {
    Rank0Of comm({std::string("Ifile.h5: /x: damaged") + '\0' + "stack line", "Eboom"});
    try {
        gather_parts(comm, [] { return std::string("a"); });
        FAIL() << "no exception";
    } catch (const InputError& e) {
        EXPECT_STREQ(e.what(), "file.h5: /x: damaged");
        EXPECT_EQ(e.detail(), "stack line");
    }
    EXPECT_EQ(comm.verdict, "F");  // the other ranks are told, so none waits
    Rank0Of other({"Oz", std::string("Eno memory\0", 11)});
    EXPECT_THROW(gather_parts(other, [] { return std::string("a"); }), InternalError);
}

TEST(ParallelGather, OwnFailureTravelsToo) {
    Rank0Of comm({"Ob"});
    EXPECT_THROW(gather_parts(comm, []() -> std::string { throw CancelledError(); }),
                 CancelledError);
    EXPECT_EQ(comm.verdict, "F");
}

TEST(ParallelGather, EachPartHandedOnInRankOrderUntilAFailure) {
    Rank0Of comm({"Ob", std::string("Ibad.h5: /y: damaged") + '\0', "Od"});
    std::vector<std::string> seen;
    EXPECT_THROW(gather_parts_each(
                     comm, [] { return std::string("a"); },
                     [&](int r, std::string&& b) { seen.push_back(std::to_string(r) + b); }),
                 InputError);
    EXPECT_EQ(seen, (std::vector<std::string>{"0a", "1b"}));  // nothing after rank 2's failure
    EXPECT_EQ(comm.verdict, "F");
    // Rank 0's own merge failing is a failure of the run: the others are told too.
    Rank0Of merge({"Ob", "Oc"});
    EXPECT_THROW(gather_parts_each(
                     merge, [] { return std::string("a"); },
                     [](int r, std::string&&) {
                         if (r == 1) throw InternalError("a part could not be decoded");
                     }),
                 InternalError);
    EXPECT_EQ(merge.verdict, "F");
}

TEST(Sha256, FipsExamples) {
    EXPECT_EQ(util::sha256_of(""),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(util::sha256_of("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(util::sha256_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(util::sha256_of(std::string(1000000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace es::parallel
