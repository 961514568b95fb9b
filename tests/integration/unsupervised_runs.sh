#!/usr/bin/env bash
# Evaluating what layers learned, as whole runs under mpirun on the synthetic IDX data set:
#   codes     output.codes writes codes.h5, identical at 1, 2, 3 and 4 ranks; its test
#             predictions give exactly the run's final test_accuracy; scripts/unsupervised_table.py
#             reads it
#   frozen    a readout trained on a frozen hidden layer (layers.hidden.weights_from,
#             learning_rate 0) at 3 ranks keeps that layer's weights bit for bit and learns; at
#             1 and 3 ranks the results are identical; a resume on another rank count, after
#             the stored file has moved, ends with the same results; a stored layer of another
#             shape, a missing layer or file is refused naming it, before anything is written
#   deep      configs/trivariate_deep.toml (made small) gives identical results at 1, 2, 3 and
#             4 ranks and learns above chance
#   report    scripts/report.py draws a finished run, a run in progress (checkpoint only, no
#             network.h5), a memory run and a capacity sweep, each into PNG files, and refuses a
#             directory without a run
# usage: unsupervised_runs.sh codes|frozen|deep|report INFOMORPH_BINARY MPIEXEC WORK_DIR REPO
set -euo pipefail
what=$1
binary=$2
mpiexec=$3
work=$4
repo=$5
here=$repo/tests/integration
config=$here/tiny_trivariate.toml
python=/usr/bin/python3
compare=$here/compare_runs.py

rm -rf "$work"
mkdir -p "$work"
cd "$work"
$python "$here/make_tiny_idx.py" tiny-data
source "$here/expect_failure.sh"

run() {  # run RANKS ARGS...
    local ranks=$1
    shift
    timeout -k 5 120 "$mpiexec" -n "$ranks" --oversubscribe "$binary" train "$@" --quiet
}

case $what in
codes)
    for ranks in 1 2 3 4; do
        run "$ranks" "$config" --set output.codes=true --output "run-$ranks" > "run-$ranks.log"
    done
    for ranks in 2 3 4; do
        $python "$compare" run-1/codes.h5 "run-$ranks/codes.h5" ||
            { echo "FAIL: codes.h5 differs between 1 and $ranks ranks"; exit 1; }
    done
    $python - run-1 <<'PY'
import csv, sys
import h5py, numpy as np
run = sys.argv[1]
rows = list(csv.DictReader(open(f"{run}/metrics.csv")))
with h5py.File(f"{run}/codes.h5") as f:
    for split, column in (("test", "test_accuracy"), ("validation", "validation_accuracy")):
        g = f[split]
        accuracy = (g["predictions"][()] == g["labels"][()]).mean()
        assert accuracy == float(rows[-1][column]), (split, accuracy, rows[-1][column])
        words = g["hidden"]
        assert words.shape == (len(g["labels"]), 1) and words.attrs["neurons"] == 40, words.shape
        bits = np.unpackbits(words[()].view(np.uint8), axis=1, bitorder="little")
        assert not bits[:, 40:].any(), "bits beyond the 40 neurons are set"
        on = bits[:, :40].mean()
        assert 0.05 < on < 0.95, f"{split}: a degenerate code ({on} of the bits set)"
    # Every training image once, in the 80/20 split (train-labels-idx1-ubyte: count at byte 4).
    n_train = int.from_bytes(open("tiny-data/train-labels-idx1-ubyte", "rb").read()[4:8], "big")
    sizes = [len(f[s]["labels"]) for s in ("train", "validation")]
    assert sum(sizes) == n_train and sizes[1] == round(0.2 * n_train), (sizes, n_train)
print("codes.h5: predictions give the final accuracies; 40 neurons per sample")
PY
    # The table script reads it (one run, printed).
    $python "$repo/scripts/unsupervised_table.py" --run run-1 > table.log
    grep -q "label_information_bound" table.log || { cat table.log; exit 1; }
    echo "identical codes.h5 at 1, 2, 3 and 4 ranks"
    ;;
frozen)
    run 2 "$config" --output trained > trained.log
    frozen=(--set layers.hidden.learning_rate=0 --set training.seed=12
            --set 'layers.hidden.weights_from={file="trained/network.h5"}')
    run 1 "$config" "${frozen[@]}" --output frozen-1 > frozen-1.log
    run 3 "$config" "${frozen[@]}" --output frozen-3 > frozen-3.log
    $python "$compare" frozen-1/network.h5 frozen-3/network.h5
    $python - trained/network.h5 frozen-3/network.h5 <<'PY'
import sys
import h5py, numpy as np
with h5py.File(sys.argv[1]) as a, h5py.File(sys.argv[2]) as b:
    for c in ("receptive", "contextual", "lateral"):
        for d in ("weight", "bias") + (("partner",) if c == "lateral" else ()):
            key = f"layers/hidden/{c}/{d}"
            assert np.array_equal(a[key][()], b[key][()]), f"{key} changed"
print("frozen layer kept bit for bit")
PY
    # The readout on it learned (3 classes: chance is 1/3).
    $python - frozen-3/metrics.csv <<'PY'
import csv, sys
accuracy = float(list(csv.DictReader(open(sys.argv[1])))[-1]["test_accuracy"])
assert accuracy > 0.6, f"the readout on the frozen layer reached only {accuracy}"
print(f"readout on the frozen layer: test accuracy {accuracy:.3f}")
PY
    # A resume takes the weights from its checkpoint: the stored layer may be gone by then.
    run 2 "$config" "${frozen[@]}" --set training.epochs=1 --output part > part.log
    mv trained trained-moved
    run 3 "$config" "${frozen[@]}" --resume part/checkpoint.h5 --output resumed > resumed.log
    $python "$compare" frozen-1/network.h5 resumed/network.h5
    mv trained-moved trained
    # Refused before anything is written.
    expect_failure "weights_from: trained/network.h5: layer 'hidden' there has another shape" \
        2 "$config" --set layers.hidden.neurons=30 --set 'layers.hidden.weights_from={file="trained/network.h5"}' \
        --output bad
    expect_failure "holds no layer 'deep' (it has hidden, readout)" \
        2 "$config" --set 'layers.hidden.weights_from={file="trained/network.h5", layer="deep"}' --output bad
    expect_failure "weights_from: .*missing.h5" \
        3 "$config" --set 'layers.hidden.weights_from={file="missing.h5"}' --output bad
    [ ! -e bad ] || { echo "FAIL: a refused run created its output directory"; exit 1; }
    ;;
deep)
    small=(--data tiny-data --set layers.hidden1.neurons=24 --set layers.hidden2.neurons=12
           --set layers.readout.neurons=3 --set training.batch_size=64 --set training.epochs=10
           --set layers.hidden1.learning_rate=0.01 --set layers.hidden2.learning_rate=0.01
           --set layers.readout.learning_rate=0.01)
    for ranks in 1 2 3 4; do
        run "$ranks" "$repo/configs/trivariate_deep.toml" "${small[@]}" --output "run-$ranks" \
            > "run-$ranks.log"
    done
    for ranks in 2 3 4; do
        for file in network.h5 checkpoint.h5; do
            $python "$compare" "run-1/$file" "run-$ranks/$file" ||
                { echo "FAIL: $file differs between 1 and $ranks ranks"; exit 1; }
        done
        $python "$compare" --csv run-1/metrics.csv "run-$ranks/metrics.csv"
    done
    $python - run-1/metrics.csv <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [c for c in rows[0] if c.startswith("goal/")] == ["goal/hidden1", "goal/hidden2", "goal/readout"]
accuracy = float(rows[-1]["test_accuracy"])
assert accuracy > 0.6, f"test accuracy {accuracy} of a 3-class problem: not well above chance"
print(f"deep network: test accuracy {accuracy:.3f} after {len(rows)} epochs")
PY
    echo "identical deep-network results at 1, 2, 3 and 4 ranks"
    ;;
report)
    report() { $python "$repo/scripts/report.py" "$@"; }
    expect_pngs() {  # expect_pngs DIR NAME...
        local dir=$1
        shift
        for name in "$@"; do
            $python - "$dir/$name" <<'PY' || { echo "FAIL: $dir/$name is not a drawn PNG"; exit 1; }
import sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, len(data)
PY
        done
    }
    run 3 "$config" --output finished > finished.log
    report finished
    expect_pngs finished/report learning_curves.png atoms_over_epochs.png neuron_atoms.png \
        receptive_fields.png
    grep -q "network.h5 after epoch 2" finished/report/report.md
    # In progress: metrics and a checkpoint, no network.h5 yet.
    run 2 "$config" --set training.epochs=1 --output progress > progress.log
    rm progress/network.h5
    report progress --output progress-report
    expect_pngs progress-report learning_curves.png atoms_over_epochs.png receptive_fields.png
    grep -q "checkpoint.h5 after epoch 1" progress-report/report.md
    grep -q "no per-neuron atoms" progress-report/report.md
    [ ! -e progress-report/neuron_atoms.png ]
    # A memory run and a capacity sweep.
    memory=(--set layers.memory.neurons=24 --set memory.patterns=6 --set training.epochs=30)
    timeout -k 5 120 "$mpiexec" -n 2 --oversubscribe "$binary" train "$repo/configs/memory.toml" \
        --quiet "${memory[@]}" --output memory > memory.log
    report memory
    expect_pngs memory/report learning_curves.png atoms_over_epochs.png neuron_atoms.png
    timeout -k 5 120 "$mpiexec" -n 2 --oversubscribe "$binary" capacity "$repo/configs/memory.toml" \
        --quiet --set layers.memory.neurons=24 --set capacity.start=0.25 --set capacity.step=0.25 \
        --set capacity.stop=2.0 --output sweep > sweep.log
    report sweep
    expect_pngs sweep/report recall_vs_load.png
    # Not a run: a clear message and exit code 2.
    mkdir empty
    set +e
    report empty > empty.log 2>&1
    code=$?
    set -e
    [ $code = 2 ] && grep -q "holds no run" empty.log || { echo "FAIL: empty dir ($code)"; cat empty.log; exit 1; }
    echo "reports drawn for a finished run, a run in progress, a memory run and a capacity sweep"
    ;;
*)
    echo "unknown check $what" >&2
    exit 2
    ;;
esac
