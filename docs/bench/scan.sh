#!/usr/bin/env bash
# Times `peel scan` against yara-x's `yr scan` and Debian's `yara` on the same folder and rule
# set, then scanning the files inside a FAT32 image with peel against extracting them first
# (`peel export`) and running `yr` on the copy. Checks that the tools report the same
# (rule, file) pairs on the folder.
#
#   bash docs/bench/scan.sh
#   YR=/path/to/yr PEEL=target/release/peel RUNS=3 bash docs/bench/scan.sh
#
# Env: PEEL (default: builds target/release/peel), YR (default: `yr` on PATH; rows skipped when
# absent — `cargo install yara-x-cli --locked` builds it), YARA (default: `yara` on PATH),
# RULES (default: ../shared/bench-data/signature-base/yara beside the project; falls back to
# the bundled rules/), SIZE_MB (corpus size, 400), RUNS (best of, 3), BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BENCH_DIR=${BENCH_DIR:-/tmp/peel-bench-scan}
SIZE_MB=${SIZE_MB:-400}
RUNS=${RUNS:-3}
RULES=${RULES:-$ROOT/../shared/bench-data/signature-base/yara}
[ -d "$RULES" ] || RULES=$ROOT/rules
YR=${YR:-$(command -v yr || true)}
YARA=${YARA:-$(command -v yara || true)}
if [ -z "${PEEL:-}" ]; then
    cargo build --release -q -p peel-cli
    PEEL=$ROOT/target/release/peel
fi
PEEL=$(realpath "$PEEL")
[ -z "$YR" ] || YR=$(realpath "$YR")
mkdir -p "$BENCH_DIR/out"
cd "$BENCH_DIR"

# The corpus: real files of this machine (programs, libraries, documentation), in sorted order
# up to SIZE_MB, copied once and reused.
if [ ! -f corpus.done ] || [ "$(cat corpus.done)" != "$SIZE_MB" ]; then
    rm -rf corpus fat.img corpus.done
    mkdir corpus
    python3 - "$SIZE_MB" <<'PY'
import os, shutil, sys
limit = int(sys.argv[1]) * 10**6
total = 0
for top in ["/usr/bin", "/usr/lib/x86_64-linux-gnu", "/usr/share/doc", "/usr/lib/python3"]:
    for root, dirs, files in os.walk(top):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            n = os.path.getsize(p)
            if n == 0 or n > 64 << 20 or total + n > limit:
                continue
            dst = os.path.join("corpus", p.lstrip("/"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(p, dst)
            total += n
print(f"corpus: {total} bytes")
PY
    bytes=$(du -sb corpus | cut -f1)
    mb=$(( bytes * 13 / 10 / 1048576 + 64 ))
    mkfs.fat -C -F 32 -n BENCH fat.img $(( mb * 1024 )) >/dev/null
    (cd corpus && MTOOLS_NO_VFAT=0 mcopy -s -i ../fat.img ./* ::/)
    echo "$SIZE_MB" > corpus.done
fi
files=$(find corpus -type f | wc -l)
bytes=$(du -sb corpus | cut -f1)
echo "corpus: $files files, $bytes bytes; image $(stat -c %s fat.img) bytes; rules: $RULES"

best() { # best wall seconds of RUNS runs of "$@" (stdout to out/$name)
    local name=$1; shift
    local b=""
    for _ in $(seq "$RUNS"); do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" > "out/$name.txt" 2> "out/$name.err" || true
        t1=$(date +%s.%N)
        local t
        t=$(echo "$t1 - $t0" | bc)
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
    done
    printf "%-44s %8.3f s %8.1f MB/s\n" "$name" "$b" "$(echo "$bytes / $b / 1000000" | bc -l)" | tee -a out/times.txt
}
: > out/times.txt
rm -f out/peel.yarc
"$PEEL" -q rules compile "$RULES" -o out/peel.yarc
best "peel scan (folder)" "$PEEL" -q scan --compiled out/peel.yarc --format jsonl corpus
if [ -n "$YR" ]; then
    rm -f out/yr.yarc
    "$YR" compile -w -d 'filename=""' -d 'filepath=""' -d 'extension=""' -d 'filetype=""' \
        -d 'owner=""' -d 'md5=""' -d 'sha256=""' -o out/yr.yarc "$RULES" > out/yr-compile.txt 2>&1
    best "yr scan (folder)" "$YR" scan -C -r out/yr.yarc corpus
    best "peel scan (FAT32 image)" "$PEEL" -q scan --compiled out/peel.yarc --format jsonl fat.img
    best "peel export + yr scan (FAT32 image)" bash -c \
        "rm -rf out/x && '$PEEL' -q export fat.img --out out/x >/dev/null && '$YR' scan -C -r out/yr.yarc out/x/root"
    # Same (rule, file) pairs on the folder?
    python3 - <<'PY'
import json
peel = set()
for l in open("out/peel scan (folder).txt"):
    r = json.loads(l)
    if r["record"] == "hit":
        peel.add((r["rule"], r["path"]))
yr = set()
for l in open("out/yr scan (folder).txt"):
    parts = l.rstrip("\n").split(" ", 1)
    if len(parts) == 2:
        yr.add((parts[0], parts[1].removeprefix("corpus/")))
print(f"hits: peel {len(peel)}, yr {len(yr)}, both {len(peel & yr)}; "
      f"{'MATCH' if peel == yr else 'DIFFER'}")
for x in sorted(peel - yr)[:10]: print("  only peel:", x)
for x in sorted(yr - peel)[:10]: print("  only yr:  ", x)
PY
fi
if [ -n "$YARA" ]; then
    # Debian's yara (4.2) on the bundled rules only: signature-base needs a newer libyara.
    best "peel scan (folder, bundled rules)" "$PEEL" -q scan --format jsonl corpus
    best "yara -p2 (folder, bundled rules)" "$YARA" -w -p 2 -r "$ROOT"/rules/*.yar corpus
    python3 - <<'PY'
import json
peel = {(r["rule"], r["path"]) for r in map(json.loads, open("out/peel scan (folder, bundled rules).txt")) if r["record"] == "hit"}
yara = set()
for l in open("out/yara -p2 (folder, bundled rules).txt"):
    rule, path = l.rstrip("\n").split(" ", 1)
    yara.add((rule, path.removeprefix("corpus/")))
print(f"bundled-rule hits: peel {len(peel)}, yara {len(yara)}; {'MATCH' if peel == yara else 'DIFFER'}")
PY
fi
