//! Record sinks: the only place records become text. JSONL, CSV, a human table and the
//! TSK/mactime bodyfile.

use std::io::Write;

use crate::CoreError;
use crate::record::{EntryKind, ErrorRecord, FileRecord};
use crate::time::Timestamp;

/// Output format of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object a line (files and errors).
    Jsonl,
    /// Comma-separated values with a header.
    Csv,
    /// Aligned columns for people.
    Table,
    /// TSK 3.x bodyfile, as `fls -m` writes it and `mactime -b` reads it.
    Bodyfile,
}

/// Receives records in evidence order.
pub trait Sink {
    /// Writes one file record.
    fn file(&mut self, rec: &FileRecord) -> Result<(), CoreError>;
    /// Writes one error record; returns false if this format cannot carry errors (the caller
    /// then reports them on stderr).
    fn error(&mut self, rec: &ErrorRecord) -> Result<bool, CoreError>;
    /// Flushes everything.
    fn finish(&mut self) -> Result<(), CoreError>;
}

/// Makes a sink for `format` writing to `w`.
pub fn make_sink<'a, W: Write + 'a>(format: Format, w: W) -> Box<dyn Sink + 'a> {
    match format {
        Format::Jsonl => Box::new(JsonlSink { w }),
        Format::Csv => Box::new(CsvSink {
            w: csv::Writer::from_writer(w),
            header: false,
        }),
        Format::Table => Box::new(TableSink { w, header: false }),
        Format::Bodyfile => Box::new(BodyfileSink { w }),
    }
}

struct JsonlSink<W: Write> {
    w: W,
}

impl<W: Write> Sink for JsonlSink<W> {
    fn file(&mut self, rec: &FileRecord) -> Result<(), CoreError> {
        serde_json::to_writer(&mut self.w, rec)?;
        self.w.write_all(b"\n")?;
        Ok(())
    }
    fn error(&mut self, rec: &ErrorRecord) -> Result<bool, CoreError> {
        serde_json::to_writer(&mut self.w, rec)?;
        self.w.write_all(b"\n")?;
        Ok(true)
    }
    fn finish(&mut self) -> Result<(), CoreError> {
        self.w.flush()?;
        Ok(())
    }
}

fn ts(t: Option<Timestamp>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

const CSV_HEADER: &[&str] = &[
    "locator",
    "evidence",
    "volume",
    "volume_offset",
    "fs",
    "addr",
    "path",
    "name",
    "short_name",
    "kind",
    "size",
    "deleted",
    "attributes",
    "modified",
    "accessed",
    "changed",
    "created",
    "md5",
    "sha1",
    "sha256",
    "content_source",
    "content_error",
];

struct CsvSink<W: Write> {
    w: csv::Writer<W>,
    header: bool,
}

impl<W: Write> Sink for CsvSink<W> {
    fn file(&mut self, r: &FileRecord) -> Result<(), CoreError> {
        if !self.header {
            self.w.write_record(CSV_HEADER)?;
            self.header = true;
        }
        let (vi, vo) = r
            .volume
            .as_ref()
            .map(|v| (v.index.to_string(), v.offset.to_string()))
            .unwrap_or_default();
        let row: [String; 22] = [
            r.locator_text.clone(),
            r.evidence.clone(),
            vi,
            vo,
            r.fs.clone(),
            r.addr.map(|a| a.to_string()).unwrap_or_default(),
            r.path.clone(),
            r.name.clone(),
            r.short_name.clone().unwrap_or_default(),
            r.kind.as_str().to_string(),
            r.size.to_string(),
            r.deleted.to_string(),
            r.attributes.join(";"),
            ts(r.times.modified),
            ts(r.times.accessed),
            ts(r.times.changed),
            ts(r.times.created),
            r.hashes.md5.clone().unwrap_or_default(),
            r.hashes.sha1.clone().unwrap_or_default(),
            r.hashes.sha256.clone().unwrap_or_default(),
            r.content_source.clone().unwrap_or_default(),
            r.content_error.clone().unwrap_or_default(),
        ];
        self.w.write_record(&row)?;
        Ok(())
    }
    fn error(&mut self, _rec: &ErrorRecord) -> Result<bool, CoreError> {
        Ok(false)
    }
    fn finish(&mut self) -> Result<(), CoreError> {
        self.w.flush()?;
        Ok(())
    }
}

struct TableSink<W: Write> {
    w: W,
    header: bool,
}

/// Replaces control characters so a hostile name cannot drive the terminal.
pub fn escape_for_terminal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

impl<W: Write> Sink for TableSink<W> {
    fn file(&mut self, r: &FileRecord) -> Result<(), CoreError> {
        if !self.header {
            writeln!(
                self.w,
                "{:<3} {:<4} {:>10} {:<20} {:>8} {:<7} path",
                "del", "kind", "size", "modified", "addr", "fs"
            )?;
            self.header = true;
        }
        let m = r
            .times
            .modified
            .map(|t| t.to_string())
            .unwrap_or_else(|| "-".into());
        let hash = r
            .hashes
            .sha256
            .as_deref()
            .or(r.hashes.sha1.as_deref())
            .or(r.hashes.md5.as_deref())
            .map(|h| format!("  {h}"))
            .unwrap_or_default();
        let vol = r
            .volume
            .as_ref()
            .map(|v| format!("{}:", v.index))
            .unwrap_or_default();
        writeln!(
            self.w,
            "{:<3} {:<4} {:>10} {:<20} {:>8} {:<7} {}{}{}",
            if r.deleted { "*" } else { "" },
            r.kind.as_str(),
            r.size,
            m,
            r.addr.map(|a| a.to_string()).unwrap_or_else(|| "-".into()),
            format!("{vol}{}", r.fs),
            escape_for_terminal(&r.path),
            if r.kind == EntryKind::Dir { "/" } else { "" },
            hash,
        )?;
        Ok(())
    }
    fn error(&mut self, _rec: &ErrorRecord) -> Result<bool, CoreError> {
        Ok(false)
    }
    fn finish(&mut self) -> Result<(), CoreError> {
        self.w.flush()?;
        Ok(())
    }
}

struct BodyfileSink<W: Write> {
    w: W,
}

fn epoch(t: Option<Timestamp>) -> i64 {
    t.map(|t| t.secs).unwrap_or(0)
}

/// The mode string TSK writes in a bodyfile, e.g. `r/rrwxrwxrwx` (FAT) or `r/rrw-r--r--`.
pub fn bodyfile_mode(r: &FileRecord) -> String {
    let t = match r.kind {
        EntryKind::Dir => 'd',
        EntryKind::File => 'r',
        EntryKind::Symlink => 'l',
        EntryKind::Other if r.attributes.iter().any(|a| a == "volume_label") => 'r',
        EntryKind::Other if r.attributes.iter().any(|a| a == "index") => 'r',
        // Devices, FIFOs and sockets (ext): the letters TSK uses for their name types.
        EntryKind::Other => match r.mode.map(|m| m & 0o170000) {
            Some(0o020000) => 'c',
            Some(0o060000) => 'b',
            Some(0o010000) => 'p',
            Some(0o140000) => 's',
            _ => '-',
        },
    };
    // Entries found through metadata alone (deleted NTFS records, ext orphan inodes) have no
    // directory-entry type.
    let t = if r
        .attributes
        .iter()
        .any(|a| a == "unindexed" || a == "orphan")
    {
        '-'
    } else {
        t
    };
    let Some(mode) = r.mode else {
        if r.fs.starts_with("ext") {
            // ext always records a mode: none means no inode was read (a deleted name whose
            // inode number was cleared), which TSK writes as an unknown type and no permissions.
            return format!("{t}/----------");
        }
        let ro = r.attributes.iter().any(|a| a == "read_only");
        let rwx = if ro { "r-xr-xr-x" } else { "rwxrwxrwx" };
        return format!("{t}/{t}{rwx}");
    };
    let mut p = String::with_capacity(9);
    for (i, c) in "rwxrwxrwx".chars().enumerate() {
        let bit = 0o400 >> i;
        let special = match i {
            2 if mode & 0o4000 != 0 => Some(if mode & bit != 0 { 's' } else { 'S' }),
            5 if mode & 0o2000 != 0 => Some(if mode & bit != 0 { 's' } else { 'S' }),
            8 if mode & 0o1000 != 0 => Some(if mode & bit != 0 { 't' } else { 'T' }),
            _ => None,
        };
        p.push(special.unwrap_or(if mode & bit != 0 { c } else { '-' }));
    }
    let ft = match mode & 0o170000 {
        0o040000 => 'd',
        0o100000 => 'r',
        0o120000 => 'l',
        0o020000 => 'c',
        0o060000 => 'b',
        0o010000 => 'p',
        0o140000 => 'h',
        _ => '-',
    };
    format!("{t}/{ft}{p}")
}

impl<W: Write> Sink for BodyfileSink<W> {
    /// `MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime`, the name prefixed with `/`,
    /// followed by ` -> target` for symbolic links, and suffixed with ` (deleted)` for deleted
    /// entries (` (deleted-realloc)` when the metadata now belongs to another file), as
    /// `fls -r -m /` does; NTFS `$FILE_NAME` times get a row of their own named
    /// `… ($FILE_NAME)`, as TSK writes them.
    fn file(&mut self, r: &FileRecord) -> Result<(), CoreError> {
        let deleted = match (r.deleted, r.attributes.iter().any(|a| a == "realloc")) {
            (true, true) => " (deleted-realloc)",
            (true, false) => " (deleted)",
            _ => "",
        };
        let path = r.path.replace('|', "\\|");
        let link = r
            .link_target
            .as_ref()
            .map(|t| format!(" -> {}", t.replace('|', "\\|")))
            .unwrap_or_default();
        let mode = bodyfile_mode(r);
        let (uid, gid) = (r.uid.unwrap_or(0), r.gid.unwrap_or(0));
        writeln!(
            self.w,
            "{}|/{path}{link}{deleted}|{}|{mode}|{uid}|{gid}|{}|{}|{}|{}|{}",
            r.hashes.md5.as_deref().unwrap_or("0"),
            r.tsk_addr
                .clone()
                .unwrap_or_else(|| r.addr.unwrap_or(0).to_string()),
            r.size,
            epoch(r.times.accessed),
            epoch(r.times.modified),
            epoch(r.times.changed),
            epoch(r.times.created),
        )?;
        for x in r.extra_times.iter().filter(|x| x.source == "$FILE_NAME") {
            // The name row: NTFS names cannot hold ':', so a stream suffix is cut at the first.
            let (dir, last) = path
                .rsplit_once('/')
                .map(|(d, l)| (format!("{d}/"), l))
                .unwrap_or((String::new(), path.as_str()));
            let base = last.split(':').next().unwrap_or(last);
            writeln!(
                self.w,
                "0|/{dir}{base} ($FILE_NAME){deleted}|{}|{mode}|{uid}|{gid}|{}|{}|{}|{}|{}",
                x.tsk_addr.as_deref().unwrap_or("0"),
                x.attr_size.unwrap_or(0),
                epoch(x.times.accessed),
                epoch(x.times.modified),
                epoch(x.times.changed),
                epoch(x.times.created),
            )?;
        }
        Ok(())
    }
    fn error(&mut self, _rec: &ErrorRecord) -> Result<bool, CoreError> {
        Ok(false)
    }
    fn finish(&mut self) -> Result<(), CoreError> {
        self.w.flush()?;
        Ok(())
    }
}
