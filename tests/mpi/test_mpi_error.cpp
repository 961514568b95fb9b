// MPI errors reach callers as infomorph::mpi_error with MPI's routine, code and error class.

#include <infomorph/comm/mpi_error.hpp>

#include "comm/mpi_error_translation.hpp"

#include <gtest/gtest.h>
#include <mpi.h>

#include <string>

namespace {

using infomorph::mpi_error;
using infomorph::detail::check_mpi;

TEST(MpiError, SuccessDoesNotThrow) { EXPECT_NO_THROW(check_mpi(MPI_SUCCESS, "MPI_Barrier")); }

// A real failing call: a broadcast from a root that does not exist, on a communicator that
// returns errors instead of aborting. Every rank gets the error (the arguments are checked
// locally), so no rank is left inside the collective.
TEST(MpiError, AFailedCallKeepsItsRoutineCodeAndClass) {
    MPI_Comm comm = MPI_COMM_NULL;
    ASSERT_EQ(MPI_Comm_dup(MPI_COMM_WORLD, &comm), MPI_SUCCESS);
    ASSERT_EQ(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN), MPI_SUCCESS);
    int size = 0;
    MPI_Comm_size(comm, &size);
    int value = 0;
    const int code = MPI_Bcast(&value, 1, MPI_INT, size + 3, comm);
    MPI_Comm_free(&comm);
    ASSERT_NE(code, MPI_SUCCESS);
    int expected_class = 0;
    MPI_Error_class(code, &expected_class);
    try {
        check_mpi(code, "MPI_Bcast");
        FAIL() << "check_mpi returned for a failed call";
    } catch (const mpi_error& e) {
        EXPECT_EQ(e.routine(), "MPI_Bcast");
        EXPECT_EQ(e.code(), code);
        EXPECT_EQ(e.error_class(), expected_class);
        EXPECT_EQ(e.error_class(), MPI_ERR_ROOT);
        const std::string what = e.what();
        EXPECT_NE(what.find("MPI_Bcast failed: "), std::string::npos) << what;
        char text[MPI_MAX_ERROR_STRING] = {};
        int length = 0;
        MPI_Error_string(code, text, &length);
        EXPECT_NE(what.find(std::string(text, static_cast<std::size_t>(length))), std::string::npos)
            << what;
    }
}

// An mpi_error is a std::runtime_error, so the run's error reporting names it like any other.
TEST(MpiError, IsARuntimeError) {
    try {
        check_mpi(MPI_ERR_COUNT, "MPI_Allgatherv");
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("MPI_Allgatherv"), std::string::npos);
        EXPECT_EQ(dynamic_cast<const mpi_error&>(e).error_class(), MPI_ERR_COUNT);
    }
}

}  // namespace
