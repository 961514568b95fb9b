#include "comm/mpi_error_translation.hpp"

#include <mpi.h>

#include <string>

namespace infomorph::detail {

void check_mpi(int code, std::string_view routine) {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING] = {};
    int length = 0;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
    int error_class = code;
    if (MPI_Error_class(code, &error_class) != MPI_SUCCESS) error_class = code;
    const std::string what = length > 0 ? std::string(text, static_cast<std::size_t>(length))
                                        : "MPI error code " + std::to_string(code);
    throw mpi_error(std::string(routine), code, error_class,
                    std::string(routine) + " failed: " + what + " (MPI error class " +
                        std::to_string(error_class) + ")");
}

}  // namespace infomorph::detail
