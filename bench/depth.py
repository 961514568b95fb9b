#!/usr/bin/python3
"""Test accuracy against depth: the hidden layer of configs/trivariate_deep.toml stacked 1, 2, 3
... times (each reading the one below, all with the label as context), over several seeds.

usage: bench/depth.py [--depths 1 2 3] [--seeds 30 31 32] [--epochs 20] [--neurons 100]
                      [--runs runs/depth] [--plot docs/images/accuracy_vs_depth.png]

Runs `infomorph train` (build/apps/infomorph, or $INFOMORPH_BUILD_DIR/apps/infomorph) once per
depth and seed, one after another, with training.evaluate_train = false; a run whose
metrics.csv already holds every epoch is not run again. Writes RUNS/depth.csv (depth, seed,
epoch, validation and test accuracy) and the plot: test accuracy against the epoch for each
depth (median over seeds, min-max band) and the final test accuracy against depth.
"""
import argparse
import csv
import os
import statistics
import subprocess
import sys
import tomllib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML for {value!r}")


def deep_config(template, depth, neurons):
    """The template with its first hidden layer stacked depth times, as TOML text."""
    hidden = template["layers"][0]
    readout = template["layers"][-1]
    lines = []
    for section in ("data", "training", "output"):
        lines.append(f"[{section}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in template[section].items()]
        lines.append("")
    layers = []
    for d in range(depth):
        layer = dict(hidden, name=f"hidden{d + 1}", neurons=neurons)
        layer["receptive"] = dict(hidden["receptive"],
                                  source="image" if d == 0 else f"hidden{d}")
        layers.append(layer)
    layers.append(dict(readout, receptive=dict(readout["receptive"], source=f"hidden{depth}")))
    for layer in layers:
        lines.append("[[layers]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in layer.items()]
        lines.append("")
    return "\n".join(lines)


def accuracies(metrics):
    with open(metrics, newline="") as f:
        return [(int(r["epoch"]), float(r["validation_accuracy"]), float(r["test_accuracy"]))
                for r in csv.DictReader(f)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--depths", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--seeds", type=int, nargs="+", default=[30, 31, 32])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--neurons", type=int, default=100)
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "depth")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "images" / "accuracy_vs_depth.png")
    parser.add_argument("--data", default=None, help="data.directory (default: the template's)")
    args = parser.parse_args()
    build = Path(os.environ.get("INFOMORPH_BUILD_DIR", ROOT / "build"))
    binary = build / "apps" / "infomorph"
    with open(ROOT / "configs" / "trivariate_deep.toml", "rb") as f:
        template = tomllib.load(f)
    if args.data:
        template["data"]["directory"] = args.data
    args.runs.mkdir(parents=True, exist_ok=True)
    rows = []
    for depth in args.depths:
        config = args.runs / f"depth{depth}.toml"
        config.write_text(deep_config(template, depth, args.neurons))
        for seed in args.seeds:
            out = args.runs / f"depth{depth}_s{seed}"
            done = (out / "metrics.csv").exists() and len(accuracies(out / "metrics.csv")) >= args.epochs
            if not done:
                print(f"depth {depth} seed {seed} ...", flush=True)
                command = [str(binary), "train", str(config), "--quiet", "--output", str(out),
                           "--set", f"training.epochs={args.epochs}",
                           "--set", f"training.seed={seed}",
                           "--set", "training.evaluate_train=false"]
                with open(args.runs / f"depth{depth}_s{seed}.log", "w") as log:
                    if subprocess.run(command, stdout=log, stderr=subprocess.STDOUT).returncode:
                        sys.exit(f"depth {depth} seed {seed} failed: see {log.name}")
            for epoch, validation, test in accuracies(out / "metrics.csv")[:args.epochs]:
                rows.append({"depth": depth, "seed": seed, "epoch": epoch,
                             "validation_accuracy": validation, "test_accuracy": test})
    with open(args.runs / "depth.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    finals = {}
    for depth in args.depths:
        epochs = sorted({r["epoch"] for r in rows if r["depth"] == depth})
        med, lo, hi = [], [], []
        for e in epochs:
            values = [100 * r["test_accuracy"] for r in rows if r["depth"] == depth and r["epoch"] == e]
            med.append(statistics.median(values))
            lo.append(min(values))
            hi.append(max(values))
        line, = left.plot(epochs, med, label=f"{depth} hidden layer{'s' if depth > 1 else ''}")
        left.fill_between(epochs, lo, hi, color=line.get_color(), alpha=0.2)
        finals[depth] = [100 * r["test_accuracy"] for r in rows
                         if r["depth"] == depth and r["epoch"] == epochs[-1]]
    left.set_xlabel("epoch")
    left.set_ylabel("test accuracy (%)")
    left.set_title(f"trivariate layers of {args.neurons} neurons: median and range over "
                   f"{len(args.seeds)} seeds", fontsize=10)
    left.grid(alpha=0.3)
    left.legend()
    depths = list(finals)
    right.errorbar(depths, [statistics.median(finals[d]) for d in depths],
                   yerr=[[statistics.median(finals[d]) - min(finals[d]) for d in depths],
                         [max(finals[d]) - statistics.median(finals[d]) for d in depths]],
                   fmt="o-", capsize=4)
    for d in depths:
        right.scatter([d] * len(finals[d]), finals[d], color="grey", s=10, zorder=3)
    right.set_xticks(depths)
    right.set_xlabel("hidden layers")
    right.set_ylabel(f"test accuracy after {args.epochs} epochs (%)")
    right.set_title("accuracy against depth (median, range; dots: seeds)", fontsize=10)
    right.grid(alpha=0.3)
    fig.tight_layout()
    args.plot.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.plot, dpi=120)
    print(f"wrote {args.runs / 'depth.csv'} and {args.plot}")
    for d in depths:
        print(f"depth {d}: test after {args.epochs} epochs, median {statistics.median(finals[d]):.2f}% "
              f"(min {min(finals[d]):.2f}%, max {max(finals[d]):.2f}%)")


if __name__ == "__main__":
    main()
