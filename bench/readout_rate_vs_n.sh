#!/usr/bin/env bash
# Why a wider hidden layer starts worse, and the readout learning-rate rule that fixes it.
# The hidden neurons' learning does not depend on N (each reads the image, the label and 100
# lateral partners), but every readout neuron reads all N hidden outputs: with Adam, each weight
# moves by about the learning rate per step whatever its gradient's size, so the readout's
# drive moves about N times as far per step as at the reference's N. The candidate rule is
#     readout learning rate = 0.003 x (2000 / N)^alpha
# (0.003 at the reference's N = 2000), and alpha is chosen on VALIDATION accuracy.
#
# usage: bench/readout_rate_vs_n.sh "NS" "ALPHAS" EPOCHS [SEED]   e.g. "10000 30000" "0 0.5 1" 1
# Writes runs/readout_rate/results.csv: n, alpha, learning rate, epoch, validation and test
# accuracy (the test column is reported, never used to choose).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
ns=$1 alphas=$2 epochs=$3 seed=${4:-30}
binary=$INFOMORPH_BUILD_DIR/apps/infomorph
out=runs/readout_rate
mkdir -p "$out"
csv=$out/results.csv
[ -f "$csv" ] || echo "n,alpha,readout_learning_rate,seed,epoch,validation_accuracy,test_accuracy,train_seconds" > "$csv"
for n in $ns; do
    for alpha in $alphas; do
        rate=$(/usr/bin/python3 -c "print(f'{0.003 * (2000 / $n) ** $alpha:.6g}')")
        run=$out/n$n-alpha$alpha-seed$seed
        if [ ! -f "$run/metrics.csv" ] || [ "$(($(wc -l < "$run/metrics.csv") - 1))" -lt "$epochs" ]; then
            rm -rf "$run"
            "$binary" train configs/trivariate_sparse.toml --quiet --output "$run" \
                --set layers.hidden.neurons="$n" --set layers.readout.learning_rate="$rate" \
                --set training.epochs="$epochs" --set training.seed="$seed" \
                --set training.evaluate_train=false > "$run.log"
        fi
        /usr/bin/python3 - "$run/metrics.csv" "$n" "$alpha" "$rate" "$seed" >> "$csv" <<'PY'
import csv, sys
path, n, alpha, rate, seed = sys.argv[1:]
for r in csv.DictReader(open(path)):
    print(f"{n},{alpha},{rate},{seed},{r['epoch']},{r['validation_accuracy']},{r['test_accuracy']},{r['train_seconds']}")
PY
        tail -1 "$csv"
    done
done
