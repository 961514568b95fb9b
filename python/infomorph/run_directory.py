"""A run directory's results as numpy arrays: infomorph.read_run(directory).

A run directory (output.directory of a training run) holds config.toml, metrics.h5 (one entry
per epoch for every metric), network.h5 (the trained weights and the per-neuron PID atoms of the
last epoch) and checkpoint.h5 (the weights and the optimiser's state). A run still in progress
has no network.h5 yet: its weights are read from the newest checkpoint, without atoms.
"""

from __future__ import annotations

import dataclasses
import pathlib
import tomllib

import numpy as np


@dataclasses.dataclass
class Run:
    """What read_run returns.

    config: the effective configuration (config.toml, parsed), config_text its text.
    metrics: {name: array over epochs} (vectors such as per-class accuracy are 2-D, epoch x
        entry; metric_labels names their entries). Names are metrics.csv's column names.
    weights: {layer: {input class: {"weight": neurons x inputs, "bias": neurons,
        "partner": neurons x inputs (sparse classes only: the indices each neuron reads)}}}.
    atoms: {layer: {atom name ("{1}{2}", ..., "h_res"): array over neurons}}; empty when the
        file holds none (a run in progress, or a layer that learns nothing).
    attributes: network.h5's (or checkpoint.h5's) own record: epochs_done, seed, ranks, ...
    weights_from: the file the weights were read from.
    """

    directory: pathlib.Path
    config: dict
    config_text: str
    metrics: dict[str, np.ndarray]
    metric_labels: dict[str, list[str]]
    weights: dict[str, dict[str, dict[str, np.ndarray]]]
    atoms: dict[str, dict[str, np.ndarray]]
    attributes: dict[str, object]
    weights_from: pathlib.Path | None

    @property
    def epochs(self) -> int:
        """Epochs recorded in the metrics."""
        return len(self.metrics.get("epoch", ()))


def _h5py():
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - setup.sh installs it
        raise ImportError("infomorph.read_run needs h5py (Debian: apt install python3-h5py)") from e
    return h5py


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _attribute(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray) and value.size == 1:
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _read_metrics(h5py, path: pathlib.Path):
    metrics, labels = {}, {}
    with h5py.File(path, "r") as f:
        def visit(name, item):
            if isinstance(item, h5py.Dataset):
                metrics[name] = item[()]
                if "labels" in item.attrs:
                    labels[name] = _text(item.attrs["labels"]).split(",")
        f.visititems(visit)
    return metrics, labels


def _read_layers(h5py, path: pathlib.Path):
    weights, atoms, attributes = {}, {}, {}
    with h5py.File(path, "r") as f:
        attributes = {k: _attribute(v) for k, v in f.attrs.items()}
        for layer, group in f.get("layers", {}).items():
            weights[layer] = {}
            for name, item in group.items():
                if name == "atoms":
                    columns = _text(item.attrs["columns"]).split(",")
                    table = item[()]
                    atoms[layer] = {c: table[:, i] for i, c in enumerate(columns)}
                    continue
                entry = {}
                for field in ("weight", "bias", "partner"):
                    if field in item:
                        data = item[field][()]
                        if field == "bias":
                            data = data.reshape(-1)
                        if field == "partner":
                            data = data.astype(np.int64)
                        entry[field] = data
                weights[layer][name] = entry
    return weights, atoms, attributes


def read_run(directory) -> Run:
    """Reads the results of the run in `directory` (a training run's output.directory).

    Raises FileNotFoundError naming what is missing if `directory` is not a run directory.
    """
    h5py = _h5py()
    directory = pathlib.Path(directory)
    config_file = directory / "config.toml"
    if not config_file.is_file():
        raise FileNotFoundError(f"{directory} is not a run directory: it has no config.toml")
    config_text = config_file.read_text()
    metrics, labels = ({}, {})
    if (directory / "metrics.h5").is_file():
        metrics, labels = _read_metrics(h5py, directory / "metrics.h5")
    weights_from = None
    weights, atoms, attributes = {}, {}, {}
    for name in ("network.h5", "checkpoint.h5"):
        if (directory / name).is_file():
            weights_from = directory / name
            weights, atoms, attributes = _read_layers(h5py, weights_from)
            break
    return Run(directory=directory, config=tomllib.loads(config_text), config_text=config_text,
               metrics=metrics, metric_labels=labels, weights=weights, atoms=atoms,
               attributes=attributes, weights_from=weights_from)
