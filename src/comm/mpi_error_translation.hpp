#pragma once
// Private to src/comm: MPI return codes -> infomorph::mpi_error.

#include <infomorph/comm/mpi_error.hpp>

#include <string_view>

namespace infomorph::detail {

// Throws mpi_error for an MPI return code that is not MPI_SUCCESS, with MPI's text for it and
// its error class; returns for MPI_SUCCESS.
void check_mpi(int code, std::string_view routine);

}  // namespace infomorph::detail
