#!/usr/bin/env python3
"""Writes a small synthetic data set in MNIST's IDX layout, for tests that train whole networks.

Each class is a noisy prototype image, so a network can learn it in a few epochs. Standard
library only: the test suite runs before any Python package is needed.

usage: make_tiny_idx.py DIR [--train N] [--test N] [--classes C] [--side S] [--seed K]
"""
import argparse
import os
import random
import struct


def write_idx(path, dims, data):
    with open(path, "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, 0x08, len(dims)))
        f.write(struct.pack(">" + "I" * len(dims), *dims))
        f.write(bytes(data))


def make(n, classes, side, prototypes, rng):
    images, labels = [], []
    for _ in range(n):
        label = rng.randrange(classes)
        for p in prototypes[label]:
            images.append(max(0, min(255, p + rng.randint(-60, 60))))
        labels.append(label)
    return images, labels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--train", type=int, default=600)
    parser.add_argument("--test", type=int, default=200)
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument("--side", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pixels = args.side * args.side
    prototypes = [[rng.choice((0, 255)) for _ in range(pixels)] for _ in range(args.classes)]
    os.makedirs(args.directory, exist_ok=True)
    for name, n in (("train", args.train), ("t10k", args.test)):
        images, labels = make(n, args.classes, args.side, prototypes, rng)
        write_idx(os.path.join(args.directory, f"{name}-images-idx3-ubyte"),
                  (n, args.side, args.side), images)
        write_idx(os.path.join(args.directory, f"{name}-labels-idx1-ubyte"), (n,), labels)


if __name__ == "__main__":
    main()
