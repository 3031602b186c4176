//! Partition tables: MBR (with extended/logical chains), GPT (with protective MBR), or none.
//!
//! Every offset is checked against the source; a partition reaching past the end is kept,
//! clipped, and carries an issue saying so, so a truncated image still lists what it can.

use std::collections::HashSet;

use serde::Serialize;

use crate::ImageError;
use crate::source::{Source, read_exact_at};

use peel_core::bytes::{le16, le32, le64};

/// How the volumes were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// DOS/MBR partition table.
    Mbr,
    /// GUID partition table.
    Gpt,
    /// No partition table: the whole source is one volume.
    None,
}

impl Scheme {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Mbr => "mbr",
            Scheme::Gpt => "gpt",
            Scheme::None => "none",
        }
    }
}

/// One volume (partition) of a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Volume {
    /// Partition number: 1–4 primary and 5+ logical (MBR), entry number (GPT), 0 (no table).
    pub index: u32,
    /// Byte offset of the first byte in the source.
    pub offset: u64,
    /// Length in bytes, clipped to the source.
    pub length: u64,
    /// Length the table claims, in bytes.
    pub declared_length: u64,
    /// Partition type: `0x0c` (MBR) or a type GUID (GPT).
    pub type_id: String,
    /// Human description of the type.
    pub description: String,
    /// GPT partition name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// GPT unique partition GUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    /// MBR boot flag.
    pub bootable: bool,
    /// Problems found with this entry (e.g. extends past the end of the image).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<String>,
}

/// A run of bytes not in any partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// Byte offset.
    pub offset: u64,
    /// Length in bytes.
    pub length: u64,
}

/// The partition layout of a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VolumeTable {
    /// Scheme found.
    pub scheme: Scheme,
    /// Sector size the table was read with.
    pub sector_size: u32,
    /// GPT disk GUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_guid: Option<String>,
    /// Data volumes, in table order (primary, then logical).
    pub volumes: Vec<Volume>,
    /// Extended-partition containers (MBR), not volumes themselves.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<Volume>,
    /// Unpartitioned space (including space before the first partition).
    pub unallocated: Vec<Gap>,
    /// Problems with the table as a whole.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<String>,
}

const SECTOR: u64 = 512;
const MAX_LOGICAL: usize = 256;
const MAX_GPT_ENTRIES: u32 = 4096;

/// Describes an MBR partition type byte.
pub fn mbr_type_name(t: u8) -> &'static str {
    match t {
        0x01 => "FAT12",
        0x04 => "FAT16 (<32 MiB)",
        0x05 => "Extended (CHS)",
        0x06 => "FAT16",
        0x07 => "NTFS / exFAT / HPFS",
        0x0b => "FAT32 (CHS)",
        0x0c => "FAT32 (LBA)",
        0x0e => "FAT16 (LBA)",
        0x0f => "Extended (LBA)",
        0x11 | 0x14 | 0x16 | 0x1b | 0x1c | 0x1e => "Hidden FAT",
        0x17 => "Hidden NTFS",
        0x27 => "Windows recovery",
        0x42 => "Windows dynamic disk",
        0x82 => "Linux swap / Solaris",
        0x83 => "Linux",
        0x85 => "Linux extended",
        0x8e => "Linux LVM",
        0xa5 => "FreeBSD",
        0xa6 => "OpenBSD",
        0xa8 => "Mac OS X UFS",
        0xaf => "Mac OS X HFS+",
        0xee => "GPT protective",
        0xef => "EFI System (FAT)",
        0xfb => "VMware VMFS",
        0xfd => "Linux RAID",
        _ => "Unknown",
    }
}

fn is_extended(t: u8) -> bool {
    matches!(t, 0x05 | 0x0f | 0x85)
}

/// Formats a mixed-endian GPT GUID.
fn guid(b: &[u8]) -> String {
    let g = |i: usize| b.get(i).copied().unwrap_or(0);
    format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        g(3),
        g(2),
        g(1),
        g(0),
        g(5),
        g(4),
        g(7),
        g(6),
        g(8),
        g(9),
        g(10),
        g(11),
        g(12),
        g(13),
        g(14),
        g(15)
    )
}

/// Describes a GPT partition type GUID.
pub fn gpt_type_name(g: &str) -> &'static str {
    match g {
        "c12a7328-f81f-11d2-ba4b-00a0c93ec93b" => "EFI System",
        "e3c9e316-0b5c-4db8-817d-f92df00215ae" => "Microsoft reserved",
        "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7" => "Microsoft basic data",
        "de94bba4-06d1-4d40-a16a-bfd50179d6ac" => "Windows recovery",
        "5808c8aa-7e8f-42e0-85d2-e1e90434cfb3" => "Windows LDM metadata",
        "0fc63daf-8483-4772-8e79-3d69d8477de4" => "Linux filesystem",
        "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f" => "Linux swap",
        "e6d6d379-f507-44c2-a23c-238f2a3df928" => "Linux LVM",
        "a19d880f-05fc-4d3b-a006-743f0f84911e" => "Linux RAID",
        "4f68bce3-e8cd-4db1-96e7-fbcaf984b709" => "Linux root (x86-64)",
        "933ac7e1-2eb4-4f13-b844-0e14e2aef915" => "Linux home",
        "21686148-6449-6e6f-744e-656564454649" => "BIOS boot",
        "48465300-0000-11aa-aa11-00306543ecac" => "Apple HFS+",
        "7c3457ef-0000-11aa-aa11-00306543ecac" => "Apple APFS",
        "516e7cb4-6ecf-11d6-8ff8-00022d09712b" => "FreeBSD data",
        _ => "Unknown",
    }
}

/// True when sector 0 is a file-system boot sector rather than an MBR (a partitionless
/// floppy, USB stick or volume image): a jump instruction and a plausible BPB.
fn looks_like_boot_sector(s: &[u8]) -> bool {
    let jmp = matches!(s.first(), Some(0xEB) | Some(0xE9));
    let bps = le16(s, 11);
    let spc = s.get(13).copied().unwrap_or(0);
    let ntfs = s.get(3..11) == Some(b"NTFS    ");
    let exfat = s.get(3..11) == Some(b"EXFAT   ");
    let fat_bpb = matches!(bps, 512 | 1024 | 2048 | 4096)
        && spc != 0
        && spc.is_power_of_two()
        && le16(s, 14) != 0
        && matches!(s.get(16), Some(1) | Some(2));
    jmp && (ntfs || exfat || fat_bpb)
}

impl VolumeTable {
    fn whole(src: &dyn Source, issues: Vec<String>) -> Self {
        VolumeTable {
            scheme: Scheme::None,
            sector_size: SECTOR as u32,
            disk_guid: None,
            volumes: vec![Volume {
                index: 0,
                offset: 0,
                length: src.len(),
                declared_length: src.len(),
                type_id: String::new(),
                description: "whole source".into(),
                name: None,
                guid: None,
                bootable: false,
                issues: Vec::new(),
            }],
            containers: Vec::new(),
            unallocated: Vec::new(),
            issues,
        }
    }

    fn compute_gaps(&mut self, total: u64) {
        let mut spans: Vec<(u64, u64)> = self
            .volumes
            .iter()
            .map(|v| (v.offset, v.offset.saturating_add(v.length)))
            .collect();
        spans.sort_unstable();
        let mut gaps = Vec::new();
        let mut pos = 0u64;
        for (s, e) in spans {
            let s = s.min(total);
            if s > pos {
                gaps.push(Gap {
                    offset: pos,
                    length: s - pos,
                });
            }
            pos = pos.max(e.min(total));
        }
        if total > pos {
            gaps.push(Gap {
                offset: pos,
                length: total - pos,
            });
        }
        self.unallocated = gaps;
    }
}

fn make_volume(
    src: &dyn Source,
    index: u32,
    start: u64,
    declared: u64,
    type_id: String,
    description: String,
) -> Volume {
    let total = src.len();
    let mut issues = Vec::new();
    let length = if start >= total {
        issues.push(format!(
            "starts at byte {start}, past the end of the source ({total} bytes): truncated image or corrupt entry"
        ));
        0
    } else if start.saturating_add(declared) > total {
        let missing = start.saturating_add(declared) - total;
        issues.push(format!(
            "extends {missing} bytes past the end of the source: truncated image or corrupt entry"
        ));
        total - start
    } else {
        declared
    };
    Volume {
        index,
        offset: start,
        length,
        declared_length: declared,
        type_id,
        description,
        name: None,
        guid: None,
        bootable: false,
        issues,
    }
}

/// Reads the partition table of `src`. A source without one is a single volume; an error is
/// returned only when the source cannot be read at all.
pub fn read_table(src: &dyn Source) -> Result<VolumeTable, ImageError> {
    if src.len() < SECTOR {
        return Ok(VolumeTable::whole(
            src,
            vec!["source smaller than one sector".into()],
        ));
    }
    let mut s0 = [0u8; 512];
    read_exact_at(src, &mut s0, 0, "sector 0")?;
    if s0.get(510..512) != Some(&[0x55, 0xAA]) || looks_like_boot_sector(&s0) {
        return Ok(VolumeTable::whole(src, Vec::new()));
    }
    let entries: Vec<&[u8]> = (0..4)
        .filter_map(|i| s0.get(446 + i * 16..462 + i * 16))
        .collect();
    if entries
        .iter()
        .any(|e| !matches!(e.first(), Some(0x00) | Some(0x80)))
    {
        return Ok(VolumeTable::whole(
            src,
            vec!["sector 0 has a boot signature but no valid partition table".into()],
        ));
    }
    if entries
        .iter()
        .all(|e| e.get(4) == Some(&0) || le32(e, 12) == 0)
    {
        return Ok(VolumeTable::whole(src, Vec::new()));
    }
    if entries.iter().any(|e| e.get(4) == Some(&0xEE)) {
        match read_gpt(src) {
            Ok(t) => return Ok(t),
            Err(reason) => {
                let mut t = read_mbr(src, &entries)?;
                t.issues
                    .push(format!("protective MBR but GPT unreadable: {reason}"));
                return Ok(t);
            }
        }
    }
    read_mbr(src, &entries)
}

fn read_mbr(src: &dyn Source, entries: &[&[u8]]) -> Result<VolumeTable, ImageError> {
    let mut t = VolumeTable {
        scheme: Scheme::Mbr,
        sector_size: SECTOR as u32,
        disk_guid: None,
        volumes: Vec::new(),
        containers: Vec::new(),
        unallocated: Vec::new(),
        issues: Vec::new(),
    };
    let mut next_logical = 5u32;
    for (i, e) in entries.iter().enumerate() {
        let ty = e.get(4).copied().unwrap_or(0);
        let lba = u64::from(le32(e, 8));
        let count = u64::from(le32(e, 12));
        if ty == 0 || count == 0 {
            continue;
        }
        let mut v = make_volume(
            src,
            i as u32 + 1,
            lba * SECTOR,
            count * SECTOR,
            format!("{ty:#04x}"),
            mbr_type_name(ty).to_string(),
        );
        v.bootable = e.first() == Some(&0x80);
        if is_extended(ty) {
            read_ebr_chain(src, &v, &mut next_logical, &mut t);
            t.containers.push(v);
        } else {
            t.volumes.push(v);
        }
    }
    t.volumes.sort_by_key(|v| v.index);
    t.compute_gaps(src.len());
    Ok(t)
}

fn read_ebr_chain(src: &dyn Source, ext: &Volume, next: &mut u32, t: &mut VolumeTable) {
    let base = ext.offset;
    let mut ebr = base;
    let mut seen = HashSet::new();
    for _ in 0..MAX_LOGICAL {
        if !seen.insert(ebr) {
            t.issues.push(format!(
                "extended partition chain loops back to byte {ebr}; stopped"
            ));
            return;
        }
        let mut s = [0u8; 512];
        if let Err(e) = read_exact_at(src, &mut s, ebr, "extended boot record") {
            t.issues.push(format!(
                "cannot read extended boot record at byte {ebr}: {e}"
            ));
            return;
        }
        if s.get(510..512) != Some(&[0x55, 0xAA]) {
            t.issues.push(format!(
                "extended boot record at byte {ebr} has no boot signature"
            ));
            return;
        }
        let (Some(e1), Some(e2)) = (s.get(446..462), s.get(462..478)) else {
            return;
        };
        let ty = e1.get(4).copied().unwrap_or(0);
        let count = u64::from(le32(e1, 12));
        if ty != 0 && count != 0 {
            let start = ebr.saturating_add(u64::from(le32(e1, 8)) * SECTOR);
            let mut v = make_volume(
                src,
                *next,
                start,
                count * SECTOR,
                format!("{ty:#04x}"),
                mbr_type_name(ty).to_string(),
            );
            let ext_end = ext.offset.saturating_add(ext.declared_length);
            if start.saturating_add(count * SECTOR) > ext_end {
                v.issues
                    .push("extends past the end of its extended partition".into());
            }
            v.bootable = e1.first() == Some(&0x80);
            t.volumes.push(v);
            *next += 1;
        }
        let nty = e2.get(4).copied().unwrap_or(0);
        let nlba = u64::from(le32(e2, 8));
        if !is_extended(nty) || nlba == 0 {
            return;
        }
        ebr = base.saturating_add(nlba * SECTOR);
    }
    t.issues.push(format!(
        "more than {MAX_LOGICAL} logical partitions; stopped"
    ));
}

fn read_gpt(src: &dyn Source) -> Result<VolumeTable, String> {
    let mut last_err = String::new();
    for hdr_lba in [1u64, src.len() / SECTOR - 1] {
        match read_gpt_at(src, hdr_lba) {
            Ok(mut t) => {
                if hdr_lba != 1 {
                    t.issues.push(format!(
                        "primary GPT header damaged ({last_err}); read the backup"
                    ));
                }
                return Ok(t);
            }
            Err(e) => last_err = e,
        }
    }
    Err(last_err)
}

fn read_gpt_at(src: &dyn Source, lba: u64) -> Result<VolumeTable, String> {
    let mut h = [0u8; 512];
    read_exact_at(src, &mut h, lba * SECTOR, "GPT header").map_err(|e| e.to_string())?;
    if h.get(0..8) != Some(b"EFI PART") {
        return Err(format!("no GPT signature at LBA {lba}"));
    }
    let hsize = le32(&h, 12) as usize;
    if !(92..=512).contains(&hsize) {
        return Err(format!("header size {hsize} out of range"));
    }
    let stored_crc = le32(&h, 16);
    let mut hc = h.get(..hsize).map(<[u8]>::to_vec).unwrap_or_default();
    if let Some(c) = hc.get_mut(16..20) {
        c.fill(0);
    }
    if crc32fast::hash(&hc) != stored_crc {
        return Err("header CRC mismatch".into());
    }
    let entries_lba = le64(&h, 72);
    let count = le32(&h, 80);
    let esize = le32(&h, 84);
    if count > MAX_GPT_ENTRIES || !(128..=4096).contains(&esize) || !esize.is_multiple_of(8) {
        return Err(format!(
            "implausible entry array ({count} entries of {esize} bytes)"
        ));
    }
    let mut arr = vec![0u8; count as usize * esize as usize];
    read_exact_at(
        src,
        &mut arr,
        entries_lba.saturating_mul(SECTOR),
        "GPT entries",
    )
    .map_err(|e| e.to_string())?;
    let mut t = VolumeTable {
        scheme: Scheme::Gpt,
        sector_size: SECTOR as u32,
        disk_guid: h.get(56..72).map(guid),
        volumes: Vec::new(),
        containers: Vec::new(),
        unallocated: Vec::new(),
        issues: Vec::new(),
    };
    if crc32fast::hash(&arr) != le32(&h, 88) {
        t.issues
            .push("GPT entry array CRC mismatch; entries read anyway".into());
    }
    for (i, e) in arr.chunks_exact(esize as usize).enumerate() {
        let Some(tg) = e.get(0..16) else { continue };
        if tg.iter().all(|&b| b == 0) {
            continue;
        }
        let first = le64(e, 32);
        let last = le64(e, 40);
        let type_guid = guid(tg);
        let declared = last
            .saturating_sub(first)
            .saturating_add(1)
            .saturating_mul(SECTOR);
        let mut v = make_volume(
            src,
            i as u32 + 1,
            first.saturating_mul(SECTOR),
            declared,
            type_guid.clone(),
            gpt_type_name(&type_guid).to_string(),
        );
        if last < first {
            v.issues
                .push(format!("last LBA {last} before first LBA {first}"));
            v.length = 0;
        }
        v.guid = e.get(16..32).map(guid);
        let name: Vec<u16> = e
            .get(56..128)
            .unwrap_or_default()
            .chunks_exact(2)
            .map(|c| le16(c, 0))
            .take_while(|&c| c != 0)
            .collect();
        let name = String::from_utf16_lossy(&name);
        v.name = (!name.is_empty()).then_some(name);
        t.volumes.push(v);
    }
    t.compute_gaps(src.len());
    Ok(t)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::source::ContainerInfo;

    struct Mem(Vec<u8>);
    impl Source for Mem {
        fn len(&self) -> u64 {
            self.0.len() as u64
        }
        fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, ImageError> {
            let o = offset as usize;
            let Some(s) = self.0.get(o..) else {
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

    fn entry(d: &mut [u8], slot: usize, ty: u8, lba: u32, count: u32) {
        let e = &mut d[446 + slot * 16..462 + slot * 16];
        e[4] = ty;
        e[8..12].copy_from_slice(&lba.to_le_bytes());
        e[12..16].copy_from_slice(&count.to_le_bytes());
    }

    #[test]
    fn mbr_with_looping_extended_chain_and_entry_past_end() {
        let mut d = vec![0u8; 64 * 512];
        d[510] = 0x55;
        d[511] = 0xAA;
        entry(&mut d, 0, 0x06, 2, 10);
        entry(&mut d, 1, 0x05, 20, 40);
        entry(&mut d, 2, 0x83, 60, 100); // runs past the end
        // EBR at sector 20: logical at +1, next EBR points back to itself.
        let ebr = 20 * 512;
        d[ebr + 510] = 0x55;
        d[ebr + 511] = 0xAA;
        let mut e = vec![0u8; 512];
        entry(&mut e, 0, 0x0c, 1, 5);
        entry(&mut e, 1, 0x05, 10, 5);
        d[ebr + 446..ebr + 478].copy_from_slice(&e[446..478]);
        // Second EBR at sector 30 whose "next" points at itself.
        let ebr2 = 30 * 512;
        d[ebr2 + 510] = 0x55;
        d[ebr2 + 511] = 0xAA;
        let mut e2 = vec![0u8; 512];
        entry(&mut e2, 0, 0x83, 1, 2);
        entry(&mut e2, 1, 0x05, 10, 5);
        d[ebr2 + 446..ebr2 + 478].copy_from_slice(&e2[446..478]);
        let t = read_table(&Mem(d)).unwrap();
        assert_eq!(t.scheme, Scheme::Mbr);
        let idx: Vec<u32> = t.volumes.iter().map(|v| v.index).collect();
        assert_eq!(idx, vec![1, 3, 5, 6]);
        assert_eq!(t.volumes[2].offset, 21 * 512);
        assert_eq!(t.volumes[1].length, 4 * 512);
        assert!(t.volumes[1].issues[0].contains("past the end"));
        assert!(t.issues.iter().any(|i| i.contains("loops")));
    }

    #[test]
    fn no_signature_is_whole_source() {
        let t = read_table(&Mem(vec![0u8; 4096])).unwrap();
        assert_eq!(t.scheme, Scheme::None);
        assert_eq!(t.volumes.len(), 1);
        assert_eq!(t.volumes[0].length, 4096);
    }
}
