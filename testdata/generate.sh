#!/usr/bin/env bash
# Regenerates the disk images and The Sleuth Kit ground truth under testdata/.
#
#   bash testdata/generate.sh            # rebuild everything (sources are kept if present)
#   bash testdata/generate.sh --sources  # also rewrite tree/, deleted-src/ and late-src/
#   bash testdata/generate.sh --split    # also write build/fat-disk.001, .002, ... (split raw)
#   bash testdata/generate.sh --fat-only # skip the NTFS and ext images (generate-ntfs-ext.sh)
#
# The FAT part is built from regular files (no mounting, no loop devices): sfdisk/sgdisk on image
# files, mkfs.fat on separate partition files, mtools to populate them, dd conv=notrunc to place
# them. The NTFS and ext images are made at the end by generate-ntfs-ext.sh, which mounts
# (ntfs-3g over FUSE, one loop mount) and so needs root. Scratch files live in testdata/build/
# (git-ignored) and are recreated on each run.
set -euo pipefail

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }

SPLIT=0
REGEN_SOURCES=0
FAT_ONLY=0
for arg in "$@"; do
    case "$arg" in
        --split) SPLIT=1 ;;
        --sources) REGEN_SOURCES=1 ;;
        --fat-only) FAT_ONLY=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; usage >&2; exit 2 ;;
    esac
done

TD=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$TD"

# Fixed environment: FAT stores local time, so pin the zone; mtools needs a UTF-8 locale to
# turn the non-ASCII host names into long file names.
export TZ=UTC LC_ALL=C.UTF-8 LANG=C.UTF-8
export MTOOLS_SKIP_CHECK=1 MTOOLSRC=/dev/null
umask 022

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'FATAL: %s\n' "$*" >&2; exit 1; }

# --------------------------------------------------------------------------------------------
# 0. Tools
# --------------------------------------------------------------------------------------------
# command -> Debian package
declare -A PKG_OF=(
    [mkfs.fat]=dosfstools [mcopy]=mtools [mmd]=mtools [mdel]=mtools [mdeltree]=mtools
    [fls]=sleuthkit [icat]=sleuthkit [blkls]=sleuthkit [istat]=sleuthkit [mmls]=sleuthkit [fsstat]=sleuthkit
    [ewfacquire]=ewf-tools [ewfinfo]=ewf-tools [ewfverify]=ewf-tools
    [sfdisk]=fdisk [sgdisk]=gdisk [faketime]=faketime [zip]=zip [python3]=python3
    [unzip]=unzip [gzip]=gzip [sha256sum]=coreutils [md5sum]=coreutils [truncate]=coreutils [split]=coreutils
    [dd]=coreutils [sha1sum]=coreutils [timeout]=coreutils [dpkg-query]=dpkg
)
ensure_tools() {
    local missing=() cmd
    for cmd in "${!PKG_OF[@]}"; do
        command -v "$cmd" >/dev/null 2>&1 || missing+=("${PKG_OF[$cmd]}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        die "missing tools; install these Debian packages: ${missing[*]}"
    fi
    for cmd in "${!PKG_OF[@]}"; do
        command -v "$cmd" >/dev/null 2>&1 || die "still missing after install: $cmd"
    done
}
ensure_tools

BUILD=$TD/build
IMAGES=$TD/images
TRUTH=$TD/truth
rm -rf "$BUILD"
mkdir -p "$BUILD" "$IMAGES" "$TRUTH"

# Frozen clocks for everything that stamps the current time into an image (mtools sets
# creation/access times, mmd sets directory times, ewfacquire records the acquisition date).
T_COPY='2024-03-20 12:00:00'     # tree copied in
T_COPY2='2024-03-25 08:00:00'    # files that will be deleted copied in
T_DEL1='2024-04-01 09:00:00'     # overwritten.txt deleted
T_LATE='2024-04-01 09:05:00'     # newer.bin written over its clusters
T_DEL2='2024-04-02 16:30:00'     # the other deletions
T_DAMAGED='2024-05-01 10:00:00'  # small standalone volumes
T_ACQ='2024-06-01 12:00:00'      # ewfacquire
# NO_FAKE_STAT: let mcopy -m see the real source mtimes.
mt() { local when=$1; shift; NO_FAKE_STAT=1 faketime -f "$when" "$@" </dev/null; }

# --------------------------------------------------------------------------------------------
# Helper for reading/patching FAT structures (offsets always computed from the BPB)
# --------------------------------------------------------------------------------------------
FATTOOL=$BUILD/fattool.py
cat >"$FATTOOL" <<'PY'
import struct, sys

class Fat:
    def __init__(self, path, base=0):
        self.f = open(path, 'r+b')
        self.base = base
        bs = self.read(0, 512)
        (self.bps, self.spc, self.rsvd, self.nfats, self.rootent, tot16, _media,
         fatsz16) = struct.unpack_from('<HBHBHHBH', bs, 11)
        tot32, = struct.unpack_from('<I', bs, 32)
        fatsz32, = struct.unpack_from('<I', bs, 36)
        self.fatsz = fatsz16 or fatsz32
        self.tot = tot16 or tot32
        self.rootsecs = (self.rootent * 32 + self.bps - 1) // self.bps
        first_data = self.rsvd + self.nfats * self.fatsz + self.rootsecs
        self.nclusters = (self.tot - first_data) // self.spc
        self.bits = 12 if self.nclusters < 4085 else 16 if self.nclusters < 65525 else 32
        self.csize = self.bps * self.spc
        self.fat_off = [(self.rsvd + i * self.fatsz) * self.bps for i in range(self.nfats)]
        self.root_off = (self.rsvd + self.nfats * self.fatsz) * self.bps
        self.data_off = first_data * self.bps
        self.root_clus = struct.unpack_from('<I', bs, 44)[0] if self.bits == 32 else None
        self.fsinfo_sec = struct.unpack_from('<H', bs, 48)[0] if self.bits == 32 else None
        self.last_cluster = self.nclusters + 1

    def read(self, off, n):
        self.f.seek(self.base + off)
        return self.f.read(n)

    def write(self, off, data):
        self.f.seek(self.base + off)
        self.f.write(data)

    def entry_loc(self, n, copy=0):
        if self.bits == 12:
            return self.fat_off[copy] + n + n // 2, 2
        if self.bits == 16:
            return self.fat_off[copy] + 2 * n, 2
        return self.fat_off[copy] + 4 * n, 4

    def get(self, n, copy=0):
        off, ln = self.entry_loc(n, copy)
        raw = int.from_bytes(self.read(off, ln), 'little')
        if self.bits == 12:
            return (raw >> 4) if n & 1 else (raw & 0xFFF)
        if self.bits == 32:
            return raw & 0x0FFFFFFF
        return raw

    def set(self, n, value, copy):
        off, ln = self.entry_loc(n, copy)
        old = self.read(off, ln)
        raw = int.from_bytes(old, 'little')
        if self.bits == 12:
            raw = ((raw & 0x000F) | (value << 4)) if n & 1 else ((raw & 0xF000) | value)
        elif self.bits == 32:
            raw = (raw & 0xF0000000) | value
        else:
            raw = value
        new = raw.to_bytes(ln, 'little')
        self.write(off, new)
        return off, old, new

    def eoc(self, v):
        return v >= {12: 0xFF8, 16: 0xFFF8, 32: 0x0FFFFFF8}[self.bits]

    def chain(self, start, limit=1 << 20):
        out, c = [], start
        while 2 <= c <= self.last_cluster and len(out) < limit:
            out.append(c)
            c = self.get(c)
            if self.eoc(c) or c in out:
                break
        return out

    def cluster_off(self, c):
        return self.data_off + (c - 2) * self.csize

    def dir_slots(self, cluster):
        """(volume-relative offset, 32 raw bytes) for each slot of a directory."""
        if cluster is None or cluster == 0:
            if self.bits == 32:
                cluster = self.root_clus
            else:
                for i in range(self.rootent):
                    off = self.root_off + 32 * i
                    yield off, self.read(off, 32)
                return
        for c in self.chain(cluster):
            for i in range(self.csize // 32):
                off = self.cluster_off(c) + 32 * i
                yield off, self.read(off, 32)

    def lookup(self, path):
        """Follow an 8.3 path (case-insensitive); return (slot offset, raw entry)."""
        cluster, found = None, None
        for comp in [p for p in path.split('/') if p]:
            found = None
            for off, raw in self.dir_slots(cluster):
                if raw[0] == 0:
                    break
                if raw[0] == 0xE5 or raw[11] == 0x0F:
                    continue
                name = raw[0:8].decode('ascii', 'replace').rstrip()
                ext = raw[8:11].decode('ascii', 'replace').rstrip()
                full = name + ('.' + ext if ext else '')
                if full.upper() == comp.upper():
                    found = (off, raw)
                    break
            if found is None:
                sys.exit('not found: %s (at %s)' % (path, comp))
            cluster = start_cluster(found[1])
        return found

def start_cluster(raw):
    hi, = struct.unpack_from('<H', raw, 20)
    lo, = struct.unpack_from('<H', raw, 26)
    return (hi << 16) | lo

def main():
    cmd, img = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    base = 0
    if args and args[0].startswith('--base='):
        base = int(args.pop(0).split('=', 1)[1])
    fs = Fat(img, base)
    if cmd == 'info':
        print('bits=%d bytes_per_sector=%d sectors_per_cluster=%d reserved=%d fats=%d '
              'fat_sectors=%d root_entries=%d total_sectors=%d clusters=%d last_cluster=%d '
              'fat_offsets=%s root_offset=%d data_offset=%d'
              % (fs.bits, fs.bps, fs.spc, fs.rsvd, fs.nfats, fs.fatsz, fs.rootent, fs.tot,
                 fs.nclusters, fs.last_cluster, ','.join(map(str, fs.fat_off)),
                 fs.root_off, fs.data_off))
    elif cmd == 'get':                      # get KEY
        print(getattr(fs, args[0]))
    elif cmd == 'rootchain':                # clusters of the root directory (FAT32)
        print(','.join(map(str, fs.chain(fs.root_clus))))
    elif cmd == 'sector-of':                # sector-of CLUSTER (volume-relative)
        print(fs.cluster_off(int(args[0])) // fs.bps)
    elif cmd == 'entry':                    # entry PATH
        off, raw = fs.lookup(args[0])
        sc = start_cluster(raw)
        size, = struct.unpack_from('<I', raw, 28)
        print('entry_offset=%d start_cluster=%d size=%d attr=0x%02x cluster_offset=%d chain=%s'
              % (off, sc, size, raw[11], fs.cluster_off(sc) if sc >= 2 else -1,
                 ','.join(map(str, fs.chain(sc))) if sc >= 2 else ''))
    elif cmd == 'setfat':                   # setfat CLUSTER VALUE  (every FAT copy)
        n, v = int(args[0], 0), int(args[1], 0)
        for copy in range(fs.nfats):
            off, old, new = fs.set(n, v, copy)
            print('FAT%d entry for cluster %d: byte offset %d (0x%x), %d bytes %s -> %s'
                  % (copy + 1, n, off, off, len(old), old.hex(), new.hex()))
    elif cmd == 'addentry':                 # addentry DIRPATH NAME83 ATTR CLUSTER DOSTIME DOSDATE
        dirpath, name83, attr, cl, dtime, ddate = args
        dcluster = start_cluster(fs.lookup(dirpath)[1]) if dirpath.strip('/') else None
        base83 = name83.split('.')[0].ljust(8)[:8]
        ext83 = (name83.split('.')[1] if '.' in name83 else '').ljust(3)[:3]
        cl, dtime, ddate = int(cl, 0), int(dtime, 0), int(ddate, 0)
        ent = (base83 + ext83).encode('ascii') + struct.pack(
            '<BBBHHHHHHHI', int(attr, 0), 0, 0, dtime, ddate, ddate, cl >> 16, dtime, ddate,
            cl & 0xFFFF, 0)
        assert len(ent) == 32
        for off, raw in fs.dir_slots(dcluster):
            if raw[0] in (0x00, 0xE5):
                fs.write(off, ent)
                print('wrote 32-byte entry %r (attr 0x%02x, start cluster %d) at byte offset %d '
                      '(0x%x): %s' % (name83, int(attr, 0), cl, off, off, ent.hex()))
                return
        sys.exit('directory full')
    elif cmd == 'fsinfo-unknown':           # FAT32: next-free hint := 0xFFFFFFFF ("unknown")
        assert fs.bits == 32
        off = fs.fsinfo_sec * fs.bps + 492
        old = fs.read(off, 4)
        fs.write(off, b'\xff\xff\xff\xff')
        print('FSInfo next-free hint at byte offset %d: %s -> ffffffff' % (off, old.hex()))
    elif cmd == 'poke':                     # poke OFFSET HEXBYTES
        off, data = int(args[0], 0), bytes.fromhex(args[1])
        old = fs.read(off, len(data))
        fs.write(off, data)
        print('byte offset %d (0x%x): %s -> %s' % (off, off, old.hex(), data.hex()))
    else:
        sys.exit('unknown command ' + cmd)

if __name__ == '__main__':
    main()
PY
fattool() { python3 "$FATTOOL" "$@"; }

# --------------------------------------------------------------------------------------------
# 1. Source files (committed; regenerated only when missing or with --sources)
# --------------------------------------------------------------------------------------------
gen_sources() {
    log "writing source files"
    rm -rf tree deleted-src late-src
    python3 - <<'PY'
import hashlib, os

def prng(seed, n):
    """Deterministic bytes: SHA-256 in counter mode (independent of Python's RNG)."""
    out, i = bytearray(), 0
    while len(out) < n:
        out += hashlib.sha256(b'%s:%d' % (seed.encode(), i)).digest()
        i += 1
    return bytes(out[:n])

def put(path, data):
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    if isinstance(data, str):
        data = data.encode('utf-8')
    with open(path, 'wb') as f:
        f.write(data)

put('tree/README.txt',
    "Source tree for the peel FAT test images.\n"
    "Every file here was copied into the FAT16 and FAT32 partitions of fat-disk.\n")
put('tree/empty.txt', b'')
put('tree/Documents/Reports/2024/q1-summary.txt',
    "Q1 2024 summary\n===============\n\nRevenue: 1,204,330\nCosts:     987,112\n"
    "Open items: 7\n\n" + "".join("line %03d of the first quarter report\n" % i for i in range(40)))
put('tree/Documents/Reports/2024/q2-summary.txt',
    "Q2 2024 summary\n===============\n\nRevenue: 1,311,874\nCosts:   1,002,410\n"
    "Open items: 3\n\n" + "".join("line %03d of the second quarter report\n" % i for i in range(60)))
put('tree/Documents/A very long file name with spaces.txt',
    "This file has a long name with spaces, so it needs VFAT long-name entries.\n")
put('tree/Documents/na\u00efve caf\u00e9 notes.txt',
    "Caf\u00e9 notes: cr\u00e8me br\u00fbl\u00e9e, na\u00efve questions, \u00fcber alles.\n"
    "The file name holds non-ASCII characters (U+00EF, U+00E9).\n")
put('tree/Pictures/holiday.bin', prng('holiday.bin', 150 * 1024 + 123))
put('tree/deep/a/b/c/d/e/deepfile.txt', "Seven directories down.\n")
put('tree/MixedCase.TXT', "Mixed-case 8.3 name.\n")
put('tree/UPPER.TXT', "Upper-case 8.3 name.\n")
put('tree/lower.txt', "Lower-case 8.3 name.\n")
# inputs of Archive/bundle.zip (zipped by the shell script)
put('build/zipsrc/notes.txt', "Notes inside the zip archive.\n" * 20)
put('build/zipsrc/sub/inner.txt', "A file in a subfolder inside the zip archive.\n")

put('deleted-src/deleted-small.txt',
    "This small file was copied into the root directory and then deleted.\n"
    + "".join("deleted-small line %02d\n" % i for i in range(12)))
put('deleted-src/deleted-multi.bin', prng('deleted-multi.bin', 40 * 1024 + 77))
put('deleted-src/Documents/Reports/deleted-in-subdir.txt',
    "Deleted from Documents/Reports.\n" + "".join("subdir line %02d\n" % i for i in range(30)))
put('deleted-src/Long deleted file name.txt',
    "A deleted file with a long name, so deleted long-name entries remain.\n")
put('deleted-src/overwritten.txt',
    "".join("overwritten.txt line %03d: this content is lost once newer.bin reuses its clusters\n"
            % i for i in range(36)))
put('deleted-src/OldDir/inside.txt', "A file inside OldDir, which was removed with mdeltree.\n")

put('late-src/newer.bin', prng('newer.bin', 5000))
PY
    mkdir -p tree/Archive
    (cd build/zipsrc && touch -d '2024-01-09 08:30:00 UTC' notes.txt sub/inner.txt sub &&
        zip -X -D -q -9 "$TD/tree/Archive/bundle.zip" notes.txt sub/inner.txt)
}

# path|mtime (UTC). Applied on every run, because git does not keep mtimes.
MTIMES=(
    'tree/README.txt|2024-03-15 10:00:00'
    'tree/empty.txt|2024-03-15 10:00:02'
    'tree/Documents/Reports/2024/q1-summary.txt|2024-04-02 09:15:30'
    'tree/Documents/Reports/2024/q2-summary.txt|2024-07-01 17:45:12'
    'tree/Documents/A very long file name with spaces.txt|2023-11-05 08:00:00'
    $'tree/Documents/na\xc3\xafve caf\xc3\xa9 notes.txt|2023-12-24 18:30:44'
    'tree/Pictures/holiday.bin|2023-08-19 14:22:06'
    'tree/Archive/bundle.zip|2024-01-10 12:00:00'
    'tree/deep/a/b/c/d/e/deepfile.txt|2022-02-22 22:22:22'
    'tree/MixedCase.TXT|2024-03-15 10:00:04'
    'tree/UPPER.TXT|2024-03-15 10:00:06'
    'tree/lower.txt|2024-03-15 10:00:08'
    'deleted-src/deleted-small.txt|2024-03-18 11:11:10'
    'deleted-src/deleted-multi.bin|2024-03-18 11:12:20'
    'deleted-src/Documents/Reports/deleted-in-subdir.txt|2024-03-18 11:13:30'
    'deleted-src/Long deleted file name.txt|2024-03-18 11:14:40'
    'deleted-src/overwritten.txt|2024-03-18 11:15:50'
    'deleted-src/OldDir/inside.txt|2024-03-18 11:16:00'
    'late-src/newer.bin|2024-03-31 23:59:58'
)
apply_mtimes() {
    local e
    for e in "${MTIMES[@]}"; do
        [ -e "${e%%|*}" ] || die "missing source ${e%%|*} (run with --sources)"
        touch -d "${e#*|} UTC" "${e%%|*}"
    done
    # directories last, all at one fixed time
    find tree deleted-src late-src -type d -exec touch -d '2024-03-15 09:00:00 UTC' {} +
}

if [ "$REGEN_SOURCES" = 1 ] || [ ! -d tree ] || [ ! -d deleted-src ] || [ ! -d late-src ]; then
    gen_sources
fi
apply_mtimes

# sha256 of a file
sha_of() { sha256sum <"$1" | cut -d' ' -f1; }

# --------------------------------------------------------------------------------------------
# 2. FAT volumes of fat-disk
# --------------------------------------------------------------------------------------------
# Manifest lines: <path inside the volume> TAB <source file> TAB <allocated|deleted|overwritten>
copy_tree() {   # IMG MANIFEST
    local img=$1 man=$2 p rel
    while IFS= read -r -d '' p; do
        rel=${p#tree/}
        if [ -d "$p" ]; then
            mt "$T_COPY" mmd -i "$img" "::/$rel"
        else
            mt "$T_COPY" mcopy -m -i "$img" "$p" "::/$rel"
            printf '%s\t%s\t%s\n' "$rel" "$p" allocated >>"$man"
        fi
    done < <(find tree -mindepth 1 -print0 | LC_ALL=C sort -z)
}

populate_full() {   # IMG MANIFEST BITS
    local img=$1 man=$2 bits=$3
    : >"$man"
    copy_tree "$img" "$man"

    # files that will be deleted
    mt "$T_COPY2" mcopy -m -i "$img" deleted-src/deleted-small.txt ::/deleted-small.txt
    mt "$T_COPY2" mcopy -m -i "$img" deleted-src/deleted-multi.bin ::/deleted-multi.bin
    mt "$T_COPY2" mcopy -m -i "$img" 'deleted-src/Long deleted file name.txt' '::/Long deleted file name.txt'
    mt "$T_COPY2" mcopy -m -i "$img" deleted-src/overwritten.txt ::/overwritten.txt
    mt "$T_COPY2" mcopy -m -i "$img" deleted-src/Documents/Reports/deleted-in-subdir.txt \
        ::/Documents/Reports/deleted-in-subdir.txt
    mt "$T_COPY2" mmd -i "$img" ::/OldDir
    mt "$T_COPY2" mcopy -m -i "$img" deleted-src/OldDir/inside.txt ::/OldDir/inside.txt
    local ov
    ov=$(fattool entry "$img" OVERWR~1.TXT)
    echo "overwritten.txt before deletion: $ov" >&2

    # overwritten.txt: deleted, then newer.bin (in another directory, so the deleted entry
    # survives) is written and takes over its clusters.
    mt "$T_DEL1" mdel -i "$img" ::/overwritten.txt
    if [ "$bits" = 32 ]; then
        # mtools allocates from the FSInfo next-free hint, which points past the freed
        # clusters; mark the hint unknown (0xFFFFFFFF) so the search starts at cluster 2.
        fattool fsinfo-unknown "$img" >&2
    fi
    mt "$T_LATE" mcopy -m -i "$img" late-src/newer.bin ::/Archive/newer.bin
    printf '%s\t%s\t%s\n' Archive/newer.bin late-src/newer.bin allocated >>"$man"
    local nb ov_start nb_start
    nb=$(fattool entry "$img" Archive/NEWER.BIN)
    echo "newer.bin: $nb" >&2
    ov_start=$(sed -E 's/.*start_cluster=([0-9]+).*/\1/' <<<"$ov")
    nb_start=$(sed -E 's/.*start_cluster=([0-9]+).*/\1/' <<<"$nb")
    [ "$ov_start" = "$nb_start" ] || die "newer.bin did not reuse overwritten.txt's clusters"

    # the other deletions
    mt "$T_DEL2" mdel -i "$img" ::/deleted-small.txt ::/deleted-multi.bin \
        '::/Long deleted file name.txt' ::/Documents/Reports/deleted-in-subdir.txt
    mt "$T_DEL2" mdeltree -i "$img" ::/OldDir
    printf '%s\t%s\t%s\n' \
        deleted-small.txt deleted-src/deleted-small.txt deleted \
        deleted-multi.bin deleted-src/deleted-multi.bin deleted \
        'Long deleted file name.txt' 'deleted-src/Long deleted file name.txt' deleted \
        overwritten.txt deleted-src/overwritten.txt overwritten \
        Documents/Reports/deleted-in-subdir.txt deleted-src/Documents/Reports/deleted-in-subdir.txt deleted \
        OldDir/inside.txt deleted-src/OldDir/inside.txt deleted >>"$man"
}

log "building FAT volumes for fat-disk"
# sector layout (512-byte sectors)
P1_START=2048;  P1_SIZE=16384     # 8 MiB FAT16
P2_START=18432; P2_SIZE=69632     # 34 MiB FAT32
P3_START=88064; P3_SIZE=6144      # extended partition
P5_START=90112; P5_SIZE=4096      # logical, 2 MiB FAT12
DISK_SECTORS=$((P3_START + P3_SIZE))

mkfs.fat -C -F 16 -s 2 -n FAT16VOL --invariant -i 16160001 -h $P1_START \
    "$BUILD/p1.img" $((P1_SIZE / 2)) >/dev/null
mkfs.fat -C -F 32 -s 1 -n FAT32VOL --invariant -i 32320002 -h $P2_START \
    "$BUILD/p2.img" $((P2_SIZE / 2)) >/dev/null
mkfs.fat -C -F 12 -s 2 -n FAT12VOL --invariant -i 12120005 -h $P5_START \
    "$BUILD/p5.img" $((P5_SIZE / 2)) >/dev/null
for n in 1 2 5; do echo "p$n: $(fattool info "$BUILD/p$n.img")" >&2; done
[ "$(fattool get "$BUILD/p1.img" bits)" = 16 ] || die "p1 is not a genuine FAT16"
[ "$(fattool get "$BUILD/p2.img" bits)" = 32 ] || die "p2 is not a genuine FAT32"
[ "$(fattool get "$BUILD/p5.img" bits)" = 12 ] || die "p5 is not a genuine FAT12"

populate_full "$BUILD/p1.img" "$BUILD/p1.manifest" 16
populate_full "$BUILD/p2.img" "$BUILD/p2.manifest" 32
# p5: a couple of small files, one deleted
: >"$BUILD/p5.manifest"
mt "$T_COPY" mcopy -m -i "$BUILD/p5.img" tree/README.txt ::/README.txt
mt "$T_COPY" mcopy -m -i "$BUILD/p5.img" tree/lower.txt ::/lower.txt
mt "$T_COPY2" mcopy -m -i "$BUILD/p5.img" deleted-src/deleted-small.txt ::/deleted-small.txt
mt "$T_DEL2" mdel -i "$BUILD/p5.img" ::/deleted-small.txt
printf '%s\t%s\t%s\n' README.txt tree/README.txt allocated lower.txt tree/lower.txt allocated \
    deleted-small.txt deleted-src/deleted-small.txt deleted >>"$BUILD/p5.manifest"

log "assembling fat-disk"
RAW=$BUILD/fat-disk.img
truncate -s $((DISK_SECTORS * 512)) "$RAW"
sfdisk --quiet --no-reread --no-tell-kernel --wipe never "$RAW" <<EOF
label: dos
label-id: 0x7065656c
unit: sectors

start=$P1_START, size=$P1_SIZE, type=6
start=$P2_START, size=$P2_SIZE, type=c
start=$P3_START, size=$P3_SIZE, type=5
start=$P5_START, size=$P5_SIZE, type=1
EOF
dd if="$BUILD/p1.img" of="$RAW" bs=512 seek=$P1_START conv=notrunc status=none
dd if="$BUILD/p2.img" of="$RAW" bs=512 seek=$P2_START conv=notrunc status=none
dd if="$BUILD/p5.img" of="$RAW" bs=512 seek=$P5_START conv=notrunc status=none

# --------------------------------------------------------------------------------------------
# 3. Ground truth with The Sleuth Kit
# --------------------------------------------------------------------------------------------
TRUTHPY=$BUILD/truth.py
cat >"$TRUTHPY" <<'PY'
"""Build pN.files.tsv from fls output, the bodyfile, icat and the build manifest."""
import hashlib, re, subprocess, sys

img, offset, fls_path, body_path, manifest_path, out_path = sys.argv[1:7]

def sha_file(p):
    with open(p, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()

manifest = []   # [image path, source, status, matched?]
with open(manifest_path, encoding='utf-8') as f:
    for line in f:
        p, src, status = line.rstrip('\n').split('\t')
        manifest.append([p, src, status, False])

sizes = {}
with open(body_path, encoding='utf-8') as f:
    for line in f:
        parts = line.rstrip('\n').split('|')
        inode = parts[2].split('-')[0]
        sizes.setdefault(inode, parts[6])

def find_source(path, deleted):
    """Allocated entries must match by path. TSK shows a deleted entry by its long name when
    the deleted long-name entries are intact, otherwise by its short name with '_' in place of
    the lost first character."""
    for m in manifest:
        if not m[3] and m[0] == path and (m[2] != 'allocated') == deleted:
            return m
    if deleted:
        d, _, base = path.rpartition('/')
        for m in manifest:
            md, _, mbase = m[0].rpartition('/')
            if (not m[3] and m[2] != 'allocated' and md == d and base[:1] == '_'
                    and mbase[1:].lower() == base[1:].lower()):
                return m
    return None

rx = re.compile(r'^(\S+/\S+) (\* )?(\d+)(?:\(realloc\))?:\t(.*)$')
rows, errors = [], []
with open(fls_path, encoding='utf-8') as f:
    for line in f:
        m = rx.match(line.rstrip('\n'))
        if not m:
            errors.append('unparsed fls line: %r' % line)
            continue
        typ, deleted, inode, path = m.group(1), bool(m.group(2)), m.group(3), m.group(4)
        if typ.split('/')[1] != 'r':
            continue        # directories, virtual files ($MBR, $FAT1, $FAT2, $OrphanFiles)
        data = subprocess.run(['icat', '-o', offset, img, inode], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL).stdout
        sha = hashlib.sha256(data).hexdigest()
        size = sizes.get(inode, '')
        if path.endswith('(Volume Label Entry)'):
            recoverable = 'n/a'
        else:
            src = find_source(path, deleted)
            if src is None:
                errors.append('no source file known for %s entry %s %r'
                              % ('deleted' if deleted else 'allocated', inode, path))
                recoverable = 'unknown'
            else:
                src[3] = True
                same = sha == sha_file(src[1])
                recoverable = 'yes' if same else 'no'
                if not deleted and not same:
                    errors.append('allocated file %r: icat sha256 differs from %s' % (path, src[1]))
                if src[2] == 'overwritten' and same:
                    errors.append('%r was meant to be overwritten but is intact' % path)
                if src[2] == 'deleted' and not same:
                    print('note: deleted %r is not recoverable by icat' % path, file=sys.stderr)
        rows.append((inode, 'yes' if deleted else 'no', typ, size, path, sha, recoverable))

for m in manifest:
    if not m[3]:
        errors.append('fls does not list %s (%s)' % (m[0], m[2]))
with open(out_path, 'w', encoding='utf-8') as f:
    f.write('inode\tdeleted\ttype\tsize\tpath\tsha256\trecoverable\n')
    for r in rows:
        f.write('\t'.join(r) + '\n')
alloc = sum(1 for r in rows if r[1] == 'no' and r[6] != 'n/a')
dele = sum(1 for r in rows if r[1] == 'yes')
print('%s: %d allocated files, %d deleted files, %d deleted recoverable'
      % (out_path.rsplit('/', 1)[-1], alloc, dele,
         sum(1 for r in rows if r[1] == 'yes' and r[6] == 'yes')), file=sys.stderr)
if errors:
    sys.exit('\n'.join(errors))
PY

truth_partition() {   # IMG START NAME OUTDIR MANIFEST
    local img=$1 start=$2 name=$3 out=$4 man=$5
    fsstat -o "$start" "$img" >"$out/fsstat-$name.txt"
    fls -r -p -o "$start" "$img" >"$out/$name.fls.txt"
    fls -r -m / -o "$start" "$img" >"$out/$name.body.txt"
    # unallocated space as TSK's blkls gives it: byte count and SHA-256
    printf '%s %s\n' "$(blkls -o "$start" "$img" | wc -c)" "$(blkls -o "$start" "$img" | sha256sum | cut -d' ' -f1)" \
        >"$out/$name.blkls.txt"
    python3 "$TRUTHPY" "$img" "$start" "$out/$name.fls.txt" "$out/$name.body.txt" "$man" \
        "$out/$name.files.tsv"
}

log "ground truth for fat-disk"
FT=$TRUTH/fat-disk
rm -rf "$FT"; mkdir -p "$FT"
mmls "$RAW" >"$FT/mmls.txt"
# the start sectors mmls reports must be the ones we laid out
for s in $P1_START $P2_START $P5_START; do
    grep -qE "^[0-9]+:  [0-9]+:[0-9]+ +0*$s " "$FT/mmls.txt" || die "mmls does not show a partition at $s"
done
truth_partition "$RAW" $P1_START p1 "$FT" "$BUILD/p1.manifest"
truth_partition "$RAW" $P2_START p2 "$FT" "$BUILD/p2.manifest"
truth_partition "$RAW" $P5_START p5 "$FT" "$BUILD/p5.manifest"
grep -q '^File System Type: FAT16$' "$FT/fsstat-p1.txt" || die "TSK does not see FAT16 in p1"
grep -q '^File System Type: FAT32$' "$FT/fsstat-p2.txt" || die "TSK does not see FAT32 in p2"
grep -q '^File System Type: FAT12$' "$FT/fsstat-p5.txt" || die "TSK does not see FAT12 in p5"
(cd "$BUILD" && sha256sum fat-disk.img) >"$FT/fat-disk.sha256"
(cd "$BUILD" && md5sum fat-disk.img) >"$FT/fat-disk.md5"

# --------------------------------------------------------------------------------------------
# E01 and (optional) split raw
# --------------------------------------------------------------------------------------------
log "fat-disk.E01"
rm -f "$IMAGES"/fat-disk.E?? "$BUILD"/fat-disk.E??
NO_FAKE_STAT=1 faketime -f "$T_ACQ" ewfacquire -u -q -t "$BUILD/fat-disk" -f encase6 -c fast \
    -d sha1 -m fixed -M physical -S 1.4GiB \
    -C PEEL-TEST-0001 -D 'peel test image fat-disk (MBR: FAT16, FAT32, logical FAT12)' \
    -e 'peel test data' -E FAT-DISK-001 -N 'made by testdata/generate.sh from build/fat-disk.img' \
    "$RAW" </dev/null >"$BUILD/ewfacquire.log"
ls "$BUILD"/fat-disk.E?? >/dev/null
[ "$(ls "$BUILD"/fat-disk.E?? | wc -l)" = 1 ] || die "expected a single E01 segment"
mv "$BUILD/fat-disk.E01" "$IMAGES/fat-disk.E01"
ewfinfo "$IMAGES/fat-disk.E01" | sed "s|$TD/||g" >"$FT/ewfinfo.txt"
ewfverify -q -d sha1 "$IMAGES/fat-disk.E01" | sed "s|$TD/||g" >"$FT/ewfverify.txt"
RAW_MD5=$(md5sum <"$RAW" | cut -d' ' -f1)
RAW_SHA1=$(sha1sum <"$RAW" | cut -d' ' -f1)
E01_MD5=$(sed -n 's/^MD5 hash stored in file:[[:space:]]*//p' "$FT/ewfverify.txt")
E01_SHA1=$(sed -n 's/^SHA1 hash stored in file:[[:space:]]*//p' "$FT/ewfverify.txt")
[ "$E01_MD5" = "$RAW_MD5" ] || die "E01 stored MD5 '$E01_MD5' != raw MD5 $RAW_MD5"
[ "$E01_SHA1" = "$RAW_SHA1" ] || die "E01 stored SHA1 '$E01_SHA1' != raw SHA1 $RAW_SHA1"
grep -q '^ewfverify: SUCCESS' "$FT/ewfverify.txt" || die "ewfverify failed"
# TSK reads the E01 the same way as the raw image
fls -r -p -o $P2_START "$IMAGES/fat-disk.E01" | cmp -s - "$FT/p2.fls.txt" || die "TSK lists the E01 differently"
(cd "$BUILD" && sha1sum fat-disk.img) >"$FT/fat-disk.sha1"

gzip -9n -c "$RAW" >"$IMAGES/fat-disk.img.gz"

if [ "$SPLIT" = 1 ]; then
    log "split raw"
    split -b 16M -d -a 3 --numeric-suffixes=1 "$RAW" "$BUILD/fat-disk."
    cat "$BUILD"/fat-disk.[0-9][0-9][0-9] | cmp -s - "$RAW" || die "split segments do not join up"
    ls -l "$BUILD"/fat-disk.[0-9][0-9][0-9] >&2
fi

# --------------------------------------------------------------------------------------------
# 4. Damaged images
# --------------------------------------------------------------------------------------------
DT=$TRUTH/damaged
rm -rf "$DT"; mkdir -p "$DT"
rm -f "$IMAGES"/fat-loop.img.gz "$IMAGES"/fat-outside.img.gz "$IMAGES"/fat-selfdir.img.gz \
    "$IMAGES"/fat-badbpb.img.gz "$IMAGES"/mbr-past-end.img.gz "$IMAGES"/fat-truncated.img.gz

# run a TSK tool with a time limit and a cap on output; keep stdout, stderr and exit code
tsk_record() {   # OUTBASE TOOL ARGS...
    local out=$1 rc; shift
    set +e
    timeout 60 "$@" 2>"$out.stderr.txt" | head -c 262144 >"$out.txt"
    rc=${PIPESTATUS[0]}
    set -e
    echo "$rc" >"$out.rc"
    sed -i "s|$TD/||g" "$out.txt" "$out.stderr.txt"
    echo "$(basename "$out"): exit $rc, $(wc -l <"$out.txt") lines" >&2
}

# icat a file: keep exit code, byte count and sha256 of what TSK returns
icat_record() {   # OUTBASE ICAT-ARGS...
    local out=$1 rc; shift
    set +e
    timeout 60 icat "$@" 2>"$out.stderr.txt" | head -c 16777216 >"$BUILD/icat.out"
    rc=${PIPESTATUS[0]}
    set -e
    sed -i "s|$TD/||g" "$out.stderr.txt"
    { echo "icat $*" | sed "s|$TD/||g"
      printf 'exit %s, %s bytes, sha256 %s\n' "$rc" "$(stat -c %s "$BUILD/icat.out")" \
          "$(sha_of "$BUILD/icat.out")"; } >"$out.txt"
    echo "$(basename "$out"): $(tail -1 "$out.txt")" >&2
}
inode_of() {   # FLS-OUTPUT PATH -> inode fls gave for PATH
    awk -F'\t' -v p="$2" '$2 == p { n = split($1, a, " "); sub(":", "", a[n]); print a[n]; exit }' "$1"
}

# standalone 1440 KiB FAT12 volume with 8.3 names only
new_floppy() {   # IMG LABEL VOLID
    mkfs.fat -C -F 12 -n "$2" --invariant -i "$3" "$1" 1440 >/dev/null
    [ "$(fattool get "$1" bits)" = 12 ] || die "$1 is not FAT12"
}
put() {   # IMG SRC DEST  (+ records the placement in $DMG_NOTE)
    mt "$T_DAMAGED" mcopy -m -i "$1" "$2" "::/$3"
    printf '  ::/%s <- %s (%d bytes, sha256 %s)\n' "$3" "$2" "$(stat -c %s "$2")" "$(sha_of "$2")" >>"$DMG_NOTE"
}
field() { sed -E "s/.*$1=([^ ]+).*/\\1/" <<<"$2"; }
finish_damaged() {   # NAME IMG
    gzip -9n -c "$2" >"$IMAGES/$1.img.gz"
    (cd "$(dirname "$2")" && sha256sum "$(basename "$2")") >"$DT/$1.img.sha256"
    cat "$DMG_NOTE" >&2
}

# fat-loop: CHAIN.TXT's second cluster points back to its first (N -> M -> N)
log "fat-loop"
IMG=$BUILD/fat-loop.img; DMG_NOTE=$DT/fat-loop.damage.txt
echo "fat-loop.img: standalone FAT12 volume (1440 KiB), files:" >"$DMG_NOTE"
new_floppy "$IMG" LOOPVOL 10000001
put "$IMG" tree/README.txt README.TXT
put "$IMG" tree/Documents/Reports/2024/q2-summary.txt CHAIN.TXT
put "$IMG" tree/UPPER.TXT AFTER.TXT
E=$(fattool entry "$IMG" CHAIN.TXT)
{ echo "BPB: $(fattool info "$IMG")"
  echo "CHAIN.TXT before damage: $E"
  N=$(field start_cluster "$E"); M=$(cut -d, -f2 <<<"$(field chain "$E")")
  echo "damage: FAT entry of cluster $M (2nd cluster of CHAIN.TXT) set to $N (its 1st cluster),"
  echo "        in both FAT copies, so the chain is $N -> $M -> $N -> ... (clusters after $M are lost)"
  fattool setfat "$IMG" "$M" "$N"
  echo "CHAIN.TXT after damage: $(fattool entry "$IMG" CHAIN.TXT)"
} >>"$DMG_NOTE"
tsk_record "$DT/fat-loop.fls" fls -r -p "$IMG"
INO=$(inode_of "$DT/fat-loop.fls.txt" CHAIN.TXT)
tsk_record "$DT/fat-loop.istat-chain" istat "$IMG" "$INO"
icat_record "$DT/fat-loop.icat-chain" "$IMG" "$INO"
finish_damaged fat-loop "$IMG"

# fat-outside: CHAIN.TXT's second cluster points past the last cluster of the volume
log "fat-outside"
IMG=$BUILD/fat-outside.img; DMG_NOTE=$DT/fat-outside.damage.txt
echo "fat-outside.img: standalone FAT12 volume (1440 KiB), files:" >"$DMG_NOTE"
new_floppy "$IMG" OUTVOL 10000002
put "$IMG" tree/README.txt README.TXT
put "$IMG" tree/Documents/Reports/2024/q2-summary.txt CHAIN.TXT
put "$IMG" tree/UPPER.TXT AFTER.TXT
E=$(fattool entry "$IMG" CHAIN.TXT)
LAST=$(fattool get "$IMG" last_cluster)
BEYOND=$((LAST + 100))
[ "$BEYOND" -lt $((0xFF0)) ] || die "beyond-cluster value collides with FAT12 reserved values"
{ echo "BPB: $(fattool info "$IMG")"
  echo "CHAIN.TXT before damage: $E"
  M=$(cut -d, -f2 <<<"$(field chain "$E")")
  echo "damage: FAT entry of cluster $M (2nd cluster of CHAIN.TXT) set to $BEYOND; the last valid"
  echo "        cluster is $LAST (the FAT itself has room for more entries), in both FAT copies"
  fattool setfat "$IMG" "$M" "$BEYOND"
} >>"$DMG_NOTE"
tsk_record "$DT/fat-outside.fls" fls -r -p "$IMG"
INO=$(inode_of "$DT/fat-outside.fls.txt" CHAIN.TXT)
tsk_record "$DT/fat-outside.istat-chain" istat "$IMG" "$INO"
icat_record "$DT/fat-outside.icat-chain" "$IMG" "$INO"
finish_damaged fat-outside "$IMG"

# fat-selfdir: SUBDIR holds an extra entry LOOP (directory) whose start cluster is SUBDIR's own
log "fat-selfdir"
IMG=$BUILD/fat-selfdir.img; DMG_NOTE=$DT/fat-selfdir.damage.txt
echo "fat-selfdir.img: standalone FAT12 volume (1440 KiB), files:" >"$DMG_NOTE"
new_floppy "$IMG" SELFVOL 10000003
put "$IMG" tree/README.txt README.TXT
mt "$T_DAMAGED" mmd -i "$IMG" ::/SUBDIR
echo "  ::/SUBDIR/ (directory made with mmd)" >>"$DMG_NOTE"
put "$IMG" tree/UPPER.TXT SUBDIR/UPPER.TXT
put "$IMG" tree/Documents/Reports/2024/q1-summary.txt SUBDIR/Q1.TXT
E=$(fattool entry "$IMG" SUBDIR)
SC=$(field start_cluster "$E")
{ echo "BPB: $(fattool info "$IMG")"
  echo "SUBDIR: $E"
  echo "damage: a directory entry LOOP (attr 0x10, start cluster $SC = SUBDIR's own cluster) added"
  echo "        in SUBDIR's first free slot, so SUBDIR/LOOP/LOOP/... never ends"
  # DOS time 10:00:00 = 0x5000, date 2024-05-01 = ((2024-1980)<<9)|(5<<5)|1 = 0x58A1
  fattool addentry "$IMG" SUBDIR LOOP 0x10 "$SC" 0x5000 0x58A1
} >>"$DMG_NOTE"
tsk_record "$DT/fat-selfdir.fls" fls -r -p "$IMG"
finish_damaged fat-selfdir "$IMG"

# fat-badbpb: bytes per sector = 0
log "fat-badbpb"
IMG=$BUILD/fat-badbpb.img; DMG_NOTE=$DT/fat-badbpb.damage.txt
echo "fat-badbpb.img: standalone FAT12 volume (1440 KiB), files:" >"$DMG_NOTE"
new_floppy "$IMG" BADBPBVOL 10000004
put "$IMG" tree/README.txt README.TXT
put "$IMG" tree/lower.txt LOWER.TXT
{ echo "BPB before damage: $(fattool info "$IMG")"
  echo "damage: BPB bytes-per-sector (boot sector offset 11, u16 LE) set to 0; the 0x55AA"
  echo "        signature and everything else are intact"
  fattool poke "$IMG" 11 0000
} >>"$DMG_NOTE"
tsk_record "$DT/fat-badbpb.fsstat" fsstat "$IMG"
tsk_record "$DT/fat-badbpb.fls" fls -r -p "$IMG"
tsk_record "$DT/fat-badbpb.fls-f-fat12" fls -f fat12 -r -p "$IMG"
finish_damaged fat-badbpb "$IMG"

# mbr-past-end: partition 2 runs past the end of the image, partition 3 starts past it
log "mbr-past-end"
IMG=$BUILD/mbr-past-end.img; DMG_NOTE=$DT/mbr-past-end.damage.txt
MP1_START=2048; MP1_SIZE=2048; MP2_START=4096; MP2_SIZE=8192; MP3_START=16384; MP3_SIZE=2048
MPE_SECTORS=8192    # the image is cut to 4 MiB
truncate -s $(((MP3_START + MP3_SIZE) * 512)) "$IMG"
sfdisk --quiet --no-reread --no-tell-kernel --wipe never "$IMG" <<EOF
label: dos
label-id: 0x70617374
unit: sectors

start=$MP1_START, size=$MP1_SIZE, type=1
start=$MP2_START, size=$MP2_SIZE, type=1
start=$MP3_START, size=$MP3_SIZE, type=1
EOF
mkfs.fat -C -F 12 -n PASTP1 --invariant -i 10000005 -h $MP1_START "$BUILD/mpe-p1.img" $((MP1_SIZE / 2)) >/dev/null
mkfs.fat -C -F 12 -n PASTP2 --invariant -i 10000006 -h $MP2_START "$BUILD/mpe-p2.img" $((MP2_SIZE / 2)) >/dev/null
for n in 1 2; do [ "$(fattool get "$BUILD/mpe-p$n.img" bits)" = 12 ] || die "mpe-p$n is not FAT12"; done
{ echo "mbr-past-end.img: MBR disk, $MPE_SECTORS sectors ($((MPE_SECTORS * 512)) bytes) after truncation"
  echo "p1 (sector $MP1_START, $MP1_SIZE sectors, type 0x01): FAT12 volume PASTP1, files:"; } >"$DMG_NOTE"
put "$BUILD/mpe-p1.img" tree/README.txt README.TXT
put "$BUILD/mpe-p1.img" tree/UPPER.TXT UPPER.TXT
echo "p2 (sector $MP2_START, $MP2_SIZE sectors, type 0x01): FAT12 volume PASTP2 (only its first $((MPE_SECTORS - MP2_START)) sectors remain), files:" >>"$DMG_NOTE"
put "$BUILD/mpe-p2.img" tree/Documents/Reports/2024/q1-summary.txt Q1.TXT
dd if="$BUILD/mpe-p1.img" of="$IMG" bs=512 seek=$MP1_START conv=notrunc status=none
dd if="$BUILD/mpe-p2.img" of="$IMG" bs=512 seek=$MP2_START conv=notrunc status=none
truncate -s $((MPE_SECTORS * 512)) "$IMG"
python3 - "$IMG" >>"$DMG_NOTE" <<'PY'
import struct, sys
img = sys.argv[1]
with open(img, 'rb') as f:
    data = f.read(512)
    f.seek(0, 2)
    size = f.tell() // 512
print("p3 (sector 16384, 2048 sectors, type 0x01): nothing (wholly past the end)")
print("damage: the image was cut to %d sectors after partitioning; MBR entries:" % size)
for i in range(4):
    off = 446 + 16 * i
    e = data[off:off + 16]
    typ = e[4]
    lba, n = struct.unpack_from('<II', e, 8)
    if typ == 0:
        continue
    if lba + n <= size:
        state = 'inside the image'
    elif lba < size:
        state = 'starts inside, ends past the end (last sector %d >= %d)' % (lba + n - 1, size)
    else:
        state = 'starts past the end of the image (%d >= %d)' % (lba, size)
    print('  entry %d at byte offset %d (0x%x): %s; type 0x%02x start %d sectors %d -> %s'
          % (i + 1, off, off, e.hex(), typ, lba, n, state))
PY
tsk_record "$DT/mbr-past-end.mmls" mmls "$IMG"
tsk_record "$DT/mbr-past-end.p1.fls" fls -r -p -o $MP1_START "$IMG"
tsk_record "$DT/mbr-past-end.p2.fls" fls -r -p -o $MP2_START "$IMG"
tsk_record "$DT/mbr-past-end.p3.fls" fls -r -p -o $MP3_START "$IMG"
icat_record "$DT/mbr-past-end.icat-p2-q1" -o $MP2_START "$IMG" "$(inode_of "$DT/mbr-past-end.p2.fls.txt" Q1.TXT)"
finish_damaged mbr-past-end "$IMG"

# fat-truncated: fat-disk cut partway through p2 (FAT32), after its FATs and its whole root
# directory chain, in the middle of the (deleted) deleted-multi.bin
log "fat-truncated"
IMG=$BUILD/fat-truncated.img; DMG_NOTE=$DT/fat-truncated.damage.txt
MULTI_INO=$(inode_of "$FT/p2.fls.txt" deleted-multi.bin)
mapfile -t MULTI_SECS < <(istat -o $P2_START "$RAW" "$MULTI_INO" | sed -n '/^Sectors:/,$p' | tail -n +2 | tr -s ' ' '\n' | grep .)
CUT_SECTOR=$((P2_START + MULTI_SECS[${#MULTI_SECS[@]} / 2]))   # absolute sector, first one missing
ROOT_LAST=$(fattool rootchain "$BUILD/p2.img" | tr ',' '\n' | sort -n | tail -1)
ROOT_LAST_SECTOR=$((P2_START + $(fattool sector-of "$BUILD/p2.img" "$ROOT_LAST")))
[ "$ROOT_LAST_SECTOR" -lt "$CUT_SECTOR" ] || die "cut would lose part of p2's root directory"
cp "$RAW" "$IMG"
truncate -s $((CUT_SECTOR * 512)) "$IMG"
{ echo "fat-truncated.img: build/fat-disk.img (p1 FAT16 @$P1_START, p2 FAT32 @$P2_START, p5 FAT12 @$P5_START)"
  echo "damage: truncated to $((CUT_SECTOR * 512)) bytes = $CUT_SECTOR sectors (of $DISK_SECTORS): the"
  echo "        first missing byte is $((CUT_SECTOR * 512)) (0x$(printf %x $((CUT_SECTOR * 512)))), p2-relative sector $((CUT_SECTOR - P2_START))"
  echo "        p2's FATs, FSInfo and root directory (clusters $(fattool rootchain "$BUILD/p2.img"), last sector"
  echo "        $ROOT_LAST_SECTOR) are complete; the cut falls in the middle of deleted-multi.bin (inode $MULTI_INO);"
  echo "        the extended partition's EBR (sector $P3_START) and all of p5 are gone"
  echo "per-file status: see fat-truncated.files.tsv (sectors from istat on the intact image)"
} >"$DMG_NOTE"
python3 - "$RAW" "$CUT_SECTOR" "$DT/fat-truncated.files.tsv" \
    "p1:$P1_START:$FT/p1.files.tsv" "p2:$P2_START:$FT/p2.files.tsv" "p5:$P5_START:$FT/p5.files.tsv" <<'PY'
import subprocess, sys
raw, cut, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(out, 'w', encoding='utf-8') as o:
    o.write('partition\tinode\tdeleted\tsize\tpath\tbytes_present\tstatus\n')
    for spec in sys.argv[4:]:
        part, start, tsv = spec.split(':', 2)
        start = int(start)
        with open(tsv, encoding='utf-8') as f:
            next(f)
            for line in f:
                inode, deleted, _typ, size, path, _sha, rec = line.rstrip('\n').split('\t')
                if rec == 'n/a':
                    continue
                size = int(size)
                ist = subprocess.run(['istat', '-o', str(start), raw, inode], check=True,
                                     stdout=subprocess.PIPE, text=True).stdout
                secs = [int(x) for x in ist.split('Sectors:', 1)[1].split()]
                # istat lists the sectors TSK reads for the entry (for a deleted entry whose
                # start cluster was reused, fewer than the size needs); the status is
                # relative to that list
                n = 0
                for s in secs:
                    if start + s >= cut:
                        break
                    n += 1
                present = min(size, 512 * n)
                status = ('complete' if n == len(secs) else 'missing' if n == 0
                          else 'partial')
                o.write('%s\t%s\t%s\t%d\t%s\t%d\t%s\n'
                        % (part, inode, deleted, size, path, present, status))
PY
awk -F'\t' 'NR > 1 { c[$1 " " $7]++ } END { for (k in c) print "  " k ": " c[k] }' \
    "$DT/fat-truncated.files.tsv" | sort >>"$DMG_NOTE"
tsk_record "$DT/fat-truncated.mmls" mmls "$IMG"
tsk_record "$DT/fat-truncated.p1.fls" fls -r -p -o $P1_START "$IMG"
tsk_record "$DT/fat-truncated.p2.fls" fls -r -p -o $P2_START "$IMG"
tsk_record "$DT/fat-truncated.p5.fls" fls -r -p -o $P5_START "$IMG"
icat_record "$DT/fat-truncated.icat-p2-holiday" -o $P2_START "$IMG" "$(inode_of "$FT/p2.fls.txt" Pictures/holiday.bin)"
icat_record "$DT/fat-truncated.icat-p2-newer" -o $P2_START "$IMG" "$(inode_of "$FT/p2.fls.txt" Archive/newer.bin)"
finish_damaged fat-truncated "$IMG"

# --------------------------------------------------------------------------------------------
# 5. GPT disk: FAT16 in partition 1, partition 2 unformatted
# --------------------------------------------------------------------------------------------
log "gpt-disk"
GPT=$BUILD/gpt-disk.img
G1_START=2048; G1_END=8191      # 3 MiB, FAT16
G2_START=8192; G2_END=10239     # 1 MiB, no file system
rm -f "$IMAGES/gpt-disk.img.gz"
truncate -s 6M "$GPT"
sgdisk -o -U 7065656C-6770-4400-8000-000000000000 \
    -n 1:$G1_START:$G1_END -t 1:0700 -c 1:'peel FAT16' -u 1:7065656C-6770-4400-8000-000000000001 \
    -n 2:$G2_START:$G2_END -t 2:8300 -c 2:'unformatted' -u 2:7065656C-6770-4400-8000-000000000002 \
    "$GPT" >"$BUILD/sgdisk.log"
mkfs.fat -C -F 16 -s 1 -n GPTFAT16 --invariant -i 16160006 -h $G1_START \
    "$BUILD/g1.img" $(((G1_END - G1_START + 1) / 2)) >/dev/null
[ "$(fattool get "$BUILD/g1.img" bits)" = 16 ] || die "gpt p1 is not a genuine FAT16"
: >"$BUILD/g1.manifest"
G1=$BUILD/g1.img
mt "$T_COPY" mcopy -m -i "$G1" tree/README.txt ::/README.txt
mt "$T_COPY" mmd -i "$G1" ::/Documents ::/Documents/Reports ::/Documents/Reports/2024
mt "$T_COPY" mcopy -m -i "$G1" tree/Documents/Reports/2024/q1-summary.txt ::/Documents/Reports/2024/q1-summary.txt
mt "$T_COPY" mcopy -m -i "$G1" 'tree/Documents/A very long file name with spaces.txt' '::/Documents/A very long file name with spaces.txt'
mt "$T_COPY" mcopy -m -i "$G1" tree/lower.txt ::/lower.txt
mt "$T_COPY2" mcopy -m -i "$G1" deleted-src/deleted-small.txt ::/deleted-small.txt
mt "$T_DEL2" mdel -i "$G1" ::/deleted-small.txt
printf '%s\t%s\t%s\n' README.txt tree/README.txt allocated \
    Documents/Reports/2024/q1-summary.txt tree/Documents/Reports/2024/q1-summary.txt allocated \
    'Documents/A very long file name with spaces.txt' 'tree/Documents/A very long file name with spaces.txt' allocated \
    lower.txt tree/lower.txt allocated \
    deleted-small.txt deleted-src/deleted-small.txt deleted >>"$BUILD/g1.manifest"
dd if="$G1" of="$GPT" bs=512 seek=$G1_START conv=notrunc status=none
# partition 2: no file system, but each sector says where it is (to check partition offsets)
python3 - "$GPT" $G2_START $G2_END <<'PY'
import sys
img, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(img, 'r+b') as f:
    for s in range(a, b + 1):
        f.seek(512 * s)
        f.write(('peel gpt-disk partition 2 (no file system), partition sector %06d, disk sector %06d\n'
                 % (s - a, s)).encode().ljust(512, b'\0'))
PY
GT=$TRUTH/gpt-disk
rm -rf "$GT"; mkdir -p "$GT"
mmls "$GPT" >"$GT/mmls.txt"
sgdisk -p "$GPT" | sed "s|$TD/||g" >"$GT/sgdisk-p.txt"
grep -qE "^[0-9]+:  [0-9]+ +0*$G1_START " "$GT/mmls.txt" || die "mmls does not show gpt p1 at $G1_START"
grep -qE "^[0-9]+:  [0-9]+ +0*$G2_START " "$GT/mmls.txt" || die "mmls does not show gpt p2 at $G2_START"
truth_partition "$GPT" $G1_START p1 "$GT" "$BUILD/g1.manifest"
grep -q '^File System Type: FAT16$' "$GT/fsstat-p1.txt" || die "TSK does not see FAT16 in gpt p1"
tsk_record "$GT/p2.fsstat" fsstat -o $G2_START "$GPT"
(cd "$BUILD" && sha256sum gpt-disk.img) >"$GT/gpt-disk.sha256"
dd if="$GPT" bs=512 skip=$G2_START count=$((G2_END - G2_START + 1)) status=none | sha256sum |
    sed 's/-$/gpt-disk.img partition 2 (sectors '"$G2_START-$G2_END"')/' >"$GT/p2.sha256"
gzip -9n -c "$GPT" >"$IMAGES/gpt-disk.img.gz"

# --------------------------------------------------------------------------------------------
# 5b. Zip archive as evidence: member listing and hashes from Info-ZIP's unzip
# --------------------------------------------------------------------------------------------
log "zip truth"
ZT="$TRUTH/zip"
mkdir -p "$ZT"
ZIPF="$TD/tree/Archive/bundle.zip"
unzip -Z1 "$ZIPF" >"$ZT/bundle.members.txt"
while IFS= read -r m; do
    case "$m" in */) continue ;; esac
    printf '%s\t%s\t%s\n' "$m" "$(unzip -p "$ZIPF" "$m" | wc -c)" "$(unzip -p "$ZIPF" "$m" | sha256sum | cut -d' ' -f1)"
done <"$ZT/bundle.members.txt" >"$ZT/bundle.files.tsv"

# --------------------------------------------------------------------------------------------
# 5c. NTFS and ext2/3/4 images (a separate script, because it mounts file systems)
# --------------------------------------------------------------------------------------------
if [ "$FAT_ONLY" = 0 ]; then
    NE_ARGS=()
    [ "$REGEN_SOURCES" = 1 ] && NE_ARGS+=(--sources)
    bash "$TD/generate-ntfs-ext.sh" "${NE_ARGS[@]}"
fi

# 5d. Files with planted features and their ground truth (plain files; no tools needed)
bash "$TD/generate-features.sh"

# --------------------------------------------------------------------------------------------
# 6. Tool versions and summary
# --------------------------------------------------------------------------------------------
{
    echo "# versions of the tools that made these images (bash testdata/generate.sh)"
    echo "\$ mkfs.fat --version";   mkfs.fat --version 2>/dev/null | sed -n 1p || true
    echo "\$ mtools --version";     mtools --version | sed -n 1p
    echo "\$ fls -V";               fls -V
    echo "\$ ewfacquire -V";        ewfacquire -V | sed -n 1p
    echo "\$ sfdisk --version";     sfdisk --version
    echo "\$ sgdisk --version";     sgdisk --version | grep .
    echo "\$ faketime --version";   faketime --version | grep .
    echo "\$ zip -v";               zip -v | sed -n 2p
    echo "\$ gzip --version";       gzip --version | sed -n 1p
    echo "\$ python3 --version";    python3 --version
    echo "\$ dpkg-query -W (Debian packages)"
    dpkg-query -W dosfstools mtools sleuthkit ewf-tools libewf2 fdisk gdisk faketime zip gzip \
        coreutils 2>/dev/null || true
} >"$TRUTH/tool-versions.txt"

log "summary"
(cd "$TD" && du -b images/* | sort -k2) >&2
echo "committed test data: $(cd "$TD" && du -cb --exclude=build images truth tree deleted-src late-src generate.sh | tail -1 | cut -f1) bytes" >&2
echo "fat-disk.img sha256 $(cut -d' ' -f1 "$FT/fat-disk.sha256")" >&2
