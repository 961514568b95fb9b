// The library-private door from a distributed_context to its MPI communicator (for parallel HDF5).

#include "comm/native_communicator.hpp"

#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace infomorph {
namespace {

TEST(NativeCommunicator, OfTheMpiContextIsADuplicateOfTheWorld) {
    const distributed_context context = make_mpi_context();
    const MPI_Comm comm = native_communicator(context);
    int result = MPI_UNEQUAL;
    MPI_Comm_compare(comm, MPI_COMM_WORLD, &result);
    EXPECT_EQ(result, MPI_CONGRUENT);  // same ranks, a separate context for messages
    int size = 0;
    MPI_Comm_size(comm, &size);
    EXPECT_EQ(size, context.size());
    EXPECT_EQ(native_communicator(distributed_context(context)), comm);
}

TEST(NativeCommunicator, OfTheLocalContextIsSelf) {
    EXPECT_EQ(native_communicator(make_local_context()), MPI_COMM_SELF);
}

// A fake of several ranks without MPI behind it.
struct two_rank_fake {
    std::string name() const { return "fake"; }
    int rank() const { return 0; }
    int size() const { return 2; }
    void barrier() const {}
    void allgather_words(std::span<const std::uint64_t>, std::span<const std::size_t>,
                         std::span<std::uint64_t>) const {}
    void allgather_reals(std::span<const double>, std::span<const std::size_t>,
                         std::span<double>) const {}
    std::vector<std::int64_t> allgather_count(std::int64_t) const { return {0, 0}; }
    void allreduce_sum(std::span<std::int64_t>) const {}
    void allreduce_sum(std::span<double>) const {}
    std::string broadcast_from_root(std::string value) const { return value; }
    std::int64_t exclusive_scan_sum(std::int64_t) const { return 0; }
    bool any_failed(bool failed) const { return failed; }
    std::vector<std::string> gather_to_root(std::string value) const { return {value, ""}; }
    [[noreturn]] void abort(int code, std::string_view) const { std::_Exit(code); }
};

TEST(NativeCommunicator, RefusesSeveralRanksWithoutMpi) {
    const distributed_context fake{two_rank_fake{}};
    EXPECT_EQ(fake.native_handle(), nullptr);
    EXPECT_THROW(native_communicator(fake), std::logic_error);
}

}  // namespace
}  // namespace infomorph
