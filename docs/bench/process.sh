#!/bin/sh
# peel process against the separate subcommands it replaces (ls --hash, features, scan) on
# one evidence item. Usage: docs/bench/process.sh EVIDENCE [PEEL]
# The issue's goal is process ≤ 0.6 × (ls + features + scan).
# COLD=1 empties the page cache before every command (needs root: writes
# /proc/sys/vm/drop_caches), so each one reads the evidence from the disk, as it does on a
# seized drive or an image bigger than memory; by default the cache is warm after the first.
# THROTTLE=MBPS (implies COLD=1; root, cgroup v1 blkio) runs every command in a cgroup whose
# reads from the evidence's disk are limited to MBPS MB/s, the speed of a seized drive behind
# a write blocker (USB 3 or SATA: about 100 to 400 MB/s) or of evidence on network storage.
set -eu
cold=${COLD:-0}
throttle=${THROTTLE:-}
runner=""
if [ -n "$throttle" ]; then
    cold=1
    dev=$(df --output=source "$1" | tail -1)
    disk=$(lsblk -no PKNAME "$dev" 2>/dev/null | head -1)
    [ -n "$disk" ] && dev=/dev/$disk
    majmin=$(lsblk -dno MAJ:MIN "$dev" | tr -d ' ')
    cg=/sys/fs/cgroup/blkio/peel-bench-$$
    mkdir -p "$cg"
    echo "$majmin $((throttle * 1000000))" > "$cg/blkio.throttle.read_bps_device"
    runner=throttled
    echo "reads from $dev ($majmin) limited to $throttle MB/s"
fi
throttled() { sh -c 'echo $$ > "$0/tasks"; exec "$@"' "$cg" "$@"; }
ev=$1
peel=${2:-target/release/peel}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; if [ -n "$throttle" ]; then rmdir "$cg"; fi' EXIT
secs() {
    if [ "$cold" = 1 ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
    s=$(date +%s.%N); $runner "$@" >/dev/null 2>&1 || true; echo "$(date +%s.%N) - $s" | bc
}
if [ -n "$throttle" ]; then
    rd_t=$(secs cat "$ev")
    echo "reading the evidence whole (cat): ${rd_t}s, $(echo "$(stat -c %s "$ev") / $rd_t / 1000000" | bc) MB/s"
fi
ls_t=$(secs "$peel" -q ls -r --hash md5,sha256 --format jsonl "$ev")
ft_t=$(secs "$peel" -q features "$ev")
sc_t=$(secs "$peel" -q scan --format jsonl "$ev")
p3_t=$(secs "$peel" -q process "$ev" --out "$tmp/c3" --only files,features,scan)
pa_t=$(secs "$peel" -q process "$ev" --out "$tmp/call")
sum=$(echo "$ls_t + $ft_t + $sc_t" | bc)
echo "ls --hash ${ls_t}s  features ${ft_t}s  scan ${sc_t}s  sum ${sum}s"
echo "process --only files,features,scan ${p3_t}s  ratio $(echo "scale=2; $p3_t / $sum" | bc)"
echo "process (all steps) ${pa_t}s; steps:"
grep -o '"step":"[^"]*"\|"duration_ms":[0-9]*' "$tmp/call/audit.jsonl" | paste - -
