//! Selecting entries of an evidence item and turning them into records, hashing contents in
//! parallel while keeping evidence order.

use base64::Engine;
use peel_core::HashSet;
use peel_core::hash::Hashes;
use peel_core::record::{EntryKind, ErrorRecord, FileRecord, SourcedTimes};
use peel_fs::evidence::{Evidence, FsOpenError, Part};
use peel_fs::{Entry, WalkItem};
use rayon::prelude::*;

/// Which entries a command wants.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Directory to list (empty: the root).
    pub path: String,
    /// Include everything below `path`, not only its children.
    pub recursive: bool,
    /// Only deleted entries.
    pub deleted_only: bool,
    /// Only allocated entries.
    pub allocated_only: bool,
    /// Only this partition number.
    pub volume: Option<u32>,
}

/// One selected item, in evidence order.
#[allow(clippy::large_enum_variant)] // entries dominate; boxing each would cost an allocation
pub enum Listed {
    /// An entry of part `part`.
    Entry {
        /// Index into `Evidence::parts`.
        part: usize,
        /// The entry.
        entry: Entry,
    },
    /// A problem to report as an error record.
    Error(ErrorRecord),
    /// Something worth telling the user that is not an error.
    Note(String),
}

/// The message of a caught panic.
pub fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Bytes of regular-file content among `items` (for progress totals).
pub fn content_bytes(items: &[Listed]) -> u64 {
    items
        .iter()
        .map(|i| match i {
            Listed::Entry { entry, .. } if entry.kind == EntryKind::File => entry.size,
            _ => 0,
        })
        // Sizes come from the evidence and may be absurd: saturate rather than overflow.
        .fold(0u64, u64::saturating_add)
}

/// The directory a user named, as the file systems spell paths (no leading or trailing `/`).
pub fn normalise_dir(path: Option<&str>) -> String {
    path.unwrap_or("").trim_matches('/').to_string()
}

fn parent_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(p, _)| p).unwrap_or("")
}

impl Selection {
    fn wants_path(&self, path: &str) -> bool {
        let start = self.path.as_str();
        if self.recursive {
            start.is_empty()
                || path
                    .strip_prefix(start)
                    .is_some_and(|rest| rest.starts_with('/'))
        } else {
            parent_of(path) == start
        }
    }

    fn wants_error_at(&self, path: &str) -> bool {
        let start = self.path.as_str();
        if self.recursive {
            start.is_empty() || path == start || self.wants_path(path)
        } else {
            path == start
        }
    }

    fn wants(&self, e: &Entry) -> bool {
        if self.deleted_only && !e.deleted {
            return false;
        }
        if self.allocated_only && e.deleted {
            return false;
        }
        self.wants_path(&e.path)
    }
}

/// Walks every selected part and returns what the selection keeps.
pub fn collect(ev: &Evidence, sel: &Selection) -> Vec<Listed> {
    let mut out = Vec::new();
    for (i, part) in ev.parts.iter().enumerate() {
        if let (Some(w), Some(v)) = (sel.volume, &part.volume)
            && v.index != w
        {
            continue;
        }
        let Some(fs) = &part.fs else {
            match &part.fs_error {
                Some(FsOpenError::Failed(why)) => out.push(Listed::Error(ErrorRecord::new(
                    &ev.name,
                    part.locator.clone(),
                    why.clone(),
                ))),
                Some(FsOpenError::Unrecognised(why)) => {
                    out.push(Listed::Note(format!("{}: {why}; skipped", part.locator)))
                }
                None => {}
            }
            continue;
        };
        let walked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            fs.walk(&mut |item| match item {
                WalkItem::Entry(e) => {
                    if sel.wants(&e) {
                        out.push(Listed::Entry { part: i, entry: e });
                    }
                }
                WalkItem::Error {
                    path,
                    addr,
                    message,
                } => {
                    if sel.wants_error_at(&path) {
                        let mut loc = part.fs_locator();
                        if !path.is_empty() || addr.is_some() {
                            loc.push(peel_core::Segment::File { path, addr });
                        }
                        out.push(Listed::Error(ErrorRecord::new(&ev.name, loc, message)));
                    }
                }
            })
        }));
        if let Err(p) = walked {
            out.push(Listed::Error(ErrorRecord::new(
                &ev.name,
                part.fs_locator(),
                format!("internal error (a bug in peel) while walking this file system: {}; the listing of this volume is incomplete", panic_text(&p)),
            )));
        }
    }
    out
}

/// The record for an entry, without content facts.
pub fn file_record(ev: &Evidence, part: &Part, e: &Entry) -> FileRecord {
    let locator = part.entry_locator(e);
    FileRecord {
        record: "file",
        locator_text: locator.to_string(),
        locator,
        evidence: ev.name.clone(),
        volume: part.volume_ref(),
        fs: part
            .fs
            .as_ref()
            .map(|f| f.kind().to_string())
            .unwrap_or_default(),
        path: e.path.clone(),
        name: e.name.clone(),
        name_raw_b64: e
            .name_raw
            .as_ref()
            .map(|r| base64::engine::general_purpose::STANDARD.encode(r)),
        short_name: e.short_name.clone(),
        kind: e.kind,
        size: e.size,
        deleted: e.deleted,
        addr: e.addr,
        tsk_addr: e.tsk_addr.clone(),
        mode: e.owner.mode,
        uid: e.owner.uid,
        gid: e.owner.gid,
        link_target: e.link_target.clone(),
        attributes: e.attributes.iter().map(|a| a.to_string()).collect(),
        times: e.times,
        extra_times: e
            .extra_times
            .iter()
            .map(|t| SourcedTimes {
                source: t.source.to_string(),
                tsk_addr: t.tsk_addr.clone(),
                attr_size: t.attr_size,
                times: t.times,
            })
            .collect(),
        content_source: None,
        hashes: Hashes::default(),
        content_error: None,
    }
}

/// Reads an entry's content once, computing `set`, and fills the record's content fields.
/// Returns true when an allocated file's content could not be read in full (a per-item error).
pub fn hash_into(part: &Part, e: &Entry, set: &HashSet, rec: &mut FileRecord) -> bool {
    if e.kind != EntryKind::File {
        return false;
    }
    let Some(fs) = &part.fs else { return false };
    match fs.open(e) {
        Ok(mut c) => {
            rec.content_source = Some(c.source.to_string());
            match set.hash_reader(&mut c.reader) {
                Ok(h) if c.warning.is_none() && h.len == e.size => {
                    rec.hashes = h;
                    false
                }
                Ok(h) => {
                    rec.content_error = Some(
                        c.warning
                            .unwrap_or_else(|| format!("read {} of {} bytes", h.len, e.size)),
                    );
                    !e.deleted
                }
                Err(err) => {
                    rec.content_error = Some(err.to_string());
                    !e.deleted
                }
            }
        }
        Err(err) => {
            rec.content_source = Some(
                if e.deleted {
                    "unrecoverable"
                } else {
                    "unreadable"
                }
                .into(),
            );
            rec.content_error = Some(err.to_string());
            !e.deleted
        }
    }
}

/// A finished record and whether it counts as a per-item error.
pub struct Built {
    /// The record.
    pub record: FileRecord,
    /// An allocated file whose content failed.
    pub failed: bool,
}

/// Builds records for a batch of entries in parallel (hashing when `set` is not empty),
/// returned in input order.
pub fn build_batch(
    ev: &Evidence,
    batch: &[(usize, &Entry)],
    set: &HashSet,
    on_done: &(dyn Fn(u64) + Sync),
) -> Vec<Built> {
    batch
        .par_iter()
        .map(|(pi, e)| {
            let part = &ev.parts[*pi];
            let mut record = file_record(ev, part, e);
            let failed = if set.is_empty() {
                false
            } else {
                let mut r2 = record.clone();
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let f = hash_into(part, e, set, &mut r2);
                    (f, r2)
                })) {
                    Ok((f, r)) => {
                        record = r;
                        f
                    }
                    Err(p) => {
                        record.content_error = Some(format!(
                            "internal error (a bug in peel) while reading: {}",
                            panic_text(&p)
                        ));
                        true
                    }
                }
            };
            on_done(if e.kind == EntryKind::File { e.size } else { 0 });
            Built { record, failed }
        })
        .collect()
}
