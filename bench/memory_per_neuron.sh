#!/usr/bin/env bash
# Peak memory per hidden neuron: the trivariate sparse model (fan-in 100, batch 1024) with N
# hidden neurons on one rank and one thread, trained for one epoch of BATCHES batches of real
# MNIST images (the first BATCHES x 1024 training images, 1024 test images: the batch arrays,
# weights and optimiser state are those of a full run, only the data set is smaller).
# Prints peak RSS / N, everything in the process included.
# usage: bench/memory_per_neuron.sh [N=50000] [BATCHES=5]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
n=${1:-50000}
batches=${2:-5}
binary=$INFOMORPH_BUILD_DIR/apps/infomorph
work=runs/bench-memory
data=$work/mnist-$batches
mkdir -p "$work"
[ -f "$data/train-images-idx3-ubyte" ] ||
    /usr/bin/python3 bench/mnist_subset.py data/mnist "$data" $((batches * 1024)) 1024
OMP_NUM_THREADS=1 /usr/bin/time -v "$binary" train configs/trivariate_sparse.toml --quiet \
    --output "$work/n$n" --set data.directory="$data" --set data.validation_fraction=0 \
    --set training.epochs=1 --set training.evaluate_train=false \
    --set layers.hidden.neurons="$n" > "$work/n$n.log" 2> "$work/n$n.time"
rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$work/n$n.time")
wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$work/n$n.time")
/usr/bin/python3 -c "
n, kb = $n, $rss_kb
print(f'N = {n}: peak RSS {kb / 1024:.0f} MB = {kb * 1024 / n / 1000:.1f} KB per neuron ({$batches} batches of 1024, wall $wall)')"
