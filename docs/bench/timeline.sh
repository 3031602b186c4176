#!/usr/bin/env bash
# Benchmark: `peel timeline --format bodyfile` against The Sleuth Kit's `fls -r -m /` on an
# NTFS and an ext4 image of ~20,000 files, built here with Debian's tools (mkntfs + ntfs-3g,
# mke2fs -d). Prints wall time (best of 3, page cache warm) and checks that both list the same
# number of bodyfile rows.
#
#   bash docs/bench/timeline.sh            # images in $BENCH_DIR (default /tmp/peel-bench-timeline)
#   PEEL=/path/to/peel FILES=50000 bash docs/bench/timeline.sh
#
# Needs root for the ntfs-3g (FUSE) mount; without it the NTFS image is skipped.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/peel-bench-timeline}
FILES=${FILES:-20000}
mkdir -p "$BENCH_DIR"
for t in fls mkntfs ntfs-3g mke2fs python3; do
    command -v "$t" >/dev/null || { echo "missing $t: apt-get install sleuthkit ntfs-3g e2fsprogs python3" >&2; exit 2; }
done
if [ -z "${PEEL:-}" ]; then
    (cd "$here" && cargo build --release -q -p peel-cli)
    PEEL=$here/target/release/peel
fi

tree=$BENCH_DIR/tree
if [ ! -d "$tree" ]; then
    python3 - "$tree" "$FILES" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(7)
for i in range(n):
    d = os.path.join(root, f"d{i % 50:02d}", f"s{(i // 50) % 40:02d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"file-{i:06d}.txt"), "wb") as f:
        f.write(rnd.randbytes(rnd.choice([100, 600, 3000, 20000])))
PY
fi

ext=$BENCH_DIR/ext4.img
[ -f "$ext" ] || mke2fs -q -t ext4 -d "$tree" "$ext" 600M >/dev/null

ntfs=$BENCH_DIR/ntfs.img
if [ ! -f "$ntfs" ] && [ "$(id -u)" -eq 0 ]; then
    truncate -s 700M "$ntfs.tmp"
    mkntfs -F -f -q "$ntfs.tmp" >/dev/null 2>&1
    mnt=$(mktemp -d)
    ntfs-3g "$ntfs.tmp" "$mnt"
    cp -r "$tree"/. "$mnt"/
    umount "$mnt"
    rmdir "$mnt"
    mv "$ntfs.tmp" "$ntfs"
fi

best() { # best wall seconds of 3 runs of "$@" > /dev/null
    local b=999999 s e t
    "$@" >/dev/null 2>&1 || true
    for _ in 1 2 3; do
        s=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || true
        e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc -l)
        b=$(echo "if ($t < $b) $t else $b" | bc -l)
    done
    printf '%.3f' "$b"
}

printf '%-6s %-32s %10s %10s\n' image tool seconds rows
for img in "$ntfs" "$ext"; do
    [ -f "$img" ] || continue
    name=$(basename "$img" .img)
    prow=$("$PEEL" timeline --format bodyfile "$img" 2>/dev/null | wc -l || true)
    trow=$(fls -r -m / "$img" | wc -l)
    printf '%-6s %-32s %10s %10s\n' "$name" "peel timeline --format bodyfile" "$(best "$PEEL" timeline --format bodyfile "$img")" "$prow"
    printf '%-6s %-32s %10s %10s\n' "$name" "peel timeline (csv, sorted)" "$(best "$PEEL" timeline "$img")" "-"
    printf '%-6s %-32s %10s %10s\n' "$name" "fls -r -m /" "$(best fls -r -m / "$img")" "$trow"
done
