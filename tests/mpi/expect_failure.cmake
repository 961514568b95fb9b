# Runs a deliberately failing MPI program and passes only if it failed in the expected way.
#   cmake -D CHECK=harness|abort -D RANKS=<n> -D COMMAND=<mpiexec|-n|<n>|...|program> -P expect_failure.cmake
# (COMMAND separated by '|', since a ';' would not survive add_test).
# A plain WILL_FAIL would also pass on a crash or on a harness that prints nothing; this checks
# the exit code and what rank 0 reports.

string(REPLACE "|" ";" command "${COMMAND}")
execute_process(COMMAND ${command}
    RESULT_VARIABLE exit_code
    OUTPUT_VARIABLE output
    ERROR_VARIABLE output
    TIMEOUT 60)
message("${output}")
message("-- exit code: ${exit_code}")

set(problems "")
if(exit_code EQUAL 0 OR NOT exit_code MATCHES "^[0-9]+$")
    list(APPEND problems "expected a non-zero exit code, got '${exit_code}'")
endif()

if(CHECK STREQUAL "harness")
    if(NOT output MATCHES "HarnessCheck\\.FailsOnRankOneOnly failed on rank\\(s\\) 1\n")
        list(APPEND problems "rank 0 did not report 'FailsOnRankOneOnly failed on rank(s) 1'")
    endif()
    if(NOT output MATCHES "1 FAILED TEST")
        list(APPEND problems "rank 0's GoogleTest summary does not count the failure")
    endif()
    if(output MATCHES "HarnessCheck\\.PassesOnEveryRank failed|HarnessCheck\\.RunsOnAfterTheFailure failed")
        list(APPEND problems "a passing test was reported as failed")
    endif()
    if(NOT output MATCHES "\\[rank 1\\] HarnessCheck\\.FailsOnRankOneOnly:[^\n]*Failure")
        list(APPEND problems "rank 1 did not print its failure")
    endif()
    # Every rank must return the combined exit code, not only the rank that failed.
    math(EXPR last "${RANKS} - 1")
    foreach(r RANGE ${last})
        if(NOT output MATCHES "\\[rank ${r}\\] exit code 1\n")
            list(APPEND problems "rank ${r} did not return exit code 1")
        endif()
    endforeach()
elseif(CHECK STREQUAL "abort")
    math(EXPR last "${RANKS} - 1")
    if(NOT output MATCHES "rank ${last}: deliberate rank-local failure")
        list(APPEND problems "no 'rank ${last}: deliberate rank-local failure' message")
    endif()
    if(NOT exit_code EQUAL 3)
        list(APPEND problems "expected exit code 3 (from MPI_Abort), got '${exit_code}'")
    endif()
else()
    message(FATAL_ERROR "unknown CHECK '${CHECK}'")
endif()

if(problems)
    list(JOIN problems "\n  " text)
    message(FATAL_ERROR "harness check failed:\n  ${text}")
endif()
message("-- failed as expected")
