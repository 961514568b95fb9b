#include "comm/native_communicator.hpp"

#include <stdexcept>
#include <string>

namespace infomorph {

MPI_Comm native_communicator(const distributed_context& context) {
    // Only the MPI context has a handle, and it is the address of its MPI_Comm.
    if (const void* handle = context.native_handle()) return *static_cast<const MPI_Comm*>(handle);
    if (context.size() == 1) return MPI_COMM_SELF;
    throw std::logic_error("native_communicator: the " + context.name() + " context has " +
                           std::to_string(context.size()) + " ranks but no MPI communicator");
}

}  // namespace infomorph
