#!/usr/bin/env bash
# Sets up and builds (scripts/setup.sh), then runs the whole test suite twice: in the Release
# build (build/), then in the sanitizer build (the asan preset, build-asan/: AddressSanitizer and
# UndefinedBehaviorSanitizer, halting on the first report), so that nothing lands that either
# sanitizer rejects.
#   bash scripts/test.sh [extra ctest arguments, e.g. -L mpi or -R partition]
#   INFOMORPH_SANITIZERS=0 bash scripts/test.sh     # the Release suite only
# Every test has a timeout (MPI tests their own, the rest at most 600 s), so a deadlock fails
# instead of hanging. Exits non-zero if any test fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
source scripts/env.sh

start=$SECONDS
ctest --test-dir "$INFOMORPH_BUILD_DIR" --output-on-failure -j2 --timeout 600 "$@"
echo "test: Release suite passed in $((SECONDS - start)) s"

if [[ "${INFOMORPH_SANITIZERS:-1}" != 0 ]]; then
    start=$SECONDS
    echo "test: the sanitizer build (asan preset: ASan + UBSan)"
    cmake --preset asan > /dev/null
    cmake --build --preset asan -j"$(nproc)"
    ctest --preset asan --output-on-failure "$@"
    echo "test: sanitizer suite passed in $((SECONDS - start)) s (build included)"
fi
