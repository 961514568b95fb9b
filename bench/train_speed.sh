#!/usr/bin/env bash
# Training speed and peak memory of the two reference models of the training issue, on MNIST:
# readout only (10 neurons) and the trivariate hidden layer (N = 100, two presentations).
# Reports the median training-pass seconds per epoch (evaluation excluded, as the reference's
# figures are) and the peak resident memory of the whole process, beside the PyTorch reference
# measured on this 2-core machine (1.1 s and 25 s per epoch, 2.4 GB peak for the trivariate one).
#
# usage: bench/train_speed.sh [EPOCHS=5]   (after scripts/setup.sh and scripts/fetch_mnist.sh)
# Threads: OMP_NUM_THREADS (default: all cores). Results go to runs/bench-speed/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
epochs=${1:-5}
binary=$INFOMORPH_BUILD_DIR/apps/infomorph
out=runs/bench-speed
mkdir -p "$out"

measure() {  # measure NAME CONFIG REFERENCE_SECONDS
    local name=$1 config=$2 reference=$3
    /usr/bin/time -v "$binary" train "$config" --quiet --output "$out/$name" \
        --set training.epochs="$epochs" --set training.evaluate_train=false \
        > "$out/$name.log" 2> "$out/$name.time"
    local rss_kb
    rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$out/$name.time")
    /usr/bin/python3 - "$out/$name/metrics.csv" "$name" "$reference" "$rss_kb" <<'PY'
import csv, statistics, sys
path, name, reference, rss_kb = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
rows = list(csv.DictReader(open(path)))
seconds = [float(r["train_seconds"]) for r in rows]
median = statistics.median(seconds)
print(f"{name:<22} {len(rows):>6} {median:>12.3f} {min(seconds):>9.3f} {reference:>10.1f} "
      f"{reference / median:>8.1f}x {rss_kb / 1024:>9.0f}   test {100 * float(rows[-1]['test_accuracy']):.2f}%")
PY
}

echo "threads per rank: ${OMP_NUM_THREADS:-all cores}; $epochs epochs each; $(nproc) cores"
printf "%-22s %6s %12s %9s %10s %9s %9s\n" model epochs "median s/ep" "min s/ep" "ref s/ep" speedup "peak MB"
measure readout_only configs/readout_only.toml 1.1
measure trivariate_n100 configs/trivariate_optimised.toml 25
echo "phase breakdown (seconds, whole run incl. evaluation): see $out/*.log"
