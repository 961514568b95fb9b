#!/usr/bin/python3
"""The infomorphic associative memory as the reference algorithm runs it, in PyTorch.

Written from the description of the reference (Priesemann-Group/Infomorphic_Networks,
paper_hopfield/; Blümel et al., arXiv 2511.02584), not copied: float32; N x N weight maps whose
masks keep only the diagonal of the external map and the off-diagonal of the recurrent one;
nn.Linear's initialisation (uniform in +-1/sqrt(N)) with the external diagonal set to 1; no
biases; theta = sigmoid(r + c) without a clamp; a theta-weighted histogram over all patterns with
fixed bins on [-20, 20] (2 for r, 60 for c, torch.bucketize as the reference bins); the
shared-exclusion redundancy I_sx({1}{2}) with the reference's guards; gradients by autograd;
torch's Adam (lr 0.05). Recall: external input 0, deterministic synchronous updates to a fixed
point or 2-cycle (at most N steps); recalled at cosine >= 0.95; a load holds when >= 95% are
recalled; recall checked at 15 log-spaced epochs, stopping at the first success.

It measures the capacity sweep at one N over seeds, to compare with `infomorph capacity`
(same protocol, C++), and so tells whether a gap to the published 1.59 comes from infomorph or
from the algorithm as described. torch is a comparison tool here, never a dependency.

usage: pytorch_memory_reference.py [--neurons 100] [--seeds 1 2 3] [--epochs 5000]
                                   [--start 0.2] [--step 0.02] [--stop 2.0] [--batch-fraction 1]
"""
import argparse
import math
import sys
import time

try:
    import torch
except ImportError:
    print("PyTorch is missing (apt-get install python3-torch)", file=sys.stderr)
    sys.exit(77)


def bins_of(values, low, high, n_bins):
    edges = torch.linspace(low, high, n_bins + 1, dtype=torch.double)
    clamped = torch.clamp(values.double(), edges[0].item() + 1e-4, edges[-1].item())
    return torch.bucketize(clamped, edges) - 1


def redundancy(theta, r, c, n_r=2, n_c=60):
    """I_sx({1}{2}) of Y with (bin r, bin c) per neuron; theta, r, c: P x N."""
    p_count, n = theta.shape
    br, bc = bins_of(r.detach(), -20, 20, n_r), bins_of(c.detach(), -20, 20, n_c)
    cell = (br * n_c + bc)  # P x N
    probs = torch.stack([1 - theta, theta], dim=-1) / p_count  # P x N x 2 (y = -1, +1)
    joint = torch.zeros(n_r * n_c, n, 2, dtype=theta.dtype)
    joint = joint.scatter_add(0, cell.unsqueeze(-1).expand(-1, -1, 2), probs)
    joint = joint.view(n_r, n_c, n, 2)  # p(r, c, neuron, y)
    p_rc = joint.sum(-1, keepdim=True)
    p_r = joint.sum((1, 3), keepdim=True)
    p_c = joint.sum((0, 3), keepdim=True)
    p_y = joint.sum((0, 1), keepdim=True)
    p_ry = joint.sum(1, keepdim=True)
    p_cy = joint.sum(0, keepdim=True)
    with torch.no_grad():
        union = p_r + p_c - p_rc
    union_y = p_ry + p_cy - joint
    frac = union_y / (union * p_y + 1e-10)
    frac = torch.where(frac < 1e-7, torch.ones_like(frac), frac)
    return (joint * torch.log2(frac)).sum((0, 1, 3))  # per neuron


class Memory:
    def __init__(self, n, seed, external_scale=1.0, freeze_external=False):
        torch.manual_seed(seed)
        bound = 1 / math.sqrt(n)
        self.external = torch.full((n,), external_scale, requires_grad=not freeze_external)
        w = (torch.rand(n, n) * 2 - 1) * bound
        self.mask = 1 - torch.eye(n)
        self.recurrent = (w * self.mask).requires_grad_(True)
        learned = [self.recurrent] + ([] if freeze_external else [self.external])
        self.optimiser = torch.optim.Adam(learned, lr=0.05)

    def train_step(self, patterns):
        r = patterns * self.external
        c = patterns @ (self.recurrent * self.mask).T
        theta = torch.sigmoid(r + c)
        goal = redundancy(theta, r, c).sum()
        self.optimiser.zero_grad()
        (-goal).backward()
        self.optimiser.step()
        return goal.item() / patterns.shape[1]

    @torch.no_grad()
    def recall(self, cues, max_steps):
        w = self.recurrent * self.mask
        before, now = cues.clone(), cues.clone()
        running = torch.ones(cues.shape[0], dtype=torch.bool)
        for _ in range(max_steps):
            if not running.any():
                break
            field = now @ w.T
            nxt = torch.where(field > 0, 1.0, torch.where(field < 0, -1.0, now))
            nxt[~running] = now[~running]
            changed = (nxt != now).any(1)
            returned = ~(nxt != before).any(1)
            running &= ~(~changed | (changed & returned))
            before, now = now, nxt
        return now


def measure(n, p, seed, epochs, batch_fraction, checks, criterion="recalled", external=(1.0, False)):
    generator = torch.Generator().manual_seed(10_000 + seed * 1000 + p)
    patterns = torch.randint(0, 2, (p, n), generator=generator).float() * 2 - 1
    memory = Memory(n, seed, *external)
    batch = max(1, int(batch_fraction * p))
    recalled, used = 0.0, 0
    for epoch in range(1, epochs + 1):
        order = torch.randperm(p)
        for first in range(0, p, batch):
            memory.train_step(patterns[order[first:first + batch]])
        used = epoch
        if epoch in checks:
            final = memory.recall(patterns, n)
            cosine = (final * patterns).sum(1) / n
            recalled = ((cosine >= 0.95).float().mean().item() if criterion == "recalled"
                        else cosine.mean().item())
            if recalled >= 0.95:
                break
    return recalled, used


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--neurons", type=int, default=100)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--epochs", type=int, default=5000)
    parser.add_argument("--start", type=float, default=0.2)
    parser.add_argument("--step", type=float, default=0.02)
    parser.add_argument("--stop", type=float, default=2.0)
    parser.add_argument("--batch-fraction", type=float, default=1.0)
    parser.add_argument("--criterion", choices=["recalled", "mean_cosine"], default="recalled",
                        help="what must reach 0.95: the fraction of patterns recalled at cosine "
                             ">= 0.95 (default), or the mean cosine over the patterns")
    parser.add_argument("--external-scale", type=float, default=1.0,
                        help="the external weights' value (the authors' runs: 2.3)")
    parser.add_argument("--freeze-external", action="store_true",
                        help="keep the external weights fixed (the authors' runs)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    n = args.neurons
    checks = {int(10 ** (i * math.log10(args.epochs) / 14)) for i in range(15)} | {args.epochs}
    print("rule,seed,neurons,load,patterns,recalled_fraction,epochs,seconds,held")
    capacities = []
    for seed in args.seeds:
        capacity, k, previous = 0.0, 0, 0
        while True:
            load = args.start + k * args.step
            k += 1
            if load > args.stop + 1e-9:
                break
            p = round(load * n)
            if p < 1 or p == previous:
                continue
            previous = p
            start = time.time()
            recalled, used = measure(n, p, seed, args.epochs, args.batch_fraction, checks,
                                     args.criterion, (args.external_scale, args.freeze_external))
            held = recalled >= 0.95
            print(f"pytorch,{seed},{n},{p / n:g},{p},{recalled:g},{used},{time.time() - start:.2f},"
                  f"{int(held)}", flush=True)
            if not held:
                break
            capacity = p / n
        capacities.append(capacity)
        print(f"# seed {seed}: capacity {capacity:g}", flush=True)
    capacities.sort()
    print(f"# capacity over {len(capacities)} seeds: median {capacities[len(capacities) // 2]:g}, "
          f"min {capacities[0]:g}, max {capacities[-1]:g}")


if __name__ == "__main__":
    main()
