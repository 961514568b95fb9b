#pragma once
// An error that MPI reported, with what a handler needs to act on it: the MPI routine, the error
// code and its error class (MPI_Error_class), as KaMPIng's MpiErrorException keeps them. The
// numbers are MPI's own (compare them with MPI_ERR_* where mpi.h is at hand); this header needs no
// MPI header, like the rest of the public API.

#include <stdexcept>
#include <string>
#include <utility>

namespace infomorph {

class mpi_error : public std::runtime_error {
public:
    // message: "<routine> failed: <MPI_Error_string of code> (MPI error class <n>)".
    mpi_error(std::string routine, int code, int error_class, const std::string& message)
        : std::runtime_error(message),
          routine_(std::move(routine)),
          code_(code),
          error_class_(error_class) {}

    const std::string& routine() const { return routine_; }
    int code() const { return code_; }
    int error_class() const { return error_class_; }

private:
    std::string routine_;
    int code_;
    int error_class_;
};

}  // namespace infomorph
