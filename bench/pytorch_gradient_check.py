#!/usr/bin/env python3
"""Does infomorph's analytic goal gradient equal autograd of the reference's loss?

Trains bench/pytorch_reference.py's readout for some epochs (so that the state is a realistic
one, with many samples on the theta clamp), takes one training batch, and computes for every
readout neuron the goal G = gamma . (PID atoms, h_res) of its theta-weighted histogram and
dG/dtheta per sample twice: with PyTorch autograd through the reference's estimator, and with
infomorph's local_goal (the goal_slopes tool). Prints the largest differences relative to each
neuron's largest slope; exits 1 if any exceeds --tolerance. Needs PyTorch (python3-torch) and
MNIST; exits 77 (skipped, for ctest's integration.pytorch_goal_gradient) without either.

    /usr/bin/python3 bench/pytorch_gradient_check.py --epochs 0 1 20
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

SKIPPED = 77

try:
    import torch
except ImportError:
    print("pytorch_gradient_check: PyTorch is not installed (apt-get install python3-torch); skipped")
    sys.exit(SKIPPED)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pytorch_reference as reference  # noqa: E402


def readout_batch(data, epochs, seed):
    """r, c, theta (batch x neurons) of one training batch after training `epochs` epochs."""
    torch.manual_seed(seed)
    loader = torch.utils.data.DataLoader(data[0], batch_size=reference.BATCH, shuffle=True)
    model = reference.Model(None)
    layer = model.layers[0]
    optimisers = model.optimisers()
    for _ in range(epochs):
        reference.train_epoch(model, optimisers, loader, update=True)
    image, labels = next(iter(loader))
    layer.reset_label_weights()
    with torch.no_grad():
        layer(image, reference.one_hot(labels))
    return [t.detach() for t in layer.saved], layer.gamma


def check(data, epochs, binary, tolerance, seed):
    (r, c, theta), gamma = readout_batch(data, epochs, seed)
    leaf = theta.clone().requires_grad_(True)
    goal = gamma @ reference.pid_atoms(reference.joint_distribution(r, c, leaf))
    goal.sum().backward()
    torch_slope = leaf.grad.T.numpy()  # neurons x batch
    n, batch = torch_slope.shape
    with tempfile.TemporaryDirectory() as tmp:
        case, out = os.path.join(tmp, "case.bin"), os.path.join(tmp, "slopes.bin")
        with open(case, "wb") as f:
            f.write(np.array([n, batch], dtype=np.int32).tobytes())
            for t in (r, c, theta):
                f.write(np.ascontiguousarray(t.T.numpy(), dtype=np.float32).tobytes())
        printed = subprocess.run([binary, case, out] + [str(float(g)) for g in gamma],
                                 check=True, capture_output=True, text=True).stdout
        ours = np.fromfile(out, dtype=np.float32).reshape(n, batch)
    our_goal = np.array([float(line) for line in printed.split()])
    slope_error = (np.abs(ours - torch_slope).max(axis=1) /
                   np.abs(torch_slope).max(axis=1)).max()
    goal_error = np.abs(our_goal - goal.detach().numpy()).max()
    clamped = float(((theta <= reference.THETA_CLAMP) |
                     (theta >= 1 - reference.THETA_CLAMP)).float().mean())
    print(f"after {epochs:3} epochs: {100 * clamped:5.1f}% of thetas on the clamp; "
          f"dG/dtheta differs by at most {slope_error:.2e} of the neuron's largest slope, "
          f"G by at most {goal_error:.2e} bit")
    return slope_error <= tolerance


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    build = os.environ.get("INFOMORPH_BUILD_DIR", os.path.join(here, "..", "build"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="data/mnist")
    parser.add_argument("--epochs", type=int, nargs="+", default=[0, 1, 20])
    parser.add_argument("--seed", type=int, default=30)
    parser.add_argument("--tolerance", type=float, default=1e-5)
    parser.add_argument("--binary", default=os.path.join(build, "bench", "goal_slopes"))
    args = parser.parse_args()
    if not os.path.isfile(os.path.join(args.data, "train-images-idx3-ubyte")):
        print(f"pytorch_gradient_check: no MNIST in {args.data} (scripts/fetch_mnist.sh); skipped")
        return SKIPPED
    torch.set_num_threads(2)
    data = reference.load_mnist(args.data)
    results = [check(data, e, args.binary, args.tolerance, args.seed) for e in args.epochs]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
