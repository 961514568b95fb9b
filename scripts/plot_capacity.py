#!/usr/bin/python3
"""Merge and plot the results of `infomorph capacity` sweeps.

    scripts/plot_capacity.py DIR [DIR ...] --output OUTDIR

Every DIR holds capacity.csv and capacity_summary.csv of one `infomorph capacity` run (one or
more seeds, one rule, one N); several directories are merged, e.g. the seed-* folders of a
jobscripts/capacity.sbatch job array, or the infomorphic and Hebbian runs of
scripts/capacity_sweep.sh. Writes to OUTDIR:

    capacity.csv          all rows of every DIR/capacity.csv, sorted by rule, neurons, seed, load
    capacity_summary.csv  all rows of every DIR/capacity_summary.csv, sorted by rule, neurons, seed
    recall_vs_load.png    recalled fraction against load: per rule (and N) the median over the
                          seeds as a line, the min-max band shaded, the success threshold dashed,
                          the published capacities dotted
    flip_vs_load.png      flip_max (largest cue flip fraction still recalled) against load, for
                          the loads that held

and prints per rule and N: seeds, median / min / max / interquartile range of the capacity and
the mean seconds per sweep. A missing or malformed CSV file is an error naming the file (exit 2).
Needs numpy and matplotlib (Debian: python3-numpy python3-matplotlib; scripts/setup.sh).
"""

import argparse
import csv
import math
import os
import sys

LOAD_COLUMNS = ["rule", "seed", "neurons", "load", "patterns", "recalled_fraction",
                "mean_cosine", "epochs", "seconds", "held", "flip_max"]
SUMMARY_COLUMNS = ["rule", "seed", "neurons", "capacity", "loads_tried", "seconds"]
# Columns that must be integers; every other column but `rule` is a finite number.
INTEGER_COLUMNS = {"seed", "neurons", "patterns", "epochs", "held", "loads_tried"}
# Published capacities (patterns per neuron): the infomorphic redundancy goal (Bluemel et al.
# 2025) and the Hebbian Hopfield network (Hopfield 1982); docs/method.md.
PUBLISHED = {"infomorphic": 1.59, "hebbian": 0.14}
SUCCESS_FRACTION = 0.95   # memory.success_fraction of configs/memory.toml
# One base colour per rule (the same in every figure); other rules take the remaining ones.
RULE_COLOURS = {"infomorphic": "#1f77b4", "hebbian": "#d62728"}
OTHER_COLOURS = ["#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]
# Several N of one rule: lighter to darker shades of its colour, and other line styles.
STYLES = ["-", "--", "-.", ":"]
MARKERS = ["o", "s", "^", "D", "v"]


class InputError(Exception):
    """A missing or malformed input file; the message names the file (exit status 2)."""


def read_csv(path, columns, allow_empty=False):
    """The rows of PATH as dicts of (text, value); checks the header and every value."""
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    try:
        with open(path, newline="", encoding="utf-8") as f:
            lines = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"{path}: cannot read: {e}") from None
    if not lines or not lines[0]:
        raise InputError(f"{path}: empty file (expected the header {','.join(columns)})")
    header = [name.strip() for name in lines[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputError(f"{path}: line 1: header lacks {', '.join(missing)} "
                         f"(expected {','.join(columns)})")
    if len(set(header)) != len(header):
        raise InputError(f"{path}: line 1: repeated column in the header")
    rows = []
    for number, fields in enumerate(lines[1:], start=2):
        if not fields or all(not x.strip() for x in fields):
            continue  # a blank line (e.g. a trailing one)
        if len(fields) != len(header):
            raise InputError(f"{path}: line {number}: {len(fields)} fields, "
                             f"the header has {len(header)}")
        row = {}
        for name, text in zip(header, fields):
            text = text.strip()
            row[name] = (text, parse_value(path, number, name, text))
        rows.append(row)
    if not rows and not allow_empty:
        raise InputError(f"{path}: no rows below the header")
    return header, rows


def parse_value(path, number, name, text):
    if name == "rule":
        if not text:
            raise InputError(f"{path}: line {number}: empty rule")
        return text
    if name not in LOAD_COLUMNS and name not in SUMMARY_COLUMNS:
        return text  # an extra column: kept in the merged file, not interpreted
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{path}: line {number}: {name} = '{text}' is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{path}: line {number}: {name} = {text} is not finite")
    if name in INTEGER_COLUMNS:
        if value != int(value) or value < 0:
            raise InputError(f"{path}: line {number}: {name} = {text} is not a non-negative "
                             "integer")
        value = int(value)
    if name == "held" and value not in (0, 1):
        raise InputError(f"{path}: line {number}: held = {text}, expected 0 or 1")
    if name in ("recalled_fraction", "flip_max") and not 0 <= value <= 1:
        raise InputError(f"{path}: line {number}: {name} = {text} is outside [0, 1]")
    return value


def key(row, names):
    return tuple(row[n][1] for n in names)


def read_inputs(directories):
    """Merged (header, rows) of capacity.csv and capacity_summary.csv over DIRS."""
    load_header = summary_header = None
    loads, summaries = [], []
    seen_loads, seen_summaries = {}, {}
    for directory in directories:
        if not os.path.isdir(directory):
            raise InputError(f"{directory}: no such directory")
        load_path = os.path.join(directory, "capacity.csv")
        summary_path = os.path.join(directory, "capacity_summary.csv")
        header, rows = read_csv(load_path, LOAD_COLUMNS)
        if load_header is None:
            load_header = header
        elif header != load_header:
            raise InputError(f"{load_path}: line 1: header {','.join(header)} differs from the "
                             f"first directory's {','.join(load_header)}")
        # The summary gets its row when a seed's sweep ends: a sweep still running (or killed)
        # has load rows and no summary yet.
        header_s, rows_s = read_csv(summary_path, SUMMARY_COLUMNS, allow_empty=True)
        if summary_header is None:
            summary_header = header_s
        elif header_s != summary_header:
            raise InputError(f"{summary_path}: line 1: header {','.join(header_s)} differs from "
                             f"the first directory's {','.join(summary_header)}")
        # The same sweep twice (a directory given twice, overlapping seeds) would count twice
        # in the medians.
        for row in rows:
            k = key(row, ["rule", "neurons", "seed", "patterns"])
            if k in seen_loads:
                raise InputError(f"{load_path}: rule {k[0]}, N = {k[1]}, seed {k[2]}, "
                                 f"P = {k[3]} also in {seen_loads[k]}")
            seen_loads[k] = load_path
        for row in rows_s:
            k = key(row, ["rule", "neurons", "seed"])
            if k in seen_summaries:
                raise InputError(f"{summary_path}: rule {k[0]}, N = {k[1]}, seed {k[2]} also in "
                                 f"{seen_summaries[k]}")
            seen_summaries[k] = summary_path
        sweeps = {key(row, ["rule", "neurons", "seed"]) for row in rows}
        for row in rows_s:
            k = key(row, ["rule", "neurons", "seed"])
            if k not in sweeps:
                raise InputError(f"{summary_path}: rule {k[0]}, N = {k[1]}, seed {k[2]} has no "
                                 f"rows in {load_path}")
        loads += rows
        summaries += rows_s
    return load_header, loads, summary_header, summaries


def write_csv(path, header, rows, order):
    rows = sorted(rows, key=lambda r: key(r, order))
    tmp = path + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow([row[n][0] for n in header])
    os.replace(tmp, path)  # a reader never sees half a file


def check_capacities(loads, summaries):
    """Warns where a summary's capacity is not the largest held load of capacity.csv."""
    held = {}
    for row in loads:
        k = key(row, ["rule", "neurons", "seed"])
        if row["held"][1]:
            held[k] = max(held.get(k, 0.0), row["load"][1])
    odd = []
    for row in summaries:
        k = key(row, ["rule", "neurons", "seed"])
        if abs(row["capacity"][1] - held.get(k, 0.0)) > 1e-6:
            odd.append(f"{k[0]} N = {k[1]} seed {k[2]}: capacity {row['capacity'][0]}, "
                       f"largest held load {held.get(k, 0.0):.6g}")
    if odd:
        print(f"note: {len(odd)} of {len(summaries)} summary capacities are not the largest "
              f"held load (P / N) of capacity.csv, e.g. {odd[0]}", file=sys.stderr)


def groups(rows):
    """{(rule, neurons): rows}, in the order rule, neurons."""
    out = {}
    for row in rows:
        out.setdefault((row["rule"][1], row["neurons"][1]), []).append(row)
    return dict(sorted(out.items()))


def rule_colour(rule):
    return RULE_COLOURS[rule]


def styles(group_keys):
    """{(rule, N): (colour, line style, marker)}; fills RULE_COLOURS for unknown rules."""
    import matplotlib.colors as mcolors
    rules = sorted({r for r, _ in group_keys})
    other = iter([c for c in OTHER_COLOURS if c not in RULE_COLOURS.values()] * 4)
    for rule in rules:
        RULE_COLOURS.setdefault(rule, next(other))
    base = RULE_COLOURS
    out = {}
    for rule in rules:
        sizes = sorted(n for r, n in group_keys if r == rule)
        for i, n in enumerate(sizes):
            colour = mcolors.to_rgb(base[rule])
            if len(sizes) > 1:  # from a lighter to a darker shade of the rule's colour
                t = 0.45 * (1 - 2 * i / (len(sizes) - 1))
                colour = tuple(c + (1 - c) * t if t > 0 else c * (1 + t) for c in colour)
            out[(rule, n)] = (colour, STYLES[i % len(STYLES)], MARKERS[i % len(MARKERS)])
    return out


def band(rows, value):
    """Per load (one P of one N): load, median, min, max and number of seeds of VALUE."""
    import numpy as np
    by_p = {}
    for row in rows:
        by_p.setdefault(row["patterns"][1], []).append(row)
    out = []
    for p in sorted(by_p):
        values = np.array([r[value][1] for r in by_p[p]])
        load = float(np.mean([r["load"][1] for r in by_p[p]]))
        out.append((load, float(np.median(values)), values.min(), values.max(), len(values)))
    return np.array(out).reshape(-1, 5)


def seed_count_text(counts):
    low, high = min(counts), max(counts)
    if low == high:
        return f"{low} seed{'s' if low != 1 else ''}"
    return f"{low}-{high} seeds"


def title_text(what, by_group, seeds_of):
    """Two lines: WHAT, then the sizes and the seed counts."""
    sizes = sorted({n for _, n in by_group})
    counts = [seeds_of[k] for k in by_group]
    each = " per curve" if len(by_group) > 1 else ""
    return f"{what}\nN = {', '.join(map(str, sizes))}, {seed_count_text(counts)}{each}"


def choose_xscale(loads, requested):
    if requested != "auto":
        return requested
    positive = [x for x in loads if x > 0]
    return "log" if positive and max(positive) / min(positive) > 20 else "linear"


def set_load_axis(ax, scale, loads):
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    ax.set_xlabel("load alpha = P / N (patterns per neuron)")
    if scale == "log":
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        positive = [x for x in loads if x > 0]
        ax.set_xlim(min(positive) / 1.25, max(positive) * 1.3)
    else:
        ax.set_xlim(0, max(loads) * 1.05 if loads else 1)


def plot_recall(path, by_group, style, seeds_of, threshold, xscale):
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=150)
    all_loads = []
    handles = []
    for k, rows in by_group.items():
        rule, n = k
        colour, line, marker = style[k]
        b = band(rows, "recalled_fraction")
        all_loads += list(b[:, 0])
        ax.fill_between(b[:, 0], b[:, 2], b[:, 3], color=colour, alpha=0.2, linewidth=0)
        h, = ax.plot(b[:, 0], b[:, 1], line, marker=marker, markersize=3.5, color=colour,
                     linewidth=1.6,
                     label=f"{rule}, N = {n}: median of {seed_count_text([seeds_of[k]])}")
        handles.append(h)
    for rule in sorted({r for r, _ in by_group}):
        if rule in PUBLISHED:
            colour = rule_colour(rule)
            h = ax.axvline(PUBLISHED[rule], linestyle=":", linewidth=1.6, color=colour,
                           label=f"published {rule} capacity {PUBLISHED[rule]:g}")
            handles.append(h)
            all_loads.append(PUBLISHED[rule])
    h = ax.axhline(threshold, linestyle="--", linewidth=1.2, color="0.35",
                   label=f"success threshold {threshold:g}")
    handles.append(h)
    # A sweep stops at its first failing load, so the seeds behind a point are those whose
    # sweep reached its load (the title gives the seeds per curve).
    handles.append(Patch(color="0.5", alpha=0.3,
                         label="min-max over the seeds that reached the load"))
    set_load_axis(ax, choose_xscale(all_loads, xscale), all_loads)
    ax.set_ylim(-0.02, 1.04)
    ax.set_ylabel("patterns recalled (fraction)")
    ax.set_title(title_text("Associative memory: recall against load", by_group, seeds_of),
                 fontsize=11)
    ax.grid(True, alpha=0.3)
    ax.legend(handles=handles, fontsize=9, loc="lower left", framealpha=0.9)
    save_figure(fig, ax, path)


def save_figure(fig, ax, path):
    """The common finish of both figures: label sizes, layout, the PNG, and the figure freed."""
    import matplotlib.pyplot as plt
    ax.tick_params(labelsize=10)
    ax.xaxis.label.set_size(11)
    ax.yaxis.label.set_size(11)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_flip(path, by_group, style, seeds_of, xscale):
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=150)
    all_loads = []
    handles = []
    top = 0.0
    for k, rows in by_group.items():
        rule, n = k
        held = [r for r in rows if r["held"][1] == 1]
        if not held:
            continue
        colour, line, marker = style[k]
        b = band(held, "flip_max")
        all_loads += list(b[:, 0])
        top = max(top, float(b[:, 3].max()))
        ax.fill_between(b[:, 0], b[:, 2], b[:, 3], color=colour, alpha=0.2, linewidth=0)
        h, = ax.plot(b[:, 0], b[:, 1], line, marker=marker, markersize=3.5, color=colour,
                     linewidth=1.6,
                     label=f"{rule}, N = {n}: median of {seed_count_text([seeds_of[k]])}")
        handles.append(h)
    if not handles:
        ax.text(0.5, 0.5, "no load held", ha="center", va="center", transform=ax.transAxes,
                fontsize=12)
        all_loads = [1.0]
    else:
        handles.append(Patch(color="0.5", alpha=0.3, label="min-max over the seeds that held"))
    set_load_axis(ax, choose_xscale(all_loads, xscale), all_loads)
    ax.set_ylim(-0.01, max(0.5, top + 0.03))
    ax.set_ylabel("largest cue flip fraction recalled")
    ax.set_title(title_text("Cue noise still recalled against load (loads that held)",
                            by_group, seeds_of), fontsize=11)
    ax.grid(True, alpha=0.3)
    if handles:
        ax.legend(handles=handles, fontsize=9, loc="upper right", framealpha=0.9)
    save_figure(fig, ax, path)


def print_table(summaries):
    import numpy as np
    print(f"{'rule':<12} {'N':>6} {'seeds':>5} {'median':>8} {'min':>7} {'max':>7} "
          f"{'IQR (q25-q75)':>15} {'published':>9} {'s/sweep':>9}")
    if not summaries:
        print("(no sweep has finished yet)")
    for (rule, n), rows in groups(summaries).items():
        c = np.array([r["capacity"][1] for r in rows])
        s = np.array([r["seconds"][1] for r in rows])
        q25, q75 = np.percentile(c, [25, 75])
        published = f"{PUBLISHED[rule]:g}" if rule in PUBLISHED else "-"
        print(f"{rule:<12} {n:>6} {len(rows):>5} {np.median(c):>8.4g} {c.min():>7.4g} "
              f"{c.max():>7.4g} {f'{q25:.4g}-{q75:.4g}':>15} {published:>9} {s.mean():>9.3g}")


def main():
    parser = argparse.ArgumentParser(
        description="Merge and plot `infomorph capacity` results (capacity.csv and "
                    "capacity_summary.csv of each DIR).")
    parser.add_argument("directories", nargs="+", metavar="DIR")
    parser.add_argument("--output", "-o", required=True, metavar="OUTDIR",
                        help="where the merged CSV files and the figures go (created)")
    parser.add_argument("--xscale", choices=["auto", "linear", "log"], default="auto",
                        help="load axis; auto: log when the loads span more than a factor 20 "
                             "(e.g. Hebbian and infomorphic in one figure)")
    parser.add_argument("--threshold", type=float, default=SUCCESS_FRACTION,
                        help="success threshold drawn dashed (memory.success_fraction; "
                             f"default {SUCCESS_FRACTION})")
    args = parser.parse_args()
    me = os.path.basename(sys.argv[0])
    try:
        load_header, loads, summary_header, summaries = read_inputs(args.directories)
    except InputError as e:
        print(f"{me}: {e}", file=sys.stderr)
        return 2
    missing = {key(r, ["rule", "neurons", "seed"]) for r in loads} - \
              {key(r, ["rule", "neurons", "seed"]) for r in summaries}
    if missing:
        print(f"note: {len(missing)} sweep(s) without a summary row (still running or cut "
              f"short?), plotted but "
              f"left out of the table: " +
              ", ".join(f"{r} N = {n} seed {s}" for r, n, s in sorted(missing)[:5]),
              file=sys.stderr)
    check_capacities(loads, summaries)

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401  (fails here, not halfway through the output)
        import numpy  # noqa: F401
    except ImportError as e:
        print(f"{me}: {e} (Debian: apt-get install python3-matplotlib python3-numpy)",
              file=sys.stderr)
        return 1
    os.makedirs(args.output, exist_ok=True)
    write_csv(os.path.join(args.output, "capacity.csv"), load_header, loads,
              ["rule", "neurons", "seed", "load"])
    write_csv(os.path.join(args.output, "capacity_summary.csv"), summary_header, summaries,
              ["rule", "neurons", "seed"])

    by_group = groups(loads)
    seeds_of = {k: len({r["seed"][1] for r in rows}) for k, rows in by_group.items()}
    style = styles(list(by_group))
    recall_png = os.path.join(args.output, "recall_vs_load.png")
    flip_png = os.path.join(args.output, "flip_vs_load.png")
    plot_recall(recall_png, by_group, style, seeds_of, args.threshold, args.xscale)
    plot_flip(flip_png, by_group, style, seeds_of, args.xscale)

    print_table(summaries)
    print(f"wrote {os.path.join(args.output, 'capacity.csv')}, capacity_summary.csv, "
          "recall_vs_load.png, flip_vs_load.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
