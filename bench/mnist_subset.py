#!/usr/bin/python3
"""The first TRAIN training and TEST test samples of MNIST as IDX files, for benchmarks that need
a few batches of real images (memory, step time) rather than whole epochs.

usage: bench/mnist_subset.py MNIST_DIR OUT_DIR TRAIN TEST
"""
import struct
import sys
from pathlib import Path


def copy_head(source: Path, target: Path, count: int):
    data = source.read_bytes()
    magic, total = struct.unpack(">II", data[:8])
    dims = magic & 0xFF
    if count > total:
        sys.exit(f"{source} holds {total} samples, fewer than {count}")
    shape = struct.unpack(f">{dims}I", data[4:4 + 4 * dims])
    per_sample = 1
    for d in shape[1:]:
        per_sample *= d
    header = struct.pack(f">I{dims}I", magic, count, *shape[1:])
    start = 4 + 4 * dims
    target.write_bytes(header + data[start:start + count * per_sample])


def main():
    mnist, out, train, test = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    out.mkdir(parents=True, exist_ok=True)
    for prefix, count in (("train", train), ("t10k", test)):
        for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
            copy_head(mnist / f"{prefix}-{kind}", out / f"{prefix}-{kind}", count)


main()
