#!/usr/bin/env bash
# Test accuracy of one configuration over several seeds: how much of a difference to a published
# figure is seed noise. Runs the seeds in parallel, one process with one thread per core, and
# prints each seed's test accuracy after the chosen epochs with the median over seeds.
#
# usage: bench/seed_sweep.sh CONFIG [SEEDS="30 31 ... 39"] [REPORT_EPOCHS="10 100"]
#        extra --set overrides via SWEEP_SET, e.g. SWEEP_SET="training.epochs=20"
# Results go to runs/seed-sweep/<config name>/seed<S>/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
config=${1:?usage: bench/seed_sweep.sh CONFIG [SEEDS] [REPORT_EPOCHS]}
seeds=${2:-$(seq -s ' ' 30 39)}
report=${3:-10 100}
binary=$INFOMORPH_BUILD_DIR/apps/infomorph
out=runs/seed-sweep/$(basename "$config" .toml)
mkdir -p "$out"
extra=()
for s in ${SWEEP_SET:-}; do extra+=(--set "$s"); done

export binary config out
printf '%s\n' $seeds | OMP_NUM_THREADS=1 xargs -P "$(nproc)" -I{} sh -c \
    '"$binary" train "$config" --quiet --output "$out/seed{}" --set training.seed={} \
        --set training.evaluate_train=false "$@" > "$out/seed{}.log" 2>&1 \
        || { echo "seed {} failed, see $out/seed{}.log" >&2; exit 1; }' _ "${extra[@]}"

/usr/bin/python3 - "$out" "$report" $seeds <<'PY'
import csv, statistics, sys
out, report, seeds = sys.argv[1], [int(e) for e in sys.argv[2].split()], sys.argv[3:]
table = {}
for s in seeds:
    rows = list(csv.DictReader(open(f"{out}/seed{s}/metrics.csv")))
    table[s] = {e: 100 * float(rows[e - 1]["test_accuracy"]) for e in report if e <= len(rows)}
print(f"{'seed':>6} " + " ".join(f"{'epoch ' + str(e):>10}" for e in report))
for s in seeds:
    print(f"{s:>6} " + " ".join(f"{table[s][e]:>9.2f}%" if e in table[s] else f"{'-':>10}"
                                for e in report))
medians = []
for e in report:
    values = [table[s][e] for s in seeds if e in table[s]]
    medians.append(f"{statistics.median(values):>9.2f}%" if values else f"{'-':>10}")
print(f"{'median':>6} " + " ".join(medians))
PY
