//! The typed records peel writes. Schema documented in `docs/schema.md`; bump
//! [`SCHEMA_VERSION`] on any incompatible change.

use serde::Serialize;

use crate::hash::Hashes;
use crate::locator::Locator;
use crate::time::Timestamp;

/// Version of the record schema.
pub const SCHEMA_VERSION: u32 = 1;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// Regular file.
    File,
    /// Directory.
    Dir,
    /// Symbolic link.
    Symlink,
    /// Volume label or other special entry.
    Other,
}

impl EntryKind {
    /// Short name used in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Dir => "dir",
            EntryKind::Symlink => "symlink",
            EntryKind::Other => "other",
        }
    }
}

/// The volume a record came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VolumeRef {
    /// Partition number.
    pub index: u32,
    /// Byte offset in the source.
    pub offset: u64,
    /// Length in bytes.
    pub length: u64,
    /// Partition scheme (`mbr`, `gpt`) or `none` for a whole-source volume.
    pub scheme: String,
    /// Partition type as described by the table.
    pub description: String,
}

/// The four classic timestamps of an entry (absent where the file system has none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Times {
    /// Content last modified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<Timestamp>,
    /// Last accessed (FAT: date only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accessed: Option<Timestamp>,
    /// Metadata changed (not recorded by FAT).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed: Option<Timestamp>,
    /// Created (born).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<Timestamp>,
}

/// A further set of timestamps, labelled by its source (NTFS `$FILE_NAME`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourcedTimes {
    /// Where the times come from.
    pub source: String,
    /// TSK address of the attribute holding them (NTFS `64-48-3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsk_addr: Option<String>,
    /// Size of that attribute (what TSK's bodyfile shows on its `$FILE_NAME` rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attr_size: Option<u64>,
    /// The times.
    #[serde(flatten)]
    pub times: Times,
}

/// One entry of a file listing.
#[derive(Debug, Clone, Serialize)]
pub struct FileRecord {
    /// Always `file`.
    pub record: &'static str,
    /// Provenance chain.
    pub locator: Locator,
    /// One-line form of `locator`.
    pub locator_text: String,
    /// Evidence item as named on the command line.
    pub evidence: String,
    /// Volume, when the evidence is a partitioned or whole-disk image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeRef>,
    /// File-system kind (`fat16`, `dir`, `zip` …).
    pub fs: String,
    /// Path inside the file system, `/`-separated, no leading slash.
    pub path: String,
    /// File name (long name where one exists), lossily decoded.
    pub name: String,
    /// Raw name bytes in base64 when the name could not be decoded losslessly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_raw_b64: Option<String>,
    /// 8.3 short name (FAT).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
    /// Entry kind.
    pub kind: EntryKind,
    /// Size in bytes as recorded by the file system.
    pub size: u64,
    /// True when the entry is deleted (unallocated).
    pub deleted: bool,
    /// Metadata address (TSK-compatible inode number for FAT).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<u64>,
    /// The address as The Sleuth Kit writes it, where that is not the plain number
    /// (NTFS `64-128-2`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsk_addr: Option<String>,
    /// Unix mode bits (type and permissions), where recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    /// User id, where recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// Group id, where recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    /// Symbolic-link target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
    /// Attribute flags (`read_only`, `hidden`, `system`, `archive` …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
    /// Timestamps.
    #[serde(flatten)]
    pub times: Times,
    /// Further timestamp sets (NTFS `$FILE_NAME` …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_times: Vec<SourcedTimes>,
    /// Where the content was read from (e.g. `fat-chain`, `deleted-contiguous`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_source: Option<String>,
    /// Requested hashes of the content.
    #[serde(flatten)]
    pub hashes: Hashes,
    /// Why the content could not be read in full, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_error: Option<String>,
}

/// A per-item failure: something that could not be read, with where it was.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorRecord {
    /// Always `error`.
    pub record: &'static str,
    /// Where the problem is.
    pub locator: Locator,
    /// One-line form of `locator`.
    pub locator_text: String,
    /// Evidence item as named on the command line.
    pub evidence: String,
    /// What went wrong.
    pub message: String,
}

impl ErrorRecord {
    /// A new error record.
    pub fn new(evidence: &str, locator: Locator, message: impl Into<String>) -> Self {
        ErrorRecord {
            record: "error",
            locator_text: locator.to_string(),
            locator,
            evidence: evidence.to_string(),
            message: message.into(),
        }
    }
}

/// A run of bytes no allocated file owns (or outside every partition), for carving and raw
/// scanning.
#[derive(Debug, Clone, Serialize)]
pub struct RegionRecord {
    /// Always `region`.
    pub record: &'static str,
    /// `unallocated` (free space of a file system) or `unpartitioned` (outside every volume).
    pub kind: &'static str,
    /// Provenance: the volume (and file system) and the offset in it.
    pub locator: Locator,
    /// One-line form of `locator`.
    pub locator_text: String,
    /// Evidence item.
    pub evidence: String,
    /// Volume, for unallocated space.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeRef>,
    /// File-system kind, for unallocated space.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fs: Option<String>,
    /// Offset in the volume (unallocated) or in the source (unpartitioned).
    pub offset: u64,
    /// Offset on the evidence's media.
    pub evidence_offset: u64,
    /// Length in bytes.
    pub length: u64,
}

/// A feature found in the evidence (an email address, a card number …).
#[derive(Debug, Clone, Serialize)]
pub struct FeatureRecord {
    /// Always `feature`.
    pub record: &'static str,
    /// Kind: `email`, `url`, `domain`, `ipv4`, `ipv6`, `mac`, `card`, `iban`, `btc`, `eth`,
    /// `xmr`, `phone`.
    pub kind: String,
    /// The text as found.
    pub value: String,
    /// The normalised value that groups equal features.
    pub normalized: String,
    /// `true` when a checksum exists and holds; absent when the kind has no checksum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validated: Option<bool>,
    /// `ascii` or `utf16le`.
    pub encoding: String,
    /// Bytes around the feature, escaped (`\xNN` for non-printable bytes).
    pub context: String,
    /// Provenance down to the byte: `… / file#addr / @0x1f` or `… / fs / @0x… ` for free space.
    pub locator: Locator,
    /// One-line form of `locator`.
    pub locator_text: String,
    /// Evidence item.
    pub evidence: String,
    /// Offset in the innermost stream (the file's content, or the volume for free space).
    pub offset: u64,
    /// Offset on the evidence's media, where the bytes are contiguous there (free space,
    /// raw scans).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_offset: Option<u64>,
    /// Path of the file it was found in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// True when found in a deleted file.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// What was scanned: `file`, `unallocated`, `unpartitioned`, `raw`.
    pub scope: &'static str,
    /// On the alert list given with `--alert`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub alert: bool,
    /// The stop-list entry that matched (only in the stopped output).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<String>,
}

/// One matched pattern occurrence of a YARA hit.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MatchRecord {
    /// Pattern identifier (`$a`).
    pub pattern: String,
    /// Offset in the object the hit's locator names (for a raw region: in the stream the
    /// region belongs to, as in feature records).
    pub offset: u64,
    /// Matched length.
    pub length: u64,
    /// Offset on the evidence, for matches in raw regions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_offset: Option<u64>,
    /// Matched bytes, escaped and cut (with `--strings`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// A YARA rule that matched an object (a file, an archive member, a page of a raw region).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HitRecord {
    /// Always `hit`.
    pub record: &'static str,
    /// Rule identifier.
    pub rule: String,
    /// Rule namespace (the rule file).
    pub namespace: String,
    /// Rule tags.
    pub tags: Vec<String>,
    /// Rule metadata.
    pub meta: std::collections::BTreeMap<String, serde_json::Value>,
    /// Matches, by pattern then offset.
    pub matches: Vec<MatchRecord>,
    /// Where the object is (the innermost one: archive member, or the region offset of the
    /// first match).
    pub locator: Locator,
    /// One-line form of `locator`.
    pub locator_text: String,
    /// Evidence item as named on the command line.
    pub evidence: String,
    /// Path in the file system, for files and their members.
    pub path: Option<String>,
    /// The file is deleted.
    pub deleted: bool,
    /// `file`, `member`, `unallocated`, `unpartitioned` or `raw`.
    pub scope: &'static str,
    /// Size of the object scanned.
    pub size: u64,
    /// Its type by content (see `filetype` in docs/scan.md); empty when unknown.
    pub filetype: String,
    /// Hashes of the object scanned (files and members; not pages of regions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    /// SHA-256 of the object scanned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// An object not scanned, and why (too large, nested too deep, …).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SkipRecord {
    /// Always `skipped`.
    pub record: &'static str,
    /// Where the object is.
    pub locator: Locator,
    /// One-line form of `locator`.
    pub locator_text: String,
    /// Evidence item as named on the command line.
    pub evidence: String,
    /// Its size as recorded.
    pub size: u64,
    /// Why it was not scanned.
    pub reason: String,
}
