#!/usr/bin/python3
"""Compares two training outputs bit for bit.

usage: compare_runs.py H5_A H5_B            every dataset of two HDF5 files (network, checkpoint)
       compare_runs.py --csv CSV_A CSV_B    the metrics columns that must not depend on the rank
                                            count (accuracies, goals); timings are skipped
Exit status 1 and a list of differences if anything differs.
"""
import csv
import sys


def compare_h5(path_a, path_b):
    import h5py
    import numpy as np

    problems = []
    with h5py.File(path_a, "r") as a, h5py.File(path_b, "r") as b:
        names_a, names_b = [], []
        a.visit(lambda n: names_a.append(n) if isinstance(a[n], h5py.Dataset) else None)
        b.visit(lambda n: names_b.append(n) if isinstance(b[n], h5py.Dataset) else None)
        if sorted(names_a) != sorted(names_b):
            problems.append(f"datasets differ: {sorted(set(names_a) ^ set(names_b))}")
        for name in sorted(set(names_a) & set(names_b)):
            x, y = a[name][()], b[name][()]
            if x.shape != y.shape or x.dtype != y.dtype:
                problems.append(f"{name}: shape/type {x.shape} {x.dtype} vs {y.shape} {y.dtype}")
            elif not np.array_equal(x.view(np.uint8), y.view(np.uint8)):
                diff = np.abs(x.astype(float) - y.astype(float)).max()
                problems.append(f"{name}: values differ (max abs difference {diff:g})")
        if not names_a:
            problems.append(f"{path_a} holds no dataset")
    return problems


def compare_csv(path_a, path_b):
    def read(path):
        with open(path, newline="") as f:
            return list(csv.DictReader(f))

    rows_a, rows_b = read(path_a), read(path_b)
    if len(rows_a) != len(rows_b):
        return [f"{len(rows_a)} vs {len(rows_b)} epochs"]
    invariant = [c for c in rows_a[0]
                 if "accuracy" in c or c.startswith("goal/") or "atoms" in c or c == "epoch"]
    problems = []
    for i, (x, y) in enumerate(zip(rows_a, rows_b)):
        for c in invariant:
            if x[c] != y.get(c):
                problems.append(f"epoch row {i}, {c}: {x[c]} vs {y.get(c)}")
    if not invariant:
        problems.append("no rank-invariant column found")
    return problems


def main():
    args = sys.argv[1:]
    problems = compare_csv(*args[1:]) if args[0] == "--csv" else compare_h5(*args)
    for p in problems:
        print("  " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
