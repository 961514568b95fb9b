// GoogleTest main for tests that run under mpirun.
//
// Every rank runs every test. After each test, rank 0 learns which ranks failed it and, if any
// did, adds a failure "Suite.Test failed on rank(s) 1, 3" to its own result, so that GoogleTest's
// normal output (printed by rank 0 only) shows the test as failed and counts it in the summary.
// Other ranks print just their failures, prefixed "[rank r]". Every rank returns the same
// exit code: non-zero if any test failed on any rank, so a failure on rank 1 alone fails the run
// whatever the launcher does with exit codes.
//
// The harness talks to MPI directly rather than through distributed_context, so that a bug in
// the code under test cannot hide failures.

#include <infomorph/comm/mpi_environment.hpp>

#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

int world_rank() {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

int world_size() {
    int size = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

// Collective at the end of every test: gathers each rank's verdict to rank 0.
class rank_verdicts : public ::testing::EmptyTestEventListener {
public:
    void OnTestEnd(const ::testing::TestInfo& info) override {
        const int failed = info.result()->Failed() ? 1 : 0;
        std::vector<int> all(static_cast<std::size_t>(world_size()));
        MPI_Gather(&failed, 1, MPI_INT, all.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (world_rank() != 0) return;
        std::string ranks;
        for (std::size_t r = 0; r < all.size(); ++r) {
            if (all[r] == 0) continue;
            ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
        }
        if (ranks.empty()) return;
        const std::string line = std::string(info.test_suite_name()) + "." + info.name() +
                                 " failed on rank(s) " + ranks;
        // The test is still current during OnTestEnd, and this listener runs before the result
        // printer, so the failure lands in the test's result before it is printed.
        ADD_FAILURE() << line;
        failures_.push_back(line);
    }

    void OnTestProgramEnd(const ::testing::UnitTest&) override {
        if (world_rank() != 0) return;
        if (failures_.empty()) {
            std::printf("[  MPI     ] all tests passed on all %d rank(s)\n", world_size());
        } else {
            std::printf("[  MPI     ] %zu test(s) failed on some rank:\n", failures_.size());
            for (const std::string& line : failures_) std::printf("[  MPI     ]   %s\n", line.c_str());
        }
        std::fflush(stdout);
    }

private:
    std::vector<std::string> failures_;
};

// On ranks other than 0: the failures only, so that output is readable at 4 ranks.
class failure_printer : public ::testing::EmptyTestEventListener {
public:
    // Remembered here: UnitTest::current_test_info() would deadlock inside OnTestPartResult.
    void OnTestStart(const ::testing::TestInfo& info) override {
        test_name_ = std::string(info.test_suite_name()) + "." + info.name();
    }

    void OnTestPartResult(const ::testing::TestPartResult& result) override {
        if (!result.failed()) return;
        std::fprintf(stderr, "[rank %d] %s: %s:%d: Failure\n%s\n", world_rank(), test_name_.c_str(),
                     result.file_name() != nullptr ? result.file_name() : "?",
                     result.line_number(), result.message());
        std::fflush(stderr);
    }

private:
    std::string test_name_ = "(outside a test)";
};

}  // namespace

int main(int argc, char** argv) {
    infomorph::mpi_environment environment(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);

    ::testing::TestEventListeners& listeners = ::testing::UnitTest::GetInstance()->listeners();
    ::testing::TestEventListener* printer =
        listeners.Release(listeners.default_result_printer());
    // Listeners get end events in reverse order of appending: the verdict must reach the test
    // before the printer reports it.
    if (world_rank() == 0) {
        listeners.Append(printer);
    } else {
        delete printer;
        listeners.Append(new failure_printer);
    }
    listeners.Append(new rank_verdicts);

    const int local = RUN_ALL_TESTS();
    int combined = 0;
    MPI_Allreduce(&local, &combined, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    // For the harness check, which proves that every rank returns the combined code.
    if (std::getenv("INFOMORPH_MPI_TEST_PRINT_EXIT") != nullptr) {
        std::fprintf(stderr, "[rank %d] exit code %d\n", world_rank(), combined);
    }
    return combined;
}
