#!/usr/bin/env bash
# Submit a capacity sweep over N_SEEDS seeds: the job array of jobscripts/capacity.sbatch (one
# seed per array task) and jobscripts/capacity_merge.sbatch, which waits for the whole array
# (--dependency=afterok) and then merges and plots OUT/seed-*. Prints both job ids.
#
#   jobscripts/submit_capacity.sh CONFIG N_SEEDS [infomorph capacity options]
#   jobscripts/submit_capacity.sh configs/memory.toml 10
#   CAPACITY_OUT=runs/hebbian jobscripts/submit_capacity.sh configs/memory.toml 10 \
#       --rule hebbian --set capacity.start=0.02
#
# Environment:
#   CAPACITY_OUT          output folder (default runs/capacity): OUT/seed-<seed>/ per task, the
#                         merged files and figures in OUT, job output files in OUT/logs/
#   SEED_BASE             first seed (default 1): the seeds are SEED_BASE .. SEED_BASE+N_SEEDS-1
#   CAPACITY_SBATCH_ARGS  more sbatch options for the array only, split at spaces, e.g.
#                         "--ntasks=2 --cpus-per-task=4 --time=08:00:00" (not --array: the
#                         range is set here, and not --output: the logs go to OUT/logs/)
# sbatch's own variables (SBATCH_TIMELIMIT, SBATCH_PARTITION, SBATCH_ACCOUNT, ...) apply to
# both jobs.
# If an array task fails, the merge job never starts (its dependency cannot be met): cancel it,
# and merge the seeds that finished by hand with `sbatch jobscripts/capacity_merge.sbatch OUT`.
set -euo pipefail
usage="usage: $0 CONFIG N_SEEDS [infomorph capacity options]"
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
config=$1
seeds=$2
shift 2
[[ "$seeds" =~ ^[1-9][0-9]*$ ]] || { echo "$0: N_SEEDS must be a positive integer, got '$seeds'" >&2; exit 2; }
seed_base=${SEED_BASE:-1}
[[ "$seed_base" =~ ^[0-9]+$ ]] || { echo "$0: SEED_BASE must be a non-negative integer" >&2; exit 2; }
out=${CAPACITY_OUT:-runs/capacity}

# The batch scripts change to the submission directory and find jobscripts/site.env and
# scripts/env.sh there, so submit from the repository root; paths the caller gave relative to
# another directory are made absolute first.
repo=$(cd "$(dirname "$0")/.." && pwd)
absolute() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
if [ "$(pwd)" != "$repo" ]; then
    [ -e "$config" ] && config=$(absolute "$config")
    out=$(absolute "$out")
fi
cd "$repo"
[ -f "$config" ] || { echo "$0: no configuration file $config" >&2; exit 2; }
# SLURM does not create the folder of --output; a job whose output file cannot be opened fails.
mkdir -p "$out/logs"

# capacity.sbatch reads CAPACITY_OUT and SEED_BASE from the environment it was submitted from
# (sbatch's default --export=ALL).
export CAPACITY_OUT=$out SEED_BASE=$seed_base
# shellcheck disable=SC2086  # CAPACITY_SBATCH_ARGS is a list of options
array=$(sbatch --parsable --array="0-$((seeds - 1))" --output="$out/logs/capacity-%A_%a.out" \
    ${CAPACITY_SBATCH_ARGS:-} jobscripts/capacity.sbatch "$config" "$@" | cut -d';' -f1)
[ -n "$array" ] || { echo "$0: sbatch returned no job id for the array" >&2; exit 1; }
echo "array $array: $seeds seed(s) $seed_base-$((seed_base + seeds - 1)) of $config into $out/seed-*/"
if ! merge=$(sbatch --parsable --dependency="afterok:$array" --output="$out/logs/merge-%j.out" \
        jobscripts/capacity_merge.sbatch "$out" | cut -d';' -f1) || [ -z "$merge" ]; then
    echo "$0: the merge job was not accepted; after array $array, run" \
        "sbatch jobscripts/capacity_merge.sbatch $out" >&2
    exit 1
fi
echo "merge $merge: after array $array succeeds, plots into $out (logs in $out/logs)"
