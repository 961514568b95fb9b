#!/usr/bin/python3
"""What a hidden layer's code carries, from the codes.h5 of classification runs
(output.codes = true): the unsupervised table of docs/unsupervised.md.

usage: scripts/unsupervised_table.py RUNS_DIR [--models M ...] [--sizes N ...] [--seeds S ...]
       scripts/unsupervised_table.py --run RUN_DIR      (one run, printed)

RUNS_DIR holds <model>_n<N>_s<seed>/ as bench/unsupervised.sh writes them (each with codes.h5,
metrics.csv and frozen/metrics.csv); the script writes RUNS_DIR/table.csv (one row per run) and
RUNS_DIR/table.md (median and range over seeds per model and N).

Every figure is computed on the test split of the hidden layer named "hidden" (bits; the code
h = (h_1 .. h_N), each h_i in {-1, +1}, as the last evaluation of the run sampled it):

  readout       test accuracy of the run's own infomorphic readout (trained with the layer)
  frozen        test accuracy of an infomorphic readout trained afresh on the frozen layer
  probe         test accuracy of a softmax regression on h (fitted on the training split;
                the step count chosen on the validation split)
  I(h;Y) >=     H(Y) - cross-entropy of that regression on the test split: a lower bound on the
                information the whole code carries about the label (Barber & Agakov 2003),
                since the joint distribution of N binary units cannot be histogrammed
  I(h_i;Y)      mean over neurons of the plug-in mutual information of one neuron with the
                label (2 x 10 table over 10 000 samples: bias below 0.001 bit)
  H(h_i)        mean plug-in entropy of one neuron (1 bit: used half the time)
  I(h_i;h_j)    mean plug-in mutual information over all pairs i < j: how much the neurons'
                codes overlap (0: pairwise independent)
"""
import argparse
import csv
import math
import statistics
import sys
from pathlib import Path

import h5py
import numpy as np


def unpack(group, layer):
    """The +-1 code of a split as an n x N array of 0/1 (1 where the neuron emitted +1)."""
    words = group[layer][()]
    n_neurons = int(group[layer].attrs["neurons"])
    bits = np.unpackbits(words.view(np.uint8), axis=1, bitorder="little")
    return bits[:, :n_neurons].astype(np.float32)


def entropy(p):
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def neuron_label_information(x, y):
    """Per neuron: plug-in I(h_i; Y) in bits. x: n x N of 0/1, y: n labels."""
    n, n_neurons = x.shape
    classes = np.unique(y)
    p_y = np.array([(y == c).mean() for c in classes])
    on = x.mean(axis=0)
    h_x = np.array([entropy(np.array([q, 1 - q])) for q in on])
    h_x_given_y = np.zeros(n_neurons)
    for c, pc in zip(classes, p_y):
        q = x[y == c].mean(axis=0)
        h_x_given_y += pc * np.array([entropy(np.array([v, 1 - v])) for v in q])
    return h_x - h_x_given_y, h_x


def mean_pairwise_information(x):
    """Mean plug-in I(h_i; h_j) over all pairs i < j, in bits, from the 2 x 2 tables."""
    n, n_neurons = x.shape
    if n_neurons < 2:
        return float("nan")
    x64 = x.astype(np.float64)
    p11 = (x64.T @ x64) / n
    p1 = x64.mean(axis=0)
    p10 = p1[:, None] - p11
    p01 = p1[None, :] - p11
    p00 = 1 - p1[:, None] - p1[None, :] + p11
    total = np.zeros_like(p11)
    for joint, a, b in ((p11, p1[:, None], p1[None, :]), (p10, p1[:, None], 1 - p1[None, :]),
                        (p01, 1 - p1[:, None], p1[None, :]),
                        (p00, 1 - p1[:, None], 1 - p1[None, :])):
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(joint > 1e-12, joint * np.log2(joint / (a * b)), 0.0)
        total += term
    upper = np.triu_indices(n_neurons, k=1)
    return float(total[upper].mean())


def softmax_probe(train, validation, test, max_steps=400, rate=0.05, l2=1e-4):
    """Softmax regression of the label on the +-1 code, full-batch Adam; the step count with
    the lowest validation cross-entropy is kept. Returns (test accuracy, test cross-entropy in
    bits)."""
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = train, validation, test
    n_classes = int(max(y_tr.max(), y_va.max(), y_te.max())) + 1

    def features(x):
        return np.hstack([2 * x - 1, np.ones((x.shape[0], 1), np.float32)])

    f_tr, f_va, f_te = features(x_tr), features(x_va), features(x_te)
    w = np.zeros((f_tr.shape[1], n_classes), np.float32)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    onehot = np.eye(n_classes, dtype=np.float32)[y_tr]

    def log_probs(f, w):
        z = f @ w
        z -= z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def cross_entropy(f, y, w):
        return float(-log_probs(f, w)[np.arange(len(y)), y].mean() / math.log(2))

    best = (cross_entropy(f_va, y_va, w), w.copy())
    for step in range(1, max_steps + 1):
        p = np.exp(log_probs(f_tr, w))
        grad = f_tr.T @ (p - onehot) / len(y_tr) + l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= rate * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
        if step % 10 == 0:
            ce = cross_entropy(f_va, y_va, w)
            if ce < best[0]:
                best = (ce, w.copy())
    w = best[1]
    accuracy = float((log_probs(f_te, w).argmax(axis=1) == y_te).mean())
    return accuracy, cross_entropy(f_te, y_te, w)


def last_test_accuracy(metrics_csv):
    rows = list(csv.DictReader(open(metrics_csv)))
    return float(rows[-1]["test_accuracy"]) if rows else float("nan")


def analyse(run):
    run = Path(run)
    with h5py.File(run / "codes.h5", "r") as f:
        splits = {}
        for name in ("train", "validation", "test"):
            splits[name] = (unpack(f[name], "hidden"), f[name]["labels"][()].astype(np.int64))
        predictions = f["test"]["predictions"][()]
    x, y = splits["test"]
    info, h = neuron_label_information(x, y)
    probe_accuracy, probe_ce = softmax_probe(splits["train"], splits["validation"], splits["test"])
    h_y = entropy(np.bincount(y) / len(y))
    frozen = run / "frozen" / "metrics.csv"
    return {
        "run": run.name,
        "neurons": x.shape[1],
        "readout": last_test_accuracy(run / "metrics.csv"),
        "readout_from_codes": float((predictions == y).mean()),
        "frozen": last_test_accuracy(frozen) if frozen.exists() else float("nan"),
        "probe": probe_accuracy,
        "label_information_bound": h_y - probe_ce,
        "label_entropy": h_y,
        "neuron_label_information": float(info.mean()),
        "neuron_entropy": float(h.mean()),
        "pairwise_information": mean_pairwise_information(x),
    }


COLUMNS = ["readout", "frozen", "probe", "label_information_bound", "neuron_label_information",
           "neuron_entropy", "pairwise_information"]


def summary(values, percent):
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return "-"
    scale, unit, digits = (100, "%", 1) if percent else (1, "", 3)
    med = statistics.median(values) * scale
    if len(values) == 1:
        return f"{med:.{digits}f}{unit}"
    return f"{med:.{digits}f}{unit} ({min(values) * scale:.{digits}f}-{max(values) * scale:.{digits}f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="?", type=Path)
    parser.add_argument("--run", type=Path, help="analyse one run directory and print it")
    parser.add_argument("--models", nargs="+",
                        default=["lateral_heuristic", "lateral_optimised", "random_projection"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10, 100, 1000])
    parser.add_argument("--seeds", nargs="+", type=int, default=[30, 31, 32])
    args = parser.parse_args()
    if args.run:
        for key, value in analyse(args.run).items():
            print(f"{key:>26}: {value}")
        return
    if args.runs is None:
        parser.error("give RUNS_DIR or --run RUN_DIR")
    rows = []
    for model in args.models:
        for n in args.sizes:
            for seed in args.seeds:
                run = args.runs / f"{model}_n{n}_s{seed}"
                if not (run / "codes.h5").exists():
                    print(f"missing: {run}", file=sys.stderr)
                    continue
                row = {"model": model, "seed": seed, **analyse(run)}
                rows.append(row)
                print(f"{model} N={n} seed {seed}: readout {100 * row['readout']:.2f}%, probe "
                      f"{100 * row['probe']:.2f}%, I(h;Y) >= {row['label_information_bound']:.3f} bit",
                      flush=True)
    if not rows:
        sys.exit("no run with a codes.h5 found")
    with open(args.runs / "table.csv", "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    header = ("| model | N | seeds | readout | frozen readout | softmax probe | I(h;Y) >= (bits) "
              "| mean I(h_i;Y) | mean H(h_i) | mean I(h_i;h_j) |")
    lines = [header, "|" + "---|" * 10]
    for model in args.models:
        for n in args.sizes:
            group = [r for r in rows if r["model"] == model and r["neurons"] == n]
            if not group:
                continue
            cells = [summary([r[c] for r in group], c in ("readout", "frozen", "probe"))
                     for c in COLUMNS]
            lines.append(f"| {model} | {n} | {len(group)} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"H(Y) = {rows[0]['label_entropy']:.3f} bits (test labels). Median (min-max) "
                 "over seeds; estimators in scripts/unsupervised_table.py.")
    (args.runs / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
