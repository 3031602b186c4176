//! FAT12/16/32 reader written for examination: it lists deleted entries (0xE5) with the long
//! names their LFN slots still hold, numbers entries the way The Sleuth Kit does (so addresses
//! compare with `fls`/`icat`), and recovers deleted content as TSK does: from the first cluster
//! on through the clusters that are still unallocated, until the recorded size is reached.
//!
//! Every cluster number, chain and directory is bounded: loops, chains leaving the volume and
//! directories containing themselves become [`WalkItem::Error`]s and the walk goes on.

use std::collections::HashSet;
use std::sync::Arc;

use peel_core::record::{EntryKind, Times};
use peel_core::time::Timestamp;
use peel_image::{Source, read_exact_at};

use crate::{Contents, Entry, ExtentReader, FileSystem, FsError, Handle, WalkItem};

use peel_core::bytes::{byte, le16, le32};

/// FAT variant, decided by cluster count as the specification says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FatKind {
    /// 12-bit entries.
    Fat12,
    /// 16-bit entries.
    Fat16,
    /// 28-bit entries.
    Fat32,
}

impl FatKind {
    fn name(self) -> &'static str {
        match self {
            FatKind::Fat12 => "fat12",
            FatKind::Fat16 => "fat16",
            FatKind::Fat32 => "fat32",
        }
    }
    fn eoc(self) -> u32 {
        match self {
            FatKind::Fat12 => 0xFF8,
            FatKind::Fat16 => 0xFFF8,
            FatKind::Fat32 => 0x0FFF_FFF8,
        }
    }
    fn bad(self) -> u32 {
        self.eoc() - 1
    }
}

const UNREADABLE: u32 = u32::MAX;
const MAX_DEPTH: usize = 128;
/// The specification caps a directory at 65536 entries (2 MiB).
const MAX_DIR_BYTES: u64 = 2 * 1024 * 1024;
const ATTR_RO: u8 = 0x01;
const ATTR_HIDDEN: u8 = 0x02;
const ATTR_SYSTEM: u8 = 0x04;
const ATTR_VOLUME: u8 = 0x08;
const ATTR_DIR: u8 = 0x10;
const ATTR_ARCHIVE: u8 = 0x20;
const ATTR_LFN: u8 = 0x0F;

/// An opened FAT volume.
pub struct Fat {
    src: Arc<dyn Source>,
    kind: FatKind,
    bps: u64,
    spc: u64,
    reserved: u64,
    nfats: u64,
    fat_sectors: u64,
    root_entries: u64,
    total_sectors: u64,
    /// First sector after the FATs (TSK's `firstdatasect`): the FAT12/16 root directory.
    first_data_sector: u64,
    /// First sector of cluster 2.
    first_cluster_sector: u64,
    max_cluster: u32,
    root_cluster: u32,
    fat: Vec<u32>,
    oem: String,
    bpb_label: String,
    volume_id: Option<u32>,
    issues: Vec<String>,
}

fn bad(reason: impl Into<String>) -> FsError {
    FsError::BadSuperblock {
        kind: "fat",
        reason: reason.into(),
    }
}

/// True when `boot` (the first sector of a volume) carries a plausible FAT BPB.
pub fn probe(boot: &[u8]) -> bool {
    let bps = le16(boot, 11);
    let spc = byte(boot, 13);
    matches!(bps, 512 | 1024 | 2048 | 4096)
        && spc != 0
        && spc.is_power_of_two()
        && le16(boot, 14) != 0
        && (1..=4).contains(&byte(boot, 16))
        && boot.get(3..11) != Some(b"NTFS    ")
        && boot.get(3..11) != Some(b"EXFAT   ")
        && (le16(boot, 19) != 0 || le32(boot, 32) != 0)
        && (le16(boot, 22) != 0 || le32(boot, 36) != 0)
}

fn trim_label(b: &[u8]) -> String {
    String::from_utf8_lossy(b).trim_end().to_string()
}

impl Fat {
    /// Opens the FAT file system on `src` (a volume), reading the boot sector and FAT #1.
    pub fn open(src: Arc<dyn Source>) -> Result<Self, FsError> {
        let mut boot = [0u8; 512];
        read_exact_at(src.as_ref(), &mut boot, 0, "FAT boot sector")?;
        let bps = u64::from(le16(&boot, 11));
        if !matches!(bps, 512 | 1024 | 2048 | 4096) {
            return Err(bad(format!(
                "bytes per sector is {bps} (expected 512, 1024, 2048 or 4096)"
            )));
        }
        let spc = u64::from(byte(&boot, 13));
        if spc == 0 || !spc.is_power_of_two() {
            return Err(bad(format!(
                "sectors per cluster is {spc} (expected a power of two)"
            )));
        }
        let reserved = u64::from(le16(&boot, 14));
        if reserved == 0 {
            return Err(bad("reserved sector count is 0"));
        }
        let nfats = u64::from(byte(&boot, 16));
        if !(1..=4).contains(&nfats) {
            return Err(bad(format!("number of FATs is {nfats}")));
        }
        let root_entries = u64::from(le16(&boot, 17));
        let total_sectors = match le16(&boot, 19) {
            0 => u64::from(le32(&boot, 32)),
            n => u64::from(n),
        };
        let fat16_size = u64::from(le16(&boot, 22));
        let fat_sectors = if fat16_size != 0 {
            fat16_size
        } else {
            u64::from(le32(&boot, 36))
        };
        if fat_sectors == 0 || total_sectors == 0 {
            return Err(bad("FAT size or total sector count is 0"));
        }
        let root_dir_sectors = (root_entries * 32).div_ceil(bps);
        let first_data_sector = reserved + nfats * fat_sectors;
        let first_cluster_sector = first_data_sector + root_dir_sectors;
        if first_cluster_sector >= total_sectors {
            return Err(bad(format!(
                "data area starts at sector {first_cluster_sector}, beyond the {total_sectors} sectors of the volume"
            )));
        }
        let clusters = (total_sectors - first_cluster_sector) / spc;
        let kind = if fat16_size == 0 && root_entries == 0 {
            FatKind::Fat32
        } else if clusters < 4085 {
            FatKind::Fat12
        } else {
            FatKind::Fat16
        };
        let max_entries = match kind {
            FatKind::Fat12 => 0xFF4u64,
            FatKind::Fat16 => 0xFFF4,
            FatKind::Fat32 => 0x0FFF_FFF4,
        };
        let max_cluster = (clusters + 1).min(max_entries) as u32;
        let mut issues = Vec::new();
        let fs_bytes = total_sectors * bps;
        if fs_bytes > src.len() {
            issues.push(format!(
                "file system claims {fs_bytes} bytes but the volume has {} (truncated image?)",
                src.len()
            ));
        }
        if boot.get(510..512) != Some(&[0x55, 0xAA]) {
            issues.push("boot sector signature 0x55AA missing".into());
        }
        let (root_cluster, label_at, id_at, sig_at) = match kind {
            FatKind::Fat32 => (le32(&boot, 44) & 0x0FFF_FFFF, 71, 67, 66),
            _ => (0, 43, 39, 38),
        };
        let has_ext = matches!(byte(&boot, sig_at), 0x28 | 0x29);
        let mut fat = Fat {
            src,
            kind,
            bps,
            spc,
            reserved,
            nfats,
            fat_sectors,
            root_entries,
            total_sectors,
            first_data_sector,
            first_cluster_sector,
            max_cluster,
            root_cluster,
            fat: Vec::new(),
            oem: String::from_utf8_lossy(boot.get(3..11).unwrap_or_default())
                .trim_end()
                .to_string(),
            bpb_label: if has_ext && byte(&boot, sig_at) == 0x29 {
                trim_label(boot.get(label_at..label_at + 11).unwrap_or_default())
            } else {
                String::new()
            },
            volume_id: has_ext.then(|| le32(&boot, id_at)),
            issues,
        };
        fat.load_fat()?;
        if kind == FatKind::Fat32 && !(2..=max_cluster).contains(&root_cluster) {
            fat.issues.push(format!(
                "root directory cluster {root_cluster} is outside the volume"
            ));
        }
        Ok(fat)
    }

    fn load_fat(&mut self) -> Result<(), FsError> {
        let entries = u64::from(self.max_cluster) + 1;
        let need = match self.kind {
            FatKind::Fat12 => (entries * 3).div_ceil(2),
            FatKind::Fat16 => entries * 2,
            FatKind::Fat32 => entries * 4,
        }
        .min(self.fat_sectors * self.bps);
        let start = self.reserved * self.bps;
        let avail = self.src.len().saturating_sub(start).min(need);
        if avail == 0 {
            return Err(bad("the FAT lies beyond the end of the volume"));
        }
        let mut raw = vec![0u8; avail as usize];
        read_exact_at(self.src.as_ref(), &mut raw, start, "FAT")?;
        if avail < need {
            self.issues.push(format!(
                "FAT truncated: {avail} of {need} bytes readable; later clusters treated as unreadable"
            ));
        }
        let mut fat = Vec::with_capacity(entries as usize);
        for c in 0..entries as usize {
            let v = match self.kind {
                FatKind::Fat12 => {
                    let off = c + c / 2;
                    if off + 1 >= raw.len() {
                        UNREADABLE
                    } else {
                        let w = u32::from(le16(&raw, off));
                        if c % 2 == 0 { w & 0xFFF } else { w >> 4 }
                    }
                }
                FatKind::Fat16 => {
                    if c * 2 + 2 > raw.len() {
                        UNREADABLE
                    } else {
                        u32::from(le16(&raw, c * 2))
                    }
                }
                FatKind::Fat32 => {
                    if c * 4 + 4 > raw.len() {
                        UNREADABLE
                    } else {
                        le32(&raw, c * 4) & 0x0FFF_FFFF
                    }
                }
            };
            fat.push(v);
        }
        self.fat = fat;
        Ok(())
    }

    fn cluster_size(&self) -> u64 {
        self.bps * self.spc
    }

    fn entry(&self, c: u32) -> u32 {
        self.fat.get(c as usize).copied().unwrap_or(UNREADABLE)
    }

    /// True when cluster `c` is in use (or its FAT entry cannot be read).
    pub fn is_allocated(&self, c: u32) -> bool {
        self.entry(c) != 0
    }

    fn cluster_offset(&self, c: u32) -> u64 {
        (self.first_cluster_sector + u64::from(c.saturating_sub(2)) * self.spc) * self.bps
    }

    /// Follows the chain from `start` for at most `max_len` clusters.
    /// Returns the clusters read and the reason it stopped early, if it did.
    fn chain(&self, start: u32, max_len: u64) -> (Vec<u32>, Option<String>) {
        let mut out = Vec::new();
        if !(2..=self.max_cluster).contains(&start) {
            return (
                out,
                Some(format!(
                    "first cluster {start} is outside the volume (2..={})",
                    self.max_cluster
                )),
            );
        }
        let mut seen = HashSet::new();
        let mut c = start;
        loop {
            out.push(c);
            seen.insert(c);
            if out.len() as u64 >= max_len {
                return (out, None);
            }
            let next = self.entry(c);
            let err = if next == UNREADABLE {
                format!("FAT entry of cluster {c} cannot be read")
            } else if next >= self.kind.eoc() {
                return (out, None);
            } else if next == self.kind.bad() {
                format!("cluster chain reaches cluster {c}'s successor marked bad")
            } else if next == 0 {
                format!("cluster chain reaches free cluster after {c}")
            } else if next < 2 || next > self.max_cluster {
                format!("cluster chain leaves the volume: cluster {c} points to {next}")
            } else if seen.contains(&next) {
                format!("cluster chain loops: cluster {c} points back to {next}")
            } else {
                c = next;
                continue;
            };
            return (out, Some(err));
        }
    }

    fn extents(&self, clusters: &[u32]) -> Vec<(u64, u64)> {
        let cs = self.cluster_size();
        let mut ext: Vec<(u64, u64)> = Vec::new();
        for &c in clusters {
            let off = self.cluster_offset(c);
            match ext.last_mut() {
                Some((o, l)) if *o + *l == off => *l += cs,
                _ => ext.push((off, cs)),
            }
        }
        ext
    }

    /// Clusters TSK would use for a deleted file: from `start`, the unallocated clusters in
    /// order (allocated ones skipped) until `size` is covered.
    fn deleted_clusters(&self, start: u32, size: u64) -> Result<Vec<u32>, String> {
        if size == 0 {
            return Ok(Vec::new());
        }
        if !(2..=self.max_cluster).contains(&start) {
            return Err(format!(
                "first cluster {start} is outside the volume: content not recoverable"
            ));
        }
        if self.is_allocated(start) {
            return Err(format!(
                "first cluster {start} is now allocated to another file: content not recoverable"
            ));
        }
        let need = size.div_ceil(self.cluster_size());
        let mut out = Vec::new();
        let mut c = start;
        while (out.len() as u64) < need {
            if c > self.max_cluster {
                return Err(format!(
                    "only {} of {need} unallocated clusters left after cluster {start}: content not recoverable",
                    out.len()
                ));
            }
            if !self.is_allocated(c) {
                out.push(c);
            }
            c += 1;
        }
        Ok(out)
    }

    fn sectors_of_clusters(&self, clusters: &[u32]) -> Vec<u64> {
        let mut s = Vec::new();
        for &c in clusters {
            let first = self.first_cluster_sector + u64::from(c - 2) * self.spc;
            s.extend(first..first + self.spc);
        }
        s
    }

    /// Reads directory sectors, returning (sector number, bytes) pairs; sectors that cannot be
    /// read are reported through `err`.
    fn read_sectors(&self, sectors: &[u64], err: &mut Vec<String>) -> Vec<(u64, Vec<u8>)> {
        let mut out = Vec::with_capacity(sectors.len());
        for &s in sectors {
            let mut buf = vec![0u8; self.bps as usize];
            match read_exact_at(
                self.src.as_ref(),
                &mut buf,
                s * self.bps,
                "directory sector",
            ) {
                Ok(()) => out.push((s, buf)),
                Err(e) => {
                    err.push(format!("directory sector {s} unreadable: {e}"));
                    break;
                }
            }
        }
        out
    }

    fn inode_of(&self, sector: u64, slot: u64) -> u64 {
        (sector.saturating_sub(self.first_data_sector)) * (self.bps / 32) + slot + 3
    }

    fn root_label(&self) -> Option<String> {
        let mut label = None;
        let mut errs = Vec::new();
        let sectors = self.root_sectors(&mut errs);
        for (_, buf) in self.read_sectors(&sectors, &mut errs) {
            for d in buf.chunks_exact(32) {
                let attr = byte(d, 11);
                if byte(d, 0) == 0 {
                    return label;
                }
                if byte(d, 0) != 0xE5 && attr & 0x3F != ATTR_LFN && attr & ATTR_VOLUME != 0 {
                    label = Some(trim_label(d.get(0..11).unwrap_or_default()));
                }
            }
        }
        label
    }

    fn root_sectors(&self, errs: &mut Vec<String>) -> Vec<u64> {
        match self.kind {
            FatKind::Fat32 => {
                let cap = (MAX_DIR_BYTES / self.cluster_size()).max(1) + 1;
                let (cl, e) = self.chain(self.root_cluster, cap);
                if let Some(e) = e {
                    errs.push(format!("root directory: {e}"));
                }
                self.sectors_of_clusters(&cl)
            }
            _ => (self.first_data_sector..self.first_cluster_sector).collect(),
        }
    }

    fn walk_dir(
        &self,
        sectors: Vec<u64>,
        path: &str,
        in_deleted: bool,
        depth: usize,
        seen_dirs: &mut HashSet<u32>,
        out: &mut dyn FnMut(WalkItem),
    ) {
        let mut errs = Vec::new();
        let data = self.read_sectors(&sectors, &mut errs);
        for e in errs {
            out(WalkItem::Error {
                path: path.to_string(),
                addr: None,
                message: e,
            });
        }
        let mut lfn = Lfn::default();
        for (sector, buf) in &data {
            for (slot, d) in buf.chunks_exact(32).enumerate() {
                let inode = self.inode_of(*sector, slot as u64);
                match classify(d) {
                    Slot::Empty | Slot::Invalid | Slot::Dot => continue,
                    Slot::Lfn => lfn.add(d),
                    Slot::Label => {
                        let e = self.make_label(d, path, inode, in_deleted);
                        out(WalkItem::Entry(e));
                    }
                    Slot::Short => {
                        let long = lfn.take();
                        let (e, first) = self.make_entry(d, long, path, inode, in_deleted);
                        if e.kind == EntryKind::Dir {
                            // Depth-first, as fls: descend right after listing the directory.
                            let dir = e.clone();
                            out(WalkItem::Entry(e));
                            self.descend(&dir, first, depth, seen_dirs, out);
                        } else {
                            out(WalkItem::Entry(e));
                        }
                    }
                }
            }
        }
    }

    fn descend(
        &self,
        dir: &Entry,
        first: u32,
        depth: usize,
        seen_dirs: &mut HashSet<u32>,
        out: &mut dyn FnMut(WalkItem),
    ) {
        if depth >= MAX_DEPTH {
            out(WalkItem::Error {
                path: dir.path.clone(),
                addr: dir.addr,
                message: format!("directory nesting deeper than {MAX_DEPTH}; not descended"),
            });
            return;
        }
        if dir.deleted {
            // The chain of a deleted directory is gone: read its first cluster only, and only
            // while no live file has claimed it.
            if !(2..=self.max_cluster).contains(&first)
                || self.is_allocated(first)
                || seen_dirs.contains(&first)
            {
                return;
            }
            seen_dirs.insert(first);
            let secs = self.sectors_of_clusters(&[first]);
            self.walk_dir(secs, &dir.path, true, depth + 1, seen_dirs, out);
            return;
        }
        if first == 0 {
            out(WalkItem::Error {
                path: dir.path.clone(),
                addr: dir.addr,
                message: "directory has no first cluster".into(),
            });
            return;
        }
        if !seen_dirs.insert(first) {
            out(WalkItem::Error {
                path: dir.path.clone(),
                addr: dir.addr,
                message: format!(
                    "directory loop: cluster {first} was already walked as another directory; not descended"
                ),
            });
            return;
        }
        let cap = (MAX_DIR_BYTES / self.cluster_size()).max(1) + 1;
        let (cl, e) = self.chain(first, cap);
        if let Some(e) = e {
            out(WalkItem::Error {
                path: dir.path.clone(),
                addr: dir.addr,
                message: e,
            });
        }
        let secs = self.sectors_of_clusters(&cl);
        self.walk_dir(secs, &dir.path, false, depth + 1, seen_dirs, out);
    }

    fn make_label(&self, d: &[u8], parent: &str, inode: u64, in_deleted: bool) -> Entry {
        let mut name: String = d
            .get(0..11)
            .unwrap_or_default()
            .iter()
            .map(|&b| {
                if b >= 0x20 && b != 0xFF && b < 0x7F {
                    b as char
                } else {
                    '^'
                }
            })
            .collect();
        let deleted = byte(d, 0) == 0xE5 || in_deleted;
        if byte(d, 0) == 0xE5 {
            name.replace_range(0..1, "_");
        }
        name.push_str(" (Volume Label Entry)");
        Entry {
            addr: Some(inode),
            path: join(parent, &name),
            name,
            name_raw: None,
            short_name: None,
            kind: EntryKind::Other,
            size: u64::from(le32(d, 28)),
            deleted,
            attributes: vec!["volume_label"],
            times: entry_times(d),
            extra_times: Vec::new(),
            owner: crate::Owner::default(),
            tsk_addr: None,
            link_target: None,
            handle: Handle::None,
        }
    }

    fn make_entry(
        &self,
        d: &[u8],
        long: Option<(String, Option<Vec<u8>>)>,
        parent: &str,
        inode: u64,
        in_deleted: bool,
    ) -> (Entry, u32) {
        let attr = byte(d, 11);
        let (short, short_raw) = short_name(d);
        let (name, name_raw, short_name) = match long {
            Some((l, raw)) if !l.is_empty() => (l, raw, Some(short)),
            _ => (short, short_raw, None),
        };
        let hi = if self.kind == FatKind::Fat32 {
            u32::from(le16(d, 20)) << 16
        } else {
            0
        };
        let first = hi | u32::from(le16(d, 26));
        let deleted = byte(d, 0) == 0xE5 || in_deleted;
        let kind = if attr & ATTR_DIR != 0 {
            EntryKind::Dir
        } else {
            EntryKind::File
        };
        let mut attributes = Vec::new();
        for (bit, n) in [
            (ATTR_RO, "read_only"),
            (ATTR_HIDDEN, "hidden"),
            (ATTR_SYSTEM, "system"),
            (ATTR_DIR, "directory"),
            (ATTR_ARCHIVE, "archive"),
        ] {
            if attr & bit != 0 {
                attributes.push(n);
            }
        }
        let size = if kind == EntryKind::Dir {
            self.dir_size(first, deleted)
        } else {
            u64::from(le32(d, 28))
        };
        let e = Entry {
            addr: Some(inode),
            path: join(parent, &name),
            name,
            name_raw,
            short_name,
            kind,
            size,
            deleted,
            attributes,
            times: entry_times(d),
            extra_times: Vec::new(),
            owner: crate::Owner::default(),
            tsk_addr: None,
            link_target: None,
            handle: Handle::Fat {
                first_cluster: first,
            },
        };
        (e, first)
    }

    /// Directory size as TSK reports it: the clusters of its chain (one cluster if deleted).
    fn dir_size(&self, first: u32, deleted: bool) -> u64 {
        if deleted {
            return self.cluster_size();
        }
        let cap = (MAX_DIR_BYTES / self.cluster_size()).max(1) + 1;
        let (cl, _) = self.chain(first, cap);
        cl.len() as u64 * self.cluster_size()
    }

    /// Allocation totals: (allocated clusters, free clusters, bad clusters).
    pub fn cluster_usage(&self) -> (u64, u64, u64) {
        let (mut a, mut f, mut b) = (0, 0, 0);
        for c in 2..=self.max_cluster {
            match self.entry(c) {
                0 => f += 1,
                v if v == self.kind.bad() => b += 1,
                _ => a += 1,
            }
        }
        (a, f, b)
    }
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}/{name}")
    }
}

/// What a 32-byte directory slot holds.
enum Slot {
    Empty,
    Invalid,
    Dot,
    Lfn,
    Label,
    Short,
}

fn classify(d: &[u8]) -> Slot {
    let first = byte(d, 0);
    if first == 0 {
        return Slot::Empty;
    }
    let attr = byte(d, 11);
    if attr & 0x3F == ATTR_LFN {
        let seq = first;
        let ok = byte(d, 12) == 0
            && le16(d, 26) == 0
            && (seq == 0xE5 || (1..=20).contains(&(seq & 0x1F)));
        return if ok { Slot::Lfn } else { Slot::Invalid };
    }
    if attr & 0xC0 != 0 {
        return Slot::Invalid;
    }
    let name = d.get(0..11).unwrap_or_default();
    if name == b".          " || name == b"..         " {
        return Slot::Dot;
    }
    for (i, &c) in name.iter().enumerate() {
        if i == 0 && (c == 0xE5 || c == 0x05) {
            continue;
        }
        if c < 0x20 || b"\"*+,./:;<=>?[\\]|".contains(&c) {
            return Slot::Invalid;
        }
    }
    if first == b' ' {
        return Slot::Invalid;
    }
    if attr & ATTR_VOLUME != 0 && attr & ATTR_DIR == 0 {
        return Slot::Label;
    }
    Slot::Short
}

/// Long-name fragments collected until their short entry comes, assembled as TSK does: a new
/// sequence starts at a slot flagged "last" (0x40) or when the checksum changes.
#[derive(Default)]
struct Lfn {
    units: Vec<u16>,
    chk: u8,
}

impl Lfn {
    fn add(&mut self, d: &[u8]) {
        let seq = byte(d, 0);
        let chk = byte(d, 13);
        if (seq & 0x40 != 0 && seq != 0xE5) || chk != self.chk {
            self.units.clear();
            self.chk = chk;
        }
        if self.units.len() >= 20 * 13 {
            return;
        }
        let mut part = Vec::with_capacity(13);
        for (start, n) in [(1usize, 5usize), (14, 6), (28, 2)] {
            for i in 0..n {
                part.push(le16(d, start + i * 2));
            }
        }
        part.extend_from_slice(&self.units);
        self.units = part;
    }

    /// The name so far (to the first NUL), with raw UTF-16LE bytes when not valid UTF-16.
    fn take(&mut self) -> Option<(String, Option<Vec<u8>>)> {
        if self.units.is_empty() {
            return None;
        }
        let units: Vec<u16> = self.units.iter().copied().take_while(|&u| u != 0).collect();
        self.units.clear();
        self.chk = 0;
        match String::from_utf16(&units) {
            Ok(s) => Some((s, None)),
            Err(_) => {
                let raw = units.iter().flat_map(|u| u.to_le_bytes()).collect();
                Some((String::from_utf16_lossy(&units), Some(raw)))
            }
        }
    }
}

/// The 8.3 name rendered as TSK renders it: spaces dropped, `_` for a deleted first byte,
/// NT lower-case flags honoured, non-ASCII bytes shown as `^` (raw bytes kept).
fn short_name(d: &[u8]) -> (String, Option<Vec<u8>>) {
    let case = byte(d, 12);
    let mut s = String::new();
    let mut lossy = false;
    let mut push = |b: u8, lower: bool, s: &mut String| {
        if b == 0 || b == 0xFF || b == 0x20 {
            return;
        }
        let c = if lower && b.is_ascii_uppercase() {
            b.to_ascii_lowercase()
        } else {
            b
        };
        if (0x20..0x7F).contains(&c) {
            s.push(c as char);
        } else {
            lossy = true;
            s.push('^');
        }
    };
    for i in 0..8 {
        let b = byte(d, i);
        if i == 0 && b == 0xE5 {
            s.push('_');
            continue;
        }
        push(b, case & 0x08 != 0, &mut s);
    }
    let ext: Vec<u8> = (8..11).map(|i| byte(d, i)).collect();
    if ext.iter().any(|&b| b != 0 && b != 0xFF && b != 0x20) {
        s.push('.');
        for b in ext {
            push(b, case & 0x10 != 0, &mut s);
        }
    }
    let raw = lossy.then(|| d.get(0..11).unwrap_or_default().to_vec());
    (s, raw)
}

fn dos_time(date: u16, time: u16, centis: u8) -> Option<Timestamp> {
    if date == 0 {
        return None;
    }
    let year = 1980 + i32::from(date >> 9);
    let month = u32::from((date >> 5) & 0x0F);
    let day = u32::from(date & 0x1F);
    let hour = u32::from(time >> 11);
    let min = u32::from((time >> 5) & 0x3F);
    let sec = u32::from(time & 0x1F) * 2 + u32::from(centis / 100);
    let nanos = u32::from(centis % 100) * 10_000_000;
    Timestamp::from_parts(year, month, day, hour, min, sec.min(59), nanos)
}

fn entry_times(d: &[u8]) -> Times {
    let centis = byte(d, 13);
    Times {
        modified: dos_time(le16(d, 24), le16(d, 22), 0),
        accessed: dos_time(le16(d, 18), 0, 0),
        changed: None,
        created: dos_time(
            le16(d, 16),
            le16(d, 14),
            if centis < 200 { centis } else { 0 },
        ),
    }
}

impl FileSystem for Fat {
    fn kind(&self) -> &'static str {
        self.kind.name()
    }

    /// Free clusters, merged into runs. (Slack space at the ends of files is not included.)
    fn unallocated(&self) -> Option<Vec<(u64, u64)>> {
        let cs = self.cluster_size();
        let mut out: Vec<(u64, u64)> = Vec::new();
        for c in 2..=self.max_cluster {
            if self.entry(c) != 0 {
                continue;
            }
            let off = self.cluster_offset(c);
            if off >= self.src.len() {
                break;
            }
            match out.last_mut() {
                Some((o, l)) if *o + *l == off => *l += cs,
                _ => out.push((off, cs)),
            }
        }
        // Sectors after the last whole cluster belong to no file either (TSK counts them too).
        let tail = self.cluster_offset(self.max_cluster) + cs;
        let end = (self.total_sectors * self.bps).min(self.src.len());
        if end > tail {
            match out.last_mut() {
                Some((o, l)) if *o + *l == tail => *l += end - tail,
                _ => out.push((tail, end - tail)),
            }
        }
        Some(out)
    }

    fn info(&self) -> Vec<(String, String)> {
        let (alloc, free, badc) = self.cluster_usage();
        let cs = self.cluster_size();
        let mut v = vec![
            ("type".to_string(), self.kind.name().to_uppercase()),
            ("oem".into(), self.oem.clone()),
            (
                "label".into(),
                self.root_label().unwrap_or_else(|| self.bpb_label.clone()),
            ),
            (
                "volume_id".into(),
                self.volume_id
                    .map(|i| format!("{i:08x}"))
                    .unwrap_or_default(),
            ),
            ("bytes_per_sector".into(), self.bps.to_string()),
            ("sectors_per_cluster".into(), self.spc.to_string()),
            ("cluster_size".into(), cs.to_string()),
            ("reserved_sectors".into(), self.reserved.to_string()),
            ("fats".into(), self.nfats.to_string()),
            ("sectors_per_fat".into(), self.fat_sectors.to_string()),
            ("root_entries".into(), self.root_entries.to_string()),
            ("total_sectors".into(), self.total_sectors.to_string()),
            (
                "first_data_sector".into(),
                self.first_data_sector.to_string(),
            ),
            (
                "first_cluster_sector".into(),
                self.first_cluster_sector.to_string(),
            ),
            (
                "clusters".into(),
                (u64::from(self.max_cluster) - 1).to_string(),
            ),
            ("allocated_clusters".into(), alloc.to_string()),
            ("free_clusters".into(), free.to_string()),
            ("bad_clusters".into(), badc.to_string()),
            ("allocated_bytes".into(), (alloc * cs).to_string()),
            ("unallocated_bytes".into(), (free * cs).to_string()),
        ];
        if self.kind == FatKind::Fat32 {
            v.push(("root_cluster".into(), self.root_cluster.to_string()));
        }
        for i in &self.issues {
            v.push(("issue".into(), i.clone()));
        }
        v
    }

    fn walk(&self, out: &mut dyn FnMut(WalkItem)) {
        let mut errs = Vec::new();
        let sectors = self.root_sectors(&mut errs);
        for e in errs {
            out(WalkItem::Error {
                path: String::new(),
                addr: Some(2),
                message: e,
            });
        }
        let mut seen = HashSet::new();
        if self.kind == FatKind::Fat32 {
            seen.insert(self.root_cluster);
        }
        self.walk_dir(sectors, "", false, 0, &mut seen, out);
    }

    fn open(&self, e: &Entry) -> Result<Contents<'_>, FsError> {
        let Handle::Fat { first_cluster } = e.handle else {
            return Err(FsError::Content(format!("{} has no content", e.path)));
        };
        if e.kind != EntryKind::File {
            return Err(FsError::Content(format!(
                "{} is not a regular file",
                e.path
            )));
        }
        if e.size == 0 {
            let src = if e.deleted {
                "deleted-contiguous"
            } else {
                "fat-chain"
            };
            return Ok(Contents {
                reader: Box::new(std::io::empty()),
                source: src,
                warning: None,
            });
        }
        if e.deleted {
            let cl = self
                .deleted_clusters(first_cluster, e.size)
                .map_err(FsError::Content)?;
            let r = ExtentReader::new(self.src.clone(), self.extents(&cl), e.size);
            return Ok(Contents {
                reader: Box::new(r),
                source: "deleted-contiguous",
                warning: None,
            });
        }
        let need = e.size.div_ceil(self.cluster_size());
        let (cl, err) = self.chain(first_cluster, need);
        if cl.is_empty() {
            return Err(FsError::Content(
                err.unwrap_or_else(|| "no clusters".into()),
            ));
        }
        let mut warning = err;
        let have = cl.len() as u64 * self.cluster_size();
        if have < e.size && warning.is_none() {
            warning = Some(format!(
                "cluster chain ends after {} clusters; the size needs {need}",
                cl.len()
            ));
        }
        let len = have.min(e.size);
        let r = ExtentReader::new(self.src.clone(), self.extents(&cl), len);
        Ok(Contents {
            reader: Box::new(r),
            source: "fat-chain",
            warning,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn short(name: &[u8; 11], attr: u8, case: u8) -> [u8; 32] {
        let mut d = [0u8; 32];
        d[..11].copy_from_slice(name);
        d[11] = attr;
        d[12] = case;
        d
    }

    fn lfn(seq: u8, chk: u8, text: &str) -> [u8; 32] {
        let mut units: Vec<u16> = text.encode_utf16().collect();
        if units.len() < 13 {
            units.push(0);
        }
        units.resize(13, 0xFFFF);
        let mut d = [0u8; 32];
        d[0] = seq;
        d[11] = ATTR_LFN;
        d[13] = chk;
        let slots = (1..11)
            .step_by(2)
            .chain((14..26).step_by(2))
            .chain((28..32).step_by(2));
        for (u, at) in units.iter().zip(slots) {
            d[at..at + 2].copy_from_slice(&u.to_le_bytes());
        }
        d
    }

    #[test]
    fn dos_times_decode_like_tsk() {
        // 2024-03-15 10:00:02.15 : date = (44<<9)|(3<<5)|15, time = (10<<11)|(0<<5)|1
        let date = (44 << 9) | (3 << 5) | 15;
        let time = (10 << 11) | 1;
        let t = dos_time(date, time, 115).unwrap();
        assert_eq!(t.to_string(), "2024-03-15T10:00:03.15Z");
        assert!(dos_time(0, 0, 0).is_none());
        assert!(
            dos_time((44 << 9) | (13 << 5) | 1, 0, 0).is_none(),
            "month 13"
        );
    }

    #[test]
    fn short_names_follow_case_flags_and_deletion_marker() {
        assert_eq!(
            short_name(&short(b"README  TXT", 0x20, 0x08)).0,
            "readme.TXT"
        );
        assert_eq!(
            short_name(&short(b"README  TXT", 0x20, 0x18)).0,
            "readme.txt"
        );
        let mut del = short(b"XELETED TXT", 0x20, 0);
        del[0] = 0xE5;
        assert_eq!(short_name(&del).0, "_ELETED.TXT");
        let mut hi = short(b"CAF\x82    TXT", 0x20, 0);
        hi[3] = 0x82;
        let (n, raw) = short_name(&hi);
        assert_eq!(n, "CAF^.TXT");
        assert_eq!(raw.unwrap()[3], 0x82);
        assert_eq!(short_name(&short(b"NOEXT      ", 0x10, 0)).0, "NOEXT");
    }

    #[test]
    fn long_names_assemble_in_reverse_and_survive_deletion() {
        // 13 characters per slot: "A very long n" + "ame.txt", last slot first on disk.
        let mut l2 = Lfn::default();
        l2.add(&lfn(0x42, 9, "ame.txt"));
        l2.add(&lfn(0x01, 9, "A very long n"));
        assert_eq!(l2.take().unwrap().0, "A very long name.txt");
        // Deleted slots have 0xE5 in place of the sequence number but keep their characters.
        let mut d = Lfn::default();
        d.add(&lfn(0xE5, 3, "ame.txt"));
        d.add(&lfn(0xE5, 3, "Long deleted "));
        assert_eq!(d.take().unwrap().0, "Long deleted ame.txt");
        assert!(d.take().is_none());
    }

    #[test]
    fn slot_classification_rejects_garbage() {
        assert!(matches!(classify(&[0u8; 32]), Slot::Empty));
        assert!(matches!(
            classify(&short(b".          ", 0x10, 0)),
            Slot::Dot
        ));
        assert!(matches!(
            classify(&short(b"LABEL      ", 0x08, 0)),
            Slot::Label
        ));
        assert!(matches!(
            classify(&short(b"A*B     TXT", 0x20, 0)),
            Slot::Invalid
        ));
        assert!(matches!(
            classify(&short(b"FILE    TXT", 0xC0, 0)),
            Slot::Invalid
        ));
        let mut bad_lfn = lfn(0x41, 1, "x");
        bad_lfn[26] = 5; // LFN slots have first cluster 0
        assert!(matches!(classify(&bad_lfn), Slot::Invalid));
        assert!(matches!(classify(&lfn(0x41, 1, "x")), Slot::Lfn));
    }
}
