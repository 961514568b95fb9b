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
#   4. jobscripts/submit_capacity.sh submits a 3-task capacity job array (Hebbian, N = 32) and its
#      merge job: every task COMPLETED 0:0 with its seed's capacity.csv, the merge job started
#      after the array ended, COMPLETED 0:0, and wrote the merged capacity_summary.csv (3 rows)
#      and both figures; a 1-task infomorphic array (tiny) on 2 ranks forms one MPI world and
#      gives the table of a plain 1-rank run
#   5. jobscripts/goal_search.sbatch as a 3-task array of workers on one study, one task
#      cancelled in the middle of a trial: every trial of the budget completes, the cancelled one
#      included (run again by another worker), best.toml and the pictures are written; a bad
#      search file fails the job with exit code 2 naming the key
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

# The reference of the infomorphic capacity job (section 4), on 1 rank.
capacity_config=$repo/configs/memory.toml
capacity_tiny=(--set layers.memory.neurons=32 --set training.epochs=100 --set capacity.step=0.2
               --set capacity.stop=0.8)
timeout -k 5 120 "$mpiexec" -n 1 "$binary" capacity "$capacity_config" --seeds 1 --quiet \
    "${capacity_tiny[@]}" --output "$work/capacity-reference" > capacity-reference.log 2>&1 ||
    { cat capacity-reference.log; echo "FAIL: the capacity reference run failed"; exit 1; }

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

# --- 4. a capacity sweep as a job array, merged by a dependent job ---------------------------
# Waits until every task of array job ID has ended and sets $records to their final
# `scontrol -o show job` lines (one per task; one line for the whole array while it pends).
records=""
wait_array() {  # wait_array ID
    local id=$1 states start=$SECONDS
    while :; do
        records=$(timeout 10 scontrol -o show job "$id" 2>&1) || records=""
        states=$(grep -o 'JobState=[A-Z_]*' <<< "$records" | cut -d= -f2 | sort -u) || states=""
        if [ -n "$states" ] && ! grep -qxE \
            'PENDING|CONFIGURING|RUNNING|COMPLETING|SUSPENDED|REQUEUED|RESIZING' <<< "$states"; then
            return 0
        fi
        if ((SECONDS - start > poll_limit)); then
            echo "array job $id not ended after $poll_limit s (states: ${states//$'\n'/ }); cancelling it"
            echo "$records"
            timeout 10 scancel "$id" || true
            return 1
        fi
        sleep 0.25
    done
}

# check_array ID TASKS WHAT: every one of TASKS tasks COMPLETED with exit code 0:0; sets $array_end
# to the latest EndTime (ISO 8601, compares as a string).
array_end=""
check_array() {
    local id=$1 tasks=$2 what=$3 line task task_state task_code end good=0
    array_end=""
    if ! wait_array "$id"; then
        fail "$what $id did not end within $poll_limit s"
        return 1
    fi
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        task=$(job_field "$line" ArrayTaskId)
        task_state=$(job_field "$line" JobState)
        task_code=$(job_field "$line" ExitCode)
        end=$(job_field "$line" EndTime)
        [[ "$end" > "$array_end" ]] && array_end=$end
        echo "$what $id task $task: $task_state, exit code $task_code"
        if [ "$task_state" = COMPLETED ] && [ "$task_code" = 0:0 ]; then
            good=$((good + 1))
        fi
    done <<< "$records"
    if [ "$good" = "$tasks" ] && [ "$(grep -c . <<< "$records")" = "$tasks" ]; then
        pass "all $tasks task(s) of $what $id COMPLETED with exit code 0:0"
    else
        fail "$good of $tasks task(s) of $what $id COMPLETED with exit code 0:0"
        return 1
    fi
}

submit_capacity() {  # submit_capacity OUT N_SEEDS SBATCH_ARGS INFOMORPH_ARGS...: sets $array, $merge
    local out=$1 n=$2 sbatch_args=$3 submitted
    shift 3
    array=""
    merge=""
    # From the repository root, like a user; --time through SBATCH_TIMELIMIT bounds both jobs.
    if ! submitted=$(cd "$repo" && CAPACITY_OUT=$out SEED_BASE=1 SBATCH_TIMELIMIT=5 \
            SBATCH_JOB_NAME=infomorph-test-capacity CAPACITY_SBATCH_ARGS=$sbatch_args \
            timeout 60 jobscripts/submit_capacity.sh configs/memory.toml "$n" "$@" 2>&1); then
        echo "$submitted"
        return 1
    fi
    echo "$submitted"
    array=$(awk '$1 == "array" { sub(":", "", $2); print $2 }' <<< "$submitted")
    merge=$(awk '$1 == "merge" { sub(":", "", $2); print $2 }' <<< "$submitted")
    [[ "$array" =~ ^[0-9]+$ && "$merge" =~ ^[0-9]+$ ]]
}

cap=$work/capacity
cap_info=$work/capacity-infomorphic
start=$SECONDS
hebbian_ok=1
if ! submit_capacity "$cap" 3 "--cpus-per-task=1" --rule hebbian --quiet \
        --set layers.memory.neurons=32 --set capacity.start=0.02; then
    fail "submit_capacity.sh did not submit the Hebbian array and its merge job"
    hebbian_ok=0
fi
hebbian_array=$array
hebbian_merge=$merge
info_ok=1
# Two tasks: one 2-rank MPI world, whose table must equal the 1-rank reference's.
if ! submit_capacity "$cap_info" 1 "--ntasks=2 --cpus-per-task=1" "${capacity_tiny[@]}"; then
    fail "submit_capacity.sh did not submit the infomorphic array and its merge job"
    info_ok=0
fi
info_array=$array
info_merge=$merge

if ((hebbian_ok)); then
    echo "submitted capacity array $hebbian_array and merge job $hebbian_merge"
    if ! check_array "$hebbian_array" 3 "capacity array"; then
        cat "$cap"/logs/capacity-*.out 2>/dev/null || echo "(no task output files in $cap/logs)"
    fi
    for seed in 1 2 3; do
        if [ -s "$cap/seed-$seed/capacity.csv" ] &&
            [ "$(awk -F, 'NR == 2 { print $2 }' "$cap/seed-$seed/capacity_summary.csv")" = "$seed" ]
        then
            pass "array task $((seed - 1)) swept seed $seed into $cap/seed-$seed/"
        else
            fail "no capacity.csv, or no summary of seed $seed, in $cap/seed-$seed/"
        fi
    done
    if job_ended "$hebbian_merge" "capacity merge job" "$start"; then
        merge_start=$(job_field "$record" StartTime)
        if [ "$state" = COMPLETED ] && [ "$code" = 0:0 ]; then
            pass "merge job $hebbian_merge COMPLETED with exit code 0:0"
        else
            fail "merge job $hebbian_merge ended $state with exit code $code"
            cat "$cap"/logs/merge-*.out 2>/dev/null || echo "(no merge output file in $cap/logs)"
        fi
        # afterok: the merge starts only once the whole array has ended.
        if [ -n "$array_end" ] && [[ ! "$merge_start" < "$array_end" ]]; then
            pass "merge job started ($merge_start) after the array ended ($array_end)"
        else
            fail "merge job started at $merge_start, the array ended at ${array_end:-unknown}"
        fi
        rows=$(awk 'NF { n++ } END { print n - 1 }' "$cap/capacity_summary.csv" 2>/dev/null) ||
            rows="no file, so 0"
        if [ "$rows" = 3 ]; then
            pass "the merged capacity_summary.csv has a row per seed (3)"
        else
            fail "the merged $cap/capacity_summary.csv has $rows rows, expected 3"
        fi
        for png in recall_vs_load.png flip_vs_load.png; do
            if [ -s "$cap/$png" ] && [ "$(head -c 4 "$cap/$png" | tail -c 3)" = PNG ]; then
                pass "the merge job drew $png ($(stat -c %s "$cap/$png") bytes)"
            else
                fail "$cap/$png is missing, empty or not a PNG"
            fi
        done
        if grep -Eq '^hebbian +32 +3 ' "$cap"/logs/merge-*.out 2>/dev/null; then
            pass "the merge job printed the table: $(grep -Eh '^hebbian +32 +3 ' "$cap"/logs/merge-*.out)"
        else
            fail "the merge job's output lacks the table row for hebbian, N = 32, 3 seeds"
        fi
    fi
fi

if ((info_ok)); then
    echo "submitted infomorphic capacity array $info_array and merge job $info_merge"
    if ! check_array "$info_array" 1 "infomorphic capacity array"; then
        cat "$cap_info"/logs/capacity-*.out 2>/dev/null || echo "(no task output in $cap_info/logs)"
    fi
    if grep -q ', 2 ranks x ' "$cap_info"/logs/capacity-*.out 2>/dev/null; then
        pass "srun started the infomorphic sweep as one MPI world of 2 ranks"
    else
        fail "the infomorphic sweep did not report 2 ranks:" \
            "$(grep -h 'infomorph capacity:' "$cap_info"/logs/capacity-*.out 2>/dev/null)"
    fi
    # Everything but the timing columns equals the 1-rank reference.
    if $python - "$work/capacity-reference" "$cap_info/seed-1" <<'PY'; then
import csv, sys
for name in ("capacity.csv", "capacity_summary.csv"):
    a, b = ([{k: v for k, v in r.items() if k != "seconds"}
             for r in csv.DictReader(open(f"{d}/{name}"))] for d in sys.argv[1:])
    if not a or a != b:
        print(f"{name} differs: {a} vs {b}")
        sys.exit(1)
PY
        pass "the 2-rank infomorphic sweep under SLURM equals the 1-rank reference"
    else
        fail "the infomorphic sweep under SLURM differs from the 1-rank reference"
    fi
    if job_ended "$info_merge" "infomorphic merge job" "$start" &&
        { [ "$state" != COMPLETED ] || [ "$code" != 0:0 ] || [ ! -s "$cap_info/recall_vs_load.png" ]; }
    then
        fail "infomorphic merge job $info_merge ended $state with exit code $code, or drew nothing"
        cat "$cap_info"/logs/merge-*.out 2>/dev/null || true
    fi
fi

# 5. jobscripts/goal_search.sbatch: a 3-task array of workers on one study; one task is
#    cancelled in the middle of a trial, whose values are then run again by another worker.
search=$work/search
mkdir -p "$search"
cat > "$search/search.toml" <<TOML
config = "$config"
binary = "$binary"
set = ["data.directory=$work/tiny-data", "data.validation_fraction=0.25", "training.epochs=30"]
trials = 5
seed = 2
pruner = "none"
stale_seconds = 10
[[parameters]]
key = "layers.hidden.goal[{1}{2}{3}]"
low = -1.0
high = 1.0
TOML
start=$SECONDS
if ! search_id=$(cd "$repo" && timeout 30 sbatch --parsable --array=0-2 \
        --job-name=infomorph-test-search --output="$search/worker-%a.out" \
        jobscripts/goal_search.sbatch "$search/search.toml" "$search/study") || [ -z "$search_id" ]; then
    fail "sbatch did not accept the goal-search array"
else
    search_id=${search_id%%;*}
    # Cancel task 0 once it is inside a trial (its heartbeat file exists).
    victim=""
    for _ in $(seq 1 400); do
        victim=$(grep -l '^goal_search: worker task 0' "$search"/worker-0.out 2>/dev/null || true)
        if [ -n "$victim" ] && ls "$search"/study/trials/*/heartbeat > /dev/null 2>&1; then
            break
        fi
        sleep 0.1
    done
    timeout 10 scancel "${search_id}_0" || true
    if wait_array "$search_id"; then
        states=$(grep -o 'JobState=[A-Z_]*' <<< "$records" | cut -d= -f2 | sort | tr '\n' ' ')
        echo "goal-search array $search_id ended: $states($((SECONDS - start)) s)"
        if $python - "$search/study" 5 <<'PY'
import csv, sys
rows = list(csv.DictReader(open(f"{sys.argv[1]}/trials.csv")))
finished = [r for r in rows if r["state"] == "COMPLETE"]
left = [r for r in rows if r["state"] in ("RUNNING", "WAITING")]
retried = [r for r in finished if r["retry_of"]]
workers = {r["worker"] for r in finished}
print(f"{len(finished)} complete, {len(left)} left, {len(retried)} retried, workers {sorted(workers)}")
sys.exit(0 if len(finished) >= int(sys.argv[2]) and not left and retried else 1)
PY
        then
            pass "the goal-search array finished every trial, the cancelled task's trial included"
        else
            fail "the goal-search array left trials unfinished or lost the cancelled one"
            cat "$search"/worker-*.out
        fi
        [ -s "$search/study/best.toml" ] && [ -s "$search/study/best_value.png" ] ||
            fail "the goal search wrote no best.toml or best_value.png"
    else
        fail "the goal-search array did not end"
    fi
fi
# A bad search file: the job fails with exit code 2, its output names the problem.
sed 's/^trials = 5/trails = 5/' "$search/search.toml" > "$search/bad.toml"
if bad_id=$(cd "$repo" && timeout 30 sbatch --parsable --job-name=infomorph-test-badsearch \
        --output="$search/bad.out" jobscripts/goal_search.sbatch "$search/bad.toml" "$search/bad") &&
    job_ended "${bad_id%%;*}" "bad goal search" "$SECONDS" &&
    [ "$state" = FAILED ] && [ "$code" = 2:0 ] && grep -q "unknown key trails" "$search/bad.out"; then
    pass "a goal search with a bad search file FAILED with exit code 2:0 naming the key"
else
    fail "the bad goal search ended ${state:-?} ${code:-?}"
    cat "$search/bad.out" 2>/dev/null || true
fi

if ((failures > 0)); then
    echo "FAIL: $failures check(s) failed (files in $work)"
    exit 1
fi
echo "PASS: train.sbatch trains under SLURM and fails cleanly on a bad configuration;" \
    "strong_scaling.sbatch runs; submit_capacity.sh runs a capacity job array and merges it;" \
    "goal_search.sbatch runs a job array of workers that loses no trial"
