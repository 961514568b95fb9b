#!/usr/bin/env bash
# The installed package as another project sees it:
#   1. `cmake --install BUILD --prefix PREFIX` puts the library, the public headers, the program
#      and the CMake package under PREFIX, and no private header (src/: kernels, HDF5, MPI);
#   2. tests/package/consumer (find_package(infomorph), infomorph::infomorph) configures, builds
#      and runs against PREFIX alone; its PID of XOR equals the installed `infomorph pid`'s;
#   3. none of the library's own build flags (-march=native, the warnings) reaches the
#      consumer's compile commands;
#   4. `infomorph --version` reports the project's version.
# usage: run.sh BUILD_DIR WORK_DIR REPO [CXX_FLAGS] [LINKER_FLAGS]
#   (the flags of the build, e.g. the sanitizers', which a static library's users need too)
set -euo pipefail
build=$1
work=$2
repo=$3
cxx_flags=${4:-}
linker_flags=${5:-}
python=/usr/bin/python3

rm -rf "$work"
mkdir -p "$work"
cd "$work"
cmake --install "$build" --prefix prefix > install.log
for header in prefix/include/infomorph/pid/shared_exclusion.hpp \
              prefix/include/infomorph/util/version.hpp prefix/lib*/cmake/infomorph/infomorphConfig.cmake; do
    ls $header > /dev/null || { echo "FAIL: not installed: $header"; exit 1; }
done
if [ -n "$(find prefix -name kernels.hpp -o -name key_index.hpp -o -name h5_support.hpp -o -name native_communicator.hpp)" ]; then
    echo "FAIL: a private header was installed"; exit 1
fi

version=$(sed -n 's/^project(infomorph VERSION \([0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")
[ "$(prefix/bin/infomorph --version)" = "infomorph $version" ] ||
    { echo "FAIL: --version says '$(prefix/bin/infomorph --version)', not infomorph $version"; exit 1; }

cmake -S "$repo/tests/package/consumer" -B consumer -DCMAKE_PREFIX_PATH="$work/prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="$cxx_flags" \
    -DCMAKE_EXE_LINKER_FLAGS="$linker_flags" > configure.log
cmake --build consumer > build.log
./consumer/consumer > consumer.log
cat consumer.log
grep -q "headers $version library $version" consumer.log
grep -q "config layers 1 neurons 10" consumer.log
prefix/bin/infomorph pid "$repo/tests/integration/data/xor.csv" > xor.json
$python - consumer.log xor.json consumer/compile_commands.json <<'PY'
import json, sys
log = open(sys.argv[1]).read().splitlines()
ours = [float(v) for v in next(l for l in log if l.startswith("xor atoms")).split()[2:]]
cli = list(json.load(open(sys.argv[2]))["atoms"].values())
assert len(ours) == len(cli) and all(abs(a - b) < 1e-6 for a, b in zip(ours, cli)), (ours, cli)
for entry in json.load(open(sys.argv[3])):
    command = entry.get("command", " ".join(entry.get("arguments", [])))
    for flag in ("-march=native", "-Wconversion", "-ffp-contract=fast"):
        assert flag not in command, f"the library's build flag {flag} reached the consumer: {command}"
print("consumer: XOR atoms equal the installed CLI's; no build flag of the library leaked")
PY
# The Python module, where it was built, imports from the prefix alone.
if module=$(find prefix -name '_core*.so' -path '*site-packages/infomorph/*' | head -1) && [ -n "$module" ]; then
    PYTHONPATH=$(dirname "$(dirname "$module")") $python -c \
        "import infomorph, sys; assert infomorph.__version__ == sys.argv[1]; assert callable(infomorph.read_run) and callable(infomorph.train); print('installed module', infomorph.__file__)" \
        "$version"
fi
echo "installed package: found, built against, run"
