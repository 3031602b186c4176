#!/usr/bin/env bash
# Benchmark: list a FAT32 image recursively and SHA-256 every file, peel vs The Sleuth Kit.
#
#   bash docs/bench/ls-hash.sh
#
# What it measures, on a warm page cache (caches are not dropped: every command runs once
# unmeasured, then the best wall-clock time of $RUNS runs is kept):
#   peel        peel ls -r --hash sha256 --format jsonl IMG > out      (default threads)
#   peel -j1    the same on one worker thread
#   tsk         fls -r -p -F -u IMG, then `icat IMG INODE | sha256sum` for every allocated
#               regular file (one icat per file, in a serial shell loop)
#   tsk -P N    the same icat | sha256sum loop spread over N processes with xargs -P
#   sha256sum   reference only: sha256sum of the whole raw image (sequential, one core)
#   listing     peel ls -r and fls -r -p without hashing, for the cost of the walk alone
# The "MB/s" column is bytes of file content hashed (sum of the sizes of the allocated regular
# files, 1 MB = 10^6 bytes) divided by wall seconds; for the sha256sum reference row it is the
# image size instead. Max RSS comes from /usr/bin/time -v (largest process of the run).
#
# It also checks that peel and TSK agree: the set of (path, sha256) of allocated regular files
# in peel's JSONL must equal the TSK set and the generator's manifest. It prints MATCH, or
# MISMATCH and exits 1.
#
# The test image is built once, with real tools, under $BENCH_DIR (default /tmp/peel-bench;
# never inside the repository) and reused by later runs while its parameters are unchanged:
# a 1 GiB raw image, `mkfs.fat -F 32 -s 8` (4 KiB clusters, no partition table), ~4000 files
# of 1 KiB..2 MiB (pseudo-random content from a fixed seed, ~700 MB) in nested folders copied
# in with `mcopy -s`; then a few hundred files deleted with `mdel`, one folder with
# `mdeltree`, and a couple of hundred more files copied in afterwards.
#
# Environment:
#   BENCH_DIR=/tmp/peel-bench  scratch folder (image, outputs, timings)
#   PEEL=/path/to/peel         use this binary instead of `cargo build --release -p peel-cli`
#   RUNS=3                     measured runs per command (best is kept)
#   NFILES=4000 SEED=20240501 IMG_MIB=1024   image parameters (a change rebuilds the image)
#   SKIP_TSK_SERIAL=1          skip the serial fls+icat loop (the slowest row)
#   HYPERFINE=auto|0|1         also run hyperfine on the peel commands (auto: if installed)
#   REBUILD=1                  rebuild the image even if it exists
#   WAIT_IDLE=120              before each timed run, wait up to this many seconds for the
#                              machine to be idle (0: do not wait)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/peel-bench}
RUNS=${RUNS:-3}
NFILES=${NFILES:-4000}
SEED=${SEED:-20240501}
IMG_MIB=${IMG_MIB:-1024}
HYPERFINE=${HYPERFINE:-auto}
WAIT_IDLE=${WAIT_IDLE:-120}
SKIP_TSK_SERIAL=${SKIP_TSK_SERIAL:-0}
REBUILD=${REBUILD:-0}
NPROC=$(nproc)

export TZ=UTC LC_ALL=C.UTF-8 LANG=C.UTF-8
export MTOOLS_SKIP_CHECK=1 MTOOLSRC=/dev/null

log() { printf '== %s\n' "$*" >&2; }
trap 'printf "ls-hash.sh: line %d: command failed (status %d): %s\n" "$LINENO" "$?" "$BASH_COMMAND" >&2' ERR
die() { printf 'ls-hash.sh: %s\n' "$*" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------
declare -A PKG_OF=(
    [mkfs.fat]=dosfstools [mcopy]=mtools [mdel]=mtools [mdeltree]=mtools
    [fls]=sleuthkit [icat]=sleuthkit [python3]=python3 [sha256sum]=coreutils
    [truncate]=coreutils [xargs]=findutils
)
missing=()
for cmd in "${!PKG_OF[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${PKG_OF[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    die "missing tools; install them with: sudo apt-get install ${missing[*]}"
fi
GNU_TIME=""
if [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; then
    GNU_TIME=/usr/bin/time
else
    log "note: /usr/bin/time (GNU) not found, max RSS not measured (apt-get install time)"
fi
case "$HYPERFINE" in
    auto) command -v hyperfine >/dev/null 2>&1 && HYPERFINE=1 || HYPERFINE=0 ;;
    1) command -v hyperfine >/dev/null 2>&1 || die "hyperfine not found (apt-get install hyperfine)" ;;
esac

mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd -P)
case "$BENCH_DIR/" in
    "$(cd "$REPO" && pwd -P)"/*) die "BENCH_DIR must be outside the repository: $BENCH_DIR" ;;
esac

IMG=$BENCH_DIR/fat32-bench.img
PARAMS="v1 nfiles=$NFILES seed=$SEED img_mib=$IMG_MIB"
OUT=$BENCH_DIR/out
mkdir -p "$OUT"

# ---------------------------------------------------------------------------------------------
# 1. Test image
# ---------------------------------------------------------------------------------------------
build_image() {
    local src=$BENCH_DIR/src
    rm -rf "$src" "$IMG" "$IMG.params"
    mkdir -p "$src"
    log "generating source tree ($NFILES files, seed $SEED) in $src"
    python3 - "$src" "$NFILES" "$SEED" <<'PY'
import hashlib, math, os, random, sys

root, nfiles, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
p1, p2 = os.path.join(root, "phase1"), os.path.join(root, "phase2")

# Folders: a few top-level ones, nested up to 4 levels below them.
tops = ["Documents", "Photos 2023", "mail", "Projects", "backup_old", "Music", "tmp"]
dirs = [""]
def grow(path, depth):
    dirs.append(path)
    if depth >= 4:
        return
    for i in range(rng.choice([0, 1, 1, 2, 3]) if depth else 3):
        name = rng.choice(["sub", "Archive", "part", "2024-", "Q", "misc data ", "x"]) + f"{depth}{i}"
        grow(f"{path}/{name}", depth + 1)
for t in tops:
    grow(t, 0)

def size():
    lo, hi = (1024, 65536) if rng.random() < 0.72 else (65536, 2 * 1024 * 1024)
    return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))

def name(i):
    k = rng.randrange(6)
    if k == 0:
        return f"IMG_{i:04d}.JPG"             # plain upper-case 8.3 name
    if k == 1:
        return f"report {i} - final version.docx"  # long name with spaces
    if k == 2:
        return f"data_{i:05d}.bin"            # long lower-case name
    if k == 3:
        return f"Notes{i}.txt"                # mixed case
    if k == 4:
        return f"f{i}.c"                      # lower-case 8.3 name
    return f"Very Long Directory Listing Entry Name Number {i}.log"

def write(base, rel, n):
    full = os.path.join(base, rel)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    data = rng.randbytes(n)
    with open(full, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest()

for d in dirs:
    os.makedirs(os.path.join(p1, d), exist_ok=True)

files = {}   # rel path -> (sha256, size)
for i in range(nfiles):
    d = rng.choice(dirs)
    rel = f"{d}/{name(i)}".lstrip("/")
    n = size()
    files[rel] = (write(p1, rel, n), n)

# One leaf folder with several files goes with mdeltree; ~8% of the other files with mdel.
leaves = [d for d in dirs if d and not any(o.startswith(d + "/") for o in dirs)]
counts = {d: sum(1 for r in files if os.path.dirname(r) == d) for d in leaves}
deltree = max(sorted(counts), key=lambda d: counts[d])
deleted = set()
with open(os.path.join(root, "mdel.txt"), "w") as f:
    for rel in sorted(files):
        if os.path.dirname(rel) != deltree and rng.random() < 0.08:
            deleted.add(rel)
            f.write(f"::/{rel}\n")
with open(os.path.join(root, "mdeltree.txt"), "w") as f:
    f.write(f"::/{deltree}\n")
for rel in list(files):
    if rel in deleted or os.path.dirname(rel) == deltree:
        del files[rel]

# Copied in after the deletions, into surviving folders (may reuse freed clusters).
alive = sorted({os.path.dirname(r) for r in files} | {""})
late_dirs = set()
for i in range(nfiles // 20):
    d = rng.choice(alive)
    rel = f"{d}/late_{i:04d}.dat".lstrip("/")
    n = size()
    files[rel] = (write(p2, rel, n), n)
    late_dirs.add(d)
with open(os.path.join(root, "phase2-dirs.txt"), "w") as f:
    for d in sorted(late_dirs):
        f.write(d + "\n")

with open(os.path.join(root, "manifest.tsv"), "w") as f:
    for rel in sorted(files):
        h, n = files[rel]
        f.write(f"{h}\t{n}\t{rel}\n")
total = sum(n for _, n in files.values())
print(f"folders {len(dirs)}, allocated files {len(files)} ({total / 1e6:.1f} MB), "
      f"mdel {len(deleted)}, mdeltree {deltree} ({counts[deltree]} files)", file=sys.stderr)
PY

    log "mkfs.fat -F 32 -s 8 on a ${IMG_MIB} MiB raw image"
    truncate -s "${IMG_MIB}M" "$IMG.tmp"
    mkfs.fat -F 32 -s 8 -n PEELBENCH -i 5EE1BE7C --invariant "$IMG.tmp" >/dev/null

    log "mcopy -s (phase 1)"
    local e
    for e in "$src"/phase1/*; do
        mcopy -s -i "$IMG.tmp" "$e" ::/
    done
    log "mdel $(wc -l <"$src/mdel.txt") files, mdeltree $(cat "$src/mdeltree.txt")"
    xargs -d '\n' -n 100 mdel -i "$IMG.tmp" <"$src/mdel.txt"
    xargs -d '\n' mdeltree -i "$IMG.tmp" <"$src/mdeltree.txt"
    log "mcopy (phase 2, after the deletions)"
    local d late
    while IFS= read -r d; do
        mapfile -d '' late < <(find "$src/phase2/$d" -maxdepth 1 -type f -print0 | sort -z)
        mcopy -i "$IMG.tmp" "${late[@]}" "::/$d/"
    done <"$src/phase2-dirs.txt"

    cp "$src/manifest.tsv" "$BENCH_DIR/manifest.tsv"
    mv "$IMG.tmp" "$IMG"
    printf '%s\n' "$PARAMS" >"$IMG.params"
    rm -rf "$src"
}

if [ "$REBUILD" = 1 ] || [ ! -f "$IMG" ] || [ ! -f "$BENCH_DIR/manifest.tsv" ] \
    || [ "$(cat "$IMG.params" 2>/dev/null)" != "$PARAMS" ]; then
    build_image
else
    log "reusing $IMG ($PARAMS)"
fi

# ---------------------------------------------------------------------------------------------
# 2. peel
# ---------------------------------------------------------------------------------------------
if [ -z "${PEEL:-}" ]; then
    log "cargo build --release -p peel-cli"
    for attempt in 1 2 3 4 5; do
        if (cd "$REPO" && cargo build --release -q -p peel-cli); then
            break
        fi
        [ "$attempt" = 5 ] && die "cargo build failed 5 times"
        log "build failed (attempt $attempt); retrying in 60 s"
        sleep 60
    done
    PEEL=$REPO/target/release/peel
    REV=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [ -z "$(git -C "$REPO" status --porcelain -- crates Cargo.toml Cargo.lock 2>/dev/null)" ] \
        || REV="$REV + uncommitted changes"
    log "peel built from $REV"
fi
[ -x "$PEEL" ] || die "not an executable: $PEEL"
# Snapshot the binary so that a rebuild during the run does not change what is measured.
if ! [ "$PEEL" -ef "$BENCH_DIR/peel" ]; then
    cp "$PEEL" "$BENCH_DIR/peel.tmp"
    mv "$BENCH_DIR/peel.tmp" "$BENCH_DIR/peel"
fi
PEEL=$BENCH_DIR/peel
log "peel: $("$PEEL" --version)"

# ---------------------------------------------------------------------------------------------
# 3. The TSK equivalents
# ---------------------------------------------------------------------------------------------
# Serial: one icat | sha256sum per allocated regular file (fls -F: files only; -u: undeleted
# only; the volume label, which fls lists as a regular file, is skipped).
cat >"$BENCH_DIR/tsk-ls-hash.sh" <<'SH'
#!/usr/bin/env bash
set -euo pipefail
img=$1
fls -r -p -F -u "$img" | while IFS= read -r line; do
    meta=${line%%$'\t'*} path=${line#*$'\t'}
    [[ $meta == "r/r "* && $path != *"(Volume Label Entry)" ]] || continue
    inode=${meta##* } inode=${inode%:}
    sum=$(icat "$img" "$inode" | sha256sum)
    printf '%s\t%s\n' "${sum%% *}" "$path"
done
SH
# Parallel: the same list, with the icat | sha256sum calls spread over N processes.
cat >"$BENCH_DIR/tsk-ls-hash-par.sh" <<'SH'
#!/usr/bin/env bash
set -euo pipefail
img=$1 jobs=$2
fls -r -p -F -u "$img" | while IFS= read -r line; do
    meta=${line%%$'\t'*} path=${line#*$'\t'}
    [[ $meta == "r/r "* && $path != *"(Volume Label Entry)" ]] || continue
    inode=${meta##* }
    printf '%s\t%s\n' "${inode%:}" "$path"
done | xargs -d '\n' -P "$jobs" -n 64 bash "$(dirname "$0")/tsk-hash-worker.sh" "$img"
SH
# Worker: IMG then "INODE<tab>PATH" arguments; prints "SHA256<tab>PATH" lines.
cat >"$BENCH_DIR/tsk-hash-worker.sh" <<'SH'
#!/usr/bin/env bash
set -euo pipefail
img=$1
shift
for l; do
    sum=$(icat "$img" "${l%%$'\t'*}" | sha256sum)
    printf '%s\t%s\n' "${sum%% *}" "${l#*$'\t'}"
done
SH

# ---------------------------------------------------------------------------------------------
# 4. Timing
# ---------------------------------------------------------------------------------------------
# Other processes on the machine skew the figures (with 2 cores, one busy compile job takes
# away peel's parallel speed-up), so each timed run first waits up to $WAIT_IDLE seconds for the
# machine to be idle, and the CPU that others used during the run is reported ("others").
CLK_TCK=$(getconf CLK_TCK)
busy_jiffies() { # busy CPU time of the whole machine so far, in clock ticks
    local _cpu u n s _idle _iow irq sirq steal _rest
    read -r _cpu u n s _idle _iow irq sirq steal _rest </proc/stat
    echo $((u + n + s + irq + sirq + steal))
}
wait_idle() {
    local waited=0 b0 b1
    while :; do
        b0=$(busy_jiffies)
        sleep 1
        b1=$(busy_jiffies)
        # idle enough: less than a quarter of a core busy over the last second
        [ $(((b1 - b0) * 4)) -lt "$CLK_TCK" ] && return 0
        waited=$((waited + 1))
        if [ "$waited" -ge "$WAIT_IDLE" ]; then
            log "warning: machine still busy after ${WAIT_IDLE}s ($(((b1 - b0) * 100 / CLK_TCK))% of a core); measuring anyway"
            return 0
        fi
    done
}

RESULTS=$OUT/results.tsv
: >"$RESULTS"
# measure LABEL OUTFILE BYTES CMD...: one warm-up run, then $RUNS timed runs; the fastest is
# kept (its wall time, user+system CPU, max RSS and the CPU used meanwhile by other processes).
measure() {
    local label=$1 outfile=$2 bytes=$3
    shift 3
    local i t0 t1 b0 b1 rc secs cpu rss others best=""
    log "$label: $* (warm-up + $RUNS runs)"
    for ((i = 0; i <= RUNS; i++)); do
        [ "$i" -gt 0 ] && [ "$WAIT_IDLE" -gt 0 ] && wait_idle
        rc=0
        b0=$(busy_jiffies)
        t0=$EPOCHREALTIME
        if [ -n "$GNU_TIME" ]; then
            "$GNU_TIME" -v -o "$OUT/time.txt" "$@" >"$outfile" || rc=$?
        else
            "$@" >"$outfile" || rc=$?
        fi
        t1=$EPOCHREALTIME
        b1=$(busy_jiffies)
        [ "$rc" = 0 ] || log "warning: $label exited with status $rc"
        [ "$i" = 0 ] && continue
        read -r secs cpu rss others < <(python3 - "$t0" "$t1" "$b0" "$b1" "$CLK_TCK" "$OUT/time.txt" "$GNU_TIME" <<'PY'
import sys
t0, t1, b0, b1, hz = (float(x) for x in sys.argv[1:6])
wall = t1 - t0
cpu, rss = -1.0, -1
if sys.argv[7]:
    for line in open(sys.argv[6]):
        k, _, v = line.strip().rpartition(": ")
        if k in ("User time (seconds)", "System time (seconds)"):
            cpu = max(cpu, 0) + float(v)
        elif k == "Maximum resident set size (kbytes)":
            rss = int(v)
others = max(0.0, (b1 - b0) / hz - max(cpu, 0)) / wall
print(f"{wall:.3f} {cpu:.2f} {rss} {others:.2f}")
PY
        )
        printf '   run %d: %s s (cpu %s s, others %s cores)\n' "$i" "$secs" "$cpu" "$others" >&2
        if [ -z "$best" ] || python3 -c "import sys; sys.exit(not $secs < ${best%% *})"; then
            best="$secs $cpu $rss $others"
        fi
    done
    printf '%s\t%s\t%s\n' "$label" "$bytes" "${best// /$'\t'}" >>"$RESULTS"
}

IMG_BYTES=$(stat -c %s "$IMG")
# Content bytes of the allocated regular files (from the generator's manifest; the
# correctness check below confirms peel and TSK hashed exactly these files).
read -r NALLOC CONTENT_BYTES < <(awk -F'\t' '{n++; s += $2} END {print n, s}' "$BENCH_DIR/manifest.tsv")

# Reference: a sequential read + hash of the whole image by coreutils.
measure "sha256sum IMG (ref)" "$OUT/image.sha256" "$IMG_BYTES" sha256sum "$IMG"
measure "peel (default -j$NPROC)" "$OUT/peel.jsonl" "$CONTENT_BYTES" \
    "$PEEL" -q ls -r --hash sha256 --format jsonl "$IMG"
measure "peel -j1" "$OUT/peel-j1.jsonl" "$CONTENT_BYTES" \
    "$PEEL" -q -j1 ls -r --hash sha256 --format jsonl "$IMG"
measure "tsk fls+icat xargs -P$NPROC" "$OUT/tsk-par.tsv" "$CONTENT_BYTES" \
    bash "$BENCH_DIR/tsk-ls-hash-par.sh" "$IMG" "$NPROC"
if [ "$SKIP_TSK_SERIAL" != 1 ]; then
    measure "tsk fls+icat serial" "$OUT/tsk.tsv" "$CONTENT_BYTES" \
        bash "$BENCH_DIR/tsk-ls-hash.sh" "$IMG"
fi
# Listing alone, without reading any content (no MB/s).
measure "peel ls -r (no hash)" "$OUT/peel-nohash.jsonl" 0 \
    "$PEEL" -q ls -r --format jsonl "$IMG"
measure "fls -r -p (no hash)" "$OUT/fls.txt" 0 fls -r -p "$IMG"

# ---------------------------------------------------------------------------------------------
# 5. Correctness
# ---------------------------------------------------------------------------------------------
log "checking peel against TSK and the manifest"
fls -r -p -d -F "$IMG" >"$OUT/fls-deleted.txt"
TSK_OUT=$OUT/tsk.tsv
[ -f "$TSK_OUT" ] && [ "$SKIP_TSK_SERIAL" != 1 ] || TSK_OUT=$OUT/tsk-par.tsv
status=0
python3 - "$OUT/peel.jsonl" "$OUT/peel-j1.jsonl" "$TSK_OUT" "$OUT/tsk-par.tsv" \
    "$BENCH_DIR/manifest.tsv" "$OUT/fls-deleted.txt" <<'PY' || status=1
import json, sys

peel_path, peel1_path, tsk_path, tskpar_path, manifest_path, fls_deleted_path = sys.argv[1:]

def peel_set(p):
    s, errors, deleted = set(), 0, 0
    with open(p, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("record") == "error":
                errors += 1
            elif r.get("record") == "file" and r.get("kind") == "file":
                if r.get("deleted"):
                    deleted += 1
                else:
                    s.add((r["path"], r.get("sha256")))
    return s, errors, deleted

def tsv_set(p, path_col, hash_col):
    s = set()
    with open(p, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            s.add((cols[path_col], cols[hash_col]))
    return s

peel, errors, deleted = peel_set(peel_path)
peel1, _, _ = peel_set(peel1_path)
sets = {
    "peel -j1": peel1,
    "tsk": tsv_set(tsk_path, 1, 0),
    "tsk xargs": tsv_set(tskpar_path, 1, 0),
    "manifest": tsv_set(manifest_path, 2, 0),
}
print(f"peel: {len(peel)} allocated files, {deleted} deleted file entries, {errors} error records")
ok = errors == 0
for name, other in sets.items():
    if other == peel:
        print(f"  peel == {name} ({len(other)} files)")
        continue
    ok = False
    print(f"  peel != {name}: {len(peel - other)} only in peel, {len(other - peel)} only in {name}")
    for x in sorted(peel - other)[:5]:
        print(f"    only in peel:  {x}")
    for x in sorted(other - peel)[:5]:
        print(f"    only in {name}: {x}")
# Not part of MATCH: the paths of deleted file entries, peel vs `fls -r -p -d -F`.
peel_del = set()
with open(peel_path, encoding="utf-8") as f:
    for line in f:
        r = json.loads(line)
        if r.get("record") == "file" and r.get("kind") == "file" and r.get("deleted"):
            peel_del.add(r["path"])
with open(fls_deleted_path, encoding="utf-8", errors="surrogateescape") as f:
    fls_del = {l.rstrip("\n").split("\t", 1)[1] for l in f if l.startswith("r/r ")}
if peel_del == fls_del:
    print(f"  (deleted file paths: peel == fls -d, {len(fls_del)})")
else:
    print(f"  (deleted file paths differ: {len(peel_del - fls_del)} only in peel, "
          f"{len(fls_del - peel_del)} only in fls -d)")
print("MATCH" if ok else "MISMATCH")
sys.exit(0 if ok else 1)
PY
if cmp -s "$OUT/peel.jsonl" "$OUT/peel-j1.jsonl"; then
    echo "peel default and -j1 outputs are byte-identical"
else
    echo "note: peel default and -j1 outputs differ byte-wise"
fi

# ---------------------------------------------------------------------------------------------
# 6. Table
# ---------------------------------------------------------------------------------------------
echo
printf 'image: %s (%d MiB, FAT32, 4 KiB clusters); %d allocated files, %.1f MB of content; %d cores; best of %d warm runs\n' \
    "$IMG" $((IMG_BYTES / 1048576)) "$NALLOC" "$(python3 -c "print($CONTENT_BYTES / 1e6)")" "$NPROC" "$RUNS"
python3 - "$RESULTS" <<'PY'
import sys
print(f"| {'tool':<28} | {'wall s':>7} | {'MB/s':>6} | {'max RSS MiB':>11} | {'CPU s':>6} | {'others':>6} |")
print(f"|{'-' * 30}|{'-' * 9}|{'-' * 8}|{'-' * 13}|{'-' * 8}|{'-' * 8}|")
for line in open(sys.argv[1]):
    name, b, secs, cpu, rss, others = line.rstrip("\n").split("\t")
    secs, cpu, rss = float(secs), float(cpu), int(rss)
    rss_s = f"{rss / 1024:.1f}" if rss >= 0 else "n/a"
    cpu_s = f"{cpu:.2f}" if cpu >= 0 else "n/a"
    mbs = f"{int(b) / 1e6 / secs:.0f}" if int(b) else "-"
    # /proc/stat counts in clock ticks (10 ms): meaningless for very short runs
    oth = f"{float(others):.2f}" if secs >= 0.2 else "-"
    print(f"| {name:<28} | {secs:7.3f} | {mbs:>6} | {rss_s:>11} | {cpu_s:>6} | {oth:>6} |")
PY
echo "(CPU s: user+system time of the run; others: cores used meanwhile by other processes,"
echo " from /proc/stat, shown for runs of 0.2 s or more)"

# ---------------------------------------------------------------------------------------------
# 7. hyperfine (optional)
# ---------------------------------------------------------------------------------------------
if [ "$HYPERFINE" = 1 ]; then
    echo
    log "hyperfine (peel rows)"
    hyperfine --warmup 1 --runs "$((RUNS > 5 ? RUNS : 5))" -N --output=pipe \
        --export-markdown "$OUT/hyperfine.md" \
        -n "peel -j$NPROC" "$PEEL -q ls -r --hash sha256 --format jsonl $IMG" \
        -n "peel -j1" "$PEEL -q -j1 ls -r --hash sha256 --format jsonl $IMG"
fi

exit "$status"
