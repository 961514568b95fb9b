#!/usr/bin/env bash
# Sets up and builds (scripts/setup.sh), then runs the project's main job.
#   bash scripts/main.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
source scripts/env.sh
bin="$INFOMORPH_BUILD_DIR/apps"

# ---- main job -------------------------------------------------------------------------------
# For now: the PID atoms of the textbook gates. Distributed training replaces this block.
"$bin/infomorph" pid examples/pid/xor.csv --table
"$bin/infomorph" pid examples/pid/and.csv --table
# ---- end of main job ------------------------------------------------------------------------
