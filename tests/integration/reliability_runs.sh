#!/usr/bin/env bash
# The classes of holes a hostile test once found, each as whole runs of the `infomorph` program:
#   seeds        seeds across the documented range 0 .. 2^64 - 1 train (they once aborted every
#                rank with an uncaught exception) and are kept exactly in metrics.h5 and
#                checkpoint.h5, at 1 to 4 ranks; a capacity sweep over the largest seeds ends
#   data         ranks that read different data (a relative data.directory resolved in each
#                rank's own working directory, as with node-local copies) fail together at setup
#                with a message naming both, at 2, 3 and 4 ranks; identical copies train
#   resume       resuming from network.h5, from a checkpoint that lacks optimiser state, with
#                another goal or learning rate, or on other data fails naming the problem (they
#                were once accepted silently), and the directory resumed from stays
#                byte-identical; the same data moved to another directory resumes
#   output       an output directory that cannot be written fails at setup, before any epoch
#   messages     values past a type's range, a directory where a file belongs, running out of
#                memory: each names the problem, exits non-zero on every rank within seconds and
#                leaves the earlier results in the output directory byte-identical
# usage: reliability_runs.sh seeds|data|resume|output|messages INFOMORPH_BINARY MPIEXEC WORK_DIR
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
$python "$here/make_tiny_idx.py" tiny-data > /dev/null

run() {  # run RANKS ARGS...
    local ranks=$1
    shift
    # The data directory as an override, so that a case may still give --data.
    timeout -k 5 120 "$mpiexec" -n "$ranks" --oversubscribe "$binary" train "$config" --quiet \
        --set data.directory=tiny-data "$@"
}
source "$here/expect_failure.sh"  # expect_failure PATTERN RANKS ARGS...

# A finished run whose files the failures below must leave byte-identical.
keep_earlier_run() {
    run 2 --output kept --set training.epochs=1 > kept.log
    sha256sum kept/* > kept.sums
}
expect_kept() {
    sha256sum -c --quiet kept.sums || { echo "FAIL: a failed run changed kept/ ($1)"; exit 1; }
}

case $what in
seeds)
    ranks=1
    for seed in 0 9223372036854775807 '"9223372036854775808"' '"18446744073709551615"'; do
        run $ranks --output "seed-$ranks" --set training.epochs=1 --set "training.seed=$seed" \
            > "seed-$ranks.log"
        plain=${seed//\"/}
        $python - "seed-$ranks" "$plain" <<'PY'
import sys, h5py
directory, seed = sys.argv[1], int(sys.argv[2])
for name in ("metrics.h5", "checkpoint.h5", "network.h5"):
    stored = int(h5py.File(f"{directory}/{name}", "r").attrs["seed"])
    if stored != seed:
        sys.exit(f"FAIL: {name} stores seed {stored}, the run had {seed}")
print(f"ok: seed {seed} trained and is stored exactly")
PY
        ranks=$((ranks % 4 + 1))
    done
    # The largest seed resumes (on another rank count) and gives the uninterrupted run.
    big='"18446744073709551615"'
    run 1 --output whole --set "training.seed=$big" > whole.log
    run 2 --output part --set training.epochs=1 --set "training.seed=$big" > part.log
    run 3 --output resumed --resume part/checkpoint.h5 --set "training.seed=$big" > resumed.log
    $python "$here/compare_runs.py" whole/checkpoint.h5 resumed/checkpoint.h5
    echo "ok: seed 2^64 - 1 resumes to the uninterrupted run"
    # A capacity sweep over the two largest seeds (the range's loop once never ended).
    timeout -k 5 120 "$mpiexec" -n 2 --oversubscribe "$binary" capacity "$here/../../configs/memory.toml" \
        --quiet --seeds 18446744073709551614-18446744073709551615 --output sweep \
        --set layers.memory.neurons=24 --set training.epochs=20 --set capacity.start=0.25 \
        --set capacity.stop=0.25 > sweep.log
    $python -c "import h5py, sys; s = list(h5py.File('sweep/capacity.h5')['loads/seed'][:]); \
sys.exit(0 if s == [2**64 - 2, 2**64 - 1] else f'FAIL: capacity.h5 seeds {s}')"
    echo "ok: a capacity sweep over seeds 2^64 - 2 .. 2^64 - 1 keeps them exactly"
    ;;
data)
    # Two copies of the data set that differ in content but not in size, each in its own
    # working directory under the same relative name.
    mkdir -p node-a node-b node-c
    $python "$here/make_tiny_idx.py" node-a/tiny-data > /dev/null
    $python "$here/make_tiny_idx.py" node-b/tiny-data --seed 5 > /dev/null
    $python "$here/make_tiny_idx.py" node-c/tiny-data > /dev/null  # identical to node-a's
    mpmd() {  # mpmd RANKS_A DIR_A RANKS_B DIR_B ARGS...
        local na=$1 da=$2 nb=$3 db=$4
        shift 4
        local args=("$binary" train "$config" --quiet --data tiny-data --output "$work/out" "$@")
        timeout -k 5 120 "$mpiexec" --oversubscribe -n "$na" --wdir "$work/$da" "${args[@]}" : \
            -n "$nb" --wdir "$work/$db" "${args[@]}"
    }
    for ranks in 2 3 4; do
        set +e
        start=$SECONDS
        mpmd $((ranks - 1)) node-a 1 node-b > out.log 2>&1
        code=$?
        set -e
        if [ $code = 0 ] || [ $code = 124 ] || [ $code = 137 ]; then
            echo "FAIL: ranks reading different data: exit code $code at $ranks ranks"
            cat out.log
            exit 1
        fi
        last=$((ranks - 1))
        for fragment in "the input differs between ranks" "rank $last read $work/node-b/tiny-data" \
            "absolute path"; do
            grep -q -- "$fragment" out.log || {
                echo "FAIL: '$fragment' missing at $ranks ranks"
                cat out.log
                exit 1
            }
        done
        [ ! -e out ] || { echo "FAIL: a run that failed at setup created its output"; exit 1; }
        echo "ok ($code, $((SECONDS - start)) s): $ranks ranks, rank $last read other data"
    done
    mpmd 1 node-a 1 node-c --set training.epochs=1 > same.log 2>&1 || {
        echo "FAIL: identical node-local copies did not train"
        cat same.log
        exit 1
    }
    echo "ok: identical copies in different directories train"
    ;;
resume)
    keep_earlier_run
    expect_failure "holds a run's results" 2 --output new --resume kept/network.h5 \
        --set training.epochs=2
    expect_kept "resume from network.h5"
    # A checkpoint that lost one optimiser dataset.
    cp kept/checkpoint.h5 partial.h5
    $python -c "import h5py; f = h5py.File('partial.h5', 'r+'); \
del f['layers/hidden/lateral/adam/weight_v']"
    expect_failure "lacks the optimiser state layers/hidden/lateral/adam/weight_v" 3 \
        --output new --resume partial.h5 --set training.epochs=2
    # Another goal, another learning rate: both keys named with both values.
    expect_failure "layers.readout.goal = \[-0.2, 0.1, 1.0, 0.1, 0.0\] in the checkpoint, \[0.0, 0.0, 1.0, 0.0, 0.0\] here" \
        2 --output new --resume kept/checkpoint.h5 --set training.epochs=2 \
        --set "layers.readout.goal=[0,0,1,0,0]"
    expect_failure "layers.hidden.learning_rate = 0.01 in the checkpoint, 0.02 here" 4 \
        --output new --resume kept/checkpoint.h5 --set layers.hidden.learning_rate=0.02
    expect_failure "training.batch_size" 1 --output new --resume kept/checkpoint.h5 \
        --set training.batch_size=32
    # Another data set of the same shape: the checkpoint knows what it was trained on.
    $python "$here/make_tiny_idx.py" other-data --seed 5 > /dev/null
    expect_failure "was trained on other input data" 2 --output new --resume kept/checkpoint.h5 \
        --set training.epochs=2 --data other-data
    expect_kept "bad resumes"
    [ ! -e new ] || { echo "FAIL: a resume that failed created its output"; exit 1; }
    # What may change does: more epochs, another output directory, no train evaluation, the
    # same data in another directory.
    cp -r tiny-data moved-data
    run 3 --output new --resume kept/checkpoint.h5 --set training.epochs=2 \
        --set training.evaluate_train=false --data moved-data > new.log
    [ -f new/network.h5 ] || { echo "FAIL: the allowed resume wrote no network.h5"; exit 1; }
    expect_kept "a good resume into another directory"
    echo "ok: a resume with more epochs into another directory trains"
    ;;
output)
    printf 'a file\n' > blocker
    start=$SECONDS
    expect_failure "blocker/out" 2 --output blocker/out
    expect_failure "Not a directory" 3 --output blocker/out
    mkdir -p taken/metrics.csv
    expect_failure "taken/metrics.csv: a directory of that name is in the way" 2 --output taken
    mkdir -p occupied/config.toml/inside
    expect_failure "cannot write occupied/config.toml" 4 --output occupied
    [ -d occupied/config.toml/inside ] || { echo "FAIL: occupied/config.toml changed"; exit 1; }
    if grep -q "^epoch" out.log; then echo "FAIL: an epoch ran before the error"; exit 1; fi
    # The capacity sweep checks its own result files at setup too, before the first load.
    mkdir -p sweep/capacity.h5
    set +e
    timeout -k 5 120 "$mpiexec" -n 2 --oversubscribe "$binary" capacity \
        "$here/../../configs/memory.toml" --quiet --output sweep > out.log 2>&1
    code=$?
    set -e
    if [ $code != 2 ] || ! grep -q "sweep/capacity.h5: a directory of that name is in the way" out.log; then
        echo "FAIL: capacity with a directory in the way: exit $code"
        cat out.log
        exit 1
    fi
    [ ! -e sweep/config.toml ] || { echo "FAIL: the failed sweep wrote config.toml"; exit 1; }
    echo "ok (2): the capacity sweep finds its blocked output at setup"
    # None of these trained: they all fail at setup, within seconds.
    if ((SECONDS - start > 60)); then echo "FAIL: the output errors took $((SECONDS - start)) s"; exit 1; fi
    echo "ok: unwritable output found at setup ($((SECONDS - start)) s for all these runs)"
    ;;
messages)
    keep_earlier_run
    expect_failure "training.epochs must be at most 2147483647" 2 --output kept \
        --set training.epochs=99999999999
    expect_failure "99999999999999999999 does not fit a 64-bit integer" 3 --output kept \
        --set training.checkpoint_every=99999999999999999999
    expect_failure "1e999 is beyond the range of a double" 2 --output kept \
        --set layers.hidden.learning_rate=1e999
    expect_failure "'kept': is a directory, not a file" 2 --output other --resume kept
    cp -r tiny-data dir-data
    rm dir-data/train-labels-idx1-ubyte && mkdir dir-data/train-labels-idx1-ubyte
    expect_failure "dir-data/train-labels-idx1-ubyte: is a directory, not a file" 3 --output kept \
        --data dir-data
    # A dense lateral class of 10^5 neurons needs 40 GB of weights: under a 4 GB address-space
    # limit (the same on any machine) the allocation fails, and says so in words.
    if [ "${INFOMORPH_SANITIZED:-0}" = 1 ]; then
        echo "skipped under AddressSanitizer: out of memory (ASan reports it itself)"
    else
        (
            ulimit -v 4000000
            expect_failure "out of memory (std::bad_alloc)" 2 --output kept \
                --set layers.hidden.neurons=100000 --set layers.hidden.lateral.fan_in=0
        )
    fi
    expect_kept "bad values"
    ;;
*)
    echo "unknown test '$what'"
    exit 2
    ;;
esac
