#!/usr/bin/python3
"""Starts a training run through the Python module, as a user would (run it under mpirun).

usage: train_from_python.py CONFIG OUTPUT [--world | --split | --plain] [KEY=VALUE ...]
  --plain  no mpi4py: infomorph.train initialises MPI itself (comm=None, MPI_COMM_WORLD)
  --world  mpi4py's MPI.COMM_WORLD passed as comm
  --split  the world split into two halves (ranks < size/2 and the rest), each training the
           same run into OUTPUT-0 and OUTPUT-1 on its own communicator
Prints the output directory. Overrides go in as a dict, so their text conversion is tested too.
"""
import sys

import infomorph


def overrides_of(items):
    result = {}
    for item in items:
        key, value = item.split("=", 1)
        result[key] = int(value) if value.isdigit() else value
    return result


def main():
    config, output, mode, *items = sys.argv[1:]
    overrides = overrides_of(items)
    if mode == "--plain":
        overrides["output.directory"] = output
        print(infomorph.train(config, overrides, quiet=True))
        return
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    if mode == "--split":
        half = int(comm.Get_rank() >= comm.Get_size() // 2) if comm.Get_size() > 1 else 0
        comm = MPI.COMM_WORLD.Split(half, MPI.COMM_WORLD.Get_rank())
        output = f"{output}-{half}"
    overrides["output.directory"] = output
    directory = infomorph.train(config, overrides, quiet=True, comm=comm)
    # The caller's communicator is still theirs, and usable, after the run.
    assert comm.allreduce(1) == comm.Get_size()
    print(directory)


main()
