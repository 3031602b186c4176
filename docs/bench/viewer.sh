#!/usr/bin/env bash
# Benchmark: the offline HTML graph viewer (`peel_graph::view::render`) on a synthetic case
# graph of 10,000 entities and 30,000 links with evidence on every link. Prints the render
# time (layout included) and the HTML size, the time headless Chromium needs until the page
# reports `data-status="ready"` (WebGL through SwiftShader, and the Canvas 2D fallback), and
# takes a 1400x900 screenshot.
#
#   bash docs/bench/viewer.sh                 # outputs in $BENCH_DIR (default /tmp/peel-bench-viewer)
#   NODES=20000 RUNS=5 bash docs/bench/viewer.sh
#   FRAGMENT='#colour=community' bash docs/bench/viewer.sh     # screenshot options
#
# Timing needs the release build (the script builds it). Needs chromium (apt-get install chromium).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/peel-bench-viewer}
NODES=${NODES:-10000}
RUNS=${RUNS:-3}
FRAGMENT=${FRAGMENT:-}
mkdir -p "$BENCH_DIR"
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "missing chromium: apt-get install chromium" >&2; exit 2; }

(cd "$here" && cargo build --release -q -p peel-graph --example viewer_synthetic)
bin=$here/target/release/examples/viewer_synthetic
html=$BENCH_DIR/graph.html

echo "== render ($NODES nodes, best of $RUNS)"
best=""
for _ in $(seq "$RUNS"); do
    out=$("$bin" "$html" "$NODES")
    t=$(awk '/^render_seconds/ {print $2}' <<<"$out")
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN {exit !(a < b)}'; then best=$t; fi
done
echo "$out" | grep -v '^render_seconds'
echo "render_seconds_best $best"
echo "html_mib $(awk -v b="$(stat -c %s "$html")" 'BEGIN {printf "%.1f", b / 1048576}')"

# Time to ready: the page sets data-ready-ms (performance.now(), from navigation start) when
# its first frame is drawn; --dump-dom (which exits once the page has loaded, and the page's
# script is synchronous) reads it back. Serialising a 17 MiB DOM makes --dump-dom itself slow,
# so the wall clock is taken from a --screenshot run instead, next to an empty page's.
common=(--headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run)
run() { # label, extra flags..., url last
    local label=$1; shift
    local profile; profile=$(mktemp -d)
    "$browser" "${common[@]}" --user-data-dir="$profile" "$@" --dump-dom >"$BENCH_DIR/dom.html" 2>/dev/null
    local start end
    start=$(date +%s.%N)
    "$browser" "${common[@]}" --user-data-dir="$profile" --window-size=1400,900 \
        --screenshot="$BENCH_DIR/run.png" "$@" >/dev/null 2>&1
    end=$(date +%s.%N)
    rm -rf "$profile"
    printf '%-16s screenshot run %5.2f s  %s\n' "$label" "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" \
        "$(grep -o '<body[^>]*>' "$BENCH_DIR/dom.html" | head -1 | grep -o 'data-[a-z-]*="[^"]*"' | tr '\n' ' ')"
}
blank=$BENCH_DIR/blank.html
echo '<!DOCTYPE html><title>blank</title>' > "$blank"
echo "== chromium"
for _ in $(seq "$RUNS"); do
    run "empty page" "file://$blank"
    run "viewer, webgl" --enable-unsafe-swiftshader "file://$html"
    run "viewer, canvas" "file://$html#renderer=canvas"
done

png=$BENCH_DIR/graph.png
"$browser" "${common[@]}" --user-data-dir="$(mktemp -d)" --enable-unsafe-swiftshader --hide-scrollbars \
    --virtual-time-budget=5000 --window-size=1400,900 --screenshot="$png" "file://$html$FRAGMENT" 2>/dev/null
echo "== screenshot: $png"
