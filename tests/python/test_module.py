#!/usr/bin/python3
"""The Python module against the command-line program (usage: test_module.py INFOMORPH_BINARY
DATA_DIR; the module on PYTHONPATH):
  - infomorph.pid of every test distribution equals `infomorph pid FILE` to 1e-12;
  - bad arrays raise ValueError with the messages of the CLI's checks;
  - the goal's gradient agrees with finite differences.
"""
import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

import infomorph

binary, data = sys.argv[1], Path(sys.argv[2])
failures = 0


def check(condition, what):
    global failures
    if not condition:
        failures += 1
        print(f"FAIL: {what}")


def dense(path):
    """A CSV of outcomes (s1..sn, t, p) as the array p[s1, ..., sn, t]."""
    rows = [r for r in csv.reader(open(path)) if r and not r[0].startswith("#")]
    values = np.array([[int(v) for v in r[:-1]] for r in rows[1:]])
    p = np.zeros(tuple(values.max(axis=0) + 1))
    for r, v in zip(rows[1:], values):
        p[tuple(v)] += float(r[-1])
    return p


for path in sorted(data.glob("*.csv")):
    if path.name.startswith("bad_"):
        continue
    cli = json.loads(subprocess.run([binary, "pid", str(path)], check=True,
                                    capture_output=True, text=True).stdout)
    ours = infomorph.pid(dense(path))
    check(ours["sources"] == cli["sources"], f"{path.name}: sources")
    check(list(ours["atoms"]) == list(cli["atoms"]), f"{path.name}: atom names and order")
    for name, value in cli["atoms"].items():
        check(abs(ours["atoms"][name] - value) < 1e-12, f"{path.name}: atom {name}")
    check(abs(ours["h_res"] - cli["h_res"]) < 1e-12, f"{path.name}: h_res")
    print(f"{path.name}: equal to the CLI")

for array, message in ((-np.ones((2, 2)), "must not be negative"),
                       (np.full((2, 2), np.nan), "must be finite"),
                       (np.zeros((2, 3)), "all probabilities are zero"),
                       (np.ones((2,) * 6), "1 to 4 sources are supported, got 5"),
                       (np.ones(3), "one axis per source")):
    try:
        infomorph.pid(array)
        check(False, f"no error for {message}")
    except ValueError as error:
        check(message in str(error), f"'{message}' not in '{error}'")
try:
    infomorph.pid(np.ones((2, 2, 2)), goal=[1.0, 2.0])
    check(False, "no error for a goal of the wrong length")
except ValueError as error:
    check("goal" in str(error), f"goal error: {error}")

# The gradient is with respect to each entry of the normalised p; the module normalises its
# input, so a finite difference of the input sees the gradient minus its p-weighted mean.
rng = np.random.default_rng(3)
p = rng.random((3, 2, 2))
p /= p.sum()
goal = [0.3, -0.2, 1.0, 0.5, 0.1]
result = infomorph.pid(p, goal=goal)
gradient = result["gradient"]
check(gradient.shape == p.shape and np.isfinite(gradient).all(), "gradient shape")
step = 1e-6
for index in np.ndindex(p.shape):
    q = p.copy()
    q[index] += step
    numeric = (infomorph.pid(q, goal=goal)["goal"] - infomorph.pid(p, goal=goal)["goal"]) / step
    analytic = gradient[index] - (gradient * p).sum()
    check(abs(numeric - analytic) < 1e-4, f"gradient at {index}: {numeric} vs {analytic}")
print("gradient agrees with finite differences")
print(f"infomorph {infomorph.__version__}: {'FAILED' if failures else 'all checks passed'}")
sys.exit(1 if failures else 0)
