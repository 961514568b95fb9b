#!/usr/bin/python3
"""The library's folders form a stack; no folder includes one above it.

    util, comm  <  pid  <  estimate  <  model  <  io  <  train

A header or source file in include/infomorph/<folder>/ or src/<folder>/ may include
<infomorph/<other>/...> only if <other> is at its own level or below. Prints every upward
include (file, line, what) and exits 1 if there is one; exits 2 if it finds no file at all.

usage: check_include_layers.py REPO_DIR
"""
import pathlib
import re
import sys

LEVEL = {"util": 0, "comm": 0, "pid": 1, "estimate": 2, "model": 3, "io": 4, "train": 5}
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]infomorph/([a-z_]+)/')


def main():
    repo = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    files = []
    for root in (repo / "include" / "infomorph", repo / "src"):
        files += [p for p in root.rglob("*") if p.suffix in (".hpp", ".cpp", ".h")]
    if not files:
        print(f"no sources found under {repo}")
        return 2
    problems = []
    for path in sorted(files):
        parts = path.relative_to(repo).parts
        folder = parts[2] if parts[0] == "include" else parts[1]
        if folder not in LEVEL:
            problems.append(f"{path}: folder '{folder}' has no place in the stack")
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            other = match.group(1)
            if other not in LEVEL:
                problems.append(f"{path}:{number}: includes unknown folder '{other}'")
            elif LEVEL[other] > LEVEL[folder]:
                problems.append(f"{path}:{number}: {folder}/ includes {other}/, which is above "
                                f"it: {line.strip()}")
    for p in problems:
        print(p)
    print(f"{len(files)} files checked, {len(problems)} upward include(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
