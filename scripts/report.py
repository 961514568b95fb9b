#!/usr/bin/python3
"""Pictures of a run: what a scientist would otherwise draw in a notebook.

usage: scripts/report.py RUN_DIR [--output DIR] [--neurons K]

RUN_DIR is the output directory of `infomorph train` (any task, any rank count, finished or
still running: a running run is read from its metrics.csv and checkpoint.h5) or of `infomorph
capacity`. Writes into DIR (default RUN_DIR/report) whichever of these the run has data for:

  learning_curves.png    classification: train / validation / test accuracy and each layer's
                         goal per epoch; memory: recalled fraction and mean cosine at the recall
                         checks, and the goal
  atoms_over_epochs.png  per layer, the mean PID atoms (bits) of its neurons per epoch
  neuron_atoms.png       per layer, the distribution over neurons of each atom in the last
                         epoch (network.h5 of a finished run; a checkpoint holds no atoms)
  receptive_fields.png   the receptive weights of K neurons per layer: as images for a layer
                         that reads the image, as a neuron x input map otherwise
  recall_vs_load.png     `infomorph capacity`: recalled fraction against the load, per seed
  report.md              what was drawn from which file, and what was left out and why

Exit code 2 with a message naming the file if RUN_DIR holds no run. Needs numpy, h5py and
matplotlib (scripts/setup.sh installs them).
"""
import argparse
import csv
import math
import sys
import tomllib
from pathlib import Path

import h5py
import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def read_metrics(path):
    """metrics.csv as {column: np.array}; vector columns keep their 'name[label]' form."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return {}
    columns = {}
    for name in rows[0]:
        values = []
        for row in rows:
            text = row[name]
            try:
                values.append(float(text) if text not in ("", None) else math.nan)
            except ValueError:
                values.append(math.nan)
        columns[name] = np.array(values)
    return columns


def source_names(config, layer_name):
    """'1 = image, 2 = label, 3 = hidden (lateral)' for a layer's atom legend."""
    for layer in config.get("layers", []):
        if layer.get("name") != layer_name:
            continue
        names = [layer.get("receptive", {}).get("source", "?")]
        if "contextual" in layer:
            names.append(layer["contextual"].get("source", "?"))
        if "lateral" in layer:
            names.append(f"{layer_name} (lateral)")
        return ", ".join(f"{i + 1} = {n}" for i, n in enumerate(names))
    return ""


def layer_names(metrics):
    names = []
    for column in metrics:
        if column.startswith("goal/"):
            names.append(column[len("goal/"):])
    return names


def atom_columns(metrics, layer):
    prefix = f"layers/{layer}/mean_atoms["
    return [(c[len(prefix):-1], c) for c in metrics if c.startswith(prefix)]


def save(fig, path, written):
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    written.append(path.name)


def plot_learning_curves(metrics, memory, out, written):
    epoch = metrics["epoch"]
    layers = layer_names(metrics)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    if memory:
        checked = ~np.isnan(metrics.get("recalled_fraction", np.full(len(epoch), np.nan)))
        for column, label in (("recalled_fraction", "recalled fraction"),
                              ("mean_cosine", "mean cosine to the pattern")):
            if column in metrics:
                left.plot(epoch[checked], metrics[column][checked], "o-", label=label)
        left.set_ylabel("fraction / cosine")
        left.set_title("recall at the recall checks")
        left.set_xscale("log")
    else:
        for column, label in (("train_accuracy", "train"), ("validation_accuracy", "validation"),
                              ("test_accuracy", "test")):
            values = metrics.get(column)
            if values is None:
                continue
            shown = values >= 0  # -1: not evaluated (training.evaluate_train = false)
            if shown.any():
                left.plot(epoch[shown], 100 * values[shown], label=label)
        left.set_ylabel("accuracy (%)")
        left.set_title("readout accuracy (label withheld)")
    left.set_xlabel("epoch")
    if not memory:  # (a memory's epochs are on a log axis)
        for ax in (left, right):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.grid(alpha=0.3)
    left.legend()
    for layer in layers:
        right.plot(epoch, metrics[f"goal/{layer}"], label=layer)
    right.set_xlabel("epoch")
    right.set_ylabel("goal G = gamma . atoms (bits, mean per neuron)")
    right.set_title("local goal per layer")
    if memory:
        right.set_xscale("log")
    right.grid(alpha=0.3)
    right.legend()
    save(fig, out / "learning_curves.png", written)


def plot_atoms_over_epochs(metrics, config, memory, out, written):
    layers = [l for l in layer_names(metrics) if atom_columns(metrics, l)]
    if not layers:
        return
    fig, axes = plt.subplots(1, len(layers), figsize=(6.5 * len(layers), 4.2), squeeze=False)
    epoch = metrics["epoch"]
    for ax, layer in zip(axes[0], layers):
        columns = atom_columns(metrics, layer)
        # Many atoms (19 for three sources): colour by a cycle of distinct hues and dashes.
        cmap = plt.get_cmap("tab20")
        for i, (atom, column) in enumerate(columns):
            ax.plot(epoch, metrics[column], color=cmap(i % 20),
                    linestyle="-" if i < 10 else "--", label=atom)
        ax.set_xlabel("epoch")
        ax.set_ylabel("mean over neurons (bits)")
        ax.set_title(f"{layer}: PID atoms ({source_names(config, layer)})", fontsize=10)
        if memory:
            ax.set_xscale("log")
        ax.grid(alpha=0.3)
        # Beside the axes: inside, it hides the curves that sit at the top.
        ax.legend(fontsize=7, ncol=2 if len(columns) > 10 else 1, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0))
        if not memory:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    save(fig, out / "atoms_over_epochs.png", written)


def plot_neuron_atoms(state, config, out, written):
    layers = [name for name in state["layers"] if "atoms" in state["layers"][name]]
    if not layers:
        return False
    fig, axes = plt.subplots(1, len(layers), figsize=(6.5 * len(layers), 4.2), squeeze=False)
    for ax, layer in zip(axes[0], layers):
        dataset = state["layers"][layer]["atoms"]
        atoms = dataset[()]
        labels = str(dataset.attrs["columns"]).split(",")
        ax.boxplot([atoms[:, i] for i in range(atoms.shape[1])], showfliers=True,
                   flierprops={"markersize": 2})
        ax.set_xticks(range(1, len(labels) + 1), labels, rotation=60, fontsize=8)
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.set_ylabel("bits")
        ax.set_title(f"{layer}: atoms of its {atoms.shape[0]} neurons, last epoch\n"
                     f"({source_names(config, layer)})", fontsize=10)
        ax.grid(alpha=0.3, axis="y")
    save(fig, out / "neuron_atoms.png", written)
    return True


def receptive_source(config, layer_name):
    for layer in config.get("layers", []):
        if layer.get("name") == layer_name:
            return layer.get("receptive", {}).get("source", "")
    return ""


def plot_receptive_fields(state, config, k, out, written):
    """Layers that read the image: k neurons' weights as images (one shared colour scale per
    layer); other layers: the whole neuron x input weight map."""
    panels = []
    for layer in state["layers"]:
        if "receptive" not in state["layers"][layer]:
            continue
        weight = state["layers"][layer]["receptive"]["weight"][()]
        if weight.shape[1] == 1 and "lateral" in state["layers"][layer]:
            # One weight per neuron (a memory's own pattern bit): its recurrent weights are
            # what it learned.
            weight = state["layers"][layer]["lateral"]["weight"][()]
            panels.append((layer + " lateral", weight, 0))
            continue
        side = int(round(math.sqrt(weight.shape[1])))
        as_images = receptive_source(config, layer) == "image" and side * side == weight.shape[1]
        panels.append((layer, weight, side if as_images else 0))
    if not panels:
        return
    columns = min(k, 8)
    heights = [math.ceil(min(k, w.shape[0]) / columns) * 1.15 if side else 2.2
               for _, w, side in panels]
    fig = plt.figure(figsize=(1.5 * columns + 1.5, sum(heights) * 1.5 + 0.5))
    outer = fig.add_gridspec(len(panels), 1, height_ratios=heights)
    for index, (layer, weight, side) in enumerate(panels):
        if side:
            chosen = np.linspace(0, weight.shape[0] - 1, min(k, weight.shape[0])).astype(int)
            n_rows = math.ceil(len(chosen) / columns)
            inner = outer[index].subgridspec(n_rows, columns + 1,
                                             width_ratios=[1] * columns + [0.12])
            limit = float(np.abs(weight[chosen]).max()) or 1.0
            for i, j in enumerate(chosen):
                ax = fig.add_subplot(inner[i // columns, i % columns])
                image = ax.imshow(weight[j].reshape(side, side), cmap="RdBu_r", vmin=-limit,
                                  vmax=limit)
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_title(f"{layer} neuron {j}", fontsize=7)
            fig.colorbar(image, cax=fig.add_subplot(inner[:, columns]), label="weight")
        else:
            inner = outer[index].subgridspec(1, 1)
            ax = fig.add_subplot(inner[0, 0])
            limit = float(np.abs(weight).max()) or 1.0
            image = ax.imshow(weight, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit,
                              interpolation="nearest")
            source = ("the other neurons (recurrent)" if layer.endswith(" lateral")
                      else receptive_source(config, layer) or "source")
            ax.set_xlabel(f"input: {source}")
            ax.set_ylabel("neuron")
            ax.set_title(f"{layer} weights ({weight.shape[0]} x {weight.shape[1]})",
                         fontsize=9)
            fig.colorbar(image, ax=ax, label="weight")
    fig.suptitle("weights (red: positive, blue: negative)", fontsize=10)
    fig.savefig(out / "receptive_fields.png", dpi=120)
    plt.close(fig)
    written.append("receptive_fields.png")


def plot_recall_vs_load(path, out, written):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for rule in sorted({r["rule"] for r in rows}):
        for seed in sorted({r["seed"] for r in rows if r["rule"] == rule}, key=int):
            chosen = sorted((r for r in rows if r["rule"] == rule and r["seed"] == seed),
                            key=lambda r: float(r["load"]))
            ax.plot([float(r["load"]) for r in chosen],
                    [float(r["recalled_fraction"]) for r in chosen], "o-", markersize=3,
                    label=f"{rule}, seed {seed}, N = {chosen[0]['neurons']}")
    ax.axhline(0.95, color="grey", linestyle="--", linewidth=0.8, label="success (0.95)")
    ax.set_xlim(left=0)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("load alpha = patterns / neurons")
    ax.set_ylabel("recalled fraction")
    ax.set_title("associative memory: recall against load")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    save(fig, out / "recall_vs_load.png", written)


def open_state(run):
    """The newest of network.h5 and checkpoint.h5 (by epochs done; network.h5 on a tie, it has
    the atoms), or None."""
    best = None
    for name in ("network.h5", "checkpoint.h5"):
        path = run / name
        if not path.exists():
            continue
        try:
            f = h5py.File(path, "r")
        except OSError as error:
            print(f"report: skipping {path}: {error}", file=sys.stderr)
            continue
        epochs = int(f.attrs.get("epochs_done", 0))
        if best is None or epochs > best[1]:
            if best is not None:
                best[0].close()
            best = (f, epochs, name)
        else:
            f.close()
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--output", type=Path, help="default: RUN_DIR/report")
    parser.add_argument("--neurons", type=int, default=16,
                        help="receptive fields drawn per layer (default 16)")
    args = parser.parse_args()
    run = args.run
    out = args.output or run / "report"
    metrics_path = run / "metrics.csv"
    capacity_path = run / "capacity.csv"
    if not metrics_path.exists() and not capacity_path.exists():
        print(f"report: {run} holds no run (neither metrics.csv nor capacity.csv)", file=sys.stderr)
        return 2
    config = {}
    if (run / "config.toml").exists():
        with open(run / "config.toml", "rb") as f:
            config = tomllib.load(f)
    memory = config.get("task") == "memory"
    out.mkdir(parents=True, exist_ok=True)
    written, notes = [], []

    if metrics_path.exists():
        metrics = read_metrics(metrics_path)
        if not metrics:
            notes.append("metrics.csv holds no epoch yet: no curves")
        else:
            plot_learning_curves(metrics, memory, out, written)
            plot_atoms_over_epochs(metrics, config, memory, out, written)
            notes.append(f"curves: {len(metrics['epoch'])} epochs of metrics.csv")
    if capacity_path.exists():
        plot_recall_vs_load(capacity_path, out, written)
        notes.append("recall against load: capacity.csv")

    state = open_state(run)
    if state is None:
        if metrics_path.exists():
            notes.append("no network.h5 or checkpoint.h5 yet: no weights or per-neuron atoms")
    else:
        f, epochs, name = state
        with f:
            notes.append(f"weights: {name} after epoch {epochs}")
            plot_receptive_fields(f, config, args.neurons, out, written)
            if not plot_neuron_atoms(f, config, out, written):
                notes.append(f"no per-neuron atoms: {name} holds none (network.h5 has them once "
                             "the run has finished)")

    lines = [f"# Report of {run}", ""] + [f"- {n}" for n in notes] + [""]
    lines += [f"![{w}]({w})" for w in written]
    (out / "report.md").write_text("\n".join(lines) + "\n")
    written.append("report.md")
    print(f"report: wrote {', '.join(written)} to {out}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, KeyError, ValueError) as error:
        print(f"report: {error}", file=sys.stderr)
        sys.exit(2)
