//! ext2/3/4 reader written for examination: it works at inode level, so every entry carries
//! its inode number (the address The Sleuth Kit uses), deleted names are recovered from the
//! slack of directory records, unallocated inodes that no name points to are listed under
//! `$OrphanFiles/OrphanFile-N` as `fls` does, and deleted content is read only when the
//! inode still maps it and none of its blocks has been given to another file.
//!
//! What is read: the superblock and feature flags, 32- and 64-byte group descriptors (also
//! under `meta_bg`), inode tables, extent trees (depth checked, loops and blocks outside the
//! file system rejected, unwritten extents read as zeros), classic block maps (direct, single,
//! double and triple indirect), inline data (`i_block` plus the `system.data` attribute), fast
//! and slow symbolic links, linear and htree directories (the htree index blocks are skipped,
//! their leaf blocks are ordinary directory blocks), block and inode bitmaps. The bitmap of a
//! `BLOCK_UNINIT` group is computed as the kernel does — all free except the superblock copy
//! and descriptor blocks — and, since flex_bg may place other groups' bitmaps and inode tables
//! in it, except any group's metadata that lies there; `INODE_UNINIT` groups have no inodes in
//! use. (TSK reads the on-disk bitmap block as it is.)
//!
//! Conventions, where a choice was needed:
//! - Times are the kernel's: a signed 32-bit base plus the two epoch bits of `i_*_extra`, with
//!   nanoseconds from the same field whenever the inode's extra area holds it (ext3 with large
//!   inodes too). TSK 4.11 takes seconds as unsigned and reads nanoseconds and crtime on ext4
//!   only. A zero time field is "not recorded".
//! - The deletion time `i_dtime` of an unallocated inode is given as an extra [`TimeSet`]
//!   labelled `dtime`, in its `changed` field.
//! - Entries found in directory slack are `deleted`; when the inode they name is allocated
//!   again they carry the attribute `realloc` and the new inode's metadata (as `fls` shows them),
//!   and their content is refused. Orphans carry `orphan` (TSK's virtual `$OrphanFiles` folder
//!   itself is not listed, as for NTFS).
//! - Deleted content counts as recoverable only while the inode is unallocated, still maps
//!   blocks (the kernel clears size and extents on deletion; debugfs does not) and none of those
//!   blocks is allocated again; TSK's icat reads whatever the inode points to.
//! - Orphans, as TSK finds them: unallocated inodes with a non-zero ctime that no name (live or
//!   deleted) points to; groups never initialised and the never-used tail of an inode table
//!   (`bg_itable_unused`) are not scanned. An orphan found inside an orphan directory is listed
//!   there only.
//! - A directory reached a second time (a loop, or a hard-linked directory) is reported and not
//!   walked again; a deleted directory is walked (all its names deleted) only if its inode is
//!   unallocated, and its blocks only while no other file owns them.
//! - Holes read as zeros, but a file whose holes exceed 64 times the volume (at least 4 GiB)
//!   is refused as a corrupt size rather than hashed for hours.
//! - Checksums (metadata_csum, gdt_csum) are not verified.
//!
//! Every offset, length, count and loop is bounded; problems become [`WalkItem::Error`]s or
//! content errors and the walk goes on.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::{Arc, Mutex};

use peel_core::record::{EntryKind, Times};
use peel_core::time::Timestamp;
use peel_image::{Source, read_exact_at};

use crate::{Contents, Entry, ExtentReader, FileSystem, FsError, Handle, Owner, TimeSet, WalkItem};

use peel_core::bytes::{byte, le16, le32};

const SB_OFFSET: u64 = 1024;
const SB_SIZE: usize = 1024;
const MAGIC: u16 = 0xEF53;
const ROOT_INO: u64 = 2;
const MAX_DEPTH: usize = 128;
/// The kernel refuses extent trees deeper than 5.
const MAX_EXTENT_DEPTH: u16 = 5;
const EXTENT_MAGIC: u16 = 0xF30A;
/// Most fragments one file may have before peel refuses it (24 bytes each).
const MAX_RUNS: usize = 1 << 20;
/// Most block-group descriptors accepted (about 48 MiB in memory).
const MAX_GROUPS: u64 = 1 << 20;
/// Largest directory read (bytes).
const MAX_DIR_BYTES: u64 = 1 << 30;
/// Longest symbolic-link target read (PATH_MAX).
const MAX_LINK: u64 = 4096;
/// Sparse content (holes, read as zeros) accepted up to this many times the volume size …
const MAX_HOLE_FACTOR: u64 = 64;
/// … and at least this much.
const MIN_HOLE_LIMIT: u64 = 4 << 30;
/// Bitmap blocks kept in memory.
const BITMAP_CACHE: usize = 1024;

// Feature flags.
const COMPAT_HAS_JOURNAL: u32 = 0x4;
const INCOMPAT_FILETYPE: u32 = 0x2;
const INCOMPAT_JOURNAL_DEV: u32 = 0x8;
const INCOMPAT_META_BG: u32 = 0x10;
const INCOMPAT_EXTENTS: u32 = 0x40;
const INCOMPAT_64BIT: u32 = 0x80;
const INCOMPAT_FLEX_BG: u32 = 0x200;
const INCOMPAT_INLINE_DATA: u32 = 0x8000;
const RO_COMPAT_SPARSE_SUPER: u32 = 0x1;
const RO_COMPAT_LARGE_FILE: u32 = 0x2;
const RO_COMPAT_HUGE_FILE: u32 = 0x8;
const RO_COMPAT_GDT_CSUM: u32 = 0x10;
const RO_COMPAT_DIR_NLINK: u32 = 0x20;
const RO_COMPAT_EXTRA_ISIZE: u32 = 0x40;
const RO_COMPAT_BIGALLOC: u32 = 0x200;
const RO_COMPAT_METADATA_CSUM: u32 = 0x400;
const COMPAT_SPARSE_SUPER2: u32 = 0x200;

const COMPAT_NAMES: &[(u32, &str)] = &[
    (0x1, "dir_prealloc"),
    (0x2, "imagic_inodes"),
    (0x4, "has_journal"),
    (0x8, "ext_attr"),
    (0x10, "resize_inode"),
    (0x20, "dir_index"),
    (0x40, "lazy_bg"),
    (0x80, "exclude_inode"),
    (0x100, "exclude_bitmap"),
    (0x200, "sparse_super2"),
    (0x400, "fast_commit"),
    (0x800, "stable_inodes"),
    (0x1000, "orphan_file"),
];
const INCOMPAT_NAMES: &[(u32, &str)] = &[
    (0x1, "compression"),
    (0x2, "filetype"),
    (0x4, "needs_recovery"),
    (0x8, "journal_dev"),
    (0x10, "meta_bg"),
    (0x40, "extent"),
    (0x80, "64bit"),
    (0x100, "mmp"),
    (0x200, "flex_bg"),
    (0x400, "ea_inode"),
    (0x1000, "dirdata"),
    (0x2000, "metadata_csum_seed"),
    (0x4000, "large_dir"),
    (0x8000, "inline_data"),
    (0x10000, "encrypt"),
    (0x20000, "casefold"),
];
const RO_COMPAT_NAMES: &[(u32, &str)] = &[
    (0x1, "sparse_super"),
    (0x2, "large_file"),
    (0x4, "btree_dir"),
    (0x8, "huge_file"),
    (0x10, "uninit_bg"),
    (0x20, "dir_nlink"),
    (0x40, "extra_isize"),
    (0x80, "snapshot"),
    (0x100, "quota"),
    (0x200, "bigalloc"),
    (0x400, "metadata_csum"),
    (0x800, "replica"),
    (0x1000, "read-only"),
    (0x2000, "project"),
    (0x4000, "shared_blocks"),
    (0x8000, "verity"),
    (0x10000, "orphan_present"),
];
/// Incompatible features that change how names or content are laid out beyond what peel
/// reads; the file system is still opened, with an issue noted.
const INCOMPAT_UNREAD: u32 = 0x1 | 0x400 | 0x1000 | 0x10000;

// Group descriptor flags.
const BG_INODE_UNINIT: u16 = 0x1;
const BG_BLOCK_UNINIT: u16 = 0x2;

// Inode flags.
const FL_INDEX: u32 = 0x1000;
const FL_HUGE_FILE: u32 = 0x4_0000;
const FL_EXTENTS: u32 = 0x8_0000;
const FL_INLINE_DATA: u32 = 0x1000_0000;
const INODE_FLAG_NAMES: &[(u32, &str)] = &[
    (0x1, "secure_delete"),
    (0x2, "undelete"),
    (0x4, "compressed"),
    (0x8, "sync"),
    (0x10, "immutable"),
    (0x20, "append_only"),
    (0x40, "no_dump"),
    (0x80, "no_atime"),
    (0x800, "encrypted"),
    (0x1000, "htree"),
    (0x4000, "journal_data"),
    (0x4_0000, "huge_file"),
    (0x8_0000, "extents"),
    (0x10_0000, "verity"),
    (0x20_0000, "ea_inode"),
    (0x200_0000, "dax"),
    (0x1000_0000, "inline_data"),
    (0x2000_0000, "project_inherit"),
    (0x4000_0000, "casefold"),
];

// Mode bits.
const S_IFMT: u16 = 0o170000;
const S_IFDIR: u16 = 0o040000;
const S_IFREG: u16 = 0o100000;
const S_IFLNK: u16 = 0o120000;

fn bad(reason: impl Into<String>) -> FsError {
    FsError::BadSuperblock {
        kind: "ext",
        reason: reason.into(),
    }
}

fn feature_names(bits: u32, table: &[(u32, &str)], out: &mut Vec<String>) {
    let mut known = 0;
    for &(bit, name) in table {
        known |= bit;
        if bits & bit != 0 {
            out.push(name.to_string());
        }
    }
    let unknown = bits & !known;
    if unknown != 0 {
        out.push(format!("unknown({unknown:#x})"));
    }
}

/// Which generation of the format the features describe (TSK's rule: extents, 64bit, flex_bg
/// and the other ext4-only features make ext4; a journal makes ext3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtKind {
    /// No journal, no ext4 features.
    Ext2,
    /// Journal, no ext4 features.
    Ext3,
    /// ext4 features.
    Ext4,
}

impl ExtKind {
    fn name(self) -> &'static str {
        match self {
            ExtKind::Ext2 => "ext2",
            ExtKind::Ext3 => "ext3",
            ExtKind::Ext4 => "ext4",
        }
    }
}

/// True when `head` (the first 2 KiB of a volume) holds an ext superblock magic.
pub fn probe(head: &[u8]) -> bool {
    le16(head, SB_OFFSET as usize + 0x38) == MAGIC
}

/// The superblock fields peel uses.
#[derive(Debug, Clone)]
struct Super {
    inodes_count: u32,
    blocks_count: u64,
    r_blocks_count: u64,
    free_blocks: u64,
    free_inodes: u32,
    first_data_block: u64,
    block_size: u64,
    /// Blocks per allocation cluster (bigalloc), else 1.
    cluster_ratio: u64,
    blocks_per_group: u64,
    clusters_per_group: u64,
    inodes_per_group: u64,
    mtime: i64,
    wtime: i64,
    mkfs_time: i64,
    lastcheck: i64,
    mnt_count: u16,
    state: u16,
    creator_os: u32,
    rev_level: u32,
    first_ino: u32,
    inode_size: u64,
    compat: u32,
    incompat: u32,
    ro_compat: u32,
    uuid: [u8; 16],
    label: Vec<u8>,
    last_mounted: Vec<u8>,
    reserved_gdt_blocks: u64,
    journal_inum: u32,
    desc_size: u64,
    first_meta_bg: u64,
    log_groups_per_flex: u8,
    backup_bgs: [u32; 2],
}

fn time_hi(lo: u32, hi: u8) -> i64 {
    i64::from(lo) | (i64::from(hi) << 32)
}

impl Super {
    fn parse(b: &[u8]) -> Result<Self, FsError> {
        if le16(b, 0x38) != MAGIC {
            return Err(bad(format!(
                "superblock magic is {:#06x} (expected 0xef53)",
                le16(b, 0x38)
            )));
        }
        let incompat = le32(b, 0x60);
        let ro_compat = le32(b, 0x64);
        let log_bs = le32(b, 0x18);
        if log_bs > 6 {
            return Err(bad(format!(
                "block size 2^(10+{log_bs}) is beyond the 64 KiB maximum"
            )));
        }
        let block_size = 1024u64 << log_bs;
        let log_cs = le32(b, 0x1C);
        let cluster_ratio = if ro_compat & RO_COMPAT_BIGALLOC != 0 {
            if log_cs < log_bs || log_cs > 30 {
                return Err(bad(format!(
                    "cluster size 2^(10+{log_cs}) is smaller than the block size or absurd"
                )));
            }
            1u64 << (log_cs - log_bs)
        } else {
            1
        };
        let hi64 = incompat & INCOMPAT_64BIT != 0;
        let blocks_count = u64::from(le32(b, 0x04))
            | if hi64 {
                u64::from(le32(b, 0x150)) << 32
            } else {
                0
            };
        let r_blocks_count = u64::from(le32(b, 0x08))
            | if hi64 {
                u64::from(le32(b, 0x154)) << 32
            } else {
                0
            };
        let free_blocks = u64::from(le32(b, 0x0C))
            | if hi64 {
                u64::from(le32(b, 0x158)) << 32
            } else {
                0
            };
        let inodes_count = le32(b, 0x00);
        let first_data_block = u64::from(le32(b, 0x14));
        let blocks_per_group = u64::from(le32(b, 0x20));
        let clusters_per_group = u64::from(le32(b, 0x24));
        let inodes_per_group = u64::from(le32(b, 0x28));
        let rev_level = le32(b, 0x4C);
        let (first_ino, inode_size) = if rev_level == 0 {
            (11, 128)
        } else {
            (le32(b, 0x54), u64::from(le16(b, 0x58)))
        };
        let bits = block_size * 8;
        if inodes_count == 0 {
            return Err(bad("inode count is 0"));
        }
        if blocks_count <= first_data_block {
            return Err(bad(format!(
                "block count {blocks_count} leaves no blocks after the first data block {first_data_block}"
            )));
        }
        if first_data_block > 1 {
            return Err(bad(format!(
                "first data block is {first_data_block} (expected 0 or 1)"
            )));
        }
        let cpg = if cluster_ratio > 1 {
            clusters_per_group
        } else {
            blocks_per_group
        };
        if cpg == 0 || cpg > bits || cpg % 8 != 0 {
            return Err(bad(format!(
                "{cpg} blocks per group (expected a multiple of 8, at most {bits})"
            )));
        }
        if blocks_per_group != cpg * cluster_ratio {
            return Err(bad(format!(
                "{blocks_per_group} blocks per group do not match {cpg} clusters of {cluster_ratio} blocks"
            )));
        }
        if inodes_per_group == 0 || inodes_per_group > bits {
            return Err(bad(format!(
                "{inodes_per_group} inodes per group (expected 1 to {bits})"
            )));
        }
        if inode_size < 128 || !inode_size.is_power_of_two() || inode_size > block_size {
            return Err(bad(format!(
                "inode size {inode_size} (expected a power of two from 128 to the block size)"
            )));
        }
        let desc_size = if hi64 {
            let d = u64::from(le16(b, 0xFE));
            if !(64..=1024).contains(&d) || !d.is_power_of_two() {
                return Err(bad(format!(
                    "64-bit group descriptor size {d} (expected 64 to 1024, a power of two)"
                )));
            }
            d
        } else {
            32
        };
        if incompat & INCOMPAT_JOURNAL_DEV != 0 {
            return Err(bad(
                "this is an external journal device, not a file system with files",
            ));
        }
        let label_raw = b.get(0x78..0x88).unwrap_or_default();
        let label: Vec<u8> = label_raw.iter().copied().take_while(|&c| c != 0).collect();
        let lm_raw = b.get(0x88..0xC8).unwrap_or_default();
        let last_mounted: Vec<u8> = lm_raw.iter().copied().take_while(|&c| c != 0).collect();
        let mut uuid = [0u8; 16];
        if let Some(u) = b.get(0x68..0x78) {
            uuid.copy_from_slice(u);
        }
        Ok(Super {
            inodes_count,
            blocks_count,
            r_blocks_count,
            free_blocks,
            free_inodes: le32(b, 0x10),
            first_data_block,
            block_size,
            cluster_ratio,
            blocks_per_group,
            clusters_per_group: cpg,
            inodes_per_group,
            mtime: time_hi(le32(b, 0x2C), byte(b, 0x275)),
            wtime: time_hi(le32(b, 0x30), byte(b, 0x274)),
            mkfs_time: time_hi(le32(b, 0x108), byte(b, 0x276)),
            lastcheck: time_hi(le32(b, 0x40), byte(b, 0x277)),
            mnt_count: le16(b, 0x34),
            state: le16(b, 0x3A),
            creator_os: le32(b, 0x48),
            rev_level,
            first_ino,
            inode_size,
            compat: le32(b, 0x5C),
            incompat,
            ro_compat,
            uuid,
            label,
            last_mounted,
            reserved_gdt_blocks: u64::from(le16(b, 0xCE)),
            journal_inum: le32(b, 0xE0),
            desc_size,
            first_meta_bg: u64::from(le32(b, 0x104)),
            log_groups_per_flex: byte(b, 0x174),
            backup_bgs: [le32(b, 0x24C), le32(b, 0x250)],
        })
    }

    fn kind(&self) -> ExtKind {
        let ext4_incompat = INCOMPAT_EXTENTS
            | INCOMPAT_64BIT
            | INCOMPAT_FLEX_BG
            | INCOMPAT_INLINE_DATA
            | 0x400
            | 0x2000
            | 0x4000
            | 0x10000
            | 0x20000
            | 0x100;
        let ext4_ro = RO_COMPAT_HUGE_FILE
            | RO_COMPAT_GDT_CSUM
            | RO_COMPAT_DIR_NLINK
            | RO_COMPAT_EXTRA_ISIZE
            | RO_COMPAT_BIGALLOC
            | RO_COMPAT_METADATA_CSUM;
        if self.incompat & ext4_incompat != 0 || self.ro_compat & ext4_ro != 0 {
            ExtKind::Ext4
        } else if self.compat & COMPAT_HAS_JOURNAL != 0 {
            ExtKind::Ext3
        } else {
            ExtKind::Ext2
        }
    }

    fn groups(&self) -> u64 {
        (self.blocks_count - self.first_data_block).div_ceil(self.blocks_per_group)
    }

    fn csum_bg(&self) -> bool {
        self.ro_compat & (RO_COMPAT_GDT_CSUM | RO_COMPAT_METADATA_CSUM) != 0
    }

    /// True when group `g` carries a superblock backup.
    fn has_super(&self, g: u64) -> bool {
        if g == 0 {
            return true;
        }
        if self.compat & COMPAT_SPARSE_SUPER2 != 0 {
            return self.backup_bgs.iter().any(|&b| u64::from(b) == g);
        }
        if g <= 1 || self.ro_compat & RO_COMPAT_SPARSE_SUPER == 0 {
            return true;
        }
        if g & 1 == 0 {
            return false;
        }
        for base in [3u64, 5, 7] {
            let mut p = base;
            while p < g {
                p = p.saturating_mul(base);
            }
            if p == g {
                return true;
            }
        }
        false
    }

    fn descs_per_block(&self) -> u64 {
        self.block_size / self.desc_size
    }

    fn gdt_blocks(&self) -> u64 {
        self.groups().div_ceil(self.descs_per_block())
    }

    fn group_first_block(&self, g: u64) -> u64 {
        self.first_data_block + g * self.blocks_per_group
    }

    /// Blocks at the start of group `g` taken by the superblock copy and descriptor tables.
    fn group_head_blocks(&self, g: u64) -> u64 {
        let sb = u64::from(self.has_super(g));
        let dpb = self.descs_per_block();
        let meta_bg = self.incompat & INCOMPAT_META_BG != 0;
        if !meta_bg || g / dpb < self.first_meta_bg {
            if sb == 1 {
                let old = if meta_bg {
                    self.first_meta_bg
                } else {
                    self.gdt_blocks()
                };
                return 1 + old + self.reserved_gdt_blocks;
            }
            return 0;
        }
        let first = (g / dpb) * dpb;
        let gdt = u64::from(g == first || g == first + 1 || g == first + dpb - 1);
        sb + gdt
    }

    fn features(&self) -> String {
        let mut v = Vec::new();
        feature_names(self.compat, COMPAT_NAMES, &mut v);
        feature_names(self.incompat, INCOMPAT_NAMES, &mut v);
        feature_names(self.ro_compat, RO_COMPAT_NAMES, &mut v);
        v.join(" ")
    }
}

/// One block-group descriptor.
#[derive(Debug, Clone, Copy)]
struct Group {
    block_bitmap: u64,
    inode_bitmap: u64,
    inode_table: u64,
    free_blocks: u64,
    free_inodes: u64,
    flags: u16,
    itable_unused: u64,
}

fn parse_group(d: &[u8], wide: bool) -> Group {
    let hi32 = |at: usize| {
        if wide {
            u64::from(le32(d, at)) << 32
        } else {
            0
        }
    };
    let hi16 = |at: usize| {
        if wide {
            u64::from(le16(d, at)) << 16
        } else {
            0
        }
    };
    Group {
        block_bitmap: u64::from(le32(d, 0x00)) | hi32(0x20),
        inode_bitmap: u64::from(le32(d, 0x04)) | hi32(0x24),
        inode_table: u64::from(le32(d, 0x08)) | hi32(0x28),
        free_blocks: u64::from(le16(d, 0x0C)) | hi16(0x2C),
        free_inodes: u64::from(le16(d, 0x0E)) | hi16(0x2E),
        flags: le16(d, 0x12),
        itable_unused: u64::from(le16(d, 0x1C)) | hi16(0x32),
    }
}

/// An inode as read from the table.
#[derive(Debug, Clone)]
struct Inode {
    mode: u16,
    uid: u32,
    gid: u32,
    size: u64,
    atime: Option<Timestamp>,
    ctime: Option<Timestamp>,
    mtime: Option<Timestamp>,
    crtime: Option<Timestamp>,
    /// Raw `i_ctime` (TSK: an inode with ctime 0 was never used).
    ctime_raw: u32,
    dtime: u32,
    links: u16,
    /// 512-byte sectors (or blocks with HUGE_FILE_FL), as recorded.
    blocks: u64,
    flags: u32,
    block: [u8; 60],
    file_acl: u64,
    /// The in-inode extended-attribute area (after `i_extra_isize`), if any.
    xattr_area: Vec<u8>,
}

/// Decodes an ext time: signed 32-bit seconds plus the epoch bits and nanoseconds of the
/// `_extra` field when the inode has one.
fn ext_time(secs: u32, extra: Option<u32>) -> Option<Timestamp> {
    let x = extra.unwrap_or(0);
    if secs == 0 && x == 0 {
        return None;
    }
    let base = i64::from(secs as i32);
    let epoch = i64::from(x & 3);
    Some(Timestamp::from_unix(base + (epoch << 32), x >> 2))
}

impl Inode {
    fn parse(b: &[u8], sb: &Super) -> Self {
        let mode = le16(b, 0x00);
        let mut size = u64::from(le32(b, 0x04));
        if (mode & S_IFMT == S_IFREG && sb.ro_compat & RO_COMPAT_LARGE_FILE != 0)
            || (mode & S_IFMT == S_IFDIR && sb.incompat & 0x4000 != 0)
        {
            size |= u64::from(le32(b, 0x6C)) << 32;
        }
        let extra_isize = if b.len() > 128 {
            let e = usize::from(le16(b, 0x80));
            if e % 4 == 0 && 128 + e <= b.len() {
                e
            } else {
                0
            }
        } else {
            0
        };
        // A field of the extra area counts when i_extra_isize covers it.
        let extra = |at: usize| (128 + extra_isize >= at + 4).then(|| le32(b, at));
        let mut block = [0u8; 60];
        if let Some(s) = b.get(0x28..0x64) {
            block.copy_from_slice(s);
        }
        let ctime_raw = le32(b, 0x0C);
        let xattr_area = if extra_isize > 0 {
            b.get(128 + extra_isize..).unwrap_or_default().to_vec()
        } else {
            Vec::new()
        };
        Inode {
            mode,
            uid: u32::from(le16(b, 0x02)) | (u32::from(le16(b, 0x78)) << 16),
            gid: u32::from(le16(b, 0x18)) | (u32::from(le16(b, 0x7A)) << 16),
            size,
            atime: ext_time(le32(b, 0x08), extra(0x8C)),
            ctime: ext_time(ctime_raw, extra(0x84)),
            mtime: ext_time(le32(b, 0x10), extra(0x88)),
            crtime: extra(0x90).and_then(|c| ext_time(c, extra(0x94))),
            ctime_raw,
            dtime: le32(b, 0x14),
            links: le16(b, 0x1A),
            blocks: u64::from(le32(b, 0x1C)) | (u64::from(le16(b, 0x74)) << 32),
            flags: le32(b, 0x20),
            block,
            file_acl: u64::from(le32(b, 0x68)) | (u64::from(le16(b, 0x76)) << 32),
            xattr_area,
        }
    }

    fn file_type(&self) -> u16 {
        self.mode & S_IFMT
    }

    fn is_dir(&self) -> bool {
        self.file_type() == S_IFDIR
    }

    fn kind(&self) -> EntryKind {
        match self.file_type() {
            S_IFDIR => EntryKind::Dir,
            S_IFREG => EntryKind::File,
            S_IFLNK => EntryKind::Symlink,
            _ => EntryKind::Other,
        }
    }

    fn times(&self) -> Times {
        Times {
            modified: self.mtime,
            accessed: self.atime,
            changed: self.ctime,
            created: self.crtime,
        }
    }

    fn attributes(&self) -> Vec<&'static str> {
        INODE_FLAG_NAMES
            .iter()
            .filter(|(bit, _)| self.flags & bit != 0)
            .map(|&(_, n)| n)
            .collect()
    }

    /// A symbolic link whose target lies in `i_block` (no data blocks).
    fn is_fast_symlink(&self, block_size: u64) -> bool {
        if self.file_type() != S_IFLNK || self.flags & FL_INLINE_DATA != 0 {
            return false;
        }
        let sectors_per_block = block_size / 512;
        let ea = if self.file_acl != 0 {
            sectors_per_block
        } else {
            0
        };
        let data = if self.flags & FL_HUGE_FILE != 0 {
            self.blocks.saturating_mul(sectors_per_block)
        } else {
            self.blocks
        };
        data.saturating_sub(ea) == 0 && self.size < 60
    }

    /// Value of the in-inode extended attribute `system.data` (inline data continuation).
    fn inline_xattr(&self) -> Option<&[u8]> {
        let a = &self.xattr_area;
        if le32(a, 0) != 0xEA02_0000 {
            return None;
        }
        let base = 4usize;
        let mut at = base;
        // Each entry is at least 16 bytes, so this bounds the loop.
        while at + 16 <= a.len() {
            if le32(a, at) == 0 {
                break;
            }
            let name_len = usize::from(byte(a, at));
            let index = byte(a, at + 1);
            let value_offs = usize::from(le16(a, at + 2));
            let value_inum = le32(a, at + 4);
            let value_size = le32(a, at + 8) as usize;
            let name = a.get(at + 16..at + 16 + name_len)?;
            if index == 7 && name == b"data" && value_inum == 0 {
                let start = base.checked_add(value_offs)?;
                return a.get(start..start.checked_add(value_size)?);
            }
            at += (16 + name_len + 3) & !3;
        }
        None
    }
}

/// A piece of a file's content: `len` blocks from logical block `logical`, stored at
/// physical block `phys`, or zeros (`phys == None`: an unwritten extent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    logical: u64,
    len: u64,
    phys: Option<u64>,
}

/// How a content mapping was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MapKind {
    Extents,
    BlockMap,
}

/// The runs as byte runs for [`ExtentReader`]: holes between runs and after the last one (up
/// to `size`) become zero runs.
fn byte_runs(runs: &[Run], bs: u64, size: u64) -> Vec<(Option<u64>, u64)> {
    let mut out = Vec::with_capacity(runs.len() * 2 + 1);
    let mut pos = 0u64;
    for r in runs {
        if r.logical > pos {
            out.push((None, (r.logical - pos).saturating_mul(bs)));
        }
        out.push((
            r.phys.map(|p| p.saturating_mul(bs)),
            r.len.saturating_mul(bs),
        ));
        pos = r.logical + r.len;
    }
    let end = pos.saturating_mul(bs);
    if end < size {
        out.push((None, size - end));
    }
    out
}

fn run_reader(src: Arc<dyn Source>, runs: &[Run], bs: u64, size: u64) -> ExtentReader {
    ExtentReader::with_holes(src, byte_runs(runs, bs, size), size, size)
}

/// Directory record as found in a directory block.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Dirent {
    inode: u32,
    name: Vec<u8>,
    ftype: u8,
    deleted: bool,
}

/// How to read one directory block.
#[derive(Debug, Clone, Copy)]
struct DirBlockCtx {
    filetype: bool,
    /// Highest valid inode number.
    max_inode: u32,
    /// The block belongs to a deleted directory: every name in it is deleted.
    in_deleted: bool,
}

fn dirent_len(name_len: usize) -> usize {
    (8 + name_len + 3) & !3
}

/// Parses one directory block the way The Sleuth Kit does: records are stepped by their
/// actual length, so deleted records left in the slack of a predecessor (whose `rec_len` was
/// extended over them) are found too. A candidate in slack must lie wholly in the slack and
/// have a plausible inode number, name length and record length; peel also rejects names with
/// NUL or `/` bytes, which cannot be file names.
fn parse_dir_block(buf: &[u8], ctx: DirBlockCtx, out: &mut Vec<Dirent>) {
    let len = buf.len();
    let mut idx = 0usize;
    let mut dellen = 0usize;
    while idx + 12 <= len {
        let inode = le32(buf, idx);
        let reclen = usize::from(le16(buf, idx + 4));
        let (name_len, ftype) = if ctx.filetype {
            (usize::from(byte(buf, idx + 6)), byte(buf, idx + 7))
        } else {
            (usize::from(le16(buf, idx + 6)), 0)
        };
        let mut step = dirent_len(name_len);
        let name = buf.get(idx + 8..idx + 8 + name_len);
        let plausible = inode <= ctx.max_inode
            && (1..=255).contains(&name_len)
            && reclen >= step
            && reclen % 4 == 0
            && idx + reclen <= len;
        let Some(name) = name.filter(|_| plausible) else {
            idx += 4;
            dellen = dellen.saturating_sub(4);
            continue;
        };
        if dellen > 0 && (dellen < step || name.iter().any(|&c| c == 0 || c == b'/')) {
            idx += 4;
            dellen -= 4;
            continue;
        }
        let deleted = dellen > 0 || inode == 0 || ctx.in_deleted;
        if dellen > 0 {
            dellen -= step;
        }
        if !name.iter().any(|&c| c == 0 || c == b'/') {
            out.push(Dirent {
                inode,
                name: name.to_vec(),
                ftype,
                deleted,
            });
        }
        if dellen == 0 {
            if reclen - step >= 12 {
                dellen = reclen - step;
            } else {
                step = reclen;
            }
        }
        idx += step;
    }
}

/// True when `buf` is an htree interior node: a fake record (inode 0, no name) spanning the
/// block, followed by a plausible count/limit header.
fn is_dx_node(buf: &[u8], csum: bool) -> bool {
    let bs = buf.len();
    let reclen = usize::from(le16(buf, 4));
    let whole = reclen == bs || (bs == 65536 && reclen == 0);
    if le32(buf, 0) != 0 || byte(buf, 6) != 0 || !whole {
        return false;
    }
    let limit = usize::from(le16(buf, 8));
    let count = usize::from(le16(buf, 10));
    let tail = if csum { 8 } else { 0 };
    limit == (bs - 8 - tail) / 8 && count <= limit
}

/// True when `buf` is the root block of an htree directory: `.` (12 bytes), `..` spanning the
/// rest of the block, and a dx_root_info (reserved 0, info length 8) in the slack of `..`.
fn is_dx_root(buf: &[u8]) -> bool {
    let info = 24;
    le16(buf, 4) == 12
        && byte(buf, 6) == 1
        && byte(buf, 12 + 6) == 2
        && le32(buf, info) == 0
        && byte(buf, info + 5) == 8
}

/// Bitmap blocks by (is-inode-bitmap, group).
#[derive(Default)]
struct Cache {
    bitmaps: HashMap<(bool, u64), Arc<Vec<u8>>>,
}

/// An opened ext2/3/4 volume.
pub struct Ext {
    src: Arc<dyn Source>,
    sb: Super,
    kind: ExtKind,
    groups: Vec<Group>,
    /// Metadata block ranges (bitmaps, inode tables) by the group they lie in, for
    /// computing the bitmaps of BLOCK_UNINIT groups under flex_bg.
    meta_by_group: HashMap<u64, Vec<(u64, u64)>>,
    issues: Vec<String>,
    cache: Mutex<Cache>,
}

/// State of one walk.
struct Walk<'a> {
    out: &'a mut dyn FnMut(WalkItem),
    /// Directory inodes already walked.
    dirs: HashSet<u64>,
    /// Unallocated inodes some name points to (not orphans).
    named: HashSet<u64>,
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}/{name}")
    }
}

impl Ext {
    /// Opens the ext file system on `src` (a volume): superblock and group descriptors.
    pub fn open(src: Arc<dyn Source>) -> Result<Self, FsError> {
        let mut raw = vec![0u8; SB_SIZE];
        read_exact_at(src.as_ref(), &mut raw, SB_OFFSET, "ext superblock")?;
        let sb = Super::parse(&raw)?;
        let kind = sb.kind();
        let mut issues = Vec::new();
        let groups_n = sb.groups();
        if groups_n > MAX_GROUPS {
            return Err(bad(format!(
                "{groups_n} block groups (more than the {MAX_GROUPS} peel accepts)"
            )));
        }
        let expect_inodes = groups_n * sb.inodes_per_group;
        if expect_inodes != u64::from(sb.inodes_count) {
            issues.push(format!(
                "superblock counts {} inodes, but {groups_n} groups of {} make {expect_inodes}",
                sb.inodes_count, sb.inodes_per_group
            ));
        }
        let fs_bytes = sb.blocks_count.saturating_mul(sb.block_size);
        if fs_bytes > src.len() {
            issues.push(format!(
                "file system claims {fs_bytes} bytes but the volume has {} (truncated image?)",
                src.len()
            ));
        }
        let unread = sb.incompat & INCOMPAT_UNREAD;
        if unread != 0 {
            let mut names = Vec::new();
            feature_names(unread, INCOMPAT_NAMES, &mut names);
            issues.push(format!(
                "features peel does not decode: {} (names or content may be unreadable)",
                names.join(" ")
            ));
        }
        let groups = Self::read_groups(src.as_ref(), &sb, groups_n)?;
        let mut meta_by_group: HashMap<u64, Vec<(u64, u64)>> = HashMap::new();
        let itable_blocks = (sb.inodes_per_group * sb.inode_size).div_ceil(sb.block_size);
        for (i, g) in groups.iter().enumerate() {
            for (start, len) in [
                (g.block_bitmap, 1),
                (g.inode_bitmap, 1),
                (g.inode_table, itable_blocks),
            ] {
                if start < sb.first_data_block || start >= sb.blocks_count {
                    issues.push(format!(
                        "group {i}: metadata block {start} lies outside the file system"
                    ));
                    continue;
                }
                let host = (start - sb.first_data_block) / sb.blocks_per_group;
                meta_by_group.entry(host).or_default().push((start, len));
            }
        }
        Ok(Ext {
            src,
            sb,
            kind,
            groups,
            meta_by_group,
            issues,
            cache: Mutex::new(Cache::default()),
        })
    }

    fn read_groups(src: &dyn Source, sb: &Super, n: u64) -> Result<Vec<Group>, FsError> {
        let bs = sb.block_size;
        let dpb = sb.descs_per_block();
        let wide = sb.desc_size >= 64;
        let meta_bg = sb.incompat & INCOMPAT_META_BG != 0;
        // The descriptors must be on the volume: reserve no more than it could hold.
        let mut groups = Vec::with_capacity(n.min(src.len() / sb.desc_size) as usize);
        let mut buf = vec![0u8; bs as usize];
        for i in 0..sb.gdt_blocks() {
            let blk = if meta_bg && i >= sb.first_meta_bg {
                let g = i * dpb;
                sb.group_first_block(g) + u64::from(sb.has_super(g))
            } else {
                sb.first_data_block + 1 + i
            };
            read_exact_at(src, &mut buf, blk * bs, "ext group descriptor table")
                .map_err(|e| bad(format!("group descriptor block {blk} unreadable: {e}")))?;
            for d in buf.chunks_exact(sb.desc_size as usize) {
                if groups.len() as u64 >= n {
                    break;
                }
                groups.push(parse_group(d, wide));
            }
        }
        Ok(groups)
    }

    fn bs(&self) -> u64 {
        self.sb.block_size
    }

    fn group(&self, g: u64) -> Option<&Group> {
        self.groups.get(usize::try_from(g).ok()?)
    }

    fn read_block(&self, blk: u64) -> Result<Vec<u8>, String> {
        if blk >= self.sb.blocks_count {
            return Err(format!(
                "block {blk} is outside the file system ({} blocks)",
                self.sb.blocks_count
            ));
        }
        let mut buf = vec![0u8; self.bs() as usize];
        read_exact_at(self.src.as_ref(), &mut buf, blk * self.bs(), "ext block")
            .map_err(|e| format!("block {blk} unreadable: {e}"))?;
        Ok(buf)
    }

    /// The bitmap block of group `g` (`inode`: the inode bitmap), as stored or, for
    /// uninitialised groups, as the kernel would compute it.
    fn bitmap(&self, inode: bool, g: u64) -> Option<Arc<Vec<u8>>> {
        if let Ok(c) = self.cache.lock()
            && let Some(b) = c.bitmaps.get(&(inode, g))
        {
            return Some(b.clone());
        }
        let grp = self.group(g)?;
        let csum = self.sb.csum_bg();
        let map = if inode {
            if csum && grp.flags & BG_INODE_UNINIT != 0 {
                vec![0u8; self.bs() as usize]
            } else {
                self.read_block(grp.inode_bitmap).ok()?
            }
        } else if csum && grp.flags & BG_BLOCK_UNINIT != 0 {
            self.uninit_block_bitmap(g)
        } else {
            self.read_block(grp.block_bitmap).ok()?
        };
        let map = Arc::new(map);
        if let Ok(mut c) = self.cache.lock() {
            if c.bitmaps.len() >= BITMAP_CACHE {
                c.bitmaps.clear();
            }
            c.bitmaps.insert((inode, g), map.clone());
        }
        Some(map)
    }

    /// Block bitmap of a BLOCK_UNINIT group: the superblock copy and descriptor blocks, any
    /// bitmaps and inode tables placed in this group (flex_bg puts other groups' there), and
    /// the blocks past the end of the file system are in use; the rest is free.
    fn uninit_block_bitmap(&self, g: u64) -> Vec<u8> {
        let mut map = vec![0u8; self.bs() as usize];
        let first = self.sb.group_first_block(g);
        let ratio = self.sb.cluster_ratio;
        let cpg = self.sb.clusters_per_group;
        let mut mark = |blk: u64| {
            if blk < first {
                return;
            }
            let bit = (blk - first) / ratio;
            if bit < cpg
                && let Some(b) = map.get_mut((bit / 8) as usize)
            {
                *b |= 1 << (bit % 8);
            }
        };
        for b in first..first + self.sb.group_head_blocks(g) {
            mark(b);
        }
        if let Some(ranges) = self.meta_by_group.get(&g) {
            for &(s, l) in ranges {
                for b in s..s.saturating_add(l).min(first + self.sb.blocks_per_group) {
                    mark(b);
                }
            }
        }
        let end = first + self.sb.blocks_per_group;
        for b in self.sb.blocks_count.max(first)..end {
            mark(b);
        }
        map
    }

    /// Allocation state of inode `ino` (`None`: the bitmap cannot be read).
    fn inode_allocated(&self, ino: u64) -> Option<bool> {
        if ino == 0 || ino > u64::from(self.sb.inodes_count) {
            return None;
        }
        let g = (ino - 1) / self.sb.inodes_per_group;
        let i = (ino - 1) % self.sb.inodes_per_group;
        let map = self.bitmap(true, g)?;
        let b = map.get((i / 8) as usize)?;
        Some(b & (1 << (i % 8)) != 0)
    }

    /// Allocation state of block `blk` (`None`: unknown).
    fn block_allocated(&self, blk: u64) -> Option<bool> {
        if blk < self.sb.first_data_block || blk >= self.sb.blocks_count {
            return None;
        }
        let rel = blk - self.sb.first_data_block;
        let g = rel / self.sb.blocks_per_group;
        let bit = (rel % self.sb.blocks_per_group) / self.sb.cluster_ratio;
        let map = self.bitmap(false, g)?;
        let b = map.get((bit / 8) as usize)?;
        Some(b & (1 << (bit % 8)) != 0)
    }

    fn inode_location(&self, ino: u64) -> Result<u64, String> {
        if ino == 0 || ino > u64::from(self.sb.inodes_count) {
            return Err(format!(
                "inode {ino} is outside the file system (1..={})",
                self.sb.inodes_count
            ));
        }
        let g = (ino - 1) / self.sb.inodes_per_group;
        let i = (ino - 1) % self.sb.inodes_per_group;
        let grp = self
            .group(g)
            .ok_or_else(|| format!("inode {ino}: group {g} has no descriptor"))?;
        let table = grp.inode_table;
        let itable_blocks = (self.sb.inodes_per_group * self.sb.inode_size).div_ceil(self.bs());
        if table < self.sb.first_data_block
            || table.saturating_add(itable_blocks) > self.sb.blocks_count
        {
            return Err(format!(
                "inode {ino}: inode table of group {g} at block {table} lies outside the file system"
            ));
        }
        Ok(table * self.bs() + i * self.sb.inode_size)
    }

    fn read_inode(&self, ino: u64) -> Result<Inode, String> {
        let off = self.inode_location(ino)?;
        let mut buf = vec![0u8; self.sb.inode_size as usize];
        read_exact_at(self.src.as_ref(), &mut buf, off, "ext inode")
            .map_err(|e| format!("inode {ino} unreadable: {e}"))?;
        Ok(Inode::parse(&buf, &self.sb))
    }

    /// The largest size a file can have: 2^32 logical blocks with extents; 12 direct blocks and
    /// three levels of indirect blocks with a classic block map.
    fn max_file_size(&self, extents: bool) -> u64 {
        let bs = self.bs();
        if extents {
            return bs.saturating_mul(1 << 32);
        }
        let ppb = bs / 4;
        let blocks = 12u64
            .saturating_add(ppb)
            .saturating_add(ppb.saturating_mul(ppb))
            .saturating_add(ppb.saturating_pow(3));
        blocks.saturating_mul(bs)
    }

    /// Blocks of content the recorded size needs.
    fn size_blocks(&self, size: u64) -> u64 {
        size.div_ceil(self.bs())
    }

    /// The content mapping of an inode, limited to the first `max_blocks` logical blocks.
    fn mapping(&self, ino: &Inode, max_blocks: u64) -> Result<(MapKind, Vec<Run>), String> {
        if ino.flags & FL_EXTENTS != 0 {
            let mut st = ExtentWalk {
                runs: Vec::new(),
                seen: HashSet::new(),
                max_blocks,
            };
            self.extent_node(&ino.block, None, None, &mut st)?;
            let runs = finish_runs(st.runs)?;
            Ok((MapKind::Extents, runs))
        } else {
            Ok((MapKind::BlockMap, self.block_map(ino, max_blocks)?))
        }
    }

    fn extent_node(
        &self,
        node: &[u8],
        at_block: Option<u64>,
        want_depth: Option<u16>,
        st: &mut ExtentWalk,
    ) -> Result<(), String> {
        let where_ = match at_block {
            Some(b) => format!("extent node at block {b}"),
            None => "extent tree root in the inode".to_string(),
        };
        if le16(node, 0) != EXTENT_MAGIC {
            return Err(format!(
                "{where_}: no extent header (magic {:#06x}; overwritten?)",
                le16(node, 0)
            ));
        }
        let entries = usize::from(le16(node, 2));
        let max = usize::from(le16(node, 4));
        let depth = le16(node, 6);
        let capacity = (node.len() - 12) / 12;
        if entries > max || max > capacity {
            return Err(format!(
                "{where_}: {entries} entries, room for {max} (node holds {capacity})"
            ));
        }
        if depth > MAX_EXTENT_DEPTH {
            return Err(format!(
                "{where_}: depth {depth} (more than {MAX_EXTENT_DEPTH})"
            ));
        }
        if let Some(w) = want_depth
            && depth != w
        {
            return Err(format!("{where_}: depth {depth} where {w} was expected"));
        }
        let blocks = self.sb.blocks_count;
        for i in 0..entries {
            let e = node.get(12 + i * 12..24 + i * 12).unwrap_or_default();
            let logical = u64::from(le32(e, 0));
            if depth == 0 {
                let raw_len = u64::from(le16(e, 4));
                let (len, uninit) = if raw_len > 32768 {
                    (raw_len - 32768, true)
                } else {
                    (raw_len, false)
                };
                let start = (u64::from(le16(e, 6)) << 32) | u64::from(le32(e, 8));
                if len == 0 {
                    continue;
                }
                if start <= self.sb.first_data_block || start.saturating_add(len) > blocks {
                    return Err(format!(
                        "{where_}: extent {i} maps blocks {start}..{} outside the file system ({blocks} blocks)",
                        start.saturating_add(len)
                    ));
                }
                if logical >= st.max_blocks {
                    continue;
                }
                let len = len.min(st.max_blocks - logical);
                if st.runs.len() >= MAX_RUNS {
                    return Err(format!("more than {MAX_RUNS} extents"));
                }
                st.runs.push(Run {
                    logical,
                    len,
                    phys: (!uninit).then_some(start),
                });
            } else {
                let child = (u64::from(le16(e, 8)) << 32) | u64::from(le32(e, 4));
                if child <= self.sb.first_data_block || child >= blocks {
                    return Err(format!(
                        "{where_}: index {i} points to block {child}, outside the file system ({blocks} blocks)"
                    ));
                }
                if logical >= st.max_blocks {
                    continue;
                }
                if !st.seen.insert(child) {
                    return Err(format!(
                        "extent tree loops: node block {child} is referenced twice"
                    ));
                }
                let buf = self.read_block(child)?;
                self.extent_node(&buf, Some(child), Some(depth - 1), st)?;
            }
        }
        Ok(())
    }

    /// Classic block map: 12 direct pointers, then single, double and triple indirect.
    fn block_map(&self, ino: &Inode, max_blocks: u64) -> Result<Vec<Run>, String> {
        let ppb = self.bs() / 4;
        let mut st = MapWalk {
            runs: Vec::new(),
            max_blocks,
            budget: self.sb.blocks_count,
        };
        for i in 0..12u64 {
            let p = u64::from(le32(&ino.block, (i * 4) as usize));
            self.map_pointer(p, 0, i, &mut st)?;
        }
        let mut start = 12u64;
        let mut span = ppb;
        for level in 1..=3u32 {
            let p = u64::from(le32(&ino.block, (44 + level * 4) as usize));
            self.map_pointer(p, level, start, &mut st)?;
            start = start.saturating_add(span);
            span = span.saturating_mul(ppb);
        }
        finish_runs(st.runs)
    }

    /// Maps pointer `p` at indirection `level` covering logical blocks from `logical`.
    fn map_pointer(
        &self,
        p: u64,
        level: u32,
        logical: u64,
        st: &mut MapWalk,
    ) -> Result<(), String> {
        if p == 0 || logical >= st.max_blocks {
            return Ok(());
        }
        if p < self.sb.first_data_block || p >= self.sb.blocks_count {
            return Err(format!(
                "block pointer {p} (logical block {logical}) is outside the file system ({} blocks)",
                self.sb.blocks_count
            ));
        }
        if st.budget == 0 {
            return Err(format!(
                "block map addresses more blocks than the file system has ({})",
                self.sb.blocks_count
            ));
        }
        st.budget -= 1;
        if level == 0 {
            match st.runs.last_mut() {
                Some(r) if r.logical + r.len == logical && r.phys.map(|s| s + r.len) == Some(p) => {
                    r.len += 1
                }
                _ => {
                    if st.runs.len() >= MAX_RUNS {
                        return Err(format!("more than {MAX_RUNS} fragments"));
                    }
                    st.runs.push(Run {
                        logical,
                        len: 1,
                        phys: Some(p),
                    });
                }
            }
            return Ok(());
        }
        let buf = self.read_block(p)?;
        let ppb = self.bs() / 4;
        let child_span = ppb.saturating_pow(level - 1);
        for i in 0..ppb {
            let c = u64::from(le32(&buf, (i * 4) as usize));
            let l = logical.saturating_add(i.saturating_mul(child_span));
            if l >= st.max_blocks {
                break;
            }
            self.map_pointer(c, level - 1, l, st)?;
        }
        Ok(())
    }

    /// The first block of `runs` that the bitmaps mark as in use (or cannot tell).
    fn first_used_block(&self, runs: &[Run]) -> Option<u64> {
        for r in runs {
            let Some(p) = r.phys else { continue };
            for b in p..p + r.len {
                if self.block_allocated(b) != Some(false) {
                    return Some(b);
                }
            }
        }
        None
    }

    fn blocks_free(&self, runs: &[Run]) -> bool {
        self.first_used_block(runs).is_none()
    }

    /// Bytes of an inline-data inode: `i_block`, then the `system.data` attribute.
    fn inline_bytes(&self, ino: &Inode) -> (Vec<u8>, Option<String>) {
        let size = ino.size;
        let head = ino.block.get(..size.min(60) as usize).unwrap_or_default();
        let mut v = head.to_vec();
        let mut warning = None;
        if size > 60 {
            match ino.inline_xattr() {
                Some(x) => {
                    let need = (size - 60) as usize;
                    v.extend_from_slice(x.get(..need.min(x.len())).unwrap_or_default());
                    if x.len() < need {
                        warning = Some(format!("inline data has {} of {size} bytes", v.len()));
                    }
                }
                None => {
                    warning = Some(format!(
                        "inline data continues in a system.data attribute that is missing: {} of {size} bytes",
                        v.len()
                    ))
                }
            }
        }
        (v, warning)
    }

    /// The target of a symbolic link; for an unallocated inode stored in blocks, only while
    /// none of those blocks belongs to another file.
    fn symlink_target(&self, ino: &Inode, allocated: Option<bool>) -> Option<String> {
        if ino.file_type() != S_IFLNK || ino.size == 0 || ino.size > MAX_LINK {
            return None;
        }
        let bytes = if ino.is_fast_symlink(self.bs()) {
            ino.block.get(..ino.size as usize)?.to_vec()
        } else if ino.flags & FL_INLINE_DATA != 0 {
            self.inline_bytes(ino).0
        } else {
            let (_, runs) = self.mapping(ino, self.size_blocks(ino.size)).ok()?;
            if allocated != Some(true) && !self.blocks_free(&runs) {
                return None;
            }
            let mut r = run_reader(self.src.clone(), &runs, self.bs(), ino.size);
            let mut v = Vec::new();
            r.read_to_end(&mut v).ok()?;
            v
        };
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Reads a directory's records in order, deduplicated as TSK does (a deleted copy of a
    /// record that is still live under the same name and inode is dropped).
    fn read_dir(&self, ino: &Inode, in_deleted: bool, errs: &mut Vec<String>) -> Vec<Dirent> {
        let ctx = DirBlockCtx {
            filetype: self.sb.incompat & INCOMPAT_FILETYPE != 0,
            max_inode: self.sb.inodes_count,
            in_deleted,
        };
        let mut raw = Vec::new();
        if ino.flags & FL_INLINE_DATA != 0 {
            parse_dir_block(ino.block.get(4..).unwrap_or_default(), ctx, &mut raw);
            if ino.size > 60
                && let Some(x) = ino.inline_xattr()
            {
                parse_dir_block(x, ctx, &mut raw);
            }
        } else {
            let size = ino.size.min(MAX_DIR_BYTES);
            if ino.size > MAX_DIR_BYTES {
                errs.push(format!(
                    "directory of {} bytes: only the first {MAX_DIR_BYTES} read",
                    ino.size
                ));
            }
            match self.mapping(ino, self.size_blocks(size)) {
                Err(e) => errs.push(e),
                Ok((_, runs)) => {
                    let indexed = ino.flags & FL_INDEX != 0;
                    let csum = self.sb.ro_compat & RO_COMPAT_METADATA_CSUM != 0;
                    for r in runs {
                        let Some(phys) = r.phys else { continue };
                        for k in 0..r.len {
                            let blk = phys + k;
                            if in_deleted && self.block_allocated(blk) != Some(false) {
                                // Reused by another file: its records are not this directory's.
                                continue;
                            }
                            let buf = match self.read_block(blk) {
                                Ok(b) => b,
                                Err(e) => {
                                    errs.push(format!("directory {e}"));
                                    continue;
                                }
                            };
                            let logical = r.logical + k;
                            // The index blocks of an htree hold no names (only `.` and `..` in
                            // the root, which are not listed).
                            if indexed
                                && ((logical == 0 && is_dx_root(&buf))
                                    || (logical > 0 && is_dx_node(&buf, csum)))
                            {
                                continue;
                            }
                            parse_dir_block(&buf, ctx, &mut raw);
                        }
                    }
                }
            }
        }
        dedupe(raw)
    }

    /// Builds the entry for a directory record (or an orphan inode when `d` is `None`).
    fn make_entry(
        &self,
        parent: &str,
        d: &Dirent,
        meta: Option<&Inode>,
        allocated: Option<bool>,
    ) -> Entry {
        let (name, name_raw) = match String::from_utf8(d.name.clone()) {
            Ok(s) => (s, None),
            Err(_) => (
                String::from_utf8_lossy(&d.name).into_owned(),
                Some(d.name.clone()),
            ),
        };
        let name_kind = match d.ftype {
            1 => Some(EntryKind::File),
            2 => Some(EntryKind::Dir),
            3..=6 => Some(EntryKind::Other),
            7 => Some(EntryKind::Symlink),
            _ => None,
        };
        let kind = name_kind
            .or_else(|| meta.map(Inode::kind))
            .unwrap_or(EntryKind::File);
        let mut attributes = meta.map(Inode::attributes).unwrap_or_default();
        if d.deleted && allocated == Some(true) {
            attributes.push("realloc");
        }
        if allocated == Some(true) && meta.is_some_and(|m| m.links == 0) {
            // In use but without a name: open when the file system was last written.
            attributes.push("unlinked");
        }
        let extra_times = match meta {
            Some(m) if m.dtime != 0 && allocated == Some(false) => vec![TimeSet {
                source: "dtime",
                times: Times {
                    changed: ext_time(m.dtime, None),
                    ..Times::default()
                },
                tsk_addr: None,
                attr_size: None,
            }],
            _ => Vec::new(),
        };
        Entry {
            addr: Some(u64::from(d.inode)),
            path: join(parent, &name),
            name,
            name_raw,
            short_name: None,
            kind,
            size: meta.map(|m| m.size).unwrap_or(0),
            deleted: d.deleted,
            attributes,
            times: meta.map(Inode::times).unwrap_or_default(),
            extra_times,
            owner: meta
                .map(|m| Owner {
                    mode: Some(u32::from(m.mode)),
                    uid: Some(m.uid),
                    gid: Some(m.gid),
                })
                .unwrap_or_default(),
            tsk_addr: None,
            link_target: meta.and_then(|m| self.symlink_target(m, allocated)),
            handle: if d.inode == 0 {
                Handle::None
            } else {
                Handle::Ext {
                    inode: u64::from(d.inode),
                }
            },
        }
    }

    fn walk_dir(&self, dir_ino: u64, dir: &Inode, path: &str, depth: usize, w: &mut Walk) {
        let dir_allocated = self.inode_allocated(dir_ino);
        let in_deleted = dir_allocated == Some(false);
        let mut errs = Vec::new();
        let records = self.read_dir(dir, in_deleted, &mut errs);
        for e in errs {
            (w.out)(WalkItem::Error {
                path: path.to_string(),
                addr: Some(dir_ino),
                message: e,
            });
        }
        for d in records {
            if d.name == b"." || d.name == b".." {
                continue;
            }
            let ino = u64::from(d.inode);
            let (meta, allocated) = if ino != 0 {
                match self.read_inode(ino) {
                    Ok(m) => (Some(m), self.inode_allocated(ino)),
                    Err(e) => {
                        if !d.deleted {
                            (w.out)(WalkItem::Error {
                                path: join(path, &String::from_utf8_lossy(&d.name)),
                                addr: Some(ino),
                                message: e,
                            });
                        }
                        (None, None)
                    }
                }
            } else {
                (None, None)
            };
            if allocated == Some(false) {
                w.named.insert(ino);
            }
            let e = self.make_entry(path, &d, meta.as_ref(), allocated);
            let descend = match &meta {
                Some(m) => {
                    m.is_dir()
                        && matches!(d.ftype, 0 | 2)
                        && (!d.deleted || allocated == Some(false))
                }
                None => false,
            };
            if descend && let Some(m) = meta {
                let child = e.path.clone();
                let deleted = e.deleted;
                (w.out)(WalkItem::Entry(e));
                self.descend(ino, &m, &child, deleted, depth, w);
            } else {
                (w.out)(WalkItem::Entry(e));
            }
        }
    }

    fn descend(&self, ino: u64, m: &Inode, path: &str, deleted: bool, depth: usize, w: &mut Walk) {
        if depth >= MAX_DEPTH {
            (w.out)(WalkItem::Error {
                path: path.to_string(),
                addr: Some(ino),
                message: format!("directory nesting deeper than {MAX_DEPTH}; not descended"),
            });
            return;
        }
        if !w.dirs.insert(ino) {
            if !deleted {
                (w.out)(WalkItem::Error {
                    path: path.to_string(),
                    addr: Some(ino),
                    message: format!(
                        "directory loop: inode {ino} was already walked under another name; not descended again"
                    ),
                });
            }
            return;
        }
        self.walk_dir(ino, m, path, depth + 1, w);
    }

    /// Unallocated inodes that were used (ctime set) and that no name points to, in inode
    /// order. Groups whose inode table was never initialised, and the never-used tail of a
    /// table (`bg_itable_unused`), are skipped.
    fn orphan_candidates(&self, named: &HashSet<u64>) -> Vec<(u64, Inode)> {
        let mut out = Vec::new();
        let ipg = self.sb.inodes_per_group;
        let isz = self.sb.inode_size;
        let per_block = self.bs() / isz;
        let csum = self.sb.csum_bg();
        for (g, grp) in self.groups.iter().enumerate() {
            let g = g as u64;
            if csum && grp.flags & BG_INODE_UNINIT != 0 {
                continue;
            }
            let used = if csum {
                ipg.saturating_sub(grp.itable_unused)
            } else {
                ipg
            };
            let Some(map) = self.bitmap(true, g) else {
                continue;
            };
            let mut block_cache: Option<(u64, Vec<u8>)> = None;
            for i in 0..used {
                let ino = g * ipg + i + 1;
                if ino > u64::from(self.sb.inodes_count) {
                    break;
                }
                let set = map
                    .get((i / 8) as usize)
                    .is_some_and(|b| b & (1 << (i % 8)) != 0);
                if set || named.contains(&ino) {
                    continue;
                }
                let blk = grp.inode_table.saturating_add(i / per_block);
                if block_cache.as_ref().map(|c| c.0) != Some(blk) {
                    block_cache = self.read_block(blk).ok().map(|b| (blk, b));
                }
                let Some((_, buf)) = &block_cache else {
                    continue;
                };
                let at = ((i % per_block) * isz) as usize;
                let Some(raw) = buf.get(at..at + isz as usize) else {
                    continue;
                };
                let m = Inode::parse(raw, &self.sb);
                if m.ctime_raw != 0 {
                    out.push((ino, m));
                }
            }
        }
        out
    }

    /// Lists `$OrphanFiles` as TSK does: each orphan inode as `OrphanFile-N`, orphan
    /// directories with what they still hold; an orphan found inside another orphan
    /// directory is listed there only.
    fn walk_orphans(&self, w: &mut Walk) {
        let orphans = self.orphan_candidates(&w.named);
        // Which orphans are reachable from another orphan directory.
        let mut inside: HashSet<u64> = HashSet::new();
        for (ino, m) in &orphans {
            if m.is_dir() {
                let mut seen = HashSet::new();
                seen.insert(*ino);
                self.collect_subtree(m, 0, &mut seen, &mut inside);
            }
        }
        for (ino, m) in &orphans {
            if !inside.contains(ino) {
                self.emit_orphan(*ino, m, w);
            }
        }
        // Orphan directories that only contain each other would otherwise not be listed.
        for (ino, m) in &orphans {
            if inside.contains(ino) && m.is_dir() && !w.dirs.contains(ino) {
                self.emit_orphan(*ino, m, w);
            }
        }
    }

    fn emit_orphan(&self, ino: u64, m: &Inode, w: &mut Walk) {
        let d = Dirent {
            inode: u32::try_from(ino).unwrap_or(0),
            name: format!("OrphanFile-{ino}").into_bytes(),
            ftype: 0,
            deleted: true,
        };
        let mut e = self.make_entry("$OrphanFiles", &d, Some(m), Some(false));
        e.attributes.push("orphan");
        let path = e.path.clone();
        (w.out)(WalkItem::Entry(e));
        if m.is_dir() {
            self.descend(ino, m, &path, true, 0, w);
        }
    }

    /// Inode numbers of the unallocated entries below directory `m` (bounded depth, each
    /// directory once).
    fn collect_subtree(
        &self,
        m: &Inode,
        depth: usize,
        seen: &mut HashSet<u64>,
        out: &mut HashSet<u64>,
    ) {
        if depth >= MAX_DEPTH {
            return;
        }
        let mut errs = Vec::new();
        for d in self.read_dir(m, true, &mut errs) {
            if d.name == b"." || d.name == b".." || d.inode == 0 {
                continue;
            }
            let ino = u64::from(d.inode);
            if self.inode_allocated(ino) != Some(false) {
                continue;
            }
            out.insert(ino);
            if let Ok(c) = self.read_inode(ino)
                && c.is_dir()
                && seen.insert(ino)
            {
                self.collect_subtree(&c, depth + 1, seen, out);
            }
        }
    }

    /// Allocation totals from the bitmaps: (allocated blocks, free blocks).
    fn block_usage(&self) -> (u64, u64) {
        let mut free = 0u64;
        self.scan_free(&mut |_, n| free += n);
        let total = self.sb.blocks_count - self.sb.first_data_block;
        (total.saturating_sub(free), free)
    }

    /// Free blocks as byte runs (offset, length), from the block bitmaps.
    fn free_runs(&self) -> Vec<(u64, u64)> {
        let bs = self.bs();
        let mut out: Vec<(u64, u64)> = Vec::new();
        self.scan_free(&mut |blk, n| {
            let (off, len) = (blk * bs, n * bs);
            match out.last_mut() {
                Some((o, l)) if *o + *l == off => *l += len,
                _ => out.push((off, len)),
            }
        });
        out
    }

    /// Calls `f(first block, blocks)` for each free cluster the block bitmaps record, in
    /// order. Groups whose bitmap cannot be read count as allocated.
    fn scan_free(&self, f: &mut dyn FnMut(u64, u64)) {
        let ratio = self.sb.cluster_ratio;
        for g in 0..self.groups.len() as u64 {
            let Some(map) = self.bitmap(false, g) else {
                continue;
            };
            let first = self.sb.group_first_block(g);
            let in_fs = (self.sb.blocks_count - first).div_ceil(ratio);
            let nbits = self.sb.clusters_per_group.min(in_fs);
            let mut bit = 0u64;
            while bit < nbits {
                let byte = map.get((bit / 8) as usize).copied().unwrap_or(0xFF);
                if byte == 0xFF && bit.is_multiple_of(8) {
                    bit += 8;
                    continue;
                }
                let b = bit;
                bit += 1;
                if byte & (1 << (b % 8)) == 0 {
                    let blk = first + b * ratio;
                    f(blk, ratio.min(self.sb.blocks_count - blk));
                }
            }
        }
    }
}

struct ExtentWalk {
    runs: Vec<Run>,
    seen: HashSet<u64>,
    max_blocks: u64,
}

struct MapWalk {
    runs: Vec<Run>,
    max_blocks: u64,
    budget: u64,
}

/// Sorts runs by logical block and rejects overlaps.
fn finish_runs(mut runs: Vec<Run>) -> Result<Vec<Run>, String> {
    runs.sort_by_key(|r| r.logical);
    for pair in runs.windows(2) {
        if let [a, b] = pair
            && a.logical + a.len > b.logical
        {
            return Err(format!(
                "extents overlap at logical block {} (corrupt mapping)",
                b.logical
            ));
        }
    }
    Ok(runs)
}

/// Drops records that repeat an earlier (inode, name) pair; a live record replaces a deleted
/// copy of itself, as `tsk_fs_dir_add` does.
fn dedupe(raw: Vec<Dirent>) -> Vec<Dirent> {
    let mut out: Vec<Dirent> = Vec::with_capacity(raw.len());
    let mut at: HashMap<(u32, Vec<u8>), usize> = HashMap::new();
    for d in raw {
        let key = (d.inode, d.name.clone());
        match at.get(&key) {
            Some(&i) => {
                if let Some(prev) = out.get_mut(i)
                    && prev.deleted
                    && !d.deleted
                {
                    *prev = d;
                }
            }
            None => {
                at.insert(key, out.len());
                out.push(d);
            }
        }
    }
    out
}

fn fmt_time(t: i64) -> String {
    if t == 0 {
        return String::new();
    }
    Timestamp::from_unix(t, 0).to_string()
}

fn fmt_uuid(u: &[u8; 16]) -> String {
    let h: String = u.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        h.get(0..8).unwrap_or_default(),
        h.get(8..12).unwrap_or_default(),
        h.get(12..16).unwrap_or_default(),
        h.get(16..20).unwrap_or_default(),
        h.get(20..32).unwrap_or_default()
    )
}

impl FileSystem for Ext {
    fn kind(&self) -> &'static str {
        self.kind.name()
    }

    fn info(&self) -> Vec<(String, String)> {
        let sb = &self.sb;
        let (alloc, free) = self.block_usage();
        let bs = self.bs();
        let state = match sb.state {
            1 => "clean".to_string(),
            s if s & 2 != 0 => "errors detected".to_string(),
            0 => "not clean (mounted or not unmounted cleanly)".to_string(),
            s => format!("{s:#x}"),
        };
        let os = match sb.creator_os {
            0 => "Linux".to_string(),
            1 => "Hurd".to_string(),
            2 => "Masix".to_string(),
            3 => "FreeBSD".to_string(),
            4 => "Lites".to_string(),
            n => n.to_string(),
        };
        let mut v = vec![
            ("type".to_string(), self.kind.name().to_uppercase()),
            (
                "label".into(),
                String::from_utf8_lossy(&sb.label).into_owned(),
            ),
            ("uuid".into(), fmt_uuid(&sb.uuid)),
            ("revision".into(), sb.rev_level.to_string()),
            ("creator_os".into(), os),
            ("state".into(), state),
            ("features".into(), sb.features()),
            ("block_size".into(), bs.to_string()),
            ("cluster_size".into(), (bs * sb.cluster_ratio).to_string()),
            ("blocks".into(), sb.blocks_count.to_string()),
            ("free_blocks".into(), sb.free_blocks.to_string()),
            ("reserved_blocks".into(), sb.r_blocks_count.to_string()),
            ("first_data_block".into(), sb.first_data_block.to_string()),
            ("inodes".into(), sb.inodes_count.to_string()),
            ("free_inodes".into(), sb.free_inodes.to_string()),
            ("first_inode".into(), sb.first_ino.to_string()),
            ("inode_size".into(), sb.inode_size.to_string()),
            ("groups".into(), self.groups.len().to_string()),
            ("blocks_per_group".into(), sb.blocks_per_group.to_string()),
            ("inodes_per_group".into(), sb.inodes_per_group.to_string()),
            ("group_descriptor_size".into(), sb.desc_size.to_string()),
        ];
        if sb.incompat & INCOMPAT_FLEX_BG != 0 && sb.log_groups_per_flex < 32 {
            v.push((
                "groups_per_flex".into(),
                (1u64 << sb.log_groups_per_flex).to_string(),
            ));
        }
        if sb.compat & COMPAT_HAS_JOURNAL != 0 {
            v.push(("journal_inode".into(), sb.journal_inum.to_string()));
        }
        v.extend([
            (
                "last_mounted_on".to_string(),
                String::from_utf8_lossy(&sb.last_mounted).into_owned(),
            ),
            ("created".into(), fmt_time(sb.mkfs_time)),
            ("last_mount_time".into(), fmt_time(sb.mtime)),
            ("last_write_time".into(), fmt_time(sb.wtime)),
            ("last_check_time".into(), fmt_time(sb.lastcheck)),
            ("mount_count".into(), sb.mnt_count.to_string()),
            ("allocated_blocks".into(), alloc.to_string()),
            ("unallocated_blocks".into(), free.to_string()),
            ("allocated_bytes".into(), (alloc * bs).to_string()),
            ("unallocated_bytes".into(), (free * bs).to_string()),
        ]);
        let group_free: u64 = self.groups.iter().map(|g| g.free_blocks).sum();
        let group_free_inodes: u64 = self.groups.iter().map(|g| g.free_inodes).sum();
        if group_free * sb.cluster_ratio != sb.free_blocks {
            v.push((
                "issue".into(),
                format!(
                    "superblock counts {} free blocks, the group descriptors {}",
                    sb.free_blocks,
                    group_free * sb.cluster_ratio
                ),
            ));
        }
        if group_free_inodes != u64::from(sb.free_inodes) {
            v.push((
                "issue".into(),
                format!(
                    "superblock counts {} free inodes, the group descriptors {group_free_inodes}",
                    sb.free_inodes
                ),
            ));
        }
        for i in &self.issues {
            v.push(("issue".into(), i.clone()));
        }
        v
    }

    fn walk(&self, out: &mut dyn FnMut(WalkItem)) {
        let mut w = Walk {
            out,
            dirs: HashSet::new(),
            named: HashSet::new(),
        };
        w.dirs.insert(ROOT_INO);
        match self.read_inode(ROOT_INO) {
            Ok(root) if root.is_dir() => self.walk_dir(ROOT_INO, &root, "", 0, &mut w),
            Ok(root) => (w.out)(WalkItem::Error {
                path: String::new(),
                addr: Some(ROOT_INO),
                message: format!("root inode 2 is not a directory (mode {:#o})", root.mode),
            }),
            Err(e) => (w.out)(WalkItem::Error {
                path: String::new(),
                addr: Some(ROOT_INO),
                message: format!("root directory: {e}"),
            }),
        }
        self.walk_orphans(&mut w);
    }

    fn open(&self, e: &Entry) -> Result<Contents<'_>, FsError> {
        let Handle::Ext { inode } = e.handle else {
            if e.deleted {
                return Err(FsError::Content(
                    "the deleted name no longer records an inode number: content not recoverable"
                        .into(),
                ));
            }
            return Err(FsError::Content(format!("{} has no content", e.path)));
        };
        let ino = self.read_inode(inode).map_err(FsError::Content)?;
        match ino.kind() {
            EntryKind::File | EntryKind::Symlink => {}
            EntryKind::Dir => {
                return Err(FsError::Content(format!("{} is a directory", e.path)));
            }
            EntryKind::Other => {
                return Err(FsError::Content(format!(
                    "{} is a device, FIFO or socket (mode {:#o}): no content",
                    e.path, ino.mode
                )));
            }
        }
        let allocated = self.inode_allocated(inode);
        if e.deleted && allocated != Some(false) {
            return Err(FsError::Content(format!(
                "inode {inode} has been allocated to another file since this name was deleted: content not recoverable"
            )));
        }
        let unalloc = allocated == Some(false);
        if unalloc && ino.size == 0 {
            return Err(FsError::Content(format!(
                "deleted inode {inode} records size 0 and no blocks (the kernel clears them on deletion): content not recoverable"
            )));
        }
        if ino.is_fast_symlink(self.bs()) {
            let t = ino
                .block
                .get(..ino.size as usize)
                .unwrap_or_default()
                .to_vec();
            return Ok(Contents {
                reader: Box::new(std::io::Cursor::new(t)),
                source: "fast-symlink",
                warning: None,
            });
        }
        if ino.flags & FL_INLINE_DATA != 0 {
            let (bytes, warning) = self.inline_bytes(&ino);
            return Ok(Contents {
                reader: Box::new(std::io::Cursor::new(bytes)),
                source: if unalloc { "deleted-inline" } else { "inline" },
                warning,
            });
        }
        let max = self.max_file_size(ino.flags & FL_EXTENTS != 0);
        if ino.size > max {
            return Err(FsError::Content(format!(
                "inode {inode} records a size of {} bytes, more than the {max} its block map can address (corrupt inode)",
                ino.size
            )));
        }
        let (how, runs) = self
            .mapping(&ino, self.size_blocks(ino.size))
            .map_err(FsError::Content)?;
        if unalloc {
            if !runs.iter().any(|r| r.phys.is_some()) {
                return Err(FsError::Content(format!(
                    "deleted inode {inode} maps no blocks (its block map was cleared): content not recoverable"
                )));
            }
            if let Some(b) = self.first_used_block(&runs) {
                return Err(FsError::Content(format!(
                    "block {b} of deleted inode {inode} is now allocated to another file: content not recoverable"
                )));
            }
        }
        // Holes cost nothing on disk but must be read as zeros: a corrupt size would have
        // peel hash terabytes of nothing. Sparse content far beyond the volume is refused.
        let stored = runs
            .iter()
            .fold(0u64, |a, r| {
                a.saturating_add(r.len.saturating_mul(self.bs()))
            })
            .min(ino.size);
        let holes = ino.size - stored;
        let hole_limit = self
            .src
            .len()
            .saturating_mul(MAX_HOLE_FACTOR)
            .max(MIN_HOLE_LIMIT);
        if holes > hole_limit {
            return Err(FsError::Content(format!(
                "inode {inode} records {} bytes of which only {stored} are stored: {holes} bytes of holes, more than {MAX_HOLE_FACTOR} times the volume (corrupt size?); not read",
                ino.size
            )));
        }
        let source = match (how, unalloc) {
            (MapKind::Extents, false) => "extents",
            (MapKind::Extents, true) => "deleted-extents",
            (MapKind::BlockMap, false) => "block-map",
            (MapKind::BlockMap, true) => "deleted-block-map",
        };
        Ok(Contents {
            reader: Box::new(run_reader(self.src.clone(), &runs, self.bs(), ino.size)),
            source,
            warning: None,
        })
    }

    /// Blocks marked free in the block bitmaps, merged into runs (slack at the ends of files
    /// is not included).
    fn unallocated(&self) -> Option<Vec<(u64, u64)>> {
        let len = self.src.len();
        let mut v = self.free_runs();
        v.retain(|&(o, _)| o < len);
        if let Some(last) = v.last_mut() {
            last.1 = last.1.min(len - last.0);
        }
        Some(v)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use peel_image::{ContainerInfo, ImageError};

    struct Mem(Vec<u8>);
    impl Source for Mem {
        fn len(&self) -> u64 {
            self.0.len() as u64
        }
        fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, ImageError> {
            let Some(s) = self.0.get(offset as usize..) else {
                return Ok(0);
            };
            let n = s.len().min(buf.len());
            buf[..n].copy_from_slice(&s[..n]);
            Ok(n)
        }
        fn info(&self) -> ContainerInfo {
            ContainerInfo::default()
        }
    }

    const BS: usize = 1024;
    const BLOCKS: usize = 128;
    const ITABLE: usize = 5; // blocks 5 and 6: 16 inodes of 128 bytes
    const ROOT_BLOCK: usize = 7;

    /// A one-group, 1 KiB-block file system: superblock (1), descriptors (2), block bitmap
    /// (3), inode bitmap (4), inode table (5-6), root directory (7), data from 8 on.
    struct Img {
        d: Vec<u8>,
    }

    fn put16(d: &mut [u8], at: usize, v: u16) {
        d[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }
    fn put32(d: &mut [u8], at: usize, v: u32) {
        d[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    impl Img {
        fn new(incompat: u32) -> Self {
            let mut d = vec![0u8; BS * BLOCKS];
            let sb = BS;
            put32(&mut d, sb, 16); // inodes
            put32(&mut d, sb + 0x04, BLOCKS as u32);
            put32(&mut d, sb + 0x14, 1); // first data block
            put32(&mut d, sb + 0x20, 8192);
            put32(&mut d, sb + 0x24, 8192);
            put32(&mut d, sb + 0x28, 16);
            put16(&mut d, sb + 0x38, MAGIC);
            put16(&mut d, sb + 0x3A, 1);
            put32(&mut d, sb + 0x4C, 1);
            put32(&mut d, sb + 0x54, 11);
            put16(&mut d, sb + 0x58, 128);
            put32(&mut d, sb + 0x60, INCOMPAT_FILETYPE | incompat);
            put32(
                &mut d,
                sb + 0x64,
                RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE,
            );
            d[sb + 0x78..sb + 0x7D].copy_from_slice(b"synth");
            let gd = 2 * BS;
            put32(&mut d, gd, 3);
            put32(&mut d, gd + 4, 4);
            put32(&mut d, gd + 8, ITABLE as u32);
            let mut img = Img { d };
            for b in 1..=ROOT_BLOCK {
                img.use_block(b);
            }
            for i in 1..=11 {
                img.use_inode(i);
            }
            img
        }
        fn use_block(&mut self, b: usize) {
            let bit = b - 1;
            self.d[3 * BS + bit / 8] |= 1 << (bit % 8);
        }
        fn use_inode(&mut self, i: usize) {
            self.d[4 * BS + (i - 1) / 8] |= 1 << ((i - 1) % 8);
        }
        fn inode(&mut self, i: usize) -> &mut [u8] {
            let at = ITABLE * BS + (i - 1) * 128;
            &mut self.d[at..at + 128]
        }
        fn set_inode(&mut self, i: usize, mode: u16, size: u32, flags: u32) {
            let n = self.inode(i);
            put16(n, 0, mode);
            put32(n, 4, size);
            put32(n, 0x08, 1_700_000_000);
            put32(n, 0x0C, 1_700_000_100);
            put32(n, 0x10, 1_700_000_200);
            put16(n, 0x1A, 1);
            put32(n, 0x20, flags);
        }
        fn block(&mut self, b: usize) -> &mut [u8] {
            &mut self.d[b * BS..(b + 1) * BS]
        }
        /// Writes directory records `(inode, name, type, rec_len)` into block `b`.
        fn dir_block(&mut self, b: usize, recs: &[(u32, &[u8], u8, u16)]) {
            let mut at = 0;
            let blk = self.block(b);
            for &(ino, name, ty, rec_len) in recs {
                put32(blk, at, ino);
                put16(blk, at + 4, rec_len);
                blk[at + 6] = name.len() as u8;
                blk[at + 7] = ty;
                blk[at + 8..at + 8 + name.len()].copy_from_slice(name);
                at += usize::from(rec_len);
            }
        }
        fn root(&mut self, recs: &[(u32, &[u8], u8, u16)]) {
            self.set_inode(2, S_IFDIR | 0o755, BS as u32, 0);
            put32(self.inode(2), 0x28, ROOT_BLOCK as u32);
            self.use_inode(2);
            self.dir_block(ROOT_BLOCK, recs);
        }
        fn open(self) -> Ext {
            Ext::open(Arc::new(Mem(self.d))).unwrap()
        }
    }

    fn extent_header(b: &mut [u8], entries: u16, max: u16, depth: u16) {
        put16(b, 0, EXTENT_MAGIC);
        put16(b, 2, entries);
        put16(b, 4, max);
        put16(b, 6, depth);
    }
    fn extent(b: &mut [u8], i: usize, logical: u32, len: u16, start: u32) {
        let at = 12 + i * 12;
        put32(b, at, logical);
        put16(b, at + 4, len);
        put32(b, at + 8, start);
    }
    fn index(b: &mut [u8], i: usize, logical: u32, child: u32) {
        let at = 12 + i * 12;
        put32(b, at, logical);
        put32(b, at + 4, child);
    }

    fn walk_all(fs: &Ext) -> (Vec<Entry>, Vec<String>) {
        let mut entries = Vec::new();
        let mut errors = Vec::new();
        fs.walk(&mut |i| match i {
            WalkItem::Entry(e) => entries.push(e),
            WalkItem::Error { path, message, .. } => errors.push(format!("{path}: {message}")),
        });
        (entries, errors)
    }

    fn content(fs: &Ext, e: &Entry) -> Result<Vec<u8>, String> {
        let mut c = fs.open(e).map_err(|e| e.to_string())?;
        let mut v = Vec::new();
        c.reader.read_to_end(&mut v).map_err(|e| e.to_string())?;
        Ok(v)
    }

    fn by_path<'a>(v: &'a [Entry], p: &str) -> &'a Entry {
        v.iter()
            .find(|e| e.path == p)
            .unwrap_or_else(|| panic!("{p} not listed"))
    }

    #[test]
    fn times_are_signed_with_epoch_bits_and_nanoseconds() {
        assert_eq!(ext_time(0, None), None);
        assert_eq!(ext_time(0, Some(0)), None);
        let t = ext_time(1_700_000_000, Some(123_456_789 << 2)).unwrap();
        assert_eq!((t.secs, t.nanos), (1_700_000_000, 123_456_789));
        // Before 1970 without epoch bits: the base is signed.
        assert_eq!(ext_time(0xFFFF_FFFF, None).unwrap().secs, -1);
        // Epoch bit 1 moves a "negative" base past 2038.
        assert_eq!(
            ext_time(0x8000_0000, Some(1)).unwrap().secs,
            0x8000_0000_i64
        );
    }

    #[test]
    fn superblock_backups_follow_sparse_super() {
        let mut img = Img::new(0);
        img.root(&[(2, b".", 2, 12), (2, b"..", 2, 1012)]);
        let fs = img.open();
        let with: Vec<u64> = (0..60).filter(|&g| fs.sb.has_super(g)).collect();
        assert_eq!(with, [0, 1, 3, 5, 7, 9, 25, 27, 49]);
        assert_eq!(fs.kind(), "ext2");
    }

    #[test]
    fn impossible_superblocks_are_rejected_with_a_reason() {
        for (at, v, why) in [
            (0x18, 20u32, "block size"),
            (0x28, 0, "inodes per group"),
            (0x20, 12, "blocks per group"),
            (0x00, 0, "inode count is 0"),
        ] {
            let mut img = Img::new(0);
            put32(&mut img.d, BS + at, v);
            let err = Ext::open(Arc::new(Mem(img.d))).err().unwrap().to_string();
            assert!(err.contains(why), "{err}");
        }
        let mut img = Img::new(0);
        put16(&mut img.d, BS + 0x58, 100);
        let err = Ext::open(Arc::new(Mem(img.d))).err().unwrap().to_string();
        assert!(err.contains("inode size 100"), "{err}");
    }

    #[test]
    fn slack_holds_deleted_names_with_their_inode_numbers() {
        let mut img = Img::new(0);
        // "keep.txt" (12) spans the deleted "gone.txt" (13) left in its slack.
        img.root(&[
            (2, b".", 2, 12),
            (2, b"..", 2, 12),
            (12, b"keep.txt", 1, 16),
            (13, b"gone.txt", 1, 16),
        ]);
        // The record after the slack, so that keep.txt's rec_len ends at it.
        let blk = img.block(ROOT_BLOCK);
        put16(blk, 24 + 4, 32);
        let at = 24 + 32;
        put32(blk, at, 14);
        put16(blk, at + 4, (BS - at) as u16);
        blk[at + 6] = 5;
        blk[at + 7] = 1;
        blk[at + 8..at + 13].copy_from_slice(b"after");
        img.set_inode(12, S_IFREG | 0o644, 3, 0);
        put32(img.inode(12), 0x28, 8);
        img.use_inode(12);
        img.use_block(8);
        img.block(8)[..3].copy_from_slice(b"abc");
        // gone.txt: deleted by a tool that kept its block pointer; block 9 is free.
        img.set_inode(13, S_IFREG | 0o600, 4, 0);
        put32(img.inode(13), 0x14, 1_700_000_300);
        put32(img.inode(13), 0x28, 9);
        img.block(9)[..4].copy_from_slice(b"gone");
        img.set_inode(14, S_IFREG | 0o644, 0, 0);
        img.use_inode(14);
        let fs = img.open();
        let (v, errs) = walk_all(&fs);
        assert!(errs.is_empty(), "{errs:?}");
        let names: Vec<(&str, u64, bool)> = v
            .iter()
            .map(|e| (e.path.as_str(), e.addr.unwrap(), e.deleted))
            .collect();
        assert_eq!(
            names,
            [
                ("keep.txt", 12, false),
                ("gone.txt", 13, true),
                ("after", 14, false)
            ]
        );
        let gone = by_path(&v, "gone.txt");
        assert_eq!(content(&fs, gone).unwrap(), b"gone");
        assert_eq!(fs.open(gone).unwrap().source, "deleted-block-map");
        assert_eq!(gone.extra_times[0].source, "dtime");
        assert_eq!(
            gone.extra_times[0].times.changed.unwrap().secs,
            1_700_000_300
        );
        assert_eq!(gone.owner.mode, Some(0o100600));
        assert_eq!(content(&fs, by_path(&v, "keep.txt")).unwrap(), b"abc");
    }

    #[test]
    fn deleted_content_is_refused_when_reused_or_cleared() {
        let mut img = Img::new(0);
        img.root(&[
            (2, b".", 2, 12),
            (2, b"..", 2, 12),
            (12, b"live", 1, 12),
            (13, b"reused", 1, 16),
            (14, b"cleared", 1, (BS - 52) as u16),
        ]);
        let blk = img.block(ROOT_BLOCK);
        put16(blk, 24 + 4, 12 + 16 + 16); // live spans both deleted records
        img.set_inode(12, S_IFREG | 0o644, 5, 0);
        put32(img.inode(12), 0x28, 8);
        img.use_inode(12);
        img.use_block(8);
        img.set_inode(13, S_IFREG | 0o644, 5, 0);
        put32(img.inode(13), 0x28, 8); // its block now belongs to "live"
        img.set_inode(14, S_IFREG | 0o644, 0, 0); // size and map zeroed by the kernel
        let fs = img.open();
        let (v, _) = walk_all(&fs);
        let reused = content(&fs, by_path(&v, "reused")).unwrap_err();
        assert!(reused.contains("now allocated to another file"), "{reused}");
        let cleared = content(&fs, by_path(&v, "cleared")).unwrap_err();
        assert!(cleared.contains("size 0"), "{cleared}");
    }

    #[test]
    fn extent_trees_with_index_nodes_holes_and_unwritten_extents() {
        let mut img = Img::new(INCOMPAT_EXTENTS);
        img.root(&[(2, b".", 2, 12), (2, b"..", 2, 12), (12, b"f", 1, 1000)]);
        img.set_inode(12, S_IFREG | 0o644, (6 * BS) as u32, FL_EXTENTS);
        img.use_inode(12);
        {
            let n = img.inode(12);
            let b = &mut n[0x28..0x64];
            extent_header(b, 1, 4, 1);
            index(b, 0, 0, 20);
        }
        let leaf = img.block(20);
        extent_header(leaf, 3, 84, 0);
        extent(leaf, 0, 0, 1, 30); // block 0
        extent(leaf, 1, 2, 32768 + 1, 31); // block 2: unwritten
        extent(leaf, 2, 4, 1, 32); // block 4; 1, 3 and 5 are holes
        img.block(30).fill(b'A');
        img.block(31).fill(b'U');
        img.block(32).fill(b'C');
        for b in [20, 30, 31, 32] {
            img.use_block(b);
        }
        let fs = img.open();
        assert_eq!(fs.kind(), "ext4");
        let (v, errs) = walk_all(&fs);
        assert!(errs.is_empty(), "{errs:?}");
        let data = content(&fs, by_path(&v, "f")).unwrap();
        assert_eq!(data.len(), 6 * BS);
        let mut want = vec![0u8; 6 * BS];
        want[..BS].fill(b'A');
        want[4 * BS..5 * BS].fill(b'C');
        assert_eq!(data, want);
    }

    fn one_file_with_root_extents(f: impl FnOnce(&mut Img)) -> Result<Vec<u8>, String> {
        let mut img = Img::new(INCOMPAT_EXTENTS);
        img.root(&[(2, b".", 2, 12), (2, b"..", 2, 12), (12, b"f", 1, 1000)]);
        img.set_inode(12, S_IFREG | 0o644, BS as u32, FL_EXTENTS);
        img.use_inode(12);
        f(&mut img);
        let fs = img.open();
        let (v, _) = walk_all(&fs);
        content(&fs, by_path(&v, "f"))
    }

    #[test]
    fn extent_loops_and_blocks_outside_are_errors() {
        let looped = one_file_with_root_extents(|img| {
            let b = &mut img.inode(12)[0x28..0x64];
            extent_header(b, 1, 4, 2);
            index(b, 0, 0, 20);
            let n = img.block(20);
            extent_header(n, 1, 84, 1);
            index(n, 0, 0, 20); // points back at itself
        })
        .unwrap_err();
        assert!(looped.contains("loops"), "{looped}");
        let outside = one_file_with_root_extents(|img| {
            let b = &mut img.inode(12)[0x28..0x64];
            extent_header(b, 1, 4, 0);
            extent(b, 0, 0, 4, 126); // 126..130 of 128 blocks
        })
        .unwrap_err();
        assert!(outside.contains("outside the file system"), "{outside}");
        let deep = one_file_with_root_extents(|img| {
            let b = &mut img.inode(12)[0x28..0x64];
            extent_header(b, 1, 4, 6);
        })
        .unwrap_err();
        assert!(deep.contains("depth 6"), "{deep}");
        let garbage = one_file_with_root_extents(|img| {
            let b = &mut img.inode(12)[0x28..0x64];
            extent_header(b, 1, 4, 1);
            index(b, 0, 0, 40); // block 40 holds no extent node
        })
        .unwrap_err();
        assert!(garbage.contains("no extent header"), "{garbage}");
        let huge = one_file_with_root_extents(|img| {
            let b = &mut img.inode(12)[0x28..0x64];
            extent_header(b, 1, 4, 0);
            extent(b, 0, 0, 1, 40);
            put32(img.inode(12), 0x6C, 2); // size_high: 8 GiB + 1 KiB, one block stored
        })
        .unwrap_err();
        assert!(huge.contains("bytes of holes"), "{huge}");
        let too_many = one_file_with_root_extents(|img| {
            let b = &mut img.inode(12)[0x28..0x64];
            extent_header(b, 9, 4, 0);
        })
        .unwrap_err();
        assert!(too_many.contains("9 entries"), "{too_many}");
    }

    #[test]
    fn block_maps_with_double_indirect_pointers() {
        // 12 direct + 256 single + 2 via double indirect = 270 blocks.
        let mut img = Img::new(0);
        img.d.resize(BS * 400, 0);
        put32(&mut img.d, BS + 4, 400);
        img.root(&[(2, b".", 2, 12), (2, b"..", 2, 12), (12, b"big", 1, 1000)]);
        let size = 270 * BS - 10;
        img.set_inode(12, S_IFREG | 0o644, size as u32, 0);
        img.use_inode(12);
        let mut next = 100u32;
        let mut want = Vec::new();
        let mut data_block = |img: &mut Img, i: usize| {
            let b = next;
            next += 1;
            img.block(b as usize).fill((i % 251) as u8);
            want.extend(std::iter::repeat_n((i % 251) as u8, BS));
            b
        };
        for i in 0..12 {
            let b = data_block(&mut img, i);
            put32(img.inode(12), 0x28 + i * 4, b);
        }
        put32(img.inode(12), 0x28 + 48, 20); // single indirect
        for i in 0..256 {
            let b = data_block(&mut img, 12 + i);
            put32(img.block(20), i * 4, b);
        }
        put32(img.inode(12), 0x28 + 52, 21); // double indirect
        put32(img.block(21), 0, 22);
        for i in 0..2 {
            let b = data_block(&mut img, 268 + i);
            put32(img.block(22), i * 4, b);
        }
        let fs = img.open();
        let (v, errs) = walk_all(&fs);
        assert!(errs.is_empty(), "{errs:?}");
        want.truncate(size);
        assert_eq!(content(&fs, by_path(&v, "big")).unwrap(), want);
    }

    #[test]
    fn htree_index_blocks_yield_no_names() {
        let mut img = Img::new(0);
        img.root(&[(2, b".", 2, 12), (2, b"..", 2, 12), (12, b"d", 2, 1000)]);
        img.set_inode(12, S_IFDIR | 0o755, (3 * BS) as u32, FL_INDEX);
        img.use_inode(12);
        for (i, b) in [40u32, 41, 42].iter().enumerate() {
            put32(img.inode(12), 0x28 + i * 4, *b);
            img.use_block(*b as usize);
        }
        // Root: ".", ".." over the rest, dx_root_info, then entries that look like records.
        img.dir_block(40, &[(12, b".", 2, 12), (2, b"..", 2, (BS - 12) as u16)]);
        let r = img.block(40);
        r[24 + 5] = 8; // info length
        put16(r, 32, 123); // limit
        put16(r, 34, 2); // count
        put32(r, 36, 1);
        put32(r, 40, 12); // an "inode number" followed by a plausible rec_len
        put16(r, 44, 12);
        r[46] = 1;
        r[48] = b'x';
        // Interior node: fake record over the whole block, count/limit.
        let n = img.block(41);
        put16(n, 4, BS as u16);
        put16(n, 8, ((BS - 8) / 8) as u16);
        put16(n, 10, 1);
        put32(n, 16, 12);
        put16(n, 20, 12);
        n[22] = 1;
        n[24] = b'y';
        img.dir_block(42, &[(13, b"leaf-entry", 1, BS as u16)]);
        img.set_inode(13, S_IFREG | 0o644, 0, 0);
        img.use_inode(13);
        let fs = img.open();
        let (v, errs) = walk_all(&fs);
        assert!(errs.is_empty(), "{errs:?}");
        let paths: Vec<&str> = v.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["d", "d/leaf-entry"]);
    }

    #[test]
    fn unnamed_unallocated_inodes_are_orphans_and_loops_are_walked_once() {
        let mut img = Img::new(0);
        img.root(&[(2, b".", 2, 12), (2, b"..", 2, 12), (12, b"sub", 2, 1000)]);
        img.set_inode(12, S_IFDIR | 0o755, BS as u32, 0);
        put32(img.inode(12), 0x28, 8);
        img.use_inode(12);
        img.use_block(8);
        // sub holds a second name for sub itself (a directory hard link: a loop).
        img.dir_block(
            8,
            &[
                (12, b".", 2, 12),
                (2, b"..", 2, 12),
                (12, b"again", 2, 1000),
            ],
        );
        // Inode 15: unallocated, used once (ctime set), no name points to it.
        img.set_inode(15, S_IFREG | 0o640, 0, 0);
        put32(img.inode(15), 0x14, 1_700_000_400);
        // Inode 16: unallocated and never used: not an orphan.
        let fs = img.open();
        let (v, errs) = walk_all(&fs);
        let paths: Vec<&str> = v.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["sub", "sub/again", "$OrphanFiles/OrphanFile-15"]);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].starts_with("sub/again: directory loop"), "{errs:?}");
        let o = by_path(&v, "$OrphanFiles/OrphanFile-15");
        assert!(o.deleted && o.attributes.contains(&"orphan"));
        assert_eq!(o.addr, Some(15));
    }

    #[test]
    fn inline_data_and_symlinks() {
        let mut img = Img::new(INCOMPAT_INLINE_DATA | INCOMPAT_EXTENTS);
        put16(&mut img.d, BS + 0x58, 256);
        // 256-byte inodes: the table needs 4 blocks (5-8); the root moves to block 9.
        img.d[3 * BS] = 0;
        for b in 1..=9 {
            img.use_block(b);
        }
        let at = |i: usize| ITABLE * BS + (i - 1) * 256;
        let root = at(2);
        put16(&mut img.d, root, S_IFDIR | 0o755);
        put32(&mut img.d, root + 4, BS as u32);
        put32(&mut img.d, root + 0x0C, 1);
        put32(&mut img.d, root + 0x28, 9);
        img.use_inode(2);
        img.dir_block(
            9,
            &[
                (2, b".", 2, 12),
                (2, b"..", 2, 12),
                (12, b"inline.txt", 1, 20),
                (13, b"fast", 7, 12),
                (14, b"slow", 7, (BS - 56) as u16),
            ],
        );
        let text: Vec<u8> = (0..100u8).map(|i| b'a' + i % 26).collect();
        let f = at(12);
        put16(&mut img.d, f, S_IFREG | 0o644);
        put32(&mut img.d, f + 4, 100);
        put32(&mut img.d, f + 0x0C, 1);
        put32(&mut img.d, f + 0x20, FL_INLINE_DATA);
        img.d[f + 0x28..f + 0x64].copy_from_slice(&text[..60]);
        put16(&mut img.d, f + 0x80, 32); // i_extra_isize
        let x = f + 128 + 32;
        put32(&mut img.d, x, 0xEA02_0000);
        let e = x + 4;
        img.d[e] = 4; // name length
        img.d[e + 1] = 7; // system.
        put16(&mut img.d, e + 2, 40); // value offset from the first entry
        put32(&mut img.d, e + 8, 40); // value size
        img.d[e + 16..e + 20].copy_from_slice(b"data");
        img.d[e + 40..e + 80].copy_from_slice(&text[60..]);
        img.use_inode(12);
        let l = at(13);
        put16(&mut img.d, l, S_IFLNK | 0o777);
        put32(&mut img.d, l + 4, 7);
        put32(&mut img.d, l + 0x0C, 1);
        img.d[l + 0x28..l + 0x2F].copy_from_slice(b"target!");
        img.use_inode(13);
        let s = at(14);
        let long = "t/".repeat(40);
        put16(&mut img.d, s, S_IFLNK | 0o777);
        put32(&mut img.d, s + 4, long.len() as u32);
        put32(&mut img.d, s + 0x0C, 1);
        put32(&mut img.d, s + 0x1C, 2);
        put32(&mut img.d, s + 0x20, FL_EXTENTS);
        extent_header(&mut img.d[s + 0x28..], 1, 4, 0);
        extent(&mut img.d[s + 0x28..], 0, 0, 1, 50);
        img.d[50 * BS..50 * BS + long.len()].copy_from_slice(long.as_bytes());
        img.use_block(50);
        img.use_inode(14);
        let fs = Ext::open(Arc::new(Mem(img.d))).unwrap();
        let (v, errs) = walk_all(&fs);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(content(&fs, by_path(&v, "inline.txt")).unwrap(), text);
        assert_eq!(fs.open(by_path(&v, "inline.txt")).unwrap().source, "inline");
        let fast = by_path(&v, "fast");
        assert_eq!(fast.kind, EntryKind::Symlink);
        assert_eq!(fast.link_target.as_deref(), Some("target!"));
        assert_eq!(
            by_path(&v, "slow").link_target.as_deref(),
            Some(long.as_str())
        );
    }

    #[test]
    fn dir_block_parsing_skips_garbage() {
        let ctx = DirBlockCtx {
            filetype: true,
            max_inode: 100,
            in_deleted: false,
        };
        let mut b = vec![0u8; 64];
        put32(&mut b, 0, 11);
        put16(&mut b, 4, 64);
        b[6] = 3;
        b[7] = 1;
        b[8..11].copy_from_slice(b"abc");
        // In the slack: an inode number beyond the table, then a name with a NUL byte,
        // then a good deleted record.
        put32(&mut b, 12, 5000);
        put16(&mut b, 16, 12);
        b[18] = 1;
        put32(&mut b, 24, 12);
        put16(&mut b, 28, 12);
        b[30] = 2;
        b[32..34].copy_from_slice(b"x\0");
        put32(&mut b, 36, 13);
        put16(&mut b, 40, 12);
        b[42] = 2;
        b[43] = 1;
        b[44..46].copy_from_slice(b"ok");
        let mut out = Vec::new();
        parse_dir_block(&b, ctx, &mut out);
        let got: Vec<(u32, &[u8], bool)> = out
            .iter()
            .map(|d| (d.inode, d.name.as_slice(), d.deleted))
            .collect();
        assert_eq!(got, [(11, &b"abc"[..], false), (13, &b"ok"[..], true)]);
    }

    #[test]
    fn unallocated_runs_come_from_the_bitmap() {
        let mut img = Img::new(0);
        img.root(&[(2, b".", 2, 12), (2, b"..", 2, 1012)]);
        img.use_block(10);
        let fs = img.open();
        let runs = fs.unallocated().unwrap();
        // Blocks 8, 9 free; 10 used; 11..127 free.
        assert_eq!(
            runs,
            [
                (8 * 1024, 2 * 1024),
                (11 * 1024, (BLOCKS as u64 - 11) * 1024)
            ]
        );
        let info: HashMap<String, String> = fs.info().into_iter().collect();
        assert_eq!(info["label"], "synth");
        assert_eq!(info["unallocated_blocks"], (2 + BLOCKS - 11).to_string());
    }
}
