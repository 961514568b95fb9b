# expect_failure PATTERN ARGS...: runs `run ARGS...` (the sourcing script defines run) and
# fails the test unless it exits non-zero by itself (not 0, not a timeout's 124 or 137) with
# PATTERN in its output. Shared by train_runs.sh and memory_runs.sh; source it.
expect_failure() {
    local pattern=$1
    shift
    set +e
    run "$@" > out.log 2>&1
    local code=$?
    set -e
    if [ $code = 0 ] || [ $code = 124 ] || [ $code = 137 ]; then
        echo "FAIL: expected a clean non-zero exit (got $code) for: $*"
        cat out.log
        exit 1
    fi
    if ! grep -q -- "$pattern" out.log; then
        echo "FAIL: message '$pattern' missing for: $*"
        cat out.log
        exit 1
    fi
    echo "ok ($code): $pattern"
}
