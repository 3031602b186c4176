#!/usr/bin/env bash
# Graph benchmark: a synthetic 1,000,000-feature / 100,000-entity input (10 evidence items,
# 100,000 files of 10 features each, entities in 1,000 loose groups), then `peel graph build`,
# `stats`, `communities` and a GraphML export, each timed with its peak memory.
#
#   docs/bench/graph.sh [WORKDIR]        (PEEL=path/to/peel to use another binary)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/peel-bench-graph}
peel=${PEEL:-$here/target/release/peel}
[ -x "$peel" ] || (cd "$here" && cargo build --release -q)
mkdir -p "$work"
feat=$work/features.jsonl
if [ ! -s "$feat" ]; then
python3 - "$feat" <<'PY'
import json, random, sys
rnd = random.Random(42)
kinds = [("email", 50000), ("phone", 30000), ("domain", 10000), ("ipv4", 10000)]
ents = []
for kind, n in kinds:
    for i in range(n):
        if kind == "email": v = f"user{i}@example{i % 997}.org"
        elif kind == "phone": v = f"+4477009{i:05d}"
        elif kind == "domain": v = f"host{i}.example.net"
        else: v = f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}"
        ents.append((kind, v))
rnd.shuffle(ents)
groups = [ents[i::1000] for i in range(1000)]
with open(sys.argv[1], "w") as out:
    for f in range(100000):
        ev = f"image{f % 10}.E01"
        g = groups[rnd.randrange(1000)]
        loc = f"{ev} / vol:1@1048576 / ntfs / Users/u/file{f}.txt#{f + 64}"
        for k in range(10):
            kind, v = rnd.choice(g) if rnd.random() < 0.9 else rnd.choice(ents)
            off = k * 97
            out.write(json.dumps({"record": "feature", "kind": kind, "value": v,
                "normalized": v, "encoding": "ascii", "context": f"see {v} here",
                "locator_text": f"{loc} / @{off:#x}", "evidence": ev, "offset": off,
                "path": f"Users/u/file{f}.txt", "scope": "file"}) + "\n")
PY
fi
echo "input: $(wc -l < "$feat") feature records, $(du -h "$feat" | cut -f1)"
t() { # label, command...
    local label=$1; shift
    /usr/bin/time -f "$label: %e s, peak %M KiB" "$@" > /dev/null
}
rm -f "$work/graph.json" "$work/graph.graphml"
t build "$peel" graph build -q "$feat" -o "$work/graph.json"
t stats "$peel" graph stats "$work/graph.json" --format jsonl
t communities "$peel" graph communities "$work/graph.json" --format jsonl
t graphml "$peel" graph export -q "$work/graph.json" --to graphml -o "$work/graph.graphml"
ls -l "$work/graph.json" "$work/graph.graphml"
