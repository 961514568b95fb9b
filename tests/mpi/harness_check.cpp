// A deliberately failing MPI test: it fails on rank 1 only. expect_failure.cmake runs it and
// passes only if the harness fails the run on every rank and rank 0 names rank 1, and only
// rank 1, as the failing rank. This guards mpi_test_main.cpp against swallowing other ranks'
// failures.

#include <infomorph/comm/distributed_context.hpp>

#include <gtest/gtest.h>

namespace {

TEST(HarnessCheck, PassesOnEveryRank) { SUCCEED(); }

TEST(HarnessCheck, FailsOnRankOneOnly) {
    const infomorph::distributed_context context = infomorph::make_mpi_context();
    EXPECT_NE(context.rank(), 1) << "deliberate failure on rank 1";
}

TEST(HarnessCheck, RunsOnAfterTheFailure) { SUCCEED(); }

}  // namespace
