#pragma once
// RAII guard for MPI's lifetime: initialises MPI on construction (unless something else already
// did) and finalises it on destruction (only if it initialised it). Create one at the top of
// main, before any distributed_context from make_mpi_context(), and let it go out of scope last.
//
// If it is destroyed while an exception unwinds the stack, it calls MPI_Abort instead of
// MPI_Finalize: finalising with other ranks still inside a collective would hang them.

#include <memory>

namespace infomorph {

class mpi_environment {
public:
    // MPI may see and remove its own arguments. Requests MPI_THREAD_FUNNELED: threads may exist,
    // but only the main thread communicates.
    mpi_environment(int& argc, char**& argv);
    ~mpi_environment();

    mpi_environment(const mpi_environment&) = delete;
    mpi_environment& operator=(const mpi_environment&) = delete;

    // Whether MPI is initialised (and not yet finalised), whoever did it.
    static bool initialized();
    // Whether this guard initialised MPI (and so will finalise it).
    bool owns_mpi() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace infomorph
