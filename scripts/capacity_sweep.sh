#!/usr/bin/env bash
# Capacity of the associative memory on one machine: the infomorphic and the Hebbian sweep of
# `infomorph capacity` over the same seeds, then scripts/plot_capacity.py on both (one figure,
# one table). On a cluster, jobscripts/submit_capacity.sh runs the seeds as a job array instead.
#
#   scripts/capacity_sweep.sh CONFIG SEEDS OUT [extra infomorph capacity options]
#   scripts/capacity_sweep.sh configs/memory.toml 1-10 runs/capacity
#   RANKS=2 scripts/capacity_sweep.sh configs/memory.toml 1-3 /tmp/cap \
#       --set layers.memory.neurons=32 --set training.epochs=200
#
# SEEDS as infomorph takes them: "1-10" or "1,3,5". Writes OUT/infomorphic/ and OUT/hebbian/
# (capacity.csv, capacity_summary.csv, capacity.h5, config.toml of each rule), the merged
# OUT/capacity.csv and OUT/capacity_summary.csv, OUT/recall_vs_load.png and
# OUT/flip_vs_load.png. The extra options go to both sweeps and come last, so they override
# the settings made here (not --rule, --seeds or --output: those are set here).
# Environment: RANKS (default 1; results do not depend on it), INFOMORPH_BUILD_DIR (default
# build, relative to the repository root), MPIEXEC (default mpirun).
set -euo pipefail
usage="usage: $0 CONFIG SEEDS OUT [extra infomorph capacity options]"
[ $# -ge 3 ] || { echo "$usage" >&2; exit 2; }
config=$1
seeds=$2
out=$3
shift 3
# Relative paths stay relative to the caller's directory; only the repository's own files are
# found through this script's location.
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/env.sh"
case $INFOMORPH_BUILD_DIR in
/*) binary=$INFOMORPH_BUILD_DIR/apps/infomorph ;;
*) binary=$repo/$INFOMORPH_BUILD_DIR/apps/infomorph ;;
esac
[ -x "$binary" ] || { echo "$0: no $binary (build first: scripts/setup.sh)" >&2; exit 1; }
[ -f "$config" ] || { echo "$0: no configuration file $config" >&2; exit 2; }
ranks=${RANKS:-1}
mkdir -p "$out"

sweep() {  # sweep RULE ARGS...: one rule's sweep into OUT/RULE, its output in OUT/RULE.log too
    local rule=$1
    shift
    echo "== $rule rule: seeds $seeds, $ranks rank(s), output $out/$rule"
    "${MPIEXEC:-mpirun}" -n "$ranks" "$binary" capacity "$config" --rule "$rule" --seeds "$seeds" \
        --output "$out/$rule" "$@" 2>&1 | tee "$out/$rule.log"
}

sweep infomorphic "$@"
# The Hebbian capacity (0.14 published, about 0.1 at N = 100) is below the sweep's default start
# of 0.2, where every Hebbian sweep would fail at its first load.
sweep hebbian --set capacity.start=0.02 "$@"

/usr/bin/python3 "$repo/scripts/plot_capacity.py" "$out/infomorphic" "$out/hebbian" --output "$out"
