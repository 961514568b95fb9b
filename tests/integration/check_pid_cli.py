#!/usr/bin/python3
"""Runs `infomorph pid` on the files in data/ and checks its output and exit codes.

Usage: check_pid_cli.py INFOMORPH_BINARY DATA_DIR   (standard library only)
"""
import json
import os
import subprocess
import sys

binary, data = sys.argv[1], sys.argv[2]
failures = []


def run(*args):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)


def check(condition, message):
    if not condition:
        failures.append(message)


def check_atoms(name, expected, tolerance=1e-4):
    path = os.path.join(data, name)
    result = run("pid", path)
    check(result.returncode == 0, f"{name}: exit code {result.returncode}, stderr {result.stderr!r}")
    if result.returncode != 0:
        return
    try:
        output = json.loads(result.stdout)
    except json.JSONDecodeError as e:
        failures.append(f"{name}: output is not JSON ({e}): {result.stdout!r}")
        return
    check(set(output) == {"sources", "atoms", "h_res"}, f"{name}: keys {sorted(output)}")
    atoms = output.get("atoms", {})
    for atom, value in expected.items():
        check(atom in atoms and abs(atoms[atom] - value) <= tolerance,
              f"{name}: {atom} = {atoms.get(atom)}, expected {value}")
    return output


# XOR: unique 0.5850 each, redundancy -0.5850, synergy 0.4150 (docs/method.md section 2).
xor = check_atoms("xor.csv", {"{1}": 0.5850, "{2}": 0.5850, "{1}{2}": -0.5850, "{12}": 0.4150})
if xor:
    check(xor["sources"] == 2, f"xor.csv: sources {xor['sources']}")
    check(list(xor["atoms"]) == ["{1}", "{2}", "{1}{2}", "{12}"],
          f"xor.csv: atom order {list(xor['atoms'])}")
    check(abs(xor["h_res"]) < 1e-9, f"xor.csv: h_res {xor['h_res']}")

# AND (given as counts): unique 0.1887 each, redundancy 0.1226, synergy 0.3113.
and_gate = check_atoms("and.csv", {"{1}": 0.1887, "{2}": 0.1887, "{1}{2}": 0.1226, "{12}": 0.3113})
if and_gate:
    check(abs(and_gate["h_res"]) < 1e-9, f"and.csv: h_res {and_gate['h_res']}")

# Three-bit parity: 18 atoms in the order of the published goal vectors.
parity = check_atoms("parity3.csv", {"{123}": 0.2451, "{1}{2}{3}": 0.1926,
                                     "{12}{13}{23}": -0.2269, "{1}": 0.3219})
if parity:
    check(parity["sources"] == 3 and len(parity["atoms"]) == 18,
          f"parity3.csv: {parity['sources']} sources, {len(parity['atoms'])} atoms")
    check(next(iter(parity["atoms"])) == "{1}{2}{3}", "parity3.csv: first atom")

# --table: readable, not JSON, exit 0.
table = run("pid", os.path.join(data, "xor.csv"), "--table")
check(table.returncode == 0, f"--table: exit code {table.returncode}")
check("{1}{2}" in table.stdout and "-0.584963" in table.stdout and "h_res" in table.stdout,
      f"--table output: {table.stdout!r}")

# Bad input: exit code 2 and one line on stderr naming the file (and the line where there is one).
bad = {
    "bad_negative.csv": ":3:",
    "bad_nan.csv": ":3:",
    "bad_all_zero.csv": "all probabilities are zero",
    "bad_header.csv": ":1:",
    "bad_missing_column.csv": ":1:",
    "bad_ragged.csv": ":3:",
    "bad_non_integer.csv": ":3:",
    "bad_five_sources.csv": "at most 4 sources",
    "does_not_exist.csv": "no such file",
    # A directory is neither missing nor an empty file.
    ".": "is a directory, not a file",
}
for name, fragment in bad.items():
    path = os.path.join(data, name)
    result = run("pid", path)
    check(result.returncode == 2, f"{name}: exit code {result.returncode}, expected 2")
    check(result.stdout == "", f"{name}: stdout {result.stdout!r}")
    lines = result.stderr.strip().splitlines()
    check(len(lines) == 1, f"{name}: stderr has {len(lines)} lines: {result.stderr!r}")
    check(path in result.stderr and fragment in result.stderr,
          f"{name}: stderr {result.stderr!r} lacks {path!r} or {fragment!r}")

# Usage errors: no file.
usage = run("pid")
check(usage.returncode == 2, f"pid without FILE: exit code {usage.returncode}")
check(run("pid", "--help").returncode == 0, "pid --help: non-zero exit code")

for failure in failures:
    print("FAIL:", failure)
print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
