#!/usr/bin/env bash
# Strong scaling of one configuration over MPI ranks on this node: the same network, seed and
# data at P = 1, 2, ... ranks (one OpenMP thread per rank), reporting training seconds per epoch,
# speedup, parallel efficiency T(1) / (P * T(P)), the share of time in the activity exchange, load
# imbalance (max / mean of the compute phases over ranks) and the activity bytes each rank sent
# per training step beside the bound B * N / 8 per layer exchange.
#
# usage: bench/strong_scaling.sh [CONFIG=configs/trivariate_sparse.toml] [EPOCHS=1] [RANKS="1 2"]
#                                [REPEATS=3]
#        extra --set overrides via SCALING_SET, e.g. SCALING_SET="layers.hidden.neurons=1000"
# Shared machines drift by 10-20% over a minute, so the rank counts are run in turn, REPEATS
# rounds of them (1 2 1 2 1 2), and the table gives the median seconds per epoch of each rank
# count with its range; speedup and efficiency are computed from the medians. The phase columns
# come from the run whose time is the median.
# SCALING_BASELINE_LOAD=1: while fewer ranks than cores run, the idle cores spin (an ALU-only
# shell loop per core). A single busy core of a VM or a turbo CPU often runs faster than each of
# several busy ones; with the spinners every rank count runs at the clock of a full machine, so
# the efficiency shows the software's scaling rather than the clock's. Report both.
# Results go to runs/bench-scaling/ (npP-rR: P ranks, round R), or to SCALING_OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
config=${1:-configs/trivariate_sparse.toml}
epochs=${2:-1}
ranks=${3:-1 2}
repeats=${4:-3}
binary=$INFOMORPH_BUILD_DIR/apps/infomorph
out=${SCALING_OUT:-runs/bench-scaling}
mkdir -p "$out"
extra=()
for s in ${SCALING_SET:-}; do extra+=(--set "$s"); done

for round in $(seq 1 "$repeats"); do
    for p in $ranks; do
        run="np$p-r$round"
        spinners=()
        if [ "${SCALING_BASELINE_LOAD:-0}" = 1 ]; then
            for core in $(seq "$p" $(($(nproc) - 1))); do
                taskset -c "$core" bash -c 'while :; do :; done' &
                spinners+=($!)
            done
        fi
        OMP_NUM_THREADS=1 timeout -k 5 7200 mpirun -n "$p" --oversubscribe \
            -x OMP_NUM_THREADS "$binary" train "$config" --output "$out/$run" \
            --set training.epochs="$epochs" --set training.evaluate_train=false "${extra[@]}" \
            > "$out/$run.log" 2>&1 || { kill "${spinners[@]}" 2> /dev/null; exit 1; }
        [ ${#spinners[@]} = 0 ] || kill "${spinners[@]}"
        echo "round $round, $p ranks: $(grep -o 'train [0-9.]*s' "$out/$run.log" | tail -1)"
    done
done

/usr/bin/python3 - "$out" "$config" "$repeats" $ranks <<'PY'
import csv, re, statistics, sys, tomllib
out, config, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
ranks = [int(r) for r in sys.argv[4:]]

def table(run):
    """Phase rows (min, mean, max over ranks) from the run's final table."""
    rows = {}
    for line in open(f"{out}/{run}.log"):
        m = re.match(r"^(\w+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", line)
        if m:
            rows[m.group(1)] = tuple(float(x) for x in m.groups()[1:])
    return rows

def epoch_seconds(run):
    rows = list(csv.DictReader(open(f"{out}/{run}/metrics.csv")))
    return sum(float(r["train_seconds"]) for r in rows) / len(rows), len(rows)

def median_run(p):
    """(median seconds per epoch, all of them, the run with the median time, epochs)."""
    runs = [f"np{p}-r{r}" for r in range(1, repeats + 1)]
    times = {run: epoch_seconds(run) for run in runs}
    ordered = sorted(runs, key=lambda run: times[run][0])
    middle = ordered[(len(ordered) - 1) // 2]
    seconds = [times[run][0] for run in runs]
    return statistics.median(seconds), seconds, middle, times[middle][1]

base = median_run(ranks[0])[0]
cfg = tomllib.load(open(f"{out}/np{ranks[0]}-r1/config.toml", "rb"))
batch = cfg["training"]["batch_size"]
words = (batch + 63) // 64
bound = cfg["training"]["presentations"] * sum(words * 8 * l["neurons"] for l in cfg["layers"])
import os
load = " (idle cores spinning during runs with fewer ranks than cores)" \
    if os.environ.get("SCALING_BASELINE_LOAD") == "1" else ""
print(f"config {config}, {repeats} rounds{load}")
print(f"{'ranks':>5} {'s/epoch':>9} {'range':>13} {'speedup':>8} {'efficiency':>10} {'exchange':>9} "
      f"{'imbalance':>9} {'max sent B/step':>15} {'job sent B/step':>15} {'bound B/step':>12}")
for p in ranks:
    t, seconds, run, epochs = median_run(p)
    phases = table(run)
    compute = [sum(phases[k][i] for k in ("forward", "pid_gradient", "update")) for i in range(3)]
    total = sum(phases[k][1] for k in ("forward", "exchange", "pid_gradient", "update"))
    exchange_share = phases["exchange"][1] / total if total else 0
    imbalance = compute[2] / compute[1] if compute[1] else 1
    # The run's first line says "...; 8 batches per epoch; ..." (before 255deb1 "... of 8 batches;").
    steps = int(re.search(r"(\d+) batches", open(f"{out}/{run}.log").read()).group(1)) * epochs
    sent = phases.get("bytes_sent", (0, 0, 0))
    spread = f"{min(seconds):.2f}-{max(seconds):.2f}"
    print(f"{p:>5} {t:>9.2f} {spread:>13} {base / t:>8.2f} {base / (p * t) * ranks[0]:>10.1%} "
          f"{exchange_share:>9.1%} {imbalance:>9.3f} {sent[2] / steps:>15.0f} "
          f"{sent[1] * p / steps:>15.0f} {bound:>12}")
print("bound: presentations x sum over layers of B x N / 8 bytes (64-bit words), the whole "
      "layer's activity once per exchange; sent = bytes a rank contributed to the allgathers")
PY
