"""infomorph from Python: the PID of a joint distribution, training runs, their results.

    import infomorph
    infomorph.pid(p)                         # atoms, I_sx, h_res (and with goal=: G, dG/dp)
    out = infomorph.train("configs/trivariate_sparse.toml", {"training.epochs": 2})
    run = infomorph.read_run(out)            # metrics, weights, per-neuron atoms as numpy

pid and train are the C++ library's (the extension infomorph._core), so they give what the
`infomorph` program gives, bit for bit; read_run reads the HDF5 files a run wrote (with h5py).
"""

from ._core import __version__, pid, train
from .run_directory import Run, read_run

__all__ = ["__version__", "pid", "train", "read_run", "Run"]
