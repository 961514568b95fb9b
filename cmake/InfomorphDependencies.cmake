# All third-party packages come from Debian (scripts/setup.sh installs them).

# Needed to decide whether mpiexec takes --oversubscribe (Open MPI only).
set(MPI_DETERMINE_LIBRARY_VERSION TRUE)
find_package(MPI REQUIRED COMPONENTS C CXX)
find_package(Boost 1.74 REQUIRED COMPONENTS mpi serialization)
find_package(Eigen3 3.4 REQUIRED NO_MODULE)

set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 REQUIRED COMPONENTS C)
if(NOT HDF5_IS_PARALLEL)
    message(FATAL_ERROR "infomorph needs a parallel HDF5 build (Debian: libhdf5-openmpi-dev)")
endif()

find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(toml11 REQUIRED)
find_package(fmt REQUIRED)
find_package(Threads REQUIRED)
