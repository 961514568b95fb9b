#!/usr/bin/env bash
# The associative-memory task under mpirun (configs/memory.toml, made small):
#   invariance  `infomorph train` gives bit-identical weights, Adam state, atoms and recall
#               metrics at 1, 2, 3 and 4 ranks (the recurrent state crosses ranks bit-packed)
#   resume      20 epochs on 2 ranks, resumed on 3 ranks to 60, equals 60 uninterrupted epochs
#   capacity    `infomorph capacity` (both rules) gives the same table at 1 and 3 ranks
#   errors      bad memory settings exit non-zero on every rank with a message naming them
# usage: memory_runs.sh invariance|resume|capacity|errors INFOMORPH_BINARY MPIEXEC WORK_DIR REPO
set -euo pipefail
what=$1
binary=$2
mpiexec=$3
work=$4
repo=$5
config=$repo/configs/memory.toml
python=/usr/bin/python3
compare=$repo/tests/integration/compare_runs.py
# 24 neurons (so that 4 ranks own 6 each), 12 patterns, 60 epochs with early stopping off so that
# every run trains the same number of epochs; recall checked at 15 log-spaced epochs.
small=(--set layers.memory.neurons=24 --set memory.patterns=12 --set training.epochs=60
       --set memory.early_stop=false --set training.checkpoint_every=20)

rm -rf "$work"
mkdir -p "$work"
cd "$work"

run() {  # run RANKS SUBCOMMAND ARGS...
    local ranks=$1
    shift
    timeout -k 5 120 "$mpiexec" -n "$ranks" --oversubscribe "$binary" "$@"
}

case $what in
invariance)
    for ranks in 1 2 3 4; do
        run "$ranks" train "$config" --quiet "${small[@]}" --output "run-$ranks" > "run-$ranks.log"
    done
    status=0
    for ranks in 2 3 4; do
        for file in network.h5 checkpoint.h5; do
            $python "$compare" "run-1/$file" "run-$ranks/$file" ||
                { echo "FAIL: $file differs between 1 and $ranks ranks"; status=1; }
        done
        # compare_runs --csv compares goals and atoms; the recall columns are compared here.
        $python - "run-1/metrics.csv" "run-$ranks/metrics.csv" <<'PY' || status=1
import csv, sys
a, b = (list(csv.DictReader(open(p))) for p in sys.argv[1:])
columns = [c for c in a[0] if c.startswith(("goal/", "layers/", "recalled", "mean_cosine",
                                              "recall_steps", "fixed_point", "two_cycle", "epoch"))]
bad = [(i, c) for i, (x, y) in enumerate(zip(a, b)) for c in columns if x[c] != y[c]]
if len(a) != len(b) or bad or "recalled_fraction" not in columns:
    print("FAIL: metrics differ:", sys.argv[1:], bad[:5], len(a), len(b))
    sys.exit(1)
PY
    done
    grep -q recalled_fraction run-1/metrics.csv || { echo "FAIL: no recall metrics"; exit 1; }
    [ $status = 0 ] && echo "identical memory runs at 1, 2, 3 and 4 ranks"
    exit $status
    ;;
resume)
    run 1 train "$config" --quiet "${small[@]}" --output whole > whole.log
    run 2 train "$config" --quiet "${small[@]}" --set training.epochs=20 --output part > part.log
    run 3 train "$config" --quiet "${small[@]}" --output part --resume part/checkpoint.h5 > resumed.log
    $python "$compare" whole/checkpoint.h5 part/checkpoint.h5
    $python "$compare" whole/network.h5 part/network.h5
    $python "$compare" --csv whole/metrics.csv part/metrics.csv
    # Resuming a run that has nothing left to do leaves its results as they are.
    cp part/network.h5 network-before.h5
    run 2 train "$config" --quiet "${small[@]}" --output part --resume part/checkpoint.h5 > again.log
    $python "$compare" network-before.h5 part/network.h5
    echo "resumed memory run equals the uninterrupted one; a finished run resumed is left alone"
    ;;
capacity)
    sweep=(--set layers.memory.neurons=24 --set training.epochs=100 --set capacity.step=0.25
           --set capacity.stop=1.2 --seeds 1-2 --quiet)
    for ranks in 1 3; do
        run "$ranks" capacity "$config" "${sweep[@]}" --output "info-$ranks" > "info-$ranks.log"
        run "$ranks" capacity "$config" "${sweep[@]}" --rule hebbian --set capacity.start=0.05 \
            --set capacity.step=0.05 --output "hebb-$ranks" > "hebb-$ranks.log"
    done
    for rule in info hebb; do
        for file in capacity.csv capacity_summary.csv; do
            # Everything but the timing columns.
            $python - "$rule-1/$file" "$rule-3/$file" <<'PY'
import csv, sys
a, b = (list(csv.DictReader(open(p))) for p in sys.argv[1:])
strip = lambda rows: [{k: v for k, v in r.items() if k != "seconds"} for r in rows]
if not a or strip(a) != strip(b):
    print("FAIL: capacity tables differ between 1 and 3 ranks:", sys.argv[1:])
    sys.exit(1)
PY
        done
        [ -s "$rule-1/capacity.h5" ] || { echo "FAIL: no capacity.h5"; exit 1; }
    done
    grep -q '^hebbian,' hebb-1/capacity.csv && grep -q '^infomorphic,' info-1/capacity.csv
    echo "capacity tables identical at 1 and 3 ranks"
    ;;
errors)
    source "$repo/tests/integration/expect_failure.sh"  # expect_failure PATTERN RANKS SUBCOMMAND ARGS...
    expect_failure "memory.patterns must be at least 1" 2 train "$config" --set memory.patterns=0
    expect_failure "must be at least 2" 2 train "$config" --set layers.memory.neurons=1
    expect_failure "memory.load must be in" 3 capacity "$config" --set memory.load=-1
    expect_failure "5 values" 2 train "$config" --set "layers.memory.goal=[1,0,0]"
    expect_failure "ranks but the memory has" 3 train "$config" --set layers.memory.neurons=2 \
        --set memory.patterns=1
    expect_failure "is not a seed" 2 capacity "$config" --seeds "1-x"
    expect_failure "needs task = \"memory\"" 2 capacity "$repo/configs/readout_only.toml"
    # A sweep that fails at setup (more ranks than neurons) leaves an earlier sweep's files as
    # they were, config.toml included (it was once rewritten before the check).
    run 1 capacity "$config" --quiet "${small[@]}" --set capacity.start=0.5 --set capacity.stop=0.5 \
        --output kept > kept.log
    sha256sum kept/* > kept.sums
    expect_failure "ranks but the memory has" 3 capacity "$config" --output kept \
        --set layers.memory.neurons=2 --set memory.patterns=1 --set capacity.start=0.5 \
        --set capacity.stop=0.5
    sha256sum -c --quiet kept.sums || { echo "FAIL: a failed sweep changed kept/"; exit 1; }
    echo "ok: kept/ unchanged"
    ;;
*)
    echo "unknown test '$what'"
    exit 2
    ;;
esac
