#!/usr/bin/env bash
# Sets up and builds (scripts/setup.sh), then runs the whole test suite.
#   bash scripts/test.sh [extra ctest arguments, e.g. -L mpi or -R partition]
# Every test has a timeout (MPI tests their own, the rest at most 600 s), so a deadlock fails
# instead of hanging. Exits non-zero if any test fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
source scripts/env.sh

ctest --test-dir "$INFOMORPH_BUILD_DIR" --output-on-failure -j2 --timeout 600 "$@"
