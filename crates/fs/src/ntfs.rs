//! NTFS reader written for examination: it walks the MFT itself, so deleted records (not in
//! use, data runs still in place) are listed beside live ones, with their parent paths resolved
//! from `$FILE_NAME` where the parent still exists and under `$OrphanFiles` where it does not —
//! as The Sleuth Kit does. Both `$STANDARD_INFORMATION` and `$FILE_NAME` times are kept (so
//! timestomping can be seen), alternate data streams are listed as `file:stream`, hard links
//! as one entry per name, and addresses are written as TSK writes them (`64-128-2`).
//!
//! Every record is fixup-checked, every attribute bounded by its record, every run by the
//! volume; parent loops, damaged records and runs outside the volume become
//! [`WalkItem::Error`]s and the walk goes on.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Cursor, Read};
use std::sync::Arc;

use peel_core::record::{EntryKind, Times};
use peel_core::time::Timestamp;
use peel_image::{Source, read_exact_at};

use crate::{Contents, Entry, ExtentReader, FileSystem, FsError, Handle, TimeSet, WalkItem};

use peel_core::bytes::{byte, le16, le32, le64};

const ROOT: u64 = 5;
const MAX_RECORDS: u64 = 1 << 32;
const MAX_RUNS: usize = 1 << 20;
/// Largest hole one run may describe (2^40 clusters).
const MAX_HOLE_CLUSTERS: u64 = 1 << 40;
/// A stream may claim at most this many times the volume's size (sparse files can exceed it).
const MAX_STREAM_TO_VOLUME: u64 = 16;
const MAX_DEPTH: usize = 256;
const MAX_ATTR_LIST_RECORDS: usize = 4096;
/// Largest compressed stream decompressed into memory.
const MAX_COMPRESSED_BYTES: u64 = 1 << 30;

const AT_STANDARD_INFORMATION: u32 = 0x10;
const AT_ATTRIBUTE_LIST: u32 = 0x20;
const AT_FILE_NAME: u32 = 0x30;
const AT_VOLUME_NAME: u32 = 0x60;
const AT_VOLUME_INFORMATION: u32 = 0x70;
const AT_DATA: u32 = 0x80;
const AT_INDEX_ROOT: u32 = 0x90;
const AT_INDEX_ALLOCATION: u32 = 0xA0;
const AT_BITMAP: u32 = 0xB0;
/// Index entries read from one directory, at most.
const MAX_INDEX_ENTRIES: usize = 1 << 20;
const AT_END: u32 = 0xFFFF_FFFF;

/// Windows FILETIME (100 ns since 1601-01-01) to a timestamp; 0 means "not set".
fn filetime(v: u64) -> Option<Timestamp> {
    if v == 0 {
        return None;
    }
    const EPOCH_DIFF: i64 = 11_644_473_600;
    let secs = (v / 10_000_000) as i64 - EPOCH_DIFF;
    let nanos = ((v % 10_000_000) * 100) as u32;
    Some(Timestamp::from_unix(secs, nanos))
}

fn times_at(b: &[u8], at: usize) -> Times {
    // Created, modified, MFT-entry modified, accessed.
    Times {
        created: filetime(le64(b, at)),
        modified: filetime(le64(b, at + 8)),
        changed: filetime(le64(b, at + 16)),
        accessed: filetime(le64(b, at + 24)),
    }
}

fn utf16(b: &[u8]) -> (String, Option<Vec<u8>>) {
    let units: Vec<u16> = b.chunks_exact(2).map(|c| le16(c, 0)).collect();
    match String::from_utf16(&units) {
        Ok(s) => (s, None),
        Err(_) => (String::from_utf16_lossy(&units), Some(b.to_vec())),
    }
}

/// Runs of a stream: (first cluster, or `None` for a hole; cluster count).
type Runs = Vec<(Option<u64>, u64)>;

/// One `$FILE_NAME` attribute.
#[derive(Debug, Clone)]
struct FileName {
    value_len: u64,
    parent: u64,
    parent_seq: u16,
    name: String,
    raw: Option<Vec<u8>>,
    namespace: u8,
    times: Times,
    attr_id: u16,
}

/// One (segment of a) `$DATA` attribute.
#[derive(Debug, Clone)]
struct DataAttr {
    /// `$DATA` (0x80) or a named `$INDEX_ROOT` (0x90), which TSK lists as a stream too.
    ty: u32,
    name: String,
    id: u16,
    flags: u16,
    resident: Option<Vec<u8>>,
    /// (LCN or hole, clusters)
    runs: Vec<(Option<u64>, u64)>,
    start_vcn: u64,
    real_size: u64,
    init_size: u64,
    comp_unit: u16,
    problem: Option<String>,
}

impl DataAttr {
    fn size(&self) -> u64 {
        match &self.resident {
            Some(b) => b.len() as u64,
            None => self.real_size,
        }
    }
}

/// A parsed MFT record (with the attributes of its extension records merged in).
#[derive(Debug, Clone, Default)]
struct Record {
    num: u64,
    seq: u16,
    in_use: bool,
    is_dir: bool,
    base: u64,
    si: Option<(Times, u32)>,
    names: Vec<FileName>,
    data: Vec<DataAttr>,
    index_root_id: Option<u16>,
    index_root_size: u64,
    /// The `$I30` index root value (resident).
    index_root: Vec<u8>,
    /// The `$I30` index allocation: runs and size.
    index_alloc: Option<(Runs, u64)>,
    /// The `$I30` bitmap of index blocks in use.
    index_bitmap: Option<Vec<u8>>,
    /// `$STANDARD_INFORMATION` owner id (NTFS 3.0+ only).
    owner_id: Option<u32>,
    /// Entries of the `$ATTRIBUTE_LIST`: where each attribute lives, and its id.
    attr_list: Vec<AttrRef>,
    /// Ids of every attribute in the record.
    attr_ids: Vec<u16>,
    /// The record header's next-attribute-id counter.
    next_attr_id: u16,
    /// A non-resident `$ATTRIBUTE_LIST`: its runs and size, read by `full_record`.
    attr_list_runs: Option<(Runs, u64)>,
    volume_name: Option<String>,
    volume_version: Option<(u8, u8)>,
    problems: Vec<String>,
}

/// An opened NTFS volume.
pub struct Ntfs {
    src: Arc<dyn Source>,
    bps: u64,
    cluster: u64,
    record_size: u64,
    total_clusters: u64,
    mft_lcn: u64,
    /// Byte runs of the `$MFT` data stream on the volume.
    mft_runs: Vec<(Option<u64>, u64)>,
    mft_size: u64,
    serial: u64,
    label: String,
    version: Option<(u8, u8)>,
    issues: Vec<String>,
}

fn bad(reason: impl Into<String>) -> FsError {
    FsError::BadSuperblock {
        kind: "ntfs",
        reason: reason.into(),
    }
}

/// True when `boot` is an NTFS boot sector.
pub fn probe(boot: &[u8]) -> bool {
    boot.get(3..11) == Some(b"NTFS    ")
}

/// Decodes a run list into (LCN or hole, cluster count) pairs.
fn decode_runs(b: &[u8], total_clusters: u64) -> Result<Vec<(Option<u64>, u64)>, String> {
    let mut out = Vec::new();
    let mut i = 0usize;
    let mut lcn: i64 = 0;
    loop {
        let h = byte(b, i);
        if h == 0 {
            return Ok(out);
        }
        if i >= b.len() {
            return Err("run list runs past its attribute".into());
        }
        let ls = usize::from(h & 0x0F);
        let os = usize::from(h >> 4);
        if ls == 0 || ls > 8 || os > 8 || i + 1 + ls + os > b.len() {
            return Err(format!(
                "malformed run header {h:#04x} at byte {i} of the run list"
            ));
        }
        let mut len: u64 = 0;
        for k in 0..ls {
            len |= u64::from(byte(b, i + 1 + k)) << (8 * k);
        }
        if os == 0 {
            // A hole may be larger than the volume (sparse files), but not absurdly so.
            if len > MAX_HOLE_CLUSTERS {
                return Err(format!("sparse run of {len} clusters is implausible"));
            }
            out.push((None, len));
        } else {
            let mut off: i64 = 0;
            for k in 0..os {
                off |= i64::from(byte(b, i + 1 + ls + k)) << (8 * k);
            }
            let shift = 64 - 8 * os as u32;
            off = (off << shift) >> shift; // sign-extend
            lcn = lcn.checked_add(off).ok_or("run offset overflows")?;
            if lcn < 0 {
                return Err(format!("data run starts at negative cluster {lcn}"));
            }
            let end = (lcn as u64)
                .checked_add(len)
                .ok_or("run length overflows")?;
            if end > total_clusters {
                return Err(format!(
                    "data run (clusters {lcn}..{end}) points outside the volume ({total_clusters} clusters)"
                ));
            }
            out.push((Some(lcn as u64), len));
        }
        if out.len() > MAX_RUNS {
            return Err("more than a million data runs".into());
        }
        i += 1 + ls + os;
    }
}

/// Applies the update-sequence fixups of a multi-sector record in place.
fn apply_fixups(rec: &mut [u8], bps: usize) -> Result<(), String> {
    let usa_off = usize::from(le16(rec, 4));
    let usa_count = usize::from(le16(rec, 6));
    if usa_count == 0 || usa_off + usa_count * 2 > rec.len() {
        return Err(format!(
            "update sequence array ({usa_count} entries at {usa_off}) out of bounds"
        ));
    }
    let sectors = rec.len() / bps;
    if usa_count - 1 < sectors {
        return Err(format!(
            "update sequence array has {usa_count} entries for {sectors} sectors"
        ));
    }
    let usn = le16(rec, usa_off);
    for s in 0..sectors {
        let end = (s + 1) * bps - 2;
        if le16(rec, end) != usn {
            return Err(format!(
                "fixup mismatch in sector {s} of the record (torn or damaged write)"
            ));
        }
        let orig = [
            byte(rec, usa_off + 2 + s * 2),
            byte(rec, usa_off + 3 + s * 2),
        ];
        if let Some(d) = rec.get_mut(end..end + 2) {
            d.copy_from_slice(&orig);
        }
    }
    Ok(())
}

impl Ntfs {
    /// Opens the NTFS volume on `src`: boot sector, then `$MFT`'s own record for the MFT layout.
    pub fn open(src: Arc<dyn Source>) -> Result<Self, FsError> {
        let mut boot = [0u8; 512];
        read_exact_at(src.as_ref(), &mut boot, 0, "NTFS boot sector")?;
        if !probe(&boot) {
            return Err(bad("no NTFS signature"));
        }
        let bps = u64::from(le16(&boot, 11));
        if !matches!(bps, 256 | 512 | 1024 | 2048 | 4096) {
            return Err(bad(format!("bytes per sector is {bps}")));
        }
        let spc_raw = byte(&boot, 13);
        let spc: u64 = if spc_raw <= 0x80 {
            u64::from(spc_raw)
        } else {
            let e = 256 - u32::from(spc_raw);
            if e > 20 {
                return Err(bad(format!("sectors per cluster code {spc_raw:#x}")));
            }
            1u64 << e
        };
        if spc == 0 || !spc.is_power_of_two() {
            return Err(bad(format!("sectors per cluster is {spc}")));
        }
        let cluster = bps * spc;
        if cluster > 2 * 1024 * 1024 {
            return Err(bad(format!(
                "cluster size {cluster} exceeds NTFS's 2 MiB maximum"
            )));
        }
        let total_sectors = le64(&boot, 40);
        let total_clusters = total_sectors / spc;
        let mft_lcn = le64(&boot, 48);
        let rs = byte(&boot, 64) as i8;
        let record_size: u64 = if rs > 0 {
            u64::from(rs as u8) * cluster
        } else {
            let e = u32::from(rs.unsigned_abs());
            if !(9..=16).contains(&e) {
                return Err(bad(format!("MFT record size code {rs}")));
            }
            1u64 << e
        };
        if record_size < bps || record_size > 65536 || !record_size.is_multiple_of(bps) {
            return Err(bad(format!("MFT record size {record_size}")));
        }
        if mft_lcn == 0 || mft_lcn >= total_clusters {
            return Err(bad(format!(
                "MFT starts at cluster {mft_lcn}, outside the volume"
            )));
        }
        if total_sectors.checked_mul(bps).is_none() {
            return Err(bad(format!(
                "total sector count {total_sectors} is impossible"
            )));
        }
        let mut issues = Vec::new();
        if total_sectors * bps > src.len() {
            issues.push(format!(
                "file system claims {} bytes but the volume has {} (truncated image?)",
                total_sectors * bps,
                src.len()
            ));
        }
        let mut fs = Ntfs {
            src,
            bps,
            cluster,
            record_size,
            total_clusters,
            mft_lcn,
            mft_runs: vec![(Some(mft_lcn * cluster), record_size * 16)],
            mft_size: record_size * 16,
            serial: le64(&boot, 72),
            label: String::new(),
            version: None,
            issues,
        };
        // Record 0 describes the whole MFT.
        let r0 = fs
            .parse_record(0)
            .map_err(|e| bad(format!("$MFT record 0: {e}")))?;
        let data = r0
            .data
            .iter()
            .find(|d| d.name.is_empty() && d.start_vcn == 0)
            .ok_or_else(|| bad("$MFT has no data attribute"))?;
        if let Some(p) = &data.problem {
            return Err(bad(format!("$MFT data: {p}")));
        }
        let mut runs = Vec::new();
        let mut segs: Vec<&DataAttr> = r0.data.iter().filter(|d| d.name.is_empty()).collect();
        segs.sort_by_key(|d| d.start_vcn);
        for d in segs {
            for &(lcn, n) in &d.runs {
                runs.push((lcn.map(|l| l * cluster), n * cluster));
            }
        }
        fs.mft_size = data.real_size.min(MAX_RECORDS * record_size);
        fs.mft_runs = runs;
        if let Ok(v) = fs.parse_record(3) {
            fs.label = v.volume_name.unwrap_or_default();
            fs.version = v.volume_version;
        }
        Ok(fs)
    }

    fn record_count(&self) -> u64 {
        self.mft_size / self.record_size
    }

    fn read_record_bytes(&self, n: u64) -> Result<Vec<u8>, String> {
        let size = self.record_size;
        let start = n.checked_mul(size).ok_or("record number overflows")?;
        if start + size > self.mft_size.max(size * 16) {
            return Err(format!("record {n} lies beyond the MFT"));
        }
        let mut buf = vec![0u8; size as usize];
        read_runs_at(self.src.as_ref(), &self.mft_runs, start, &mut buf)
            .map_err(|e| format!("record {n} unreadable: {e}"))?;
        Ok(buf)
    }

    fn parse_record(&self, n: u64) -> Result<Record, String> {
        let mut buf = self.read_record_bytes(n)?;
        parse_record_bytes(&mut buf, n, self.bps as usize, self.total_clusters)
    }

    /// A record with the attributes held in its extension records merged in.
    fn full_record(&self, n: u64) -> Result<Record, String> {
        let mut rec = self.parse_record(n)?;
        if let Some((runs, size)) = rec.attr_list_runs.take() {
            let size = size.min(1 << 24);
            let byte_runs: Vec<(Option<u64>, u64)> = runs
                .iter()
                .map(|&(l, c)| (l.map(|l| l * self.cluster), c * self.cluster))
                .collect();
            let mut buf = vec![0u8; size as usize];
            match read_runs_at(self.src.as_ref(), &byte_runs, 0, &mut buf) {
                Ok(()) => rec.attr_list.extend(parse_attr_list(&buf)),
                Err(e) => rec.problems.push(format!("attribute list unreadable: {e}")),
            }
        }
        if rec.attr_list.is_empty() {
            return Ok(rec);
        }
        let mut others: Vec<u64> = rec
            .attr_list
            .iter()
            .map(|a| a.record)
            .filter(|&r| r != n)
            .collect();
        others.sort_unstable();
        others.dedup();
        for r in others.into_iter().take(MAX_ATTR_LIST_RECORDS) {
            match self.parse_record(r) {
                Ok(mut ext) if ext.base == n => {
                    renumber_clashes(&mut rec, &mut ext);
                    rec.names.extend(ext.names);
                    rec.data.extend(ext.data);
                    if rec.index_root_id.is_none() {
                        rec.index_root_id = ext.index_root_id;
                        rec.index_root_size = ext.index_root_size;
                        rec.index_root = ext.index_root;
                    }
                    if rec.index_alloc.is_none() {
                        rec.index_alloc = ext.index_alloc;
                    }
                    if rec.index_bitmap.is_none() {
                        rec.index_bitmap = ext.index_bitmap;
                    }
                    if rec.si.is_none() {
                        rec.si = ext.si;
                    }
                    rec.problems.extend(ext.problems);
                }
                Ok(_) => rec.problems.push(format!(
                    "attribute list names record {r}, which belongs to another file"
                )),
                Err(e) => rec.problems.push(format!("extension record {r}: {e}")),
            }
        }
        Ok(rec)
    }

    /// All segments of the `$DATA` stream with attribute id `id` (or name of that id), merged.
    fn stream(&self, rec: &Record, id: u16) -> Option<DataAttr> {
        let first = rec.data.iter().find(|d| d.id == id)?;
        let name = first.name.clone();
        let mut segs: Vec<&DataAttr> = rec.data.iter().filter(|d| d.name == name).collect();
        segs.sort_by_key(|d| d.start_vcn);
        let head = segs
            .iter()
            .find(|d| d.start_vcn == 0)
            .copied()
            .unwrap_or(first);
        let mut merged = head.clone();
        if merged.resident.is_none() {
            merged.runs = segs.iter().flat_map(|d| d.runs.iter().copied()).collect();
            merged.problem = segs.iter().find_map(|d| d.problem.clone());
        }
        Some(merged)
    }

    /// The allocated entries of a directory's `$I30` index (root and in-use index blocks).
    fn index_entries(&self, rec: &Record) -> (Vec<IndexEntry>, Vec<String>) {
        let mut out = Vec::new();
        let mut problems = Vec::new();
        let root = &rec.index_root;
        if root.len() >= 32 {
            let block_size = u64::from(le32(root, 8));
            let node = 16usize;
            let entries = node + le32(root, node) as usize;
            let end = node + le32(root, node + 4) as usize;
            parse_index_node(root, entries, end, &mut out);
            if let Some((runs, size)) = &rec.index_alloc {
                if !(512..=65536).contains(&block_size) || !block_size.is_multiple_of(512) {
                    problems.push(format!(
                        "directory index block size {block_size} is implausible"
                    ));
                    return (out, problems);
                }
                let byte_runs: Vec<(Option<u64>, u64)> = runs
                    .iter()
                    .map(|&(l, c)| (l.map(|l| l * self.cluster), c * self.cluster))
                    .collect();
                let blocks = size / block_size;
                for i in 0..blocks.min(1 << 16) {
                    let in_use = rec
                        .index_bitmap
                        .as_ref()
                        .is_none_or(|bm| byte(bm, (i / 8) as usize) & (1 << (i % 8)) != 0);
                    if !in_use {
                        continue;
                    }
                    let mut blk = vec![0u8; block_size as usize];
                    if let Err(e) =
                        read_runs_at(self.src.as_ref(), &byte_runs, i * block_size, &mut blk)
                    {
                        problems.push(format!("directory index block {i}: {e}"));
                        continue;
                    }
                    if blk.get(0..4) != Some(b"INDX") {
                        problems.push(format!("directory index block {i} has no INDX signature"));
                        continue;
                    }
                    if let Err(e) = apply_fixups(&mut blk, self.bps as usize) {
                        problems.push(format!("directory index block {i}: {e}"));
                        continue;
                    }
                    let node = 24usize;
                    let entries = node + le32(&blk, node) as usize;
                    let end = node + le32(&blk, node + 4) as usize;
                    parse_index_node(&blk, entries, end, &mut out);
                }
            }
        }
        (out, problems)
    }

    fn cluster_bitmap(&self) -> Option<Vec<u8>> {
        let rec = self.full_record(6).ok()?;
        let id = rec.data.iter().find(|d| d.name.is_empty())?.id;
        let d = self.stream(&rec, id)?;
        let size = d.size().min(self.total_clusters.div_ceil(8) + 4096);
        let mut r = self.reader_for(&d).ok()?;
        let mut v = Vec::with_capacity(size as usize);
        r.by_ref().take(size).read_to_end(&mut v).ok()?;
        Some(v)
    }

    fn reader_for(&self, d: &DataAttr) -> Result<Box<dyn Read + Send + '_>, String> {
        if let Some(p) = &d.problem {
            return Err(p.clone());
        }
        let volume_bytes = self.total_clusters.saturating_mul(self.cluster);
        if d.resident.is_none()
            && d.real_size
                > volume_bytes
                    .saturating_mul(MAX_STREAM_TO_VOLUME)
                    .max(1 << 36)
        {
            return Err(format!(
                "declared size {} is far beyond the volume's {volume_bytes} bytes; not read",
                d.real_size
            ));
        }
        if let Some(b) = &d.resident {
            return Ok(Box::new(Cursor::new(b.clone())));
        }
        if d.flags & 0x4000 != 0 {
            return Err("EFS-encrypted stream: the stored bytes are ciphertext".into());
        }
        let runs: Vec<(Option<u64>, u64)> = d
            .runs
            .iter()
            .map(|&(l, n)| (l.map(|l| l * self.cluster), n * self.cluster))
            .collect();
        if d.flags & 0x0001 != 0 && d.comp_unit != 0 {
            return self.compressed_reader(d);
        }
        Ok(Box::new(ExtentReader::with_holes(
            self.src.clone(),
            runs,
            d.real_size,
            d.init_size,
        )))
    }

    fn compressed_reader(&self, d: &DataAttr) -> Result<Box<dyn Read + Send + '_>, String> {
        if d.real_size > MAX_COMPRESSED_BYTES {
            return Err(format!(
                "compressed stream of {} bytes exceeds the limit",
                d.real_size
            ));
        }
        let unit_clusters = 1u64 << d.comp_unit.min(8);
        let unit_bytes = unit_clusters * self.cluster;
        // Expand runs to a per-cluster map (holes as None), then decode unit by unit.
        let mut map: Vec<Option<u64>> = Vec::new();
        for &(l, n) in &d.runs {
            if map.len() as u64 + n > MAX_COMPRESSED_BYTES / self.cluster + unit_clusters {
                return Err("compressed run list too long".into());
            }
            for k in 0..n {
                map.push(l.map(|l| l + k));
            }
        }
        let mut out = Vec::with_capacity(d.real_size as usize);
        for unit in map.chunks(unit_clusters as usize) {
            if out.len() as u64 >= d.real_size {
                break;
            }
            let stored: Vec<u64> = unit.iter().filter_map(|c| *c).collect();
            if stored.is_empty() {
                out.resize(out.len() + unit_bytes as usize, 0);
                continue;
            }
            let mut raw = vec![0u8; stored.len() * self.cluster as usize];
            for (i, c) in stored.iter().enumerate() {
                let off = c * self.cluster;
                let Some(dst) =
                    raw.get_mut(i * self.cluster as usize..(i + 1) * self.cluster as usize)
                else {
                    break;
                };
                read_exact_at(self.src.as_ref(), dst, off, "compressed data")
                    .map_err(|e| e.to_string())?;
            }
            if stored.len() == unit.len() {
                out.extend_from_slice(&raw);
            } else {
                let dec = lznt1_decompress(&raw, unit_bytes as usize)?;
                out.extend_from_slice(&dec);
                out.resize(
                    out.len() + (unit_bytes as usize).saturating_sub(dec.len()),
                    0,
                );
            }
        }
        out.truncate(d.real_size as usize);
        Ok(Box::new(Cursor::new(out)))
    }
}

/// Reads `buf.len()` bytes at logical `offset` of a stream laid out as byte runs (holes read
/// as zeros).
fn read_runs_at(
    src: &dyn Source,
    runs: &[(Option<u64>, u64)],
    offset: u64,
    buf: &mut [u8],
) -> Result<(), String> {
    let mut pos = 0u64; // logical start of the current run
    let mut done = 0usize;
    for &(at, len) in runs {
        if done >= buf.len() {
            break;
        }
        let want_start = offset + done as u64;
        if want_start >= pos + len {
            pos += len;
            continue;
        }
        let within = want_start - pos;
        let n = ((len - within) as usize).min(buf.len() - done);
        let Some(dst) = buf.get_mut(done..done + n) else {
            break;
        };
        match at {
            Some(a) => read_exact_at(src, dst, a + within, "MFT").map_err(|e| e.to_string())?,
            None => dst.fill(0),
        }
        done += n;
        pos += len;
    }
    if done < buf.len() {
        return Err("beyond the end of the MFT's data runs".into());
    }
    Ok(())
}

/// Parses one MFT record (after fixups) into its attributes.
fn parse_record_bytes(
    buf: &mut [u8],
    n: u64,
    bps: usize,
    total_clusters: u64,
) -> Result<Record, String> {
    match buf.get(0..4) {
        Some(b"FILE") => {}
        Some(b"BAAD") => return Err("record marked BAAD by chkdsk".into()),
        Some(b"\0\0\0\0") => return Err("unused record".into()),
        _ => return Err("no FILE signature".into()),
    }
    apply_fixups(buf, bps)?;
    let buf: &[u8] = buf;
    let flags = le16(buf, 22);
    let mut rec = Record {
        num: n,
        seq: le16(buf, 16),
        in_use: flags & 0x01 != 0,
        is_dir: flags & 0x02 != 0,
        base: le64(buf, 32) & 0x0000_FFFF_FFFF_FFFF,
        next_attr_id: le16(buf, 40),
        ..Record::default()
    };
    let used = (le32(buf, 24) as usize).min(buf.len());
    let mut off = usize::from(le16(buf, 20));
    let mut guard = 0;
    while off + 16 <= used && guard < 512 {
        guard += 1;
        let ty = le32(buf, off);
        if ty == AT_END {
            break;
        }
        let len = le32(buf, off + 4) as usize;
        if len < 16 || off + len > used {
            rec.problems.push(format!(
                "attribute type {ty:#x} at byte {off} has length {len}, past the end of the record ({used} bytes used)"
            ));
            break;
        }
        let Some(a) = buf.get(off..off + len) else {
            break;
        };
        parse_attribute(a, &mut rec, total_clusters);
        off += len;
    }
    Ok(rec)
}

fn parse_attribute(a: &[u8], rec: &mut Record, total_clusters: u64) {
    let ty = le32(a, 0);
    rec.attr_ids.push(le16(a, 14));
    let non_res = byte(a, 8) != 0;
    let name_len = usize::from(byte(a, 9));
    let name_off = usize::from(le16(a, 10));
    let flags = le16(a, 12);
    let id = le16(a, 14);
    let name = a
        .get(name_off..name_off + name_len * 2)
        .map(|b| utf16(b).0)
        .unwrap_or_default();
    let value: Option<&[u8]> = if non_res {
        None
    } else {
        let vlen = le32(a, 16) as usize;
        let voff = usize::from(le16(a, 20));
        a.get(voff..voff + vlen)
    };
    match ty {
        AT_STANDARD_INFORMATION => {
            if let Some(v) = value.filter(|v| v.len() >= 36) {
                rec.si = Some((times_at(v, 0), le32(v, 32)));
                // NTFS 3.0+ records the owner id; the short NTFS 1.2 form has none.
                rec.owner_id = (v.len() >= 72).then(|| le32(v, 48));
            }
        }
        AT_FILE_NAME => {
            if let Some(v) = value.filter(|v| v.len() >= 66) {
                let nlen = usize::from(byte(v, 64));
                let (nm, raw) = v.get(66..66 + nlen * 2).map(utf16).unwrap_or_default();
                let pref = le64(v, 0);
                rec.names.push(FileName {
                    value_len: v.len() as u64,
                    parent: pref & 0x0000_FFFF_FFFF_FFFF,
                    parent_seq: (pref >> 48) as u16,
                    name: nm,
                    raw,
                    namespace: byte(v, 65),
                    times: times_at(v, 8),
                    attr_id: id,
                });
            }
        }
        AT_ATTRIBUTE_LIST => {
            if let Some(v) = value {
                rec.attr_list.extend(parse_attr_list(v));
            } else {
                let roff = usize::from(le16(a, 32));
                let size = le64(a, 48);
                match a.get(roff..).map(|r| decode_runs(r, total_clusters)) {
                    Some(Ok(runs)) => rec.attr_list_runs = Some((runs, size)),
                    Some(Err(e)) => rec.problems.push(format!("attribute list: {e}")),
                    None => rec
                        .problems
                        .push("attribute list run list out of bounds".into()),
                }
            }
        }
        AT_VOLUME_NAME => {
            if let Some(v) = value {
                rec.volume_name = Some(utf16(v).0);
            }
        }
        AT_VOLUME_INFORMATION => {
            if let Some(v) = value.filter(|v| v.len() >= 10) {
                rec.volume_version = Some((byte(v, 8), byte(v, 9)));
            }
        }
        AT_INDEX_ALLOCATION if name == "$I30" && non_res => {
            let roff = usize::from(le16(a, 32));
            let size = le64(a, 48);
            match a.get(roff..).map(|r| decode_runs(r, total_clusters)) {
                Some(Ok(runs)) => rec.index_alloc = Some((runs, size)),
                Some(Err(e)) => rec.problems.push(format!("directory index: {e}")),
                None => rec
                    .problems
                    .push("directory index run list out of bounds".into()),
            }
        }
        AT_BITMAP if name == "$I30" => {
            rec.index_bitmap = value.map(<[u8]>::to_vec);
        }
        AT_INDEX_ROOT => {
            if name == "$I30" {
                rec.index_root_id = Some(id);
                rec.index_root_size = value.map(|v| v.len() as u64).unwrap_or(0);
                rec.index_root = value.map(<[u8]>::to_vec).unwrap_or_default();
            } else {
                rec.data.push(DataAttr {
                    ty: AT_INDEX_ROOT,
                    name,
                    id,
                    flags,
                    resident: Some(value.map(<[u8]>::to_vec).unwrap_or_default()),
                    runs: Vec::new(),
                    start_vcn: 0,
                    real_size: 0,
                    init_size: 0,
                    comp_unit: 0,
                    problem: None,
                });
            }
        }
        AT_DATA => {
            let mut d = DataAttr {
                ty: AT_DATA,
                name,
                id,
                flags,
                resident: None,
                runs: Vec::new(),
                start_vcn: 0,
                real_size: 0,
                init_size: 0,
                comp_unit: 0,
                problem: None,
            };
            if non_res {
                d.start_vcn = le64(a, 16);
                d.comp_unit = le16(a, 34);
                d.real_size = le64(a, 48);
                d.init_size = le64(a, 56).min(d.real_size);
                let roff = usize::from(le16(a, 32));
                match a.get(roff..).map(|r| decode_runs(r, total_clusters)) {
                    Some(Ok(runs)) => d.runs = runs,
                    Some(Err(e)) => d.problem = Some(e),
                    None => d.problem = Some("run list offset past the attribute".into()),
                }
            } else {
                match value {
                    Some(v) => d.resident = Some(v.to_vec()),
                    None => d.problem = Some("resident value lies outside its attribute".into()),
                }
            }
            rec.data.push(d);
        }
        _ => {}
    }
}

/// One entry of a directory index: the record it names and the `$FILE_NAME` key.
#[derive(Debug, Clone)]
struct IndexEntry {
    record: u64,
    name: String,
    namespace: u8,
}

/// Entries of one index node (a list starting at `entries` within `b`, ending at `end`).
fn parse_index_node(b: &[u8], entries: usize, end: usize, out: &mut Vec<IndexEntry>) {
    let end = end.min(b.len());
    let mut o = entries;
    while o + 16 <= end && out.len() < MAX_INDEX_ENTRIES {
        let fref = le64(b, o);
        let elen = usize::from(le16(b, o + 8));
        let klen = usize::from(le16(b, o + 10));
        let flags = le16(b, o + 12);
        if flags & 0x02 != 0 || elen < 16 {
            break;
        }
        if klen >= 66
            && let Some(k) = b.get(o + 16..o + 16 + klen)
        {
            let nlen = usize::from(byte(k, 64));
            if let Some(nb) = k.get(66..66 + nlen * 2) {
                out.push(IndexEntry {
                    record: fref & 0x0000_FFFF_FFFF_FFFF,
                    name: utf16(nb).0,
                    namespace: byte(k, 65),
                });
            }
        }
        o += elen;
    }
}

/// One `$ATTRIBUTE_LIST` entry: the record holding the attribute.
#[derive(Debug, Clone)]
struct AttrRef {
    record: u64,
}

/// Attributes pulled in from an extension record keep their ids unless an id is already used
/// in the file; then, as TSK does, they get fresh ids from the base record's next-id counter,
/// so that addresses like `64-144-7` stay unique and match `fls`.
fn renumber_clashes(rec: &mut Record, ext: &mut Record) {
    let take = |id: &mut u16, used: &mut Vec<u16>, next: &mut u16| {
        if used.contains(id) {
            *id = *next;
            *next = next.wrapping_add(1);
        }
        used.push(*id);
    };
    let (mut used, mut next) = (std::mem::take(&mut rec.attr_ids), rec.next_attr_id);
    for f in &mut ext.names {
        take(&mut f.attr_id, &mut used, &mut next);
    }
    if let Some(id) = ext.index_root_id.as_mut() {
        take(id, &mut used, &mut next);
    }
    for d in &mut ext.data {
        take(&mut d.id, &mut used, &mut next);
    }
    rec.attr_ids = used;
    rec.next_attr_id = next;
}

fn parse_attr_list(v: &[u8]) -> Vec<AttrRef> {
    let mut out = Vec::new();
    let mut o = 0usize;
    while o + 26 <= v.len() && out.len() < 65536 {
        let l = usize::from(le16(v, o + 4));
        out.push(AttrRef {
            record: le64(v, o + 16) & 0x0000_FFFF_FFFF_FFFF,
        });
        if l < 26 {
            break;
        }
        o += l;
    }
    out
}

/// LZNT1 decompression of one compression unit, bounded by `max` output bytes.
pub fn lznt1_decompress(src: &[u8], max: usize) -> Result<Vec<u8>, String> {
    let mut out: Vec<u8> = Vec::with_capacity(max);
    let mut i = 0usize;
    while i + 2 <= src.len() && out.len() < max {
        let h = le16(src, i);
        if h == 0 {
            break;
        }
        let size = usize::from(h & 0x0FFF) + 1;
        let compressed = h & 0x8000 != 0;
        i += 2;
        let Some(chunk) = src.get(i..i + size) else {
            return Err("compressed chunk runs past its unit".into());
        };
        i += size;
        let start = out.len();
        if !compressed {
            out.extend_from_slice(chunk);
            continue;
        }
        let mut j = 0usize;
        while j < chunk.len() {
            let tags = byte(chunk, j);
            j += 1;
            for bit in 0..8 {
                if j >= chunk.len() {
                    break;
                }
                if tags & (1 << bit) == 0 {
                    out.push(byte(chunk, j));
                    j += 1;
                } else {
                    let t = le16(chunk, j);
                    j += 2;
                    let pos = out.len() - start;
                    if pos == 0 {
                        return Err("back-reference at the start of a chunk".into());
                    }
                    let mut len_bits = 12u32;
                    let mut p = pos - 1;
                    while p >= 0x10 && len_bits > 4 {
                        len_bits -= 1;
                        p >>= 1;
                    }
                    let length = usize::from(t & ((1u16 << len_bits) - 1)) + 3;
                    let offset = usize::from(t >> len_bits) + 1;
                    if offset > pos {
                        return Err("back-reference before the start of the chunk".into());
                    }
                    for _ in 0..length {
                        let Some(&b) = out.get(out.len() - offset) else {
                            return Err("bad back-reference".into());
                        };
                        out.push(b);
                    }
                }
            }
        }
        if out.len() - start > 4096 {
            return Err("chunk decompresses beyond 4096 bytes".into());
        }
    }
    out.truncate(max);
    Ok(out)
}

/// Mode bits as TSK derives them for NTFS: x always, r unless read-only, w unless hidden.
fn ntfs_owner(rec: &Record) -> crate::Owner {
    let flags = rec.si.map(|(_, f)| f).unwrap_or(0);
    let mut perm = 0o111;
    if flags & 0x1 == 0 {
        perm |= 0o444;
    }
    if flags & 0x2 == 0 {
        perm |= 0o222;
    }
    let ftype = if rec.is_dir { 0o040000 } else { 0o100000 };
    crate::Owner {
        mode: Some(ftype | perm),
        uid: rec.owner_id,
        gid: None,
    }
}

impl Ntfs {
    /// The entries TSK lists for one name of a record: the file (unnamed `$DATA`) or directory
    /// (`$I30` index), then one per named stream (`name:stream`), the `$FILE_NAME` times riding
    /// on the first.
    fn entries_for(&self, rec: &Record, fname: &FileName, path: &str) -> Vec<Entry> {
        let (si, si_flags) = rec.si.unwrap_or((Times::default(), 0));
        let mut attributes = Vec::new();
        for (bit, n) in [
            (0x1u32, "read_only"),
            (0x2, "hidden"),
            (0x4, "system"),
            (0x20, "archive"),
            (0x200, "sparse"),
            (0x400, "reparse_point"),
            (0x800, "compressed"),
            (0x4000, "encrypted"),
        ] {
            if si_flags & bit != 0 {
                attributes.push(n);
            }
        }
        let owner = ntfs_owner(rec);
        let perm = owner.mode.unwrap_or(0) & 0o7777;
        let short = rec
            .names
            .iter()
            .find(|n| {
                n.namespace == 2
                    && n.parent == fname.parent
                    && fname.namespace != 3
                    && fname.namespace != 2
            })
            .map(|n| n.name.clone());
        let base = Entry {
            addr: Some(rec.num),
            path: path.to_string(),
            name: fname.name.clone(),
            name_raw: fname.raw.clone(),
            short_name: short,
            kind: if rec.is_dir {
                EntryKind::Dir
            } else {
                EntryKind::File
            },
            size: 0,
            deleted: !rec.in_use,
            attributes: attributes.clone(),
            times: si,
            extra_times: vec![TimeSet {
                source: "$FILE_NAME",
                times: fname.times,
                tsk_addr: Some(format!("{}-48-{}", rec.num, fname.attr_id)),
                attr_size: Some(fname.value_len),
            }],
            owner,
            tsk_addr: None,
            link_target: None,
            handle: Handle::None,
        };
        let mut out = Vec::new();
        if rec.is_dir {
            let mut e = base.clone();
            e.attributes.push("directory");
            e.size = rec.index_root_size;
            e.tsk_addr = rec.index_root_id.map(|i| format!("{}-144-{i}", rec.num));
            out.push(e);
        } else if let Some(d) = rec
            .data
            .iter()
            .find(|d| d.ty == AT_DATA && d.name.is_empty() && d.start_vcn == 0)
        {
            let mut e = base.clone();
            e.size = self.stream(rec, d.id).map(|s| s.size()).unwrap_or(0);
            e.handle = Handle::Ntfs {
                record: rec.num,
                attr_id: d.id,
            };
            e.tsk_addr = Some(format!("{}-128-{}", rec.num, d.id));
            out.push(e);
        }
        if !rec.is_dir
            && !rec
                .data
                .iter()
                .any(|d| d.ty == AT_DATA || !d.name.is_empty())
        {
            // No stream could be read (a damaged attribute): list the name all the same.
            let mut e = base.clone();
            e.tsk_addr = Some(rec.num.to_string());
            let why = if rec.problems.is_empty() {
                "no $DATA attribute".to_string()
            } else {
                rec.problems.join("; ")
            };
            e.handle = Handle::Unreadable(format!("MFT record {}: {why}", rec.num));
            out.push(e);
        }
        let mut seen = HashSet::new();
        for d in rec.data.iter().filter(|d| !d.name.is_empty()) {
            if !seen.insert((d.ty, d.name.clone())) {
                continue;
            }
            let mut e = base.clone();
            e.path = format!("{path}:{}", d.name);
            e.name = format!("{}:{}", fname.name, d.name);
            e.name_raw = None;
            e.short_name = None;
            e.owner.mode = Some(0o100000 | perm);
            if d.ty == AT_DATA {
                e.kind = EntryKind::File;
                e.size = self.stream(rec, d.id).map(|s| s.size()).unwrap_or(0);
                e.handle = Handle::Ntfs {
                    record: rec.num,
                    attr_id: d.id,
                };
                e.tsk_addr = Some(format!("{}-128-{}", rec.num, d.id));
            } else {
                // An index ($O, $Q, $SDH …): listed, not file content.
                e.kind = EntryKind::Other;
                e.size = d.size();
                e.attributes.push("index");
                e.tsk_addr = Some(format!("{}-144-{}", rec.num, d.id));
            }
            if !out.is_empty() {
                e.extra_times.clear();
            }
            out.push(e);
        }
        out
    }

    /// An unallocated record with no name left, listed as TSK does (`$OrphanFiles/OrphanFile-N`).
    fn nameless_orphan(&self, rec: &Record) -> Entry {
        let (si, _) = rec.si.unwrap_or((Times::default(), 0));
        let d = rec
            .data
            .iter()
            .find(|d| d.ty == AT_DATA && d.name.is_empty() && d.start_vcn == 0);
        Entry {
            addr: Some(rec.num),
            path: format!("$OrphanFiles/OrphanFile-{}", rec.num),
            name: format!("OrphanFile-{}", rec.num),
            name_raw: None,
            short_name: None,
            kind: if d.is_some() {
                EntryKind::File
            } else {
                EntryKind::Other
            },
            size: d.map(DataAttr::size).unwrap_or(0),
            deleted: true,
            attributes: Vec::new(),
            times: si,
            extra_times: Vec::new(),
            owner: ntfs_owner(rec),
            tsk_addr: d.map(|d| format!("{}-128-{}", rec.num, d.id)),
            link_target: None,
            handle: d
                .map(|d| Handle::Ntfs {
                    record: rec.num,
                    attr_id: d.id,
                })
                .unwrap_or(Handle::None),
        }
    }
}

impl FileSystem for Ntfs {
    fn kind(&self) -> &'static str {
        "ntfs"
    }

    fn info(&self) -> Vec<(String, String)> {
        let mut v = vec![
            ("type".to_string(), "NTFS".to_string()),
            ("label".into(), self.label.clone()),
            ("serial".into(), format!("{:016x}", self.serial)),
            (
                "version".into(),
                self.version
                    .map(|(a, b)| format!("{a}.{b}"))
                    .unwrap_or_default(),
            ),
            ("bytes_per_sector".into(), self.bps.to_string()),
            ("cluster_size".into(), self.cluster.to_string()),
            ("mft_record_size".into(), self.record_size.to_string()),
            ("mft_cluster".into(), self.mft_lcn.to_string()),
            ("mft_records".into(), self.record_count().to_string()),
            ("clusters".into(), self.total_clusters.to_string()),
        ];
        if let Some(bm) = self.cluster_bitmap() {
            let used: u64 = (0..self.total_clusters)
                .filter(|&c| byte(&bm, (c / 8) as usize) & (1 << (c % 8)) != 0)
                .count() as u64;
            v.push(("allocated_clusters".into(), used.to_string()));
            v.push((
                "free_clusters".into(),
                (self.total_clusters - used).to_string(),
            ));
            v.push(("allocated_bytes".into(), (used * self.cluster).to_string()));
            v.push((
                "unallocated_bytes".into(),
                ((self.total_clusters - used) * self.cluster).to_string(),
            ));
        }
        for i in &self.issues {
            v.push(("issue".into(), i.clone()));
        }
        v
    }

    fn walk(&self, out: &mut dyn FnMut(WalkItem)) {
        // 1. Every base record that has a name, allocated or not.
        let mut nodes: BTreeMap<u64, Record> = BTreeMap::new();
        let mut nameless: Vec<Record> = Vec::new();
        let mut bad_records: HashMap<u64, String> = HashMap::new();
        // Records are read 256 at a time: one large read instead of one per record.
        const BATCH: u64 = 256;
        let mut batch: Vec<u8> = Vec::new();
        let mut batch_start = u64::MAX;
        for n in 0..self.record_count() {
            if n / BATCH != batch_start {
                batch_start = n / BATCH;
                let first = batch_start * BATCH;
                let count = BATCH.min(self.record_count() - first);
                batch = vec![0u8; (count * self.record_size) as usize];
                if read_runs_at(
                    self.src.as_ref(),
                    &self.mft_runs,
                    first * self.record_size,
                    &mut batch,
                )
                .is_err()
                {
                    batch.clear(); // fall back to reading records one by one
                }
            }
            let within = ((n % BATCH) * self.record_size) as usize;
            let parsed = match batch.get(within..within + self.record_size as usize) {
                Some(b) => {
                    let mut b = b.to_vec();
                    parse_record_bytes(&mut b, n, self.bps as usize, self.total_clusters)
                }
                None => self.parse_record(n),
            };
            let rec = match parsed {
                Ok(r) => r,
                Err(e) if e == "unused record" || e == "no FILE signature" => continue,
                Err(e) => {
                    out(WalkItem::Error {
                        path: format!("$MFT record {n}"),
                        addr: Some(n),
                        message: e.clone(),
                    });
                    bad_records.insert(n, e);
                    continue;
                }
            };
            if rec.base != 0 {
                continue;
            }
            let rec = if rec.attr_list.is_empty() && rec.attr_list_runs.is_none() {
                rec
            } else {
                self.full_record(n).unwrap_or(rec)
            };
            for p in &rec.problems {
                out(WalkItem::Error {
                    path: format!("$MFT record {n}"),
                    addr: Some(n),
                    message: p.clone(),
                });
            }
            if !rec.names.is_empty() {
                nodes.insert(n, rec);
            } else if !rec.in_use && (rec.si.is_some() || !rec.data.is_empty()) {
                // A record with attributes but no name left: TSK lists it as an orphan.
                nameless.push(rec);
            }
        }
        // 2. Directory contents as TSK builds them: the entries of each directory's $I30
        //    index, then every record whose $FILE_NAME names that directory as parent and is
        //    not in the index yet (deleted files, damaged indexes).
        let mut children: HashMap<u64, Vec<Child>> = HashMap::new();
        // (directory, record, name) already listed
        let mut placed: HashSet<(u64, u64, String)> = HashSet::new();
        for (&d, dir) in nodes.iter().filter(|(_, r)| r.is_dir && r.in_use) {
            let (entries, problems) = self.index_entries(dir);
            for p in problems {
                out(WalkItem::Error {
                    path: format!("$MFT record {d}"),
                    addr: Some(d),
                    message: p,
                });
            }
            let mut seen = HashSet::new();
            for ie in entries {
                if ie.record == d || !seen.insert((ie.record, ie.name.clone())) {
                    continue;
                }
                let target = nodes.get(&ie.record);
                if ie.namespace == 2
                    && target
                        .is_some_and(|t| t.names.iter().any(|f| f.parent == d && f.namespace != 2))
                {
                    continue; // the DOS alias of a long name listed beside it
                }
                // The record's own $FILE_NAME for this name; failing that (a damaged parent
                // link), any of its names, shown under the name the index gives.
                let fname = target.and_then(|t| {
                    t.names
                        .iter()
                        .find(|f| f.parent == d && f.name == ie.name)
                        .or_else(|| t.names.iter().find(|f| f.name == ie.name))
                        .or_else(|| t.names.iter().find(|f| f.namespace != 2))
                        .or(t.names.first())
                        .cloned()
                        .map(|mut f| {
                            f.name = ie.name.clone();
                            f
                        })
                });
                children.entry(d).or_default().push(Child {
                    rec: ie.record,
                    fname,
                    name: ie.name.clone(),
                    indexed: true,
                });
                placed.insert((d, ie.record, ie.name));
            }
        }
        for (&n, rec) in &nodes {
            if n == ROOT {
                continue;
            }
            for f in rec
                .names
                .iter()
                .filter(|f| f.namespace != 2 || rec.names.iter().all(|g| g.namespace == 2))
            {
                if placed.contains(&(f.parent, n, f.name.clone())) {
                    continue;
                }
                let parent_ok = f.parent != n
                    && nodes.get(&f.parent).is_some_and(|p| {
                        p.is_dir
                            && (p.seq == f.parent_seq
                                || f.parent_seq == 0
                                || (!p.in_use && p.seq == f.parent_seq.wrapping_add(1)))
                    });
                if parent_ok {
                    children.entry(f.parent).or_default().push(Child {
                        rec: n,
                        fname: Some(f.clone()),
                        name: f.name.clone(),
                        indexed: false,
                    });
                    placed.insert((f.parent, n, f.name.clone()));
                }
            }
        }
        for v in children.values_mut() {
            v.sort_by(|a, b| {
                a.name
                    .to_uppercase()
                    .cmp(&b.name.to_uppercase())
                    .then(a.rec.cmp(&b.rec))
            });
        }
        // 3. Depth-first from the root, as fls lists; a directory is not entered again below
        //    itself, and the whole walk has a budget, so damaged parent links cannot loop.
        let mut budget = nodes.len().saturating_mul(4).max(1024);
        let mut reached = HashSet::new();
        let mut ancestors = vec![ROOT];
        let ctx = WalkCtx {
            nodes: &nodes,
            children: &children,
            bad: &bad_records,
        };
        self.emit_dir(
            &ctx,
            ROOT,
            "",
            &mut ancestors,
            &mut reached,
            &mut budget,
            out,
        );
        // 4. Named records reached from nowhere go under $OrphanFiles, as TSK does.
        let mut orphans: Vec<(u64, &FileName)> = Vec::new();
        for (&n, rec) in &nodes {
            if n == ROOT || reached.contains(&n) {
                continue;
            }
            if let Some(f) = rec
                .names
                .iter()
                .find(|f| f.namespace != 2)
                .or(rec.names.first())
            {
                orphans.push((n, f));
            }
        }
        orphans.sort_by(|a, b| {
            a.1.name
                .to_uppercase()
                .cmp(&b.1.name.to_uppercase())
                .then(a.0.cmp(&b.0))
        });
        for (n, f) in orphans {
            if reached.contains(&n) {
                continue;
            }
            let Some(rec) = nodes.get(&n) else { continue };
            if rec.is_dir && rec.in_use {
                out(WalkItem::Error {
                    path: format!("$MFT record {n}"),
                    addr: Some(n),
                    message: "directory not reachable from the root (its parent references loop or point nowhere); listed under $OrphanFiles".into(),
                });
            }
            reached.insert(n);
            let path = format!("$OrphanFiles/{}", f.name);
            for mut e in self.entries_for(rec, f, &path) {
                mark_unindexed(&mut e);
                out(WalkItem::Entry(e));
            }
            if rec.is_dir {
                let mut anc = vec![n];
                self.emit_dir(&ctx, n, &path, &mut anc, &mut reached, &mut budget, out);
            }
        }
        for rec in &nameless {
            out(WalkItem::Entry(self.nameless_orphan(rec)));
        }
    }

    fn open(&self, e: &Entry) -> Result<Contents<'_>, FsError> {
        if let Handle::Unreadable(why) = &e.handle {
            return Err(FsError::Content(why.clone()));
        }
        let Handle::Ntfs { record, attr_id } = e.handle else {
            return Err(FsError::Content(format!("{} has no content", e.path)));
        };
        let rec = self.full_record(record).map_err(FsError::Content)?;
        let d = self
            .stream(&rec, attr_id)
            .ok_or_else(|| FsError::Content(format!("record {record} has no stream {attr_id}")))?;
        let reader = self.reader_for(&d).map_err(FsError::Content)?;
        let source = match (e.deleted, d.resident.is_some()) {
            (false, true) => "mft-resident",
            (false, false) => "data-runs",
            (true, true) => "deleted-mft-resident",
            (true, false) => "deleted-data-runs",
        };
        Ok(Contents {
            reader,
            source,
            warning: None,
        })
    }

    fn unallocated(&self) -> Option<Vec<(u64, u64)>> {
        let bm = self.cluster_bitmap()?;
        let mut out: Vec<(u64, u64)> = Vec::new();
        for c in 0..self.total_clusters {
            if byte(&bm, (c / 8) as usize) & (1 << (c % 8)) != 0 {
                continue;
            }
            let off = c * self.cluster;
            match out.last_mut() {
                Some((o, l)) if *o + *l == off => *l += self.cluster,
                _ => out.push((off, self.cluster)),
            }
        }
        Some(out)
    }
}

/// One name listed in a directory.
#[derive(Debug, Clone)]
struct Child {
    rec: u64,
    /// The record's `$FILE_NAME` for this name, when the record could be read.
    fname: Option<FileName>,
    name: String,
    /// Found in the directory's index (rather than only through the record's parent link).
    indexed: bool,
}

/// Shared state of a walk.
struct WalkCtx<'a> {
    nodes: &'a BTreeMap<u64, Record>,
    children: &'a HashMap<u64, Vec<Child>>,
    bad: &'a HashMap<u64, String>,
}

fn mark_unindexed(e: &mut Entry) {
    if !e.attributes.contains(&"unindexed") {
        e.attributes.push("unindexed");
    }
}

impl Ntfs {
    /// An index entry whose MFT record cannot be read: listed by name, content unreadable.
    fn unreadable_entry(&self, record: u64, name: &str, path: &str, why: &str) -> Entry {
        Entry {
            addr: Some(record),
            path: path.to_string(),
            name: name.to_string(),
            name_raw: None,
            short_name: None,
            kind: EntryKind::File,
            size: 0,
            deleted: false,
            attributes: vec!["record_unreadable"],
            times: Times::default(),
            extra_times: Vec::new(),
            owner: crate::Owner::default(),
            tsk_addr: None,
            link_target: None,
            handle: Handle::Unreadable(format!("MFT record {record}: {why}")),
        }
    }

    #[allow(clippy::too_many_arguments)] // the walk's shared state, passed down the recursion
    fn emit_dir(
        &self,
        ctx: &WalkCtx<'_>,
        dir: u64,
        path: &str,
        ancestors: &mut Vec<u64>,
        reached: &mut HashSet<u64>,
        budget: &mut usize,
        out: &mut dyn FnMut(WalkItem),
    ) {
        reached.insert(dir);
        if ancestors.len() > MAX_DEPTH {
            out(WalkItem::Error {
                path: path.to_string(),
                addr: Some(dir),
                message: format!("directory nesting deeper than {MAX_DEPTH}; not descended"),
            });
            return;
        }
        let Some(kids) = ctx.children.get(&dir) else {
            return;
        };
        for c in kids {
            if *budget == 0 {
                out(WalkItem::Error {
                    path: path.to_string(),
                    addr: Some(dir),
                    message: "walk budget exhausted (directory links repeat too often); stopped"
                        .into(),
                });
                return;
            }
            *budget -= 1;
            let p = if path.is_empty() {
                c.name.clone()
            } else {
                format!("{path}/{}", c.name)
            };
            let (Some(rec), Some(f)) = (ctx.nodes.get(&c.rec), c.fname.as_ref()) else {
                let why = ctx
                    .bad
                    .get(&c.rec)
                    .map(String::as_str)
                    .unwrap_or("no matching $FILE_NAME");
                out(WalkItem::Entry(
                    self.unreadable_entry(c.rec, &c.name, &p, why),
                ));
                continue;
            };
            reached.insert(c.rec);
            for mut e in self.entries_for(rec, f, &p) {
                if !c.indexed {
                    mark_unindexed(&mut e);
                }
                out(WalkItem::Entry(e));
            }
            if rec.is_dir {
                if ancestors.contains(&c.rec) {
                    out(WalkItem::Error {
                        path: p,
                        addr: Some(c.rec),
                        message: "directory loop: this directory contains itself; not descended"
                            .into(),
                    });
                    continue;
                }
                ancestors.push(c.rec);
                self.emit_dir(ctx, c.rec, &p, ancestors, reached, budget, out);
                ancestors.pop();
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn run_lists_decode_with_holes_and_negative_offsets() {
        // 0x21: 1-byte length, 2-byte offset: 0x10 clusters at LCN 0x1000;
        // 0x01: sparse run of 8; 0x11: 4 clusters at offset -0x10 (0xF0) relative.
        let b = [0x21, 0x10, 0x00, 0x10, 0x01, 0x08, 0x11, 0x04, 0xF0, 0x00];
        let runs = decode_runs(&b, 0x2000).unwrap();
        assert_eq!(
            runs,
            vec![(Some(0x1000), 0x10), (None, 8), (Some(0xFF0), 4)]
        );
        let err = decode_runs(&b, 0x1005).unwrap_err();
        assert!(err.contains("points outside the volume"), "{err}");
        assert!(decode_runs(&[0x91, 1, 2], 100).is_err(), "offset size 9");
        assert!(decode_runs(&[0x21, 0x10], 100).is_err(), "truncated run");
    }

    #[test]
    fn fixups_are_checked_and_applied() {
        let mut r = vec![0u8; 1024];
        r[4] = 0x30; // usa offset 48
        r[6] = 3; // usn + 2 sectors
        r[48] = 0xAB;
        r[49] = 0xCD;
        r[50] = 0x11;
        r[51] = 0x22;
        r[52] = 0x33;
        r[53] = 0x44;
        r[510] = 0xAB;
        r[511] = 0xCD;
        r[1022] = 0xAB;
        r[1023] = 0xCD;
        let mut ok = r.clone();
        apply_fixups(&mut ok, 512).unwrap();
        assert_eq!(&ok[510..512], &[0x11, 0x22]);
        assert_eq!(&ok[1022..1024], &[0x33, 0x44]);
        r[1023] = 0x00;
        let err = apply_fixups(&mut r, 512).unwrap_err();
        assert!(err.contains("fixup mismatch in sector 1"), "{err}");
    }

    #[test]
    fn lznt1_literals_and_back_references() {
        // "abc" then a phrase copying 6 bytes from 3 back: "abcabcabc".
        let chunk = [0x05, 0xB0, 0x08, b'a', b'b', b'c', 0x03, 0x20];
        assert_eq!(lznt1_decompress(&chunk, 4096).unwrap(), b"abcabcabc");
        // An uncompressed chunk is copied as stored.
        let raw = [0x02, 0x30, b'x', b'y', b'z'];
        assert_eq!(lznt1_decompress(&raw, 4096).unwrap(), b"xyz");
        // A reference before the start of the output is rejected.
        let bad = [0x03, 0xB0, 0x01, 0x03, 0x20];
        assert!(lznt1_decompress(&bad, 4096).is_err());
    }

    #[test]
    fn filetimes_convert_and_zero_is_absent() {
        assert_eq!(filetime(0), None);
        // 2024-03-15T10:00:00.1234567Z
        let v = (1_710_496_800u64 + 11_644_473_600) * 10_000_000 + 1_234_567;
        assert_eq!(
            filetime(v).unwrap().to_string(),
            "2024-03-15T10:00:00.1234567Z"
        );
    }
}
