#!/usr/bin/env bash
# A training run started from Python (infomorph.train) equals the one `infomorph train` starts,
# bit for bit (weights, Adam state, atoms, metrics), at 1, 2, 3 and 4 ranks: without mpi4py (the
# module initialises MPI), with mpi4py's COMM_WORLD, and on a communicator split from it (two
# runs side by side in one job). Then infomorph.read_run reads it, and bad input is refused.
# usage: train_runs.sh INFOMORPH_BINARY MPIEXEC WORK_DIR   (PYTHONPATH: the built module)
set -euo pipefail
binary=$1
mpiexec=$2
work=$3
here=$(cd "$(dirname "$0")" && pwd)
integration=$here/../integration
config=$integration/tiny_trivariate.toml
python=/usr/bin/python3

rm -rf "$work"
mkdir -p "$work"
cd "$work"
$python "$integration/make_tiny_idx.py" tiny-data > /dev/null
mpirun_n() {  # mpirun_n RANKS COMMAND...
    local ranks=$1
    shift
    timeout -k 5 120 "$mpiexec" -n "$ranks" --oversubscribe "$@"
}
same() {  # same DIR_A DIR_B
    for file in network.h5 checkpoint.h5; do
        $python "$integration/compare_runs.py" "$1/$file" "$2/$file"
    done
    $python "$integration/compare_runs.py" --csv "$1/metrics.csv" "$2/metrics.csv"
}

mpirun_n 1 "$binary" train "$config" --quiet --output cli --set data.directory=tiny-data > cli.log
timeout -k 5 120 $python "$here/train_from_python.py" "$config" plain --plain \
    data.directory=tiny-data > plain.log
same cli plain
for ranks in 1 2 3 4; do
    mpirun_n "$ranks" $python "$here/train_from_python.py" "$config" "world-$ranks" --world \
        data.directory=tiny-data > "world-$ranks.log"
    same cli "world-$ranks"
done
for ranks in 2 3 4; do
    mpirun_n "$ranks" $python "$here/train_from_python.py" "$config" "split-$ranks" --split \
        data.directory=tiny-data > "split-$ranks.log"
    same cli "split-$ranks-0"
    same cli "split-$ranks-1"
done
echo "runs from Python equal the CLI's at 1-4 ranks (plain, COMM_WORLD, split communicators)"

$python "$here/read_run_checks.py" cli "$config"

# Bad input: a refused configuration raises ValueError on every rank, within seconds.
for ranks in 1 3; do
    if mpirun_n "$ranks" $python -c '
import sys, infomorph
from mpi4py import MPI
try:
    infomorph.train(sys.argv[1], {"training.epochs": 0, "data.directory": "tiny-data"},
                    comm=MPI.COMM_WORLD, quiet=True)
except ValueError as e:
    assert "refused at setup" in str(e), e
    open(f"{sys.argv[2]}-rank{MPI.COMM_WORLD.Get_rank()}", "w").write("refused\n")
    sys.exit(0)
sys.exit("no ValueError")' "$config" "bad-$ranks" > "bad-$ranks.log" 2> "bad-$ranks.err"; then
        [ "$(cat bad-$ranks-rank* | grep -c refused)" = "$ranks" ] ||
            { echo "FAIL: not every rank raised"; ls; exit 1; }
        grep -q "training.epochs" "bad-$ranks.err" ||
            { echo "FAIL: the message does not name the key"; cat "bad-$ranks.err"; exit 1; }
    else
        echo "FAIL: a bad configuration at $ranks ranks"; cat "bad-$ranks.log" "bad-$ranks.err"; exit 1
    fi
done
$python - "$config" <<'PY'
import sys, infomorph
for comm, error in (("not a communicator", TypeError),):
    try:
        infomorph.train(sys.argv[1], comm=comm)
    except error as e:
        assert "mpi4py" in str(e), e
    else:
        sys.exit(f"comm={comm!r} was accepted")
try:
    infomorph.train(sys.argv[1], "training.epochs=1")
except TypeError as e:
    assert "not one string" in str(e), e
else:
    sys.exit("a string of overrides was accepted")
try:
    infomorph.read_run("tiny-data")
except FileNotFoundError as e:
    assert "no config.toml" in str(e), e
else:
    sys.exit("read_run took a directory that is not a run")
print("bad input refused: a failing configuration on every rank, comm, overrides, read_run")
PY
