#!/usr/bin/env bash
# Benchmark: `peel features --raw` against bulk_extractor on ~500 MB of mixed data, with recall
# measured on features planted at known offsets.
#
#   bash docs/bench/features.sh                          # builds peel (release), makes the data
#   BULK_EXTRACTOR=/path/to/bulk_extractor bash docs/bench/features.sh
#   PEEL=target/release/peel SIZE_MB=100 RUNS=3 bash docs/bench/features.sh
#
# The data (made once with python3 from a fixed seed, kept in $BENCH_DIR and reused while its
# parameters are unchanged) is one file, mixed.bin, of back-to-back blocks:
#   text      English-like ASCII text with planted features every ~4 KB (emails, URLs, IPv4,
#             Luhn-valid card numbers, mod-97-valid IBANs, valid base58 and bech32 Bitcoin
#             addresses, E.164 phone numbers) and a few near misses (bad Luhn, version strings)
#   utf16     the same kind of text, encoded UTF-16LE
#   gzip      gzip streams of such text (the planted features are only readable after inflating)
#   random    incompressible random bytes
# planted.tsv lists every plain planted feature (offset, kind, value, encoding); planted-gzip.tsv
# the ones inside gzip streams (stream offset, offset in the inflated data, kind, value).
#
# Timed runs (warm page cache; wall clock, CPU and max RSS from /usr/bin/time -v):
#   peel            $PEEL features --raw --format jsonl mixed.bin > peel.jsonl  (default threads)
#   peel -j1        the same on one thread (skip with PEEL_J1=0)
#   bulk_extractor  -x all -e email -e accts -j 2 (the scanners that find emails, URLs, domains
#                   with dotted-quad IPv4, card numbers, phones and base58 Bitcoin addresses);
#                   output directory made anew for each run
#   bulk_extractor +gzip   the same plus -e gzip, which inflates gzip streams as peel does
#                   (skip with BE_GZIP=0)
# bulk_extractor runs when $BULK_EXTRACTOR names its binary or `bulk_extractor` is on PATH;
# otherwise its rows are skipped.
#
# Recall: a planted feature counts as found when the tool reports the same kind at the same
# byte offset with the same value (bulk_extractor: only plain numeric forensic paths count, not
# `N-GZIP-M`). The gzip-embedded ones are counted separately: same kind and value at the same
# offset in the inflated data of the same stream (peel: locator `@N / gzip / @M`).
#
# Environment:
#   BENCH_DIR=/tmp/peel-bench-features   scratch folder (data, outputs, timings)
#   PEEL=/path/to/peel                    default: cargo build --release -p peel-cli, then
#                                         target/release/peel
#   BULK_EXTRACTOR=/path/to/bulk_extractor
#   SIZE_MB=500 SEED=20261201             data parameters (a change regenerates the data)
#   RUNS=1                                timed runs per command (the fastest is kept)
#   PEEL_J1=1 BE_GZIP=1 BE_J1=0           extra rows (BE_J1: bulk_extractor -j 1)
#   REBUILD=1                             regenerate the data even if it exists
#   WAIT_IDLE=120                         before each timed run, wait up to this many seconds
#                                         for an idle machine (0: do not wait)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/peel-bench-features}
SIZE_MB=${SIZE_MB:-500}
SEED=${SEED:-20261201}
RUNS=${RUNS:-1}
PEEL_J1=${PEEL_J1:-1}
BE_GZIP=${BE_GZIP:-1}
BE_J1=${BE_J1:-0}
REBUILD=${REBUILD:-0}
WAIT_IDLE=${WAIT_IDLE:-120}
export LC_ALL=C.UTF-8 TZ=UTC

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'features.sh: %s\n' "$*" >&2; exit 2; }
trap 'printf "features.sh: line %d: command failed (status %d): %s\n" "$LINENO" "$?" "$BASH_COMMAND" >&2' ERR

command -v python3 >/dev/null || die "python3 is needed"
[ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1 \
    || die "GNU time is needed for max RSS (apt-get install time)"

mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd -P)
case "$BENCH_DIR/" in
    "$(cd "$REPO" && pwd -P)"/*) die "BENCH_DIR must be outside the repository: $BENCH_DIR" ;;
esac
OUT=$BENCH_DIR/out
mkdir -p "$OUT"

if [ -z "${PEEL:-}" ]; then
    log "building peel (cargo build --release -p peel-cli)"
    (cd "$REPO" && cargo build --release -q -p peel-cli)
    PEEL=$REPO/target/release/peel
fi
[ -x "$PEEL" ] || die "not executable: $PEEL"
BE=${BULK_EXTRACTOR:-$(command -v bulk_extractor || true)}
if [ -n "$BE" ] && [ ! -x "$BE" ]; then die "not executable: $BE"; fi

DATA=$BENCH_DIR/mixed.bin
PARAMS="v1 size_mb=$SIZE_MB seed=$SEED"

# ---------------------------------------------------------------------------------------------
# 1. Data
# ---------------------------------------------------------------------------------------------
generate() {
    rm -f "$DATA" "$DATA.params" "$BENCH_DIR/planted.tsv" "$BENCH_DIR/planted-gzip.tsv"
    log "generating $DATA ($SIZE_MB MB, seed $SEED)"
    python3 - "$BENCH_DIR" "$SIZE_MB" "$SEED" <<'PY'
import gzip, hashlib, os, random, sys

out_dir, size_mb, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
TOTAL = size_mb * 10**6

# ---- filler text: a pool of sentences made of common English words -------------------------
WORDS = """the of and to in is was that for it with as on be at by this had not are but from or
have an they which one you were all we her she there would their will when who him been has more
if no out so said what up its about than into them can only other time new some could these two
may first then do any like my now over such our man me even most made after also did many off
before must well back through years much where your way down should because each just those
people how too little state good very make world still own see men work long here get both
between life being under never day same another know while last might us great old year come
since against go came right used take three states himself few house use during without again
place around however home small found thought went say part once high general upon school every
don does got united left number course war until always away something fact water though less
public put think almost hand enough far took head yet government system better set told nothing
night end why called didn eyes find going look asked later knew point next program city business
give group toward young days let room president side social present given several order national
possible rather second face per among form important often things looking early white case john
become large big need four within felt along children saw best church ever least power development
light thing seemed family interest want members mind country area others done turned although
open god service certain kind problem began different door thus help sense means whole matter
perhaps itself york times law human line above name example action company hands local show five
history gave today either act feet across taken past quite anyone having seen death experience
body word half really week field car words already themselves information tell college together
money period held keep sure probably free seems real behind cannot miss political air question
office brought whose special heard major problems ago became federal moment study available
known result street economic boy position reason change south board individual job areas society
west close turn love community true court force full seem am wife age future voice center woman
control common policy necessary following front sometimes six girl clear further land run students
provide feel party able mother music education university child effect level stood military town
short morning total outside rate figure class art century washington north usually leave therefore
evidence plan top million sound black strong hard various says believe type value play surface
soon mean near lines table peace modern tax road red book personal process situation minutes
increase schools idea english alone women gone nor living america started longer dark private
cut past report invoice shipment account ledger archive backup draft memo minutes agenda""".split()
rnd.shuffle(WORDS)

def sentence():
    n = rnd.randint(6, 18)
    w = [rnd.choice(WORDS) for _ in range(n)]
    w[0] = w[0].capitalize()
    if n > 8 and rnd.random() < 0.3:
        w[n // 2] += ","
    return " ".join(w) + rnd.choice([". ", ". ", ". ", "? ", ".\n", ".\n\n"])

# Near misses that no scanner should report as a feature of a compared kind: bad Luhn, bad IBAN
# check digits, software versions, dates and times, long digit runs.
NOISE = [
    "Order 4111 1111 1111 1112 was declined. ",
    "Reference 5555555555554445 is not valid. ",
    "Updated to version 10.2.0.1 on 2024-05-01 at 12:34:56. ",
    "Build 6.1.7601.17514 is installed. ",
    "The value 1.2.3.4.5 came back from the gauge. ",
    "IBAN GB82WEST12345698765433 bounced. ",
    "Batch 20240501123456789 closed at 23:59. ",
    "Page 12 of 40, price 19.99 and 1,250.00 in total. ",
]
POOL = [sentence() for _ in range(6000)] + NOISE * 4

# ---- planted features ----------------------------------------------------------------------
FIRST = "alice bob carol dave erin frank grace heidi ivan judy mallory oscar peggy trent victor walter".split()
LAST = "smith jones brown taylor wilson davies evans thomas johnson roberts walker wright".split()
TLD = ["com", "org", "net", "de", "io", "info", "co.uk", "fr", "nl"]

def domain():
    return f"{rnd.choice(WORDS)}{rnd.choice(['-', ''])}{rnd.choice(WORDS)}.{rnd.choice(TLD)}"

def email():
    f, l = rnd.choice(FIRST), rnd.choice(LAST)
    local = rnd.choice([f"{f}.{l}", f"{f}_{l}", f"{f[0]}{l}{rnd.randint(1, 99)}", f"{f}+{rnd.choice(WORDS)}", f])
    return f"{local}@{rnd.choice(['', 'mail.', 'corp.'])}{domain()}"

def url():
    path = "/".join(rnd.choice(WORDS) for _ in range(rnd.randint(1, 3)))
    tail = rnd.choice(["", ".html", ".php?id=%d" % rnd.randint(1, 99999), "/", "?q=%s&page=%d" % (rnd.choice(WORDS), rnd.randint(1, 9))])
    return f"{rnd.choice(['https', 'http'])}://{rnd.choice(['www.', '', 'files.', 'shop.'])}{domain()}/{path}{tail}"

def ipv4():
    while True:
        a = rnd.randint(1, 223)
        if a != 127:
            return f"{a}.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}"

def luhn_complete(prefix, length):
    body = prefix + "".join(str(rnd.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)

KNOWN_CARDS = ["4111111111111111", "5555555555554444", "378282246310005"]

def card():
    if rnd.random() < 0.25:
        d = rnd.choice(KNOWN_CARDS)
    else:
        d = rnd.choice([lambda: luhn_complete("4", 16), lambda: luhn_complete(str(rnd.randint(51, 55)), 16),
                        lambda: luhn_complete(rnd.choice(["34", "37"]), 15), lambda: luhn_complete("6011", 16)])()
    style = rnd.random()
    if style < 0.5:
        return d
    sep = " " if style < 0.8 else "-"
    if len(d) == 15:
        return sep.join([d[:4], d[4:10], d[10:]])
    return sep.join(d[i:i + 4] for i in range(0, 16, 4))

IBAN_BBAN = {  # country: (length, BBAN pattern: A letter, 9 digit)
    "GB": "AAAA99999999999999", "DE": "999999999999999999", "NL": "AAAA9999999999",
    "ES": "99999999999999999999", "FR": "99999999999999999999999", "BE": "999999999999",
    "CH": "99999999999999999", "IT": "A9999999999999999999999",
}
KNOWN_IBANS = ["GB82WEST12345698765432", "DE89370400440532013000"]

def iban():
    if rnd.random() < 0.2:
        s = rnd.choice(KNOWN_IBANS)
    else:
        cc, pat = rnd.choice(sorted(IBAN_BBAN.items()))
        bban = "".join(chr(rnd.randint(65, 90)) if p == "A" else str(rnd.randint(0, 9)) for p in pat)
        num = "".join(str(int(c, 36)) for c in bban + cc + "00")
        s = f"{cc}{98 - int(num) % 97:02d}{bban}"
    if rnd.random() < 0.35:
        s = " ".join(s[i:i + 4] for i in range(0, len(s), 4))
    return s

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

def base58check(payload):
    raw = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n, s = int.from_bytes(raw, "big"), ""
    while n:
        n, r = divmod(n, 58)
        s = B58[r] + s
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + s

BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

def bech32_segwit_v0(prog):
    def polymod(values):
        gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
        chk = 1
        for v in values:
            b = chk >> 25
            chk = (chk & 0x1FFFFFF) << 5 ^ v
            for i in range(5):
                chk ^= gen[i] if (b >> i) & 1 else 0
        return chk
    acc = bits = 0
    data = [0]
    for byte in prog:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    hrp = "bc"
    pm = polymod([ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + data + [0] * 6) ^ 1
    return hrp + "1" + "".join(BECH[d] for d in data + [(pm >> 5 * (5 - i)) & 31 for i in range(6)])

KNOWN_BTC = ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
             "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"]

def btc():
    r = rnd.random()
    if r < 0.2:
        return rnd.choice(KNOWN_BTC)
    if r < 0.75:
        return base58check(bytes([rnd.choice([0, 5])]) + rnd.randbytes(20))
    return bech32_segwit_v0(rnd.randbytes(20))

def nd(n):
    return str(rnd.randint(1, 9)) + "".join(str(rnd.randint(0, 9)) for _ in range(n - 1))

def phone():
    return rnd.choice([
        lambda: f"+1 {nd(3)} {nd(3)} {nd(4)}",
        lambda: f"+1-{nd(3)}-{nd(3)}-{nd(4)}",
        lambda: f"+44 20 {nd(4)} {nd(4)}",
        lambda: f"+44 7{nd(3)} {nd(6)}",
        lambda: f"+49 30 {nd(8)}",
        lambda: f"+33 1 {nd(2)} {nd(2)} {nd(2)} {nd(2)}",
        lambda: f"+61 2 {nd(4)} {nd(4)}",
        lambda: f"+31{nd(9)}",
    ])()

KINDS = [  # kind, generator, weight, sentence templates ({} is the feature)
    ("email", email, 3, ["Please write to {} for details. ", "From: {} ", "Contact {} about the invoice. "]),
    ("url", url, 3, ["See {} for more. ", "The file is at {} now. ", "Link: {} "]),
    ("ipv4", ipv4, 2, ["Connection from {} on port 443. ", "Host {} answered. ", "Logged in from {} at noon. "]),
    ("card", card, 2, ["Paid with card {} yesterday. ", "Card number: {} "]),
    ("iban", iban, 1, ["Transfer to IBAN {} by Friday. ", "Account {} "]),
    ("btc", btc, 1, ["Send bitcoin to {} now. ", "Wallet {} "]),
    ("phone", phone, 1, ["Call {} today. ", "Phone {} "]),
]
WEIGHTED = [k for k in KINDS for _ in range(k[2])]

def text_block(nbytes):
    """ASCII text of about nbytes with planted features; returns (text, [(offset, kind, value)])."""
    parts, planted, pos = [], [], 0
    while pos < nbytes:
        filler = "".join(rnd.choices(POOL, k=rnd.randint(25, 75)))
        parts.append(filler)
        pos += len(filler)
        kind, gen, _, templates = rnd.choice(WEIGHTED)
        value = gen()
        t = rnd.choice(templates)
        s = t.format(value)
        planted.append((pos + t.index("{}"), kind, value))
        parts.append(s)
        pos += len(s)
    return "".join(parts), planted

# ---- blocks --------------------------------------------------------------------------------
SHARES = {"text": 0.55, "utf16": 0.07, "gzip": 0.13, "random": 0.25}
done = dict.fromkeys(SHARES, 0)
pt = open(os.path.join(out_dir, "planted.tsv"), "w")
pg = open(os.path.join(out_dir, "planted-gzip.tsv"), "w")
pt.write("offset\tkind\tvalue\tencoding\n")
pg.write("gzip_offset\tinner_offset\tkind\tvalue\n")
counts = dict.fromkeys(SHARES, 0)
nplain = ngz = 0
tmp = os.path.join(out_dir, "mixed.bin.tmp")
with open(tmp, "wb") as f:
    off = 0
    while off < TOTAL:
        kind = min(SHARES, key=lambda k: done[k] / SHARES[k])
        counts[kind] += 1
        if kind == "text":
            text, planted = text_block(rnd.randint(256 << 10, 2 << 20))
            data = text.encode("ascii")
            for o, k, v in planted:
                pt.write(f"{off + o}\t{k}\t{v}\tascii\n")
            nplain += len(planted)
        elif kind == "utf16":
            text, planted = text_block(rnd.randint(32 << 10, 256 << 10))
            data = text.encode("utf-16-le")
            for o, k, v in planted:
                pt.write(f"{off + 2 * o}\t{k}\t{v}\tutf16le\n")
            nplain += len(planted)
        elif kind == "gzip":
            text, planted = text_block(rnd.randint(256 << 10, 1 << 20))
            data = gzip.compress(text.encode("ascii"), compresslevel=6, mtime=0)
            for o, k, v in planted:
                pg.write(f"{off}\t{o}\t{k}\t{v}\n")
            ngz += len(planted)
        else:
            data = rnd.randbytes(rnd.randint(64 << 10, 4 << 20))
        f.write(data)
        off += len(data)
        done[kind] += len(data)
pt.close()
pg.close()
os.replace(tmp, os.path.join(out_dir, "mixed.bin"))
with open(os.path.join(out_dir, "layout.txt"), "w") as f:
    f.write(f"bytes\t{off}\n")
    for k in SHARES:
        f.write(f"{k}\t{counts[k]} blocks\t{done[k]} bytes\n")
    f.write(f"planted plain\t{nplain}\nplanted in gzip\t{ngz}\n")
PY
    echo "$PARAMS" > "$DATA.params"
}

if [ "$REBUILD" = 1 ] || [ ! -f "$DATA" ] || [ "$(cat "$DATA.params" 2>/dev/null)" != "$PARAMS" ]; then
    generate
else
    log "reusing $DATA ($PARAMS)"
fi
SIZE=$(stat -c %s "$DATA")
sed 's/^/   /' "$BENCH_DIR/layout.txt" >&2
cat "$DATA" > /dev/null # warm the page cache

# ---------------------------------------------------------------------------------------------
# 2. Timed runs
# ---------------------------------------------------------------------------------------------
# Other processes skew the figures (with 2 cores, one busy compile job takes away the parallel
# speed-up), so each timed run first waits up to $WAIT_IDLE seconds for the machine to be idle,
# and the CPU that others used during the run is reported ("others", in cores).
CLK_TCK=$(getconf CLK_TCK)
busy_jiffies() { # busy CPU time of the whole machine so far, in clock ticks
    local _cpu u n s _idle _iow irq sirq steal _rest
    read -r _cpu u n s _idle _iow irq sirq steal _rest </proc/stat
    echo $((u + n + s + irq + sirq + steal))
}
wait_idle() {
    local waited=0 b0 b1
    [ "$WAIT_IDLE" -gt 0 ] || return 0
    while :; do
        b0=$(busy_jiffies)
        sleep 1
        b1=$(busy_jiffies)
        # idle enough: less than a quarter of a core busy over the last second
        [ $(((b1 - b0) * 4)) -lt "$CLK_TCK" ] && return 0
        waited=$((waited + 1))
        if [ "$waited" -ge "$WAIT_IDLE" ]; then
            log "warning: machine still busy after ${WAIT_IDLE}s; measuring anyway"
            return 0
        fi
    done
}

RESULTS=$OUT/times.tsv
printf 'tool\twall_s\tcpu_s\tmax_rss_kib\tothers\tstatus\n' > "$RESULTS"

# timed NAME STDOUT CMD...: runs CMD $RUNS times (stdout to STDOUT, stderr to $OUT/NAME.err)
# and keeps the fastest run. The placeholder @OUTDIR@ in CMD becomes a fresh output directory
# ($OUT/NAME.d, removed before each run).
timed() {
    local name=$1 stdout=$2 best="" i t0 t1 b0 b1 rc odir tf line
    shift 2
    for ((i = 1; i <= RUNS; i++)); do
        odir=$OUT/$name.d
        rm -rf "$odir"
        local args=()
        for a in "$@"; do args+=("${a//@OUTDIR@/$odir}"); done
        tf=$OUT/$name.time.txt
        wait_idle
        rc=0
        b0=$(busy_jiffies)
        t0=$EPOCHREALTIME
        /usr/bin/time -v -o "$tf" "${args[@]}" > "$stdout" 2> "$OUT/$name.err" || rc=$?
        t1=$EPOCHREALTIME
        b1=$(busy_jiffies)
        line=$(python3 - "$t0" "$t1" "$b0" "$b1" "$CLK_TCK" "$tf" "$rc" <<'PY'
import sys
t0, t1, b0, b1, hz = (float(x) for x in sys.argv[1:6])
wall, cpu, rss = t1 - t0, 0.0, 0
for line in open(sys.argv[6]):
    k, _, v = line.strip().rpartition(": ")
    if k in ("User time (seconds)", "System time (seconds)"):
        cpu += float(v)
    elif k == "Maximum resident set size (kbytes)":
        rss = int(v)
others = max(0.0, (b1 - b0) / hz - cpu) / wall
print(f"{wall:.3f}\t{cpu:.2f}\t{rss}\t{others:.2f}\t{sys.argv[7]}")
PY
        )
        IFS=$'\t' read -r w c r o _ <<< "$line"
        log "$name run $i: $w s wall, $c s CPU, $r KiB max RSS, others $o cores, exit $rc"
        if [ -z "$best" ] || python3 -c "import sys; sys.exit(not $w < ${best%%$'\t'*})"; then
            best=$line
        fi
    done
    printf '%s\t%s\n' "$name" "$best" >> "$RESULTS"
}

log "peel: $("$PEEL" --version)"
timed peel "$OUT/peel.jsonl" "$PEEL" -q features --raw --format jsonl "$DATA"
if [ "$PEEL_J1" = 1 ]; then
    timed peel-j1 "$OUT/peel-j1.jsonl" "$PEEL" -q -j1 features --raw --format jsonl "$DATA"
fi

if [ -n "$BE" ]; then
    log "bulk_extractor: $("$BE" -V 2>&1 | head -1)"
    timed be "$OUT/be.log" "$BE" -0 -x all -e email -e accts -j 2 -o @OUTDIR@ "$DATA"
    if [ "$BE_J1" = 1 ]; then
        timed be-j1 "$OUT/be-j1.log" "$BE" -0 -x all -e email -e accts -j 1 -o @OUTDIR@ "$DATA"
    fi
    if [ "$BE_GZIP" = 1 ]; then
        timed be-gzip "$OUT/be-gzip.log" "$BE" -0 -x all -e email -e accts -e gzip -j 2 -o @OUTDIR@ "$DATA"
    fi
else
    log "bulk_extractor not found (set BULK_EXTRACTOR=/path/to/bulk_extractor): its rows are skipped"
fi

# ---------------------------------------------------------------------------------------------
# 3. Recall and the table
# ---------------------------------------------------------------------------------------------
python3 - "$BENCH_DIR" "$SIZE" <<'PY'
import collections, json, os, re, sys

bench, size = sys.argv[1], int(sys.argv[2])
out = os.path.join(bench, "out")
KINDS = ["email", "url", "ipv4", "card", "iban", "btc", "phone"]

planted = []
with open(os.path.join(bench, "planted.tsv")) as f:
    next(f)
    for line in f:
        o, k, v, enc = line.rstrip("\n").split("\t")
        planted.append((int(o), k, v, enc))
gz = []
with open(os.path.join(bench, "planted-gzip.tsv")) as f:
    next(f)
    for line in f:
        g, o, k, v = line.rstrip("\n").split("\t")
        gz.append((int(g), int(o), k, v))

def load_peel(path):
    """plain: (offset, kind) -> value for features read straight from the file; inner:
    (gzip stream offset, offset in the inflated data, kind) -> value for one gzip layer."""
    plain, inner, other = {}, {}, collections.Counter()
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if r.get("record") != "feature":
                continue
            k = r["kind"]
            other[k] += 1
            segs = [s for s in r.get("locator", []) if s.get("type") != "evidence"]
            types = [s.get("type") for s in segs]
            if types == ["offset"]:
                plain[(r.get("evidence_offset", r["offset"]), k)] = r["value"]
            elif types == ["offset", "gzip", "offset"]:
                inner[(segs[0]["offset"], segs[2]["offset"], k)] = r["value"]
    return plain, inner, other

IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
BTC = re.compile(r"^(1|3|bc1|BC1)[0-9A-Za-z]{20,90}$")
BE_FILES = {"email": "email", "url": "url", "domain": "ipv4", "ccn": "card", "pii": "btc",
            "telephone": "phone"}

def unescape(v):
    v = re.sub(r"\\x([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), v)
    v = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), v)
    return v.replace("\\\\", "\\").replace("\0", "")

def load_be(d):
    plain, inner, other = {}, {}, collections.Counter()
    for name, kind in BE_FILES.items():
        p = os.path.join(d, name + ".txt")
        if not os.path.exists(p):
            continue
        with open(p, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("#") or "\t" not in line:
                    continue
                path, value = line.rstrip("\n").split("\t")[:2]
                value = unescape(value)
                if name == "domain" and not IPV4.match(value):
                    continue
                if name == "pii" and not BTC.match(value):
                    continue
                other[kind] += 1
                if path.isdigit():
                    plain[(int(path), kind)] = value
                else:
                    m = re.fullmatch(r"(\d+)-GZIP-(\d+)", path)
                    if m:
                        inner[(int(m.group(1)), int(m.group(2)), kind)] = value
    return plain, inner, other

tools = []
times = {}
with open(os.path.join(out, "times.tsv")) as f:
    next(f)
    for line in f:
        name, wall, cpu, rss, others, rc = line.rstrip("\n").split("\t")
        times[name] = (float(wall), float(cpu), int(rss), float(others), int(rc))
LABEL = {"peel": "peel (default, 2 threads)", "peel-j1": "peel -j1",
         "be": "bulk_extractor -j2", "be-j1": "bulk_extractor -j1", "be-gzip": "bulk_extractor -j2 +gzip"}
for name in ["peel", "peel-j1", "be", "be-j1", "be-gzip"]:
    if name not in times:
        continue
    if name.startswith("peel"):
        res = load_peel(os.path.join(out, name + ".jsonl"))
    else:
        res = load_be(os.path.join(out, name + ".d"))
    tools.append((name, res))

planted_at = collections.defaultdict(set)
for o, k, v, enc in planted:
    planted_at[k].add(o)
tot = collections.Counter(k for _, k, _, _ in planted)
tot_enc = collections.Counter(enc for *_, enc in planted)

def pct(a, b):
    return f"{100 * a / b:5.1f}" if b else "    -"

hdr = f"{'tool':<27} {'wall s':>7} {'MB/s':>6} {'RSS MiB':>7} {'CPU s':>6} {'others':>6} " + \
      " ".join(f"{k:>5}" for k in KINDS) + f" {'all':>5}"
print()
print(f"data: {size:,} bytes; {len(planted):,} plain planted features ("
      + ", ".join(f"{k} {tot[k]}" for k in KINDS) + f"); {len(gz):,} more inside gzip streams")
print("recall in % per kind (same kind, offset and value)")
print(hdr)
print("-" * len(hdr))
detail = []
for name, (plain, inner, counts) in tools:
    wall, cpu, rss, others, rc = times[name]
    found = collections.Counter()
    found_enc = collections.Counter()
    extent = collections.Counter()
    missed = []
    for o, k, v, enc in planted:
        got = plain.get((o, k))
        if got == v:
            found[k] += 1
            found_enc[enc] += 1
        else:
            if got is not None:
                extent[k] += 1
            missed.append((o, k, v, enc, got))
    fp = collections.Counter()
    fps = []
    for (o, k), v in plain.items():
        if k in planted_at and o not in planted_at[k]:
            fp[k] += 1
            fps.append((o, k, v))
    gz_found = 0
    gz_kind = collections.Counter()
    for g, o, k, v in gz:
        hit = inner.get((g, o, k)) == v
        gz_found += hit
        gz_kind[k] += hit
    allf = sum(found.values())
    row = f"{LABEL[name]:<27} {wall:7.2f} {size / 1e6 / wall:6.1f} {rss / 1024:7.1f} {cpu:6.1f} {others:6.2f} " + \
          " ".join(pct(found[k], tot[k]) for k in KINDS) + f" {pct(allf, len(planted))}"
    if rc:
        row += f"  (exit {rc})"
    print(row)
    detail.append((name, found_enc, extent, fp, gz_found, gz_kind, counts))
    with open(os.path.join(out, name + ".missed.tsv"), "w") as f:
        f.write("offset\tkind\tplanted\tencoding\treported_at_same_offset\n")
        for o, k, v, enc, got in missed:
            f.write(f"{o}\t{k}\t{v}\t{enc}\t{'' if got is None else got}\n")
    with open(os.path.join(out, name + ".unplanted.tsv"), "w") as f:
        f.write("offset\tkind\tvalue\n")
        for o, k, v in sorted(fps):
            f.write(f"{o}\t{k}\t{v}\n")
print()
print(f"{'tool':<27} {'ascii %':>7} {'utf16 %':>7} {'gzip found':>11} {'wrong extent':>12}  reported, not planted (plain offsets)")
for name, found_enc, extent, fp, gz_found, gz_kind, counts in detail:
    ext = sum(extent.values())
    fps = ", ".join(f"{k} {n}" for k, n in sorted(fp.items())) or "none"
    print(f"{LABEL[name]:<27} {pct(found_enc['ascii'], tot_enc['ascii']):>7} "
          f"{pct(found_enc['utf16le'], tot_enc['utf16le']):>7} {gz_found:>5}/{len(gz):<5} {ext:>12}  {fps}")
gz_tot = collections.Counter(k for *_, k, _ in gz)
for name, *_, gz_found, gz_kind, counts in detail:
    if gz_found:
        print(f"{LABEL[name]}: inside gzip, recall % " +
              ", ".join(f"{k} {pct(gz_kind[k], gz_tot[k]).strip()}" for k in KINDS))
print()
print("MB/s: bytes of mixed.bin (1 MB = 10^6 bytes) / wall s. CPU s: user + system. others: cores")
print("used meanwhile by other processes (trust the row only when this is near 0).")
print("wrong extent: the tool reports the kind at the planted offset, but a different value.")
print(f"per-tool lists: {out}/<tool>.missed.tsv and <tool>.unplanted.tsv")
PY
