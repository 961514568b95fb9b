#!/usr/bin/python3
"""PID throughput from Python: infomorph.pid against dit's PID_SX and SxPID, the two public
Python implementations of the same measure (shared-exclusion redundancy I_sx, Makkeh, Gutknecht
& Wibral 2021), on the same random joint distributions of 2, 3 and 4 sources.

usage: bench/pid_python.py --dit DIT --lattices LATTICES --sxpid SXPID
                           [--seconds 0.5] [--rounds 3] [--out bench/results/pid_python]

DIT, LATTICES and SXPID are checkouts of their public sources (not dependencies of infomorph,
and not installed: they are put on sys.path here):
    git clone https://github.com/dit/dit  &&  git clone https://github.com/dit/lattices
    git clone https://github.com/Abzinger/SxPID
dit also needs Debian's python3-boltons python3-debtcollector python3-loguru python3-networkx
python3-scipy python3-xarray python3-prettytable (its PLTable table printer is stood in for by
prettytable, which it forks), and SxPID python3-tqdm. SxPID's moebius.pkl (its precomputed
lattice inversion), where a checkout lacks it (it is a large file), is computed here with
SxPID's own Lattice class for 2-4 sources, in a copy of the checkout.

Each distribution is a Dirichlet(1) draw (seed 1 onwards) over every combination of the source
values (k values each) and a binary target. Every implementation gets it in its own input form
(a numpy array, a dit Distribution, a dict), built outside the timing. Timings alternate between
the implementations: in each of --rounds rounds each one runs its calls for about --seconds
(at least one call), and the median time per call over rounds is reported; an implementation
whose first call takes longer than 4 x --seconds is measured by that call alone, and a case
that one is predicted to take longer than --max-seconds-per-call on (from its previous case,
with dit's cost, outcomes^2 x atoms) is not run and says so. Before timing, the
atoms of each implementation are compared with infomorph's: the largest absolute difference in
bits is reported, and a difference above 1e-9 bits fails the run. Writes OUT/pid_python.csv
and OUT/pid_python.md (the table in the README).
"""
import argparse
import contextlib
import csv
import io
import os
import pickle
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / os.environ.get("INFOMORPH_BUILD_DIR", "build") / "python"))
import infomorph  # noqa: E402

# (sources, values per source): binary sources as in the classic logic gates, and the
# four-valued ones where dit's loop over outcome pairs starts to cost.
# In order of dit's cost (see cost()), so that a case predicted to be too slow is skipped.
CASES = [(2, 2), (2, 4), (3, 2), (4, 2), (3, 4), (2, 20)]
TOLERANCE_BITS = 1e-9


def atom_key(sets):
    """An atom as a set of sets of 1-based source numbers, e.g. {1}{23} -> {{1}, {2, 3}}."""
    return frozenset(frozenset(s) for s in sets)


def parse_infomorph_name(name):
    return atom_key([int(c) for c in part] for part in name.strip("{}").split("}{"))


def prepare_dit(dit_dir, lattices_dir):
    shim = Path(tempfile.mkdtemp(prefix="pltable-shim-"))
    # dit prints its tables with PLTable (a fork of prettytable, not in Debian).
    (shim / "pltable.py").write_text(
        "from prettytable import PrettyTable\n"
        "try:\n    from prettytable import SINGLE_BORDER as UNICODE_LINES\n"
        "except ImportError:\n    UNICODE_LINES = None\n")
    sys.path[:0] = [str(dit_dir), str(lattices_dir), str(shim)]
    import lattices.lattices as lattice_module
    # dit's syndisc (not its PID_SX) imports a function that older lattices releases lack.
    if not hasattr(lattice_module, "constraint_lattice"):
        lattice_module.constraint_lattice = None
    import dit
    from dit.pid import PID_SX
    return dit, PID_SX


def prepare_sxpid(sxpid_dir):
    package = Path(sxpid_dir) / "sxpid"
    copy = Path(tempfile.mkdtemp(prefix="sxpid-")) / "sxpid"
    shutil.copytree(package, copy)
    sys.path.insert(0, str(copy.parent))
    from sxpid import SxPID
    # SxPID wraps its loops in a tqdm progress bar whatever its verbosity: without it here, so
    # that neither the terminal nor the timing carries it.
    SxPID.tqdm = lambda iterable, **_: iterable
    moebius = copy / "moebius.pkl"
    try:
        with open(moebius, "rb") as f:
            pickle.load(f)
    except Exception:
        # Upstream's compute_moebius_inversion, restricted to the 2-4 sources compared here.
        with open(copy / "lattices.pkl", "rb") as f:
            lattices = pickle.load(f)
        table = {}
        for n in (2, 3, 4):
            achains = list(lattices[n].keys())
            with contextlib.redirect_stdout(io.StringIO()):
                table[n] = [achains, SxPID.Lattice(n, achains).compute_moebius_inversion()]
        with open(moebius, "wb") as f:
            pickle.dump(table, f)
    return SxPID


def draw(n_sources, k, seed):
    rng = np.random.default_rng(seed)
    shape = (k,) * n_sources + (2,)
    return rng.dirichlet(np.ones(int(np.prod(shape)))).reshape(shape)


def infomorph_atoms(p):
    return {parse_infomorph_name(n): v for n, v in infomorph.pid(p)["atoms"].items()}


def dit_input(dit, p):
    outcomes, probabilities = [], []
    for index, value in np.ndenumerate(p):
        outcomes.append(tuple(index))
        probabilities.append(value)
    return dit.Distribution(outcomes, probabilities)


def dit_atoms(PID_SX, distribution, n_sources):
    result = PID_SX(distribution, [[i] for i in range(n_sources)], [n_sources])
    return {atom_key([i + 1 for i in part] for part in node): result.get_pi(node)
            for node in result._lattice}


def sxpid_input(p):
    return {tuple(int(i) for i in index): float(v) for index, v in np.ndenumerate(p)}


def sxpid_atoms(SxPID, pdf):
    average = SxPID.pid(pdf, verbose=0, n_threads=1, pointwise=False)
    return {atom_key(achain): values[2] for achain, values in average.items()}


def cost(n_sources, k):
    """The relative work of dit's I_sx for a case: for every outcome and every atom it scans
    all outcomes (the union probabilities), so outcomes^2 x atoms. Used only to skip a case
    predicted to take longer than --max-seconds-per-call from the previous one."""
    outcomes = 2 * k ** n_sources
    atoms = {2: 4, 3: 18, 4: 166}[n_sources]
    return outcomes * outcomes * atoms


def row(n_sources, k, outcomes, name, seconds, slowdown, difference, note):
    return {"sources": n_sources, "values_per_source": k, "outcomes": outcomes,
            "implementation": name,
            "seconds_per_pid": "" if seconds is None else f"{seconds:.3e}",
            "pids_per_second": "" if seconds is None else f"{1 / seconds:.4g}",
            "slowdown_vs_infomorph": "" if slowdown is None else f"{slowdown:.4g}",
            "max_abs_atom_difference_bits": "" if difference is None else f"{difference:.2e}",
            "note": note}


def per_call(function, seconds):
    """Seconds per call, calling function for about `seconds` (at least once)."""
    calls, start = 0, time.perf_counter()
    while True:
        function()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return elapsed / calls


def duration(seconds):
    if seconds >= 1:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} us"


def write_table(rows, path, rounds):
    with open(path, "w") as f:
        f.write(f"PID throughput from Python ({platform.machine()}, one thread; "
                f"`bench/pid_python.py`): time per PID, median of {rounds} alternating rounds "
                "(one call where a call is longer than a round), and how many times infomorph's\n\n")
        f.write("| sources x values | outcomes | infomorph | dit PID_SX | SxPID |\n|---|---|---|---|---|\n")
        for n_sources, k in CASES:
            cells = {r["implementation"]: r for r in rows
                     if int(r["sources"]) == n_sources and int(r["values_per_source"]) == k}

            def cell(name):
                r = cells[name]
                if not r["seconds_per_pid"]:
                    return r["note"]
                text = duration(float(r["seconds_per_pid"]))
                if name == "infomorph":
                    return text
                return f"{text} ({float(r['slowdown_vs_infomorph']):,.0f}x)"
            f.write(f"| {n_sources} x {k} | {2 * k ** n_sources} | {cell('infomorph')} | "
                    f"{cell('dit PID_SX')} | {cell('SxPID')} |\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dit", type=Path)
    parser.add_argument("--lattices", type=Path)
    parser.add_argument("--sxpid", type=Path)
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-seconds-per-call", type=float, default=300.0,
                        help="skip a case where an implementation is predicted to take longer")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/pid_python")
    parser.add_argument("--table-only", action="store_true",
                        help="only rewrite OUT/pid_python.md from OUT/pid_python.csv")
    args = parser.parse_args()
    if args.table_only:
        with open(args.out / "pid_python.csv", newline="") as f:
            write_table(list(csv.DictReader(f)), args.out / "pid_python.md", args.rounds)
        return
    if not (args.dit and args.lattices and args.sxpid):
        parser.error("--dit, --lattices and --sxpid are needed (checkouts of their sources)")
    dit, PID_SX = prepare_dit(args.dit, args.lattices)
    SxPID = prepare_sxpid(args.sxpid)

    rows = []
    last_measured = {}  # implementation -> (seconds per call, cost) of its last case
    for seed, (n_sources, k) in enumerate(CASES, start=1):
        p = draw(n_sources, k, seed)
        reference = infomorph_atoms(p)
        inputs = {"infomorph": lambda p=p: infomorph.pid(p),
                  "dit PID_SX": lambda d=dit_input(dit, p), n=n_sources: dit_atoms(PID_SX, d, n),
                  "SxPID": lambda pdf=sxpid_input(p): sxpid_atoms(SxPID, pdf)}
        case_cost = cost(n_sources, k)
        timed, single, skipped, differences = {}, {}, {}, {"infomorph": 0.0}
        for name, run in inputs.items():
            if name in last_measured:
                seconds, earlier_cost = last_measured[name]
                predicted = seconds * case_cost / earlier_cost
                if predicted > args.max_seconds_per_call:
                    skipped[name] = predicted
                    continue
            start = time.perf_counter()
            atoms = run()
            first_call = time.perf_counter() - start
            if name != "infomorph":
                if set(atoms) != set(reference):
                    sys.exit(f"{name}: other atoms than infomorph's for {n_sources} sources")
                differences[name] = max(abs(atoms[a] - reference[a]) for a in reference)
                if differences[name] > TOLERANCE_BITS:
                    sys.exit(f"{name} differs from infomorph by {differences[name]:.3g} bits "
                             f"({n_sources} sources, {k} values)")
            # A call that takes longer than a round is its own measurement.
            if first_call > args.seconds * 4:
                single[name] = first_call
            else:
                timed[name] = []
        names = list(timed)
        for r in range(args.rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:
                timed[name].append(per_call(inputs[name], args.seconds))
        seconds = {name: statistics.median(t) for name, t in timed.items()} | single
        ours = seconds["infomorph"]
        for name in inputs:
            if name in skipped:
                rows.append(row(n_sources, k, p.size, name, None, None, None,
                                f"not run: predicted {skipped[name]:.0f} s per PID"))
                print(f"{n_sources} sources x {k} values: {name} not run, predicted "
                      f"{skipped[name]:.0f} s per PID (--max-seconds-per-call)", flush=True)
                continue
            t = seconds[name]
            last_measured[name] = (t, case_cost)
            note = "one call" if name in single else f"median of {args.rounds} rounds"
            rows.append(row(n_sources, k, p.size, name, t, t / ours, differences[name], note))
            print(f"{n_sources} sources x {k} values ({p.size} outcomes)  {name:<11} "
                  f"{t * 1e3:10.3f} ms/PID  {t / ours:9.1f}x  max |diff| "
                  f"{differences[name]:.1e} bits ({note})", flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "pid_python.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    write_table(rows, args.out / "pid_python.md", args.rounds)
    print(f"wrote {args.out}/pid_python.csv and pid_python.md")


if __name__ == "__main__":
    main()
