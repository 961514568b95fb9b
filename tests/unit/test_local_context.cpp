// The one-rank context without MPI. The shared behaviour of both implementations is tested in
// tests/mpi/test_distributed_context.cpp; here only what needs no MPI at all.

#include <infomorph/comm/distributed_context.hpp>

#include <gtest/gtest.h>

namespace infomorph {
namespace {

TEST(LocalContext, IsOneRank) {
    const distributed_context context = make_local_context();
    EXPECT_EQ(context.name(), "local");
    EXPECT_EQ(context.rank(), 0);
    EXPECT_EQ(context.size(), 1);
    EXPECT_TRUE(context.is_root());
}

TEST(LocalContext, CopiesShareTheImplementation) {
    const distributed_context context = make_local_context();
    const distributed_context copy = context;  // NOLINT(performance-unnecessary-copy-initialization)
    EXPECT_EQ(copy.size(), context.size());
    EXPECT_EQ(copy.exclusive_scan_sum(7), 0);
}

TEST(LocalContextDeathTest, AbortPrintsTheRankAndExitsWithTheCode) {
    const distributed_context context = make_local_context();
    EXPECT_EXIT(context.abort(3, "cannot open weights.h5"), ::testing::ExitedWithCode(3),
                "rank 0: cannot open weights.h5");
}

}  // namespace
}  // namespace infomorph
