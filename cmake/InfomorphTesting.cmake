find_package(GTest REQUIRED)
include(GoogleTest)

# Open MPI refuses to start more ranks than cores unless told to oversubscribe; other MPIs do
# not know the flag.
set(INFOMORPH_MPIEXEC_EXTRA_FLAGS "")
if(MPI_CXX_LIBRARY_VERSION_STRING MATCHES "Open MPI")
    set(INFOMORPH_MPIEXEC_EXTRA_FLAGS --oversubscribe)
endif()
set(INFOMORPH_MPI_TEST_RANKS 1 2 3 4 CACHE STRING "Rank counts at which every MPI test runs")
set(INFOMORPH_MPI_TEST_TIMEOUT 120 CACHE STRING "Seconds before a hung MPI test is killed")

# Environment every MPI test gets: run as root (CI does), and yield when idle so oversubscribed
# ranks on 2 cores do not spin against each other (see scripts/env.sh).
set(INFOMORPH_MPI_TEST_ENV
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_rmaps_base_oversubscribe=1)

# infomorph_add_mpi_test(NAME target [ARGS ...] [RANKS 1 2 ...] [TIMEOUT s])
# Registers the executable once per rank count, as NAME.np<P>, with a timeout so that a deadlock
# fails the test instead of hanging CI.
function(infomorph_add_mpi_test name)
    cmake_parse_arguments(ARG "" "TARGET;TIMEOUT" "ARGS;RANKS;LABELS" ${ARGN})
    if(NOT ARG_TARGET)
        set(ARG_TARGET ${name})
    endif()
    if(NOT ARG_RANKS)
        set(ARG_RANKS ${INFOMORPH_MPI_TEST_RANKS})
    endif()
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT ${INFOMORPH_MPI_TEST_TIMEOUT})
    endif()
    foreach(np IN LISTS ARG_RANKS)
        add_test(NAME ${name}.np${np}
            COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${np}
                    ${INFOMORPH_MPIEXEC_EXTRA_FLAGS} ${MPIEXEC_PREFLAGS}
                    $<TARGET_FILE:${ARG_TARGET}> ${MPIEXEC_POSTFLAGS} ${ARG_ARGS})
        set_tests_properties(${name}.np${np} PROPERTIES
            TIMEOUT ${ARG_TIMEOUT}
            PROCESSORS ${np}
            ENVIRONMENT "${INFOMORPH_MPI_TEST_ENV}"
            LABELS "mpi;${ARG_LABELS}")
    endforeach()
endfunction()
