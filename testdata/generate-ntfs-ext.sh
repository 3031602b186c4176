#!/usr/bin/env bash
# Builds the NTFS and ext2/3/4 test images and their Sleuth Kit ground truth under testdata/.
# generate.sh runs it after the FAT part; it can also be run alone:
#
#   bash testdata/generate-ntfs-ext.sh            # sources in deleted-src-ntfs/ and deleted-src-ext/ are kept
#   bash testdata/generate-ntfs-ext.sh --sources  # also rewrite those source files (byte-identical)
#
# Unlike generate.sh this part mounts: ntfs-3g over FUSE populates the NTFS volumes (that is the
# only way to get folders, alternate data streams, hard links, DOS names, sparse and compressed
# files onto NTFS with Debian's tools), and one ext4 volume is loop-mounted so that the kernel
# itself deletes some files. It therefore needs root, /dev/fuse and a loop device. Scratch files
# live in testdata/build/ntfs-ext/ (git-ignored) and are recreated on each run.
set -euo pipefail

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }

REGEN_SOURCES=0
for arg in "$@"; do
    case "$arg" in
        --sources) REGEN_SOURCES=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; usage >&2; exit 2 ;;
    esac
done

TD=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$TD"

export TZ=UTC LC_ALL=C.UTF-8 LANG=C.UTF-8
umask 022

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'FATAL: %s\n' "$*" >&2; exit 1; }

# --------------------------------------------------------------------------------------------
# 0. Tools
# --------------------------------------------------------------------------------------------
declare -A PKG_OF=(
    [mkntfs]=ntfs-3g [ntfs-3g]=ntfs-3g [setfattr]=attr [getfattr]=attr
    [mke2fs]=e2fsprogs [debugfs]=e2fsprogs [dumpe2fs]=e2fsprogs
    [fls]=sleuthkit [icat]=sleuthkit [istat]=sleuthkit [mmls]=sleuthkit [fsstat]=sleuthkit [ffind]=sleuthkit
    [sgdisk]=gdisk [faketime]=faketime [python3]=python3 [gzip]=gzip
    [mount]=mount [umount]=mount [losetup]=mount [mountpoint]=util-linux
    [sha256sum]=coreutils [truncate]=coreutils [dd]=coreutils [timeout]=coreutils [dpkg-query]=dpkg
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
[ "$(id -u)" -eq 0 ] || die "this part mounts file systems (ntfs-3g over FUSE, a loop mount): run it as root"
[ -c /dev/fuse ] || die "/dev/fuse is missing (needed by ntfs-3g)"

BUILD=$TD/build/ntfs-ext
IMAGES=$TD/images
TRUTH=$TD/truth
DT=$TRUTH/damaged
MNT=$BUILD/mnt
# never delete through a mount left behind by an interrupted run
if mountpoint -q "$MNT" 2>/dev/null; then umount "$MNT" || die "$MNT is still mounted"; fi
rm -rf "$BUILD"
mkdir -p "$BUILD" "$IMAGES" "$TRUTH" "$DT" "$MNT"

# Clocks. faketime freezes the clock of mkntfs and of the ntfs-3g daemon (which stamps every
# NTFS time); E2FSPROGS_FAKE_TIME does the same for mke2fs and debugfs. The kernel's ext4 driver
# cannot be given a fake clock: the stamps it writes are set afterwards (see ext_fix_times).
T_MKFS='2024-03-20 11:50:00'     # volumes made
T_COPY='2024-03-20 12:00:00'     # main contents copied in
T_COPY2='2024-03-25 08:00:00'    # files that will be deleted copied in
T_DEL1='2024-04-02 16:30:00'     # NTFS deletions (ntfs-3g), ext4 deletions by the kernel
T_DEL2='2024-04-03 09:45:00'     # deletions with debugfs
T_DAMAGED='2024-05-01 10:00:00'  # small standalone volumes for the damaged images
epoch() { date -u -d "$1" +%s; }
# every time stamp that comes from the host's own clock is at least this (see ext_fix_times)
REAL_T0=$(( $(date +%s) - 5 ))
[ "$REAL_T0" -gt "$(epoch '2025-01-01 00:00:00')" ] || die "the host clock is set before 2025"

# Pinned mke2fs configuration (Debian 12's defaults), so that /etc/mke2fs.conf does not matter.
export MKE2FS_CONFIG=$BUILD/mke2fs.conf
cat >"$MKE2FS_CONFIG" <<'EOF'
[defaults]
	base_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
	default_mntopts = acl,user_xattr
	enable_periodic_fsck = 0
	blocksize = 4096
	inode_size = 256
	inode_ratio = 16384

[fs_types]
	ext3 = {
		features = has_journal
	}
	ext4 = {
		features = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize
	}
	small = {
		blocksize = 1024
		inode_ratio = 4096
	}
	floppy = {
		blocksize = 1024
		inode_ratio = 8192
	}
EOF

# --------------------------------------------------------------------------------------------
# Mount helpers (always undone on exit)
# --------------------------------------------------------------------------------------------
NTFS_PID=
cleanup() {
    if mountpoint -q "$MNT" 2>/dev/null; then umount "$MNT" || umount -l "$MNT" || true; fi
    if [ -n "$NTFS_PID" ]; then wait "$NTFS_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

ntfs_mount() {   # IMG WHEN
    [ -z "$NTFS_PID" ] || die "ntfs-3g already running"
    # no_detach: ntfs-3g stays our child, so that we can wait until it has written everything
    NO_FAKE_STAT=1 faketime -f "$2" ntfs-3g -o streams_interface=windows,no_detach,noatime \
        "$1" "$MNT" </dev/null >>"$BUILD/ntfs-3g.log" 2>&1 &
    NTFS_PID=$!
    local i
    for i in $(seq 100); do
        mountpoint -q "$MNT" && return 0
        kill -0 "$NTFS_PID" 2>/dev/null || break
        sleep 0.1
    done
    die "ntfs-3g did not mount $1 (see $BUILD/ntfs-3g.log)"
}
ntfs_umount() {
    umount "$MNT"
    # a FUSE umount returns before the daemon has finished: wait for it to exit
    wait "$NTFS_PID" || die "ntfs-3g exited with an error (see $BUILD/ntfs-3g.log)"
    NTFS_PID=
}

# --------------------------------------------------------------------------------------------
# Helper for reading and patching NTFS and ext structures (offsets always computed from the
# boot sector / superblock)
# --------------------------------------------------------------------------------------------
NETOOL=$BUILD/netool.py
cat >"$NETOOL" <<'PY'
import struct, sys

def u16(b, o): return struct.unpack_from('<H', b, o)[0]
def u32(b, o): return struct.unpack_from('<I', b, o)[0]
def u64(b, o): return struct.unpack_from('<Q', b, o)[0]

# ------------------------------------------------------------------ NTFS
class Ntfs:
    def __init__(self, path):
        self.f = open(path, 'r+b')
        bs = self.read(0, 512)
        assert bs[3:11] == b'NTFS    ', 'not NTFS'
        self.bps = u16(bs, 11)
        self.spc = bs[13]
        self.total_sectors = u64(bs, 40)
        self.mft_lcn = u64(bs, 48)
        self.mftmirr_lcn = u64(bs, 56)
        c = struct.unpack_from('<b', bs, 64)[0]
        self.csize = self.bps * self.spc
        self.recsize = (1 << -c) if c < 0 else c * self.csize
        self.serial = u64(bs, 72)
        self.total_clusters = self.total_sectors // self.spc
        # the $MFT's own extents, from record 0
        off0 = self.mft_lcn * self.csize
        rec0 = self.fixed(self.read(off0, self.recsize))
        data = [a for a in self.attrs(rec0) if a['type'] == 0x80][0]
        self.mft_runs = self.runs(rec0, data)
        self.mft_size = data['real_size']

    def read(self, off, n):
        self.f.seek(off)
        return self.f.read(n)

    def write(self, off, data):
        self.f.seek(off)
        self.f.write(data)

    def info(self):
        return ('bytes_per_sector=%d sectors_per_cluster=%d cluster_size=%d total_sectors=%d '
                'total_clusters=%d mft_lcn=%d mft_offset=%d mftmirr_lcn=%d record_size=%d '
                'mft_records=%d serial=0x%016x'
                % (self.bps, self.spc, self.csize, self.total_sectors, self.total_clusters,
                   self.mft_lcn, self.mft_lcn * self.csize, self.mftmirr_lcn, self.recsize,
                   self.mft_size // self.recsize, self.serial))

    def rec_off(self, n):
        """Volume byte offset of MFT record n (through the $MFT runlist)."""
        vbyte = n * self.recsize
        vcn = 0
        for lcn, length in self.mft_runs:
            if vbyte < (vcn + length) * self.csize:
                return lcn * self.csize + vbyte - vcn * self.csize
            vcn += length
        raise ValueError('record %d beyond $MFT' % n)

    def fixed(self, raw):
        """Apply the update sequence (fixups) to a raw record; checks each sector."""
        b = bytearray(raw)
        if b[0:4] != b'FILE':
            return None
        usa_ofs, usa_cnt = u16(b, 4), u16(b, 6)
        usn = b[usa_ofs:usa_ofs + 2]
        for i in range(1, usa_cnt):
            end = i * self.bps - 2
            if b[end:end + 2] != usn:
                return None
            b[end:end + 2] = b[usa_ofs + 2 * i:usa_ofs + 2 * i + 2]
        return b

    def unfixed(self, rec, raw):
        """Re-apply the update sequence to a (modified) fixed-up record."""
        b = bytearray(rec)
        usa_ofs, usa_cnt = u16(raw, 4), u16(raw, 6)
        usn = raw[usa_ofs:usa_ofs + 2]
        b[usa_ofs:usa_ofs + 2] = usn
        for i in range(1, usa_cnt):
            end = i * self.bps - 2
            b[usa_ofs + 2 * i:usa_ofs + 2 * i + 2] = b[end:end + 2]
            b[end:end + 2] = usn
        return bytes(b)

    def record(self, n):
        off = self.rec_off(n)
        raw = self.read(off, self.recsize)
        return off, raw, self.fixed(raw)

    def attrs(self, rec):
        out, o = [], u16(rec, 20)
        while o + 8 <= len(rec):
            t = u32(rec, o)
            if t == 0xFFFFFFFF:
                break
            ln = u32(rec, o + 4)
            a = {'type': t, 'off': o, 'len': ln, 'nonres': rec[o + 8],
                 'name': rec[o + u16(rec, o + 10):o + u16(rec, o + 10) + 2 * rec[o + 9]].decode('utf-16-le'),
                 'id': u16(rec, o + 14)}
            if a['nonres']:
                a['runlist_off'] = u16(rec, o + 32)
                a['real_size'] = u64(rec, o + 48)
            else:
                a['value_len'] = u32(rec, o + 16)
                a['value_off'] = u16(rec, o + 20)
            out.append(a)
            if ln == 0:
                break
            o += ln
        return out

    def runs(self, rec, a):
        """[(lcn, length)] of a non-resident attribute (no sparse runs expected here)."""
        o = a['off'] + a['runlist_off']
        out, lcn = [], 0
        while rec[o]:
            h = rec[o]
            ls, os_ = h & 15, h >> 4
            length = int.from_bytes(rec[o + 1:o + 1 + ls], 'little')
            delta = int.from_bytes(rec[o + 1 + ls:o + 1 + ls + os_], 'little', signed=True)
            lcn += delta
            out.append((lcn, length))
            o += 1 + ls + os_
        return out

    def names(self, rec):
        """[(attr, parent record, parent seq, namespace, name)] of the $FILE_NAME attributes."""
        out = []
        for a in self.attrs(rec):
            if a['type'] == 0x30:
                v = a['off'] + a['value_off']
                ref = u64(rec, v)
                nl, ns = rec[v + 64], rec[v + 65]
                out.append((a, ref & 0xFFFFFFFFFFFF, ref >> 48, ns,
                            rec[v + 66:v + 66 + 2 * nl].decode('utf-16-le')))
        return out

    def lookup(self, path):
        """Record number of PATH, following $FILE_NAME parent references from the root (5)."""
        table = {}
        for n in range(self.mft_size // self.recsize):
            try:
                _, _, rec = self.record(n)
            except ValueError:
                break
            if rec is None or not (u16(rec, 22) & 1):
                continue
            for _a, parent, _seq, ns, name in self.names(rec):
                if ns != 2:
                    table.setdefault((parent, name), n)
        cur = 5
        for comp in [p for p in path.split('/') if p]:
            if (cur, comp) not in table:
                sys.exit('not found: %s (at %s)' % (path, comp))
            cur = table[(cur, comp)]
        return cur

    def describe(self, n):
        off, raw, rec = self.record(n)
        lines = ['MFT record %d at volume byte offset %d (0x%x), sequence %d, flags 0x%04x, '
                 'update sequence array at record offset %d (%d entries), USN %s'
                 % (n, off, off, u16(rec, 16), u16(rec, 22), u16(raw, 4), u16(raw, 6),
                    raw[u16(raw, 4):u16(raw, 4) + 2].hex())]
        for a in self.attrs(rec):
            s = ('  attribute type 0x%x id %d name %r at record offset %d, length %d, %s'
                 % (a['type'], a['id'], a['name'], a['off'], a['len'],
                    'non-resident' if a['nonres'] else 'resident, %d bytes' % a['value_len']))
            if a['nonres']:
                s += ', runlist at attribute offset %d: %s, runs (lcn, clusters) %s' % (
                    a['runlist_off'], rec[a['off'] + a['runlist_off']:a['off'] + a['len']].hex(),
                    self.runs(rec, a))
            lines.append(s)
        for _a, parent, seq, ns, name in self.names(rec):
            lines.append('  $FILE_NAME %r namespace %d parent record %d sequence %d' % (name, ns, parent, seq))
        return '\n'.join(lines)

    def patch_record(self, n, changes, what):
        """changes: [(record offset, new bytes)] applied to the fixed-up record; the update
        sequence is re-applied so the record stays valid apart from the change."""
        off, raw, rec = self.record(n)
        new = bytearray(rec)
        for o, data in changes:
            new[o:o + len(data)] = data
        out = self.unfixed(new, raw)
        self.write(off, out)
        diffs = [i for i in range(len(raw)) if raw[i] != out[i]]
        # contiguous ranges
        ranges, start, prev = [], None, None
        for i in diffs:
            if start is None:
                start = prev = i
            elif i == prev + 1:
                prev = i
            else:
                ranges.append((start, prev)); start = prev = i
        if start is not None:
            ranges.append((start, prev))
        for a, b in ranges:
            print('  %s: record %d offset %d (volume byte offset %d, 0x%x): %s -> %s'
                  % (what, n, a, off + a, off + a, raw[a:b + 1].hex(), out[a:b + 1].hex()))

def ntfs_main(cmd, img, args):
    fs = Ntfs(img)
    if cmd == 'ntfs-info':
        print(fs.info())
    elif cmd == 'ntfs-lookup':              # ntfs-lookup PATH
        print(fs.lookup(args[0]))
    elif cmd == 'ntfs-describe':            # ntfs-describe PATH
        print(fs.describe(fs.lookup(args[0])))
    elif cmd == 'ntfs-fixup':               # ntfs-fixup PATH: break sector 2's update sequence number
        n = fs.lookup(args[0])
        off, raw, rec = fs.record(n)
        end = 2 * fs.bps - 2
        usn = raw[u16(raw, 4):u16(raw, 4) + 2]
        bad = bytes(x ^ 0xFF for x in usn)
        print('record %d: USN %s; the last two bytes of the record\'s second sector (record offset %d, '
              'volume byte offset %d = 0x%x) must equal it; set to %s'
              % (n, usn.hex(), end, off + end, off + end, bad.hex()))
        fs.write(off + end, bad)
        print('  byte offset %d (0x%x): %s -> %s' % (off + end, off + end, raw[end:end + 2].hex(), bad.hex()))
    elif cmd == 'ntfs-attrlen':             # ntfs-attrlen PATH: $DATA length past the record end
        n = fs.lookup(args[0])
        _off, _raw, rec = fs.record(n)
        a = [a for a in fs.attrs(rec) if a['type'] == 0x80 and a['name'] == ''][0]
        newlen = fs.recsize - a['off'] + 0x100
        print('record %d: unnamed $DATA attribute at record offset %d, length %d (ends at %d); '
              'length set to %d (0x%x), so it would end at record offset %d, past the %d-byte record'
              % (n, a['off'], a['len'], a['off'] + a['len'], newlen, newlen, a['off'] + newlen, fs.recsize))
        fs.patch_record(n, [(a['off'] + 4, struct.pack('<I', newlen))], '$DATA length (u32 LE)')
    elif cmd == 'ntfs-runlist':             # ntfs-runlist PATH: the data run's LCN past the end
        n = fs.lookup(args[0])
        _off, _raw, rec = fs.record(n)
        a = [a for a in fs.attrs(rec) if a['type'] == 0x80 and a['name'] == ''][0]
        assert a['nonres'], 'not non-resident'
        rr = fs.runs(rec, a)
        assert len(rr) == 1, 'expected a single data run, got %s' % rr
        lcn, length = rr[0]
        target = fs.total_clusters + 1000
        ls = (length.bit_length() + 7) // 8 or 1
        os_ = 1
        while not (-(1 << (8 * os_ - 1)) <= target < (1 << (8 * os_ - 1))):
            os_ += 1
        newrl = bytes([(os_ << 4) | ls]) + length.to_bytes(ls, 'little') + target.to_bytes(os_, 'little') + b'\0'
        ro = a['off'] + a['runlist_off']
        room = a['len'] - a['runlist_off']
        assert len(newrl) <= room, 'no room for the new runlist'
        newrl = newrl.ljust(room, b'\0')
        print('record %d: unnamed $DATA (non-resident) at record offset %d, runlist at record offset %d: '
              'one run of %d clusters at LCN %d; rewritten as %d clusters at LCN %d '
              '(the volume has %d clusters, 0..%d; the run ends at LCN %d)'
              % (n, a['off'], ro, length, lcn, length, target, fs.total_clusters,
                 fs.total_clusters - 1, target + length - 1))
        fs.patch_record(n, [(ro, newrl)], 'runlist')
    elif cmd == 'ntfs-late-times':          # ntfs-late-times THRESHOLD: stamps from the host clock
        thr = int(args[0])
        for n in range(fs.mft_size // fs.recsize):
            _off, _raw, rec = fs.record(n)
            if rec is None:
                continue
            for a in fs.attrs(rec):
                if a['type'] in (0x10, 0x30) and not a['nonres']:
                    v = a['off'] + a['value_off'] + (8 if a['type'] == 0x30 else 0)
                    for i in range(4):
                        t = u64(rec, v + 8 * i)
                        if t and (t - 116444736000000000) // 10**7 >= thr:
                            print('record %d attribute 0x%x time %d: %d' % (n, a['type'], i, t))
    elif cmd == 'ntfs-parentloop':          # ntfs-parentloop DIRA DIRB
        na, nb = fs.lookup(args[0]), fs.lookup(args[1])
        for me, other, name in ((na, nb, args[0]), (nb, na, args[1])):
            _off, _raw, rec_o = fs.record(other)
            seq = u16(rec_o, 16)
            _off, _raw, rec = fs.record(me)
            ch = []
            for a, parent, pseq, ns, nm in fs.names(rec):
                v = a['off'] + a['value_off']
                print('record %d (%s): $FILE_NAME %r (namespace %d) at record offset %d: parent '
                      'reference (u64 LE at record offset %d) record %d seq %d -> record %d seq %d'
                      % (me, name, nm, ns, a['off'], v, parent, pseq, other, seq))
                ch.append((v, struct.pack('<Q', other | (seq << 48))))
            fs.patch_record(me, ch, 'parent reference')
    else:
        sys.exit('unknown command ' + cmd)

# ------------------------------------------------------------------ ext2/3/4
class Ext:
    TIMES = (('atime', 8, 140), ('ctime', 12, 132), ('mtime', 16, 136), ('dtime', 20, None),
             ('crtime', 144, 148))

    def __init__(self, path):
        self.f = open(path, 'r+b')
        sb = self.sb = self.read(1024, 1024)
        assert u16(sb, 56) == 0xEF53, 'not ext'
        self.bs = 1024 << u32(sb, 24)
        self.first_data_block = u32(sb, 20)
        self.inodes_count = u32(sb, 0)
        self.incompat = u32(sb, 96)
        self.is64 = bool(self.incompat & 0x80)
        self.blocks = u32(sb, 4) | ((u32(sb, 0x150) << 32) if self.is64 else 0)
        self.bpg, self.ipg = u32(sb, 32), u32(sb, 40)
        self.isize = u16(sb, 88) if u32(sb, 76) >= 1 else 128
        self.desc_size = (u16(sb, 254) or 32) if self.is64 else 32
        self.ngroups = (self.blocks - self.first_data_block + self.bpg - 1) // self.bpg
        self.gdt_off = (self.first_data_block + 1) * self.bs

    def read(self, off, n):
        self.f.seek(off)
        return self.f.read(n)

    def write(self, off, data):
        self.f.seek(off)
        self.f.write(data)

    def info(self):
        return ('block_size=%d blocks=%d first_data_block=%d blocks_per_group=%d inodes=%d '
                'inodes_per_group=%d inode_size=%d groups=%d desc_size=%d 64bit=%s gdt_offset=%d'
                % (self.bs, self.blocks, self.first_data_block, self.bpg, self.inodes_count,
                   self.ipg, self.isize, self.ngroups, self.desc_size, self.is64, self.gdt_off))

    def itable(self, g):
        d = self.read(self.gdt_off + g * self.desc_size, self.desc_size)
        lo = u32(d, 8)
        hi = u32(d, 0x28) if self.desc_size >= 64 else 0
        return lo | (hi << 32)

    def inode_off(self, ino):
        g, i = divmod(ino - 1, self.ipg)
        return self.itable(g) * self.bs + i * self.isize, g, self.itable(g), i

    def inode(self, ino):
        return self.read(self.inode_off(ino)[0], self.isize)

    def extra_isize(self, raw):
        return u16(raw, 128) if self.isize > 128 else 0

    def where(self, ino):
        off, g, tb, i = self.inode_off(ino)
        return ('inode %d: group %d, inode table at block %d, index %d -> byte offset %d (0x%x); '
                'i_block (60 bytes) at byte offset %d (0x%x)' % (ino, g, tb, i, off, off, off + 40, off + 40))

def ext_main(cmd, img, args):
    fs = Ext(img)
    if cmd == 'ext-info':
        print(fs.info())
    elif cmd == 'ext-where':                # ext-where INO
        print(fs.where(int(args[0])))
    elif cmd == 'ext-get':
        print(getattr(fs, args[0]))
    elif cmd == 'ext-kbytes':
        print(u64(fs.sb, 0x178))
    elif cmd == 'ext-fix-times':            # ext-fix-times THRESHOLD EPOCH -> debugfs commands
        thr, t = int(args[0]), int(args[1])
        for ino in range(1, fs.inodes_count + 1):
            raw = fs.inode(ino)
            ex = fs.extra_isize(raw)
            for name, lo, extra in Ext.TIMES:
                if lo >= 128 and (128 + ex) < lo + 4:
                    continue
                if u32(raw, lo) >= thr:
                    print('sif <%d> %s @%d' % (ino, name, t))
                    if extra is not None and (128 + ex) >= extra + 4:
                        print('sif <%d> %s_extra 0' % (ino, name))
        # superblock: last mount, last write, first/last error times
        for name, o in (('mtime', 44), ('wtime', 48), ('first_error_time', 0x198),
                        ('last_error_time', 0x1cc), ('lastcheck', 64), ('mkfs_time', 0x108)):
            if u32(fs.sb, o) >= thr:
                print('ssv %s @%d' % (name, t))
        if fs.sb[0x88:0x88 + 64].strip(b'\0'):
            print('ssv last_mounted ""')
    elif cmd == 'ext-late-times':           # ext-late-times THRESHOLD: list stamps from the host clock
        thr = int(args[0])
        for ino in range(1, fs.inodes_count + 1):
            raw = fs.inode(ino)
            for name, lo, _extra in Ext.TIMES:
                if lo >= 128 and (128 + fs.extra_isize(raw)) < lo + 4:
                    continue
                if u32(raw, lo) >= thr:
                    print('inode %d %s %d' % (ino, name, u32(raw, lo)))
        for name, o in (('s_mtime', 44), ('s_wtime', 48), ('s_lastcheck', 64), ('s_mkfs_time', 0x108)):
            if u32(fs.sb, o) >= thr:
                print('superblock %s %d' % (name, u32(fs.sb, o)))
    elif cmd == 'ext-extent-loop':          # ext-extent-loop INO
        ino = int(args[0])
        off = fs.inode_off(ino)[0]
        raw = fs.inode(ino)
        ib = raw[40:100]
        magic, entries, mx, depth = struct.unpack_from('<HHHH', ib, 0)
        assert magic == 0xF30A and depth == 1 and entries == 1, \
            'expected a depth-1 tree with one index entry (magic %x depth %d entries %d)' % (magic, depth, entries)
        ei_block, lo, hi = struct.unpack_from('<IIH', ib, 12)
        leaf = lo | (hi << 32)
        loff = leaf * fs.bs
        lh = fs.read(loff, 12)
        lmagic, lent, lmax, ldepth = struct.unpack_from('<HHHH', lh, 0)
        assert lmagic == 0xF30A and ldepth == 0
        print(fs.where(ino))
        print('extent tree before: root in i_block: depth 1, 1 index entry (logical block %d -> '
              'block %d); block %d (byte offset %d, 0x%x) is the leaf: depth 0, %d extents'
              % (ei_block, leaf, leaf, loff, loff, lent))
        print('damage: the root depth is raised to 2 and block %d becomes an index node (depth 1) '
              'with one entry pointing at block %d itself' % (leaf, leaf))
        new_root = struct.pack('<H', 2)
        print('  root eh_depth (u16 LE at byte offset %d, 0x%x): %s -> %s'
              % (off + 40 + 6, off + 40 + 6, ib[6:8].hex(), new_root.hex()))
        fs.write(off + 40 + 6, new_root)
        new_hdr = struct.pack('<HHHH', 0xF30A, 1, lmax, 1)
        new_idx = struct.pack('<IIHH', 0, leaf & 0xFFFFFFFF, leaf >> 32, 0)
        old = fs.read(loff, 24)
        fs.write(loff, new_hdr)
        fs.write(loff + 12, new_idx)
        print('  block %d header (byte offset %d, 0x%x): %s -> %s (entries %d -> 1, depth 0 -> 1)'
              % (leaf, loff, loff, old[0:8].hex(), new_hdr.hex(), lent))
        print('  block %d first entry (byte offset %d, 0x%x): extent %s -> index %s '
              '(logical block 0 -> block %d)' % (leaf, loff + 12, loff + 12, old[12:24].hex(), new_idx.hex(), leaf))
        print('  the extent tail checksum of block %d and the inode checksum no longer match' % leaf)
    elif cmd == 'ext-extent-outside':       # ext-extent-outside INO
        ino = int(args[0])
        off = fs.inode_off(ino)[0]
        raw = fs.inode(ino)
        ib = raw[40:100]
        magic, entries, mx, depth = struct.unpack_from('<HHHH', ib, 0)
        assert magic == 0xF30A and depth == 0 and entries >= 1
        ee_block, ee_len, hi, lo = struct.unpack_from('<IHHI', ib, 12)
        start = lo | (hi << 32)
        target = fs.blocks + 1000
        print(fs.where(ino))
        print('extent tree before: depth 0 in i_block, %d extent(s); first: logical %d, %d blocks at '
              'block %d' % (entries, ee_block, ee_len, start))
        print('damage: the first extent\'s physical start set to block %d (the volume has %d blocks, '
              '0..%d)' % (target, fs.blocks, fs.blocks - 1))
        new = struct.pack('<HI', target >> 32, target & 0xFFFFFFFF)
        o = off + 40 + 12 + 6
        print('  ee_start_hi/ee_start_lo (byte offset %d, 0x%x): %s -> %s'
              % (o, o, ib[18:24].hex(), new.hex()))
        fs.write(o, new)
        print('  the inode checksum no longer matches')
    else:
        sys.exit('unknown command ' + cmd)

if __name__ == '__main__':
    cmd, img, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    (ntfs_main if cmd.startswith('ntfs-') else ext_main)(cmd, img, args)
PY
netool() { python3 "$NETOOL" "$@"; }
sha_of() { sha256sum <"$1" | cut -d' ' -f1; }

# --------------------------------------------------------------------------------------------
# 1. Source files. deleted-src-ntfs/ and deleted-src-ext/ are committed (the recovery ground
#    truth); everything else is written to build/ on each run.
# --------------------------------------------------------------------------------------------
gen_sources() {   # 1: also (re)write deleted-src-ntfs/ and deleted-src-ext/, 0: only build/
    python3 - "$1" "$BUILD" <<'PY'
import hashlib, os, sys
with_deleted, build = sys.argv[1] == '1', sys.argv[2]

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

if with_deleted:
    put('deleted-src-ntfs/deleted-small.txt',
        "A small NTFS file (resident: its data lives in the MFT record), deleted with rm.\n"
        + "".join("deleted-small line %02d\n" % i for i in range(8)))
    put('deleted-src-ntfs/deleted-large.bin', prng('ntfs deleted-large.bin', 20 * 1024 + 300))
    put('deleted-src-ntfs/Users/alice/Documents/deleted-in-subdir.txt',
        "Deleted from Users/alice/Documents on the NTFS volume.\n"
        + "".join("ntfs subdir line %02d\n" % i for i in range(60)))
    put('deleted-src-ntfs/OldDir/inside.txt', "A file inside OldDir, which was removed with rm -r.\n")

    put('deleted-src-ext/deleted-small.txt',
        "A small ext4 file, deleted by the kernel (loop mount, rm).\n"
        + "".join("deleted-small line %02d\n" % i for i in range(10)))
    put('deleted-src-ext/deleted-multi.bin', prng('ext deleted-multi.bin', 40 * 1024 + 77))
    put('deleted-src-ext/OldDir/inside.txt', "A file inside OldDir, which the kernel removed with rm -r.\n")
    put('deleted-src-ext/home/alice/docs/debugfs-deleted.txt',
        "Deleted with debugfs rm, which frees the blocks but keeps the extents.\n"
        + "".join("debugfs line %02d\n" % i for i in range(40)))

# ---- build-only sources (not committed: their hashes are in the ground truth)
n = build + '/src-ntfs/'
put(n + 'README.txt', "NTFS test volume of peel.\nThis file is small enough to be resident.\n")
put(n + 'empty.txt', b'')
put(n + 'Users/alice/Documents/report.txt',
    "Report\n======\n\nThis file carries an alternate data stream named 'secret'.\n"
    + "".join("report line %02d\n" % i for i in range(10)))
put(build + '/extra-ntfs/report.txt.secret',
    "Contents of the alternate data stream report.txt:secret.\n")
put(n + 'Users/alice/Documents/shared-notes.txt',
    "Shared notes: this file has two names (a hard link in Users/bob/Desktop).\n")
put(n + 'Users/alice/Documents/This is a rather long file name that goes well past the old eight dot three limit.txt',
    "A file with a long name (85 characters).\n")
put(n + 'Users/alice/Documents/\u00dcn\u00efc\u00f6d\u00e9 \u2603 snowman \U0001f389.txt',
    "Non-ASCII name: U+00DC U+00EF U+00F6 U+00E9, U+2603 (BMP), U+1F389 (a UTF-16 surrogate pair).\n")
put(n + 'Users/alice/Pictures/holiday-large.bin', prng('ntfs holiday-large.bin', 300 * 1024 + 123))
put(n + 'Long name with a DOS alias.txt',
    "This file has a Win32 name and a DOS 8.3 name (LONGNA~1.TXT), set with setfattr.\n")
put(n + 'Compressed/compressible.txt',
    "".join("line %05d of a compressible text file in a folder marked compressed\n" % i
            for i in range(1500)))
sp = bytearray(1024 * 1024)
msg = b'sparse: these bytes are in the middle of a 1 MiB file, the rest is a hole'
sp[512 * 1024:512 * 1024 + len(msg)] = msg
put(build + '/extra-ntfs/sparse.bin', bytes(sp))

e = build + '/src-ext/'
put(e + 'README.txt', "ext4 test volume of peel.\n")
put(e + 'empty.txt', b'')
put(e + 'home/alice/docs/nanotime.txt', "This file's mtime has nanoseconds: 10:00:00.123456789.\n")
put(e + 'home/alice/docs/This is a rather long file name that goes well past the old eight dot three limit.txt',
    "A file with a long name (85 characters).\n")
put(e + 'home/alice/docs/\u00dcn\u00efc\u00f6d\u00e9 \u2603 snowman \U0001f389.txt',
    "Non-ASCII name (UTF-8 on disk).\n")
put(e + 'home/alice/docs/shared.txt', "This file has two names (a hard link in home/bob).\n")
put(e + 'home/alice/multi-block.bin', prng('ext multi-block.bin', 200 * 1024 + 45))
put(e + 'home/alice/reports/2024/q1.txt',
    "".join("ext q1 line %03d\n" % i for i in range(50)))

x = build + '/src-ext2/'
put(x + 'README.txt', "ext2 test volume of peel (1 KiB blocks, block-mapped files).\n")
put(x + 'docs/small.txt', "A one-block file.\n")
put(x + 'docs/indirect.bin', prng('ext2 indirect.bin', 20 * 1024 + 5))
put(x + 'docs/double-indirect.txt',
    "".join("double-indirect file, line %06d, padded to a fixed width ...........\n" % i
            for i in range(4400)))
x = build + '/src-ext3/'
put(x + 'README.txt', "ext3 test volume of peel (1 KiB blocks, journal).\n")
put(x + 'docs/small.txt', "A one-block file.\n")
put(x + 'docs/indirect.bin', prng('ext3 indirect.bin', 30 * 1024 + 7))

d = build + '/src-damaged/'
put(d + 'README.txt', "Damaged-image test volume of peel.\n")
put(d + 'fixup.txt', "The MFT record of this file gets a broken update sequence.\n")
put(d + 'attrlen.txt', "The $DATA attribute of this file gets a length past the record end.\n")
put(d + 'runlist.bin', prng('damaged runlist.bin', 12 * 1024 + 11))
put(d + 'LoopA/in-a.txt', "A file in LoopA.\n")
put(d + 'LoopB/in-b.txt', "A file in LoopB.\n")
put(d + 'ext/README.txt', "Damaged-image test volume of peel (ext4).\n")
put(d + 'ext/docs/note.txt', "An intact file in a folder.\n")
put(d + 'ext/outside.bin', prng('damaged outside.bin', 3 * 4096 + 100))
# a sparse file whose 8 data blocks are separated by holes: 8 extents, more than the 4 that fit
# in the inode, so mke2fs gives it a depth-1 extent tree
with open(d + 'ext/fragmented.bin', 'wb') as f:
    for i in range(8):
        f.seek(i * 2 * 4096)
        f.write(("fragmented.bin data block %d of 8 (logical block %d)\n" % (i + 1, 2 * i)).encode().ljust(4096, b'.'))
PY
}

log "source files"
if [ "$REGEN_SOURCES" = 1 ] || [ ! -d deleted-src-ntfs ] || [ ! -d deleted-src-ext ]; then
    rm -rf deleted-src-ntfs deleted-src-ext
    gen_sources 1
else
    gen_sources 0
fi
# files shared with the FAT images
mkdir -p "$BUILD/src-ntfs/Users/alice/Documents/Reports/2024" "$BUILD/src-ext/home/alice/docs"
cp tree/Documents/Reports/2024/q1-summary.txt "$BUILD/src-ntfs/Users/alice/Documents/Reports/2024/"
cp $'tree/Documents/na\xc3\xafve caf\xc3\xa9 notes.txt' "$BUILD/src-ntfs/Users/alice/Documents/"
cp $'tree/Documents/na\xc3\xafve caf\xc3\xa9 notes.txt' "$BUILD/src-ext/home/alice/docs/"

# path|mtime (UTC); directories get 2024-03-15 09:00:00
MTIMES_NE=(
    'deleted-src-ntfs/deleted-small.txt|2024-03-18 11:21:10'
    'deleted-src-ntfs/deleted-large.bin|2024-03-18 11:22:20'
    'deleted-src-ntfs/Users/alice/Documents/deleted-in-subdir.txt|2024-03-18 11:23:30'
    'deleted-src-ntfs/OldDir/inside.txt|2024-03-18 11:24:40'
    'deleted-src-ext/deleted-small.txt|2024-03-18 11:31:10'
    'deleted-src-ext/deleted-multi.bin|2024-03-18 11:32:20'
    'deleted-src-ext/OldDir/inside.txt|2024-03-18 11:33:30'
    'deleted-src-ext/home/alice/docs/debugfs-deleted.txt|2024-03-18 11:34:40'
    'build/ntfs-ext/src-ntfs/README.txt|2024-03-15 10:00:00'
    'build/ntfs-ext/src-ntfs/empty.txt|2024-03-15 10:00:02'
    'build/ntfs-ext/src-ntfs/Users/alice/Documents/report.txt|2024-03-16 14:30:00'
    'build/ntfs-ext/src-ntfs/Users/alice/Documents/shared-notes.txt|2024-03-16 14:31:00'
    'build/ntfs-ext/src-ntfs/Users/alice/Documents/This is a rather long file name that goes well past the old eight dot three limit.txt|2023-11-05 08:00:00'
    $'build/ntfs-ext/src-ntfs/Users/alice/Documents/\xc3\x9cn\xc3\xafc\xc3\xb6d\xc3\xa9 \xe2\x98\x83 snowman \xf0\x9f\x8e\x89.txt|2023-12-24 18:30:44'
    $'build/ntfs-ext/src-ntfs/Users/alice/Documents/na\xc3\xafve caf\xc3\xa9 notes.txt|2023-12-24 18:30:44'
    'build/ntfs-ext/src-ntfs/Users/alice/Documents/Reports/2024/q1-summary.txt|2024-04-02 09:15:30'
    'build/ntfs-ext/src-ntfs/Users/alice/Pictures/holiday-large.bin|2023-08-19 14:22:06'
    'build/ntfs-ext/src-ntfs/Long name with a DOS alias.txt|2024-03-15 10:00:04'
    'build/ntfs-ext/src-ntfs/Compressed/compressible.txt|2024-03-15 10:00:06'
    'build/ntfs-ext/extra-ntfs/sparse.bin|2024-03-15 10:00:08'
    'build/ntfs-ext/src-ext/README.txt|2024-03-15 10:00:00'
    'build/ntfs-ext/src-ext/empty.txt|2024-03-15 10:00:02'
    'build/ntfs-ext/src-ext/home/alice/docs/nanotime.txt|2024-03-15 10:00:00.123456789'
    'build/ntfs-ext/src-ext/home/alice/docs/This is a rather long file name that goes well past the old eight dot three limit.txt|2023-11-05 08:00:00.5'
    $'build/ntfs-ext/src-ext/home/alice/docs/\xc3\x9cn\xc3\xafc\xc3\xb6d\xc3\xa9 \xe2\x98\x83 snowman \xf0\x9f\x8e\x89.txt|2023-12-24 18:30:44.000000001'
    $'build/ntfs-ext/src-ext/home/alice/docs/na\xc3\xafve caf\xc3\xa9 notes.txt|2023-12-24 18:30:44'
    'build/ntfs-ext/src-ext/home/alice/docs/shared.txt|2024-03-16 14:31:00'
    'build/ntfs-ext/src-ext/home/alice/multi-block.bin|2023-08-19 14:22:06.999999999'
    'build/ntfs-ext/src-ext/home/alice/reports/2024/q1.txt|2024-04-02 09:15:30'
    'build/ntfs-ext/src-ext2/README.txt|2024-03-15 10:00:00'
    'build/ntfs-ext/src-ext2/docs/small.txt|2024-03-15 10:00:02'
    'build/ntfs-ext/src-ext2/docs/indirect.bin|2024-03-15 10:00:04'
    'build/ntfs-ext/src-ext2/docs/double-indirect.txt|2024-03-15 10:00:06'
    'build/ntfs-ext/src-ext3/README.txt|2024-03-15 10:00:00'
    'build/ntfs-ext/src-ext3/docs/small.txt|2024-03-15 10:00:02'
    'build/ntfs-ext/src-ext3/docs/indirect.bin|2024-03-15 10:00:04'
)
for e in "${MTIMES_NE[@]}"; do
    [ -e "${e%%|*}" ] || die "missing source ${e%%|*} (run with --sources)"
    touch -d "${e#*|} UTC" "${e%%|*}"
done
find deleted-src-ntfs deleted-src-ext -type d -exec touch -d '2024-03-15 09:00:00 UTC' {} +
# mke2fs -d copies extended attributes of the source files: there must be none
if getfattr -R -d -m - "$BUILD/src-ext" deleted-src-ext 2>/dev/null | grep -q .; then
    die "source files carry extended attributes"
fi

# --------------------------------------------------------------------------------------------
# 2. Ground-truth helpers
# --------------------------------------------------------------------------------------------
TRUTHPY=$BUILD/truth.py
cat >"$TRUTHPY" <<'PY'
"""Build files.tsv from fls output, the bodyfile, icat and the build manifest (NTFS, ext)."""
import hashlib, re, subprocess, sys

img, offset, fls_path, body_path, manifest_path, out_path, errs_path, deleted_path = sys.argv[1:9]

def sha_file(p):
    with open(p, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()

# manifest: path TAB source TAB status (allocated|deleted|deleted-dir) TAB inode TAB how deleted
manifest, dirs = [], []
with open(manifest_path, encoding='utf-8') as f:
    for line in f:
        p, src, status, ino, how = line.rstrip('\n').split('\t')
        e = {'path': p, 'src': src, 'status': status, 'ino': ino, 'how': how, 'seen': False,
             'listed': []}
        (dirs if status == 'deleted-dir' else manifest).append(e)

sizes = {}
with open(body_path, encoding='utf-8') as f:
    for line in f:
        parts = line.rstrip('\n').split('|')
        sizes.setdefault(parts[2], parts[6])

def system_path(path):
    return path.startswith('$') and not path.startswith('$OrphanFiles/')

def find_source(path, deleted, inode):
    for m in manifest:
        if m['path'] == path and (m['status'] != 'allocated') == deleted:
            return m
    if deleted:   # names lost (kernel delete in ext4): by inode number
        base = inode.split('-')[0]
        for m in manifest:
            if m['status'] != 'allocated' and m['ino'] == base:
                return m
    return None

rx = re.compile(r'^(\S+/\S+) (\* )?([0-9-]+)(\(realloc\))?:\t(.*)$')
rows, errors, icat_notes = [], [], []
with open(fls_path, encoding='utf-8') as f:
    for line in f:
        m = rx.match(line.rstrip('\n'))
        if not m:
            errors.append('unparsed fls line: %r' % line)
            continue
        typ, deleted, inode, path = m.group(1), bool(m.group(2)), m.group(3), m.group(5)
        if typ.split('/')[1] == 'd' and deleted:
            for d in dirs:
                if d['path'] == path or d['ino'] == inode.split('-')[0]:
                    d['listed'].append((inode, typ, path))
        if typ.split('/')[1] != 'r':
            continue        # directories, links, virtual entries
        r = subprocess.run(['icat', '-o', offset, img, inode], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if r.returncode or r.stderr:
            icat_notes.append('icat -o %s IMG %s (%s): exit %d, %d bytes, stderr: %s'
                              % (offset, inode, path, r.returncode, len(r.stdout),
                                 r.stderr.decode('utf-8', 'replace').strip()))
        sha = hashlib.sha256(r.stdout).hexdigest()
        size = sizes.get(inode, '')
        src = None if system_path(path) else find_source(path, deleted, inode)
        if src is None:
            if not deleted and not system_path(path):
                errors.append('no source file known for allocated entry %s %r' % (inode, path))
            recoverable = 'n/a'     # file-system metadata files, unused MFT records
        else:
            src['seen'] = True
            src['listed'].append((inode, typ, path))
            same = sha == sha_file(src['src'])
            recoverable = 'yes' if same else 'no'
            if not deleted and not same:
                errors.append('allocated file %r: icat sha256 differs from %s' % (path, src['src']))
            if deleted and not same:
                print('note: deleted %r (%s) is not recoverable by icat' % (path, inode), file=sys.stderr)
        rows.append((inode, 'yes' if deleted else 'no', typ, size, path, sha, recoverable))

for m in manifest:
    if not m['seen']:
        if m['status'] == 'allocated':
            errors.append('fls does not list %s' % m['path'])
        else:
            print('note: fls does not list deleted %s (inode %s)' % (m['path'], m['ino']), file=sys.stderr)
with open(out_path, 'w', encoding='utf-8') as f:
    f.write('inode\tdeleted\ttype\tsize\tpath\tsha256\trecoverable\n')
    for r in rows:
        f.write('\t'.join(r) + '\n')
# the deleted files and folders as they were before deletion, and how TSK lists them
with open(deleted_path, 'w', encoding='utf-8') as f:
    f.write('inode\toriginal_path\tdeleted_by\tsource_sha256\ttsk_listing\trecoverable\n')
    for m in sorted([m for m in manifest if m['status'] != 'allocated'] + dirs,
                    key=lambda m: int(m['ino'])):
        listed = '; '.join('%s %s %s' % l for l in m['listed']) or '-'
        if m['status'] == 'deleted-dir':
            shas, rec = '-', 'n/a'
        else:
            shas = sha_file(m['src'])
            recs = [r[6] for r in rows if r[1] == 'yes' and m['listed'] and r[0] == m['listed'][0][0]]
            rec = recs[0] if recs else 'no'
        f.write('%s\t%s%s\t%s\t%s\t%s\t%s\n' % (m['ino'], m['path'], '/' if m['status'] == 'deleted-dir' else '',
                                                  m['how'], shas, listed, rec))
if icat_notes:
    with open(errs_path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(icat_notes) + '\n')
alloc = [r for r in rows if r[1] == 'no' and r[6] != 'n/a']
dele = [r for r in rows if r[1] == 'yes']
print('%s: %d allocated files (+%d metadata), %d deleted entries (%d with a known source, '
      '%d recoverable)'
      % (out_path.rsplit('/', 1)[-1], len(alloc), sum(1 for r in rows if r[1] == 'no') - len(alloc),
         len(dele), sum(1 for r in dele if r[6] != 'n/a'), sum(1 for r in dele if r[6] == 'yes')),
      file=sys.stderr)
if errors:
    sys.exit('\n'.join(errors))
PY

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
inode_of() {   # FLS-OUTPUT PATH -> inode (address) fls gave for PATH (first match)
    awk -F'\t' -v p="$2" '$2 == p { n = split($1, a, " "); sub(":", "", a[n]); sub(/\(realloc\)/, "", a[n]); print a[n]; exit }' "$1"
}

# fsstat, fls, bodyfile, files.tsv and an istat of every deleted entry and of the named ones
truth_volume() {   # IMG START PREFIX OUTDIR MANIFEST [NAME=PATH ...]
    local img=$1 start=$2 pre=$3 out=$4 man=$5 rc; shift 5
    local fsstat_name=fsstat-$pre.txt
    [ "$pre" = "" ] && fsstat_name=fsstat.txt
    local p=${pre:+$pre.}
    fsstat -o "$start" "$img" >"$out/$fsstat_name"
    for what in fls body; do
        set +e
        if [ $what = fls ]; then
            fls -r -p -o "$start" "$img" >"$out/${p}fls.txt" 2>"$BUILD/tsk.err"
        else
            fls -r -m / -o "$start" "$img" >"$out/${p}body.txt" 2>"$BUILD/tsk.err"
        fi
        rc=$?
        set -e
        if [ $rc != 0 ] || [ -s "$BUILD/tsk.err" ]; then
            { echo "exit $rc"; sed "s|$TD/||g" "$BUILD/tsk.err"; } >"$out/${p}$what.stderr.txt"
        fi
    done
    # unallocated space as TSK's blkls gives it: byte count and SHA-256
    printf '%s %s\n' "$(blkls -o "$start" "$img" | wc -c)" "$(blkls -o "$start" "$img" | sha256sum | cut -d' ' -f1)" \
        >"$out/${p}blkls.txt"
    python3 "$TRUTHPY" "$img" "$start" "$out/${p}fls.txt" "$out/${p}body.txt" "$man" \
        "$out/${p}files.tsv" "$out/${p}icat-stderr.txt" "$out/${p}deleted.tsv"
    # istat of each deleted entry (files and directories), once per inode / MFT record
    local ino
    while IFS= read -r ino; do
        istat -o "$start" "$img" "$ino" >"$out/${p}istat-$ino.txt" 2>&1 || echo "exit $?" >>"$out/${p}istat-$ino.txt"
    done < <(sed -nE 's/^[^ ]+ \* ([0-9]+)[-0-9]*(\(realloc\))?:\t.*/\1/p' "$out/${p}fls.txt" | sort -un)
    local spec name path
    for spec in "$@"; do
        name=${spec%%=*}; path=${spec#*=}
        if [ "${path#@}" != "$path" ]; then
            ino=${path#@}
        else
            ino=$(inode_of "$out/${p}fls.txt" "$path")
        fi
        [ -n "$ino" ] || die "no inode for $path in ${p}fls.txt"
        istat -o "$start" "$img" "${ino%%-*}" >"$out/${p}istat-$name.txt"
    done
}

# manifest lines
man_add() {   # MANIFEST PATH SOURCE STATUS [INODE HOW]  (STATUS: allocated, deleted, deleted-dir)
    printf '%s\t%s\t%s\t%s\t%s\n' "$2" "$3" "$4" "${5:-}" "${6:-}" >>"$1"
}
ntfs_check_times() {   # IMG
    local late; late=$(netool ntfs-late-times "$1" "$REAL_T0")
    [ -z "$late" ] || die "host-clock stamps in $1: $late"
}

# ext: put every time stamp that came from the host clock (ctime of the copied files, stamps
# written by the kernel) to a fixed time, and fail if one is left
ext_fix_times() {   # IMG WHEN
    local img=$1 t; t=$(epoch "$2")
    netool ext-fix-times "$img" "$REAL_T0" "$t" >"$BUILD/fix-times.cmds"
    if [ -s "$BUILD/fix-times.cmds" ]; then
        E2FSPROGS_FAKE_TIME=$t debugfs -w -f "$BUILD/fix-times.cmds" "$img" >/dev/null 2>"$BUILD/debugfs.err" ||
            { cat "$BUILD/debugfs.err" >&2; die "debugfs failed on $img"; }
        grep -v '^debugfs [0-9]' "$BUILD/debugfs.err" >&2 || true
    fi
    local late; late=$(netool ext-late-times "$img" "$REAL_T0")
    [ -z "$late" ] || die "host-clock stamps left in $img: $late"
}
ext_ino() {   # IMG PATH -> inode number
    debugfs -R "stat \"$2\"" "$1" 2>/dev/null | sed -nE '1s/^Inode: ([0-9]+) .*/\1/p'
}

# --------------------------------------------------------------------------------------------
# 3. gpt-ntfs-ext: p1 NTFS
# --------------------------------------------------------------------------------------------
log "gpt-ntfs-ext p1: NTFS"
N1_START=2048;  N1_END=34815     # 16 MiB NTFS
N2_START=34816; N2_END=67583     # 16 MiB ext4
NDISK_SECTORS=81920              # 40 MiB
P1=$BUILD/p1.img
MAN1=$BUILD/p1.manifest
: >"$MAN1"
truncate -s $(((N1_END - N1_START + 1) * 512)) "$P1"
faketime -f "$T_MKFS" mkntfs -F -f -q -L NTFSVOL -s 512 -c 4096 -p $N1_START -H 255 -S 63 "$P1" \
    >"$BUILD/mkntfs.log" 2>&1 || { cat "$BUILD/mkntfs.log" >&2; die "mkntfs failed"; }
echo "p1: $(netool ntfs-info "$P1")" >&2

# phase 1: the main tree, in byte-wise sorted path order
SRC=$BUILD/src-ntfs
ntfs_mount "$P1" "$T_COPY"
while IFS= read -r -d '' p; do
    rel=${p#"$SRC"/}
    if [ -d "$p" ]; then
        mkdir "$MNT/$rel"
        if [ "$rel" = Compressed ]; then
            # FILE_ATTRIBUTE_COMPRESSED (0x800) on a folder: ntfs-3g compresses new files in it
            setfattr -h -v 0x00000810 -n system.ntfs_attrib_be "$MNT/$rel"
        fi
    else
        cp --preserve=timestamps "$p" "$MNT/$rel"
        man_add "$MAN1" "$rel" "$p" allocated
    fi
done < <(find "$SRC" -mindepth 1 -print0 | LC_ALL=C sort -z)
# alternate data stream, then the file's mtime again
cat "$BUILD/extra-ntfs/report.txt.secret" >"$MNT/Users/alice/Documents/report.txt:secret"
touch -m -r "$SRC/Users/alice/Documents/report.txt" "$MNT/Users/alice/Documents/report.txt"
man_add "$MAN1" Users/alice/Documents/report.txt:secret "$BUILD/extra-ntfs/report.txt.secret" allocated
# hard link: a second $FILE_NAME in the same MFT record
mkdir -p "$MNT/Users/bob/Desktop"
ln "$MNT/Users/alice/Documents/shared-notes.txt" "$MNT/Users/bob/Desktop/link to shared notes.txt"
man_add "$MAN1" 'Users/bob/Desktop/link to shared notes.txt' "$SRC/Users/alice/Documents/shared-notes.txt" allocated
# DOS 8.3 name
setfattr -h -v 'LONGNA~1.TXT' -n system.ntfs_dos_name "$MNT/Long name with a DOS alias.txt"
touch -m -r "$SRC/Long name with a DOS alias.txt" "$MNT/Long name with a DOS alias.txt"
# sparse file: 1 MiB, a few bytes written in the middle
truncate -s 1M "$MNT/sparse.bin"
dd if="$BUILD/extra-ntfs/sparse.bin" of="$MNT/sparse.bin" bs=4096 skip=128 seek=128 count=1 conv=notrunc status=none
touch -m -r "$BUILD/extra-ntfs/sparse.bin" "$MNT/sparse.bin"
man_add "$MAN1" sparse.bin "$BUILD/extra-ntfs/sparse.bin" allocated
[ "$(getfattr -h --only-values -e hex -n system.ntfs_dos_name "$MNT/Long name with a DOS alias.txt" 2>/dev/null)" != "" ] ||
    die "the DOS name was not set"
ntfs_umount

# phase 2: the files that will be deleted
DS=deleted-src-ntfs
ntfs_mount "$P1" "$T_COPY2"
cp --preserve=timestamps $DS/deleted-small.txt "$MNT/deleted-small.txt"
cp --preserve=timestamps $DS/deleted-large.bin "$MNT/deleted-large.bin"
cp --preserve=timestamps $DS/Users/alice/Documents/deleted-in-subdir.txt "$MNT/Users/alice/Documents/deleted-in-subdir.txt"
mkdir "$MNT/OldDir"
cp --preserve=timestamps $DS/OldDir/inside.txt "$MNT/OldDir/inside.txt"
NTFS_DEL=(deleted-small.txt deleted-large.bin Users/alice/Documents/deleted-in-subdir.txt OldDir/inside.txt)
declare -A NTFS_REC=()
for f in "${NTFS_DEL[@]}" OldDir; do NTFS_REC[$f]=$(stat -c %i "$MNT/$f"); done
ntfs_umount
for f in "${NTFS_DEL[@]}"; do
    [ "$(netool ntfs-lookup "$P1" "$f")" = "${NTFS_REC[$f]}" ] || die "MFT record of $f mismatch"
    man_add "$MAN1" "$f" "$DS/$f" deleted "${NTFS_REC[$f]}" ntfs-3g
done
man_add "$MAN1" OldDir - deleted-dir "${NTFS_REC[OldDir]}" ntfs-3g

# phase 3: deletions; nothing is written after them
ntfs_mount "$P1" "$T_DEL1"
rm "$MNT/deleted-small.txt" "$MNT/deleted-large.bin" "$MNT/Users/alice/Documents/deleted-in-subdir.txt"
rm -r "$MNT/OldDir"
ntfs_umount
ntfs_check_times "$P1"
grep -vE '^(Version|Requested device|Mounted|Cmdline options|Mount options|Ownership|Unmounting)' \
    "$BUILD/ntfs-3g.log" >&2 || true

# --------------------------------------------------------------------------------------------
# 4. gpt-ntfs-ext: p2 ext4
# --------------------------------------------------------------------------------------------
log "gpt-ntfs-ext p2: ext4"
P2=$BUILD/p2.img
MAN2=$BUILD/p2.manifest
: >"$MAN2"
SRC=$BUILD/src-ext
# the files that will be deleted are part of the tree that mke2fs copies
cp -r --preserve=timestamps deleted-src-ext/. "$SRC/"
# links: fast symlink (target in the inode), slow symlink (target > 60 bytes, in a block), hard link
ln -s docs/shared.txt "$SRC/home/alice/link-fast"
ln -s '../alice/docs/This is a rather long file name that goes well past the old eight dot three limit.txt' \
    "$SRC/home/alice/link-slow"
mkdir -p "$SRC/home/bob"
ln "$SRC/home/alice/docs/shared.txt" "$SRC/home/bob/shared-link.txt"
touch -h -d '2024-03-16 14:32:00 UTC' "$SRC/home/alice/link-fast" "$SRC/home/alice/link-slow"
find "$SRC" -type d -exec touch -d '2024-03-15 09:00:00 UTC' {} +
while IFS= read -r -d '' p; do
    [ -e "deleted-src-ext/${p#"$SRC"/}" ] && continue
    man_add "$MAN2" "${p#"$SRC"/}" "$p" allocated
done < <(find "$SRC" -type f -print0 | LC_ALL=C sort -z)
E2FSPROGS_FAKE_TIME=$(epoch "$T_COPY") mke2fs -q -t ext4 -b 4096 -L EXT4VOL \
    -U 7065656c-6578-7434-8000-000000000002 \
    -E root_owner=0:0,hash_seed=7065656c-6578-7434-8000-0000000000a2,lazy_itable_init=0,lazy_journal_init=0 \
    -d "$SRC" "$P2" $(((N2_END - N2_START + 1) / 8)) >"$BUILD/mke2fs-p2.log" 2>&1 ||
    { cat "$BUILD/mke2fs-p2.log" >&2; die "mke2fs p2 failed"; }
ext_fix_times "$P2" "$T_COPY"
# nanosecond mtimes (mke2fs -d keeps whole seconds only): copy the source's nanoseconds
{ while IFS= read -r -d '' p; do
      ns=$(stat -c %y "$p" | sed -E 's/.*\.([0-9]{9}).*/\1/')
      [ "$ns" = 000000000 ] && continue
      printf 'sif "/%s" mtime_extra %d\n' "${p#"$SRC"/}" $(( 10#$ns << 2 ))
  done < <(find "$SRC" -type f -print0 | LC_ALL=C sort -z); } >"$BUILD/ns.cmds"
E2FSPROGS_FAKE_TIME=$(epoch "$T_COPY") debugfs -w -f "$BUILD/ns.cmds" "$P2" >/dev/null 2>"$BUILD/debugfs.err"
grep -v '^debugfs [0-9]' "$BUILD/debugfs.err" >&2 || true
echo "p2: $(netool ext-info "$P2")" >&2
debugfs -R 'stat /home/alice/docs/nanotime.txt' "$P2" 2>/dev/null | grep -q 'mtime: 0x65f41c20:1d6f3454' ||
    die "nanosecond mtime not set"

# (a) kernel deletes: loop mount without the journal (noload), so the journal stays as mke2fs
# wrote it and the result does not depend on when jbd2 commits
declare -A EXT_INO=()
for f in deleted-small.txt deleted-multi.bin OldDir OldDir/inside.txt home/alice/docs/debugfs-deleted.txt; do
    EXT_INO[$f]=$(ext_ino "$P2" "/$f")
    [ -n "${EXT_INO[$f]}" ] || die "no inode for $f"
done
KB_BEFORE=$(netool ext-kbytes "$P2")
mount -o loop,noload,noatime,noinit_itable "$P2" "$MNT"
rm "$MNT/deleted-small.txt" "$MNT/deleted-multi.bin"
rm -r "$MNT/OldDir"
umount "$MNT"
# the kernel stamped dtime, ctime/mtime of the changed directories and the superblock's
# mount/write times with the host clock: set them to T_DEL1; the lifetime-writes counter, which
# depends on how often the kernel flushed, is set back to its value before the mount
ext_fix_times "$P2" "$T_DEL1"
E2FSPROGS_FAKE_TIME=$(epoch "$T_DEL1") debugfs -w -R "ssv kbytes_written $KB_BEFORE" "$P2" 2>/dev/null
# (b) debugfs rm: frees the inode and blocks, leaves the extents in place
E2FSPROGS_FAKE_TIME=$(epoch "$T_DEL2") debugfs -w -R 'rm /home/alice/docs/debugfs-deleted.txt' "$P2" 2>/dev/null
ext_fix_times "$P2" "$T_DEL2"
for f in deleted-small.txt deleted-multi.bin OldDir/inside.txt; do
    man_add "$MAN2" "$f" "deleted-src-ext/$f" deleted "${EXT_INO[$f]}" kernel
done
man_add "$MAN2" OldDir - deleted-dir "${EXT_INO[OldDir]}" kernel
man_add "$MAN2" home/alice/docs/debugfs-deleted.txt deleted-src-ext/home/alice/docs/debugfs-deleted.txt \
    deleted "${EXT_INO[home/alice/docs/debugfs-deleted.txt]}" debugfs

# --------------------------------------------------------------------------------------------
# 5. Assemble the GPT disk and record the ground truth
# --------------------------------------------------------------------------------------------
log "assembling gpt-ntfs-ext"
DISK=$BUILD/gpt-ntfs-ext.img
truncate -s $((NDISK_SECTORS * 512)) "$DISK"
sgdisk -o -U 7065656C-6E65-7800-8000-000000000000 \
    -n 1:$N1_START:$N1_END -t 1:0700 -c 1:'peel NTFS' -u 1:7065656C-6E65-7800-8000-000000000001 \
    -n 2:$N2_START:$N2_END -t 2:8300 -c 2:'peel ext4' -u 2:7065656C-6E65-7800-8000-000000000002 \
    "$DISK" >"$BUILD/sgdisk.log"
dd if="$P1" of="$DISK" bs=512 seek=$N1_START conv=notrunc status=none
dd if="$P2" of="$DISK" bs=512 seek=$N2_START conv=notrunc status=none

log "ground truth for gpt-ntfs-ext"
NT=$TRUTH/gpt-ntfs-ext
rm -rf "$NT"; mkdir -p "$NT"
mmls "$DISK" >"$NT/mmls.txt"
sgdisk -p "$DISK" | sed "s|$TD/||g" >"$NT/sgdisk-p.txt"
grep -qE "^[0-9]+:  [0-9]+ +0*$N1_START " "$NT/mmls.txt" || die "mmls does not show p1 at $N1_START"
grep -qE "^[0-9]+:  [0-9]+ +0*$N2_START " "$NT/mmls.txt" || die "mmls does not show p2 at $N2_START"
truth_volume "$DISK" $N1_START p1 "$NT" "$MAN1" \
    resident=README.txt empty=empty.txt ads=Users/alice/Documents/report.txt \
    hardlink=Users/alice/Documents/shared-notes.txt dosname='Long name with a DOS alias.txt' \
    sparse=sparse.bin compressed=Compressed/compressible.txt \
    large=Users/alice/Pictures/holiday-large.bin \
    $'unicode=Users/alice/Documents/\xc3\x9cn\xc3\xafc\xc3\xb6d\xc3\xa9 \xe2\x98\x83 snowman \xf0\x9f\x8e\x89.txt' \
    root=@5 mft=@0
grep -q '^File System Type: NTFS$' "$NT/fsstat-p1.txt" || die "TSK does not see NTFS in p1"
truth_volume "$DISK" $N2_START p2 "$NT" "$MAN2" \
    fastlink=home/alice/link-fast slowlink=home/alice/link-slow hardlink=home/alice/docs/shared.txt \
    nanotime=home/alice/docs/nanotime.txt multiblock=home/alice/multi-block.bin empty=empty.txt \
    root=@2
grep -q '^File System Type: Ext4$' "$NT/fsstat-p2.txt" || die "TSK does not see ext4 in p2"
(cd "$BUILD" && sha256sum gpt-ntfs-ext.img) >"$NT/gpt-ntfs-ext.sha256"
gzip -9n -c "$DISK" >"$IMAGES/gpt-ntfs-ext.img.gz"

# --------------------------------------------------------------------------------------------
# 6. ext2 and ext3 volumes (no partition table)
# --------------------------------------------------------------------------------------------
build_extN() {   # N LABEL UUID HASH-SEED EXTRA-MKE2FS-ARGS...
    local n=$1 label=$2 uuid=$3 seed=$4; shift 4
    log "ext$n"
    local img=$BUILD/ext$n.img src=$BUILD/src-ext$n man=$BUILD/ext$n.manifest out=$TRUTH/ext$n
    : >"$man"
    cp --preserve=timestamps deleted-src-ext/deleted-multi.bin "$src/deleted-multi.bin"
    find "$src" -type d -exec touch -d '2024-03-15 09:00:00 UTC' {} +
    while IFS= read -r -d '' p; do
        [ "${p#"$src"/}" = deleted-multi.bin ] && continue
        man_add "$man" "${p#"$src"/}" "$p" allocated
    done < <(find "$src" -type f -print0 | LC_ALL=C sort -z)
    E2FSPROGS_FAKE_TIME=$(epoch "$T_COPY") mke2fs -q -t ext$n -b 1024 -L "$label" -U "$uuid" "$@" \
        -E root_owner=0:0,hash_seed=$seed,lazy_itable_init=0,lazy_journal_init=0 -d "$src" "$img" 4096 \
        >"$BUILD/mke2fs-ext$n.log" 2>&1 || { cat "$BUILD/mke2fs-ext$n.log" >&2; die "mke2fs ext$n failed"; }
    ext_fix_times "$img" "$T_COPY"
    local ino; ino=$(ext_ino "$img" /deleted-multi.bin)
    E2FSPROGS_FAKE_TIME=$(epoch "$T_DEL2") debugfs -w -R 'rm /deleted-multi.bin' "$img" 2>/dev/null
    ext_fix_times "$img" "$T_DEL2"
    man_add "$man" deleted-multi.bin deleted-src-ext/deleted-multi.bin deleted "$ino" debugfs
    echo "ext$n: $(netool ext-info "$img")" >&2
    rm -rf "$out"; mkdir -p "$out"
    truth_volume "$img" 0 "" "$out" "$man" root=@2 indirect=docs/indirect.bin small=docs/small.txt
    grep -q "^File System Type: Ext$n\$" "$out/fsstat.txt" || die "TSK does not see ext$n"
    (cd "$BUILD" && sha256sum "ext$n.img") >"$out/ext$n.sha256"
    gzip -9n -c "$img" >"$IMAGES/ext$n.img.gz"
}
build_extN 2 EXT2VOL 7065656c-6578-7432-8000-000000000001 7065656c-6578-7432-8000-0000000000a1 -I 128
build_extN 3 EXT3VOL 7065656c-6578-7433-8000-000000000001 7065656c-6578-7433-8000-0000000000a1
istat "$BUILD/ext2.img" "$(inode_of "$TRUTH/ext2/fls.txt" docs/double-indirect.txt)" >"$TRUTH/ext2/istat-double-indirect.txt"

# --------------------------------------------------------------------------------------------
# 7. Damaged images
# --------------------------------------------------------------------------------------------
for n in ntfs-fixup ntfs-attrlen ntfs-runlist ntfs-parentloop ext4-extent-loop ext4-extent-outside; do
    rm -f "$IMAGES/$n.img.gz" "$DT/$n".*
done
finish_damaged() {   # NAME IMG
    gzip -9n -c "$2" >"$IMAGES/$1.img.gz"
    (cd "$(dirname "$2")" && sha256sum "$(basename "$2")") >"$DT/$1.img.sha256"
    cat "$DMG_NOTE" >&2
}
src_note() {   # PATH-IN-VOLUME SOURCE
    printf '  /%s <- %s (%d bytes, sha256 %s)\n' "$1" "${2#"$TD"/}" "$(stat -c %s "$2")" "$(sha_of "$2")"
}

log "NTFS base volume for the damaged images"
DS=$BUILD/src-damaged
find "$DS" -exec touch -d "$T_DAMAGED UTC" {} +
NB=$BUILD/ntfs-base.img
truncate -s 3M "$NB"
faketime -f "$T_DAMAGED" mkntfs -F -f -q -L DAMAGED -s 512 -c 4096 -p 0 -H 255 -S 63 "$NB" \
    >>"$BUILD/mkntfs.log" 2>&1 || die "mkntfs (damaged base) failed"
ntfs_mount "$NB" "$T_DAMAGED"
for f in README.txt fixup.txt attrlen.txt runlist.bin; do cp --preserve=timestamps "$DS/$f" "$MNT/$f"; done
mkdir "$MNT/LoopA" "$MNT/LoopB"
cp --preserve=timestamps "$DS/LoopA/in-a.txt" "$MNT/LoopA/in-a.txt"
cp --preserve=timestamps "$DS/LoopB/in-b.txt" "$MNT/LoopB/in-b.txt"
ntfs_umount
ntfs_check_times "$NB"
NTFS_FILES_NOTE=$(for f in README.txt fixup.txt attrlen.txt runlist.bin LoopA/in-a.txt LoopB/in-b.txt; do
    src_note "$f" "$DS/$f"; done)

ntfs_damaged() {   # NAME TARGET-PATH (for the record) NETOOL-COMMAND ARGS...
    local name=$1 target=$2; shift 2
    log "$name"
    IMG=$BUILD/$name.img; DMG_NOTE=$DT/$name.damage.txt
    cp "$NB" "$IMG"
    { echo "$name.img: standalone NTFS volume (3 MiB, label DAMAGED, made like p1 of gpt-ntfs-ext), files:"
      echo "$NTFS_FILES_NOTE"
      echo "boot sector: $(netool ntfs-info "$IMG")"
      echo "before damage:"; netool ntfs-describe "$IMG" "$target" | sed 's/^/  /'
      echo "damage:"; netool "$@" | sed 's/^/  /'
    } >"$DMG_NOTE"
}
ntfs_damaged ntfs-fixup fixup.txt ntfs-fixup "$BUILD/ntfs-fixup.img" fixup.txt
tsk_record "$DT/ntfs-fixup.fls" fls -r -p "$IMG"
INO=$(netool ntfs-lookup "$NB" fixup.txt)
tsk_record "$DT/ntfs-fixup.istat-fixup" istat "$IMG" "$INO"
icat_record "$DT/ntfs-fixup.icat-fixup" "$IMG" "$INO"
finish_damaged ntfs-fixup "$IMG"

ntfs_damaged ntfs-attrlen attrlen.txt ntfs-attrlen "$BUILD/ntfs-attrlen.img" attrlen.txt
tsk_record "$DT/ntfs-attrlen.fls" fls -r -p "$IMG"
INO=$(netool ntfs-lookup "$NB" attrlen.txt)
tsk_record "$DT/ntfs-attrlen.istat-attrlen" istat "$IMG" "$INO"
icat_record "$DT/ntfs-attrlen.icat-attrlen" "$IMG" "$INO"
finish_damaged ntfs-attrlen "$IMG"

ntfs_damaged ntfs-runlist runlist.bin ntfs-runlist "$BUILD/ntfs-runlist.img" runlist.bin
tsk_record "$DT/ntfs-runlist.fls" fls -r -p "$IMG"
INO=$(netool ntfs-lookup "$NB" runlist.bin)
tsk_record "$DT/ntfs-runlist.istat-runlist" istat "$IMG" "$INO"
icat_record "$DT/ntfs-runlist.icat-runlist" "$IMG" "$INO"
finish_damaged ntfs-runlist "$IMG"

ntfs_damaged ntfs-parentloop LoopA ntfs-parentloop "$BUILD/ntfs-parentloop.img" LoopA LoopB
{ echo "LoopB before damage:"; netool ntfs-describe "$NB" LoopB | sed 's/^/  /'
  echo "note: the root folder's \$I30 index still lists LoopA and LoopB (its entries keep parent 5)"; } >>"$DMG_NOTE"
tsk_record "$DT/ntfs-parentloop.fls" fls -r -p "$IMG"
tsk_record "$DT/ntfs-parentloop.fls-m" fls -r -m / "$IMG"
INO=$(netool ntfs-lookup "$NB" LoopA)
tsk_record "$DT/ntfs-parentloop.istat-loopa" istat "$IMG" "$INO"
INO=$(netool ntfs-lookup "$NB" LoopA/in-a.txt)
tsk_record "$DT/ntfs-parentloop.ffind-in-a" ffind "$IMG" "$INO"
finish_damaged ntfs-parentloop "$IMG"

log "ext4 base volume for the damaged images"
EB=$BUILD/ext4-base.img
E2FSPROGS_FAKE_TIME=$(epoch "$T_DAMAGED") mke2fs -q -t ext4 -b 4096 -L DAMAGED \
    -U 7065656c-6578-7434-8000-0000000000d1 \
    -E root_owner=0:0,hash_seed=7065656c-6578-7434-8000-0000000000d2,lazy_itable_init=0,lazy_journal_init=0 \
    -d "$DS/ext" "$EB" 2048 >"$BUILD/mke2fs-damaged.log" 2>&1 || { cat "$BUILD/mke2fs-damaged.log" >&2; die "mke2fs damaged failed"; }
ext_fix_times "$EB" "$T_DAMAGED"
debugfs -R 'ex /fragmented.bin' "$EB" 2>/dev/null >"$BUILD/fragmented.ex"
EXT_FILES_NOTE=$(for f in README.txt docs/note.txt fragmented.bin outside.bin; do src_note "$f" "$DS/ext/$f"; done)

ext_damaged() {   # NAME PATH NETOOL-COMMAND
    local name=$1 path=$2 cmd=$3
    log "$name"
    IMG=$BUILD/$name.img; DMG_NOTE=$DT/$name.damage.txt
    cp "$EB" "$IMG"
    INO=$(ext_ino "$IMG" "/$path")
    { echo "$name.img: standalone ext4 volume (8 MiB, 4 KiB blocks, label DAMAGED), files:"
      echo "$EXT_FILES_NOTE"
      echo "  (fragmented.bin is sparse: 8 data blocks at logical blocks 0, 2, ..., 14, so 8 extents;"
      echo "   only 4 fit in the inode, so mke2fs gave it a depth-1 extent tree)"
      echo "superblock: $(netool ext-info "$IMG")"
      echo "/$path is inode $INO; debugfs 'ex' before damage:"
      debugfs -R "ex \"/$path\"" "$IMG" 2>/dev/null | sed 's/^/  /'
      echo "damage:"; netool "$cmd" "$IMG" "$INO" | sed 's/^/  /'
    } >"$DMG_NOTE"
    tsk_record "$DT/$name.fls" fls -r -p "$IMG"
    tsk_record "$DT/$name.istat" istat "$IMG" "$INO"
    icat_record "$DT/$name.icat" "$IMG" "$INO"
}
ext_damaged ext4-extent-loop fragmented.bin ext-extent-loop
finish_damaged ext4-extent-loop "$IMG"
ext_damaged ext4-extent-outside outside.bin ext-extent-outside
finish_damaged ext4-extent-outside "$IMG"

# --------------------------------------------------------------------------------------------
# 8. Tool versions and summary
# --------------------------------------------------------------------------------------------
{
    echo "# versions of the tools that made the NTFS and ext images (bash testdata/generate-ntfs-ext.sh)"
    echo "\$ mkntfs --version";     mkntfs --version 2>&1 | grep . | sed -n 1p
    echo "\$ ntfs-3g --version";    ntfs-3g --version 2>&1 | grep . | sed -n 1p
    echo "\$ mke2fs -V";            mke2fs -V 2>&1 | sed -n 1p
    echo "\$ fls -V";               fls -V
    echo "\$ sgdisk --version";     sgdisk --version | grep .
    echo "\$ faketime --version";   faketime --version | grep . | sed -n 1p
    echo "\$ dpkg-query -W (Debian packages)"
    dpkg-query -W ntfs-3g attr e2fsprogs sleuthkit gdisk faketime gzip coreutils 2>/dev/null || true
} >"$TRUTH/tool-versions-ntfs-ext.txt"

log "summary (ntfs/ext)"
(cd "$TD" && du -b images/gpt-ntfs-ext.img.gz images/ext?.img.gz images/ntfs-*.img.gz images/ext4-*.img.gz) >&2
echo "gpt-ntfs-ext.img sha256 $(cut -d' ' -f1 "$NT/gpt-ntfs-ext.sha256")" >&2
