#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine (as root) and builds infomorph. Idempotent: installs only
# missing packages (no apt-get at all when none is missing) and rebuilds incrementally.
#   bash scripts/setup.sh
# Environment: INFOMORPH_BUILD_DIR (default build), INFOMORPH_BUILD_TYPE (default Release).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

packages=(
    build-essential cmake g++ git pkg-config zlib1g-dev
    libopenmpi-dev openmpi-bin libboost-mpi-dev libboost-serialization-dev
    libeigen3-dev libhdf5-openmpi-dev hdf5-tools
    libgtest-dev libgmock-dev libbenchmark-dev
    libcli11-dev libtoml11-dev nlohmann-json3-dev libfmt-dev
    python3 python3-numpy python3-h5py python3-matplotlib time
    # numpy's matrix products through OpenBLAS instead of the reference BLAS (scripts/
    # unsupervised_table.py fits a softmax probe: 9x faster here)
    libopenblas0-pthread
    # The Python module (python/module.cpp)
    python3-dev pybind11-dev python3-mpi4py
    # The goal search (scripts/goal_search.py): Optuna with its journal storage; cmaes for CMA-ES.
    python3-optuna python3-cmaes
    # A private single-node SLURM for the batch-script tests (scripts/slurm_local.sh); srun's
    # pmix plugin loads libpmix2 at run time, so it is named although Open MPI pulls it in too.
    slurm-wlm munge libpmix2
    npm
)

installed() {
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

missing=()
for package in "${packages[@]}"; do
    if installed "$package"; then continue; fi
    # A Node.js from elsewhere (NodeSource) ships npm itself and conflicts with Debian's npm.
    if [[ "$package" == npm ]] && command -v npm > /dev/null; then continue; fi
    missing+=("$package")
done

if ((${#missing[@]} > 0)); then
    echo "setup: installing ${missing[*]}"
    if ((EUID != 0)); then
        echo "setup: installing packages needs root" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

build_dir="$INFOMORPH_BUILD_DIR"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${INFOMORPH_BUILD_TYPE:-Release}"
cmake --build "$build_dir" -j"$(nproc)"
