# shellcheck shell=bash
# Environment for running infomorph with Open MPI on this kind of machine (Debian 12, few cores,
# root, no batch system). Source it:  source scripts/env.sh
# A value already set by the caller wins. Site settings for clusters belong in jobscripts/.

# Open MPI refuses to run as root without both of these.
export OMPI_ALLOW_RUN_AS_ROOT="${OMPI_ALLOW_RUN_AS_ROOT:-1}"
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}"
# More ranks than cores (the tests run up to 4 ranks on 2 cores).
export OMPI_MCA_rmaps_base_oversubscribe="${OMPI_MCA_rmaps_base_oversubscribe:-1}"
# Waiting ranks yield the core instead of busy-polling: without it, oversubscribed ranks starve
# each other and small collectives take milliseconds instead of microseconds.
export OMPI_MCA_mpi_yield_when_idle="${OMPI_MCA_mpi_yield_when_idle:-1}"

# The build folder the scripts use, relative to the repository root.
export INFOMORPH_BUILD_DIR="${INFOMORPH_BUILD_DIR:-build}"

# OpenMP: infomorph train gives each rank cores / ranks-on-the-node threads, so threads do not
# oversubscribe the cores. Where other work shares the cores, OMP_WAIT_POLICY=passive stops
# waiting threads from spinning (measured here: a readout-only epoch took 1.9 s instead of 0.2 s
# while another process used one of the two cores); on an idle machine the default (spinning)
# is faster (0.14 s instead of 0.26 s).
