#!/usr/bin/env bash
# scripts/goal_search.py on the tiny data set, without SLURM (slurm_jobs.sh runs it as a job
# array):
#   workers   two workers share one study: every trial of the budget ends in the journal,
#             trials.csv, best.toml and the pictures are written, and best.toml trains
#   killed    a worker killed with SIGTERM queues its trial again at once, one killed with
#             SIGKILL leaves it running until another worker finds its heartbeat stale; in both
#             cases the values are run again (retry_of) and the budget is still met
#   memory    a CMA-ES search of a memory: each trial's objective is the median capacity of its
#             sweeps
#   errors    bad search files fail with exit code 2 and a message naming the problem; a
#             launcher that runs nothing queues its trials again and stops the worker
# usage: goal_search_runs.sh workers|memory|killed|errors INFOMORPH_BINARY WORK_DIR REPO
set -euo pipefail
what=$1
binary=$2
work=$3
repo=$4
python=/usr/bin/python3
search_py=$repo/scripts/goal_search.py

rm -rf "$work"
mkdir -p "$work"
cd "$work"
$python "$repo/tests/integration/make_tiny_idx.py" tiny-data > /dev/null

# write_search FILE TRIALS EPOCHS [extra lines]
write_search() {
    cat > "$1" <<TOML
config = "$repo/tests/integration/tiny_trivariate.toml"
binary = "$binary"
set = ["data.directory=$work/tiny-data", "data.validation_fraction=0.25", "training.epochs=$3"]
trials = $2
seed = 3
stale_seconds = 10
$4
[[parameters]]
key = "layers.hidden.goal[{1}{2}{3}]"
low = -1.0
high = 1.0
[[parameters]]
key = "layers.readout.goal[2]"
low = 0.0
high = 1.0
TOML
}

# check_study DIR TRIALS: every trial of the budget finished (complete, pruned or failed on its
# own), none left running or waiting.
check_study() {
    $python - "$1" "$2" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(f"{sys.argv[1]}/trials.csv")))
budget = int(sys.argv[2])
finished = [r for r in rows if r["state"] in ("COMPLETE", "PRUNED")]
left = [r for r in rows if r["state"] in ("RUNNING", "WAITING")]
if len(finished) < budget or left:
    sys.exit(f"FAIL: {len(finished)} finished of {budget}, {len(left)} left running or waiting")
print(f"ok: {len(finished)} trials finished, {len(rows)} in the journal")
PY
}

case $what in
workers)
    write_search search.toml 6 2 ""
    $python "$search_py" run search.toml study --worker one > one.log 2>&1 &
    first=$!
    $python "$search_py" run search.toml study --worker two > two.log 2>&1
    wait $first
    check_study study 6
    for f in trials.csv best.toml best_value.png parameters.png study.journal; do
        [ -s "study/$f" ] || { echo "FAIL: study/$f missing"; exit 1; }
    done
    grep -q ",one," study/trials.csv && grep -q ",two," study/trials.csv ||
        { echo "FAIL: both workers should have run trials"; cat study/trials.csv; exit 1; }
    # best.toml is a ready configuration.
    timeout 120 "$binary" train study/best.toml --quiet --output best --set training.epochs=1 > best.log
    [ -s best/network.h5 ] || { echo "FAIL: best.toml did not train"; exit 1; }
    $python "$search_py" report study > report.log
    echo "ok: two workers, one study, best.toml trains"
    ;;
memory)
    # A memory search: the objective is the capacity of `infomorph capacity` (median over two
    # seeds), the sampler CMA-ES, the values a learning rate and one goal weight.
    cat > memory.toml <<TOML
config = "$repo/configs/memory.toml"
binary = "$binary"
set = ["layers.memory.neurons=24", "training.epochs=40", "capacity.start=0.25",
       "capacity.step=0.25", "capacity.stop=0.5"]
trials = 3
sampler = "cmaes"
seeds = 2
[[parameters]]
key = "layers.memory.learning_rate"
low = 0.01
high = 0.1
log = true
[[parameters]]
key = "layers.memory.goal[{1}{2}]"
low = 0.5
high = 1.0
TOML
    $python "$search_py" run memory.toml study > memory.log 2>&1 || { cat memory.log; exit 1; }
    check_study study 3
    $python - study <<'PY'
import csv, sys
rows = list(csv.DictReader(open(f"{sys.argv[1]}/trials.csv")))
for r in rows:
    summary = list(csv.DictReader(open(f"{sys.argv[1]}/trials/{r['number']}/capacity_summary.csv")))
    caps = sorted(float(s["capacity"]) for s in summary)
    if len(caps) != 2 or abs(float(r["value"]) - (caps[0] + caps[1]) / 2) > 1e-12:
        sys.exit(f"FAIL: trial {r['number']}: value {r['value']} is not the median of {caps}")
print("ok: memory trials report the median capacity of their two sweeps")
PY
    [ -s study/parameters.png ] || { echo "FAIL: no parameters.png"; exit 1; }
    ;;
killed)
    # Trials long enough to be killed in the middle of.
    write_search search.toml 3 40 'pruner = "none"'
    for signal in TERM KILL; do
        rm -rf study
        $python "$search_py" run search.toml study --worker victim > victim.log 2>&1 &
        victim=$!
        for _ in $(seq 1 200); do
            [ -f study/trials/0/metrics.csv ] && break
            sleep 0.05
        done
        kill -$signal $victim
        wait $victim 2>/dev/null || true
        pkill -KILL -f "study/trials/0" 2>/dev/null || true  # the run a SIGKILL left behind
        start=$SECONDS
        $python "$search_py" run search.toml study --worker rescuer > rescuer.log 2>&1
        check_study study 3
        grep -q "queued again" victim.log rescuer.log ||
            { echo "FAIL: no trial was queued again after SIG$signal"; cat victim.log rescuer.log; exit 1; }
        $python - study <<'PY'
import csv, sys
rows = list(csv.DictReader(open(f"{sys.argv[1]}/trials.csv")))
retried = [r for r in rows if r["retry_of"] == "0" and r["state"] == "COMPLETE"]
if not retried:
    sys.exit("FAIL: trial 0's values were not run again")
first = next(r for r in rows if r["number"] == "0")
if first["layers.hidden.goal[{1}{2}{3}]"] != retried[0]["layers.hidden.goal[{1}{2}{3}]"]:
    sys.exit("FAIL: the retry ran other values")
print(f"ok: trial 0 ran again as trial {retried[0]['number']} with the same values")
PY
        echo "ok: SIG$signal, recovered in $((SECONDS - start)) s"
    done
    ;;
errors)
    source "$repo/tests/integration/expect_failure.sh"
    run() { timeout 60 $python "$search_py" run "$@" study; }
    write_search good.toml 2 1 ""
    bad_search() {  # bad_search NAME SED_EXPRESSION PATTERN: good.toml edited must fail so
        sed "$2" good.toml > "$1.toml"
        expect_failure "$3" "$1.toml"
    }
    bad_search typo 's/^trials = 2/trails = 2/' "unknown key trails"
    bad_search range 's/^low = 0.0/low = 2.0/' "low 2.0 must be below high 1.0"
    bad_search atom 's/goal\[{1}{2}{3}\]/goal[{9}]/' "'{9}' is not an atom of layers.hidden.goal"
    bad_search index 's/layers.readout.goal\[2\]/layers.readout.goal[7]/' \
        "no element 7 in layers.readout.goal (5 values)"
    bad_search novalidation 's/data.validation_fraction=0.25/data.validation_fraction=0.0/' \
        "the test set is never searched on"
    bad_search badset 's/training.epochs=1/training.epochs=ten/' "the configuration does not load"
    expect_failure "cannot read the search file" missing.toml
    [ ! -e study/study.journal ] || { echo "FAIL: a bad search created a study"; exit 1; }
    # A launcher that runs nothing and exits 0 (srun does, when the job is cancelled while it
    # starts a step): each trial is queued again, not failed, and after three in a row the
    # worker stops with exit code 1 instead of looping.
    write_search nolaunch.toml 2 1 'launcher = "true"'
    set +e
    timeout 60 $python "$search_py" run nolaunch.toml nolaunch-study > nolaunch.log 2>&1
    code=$?
    set -e
    [ $code = 1 ] && grep -q "3 trials in a row started nothing; stopping" nolaunch.log &&
        [ "$(grep -c 'the run started nothing.*queued again' nolaunch.log)" = 3 ] ||
        { echo "FAIL: a launcher that runs nothing (exit $code)"; cat nolaunch.log; exit 1; }
    echo "ok (1): a launcher that runs nothing: 3 trials queued again, then the worker stopped"
    ;;
*)
    echo "unknown test '$what'"
    exit 2
    ;;
esac
