#!/usr/bin/env bash
# The unsupervised table (docs/unsupervised.md): the lateral models, whose hidden layer never
# sees the label, and the random-projection baseline, at N = 10, 100 and 1 000 hidden neurons
# over several seeds. Each run writes codes.h5 (the hidden code of every split); then a readout
# is trained afresh on the frozen hidden layer of each run (layers.hidden.weights_from,
# learning_rate 0); then scripts/unsupervised_table.py turns the runs into the table.
#
# usage: bench/unsupervised.sh [EPOCHS=20] [FROZEN_EPOCHS=10] [SEEDS="30 31 32"] [SIZES="10 100 1000"]
# Results: runs/unsupervised/<model>_n<N>_s<seed>/ and .../frozen/, the table in
# runs/unsupervised/table.{csv,md}. Seeds run one after another, 2 threads each.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
epochs=${1:-20}
frozen_epochs=${2:-10}
seeds=${3:-30 31 32}
sizes=${4:-10 100 1000}
models=${MODELS:-lateral_heuristic lateral_optimised random_projection}
binary=$INFOMORPH_BUILD_DIR/apps/infomorph
out=runs/unsupervised
mkdir -p "$out"

for model in $models; do
    for n in $sizes; do
        for seed in $seeds; do
            run=$out/${model}_n${n}_s${seed}
            if [ ! -f "$run/codes.h5" ]; then
                echo "$(date +%T) $run"
                "$binary" train "configs/$model.toml" --quiet --output "$run" \
                    --set training.epochs="$epochs" --set training.seed="$seed" \
                    --set layers.hidden.neurons="$n" --set training.evaluate_train=false \
                    --set output.codes=true > "$run.log" 2>&1 \
                    || { echo "failed, see $run.log" >&2; exit 1; }
            fi
            # A fresh readout on the frozen hidden layer (another seed: its own initial
            # weights and sampling), the hidden layer as the run left it.
            if [ ! -f "$run/frozen/network.h5" ]; then  # (written at the end of a run)
                "$binary" train "$run/config.toml" --quiet --output "$run/frozen" \
                    --set training.epochs="$frozen_epochs" --set training.seed=$((seed + 1000)) \
                    --set layers.hidden.learning_rate=0 --set output.codes=false \
                    --set "layers.hidden.weights_from={file=\"$run/network.h5\"}" \
                    > "$run/frozen.log" 2>&1 \
                    || { echo "failed, see $run/frozen.log" >&2; exit 1; }
            fi
        done
    done
done
/usr/bin/python3 scripts/unsupervised_table.py "$out" --models $models --sizes $sizes --seeds $seeds
