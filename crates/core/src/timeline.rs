//! Timeline events: every timestamp of every entry, one event each, labelled by the attribute
//! it came from (NTFS `$STANDARD_INFORMATION` and `$FILE_NAME` separately), in the shape
//! Timesketch imports (`datetime`, `timestamp_desc`, `message`).

use serde::Serialize;

use crate::locator::Locator;
use crate::record::{FileRecord, Times};
use crate::time::Timestamp;

/// One timestamp of one entry.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Always `event`.
    pub record: &'static str,
    /// When, RFC 3339 UTC.
    pub datetime: Timestamp,
    /// Unix seconds (for sorting tools that want a number).
    pub timestamp: i64,
    /// What the time means, e.g. `Content Modification Time ($FILE_NAME)`.
    pub timestamp_desc: String,
    /// Which of M, A, C, B this is, in mactime's `macb` form (`m...`, `.a..` …).
    pub macb: &'static str,
    /// The attribute the time came from (`$STANDARD_INFORMATION`, `$FILE_NAME`, `fat`, `inode`…).
    pub source: String,
    /// One line for people: path, deletion, size.
    pub message: String,
    /// Path inside the file system.
    pub path: String,
    /// File-system kind.
    pub fs: String,
    /// Deleted entry.
    pub deleted: bool,
    /// Size in bytes.
    pub size: u64,
    /// Address as TSK writes it.
    pub inode: String,
    /// Evidence item.
    pub evidence: String,
    /// Provenance.
    pub locator: Locator,
    /// One-line provenance.
    pub locator_text: String,
}

const KINDS: [(&str, &str); 4] = [
    ("m...", "Content Modification Time"),
    (".a..", "Last Access Time"),
    ("..c.", "Metadata Change Time"),
    ("...b", "Creation Time"),
];

fn main_source(fs: &str) -> &'static str {
    match fs {
        "ntfs" => "$STANDARD_INFORMATION",
        "fat12" | "fat16" | "fat32" => "fat",
        "ext2" | "ext3" | "ext4" => "inode",
        "zip" => "zip",
        "dir" => "host",
        _ => "entry",
    }
}

fn push(out: &mut Vec<Event>, r: &FileRecord, source: &str, times: &Times) {
    let values = [times.modified, times.accessed, times.changed, times.created];
    for (t, (macb, desc)) in values.iter().zip(KINDS) {
        let Some(t) = t else { continue };
        let label = if r.fs == "ntfs" {
            format!("{desc} ({source})")
        } else if source == "dtime" {
            // ext keeps the deletion time of an inode in a time set of its own.
            "Deletion Time".to_string()
        } else {
            desc.to_string()
        };
        out.push(Event {
            record: "event",
            datetime: *t,
            timestamp: t.secs,
            timestamp_desc: label,
            macb,
            source: source.to_string(),
            message: format!(
                "{}{} ({} bytes){}",
                r.path,
                if r.deleted { " (deleted)" } else { "" },
                r.size,
                if source == "$FILE_NAME" {
                    " [$FILE_NAME]"
                } else {
                    ""
                }
            ),
            path: r.path.clone(),
            fs: r.fs.clone(),
            deleted: r.deleted,
            size: r.size,
            inode: r
                .tsk_addr
                .clone()
                .unwrap_or_else(|| r.addr.map(|a| a.to_string()).unwrap_or_default()),
            evidence: r.evidence.clone(),
            locator: r.locator.clone(),
            locator_text: r.locator_text.clone(),
        });
    }
}

/// The events of one file record: its main times, then each further time set.
pub fn events_of(r: &FileRecord) -> Vec<Event> {
    let mut out = Vec::new();
    push(&mut out, r, main_source(&r.fs), &r.times);
    for x in &r.extra_times {
        push(&mut out, r, &x.source, &x.times);
    }
    out
}

/// Sorts events by time; ties keep evidence order (the sort is stable).
pub fn sort(events: &mut [Event]) {
    events.sort_by_key(|e| e.datetime);
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::record::{EntryKind, SourcedTimes};

    #[test]
    fn one_event_per_timestamp_and_source() {
        let t = |s| Some(Timestamp::from_unix(s, 0));
        let r = FileRecord {
            record: "file",
            locator: Locator::evidence("e"),
            locator_text: "e".into(),
            evidence: "e".into(),
            volume: None,
            fs: "ntfs".into(),
            path: "a.txt".into(),
            name: "a.txt".into(),
            name_raw_b64: None,
            short_name: None,
            kind: EntryKind::File,
            size: 3,
            deleted: true,
            addr: Some(64),
            tsk_addr: Some("64-128-2".into()),
            mode: None,
            uid: None,
            gid: None,
            link_target: None,
            attributes: vec![],
            times: Times {
                modified: t(30),
                accessed: t(20),
                changed: None,
                created: t(10),
            },
            extra_times: vec![SourcedTimes {
                source: "$FILE_NAME".into(),
                tsk_addr: None,
                attr_size: None,
                times: Times {
                    created: t(5),
                    ..Times::default()
                },
            }],
            content_source: None,
            hashes: Default::default(),
            content_error: None,
        };
        let mut ev = events_of(&r);
        assert_eq!(ev.len(), 4);
        sort(&mut ev);
        let got: Vec<(i64, &str, &str)> = ev
            .iter()
            .map(|e| (e.timestamp, e.macb, e.timestamp_desc.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (5, "...b", "Creation Time ($FILE_NAME)"),
                (10, "...b", "Creation Time ($STANDARD_INFORMATION)"),
                (20, ".a..", "Last Access Time ($STANDARD_INFORMATION)"),
                (
                    30,
                    "m...",
                    "Content Modification Time ($STANDARD_INFORMATION)"
                ),
            ]
        );
        assert_eq!(ev[0].message, "a.txt (deleted) (3 bytes) [$FILE_NAME]");
    }
}
