#pragma once
// A distributed_context on a communicator the caller owns: the program's own MPI_COMM_WORLD is
// make_mpi_context() (distributed_context.hpp); a library user who splits the world, or a
// Python caller with an mpi4py communicator (its py2f() handle), passes theirs here, as Arbor's
// context accepts one. This header needs <mpi.h>; distributed_context.hpp does not.

#include <infomorph/comm/distributed_context.hpp>

#include <mpi.h>

namespace infomorph {

// Duplicates `communicator` (so that infomorph's messages never match the caller's) and returns
// a context on the duplicate, with errors returned as codes and thrown as mpi_error. MPI must be
// initialised and stay so while the context lives; the caller keeps ownership of `communicator`.
distributed_context make_mpi_context(MPI_Comm communicator);

}  // namespace infomorph
