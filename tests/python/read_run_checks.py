#!/usr/bin/python3
"""infomorph.read_run against the files it reads (h5py and the csv module, read here directly).

usage: read_run_checks.py RUN_DIRECTORY CONFIG
The run is tests/integration/tiny_trivariate.toml's: a 40-neuron three-class hidden layer on
6x6 images with 3 lateral partners each, a 3-neuron readout, 2 epochs.
"""
import csv
import sys

import h5py
import numpy as np

import infomorph

directory, config = sys.argv[1:]
run = infomorph.read_run(directory)

assert run.weights_from.name == "network.h5", run.weights_from
assert run.config["training"]["epochs"] == 2 and run.epochs == 2, (run.config, run.epochs)
assert run.attributes["epochs_done"] == 2 and run.attributes["contents"] == "results"

hidden, readout = run.weights["hidden"], run.weights["readout"]
assert hidden["receptive"]["weight"].shape == (40, 36), hidden["receptive"]["weight"].shape
assert hidden["receptive"]["bias"].shape == (40,)
assert hidden["lateral"]["partner"].shape == (40, 3)
assert readout["receptive"]["weight"].shape == (3, 40)
with h5py.File(f"{directory}/network.h5", "r") as f:
    assert np.array_equal(hidden["receptive"]["weight"], f["layers/hidden/receptive/weight"][()])
    assert np.array_equal(hidden["lateral"]["partner"], f["layers/hidden/lateral/partner"][()])
    stored_atoms = f["layers/hidden/atoms"][()]

# Per-neuron atoms: the 18 atoms of three sources and h_res, a value per neuron.
atoms = run.atoms["hidden"]
assert len(atoms) == 19 and "h_res" in atoms and "{1}{2}{3}" in atoms, sorted(atoms)
assert all(a.shape == (40,) for a in atoms.values())
assert np.array_equal(np.column_stack(list(atoms.values())), stored_atoms)

# Metrics: the same numbers metrics.csv holds, epoch by epoch.
with open(f"{directory}/metrics.csv", newline="") as f:
    rows = list(csv.DictReader(f))
assert len(rows) == 2
checked = 0
for column in rows[0]:
    if column in run.metrics and run.metrics[column].ndim == 1:
        from_csv = np.array([float(r[column]) for r in rows])
        assert np.allclose(run.metrics[column], from_csv, rtol=1e-9, atol=0), column
        checked += 1
assert checked >= 5 and ("test_accuracy" in run.metrics or "validation_accuracy" in run.metrics), \
    sorted(run.metrics)
print(f"read_run: weights, partners and {len(atoms)} atom columns equal network.h5; "
      f"{checked} metrics equal metrics.csv")
