#pragma once
// The MPI communicator behind a distributed_context, for the libraries inside src/ that need one
// themselves (parallel HDF5 in src/io). Private to the library: public headers never see MPI,
// and algorithm code keeps using distributed_context.

#include <infomorph/comm/distributed_context.hpp>

#include <mpi.h>

namespace infomorph {

// The communicator of an MPI context (make_mpi_context); MPI_COMM_SELF for any one-rank context
// of another kind (the local context, a test's fake). Throws std::logic_error for a context of
// several ranks that is not backed by MPI. Not collective; the communicator stays owned by the
// context and is valid while any copy of it lives.
MPI_Comm native_communicator(const distributed_context& context);

}  // namespace infomorph
