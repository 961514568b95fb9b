#!/usr/bin/env python3
"""The bivariate experiments as the PyTorch reference runs them, for comparing accuracies.

An independent re-implementation, written from the reference's description and settings
(Schneider et al., ICLR 2025; Priesemann-Group/Infomorphic_Networks, paper_trivariate): the same float32 arithmetic,
the same estimator (adaptive binning, hard bin assignment, theta-weighted histogram), the same
I_sx PID with its guards, gradients by autograd instead of infomorph's analytic ones, torch's
Adam with coupled weight decay, torch's random streams (split, shuffles, nn.Linear
initialisation), and the reference's evaluation (mean over shuffled test batches of the batch
accuracy, inverted neurons corrected per batch).

Three models: readout only (the default); with --hidden-goal a hidden layer of 100 bivariate
neurons (image, label) under that goal, read by the readout through its +-1 samples; with
--random-projection that hidden layer untrained (learning rate 0) and emitting the reference's
deterministic Heaviside output, 1 where its drive is positive and 0 elsewhere (its
GraetzActivationHeaviside, k1 = 0.9).

It answers what infomorph cannot answer by itself: what test accuracy does the reference
algorithm reach on this machine, seed by seed? It needs PyTorch (Debian: apt-get install
python3-torch) and is not part of the build or the tests.

    /usr/bin/python3 bench/pytorch_reference.py --seeds 30 31 --epochs 100 --report 10 100
    /usr/bin/python3 bench/pytorch_reference.py --hidden-goal 0.0379 0.3185 0.7755 0.1536 0.0076
"""
import argparse
import itertools
import math
import os
import struct
import sys
import time

import numpy as np
import torch

torch.set_default_dtype(torch.float32)

BINS = 20
BATCH = 1024
THETA_CLAMP = 1e-6


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_mnist(directory):
    def tensor(name):
        return torch.from_numpy(read_idx(os.path.join(directory, name)).copy())
    train_x = tensor("train-images-idx3-ubyte").float()
    test_x = tensor("t10k-images-idx3-ubyte").float()
    mean, std = train_x.mean(), train_x.std()  # raw pixels of all 60k training images
    train = torch.utils.data.TensorDataset(((train_x - mean) / std).view(-1, 784),
                                           tensor("train-labels-idx1-ubyte").long())
    test = torch.utils.data.TensorDataset(((test_x - mean) / std).view(-1, 784),
                                          tensor("t10k-labels-idx1-ubyte").long())
    return train, test


def adaptive_bins(values):
    """Bin index per sample and neuron: divide by the batch max |value| of each neuron, then
    20 equal bins on [-1, 1]; a value on an edge goes to the lower bin (torch.bucketize)."""
    with torch.no_grad():
        normalised = values / values.abs().max(dim=0, keepdim=True)[0]
        edges = torch.linspace(-1.0, 1.0, BINS + 1, dtype=torch.double)
        clamped = torch.clamp(normalised, edges[0] + 1e-4, edges[-1])
        return torch.bucketize(clamped, edges) - 1


def joint_distribution(r, c, theta):
    """p(r bin, c bin, t, neuron) for t in (-1, +1), the theta-weighted histogram / batch."""
    batch, n = r.shape
    index = (adaptive_bins(r) * BINS + adaptive_bins(c))[..., None].expand(batch, n, 2)
    probs = torch.stack([1 - theta, theta], dim=2)
    hist = torch.zeros(BINS * BINS, n, 2).scatter_add(0, index, probs)
    return hist.view(BINS, BINS, n, 2).permute(0, 1, 3, 2) / batch


def marginal(p, keep):
    drop = tuple(d for d in range(3) if d not in keep)
    return p.sum(drop, keepdim=True) if drop else p


def union(p, collection):
    """P(union of the events 'the variables of a match'), a in collection (inclusion-exclusion)."""
    total = 0
    for k in range(1, len(collection) + 1):
        for subset in itertools.combinations(collection, k):
            variables = sorted(set(v for a in subset for v in a))
            total = total + (-1) ** (k - 1) * marginal(p, variables)
    return total


def i_sx(p, antichain):
    """Shared-exclusion redundancy of the target (axis 2) with the source sets of antichain."""
    with torch.no_grad():
        p_sources = union(p, antichain)
    p_with_target = union(p, [a + (2,) for a in antichain])
    ratio = p_with_target / (p_sources * marginal(p, [2]) + 1e-10)
    ratio[ratio < 1e-7] = 1  # the reference's guard against NaN gradients
    return (p * torch.log2(ratio)).sum((0, 1, 2))


def pid_atoms(p):
    red = i_sx(p, [(0,), (1,)])
    i_r, i_c, i_rc = i_sx(p, [(0,)]), i_sx(p, [(1,)]), i_sx(p, [(0, 1)])
    p_t = marginal(p, [2])
    h_res = -(p_t * torch.log2(p_t + 1e-10)).sum((0, 1, 2)) - i_rc
    return torch.stack([i_r - red, i_c - red, red, i_rc - i_r - i_c + red, h_res])


class BivariateLayer(torch.nn.Module):
    """Bivariate infomorphic neurons: receptive and contextual drives (each with a bias), the
    two-class activation A = r (k1 + (1 - k1) 2 sigmoid(k2 r c)), theta clamped, and the goal
    gamma . (unique r, unique c, redundancy, synergy, h_res), summed over the neurons."""

    def __init__(self, n_receptive, n_out, k1, gamma, identity_context=False):
        super().__init__()
        self.receptive = torch.nn.Linear(n_receptive, n_out)
        self.contextual = torch.nn.Linear(10, n_out)
        self.k1, self.k2 = k1, 2.0
        self.gamma = torch.tensor(gamma)
        self.identity_context = identity_context  # the readout: label weights fixed at 1

    def reset_label_weights(self):
        if self.identity_context:
            with torch.no_grad():
                self.contextual.weight[:] = torch.eye(10)

    def forward(self, receptive_input, context_input):
        r = self.receptive(receptive_input)
        c = self.contextual(context_input)
        # With k1 = 1 (the readout) A = r, but c stays in the graph with a zero slope as in the
        # reference, so that Adam's weight decay reaches the label bias.
        drive = r * (self.k1 + (1 - self.k1) * 2 * torch.sigmoid(self.k2 * r * c))
        self.drive = drive
        theta = torch.sigmoid(drive).clamp(min=THETA_CLAMP, max=1 - THETA_CLAMP)
        self.saved = (r, c, theta)
        return theta

    def loss(self):
        return -(self.gamma @ pid_atoms(joint_distribution(*self.saved)).sum(-1))

    def mask_gradients(self):
        if self.identity_context:
            self.contextual.weight.grad *= torch.eye(10)  # the reference's connection mask


READOUT_GOAL = [-0.2, 0.1, 1.0, 0.1, 0.0]


class Model(torch.nn.Module):
    """Readout only (hidden_goal None), or a hidden layer of 100 bivariate neurons (image,
    label; k1 = 0.9) whose +-1 samples the readout reads; with random_projection that layer
    untrained, its output the Heaviside 0/1 of its drive."""

    def __init__(self, hidden_goal, random_projection=False):
        super().__init__()
        self.layers = torch.nn.ModuleList()
        self.settings = []  # (learning rate, weight decay) per layer
        self.random_projection = random_projection
        if random_projection:
            hidden_goal = [0.0] * 5  # never used: nothing is learned
        if hidden_goal is not None:
            self.layers.append(BivariateLayer(784, 100, 0.9, hidden_goal))
            self.settings.append((0.0, 0.0) if random_projection else (0.002, 3.5e-4))
        n_inputs = 784 if hidden_goal is None else 100
        self.layers.append(BivariateLayer(n_inputs, 10, 1.0, READOUT_GOAL, identity_context=True))
        self.settings.append((0.003, 1.5e-4))

    def optimisers(self):
        """One Adam per layer with its learning rate and (coupled) weight decay; none for an
        untrained layer."""
        return [torch.optim.Adam(layer.parameters(), lr=rate, weight_decay=decay)
                for layer, (rate, decay) in zip(self.layers, self.settings) if rate > 0]

    def forward(self, image, label_one_hot):
        x = image
        for layer in self.layers[:-1]:
            theta = layer(x, label_one_hot)
            with torch.no_grad():
                if self.random_projection:
                    x = (layer.drive > 0).to(torch.float32)
                    continue
                # +1 with probability theta; the reference draws with Categorical, another use
                # of the random stream, so context runs are not the reference's own draws.
                x = torch.bernoulli(theta) * 2 - 1
        return self.layers[-1](x, label_one_hot)


def accuracy(theta, labels):
    flip = theta.mean(dim=0) >= 0.5  # the reference's correct_inverse_neurons(invert_others)
    corrected = torch.where(flip, 1 - theta, theta)
    return (corrected.argmax(dim=1) == labels).float().mean().item()


def one_hot(labels):
    return torch.nn.functional.one_hot(labels, 10).float()


def train_epoch(model, optimisers, loader, update):
    for image, labels in loader:
        model.layers[-1].reset_label_weights()
        for optimiser in optimisers:
            optimiser.zero_grad()
        model(image, one_hot(labels))
        for layer in model.layers[1:] if model.random_projection else model.layers:
            layer.loss().backward()  # each layer's graph ends at its own input (no error signal)
            layer.mask_gradients()
        if update:
            for optimiser in optimisers:
                optimiser.step()


def evaluate(model, loader):
    with torch.no_grad():  # the label is withheld: the context input is 0
        return float(np.mean([accuracy(model(image, torch.zeros(len(labels), 10)), labels)
                              for image, labels in loader]))


def run(seed, epochs, report, data, hidden_goal, random_projection=False):
    np.random.seed(seed)
    torch.manual_seed(seed)
    train, test = data
    n_val = int(math.ceil(0.2 * len(train)))
    train, val = torch.utils.data.random_split(train, (len(train) - n_val, n_val),
                                               generator=torch.Generator().manual_seed(seed))
    loaders = [torch.utils.data.DataLoader(d, batch_size=BATCH, shuffle=True)
               for d in (train, val, test)]
    model = Model(hidden_goal, random_projection)
    optimisers = model.optimisers()
    results = {}
    start = time.time()
    for epoch in range(epochs + 1):  # epoch 0: a pass without updates, as the reference does
        train_epoch(model, optimisers, loaders[0], update=epoch > 0)
        evaluate(model, loaders[1])
        test_acc = evaluate(model, loaders[2])
        if epoch in report:
            results[epoch] = test_acc
            print(f"seed {seed} epoch {epoch}: test {100 * test_acc:.2f}% "
                  f"({time.time() - start:.0f} s)", flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="data/mnist")
    parser.add_argument("--seeds", type=int, nargs="+", default=[30])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--report", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--hidden-goal", type=float, nargs=5, default=None,
                        help="add the context hidden layer (100 neurons) with this goal")
    parser.add_argument("--random-projection", action="store_true",
                        help="add the hidden layer untrained, with the Heaviside output")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = load_mnist(args.data)
    table = {seed: run(seed, args.epochs, set(args.report), data, args.hidden_goal,
                       args.random_projection) for seed in args.seeds}
    print("seed " + " ".join(f"epoch{e:>4}" for e in sorted(args.report)))
    for seed, results in table.items():
        print(f"{seed:4} " + " ".join(f"{100 * results[e]:8.2f}%" for e in sorted(results)))
    if len(table) > 1:
        print("median " + " ".join(
            f"{100 * float(np.median([r[e] for r in table.values()])):8.2f}%"
            for e in sorted(args.report)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
