#!/usr/bin/env bash
# jobscripts/train.sbatch under a real SLURM (the single-node cluster of scripts/slurm_local.sh,
# found through SLURM_CONF; the CTest fixture integration.slurm_start starts it):
#   1. a 2-task job trains the tiny synthetic data set: state COMPLETED, exit code 0:0, every
#      output file written, 2 ranks in one MPI world, and network.h5, checkpoint.h5 and the
#      rank-independent metrics equal those of a plain `mpirun -n 2` run bit for bit
#   2. a job whose configuration has an unknown key ends FAILED with a non-zero exit code, and its
#      output file names the key
#   3. jobscripts/strong_scaling.sbatch (mpirun inside the allocation) completes and prints the
#      scaling table for 1 and 2 ranks
# Nothing waits without a bound: jobs are polled with `scontrol show job` and cancelled when
# they overrun.
# usage: slurm_jobs.sh REPO_DIR INFOMORPH_BINARY MPIEXEC WORK_DIR
# Environment: SLURM_CONF (default WORK_DIR/../slurm-state/slurm.conf).
# Exit status 77 (skipped) only when SLURM is not installed.
set -euo pipefail
[ $# = 4 ] || { echo "usage: $0 REPO_DIR INFOMORPH_BINARY MPIEXEC WORK_DIR" >&2; exit 2; }
repo=$(cd "$1" && pwd)
binary=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
mpiexec=$3
work=$4
here=$(cd "$(dirname "$0")" && pwd)
config=$here/tiny_trivariate.toml
python=/usr/bin/python3
poll_limit=180   # seconds a job may take from submission to its end

for program in sbatch scontrol scancel slurmctld; do
    if ! command -v "$program" > /dev/null; then
        echo "SKIP: $program not installed (apt-get install slurm-wlm munge, or scripts/setup.sh)"
        exit 77
    fi
done

failures=0
pass() { echo "PASS: $*"; }
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
cd "$work"
$python "$here/make_tiny_idx.py" tiny-data

# train.sbatch starts "$INFOMORPH_BUILD_DIR/apps/infomorph": the build folder is the binary's
# grandparent.
build_dir=$(dirname "$(dirname "$binary")")
if [ "$build_dir/apps/infomorph" != "$binary" ]; then
    echo "FAIL: $binary is not BUILD_DIR/apps/infomorph, which train.sbatch expects"
    exit 1
fi

# The reference: the same configuration under a plain mpirun, before SLURM_CONF is set.
echo "reference run: mpirun -n 2"
timeout -k 5 120 "$mpiexec" -n 2 --oversubscribe "$binary" train "$config" --quiet \
    --output "$work/mpirun" --set data.directory="$work/tiny-data" > mpirun.log 2>&1 ||
    { cat mpirun.log; echo "FAIL: the mpirun reference run failed"; exit 1; }

export SLURM_CONF=${SLURM_CONF:-$(dirname "$work")/slurm-state/slurm.conf}
if ! timeout 10 scontrol ping 2>&1 | grep -q 'is UP'; then
    timeout 10 scontrol ping || true
    echo "FAIL: no SLURM controller answers for SLURM_CONF=$SLURM_CONF" \
        "(start one: scripts/slurm_local.sh start DIR)"
    exit 1
fi
export INFOMORPH_BUILD_DIR=$build_dir

submit() {  # submit NAME CONFIG ARGS...: prints the job id; output in $work/NAME.out
    local name=$1 job_config=$2
    shift 2
    # Submitted from the repository root: train.sbatch changes to SLURM_SUBMIT_DIR and sources
    # scripts/env.sh from there. --chdir and --output keep the job's files out of the sources;
    # --time bounds a hung job inside SLURM too.
    (cd "$repo" && timeout 30 sbatch --parsable --job-name="infomorph-test-$name" \
        --ntasks=2 --cpus-per-task=1 --time=5 --chdir="$work" --output="$work/$name.out" \
        jobscripts/train.sbatch "$job_config" --output "$work/$name" --quiet \
        --set data.directory="$work/tiny-data" "$@") | cut -d';' -f1
}

job_field() {  # job_field RECORD KEY: the value of KEY=... in a `scontrol -o show job` line
    tr ' ' '\n' <<< "$1" | sed -n "s/^$2=//p" | head -n 1
}

# Waits until the job has ended and sets $record to its final `scontrol -o show job` line.
# SLURM keeps ended jobs for MinJobAge (300 s), longer than this poll can take.
record=""
wait_job() {  # wait_job ID
    local id=$1 state start=$SECONDS
    while :; do
        record=$(timeout 10 scontrol -o show job "$id" 2>&1) || record=""
        state=$(job_field "$record" JobState)
        case $state in
        PENDING | CONFIGURING | RUNNING | COMPLETING | SUSPENDED | REQUEUED | RESIZING | "") ;;
        *) return 0 ;;
        esac
        if ((SECONDS - start > poll_limit)); then
            echo "job $id still '${state:-unknown}' after $poll_limit s; cancelling it"
            echo "$record"
            timeout 10 scancel "$id" || true
            return 1
        fi
        sleep 0.25
    done
}

# Waits for a job and sets $state and $code from its final record; a job that overruns is a
# failure (and cancelled by wait_job).
state=""
code=""
job_ended() {  # job_ended ID WHAT START_SECONDS
    local id=$1 what=$2 since=$3
    if ! wait_job "$id"; then
        fail "$what $id did not end within $poll_limit s"
        return 1
    fi
    state=$(job_field "$record" JobState)
    code=$(job_field "$record" ExitCode)
    echo "$what $id: $state, exit code $code, $((SECONDS - since)) s after submission"
}

# --- 1. a job that trains --------------------------------------------------------------------
start=$SECONDS
if ! id=$(submit good "$config") || [ -z "$id" ]; then
    echo "FAIL: sbatch did not accept the training job"
    exit 1
fi
echo "submitted training job $id"
if job_ended "$id" "training job" "$start"; then
    if [ "$state" = COMPLETED ] && [ "$code" = 0:0 ]; then
        pass "training job $id COMPLETED with exit code 0:0"
    else
        fail "training job $id ended $state with exit code $code (expected COMPLETED, 0:0)"
        cat "$work/good.out" 2>/dev/null || echo "(no job output file $work/good.out)"
    fi
    [ -f "$work/good.out" ] || fail "job output file $work/good.out missing"
    missing=""
    for file in metrics.csv metrics.h5 network.h5 checkpoint.h5; do
        [ -s "good/$file" ] || missing="$missing $file"
    done
    if [ -z "$missing" ]; then
        pass "the job wrote metrics.csv, metrics.h5, network.h5 and checkpoint.h5"
    else
        fail "the job's output directory $work/good lacks:$missing"
    fi
    # Two tasks must form one 2-rank MPI world; a broken PMI would start two 1-rank runs.
    if [ -s good/network.h5 ]; then
        ranks=$($python -c "import h5py, sys; print(h5py.File(sys.argv[1], 'r').attrs['ranks'])" \
            good/network.h5 2>&1) || true
        if [ "$ranks" = 2 ]; then
            pass "srun started one MPI world of 2 ranks"
        else
            fail "network.h5 says ranks=$ranks, expected 2"
        fi
        for file in network.h5 checkpoint.h5; do
            if $python "$here/compare_runs.py" "mpirun/$file" "good/$file"; then
                pass "$file of the SLURM job equals the mpirun run's bit for bit"
            else
                fail "$file of the SLURM job differs from the mpirun run's"
            fi
        done
        if $python "$here/compare_runs.py" --csv mpirun/metrics.csv good/metrics.csv; then
            pass "metrics of the SLURM job equal the mpirun run's"
        else
            fail "metrics of the SLURM job differ from the mpirun run's"
        fi
    fi
fi

# --- 2. a job with a bad configuration --------------------------------------------------------
# An unknown key in the hidden layer ("learning_rat", next to learning_rate).
awk '{ print } /^learning_rate = / && !done { print "learning_rat = 0.1"; done = 1 }' \
    "$config" > bad.toml
grep -q '^learning_rat = ' bad.toml || { echo "FAIL: could not write bad.toml"; exit 1; }
start=$SECONDS
if ! id=$(submit bad "$work/bad.toml") || [ -z "$id" ]; then
    fail "sbatch did not accept the job with the bad configuration"
else
    echo "submitted failing job $id"
    if job_ended "$id" "failing job" "$start"; then
        if [ "$state" = FAILED ] && [ "${code%%:*}" != 0 ]; then
            pass "job $id with an unknown key ended FAILED with exit code $code"
        else
            fail "job $id with an unknown key ended $state with exit code $code" \
                "(expected FAILED, non-zero)"
        fi
        if grep -q 'layers.hidden.learning_rat' bad.out 2>/dev/null; then
            pass "the job's output file names the key: $(grep -m 1 'learning_rat' bad.out)"
        else
            fail "the job's output file $work/bad.out does not name layers.hidden.learning_rat"
            cat bad.out 2>/dev/null || echo "(no job output file $work/bad.out)"
        fi
        if [ -e bad/network.h5 ]; then
            fail "the failing job wrote bad/network.h5"
        fi
    fi
fi

# --- 3. the strong-scaling job script ----------------------------------------------------------
# One round at 1 and 2 ranks of the tiny configuration; its runs go to $work/scaling, not to the
# repository's runs/.
start=$SECONDS
if ! id=$(cd "$repo" && SCALING_OUT="$work/scaling" SCALING_SET="data.directory=$work/tiny-data" \
        timeout 30 sbatch --parsable --job-name=infomorph-test-scaling --ntasks=2 \
        --cpus-per-task=1 --time=5 --chdir="$work" --output="$work/scaling.out" \
        jobscripts/strong_scaling.sbatch "$config" 1 "1 2" 1 | cut -d';' -f1) || [ -z "$id" ]; then
    fail "sbatch did not accept the strong-scaling job"
else
    echo "submitted strong-scaling job $id"
    if job_ended "$id" "strong-scaling job" "$start"; then
        if [ "$state" = COMPLETED ] && [ "$code" = 0:0 ] &&
            grep -Eq '^ +1 +[0-9.]+ ' scaling.out && grep -Eq '^ +2 +[0-9.]+ ' scaling.out; then
            pass "strong_scaling.sbatch COMPLETED and printed rows for 1 and 2 ranks"
        else
            fail "strong-scaling job $id ended $state with exit code $code, or without its table"
            cat scaling.out 2>/dev/null || echo "(no job output file $work/scaling.out)"
        fi
    fi
fi

if ((failures > 0)); then
    echo "FAIL: $failures check(s) failed (files in $work)"
    exit 1
fi
echo "PASS: train.sbatch trains under SLURM and fails cleanly on a bad configuration;" \
    "strong_scaling.sbatch runs"
