//! A zip archive as a file system: members listed from the central directory; content
//! decompressed with a size cap, so a zip bomb costs bounded memory and is reported.

use std::io::{Cursor, Read};
use std::sync::Mutex;

use peel_core::record::{EntryKind, Times};
use peel_core::time::Timestamp;
use peel_image::SourceReader;

use crate::{Contents, Entry, FileSystem, FsError, Handle, WalkItem};

/// Largest member decompressed, in bytes.
pub const MAX_MEMBER_BYTES: u64 = 256 * 1024 * 1024;

/// True when the bytes start like a zip archive.
pub fn probe(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06")
}

/// An opened zip archive.
pub struct ZipFs {
    archive: Mutex<zip::ZipArchive<SourceReader>>,
    count: usize,
    comment: String,
}

impl ZipFs {
    /// Reads the central directory.
    pub fn open(reader: SourceReader) -> Result<Self, FsError> {
        let archive = zip::ZipArchive::new(reader).map_err(|e| FsError::Zip(e.to_string()))?;
        let count = archive.len();
        let comment = String::from_utf8_lossy(archive.comment()).into_owned();
        Ok(ZipFs {
            archive: Mutex::new(archive),
            count,
            comment,
        })
    }
}

fn zip_time(t: Option<zip::DateTime>) -> Option<Timestamp> {
    let t = t?;
    Timestamp::from_parts(
        i32::from(t.year()),
        u32::from(t.month()),
        u32::from(t.day()),
        u32::from(t.hour()),
        u32::from(t.minute()),
        u32::from(t.second()).min(59),
        0,
    )
}

impl FileSystem for ZipFs {
    fn kind(&self) -> &'static str {
        "zip"
    }

    fn info(&self) -> Vec<(String, String)> {
        let mut v = vec![
            ("type".into(), "zip archive".into()),
            ("members".into(), self.count.to_string()),
        ];
        if !self.comment.is_empty() {
            v.push(("comment".into(), self.comment.clone()));
        }
        v
    }

    fn walk(&self, out: &mut dyn FnMut(WalkItem)) {
        let Ok(mut ar) = self.archive.lock() else {
            return;
        };
        for i in 0..self.count {
            let f = match ar.by_index_raw(i) {
                Ok(f) => f,
                Err(e) => {
                    out(WalkItem::Error {
                        path: format!("member #{i}"),
                        addr: Some(i as u64),
                        message: e.to_string(),
                    });
                    continue;
                }
            };
            let raw = f.name_raw().to_vec();
            let name_full = f
                .name()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| String::from_utf8_lossy(&raw).into_owned());
            let is_dir = f.is_dir();
            let path = name_full
                .trim_start_matches('/')
                .trim_end_matches('/')
                .to_string();
            let name = path.rsplit('/').next().unwrap_or(&path).to_string();
            let lossless = std::str::from_utf8(&raw)
                .map(|s| s == name_full)
                .unwrap_or(false);
            let mut attributes = Vec::new();
            if f.encrypted() {
                attributes.push("encrypted");
            }
            out(WalkItem::Entry(Entry {
                addr: Some(i as u64),
                path,
                name,
                name_raw: (!lossless).then_some(raw),
                short_name: None,
                kind: if is_dir {
                    EntryKind::Dir
                } else {
                    EntryKind::File
                },
                size: f.size(),
                deleted: false,
                attributes,
                times: Times {
                    modified: zip_time(f.last_modified()),
                    ..Times::default()
                },
                extra_times: Vec::new(),
                owner: crate::Owner::default(),
                tsk_addr: None,
                link_target: None,
                handle: Handle::Zip(i),
            }));
        }
    }

    fn open(&self, e: &Entry) -> Result<Contents<'_>, FsError> {
        let Handle::Zip(i) = e.handle else {
            return Err(FsError::Content(format!("{} has no content", e.path)));
        };
        if e.kind != EntryKind::File {
            return Err(FsError::Content(format!(
                "{} is not a regular file",
                e.path
            )));
        }
        let mut ar = self
            .archive
            .lock()
            .map_err(|_| FsError::Zip("archive lock poisoned".into()))?;
        let f = ar
            .by_index(i)
            .map_err(|err| FsError::Zip(format!("{}: {err}", e.path)))?;
        if f.size() > MAX_MEMBER_BYTES {
            return Err(FsError::Zip(format!(
                "{}: declared size {} exceeds the {MAX_MEMBER_BYTES}-byte limit; not expanded",
                e.path,
                f.size()
            )));
        }
        let mut buf = Vec::with_capacity(f.size() as usize);
        let mut limited = f.take(MAX_MEMBER_BYTES + 1);
        limited
            .read_to_end(&mut buf)
            .map_err(|err| FsError::Zip(format!("{}: {err}", e.path)))?;
        if buf.len() as u64 > MAX_MEMBER_BYTES {
            return Err(FsError::Zip(format!(
                "{}: expands beyond {MAX_MEMBER_BYTES} bytes; stopped (zip bomb?)",
                e.path
            )));
        }
        Ok(Contents {
            reader: Box::new(Cursor::new(buf)),
            source: "zip",
            warning: None,
        })
    }
}
