#!/usr/bin/env bash
# Fuzzes the three readers of untrusted files (tests/fuzz/): the IDX reader, the configuration
# parser and the PID CSV reader, each for a bounded time, with libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer (clang from Debian's packages, installed if missing).
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET ...]
# Targets: idx config pmf_csv (default all). The corpus grows in build-fuzz/corpus/<target>,
# seeded from tests/fuzz/regressions/<target> and the repository's own files; a crashing input is
# written to build-fuzz/crashes/<target>/ (emptied at the start of each run) and this script
# exits non-zero. Keep such an input as a
# regression test by copying it into tests/fuzz/regressions/<target>/ once it is fixed.
# Writes build-fuzz/fuzz_summary.csv: target, seconds, executions, corpus size, crashes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]} > 0)) || targets=(idx config pmf_csv)

bash scripts/setup.sh > /dev/null  # the libraries infomorph builds on
for package in clang libclang-rt-14-dev libomp-dev; do
    if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null)" != installed ]]; then
        echo "fuzz: installing $package"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$package"
    fi
done

cmake --preset fuzz > /dev/null
cmake --build --preset fuzz -j"$(nproc)"

declare -A seeds=([idx]="" [config]="configs" [pmf_csv]="tests/integration/data")
summary=build-fuzz/fuzz_summary.csv
echo "target,seconds,executions,corpus_files,crashes" > "$summary"
status=0
for target in "${targets[@]}"; do
    corpus=build-fuzz/corpus/$target
    crashes=build-fuzz/crashes/$target
    # Crashes of an earlier session are that session's finding (copied into
    # tests/fuzz/regressions once fixed); this run reports its own.
    rm -rf "$crashes"
    mkdir -p "$corpus" "$crashes"
    log=build-fuzz/fuzz_$target.log
    echo "fuzz: $target for $seconds s"
    set +e
    # -max_len keeps inputs (and the PID of a parsed table) small; -rss_limit_mb bounds a single
    # input's memory well below the machine's.
    ./build-fuzz/tests/fuzz/fuzz_"$target" "$corpus" tests/fuzz/regressions/"$target" \
        ${seeds[$target]} -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 \
        -timeout=10 -print_final_stats=1 -artifact_prefix="$crashes/" > "$log" 2>&1
    code=$?
    set -e
    executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
    found=$(find "$crashes" -type f | wc -l)
    files=$(find "$corpus" -type f | wc -l)
    echo "$target,$seconds,${executions:-0},$files,$found" >> "$summary"
    echo "fuzz: $target: ${executions:-0} executions, corpus $files files, $found crash(es)"
    if ((code != 0 || found > 0)); then
        status=1
        echo "fuzz: $target failed (exit $code); the end of $log:"
        tail -30 "$log"
    fi
done
cat "$summary"
exit $status
