#!/usr/bin/env bash
# Whole training runs of the `infomorph` program under mpirun, on a synthetic IDX data set:
#   invariance  the same configuration and seed give bit-identical weights, Adam state, atoms and
#               metrics at 1, 2, 3 and 4 ranks (4 > the readout's 3 neurons)
#   resume      1 epoch on 2 ranks, then resumed on 3 ranks, equals 2 uninterrupted epochs,
#               metrics of both epochs included
#   kill        a run killed (SIGKILL) at an arbitrary moment and resumed in place from its last
#               checkpoint ends with exactly the weights and the metrics history of the
#               uninterrupted run
#   errors      bad input exits non-zero on every rank with a message naming the problem, and
#               never hangs
# usage: train_runs.sh invariance|resume|kill|errors INFOMORPH_BINARY MPIEXEC WORK_DIR
set -euo pipefail
what=$1
binary=$2
mpiexec=$3
work=$4
here=$(cd "$(dirname "$0")" && pwd)
config=$here/tiny_trivariate.toml
python=/usr/bin/python3

rm -rf "$work"
mkdir -p "$work"
cd "$work"
$python "$here/make_tiny_idx.py" tiny-data

run() {  # run RANKS ARGS...
    local ranks=$1
    shift
    timeout -k 5 120 "$mpiexec" -n "$ranks" --oversubscribe "$binary" train "$config" --quiet "$@"
}

case $what in
invariance)
    for ranks in 1 2 3 4; do
        run "$ranks" --output "run-$ranks" > "run-$ranks.log"
    done
    status=0
    for ranks in 2 3 4; do
        for file in network.h5 checkpoint.h5; do
            if ! $python "$here/compare_runs.py" "run-1/$file" "run-$ranks/$file"; then
                echo "FAIL: $file differs between 1 and $ranks ranks"
                status=1
            fi
        done
        if ! $python "$here/compare_runs.py" --csv run-1/metrics.csv "run-$ranks/metrics.csv"; then
            echo "FAIL: metrics differ between 1 and $ranks ranks"
            status=1
        fi
    done
    [ $status = 0 ] && echo "identical results at 1, 2, 3 and 4 ranks"
    exit $status
    ;;
resume)
    run 1 --output whole > whole.log
    run 2 --output part --set training.epochs=1 > part.log
    run 3 --output resumed --resume part/checkpoint.h5 > resumed.log
    $python "$here/compare_runs.py" whole/checkpoint.h5 resumed/checkpoint.h5
    $python "$here/compare_runs.py" whole/network.h5 resumed/network.h5
    # The resumed run's metrics start with the epoch from part/metrics.csv.
    $python "$here/compare_runs.py" --csv whole/metrics.csv resumed/metrics.csv
    echo "resumed run equals the uninterrupted one"
    ;;
kill)
    epochs=40
    run 1 --output whole --set training.epochs=$epochs > whole.log
    # Start the same run on 2 ranks and kill it hard once it has written a checkpoint (every
    # epoch by default), wherever it is then: possibly in the middle of writing the next one.
    "$mpiexec" -n 2 --oversubscribe "$binary" train "$config" --quiet --output killed \
        --set training.epochs=$epochs > killed.log 2>&1 &
    job=$!
    for _ in $(seq 1 600); do
        [ -f killed/checkpoint.h5 ] && break
        sleep 0.05
    done
    sleep 0.3
    kill -9 $job 2>/dev/null || true
    pkill -9 -f "output killed" 2>/dev/null || true
    wait $job 2>/dev/null || true
    if [ ! -f killed/checkpoint.h5 ]; then
        echo "FAIL: no checkpoint written before the kill"
        exit 1
    fi
    done_epochs=$($python -c "import h5py; print(h5py.File('killed/checkpoint.h5')\
.attrs['epochs_done'])")
    echo "killed after $done_epochs of $epochs epochs; resuming in place on 3 ranks"
    # In place, as a requeued job would: its metrics.csv may already hold rows past the
    # checkpoint, which the resumed run recomputes.
    run 3 --output killed --resume killed/checkpoint.h5 --set training.epochs=$epochs > resumed.log
    $python "$here/compare_runs.py" whole/checkpoint.h5 killed/checkpoint.h5
    $python "$here/compare_runs.py" --csv whole/metrics.csv killed/metrics.csv
    echo "killed and resumed run equals the uninterrupted one, metrics history included"
    ;;
errors)
    source "$here/expect_failure.sh"  # expect_failure PATTERN RANKS ARGS...
    expect_failure "training.epochs" 2 --set training.epochs=ten
    expect_failure "layers.hidden.activaton" 2 --set layers.hidden.activaton.kind=additive
    expect_failure "19 values" 3 --set "layers.hidden.goal=[1,0,0,0,0]"
    expect_failure "no-such-dir" 2 --data no-such-dir
    printf 'garbage' > tiny-data/train-labels-idx1-ubyte
    expect_failure "train-labels-idx1-ubyte" 2
    $python "$here/make_tiny_idx.py" tiny-data
    expect_failure "ranks" 6 --set layers.hidden.neurons=5
    # No training sample left: a clean error at setup, and the results of an earlier run in the
    # output directory stay as they were (config.toml included).
    run 1 --output kept --set training.epochs=1 > kept.log
    sha256sum kept/* > kept.sums
    expect_failure "no training sample left" 2 --output kept --set data.validation_fraction=0.9995
    sha256sum -c --quiet kept.sums || { echo "FAIL: a failed run changed kept/"; exit 1; }
    echo "ok: kept/ unchanged"
    $python "$here/make_tiny_idx.py" tiny-data --train 0
    expect_failure "holds no image" 2 --output kept
    sha256sum -c --quiet kept.sums || { echo "FAIL: a failed run changed kept/"; exit 1; }
    $python "$here/make_tiny_idx.py" tiny-data
    ;;
*)
    echo "unknown test '$what'"
    exit 2
    ;;
esac
