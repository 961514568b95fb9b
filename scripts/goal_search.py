#!/usr/bin/python3
"""Goal search: Optuna over goal weights (and any other numeric key) of an infomorph run.

    goal_search.py run SEARCH.toml STUDY_DIR [--trials N] [--worker NAME]
    goal_search.py report STUDY_DIR

`run` is one worker: it asks the study for trials until the search's trial budget is spent,
runs `infomorph train` (or `infomorph capacity` for a memory) for each with the sampled values as
--set overrides, and reports the objective back. Any number of workers may run at once, on one
machine or as the tasks of a SLURM job array (jobscripts/goal_search.sbatch): the study lives in
STUDY_DIR/study.journal, Optuna's journal file storage, which needs no database server and works
on a shared file system. A worker killed in the middle of a trial (scancel, a node failure, a
time limit) loses nothing: its trial is marked failed and its values are queued again, at once
if the worker got SIGTERM, or by the next worker that finds the trial's heartbeat stale.

Objective: the validation accuracy after the configured epochs (classification), never the
test set; or the median capacity over the sweep's seeds (memory). Classification trials report
every epoch's validation accuracy, so that a pruner can stop hopeless ones.

`report` writes STUDY_DIR/trials.csv (every trial: number, state, value, values, seconds,
worker), STUDY_DIR/best.toml (the best trial's effective configuration, ready to train) and two
pictures: best_value.png (the best value against trials) and parameters.png (each searched key
against the objective). `run` writes them too when it ends.

The search file (TOML) says what to search; docs/goal_search.md describes every key:

    config = "configs/trivariate_optimised.toml"   # relative to the search file
    set = ["training.epochs=10"]                   # fixed overrides for every trial
    trials = 100
    sampler = "tpe"            # or "cmaes"
    seed = 1                   # the sampler's seed
    pruner = "median"          # or "none"
    ranks = 1                  # MPI ranks per trial
    [[parameters]]
    key = "layers.hidden.goal[{1}{2}{3}]"  # an element of a goal by atom name, or [index]
    low = -1.0
    high = 1.0
"""
import argparse
import csv
import math
import os
import pathlib
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import tomllib
import warnings

# The journal storage is "experimental" in Optuna 3.1 (Debian 12's); it is what works on a shared
# file system without a server.
warnings.filterwarnings("ignore", message=".*is experimental")

REPO = pathlib.Path(__file__).resolve().parent.parent
SEARCH_KEYS = {"config", "set", "trials", "sampler", "seed", "pruner", "ranks", "parameters",
               "binary", "launcher", "seeds", "stale_seconds"}
PARAMETER_KEYS = {"key", "low", "high", "log"}
HEARTBEAT_SECONDS = 5.0


class SearchError(Exception):
    """A bad search file or study directory: printed as one line, exit code 2."""


class Terminated(Exception):
    """The worker got SIGTERM (scancel, a time limit): its trial is queued again."""


class LaunchFailed(RuntimeError):
    """The launcher ran nothing and yet exited 0: srun does so when the job is cancelled while
    it starts the step ("launch failed"). Nothing of the trial ran: it is queued again."""


# A worker whose launcher fails this many trials in a row stops (exit code 1), rather than queue
# the same values again forever.
MAX_LAUNCH_FAILURES = 3


# ------------------------------------------------------------------------------------------
# The search file

def load_search(path):
    path = pathlib.Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise SearchError(f"{path}: cannot read the search file: {e.strerror}")
    try:
        search = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SearchError(f"{path}: not valid TOML: {e}")
    unknown = sorted(set(search) - SEARCH_KEYS)
    if unknown:
        raise SearchError(f"{path}: unknown key {unknown[0]} (expected one of: "
                          f"{', '.join(sorted(SEARCH_KEYS))})")
    if "config" not in search:
        raise SearchError(f"{path}: config is missing (the configuration to search around)")
    config = pathlib.Path(search["config"])
    search["config"] = str(config if config.is_absolute() else (path.parent / config).resolve())
    search.setdefault("set", [])
    if not isinstance(search["set"], list) or not all(isinstance(s, str) for s in search["set"]):
        raise SearchError(f"{path}: set must be an array of \"key=value\" strings")

    def integer(key, default, low):
        value = search.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise SearchError(f"{path}: {key} must be an integer >= {low}, got {value!r}")
        search[key] = value
    integer("trials", 20, 1)
    integer("seed", 1, 0)
    integer("ranks", 1, 1)
    integer("seeds", 1, 1)
    integer("stale_seconds", 120, 10)
    for key, allowed, default in (("sampler", ("tpe", "cmaes"), "tpe"),
                                  ("pruner", ("median", "none"), "median")):
        value = search.setdefault(key, default)
        if value not in allowed:
            raise SearchError(f"{path}: {key} must be one of {', '.join(allowed)}, got {value!r}")
    search.setdefault("binary", str(REPO / "build/apps/infomorph"))
    search.setdefault("launcher", "auto")
    parameters = search.get("parameters")
    if not isinstance(parameters, list) or not parameters:
        raise SearchError(f"{path}: no [[parameters]] to search")
    names = set()
    for i, p in enumerate(parameters):
        where = f"{path}: parameters[{i}]"
        if not isinstance(p, dict):
            raise SearchError(f"{where} must be a table")
        unknown = sorted(set(p) - PARAMETER_KEYS)
        if unknown:
            raise SearchError(f"{where}: unknown key {unknown[0]} (expected one of: "
                              f"{', '.join(sorted(PARAMETER_KEYS))})")
        for key in ("key", "low", "high"):
            if key not in p:
                raise SearchError(f"{where}: {key} is missing")
        if not isinstance(p["key"], str) or not p["key"]:
            raise SearchError(f"{where}: key must be a dotted configuration key")
        for key in ("low", "high"):
            if not isinstance(p[key], (int, float)) or isinstance(p[key], bool) \
                    or not math.isfinite(p[key]):
                raise SearchError(f"{where}: {key} must be a finite number, got {p[key]!r}")
        if not p["low"] < p["high"]:
            raise SearchError(f"{where} ({p['key']}): low {p['low']} must be below high "
                              f"{p['high']}")
        p.setdefault("log", False)
        if p["log"] and p["low"] <= 0:
            raise SearchError(f"{where} ({p['key']}): a log-scale range needs low > 0")
        if p["key"] in names:
            raise SearchError(f"{where}: {p['key']} is searched twice")
        names.add(p["key"])
    return search


# ------------------------------------------------------------------------------------------
# The configuration: effective values from `infomorph train --print-config`

ELEMENT = re.compile(r"^(?P<array>.+)\[(?P<index>[^\]]*(?:\][^\]]*)*)\]$")


def effective_config(search):
    command = [search["binary"], "train", search["config"], "--print-config"]
    for s in search["set"]:
        command += ["--set", s]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SearchError(f"{search['config']}: the configuration does not load: "
                          f"{(result.stderr or result.stdout).strip()}")
    return result.stdout


def layer_of(config, name):
    for layer in config.get("layers", []):
        if layer.get("name") == name:
            return layer
    return None


def atom_names(text, layer_name):
    """The atom names of a layer's goal, from the comment config.toml writes after it."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line == f'name = "{layer_name}"':
            for later in lines[i + 1:]:
                if later.startswith("[[") or later.startswith("["):
                    break
                if later.startswith("goal = ") and "  # " in later:
                    return [n.strip() for n in later.split("  # ", 1)[1].split(", ")]
    return []


def resolve_parameters(search, text):
    """For each parameter: (name, array key or None, index or None, base array or None)."""
    config = tomllib.loads(text)
    resolved = []
    for p in search["parameters"]:
        key = p["key"]
        match = ELEMENT.match(key)
        array_key, index = key, None
        if match:
            array_key, index = match["array"], match["index"]
        value = lookup(config, array_key)
        if value is None:
            raise SearchError(f"parameters: {array_key} is not a key of {search['config']}")
        if match is None:
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise SearchError(f"parameters: {key} is {value!r}, not a number")
            resolved.append((key, None, None, None))
            continue
        if not isinstance(value, list):
            raise SearchError(f"parameters: {array_key} is not an array")
        position = None
        if index.isdigit():
            position = int(index)
        else:
            parts = array_key.split(".")
            if len(parts) == 3 and parts[0] == "layers" and parts[2] == "goal":
                names = atom_names(text, parts[1])
                if index in names:
                    position = names.index(index)
                else:
                    raise SearchError(f"parameters: {key}: {index!r} is not an atom of "
                                      f"{array_key} (atoms: {', '.join(names)})")
        if position is None or position >= len(value):
            raise SearchError(f"parameters: {key}: no element {index} in {array_key} "
                              f"({len(value)} values)")
        resolved.append((key, array_key, position, value))
    return config, resolved


def lookup(config, dotted):
    parts = dotted.split(".")
    node = config
    if parts[0] == "layers" and len(parts) >= 2:
        node = layer_of(config, parts[1])
        parts = parts[2:]
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def overrides_for(values, resolved):
    """--set overrides: plain keys as they are, array elements as whole arrays."""
    arrays, sets = {}, []
    for (key, array_key, position, base), value in zip(resolved, values):
        if array_key is None:
            sets.append(f"{key}={value!r}")
        else:
            arrays.setdefault(array_key, list(base))[position] = value
    for array_key, array in arrays.items():
        sets.append(f"{array_key}=[{', '.join(repr(float(v)) for v in array)}]")
    return sets


# ------------------------------------------------------------------------------------------
# Running one trial

def launcher(search):
    if search["launcher"] != "auto":
        return shlex.split(search["launcher"])
    if "SLURM_JOB_ID" in os.environ:
        # Inside a job the trial runs on the job's tasks (srun --mpi=pmix starts Open MPI 4
        # programs; jobscripts/README.md). The search file's `ranks` is for runs without SLURM.
        return ["srun", f"--mpi={os.environ.get('INFOMORPH_SRUN_MPI', 'pmix')}",
                "--kill-on-bad-exit=1"]
    if search["ranks"] > 1:
        return ["mpirun", "-n", str(search["ranks"]), "--oversubscribe"]
    return []


def metric_rows(path):
    try:
        with open(path, newline="") as f:
            return list(csv.DictReader(f))
    except (OSError, csv.Error):
        return []


def run_trial(search, task, overrides, trial_dir, on_epoch):
    trial_dir.mkdir(parents=True, exist_ok=True)
    memory = task == "memory"
    command = launcher(search) + [search["binary"], "capacity" if memory else "train",
                                  search["config"], "--quiet", "--output", str(trial_dir)]
    if memory:
        command += ["--seeds", f"{search['seed']}-{search['seed'] + search['seeds'] - 1}"]
    for s in list(search["set"]) + overrides:
        command += ["--set", s]
    (trial_dir / "command.txt").write_text(shlex.join(command) + "\n")
    heartbeat = trial_dir / "heartbeat"
    reported = 0

    def report_new_epochs():
        """Each epoch's validation accuracy once, as metrics.csv grows (a no-op for memories)."""
        nonlocal reported
        if memory:
            return []
        rows = metric_rows(trial_dir / "metrics.csv")
        for row in rows[reported:]:
            on_epoch(int(float(row["epoch"])), float(row["validation_accuracy"]))
        reported = max(reported, len(rows))
        return rows
    with open(trial_dir / "trial.log", "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            while True:
                heartbeat.touch()
                try:
                    code = process.wait(timeout=HEARTBEAT_SECONDS / 5)
                    break
                except subprocess.TimeoutExpired:
                    pass
                report_new_epochs()
        except BaseException:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            raise
    tail = (trial_dir / "trial.log").read_text().strip().splitlines()[-3:]
    if code != 0:
        raise RuntimeError(f"exit code {code}: {' | '.join(tail)}")
    # infomorph writes its metrics (a capacity sweep its table) before it can exit 0.
    if not (trial_dir / ("capacity_summary.csv" if memory else "metrics.csv")).exists():
        raise LaunchFailed(f"the run started nothing: {' | '.join(tail)}")
    if memory:
        rows = metric_rows(trial_dir / "capacity_summary.csv")
        capacities = sorted(float(r["capacity"]) for r in rows)
        if not capacities:
            raise RuntimeError("no capacity_summary.csv")
        mid = len(capacities) // 2
        return capacities[mid] if len(capacities) % 2 else 0.5 * (capacities[mid - 1] +
                                                                  capacities[mid])
    rows = report_new_epochs()
    value = float(rows[-1]["validation_accuracy"]) if rows else math.nan
    if not math.isfinite(value):
        raise RuntimeError("no validation accuracy (is data.validation_fraction 0?)")
    return value


# ------------------------------------------------------------------------------------------
# The study

def open_study(study_dir, search, create):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    journal = study_dir / "study.journal"
    # The open() lock works on NFS and other shared file systems, where symlinks may not.
    storage = optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(
        str(journal), lock_obj=optuna.storages.JournalFileOpenLock(str(journal))))
    if search["sampler"] == "cmaes":
        sampler = optuna.samplers.CmaEsSampler(seed=search["seed"], n_startup_trials=1)
    else:
        sampler = optuna.samplers.TPESampler(seed=search["seed"])
    pruner = (optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)
              if search["pruner"] == "median" else optuna.pruners.NopPruner())
    return optuna.create_study(study_name="goal_search", storage=storage, sampler=sampler,
                               pruner=pruner, direction="maximize", load_if_exists=create)


def recover_stale(study, study_dir, stale_seconds):
    """Trials left RUNNING by a worker that died: failed, and their values queued again."""
    from optuna.trial import TrialState
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        beat = study_dir / "trials" / str(t.number) / "heartbeat"
        age = time.time() - (beat.stat().st_mtime if beat.exists() else t.datetime_start.timestamp())
        if age < stale_seconds:
            continue
        try:
            study._storage.set_trial_user_attr(t._trial_id, "requeued", True)
            study._storage.set_trial_state_values(t._trial_id, state=TrialState.FAIL)
        except Exception:  # another worker was first, or the trial has just ended
            continue
        study.enqueue_trial(t.params, user_attrs={"retry_of": t.number})
        print(f"goal_search: trial {t.number} was left running ({age:.0f} s without a "
              f"heartbeat): queued again", flush=True)


def budget_left(study, trials):
    from optuna.trial import TrialState
    trials_so_far = study.get_trials(deepcopy=False)
    if any(t.state == TrialState.WAITING for t in trials_so_far):
        return True
    # Complete, pruned and running trials count, and so does a trial that failed on its own (a
    # bad value); one whose worker was killed does not (its values were queued again).
    counted = sum(1 for t in trials_so_far
                  if t.state != TrialState.FAIL or not t.user_attrs.get("requeued"))
    return counted < trials


def work(args):
    import optuna
    from optuna.trial import TrialState
    study_dir = pathlib.Path(args.study_dir).resolve()
    search = load_search(args.search)
    if args.trials is not None:
        search["trials"] = args.trials
    text = effective_config(search)
    config, resolved = resolve_parameters(search, text)
    task = config.get("task", "classification")
    if task == "classification" and not config.get("data", {}).get("validation_fraction", 0):
        raise SearchError(f"{search['config']}: data.validation_fraction is 0: the objective is "
                          "the validation accuracy, and the test set is never searched on")
    study_dir.mkdir(parents=True, exist_ok=True)
    (study_dir / "trials").mkdir(exist_ok=True)
    study = open_study(study_dir, search, create=True)
    study.set_user_attr("objective", "capacity (patterns per neuron, median over seeds)"
                        if task == "memory" else "validation accuracy")
    worker = args.worker or os.environ.get("SLURM_ARRAY_TASK_ID") and \
        f"task {os.environ['SLURM_ARRAY_TASK_ID']}" or f"{socket.gethostname()}:{os.getpid()}"

    def terminate(signum, frame):
        raise Terminated()
    signal.signal(signal.SIGTERM, terminate)

    print(f"goal_search: worker {worker}: {len(resolved)} value(s) over {search['trials']} "
          f"trials, {search['sampler']} sampler, study {study_dir}", flush=True)
    launch_failures = 0
    while True:
        recover_stale(study, study_dir, search["stale_seconds"])
        if not budget_left(study, search["trials"]):
            # Trials still running elsewhere may belong to a worker that died: wait until they
            # end or go stale (and are queued again here), so the last worker leaves none behind.
            if study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
                time.sleep(HEARTBEAT_SECONDS / 2)
                continue
            break
        trial = study.ask()
        trial.set_user_attr("worker", worker)
        values = []
        for p, (key, *_rest) in zip(search["parameters"], resolved):
            values.append(trial.suggest_float(key, p["low"], p["high"], log=p["log"]))
        trial_dir = study_dir / "trials" / str(trial.number)
        start = time.time()

        def on_epoch(epoch, accuracy):
            trial.report(accuracy, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        try:
            value = run_trial(search, task, overrides_for(values, resolved), trial_dir, on_epoch)
            trial.set_user_attr("seconds", time.time() - start)
            study.tell(trial, value)
            launch_failures = 0
            print(f"goal_search: trial {trial.number}: {value:.4f} ({time.time() - start:.0f} s)",
                  flush=True)
        except optuna.TrialPruned:
            trial.set_user_attr("seconds", time.time() - start)
            study.tell(trial, state=TrialState.PRUNED)
            print(f"goal_search: trial {trial.number}: pruned", flush=True)
        except Terminated:
            # Killed (scancel, a time limit): the trial is queued again, nothing is lost.
            trial.set_user_attr("requeued", True)
            study.tell(trial, state=TrialState.FAIL)
            study.enqueue_trial(trial.params, user_attrs={"retry_of": trial.number})
            print(f"goal_search: worker {worker} terminated: trial {trial.number} queued again",
                  flush=True)
            return 143
        except LaunchFailed as e:
            trial.set_user_attr("requeued", True)
            trial.set_user_attr("error", str(e))
            study.tell(trial, state=TrialState.FAIL)
            study.enqueue_trial(trial.params, user_attrs={"retry_of": trial.number})
            launch_failures += 1
            print(f"goal_search: trial {trial.number}: {e}; queued again", flush=True)
            if launch_failures >= MAX_LAUNCH_FAILURES:
                print(f"goal_search: worker {worker}: {launch_failures} trials in a row started "
                      "nothing; stopping", flush=True)
                return 1
        except RuntimeError as e:
            trial.set_user_attr("error", str(e))
            study.tell(trial, state=TrialState.FAIL)
            print(f"goal_search: trial {trial.number} failed: {e}", flush=True)
    write_report(study_dir, study, search)
    return 0


# ------------------------------------------------------------------------------------------
# Results (several workers may write them at once: each file through a temporary and a rename)

def replace_atomically(path, write):
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(temporary)
    os.replace(temporary, path)

def write_report(study_dir, study=None, search=None):
    from optuna.trial import TrialState
    if search is None:
        copy = study_dir / "search.toml"
        if not copy.exists():
            raise SearchError(f"{study_dir}: not a study directory (no search.toml)")
        search = load_search(copy)
    if study is None:
        if not (study_dir / "study.journal").exists():
            raise SearchError(f"{study_dir}: no study.journal")
        study = open_study(study_dir, search, create=True)
    trials = study.get_trials(deepcopy=False)
    keys = [p["key"] for p in search["parameters"]]
    def write_table(path):
        with open(path, "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["number", "state", "value"] + keys + ["seconds", "worker", "retry_of",
                                                                "error"])
            for t in trials:
                out.writerow([t.number, t.state.name, "" if t.value is None else t.value] +
                             [t.params.get(k, "") for k in keys] +
                             [t.user_attrs.get("seconds", ""), t.user_attrs.get("worker", ""),
                              t.user_attrs.get("retry_of", ""), t.user_attrs.get("error", "")])
    replace_atomically(study_dir / "trials.csv", write_table)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    if not complete:
        print(f"goal_search: no complete trial yet; wrote {study_dir / 'trials.csv'}")
        return
    best = max(complete, key=lambda t: t.value)
    effective = (study_dir / "trials" / str(best.number) / "config.toml").read_text()
    effective = re.sub(r'(?m)^directory = "([^"]*trials/\d+)"$',
                       'directory = "runs/goal_search_best"', effective)
    header = (f"# The best trial ({best.number}, objective {best.value:.6f}) of the goal search "
              f"in {study_dir}.\n# Train it with: infomorph train best.toml --set "
              f"training.epochs=100\n")
    replace_atomically(study_dir / "best.toml", lambda p: p.write_text(header + effective))
    plot(study_dir, complete, keys, study.user_attrs.get("objective", "objective"))
    print(f"goal_search: {len(complete)} complete of {len(trials)} trials; best {best.value:.4f} "
          f"(trial {best.number}); wrote trials.csv, best.toml, best_value.png, parameters.png "
          f"in {study_dir}")


def plot(study_dir, complete, keys, objective):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ordered = sorted(complete, key=lambda t: t.number)
    best, running = [], -math.inf
    for t in ordered:
        running = max(running, t.value)
        best.append(running)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([t.number for t in ordered], [t.value for t in ordered], "o", ms=3, alpha=0.5,
            label="trial")
    ax.step([t.number for t in ordered], best, where="post", label="best so far")
    ax.set_xlabel("trial number")
    ax.set_ylabel(objective)
    ax.set_title(f"goal search: {len(ordered)} complete trials")
    ax.legend()
    fig.tight_layout()
    replace_atomically(study_dir / "best_value.png", lambda p: fig.savefig(p, dpi=120, format="png"))
    plt.close(fig)
    n = len(keys)
    cols = min(4, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    for i, key in enumerate(keys):
        ax = axes[i // cols][i % cols]
        ax.plot([t.params[key] for t in ordered], [t.value for t in ordered], "o", ms=3)
        ax.set_xlabel(key, fontsize=7)
        ax.set_ylabel(objective, fontsize=7)
        ax.tick_params(labelsize=7)
    for j in range(n, rows * cols):
        axes[j // cols][j % cols].axis("off")
    fig.suptitle(f"each searched value against the {objective} (complete trials)", fontsize=9)
    fig.tight_layout()
    replace_atomically(study_dir / "parameters.png", lambda p: fig.savefig(p, dpi=120, format="png"))
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="one worker: run trials until the budget is spent")
    run.add_argument("search")
    run.add_argument("study_dir")
    run.add_argument("--trials", type=int, help="override the search file's trial budget")
    run.add_argument("--worker", help="this worker's name in trials.csv")
    run.add_argument("--workers", type=int, default=1,
                     help="workers on this machine (default 1), each with cores / workers "
                          "threads unless OMP_NUM_THREADS is set")
    report = sub.add_parser("report", help="trials.csv, best.toml and the pictures")
    report.add_argument("study_dir")
    args = parser.parse_args()
    try:
        if args.command == "report":
            write_report(pathlib.Path(args.study_dir).resolve())
            return 0
        study_dir = pathlib.Path(args.study_dir).resolve()
        search = load_search(args.search)
        study_dir.mkdir(parents=True, exist_ok=True)
        copy = study_dir / "search.toml"
        if not copy.exists():
            # The search's own copy, with the configuration's absolute path, for `report`.
            text = pathlib.Path(args.search).read_text()
            text = re.sub(r'(?m)^config\s*=.*$', f'config = "{search["config"]}"', text, count=1)
            replace_atomically(copy, lambda p: p.write_text(text))
        if args.workers < 1:
            raise SearchError("--workers must be at least 1")
        if args.workers == 1:
            return work(args)
        # More workers on one machine: the same command, each its own process on the study.
        environment = dict(os.environ)
        environment.setdefault("OMP_NUM_THREADS",
                               str(max(1, (os.cpu_count() or 1) // args.workers)))
        os.environ["OMP_NUM_THREADS"] = environment["OMP_NUM_THREADS"]
        others = []
        for i in range(1, args.workers):
            command = [sys.executable, __file__, "run", args.search, args.study_dir,
                       "--worker", f"worker {i}"]
            if args.trials is not None:
                command += ["--trials", str(args.trials)]
            others.append(subprocess.Popen(command, env=environment))
        args.worker = args.worker or "worker 0"
        code = work(args)
        codes = [p.wait() for p in others]
        write_report(study_dir)
        return code or next((c for c in codes if c), 0)
    except SearchError as e:
        print(f"goal_search: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
