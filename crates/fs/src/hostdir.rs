//! A folder on the examiner's machine as evidence: walked without following links, in name
//! order, through the same [`Entry`] model as a disk image.

use std::fs::File;
use std::path::{Path, PathBuf};

use peel_core::record::{EntryKind, Times};
use peel_core::time::Timestamp;

use crate::{Contents, Entry, FileSystem, FsError, Handle, WalkItem};

/// A host directory tree.
pub struct HostDir {
    root: PathBuf,
}

impl HostDir {
    /// Opens `root` (must be a directory).
    pub fn open(root: &Path) -> Result<Self, FsError> {
        let meta = std::fs::metadata(root).map_err(|source| FsError::Host {
            path: root.to_path_buf(),
            source,
        })?;
        if !meta.is_dir() {
            return Err(FsError::Host {
                path: root.to_path_buf(),
                source: std::io::Error::other("not a directory"),
            });
        }
        Ok(HostDir {
            root: root.to_path_buf(),
        })
    }
}

fn ts(t: std::io::Result<std::time::SystemTime>) -> Option<Timestamp> {
    let t = t.ok()?;
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => Some(Timestamp::from_unix(d.as_secs() as i64, d.subsec_nanos())),
        Err(e) => {
            let d = e.duration();
            Some(Timestamp::from_unix(-(d.as_secs() as i64), 0))
        }
    }
}

#[cfg(unix)]
fn unix_extras(m: &std::fs::Metadata) -> (Option<u64>, Option<Timestamp>, crate::Owner) {
    use std::os::unix::fs::MetadataExt;
    let ctime = Timestamp::from_unix(m.ctime(), m.ctime_nsec().clamp(0, 999_999_999) as u32);
    let owner = crate::Owner {
        mode: Some(m.mode()),
        uid: Some(m.uid()),
        gid: Some(m.gid()),
    };
    (Some(m.ino()), Some(ctime), owner)
}
#[cfg(not(unix))]
fn unix_extras(_m: &std::fs::Metadata) -> (Option<u64>, Option<Timestamp>, crate::Owner) {
    (None, None, crate::Owner::default())
}

fn name_parts(p: &Path) -> (String, Option<Vec<u8>>) {
    let os = p.file_name().unwrap_or(p.as_os_str());
    match os.to_str() {
        Some(s) => (s.to_string(), None),
        None => {
            #[cfg(unix)]
            let raw = {
                use std::os::unix::ffi::OsStrExt;
                Some(os.as_bytes().to_vec())
            };
            #[cfg(not(unix))]
            let raw = None;
            (os.to_string_lossy().into_owned(), raw)
        }
    }
}

impl FileSystem for HostDir {
    fn kind(&self) -> &'static str {
        "dir"
    }

    fn info(&self) -> Vec<(String, String)> {
        vec![
            ("type".into(), "host directory".into()),
            ("root".into(), self.root.display().to_string()),
        ]
    }

    fn walk(&self, out: &mut dyn FnMut(WalkItem)) {
        let walker = walkdir::WalkDir::new(&self.root)
            .follow_links(false)
            .min_depth(1)
            .sort_by_file_name();
        for item in walker {
            match item {
                Ok(de) => {
                    let rel = de.path().strip_prefix(&self.root).unwrap_or(de.path());
                    let path = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/");
                    let meta = match de.metadata() {
                        Ok(m) => m,
                        Err(e) => {
                            out(WalkItem::Error {
                                path,
                                addr: None,
                                message: e.to_string(),
                            });
                            continue;
                        }
                    };
                    let ft = de.file_type();
                    let kind = if ft.is_dir() {
                        EntryKind::Dir
                    } else if ft.is_symlink() {
                        EntryKind::Symlink
                    } else if ft.is_file() {
                        EntryKind::File
                    } else {
                        EntryKind::Other
                    };
                    let (ino, ctime, owner) = unix_extras(&meta);
                    let link_target = if kind == EntryKind::Symlink {
                        std::fs::read_link(de.path())
                            .ok()
                            .map(|t| t.to_string_lossy().into_owned())
                    } else {
                        None
                    };
                    let (name, name_raw) = name_parts(de.path());
                    let mut attributes = Vec::new();
                    if meta.permissions().readonly() {
                        attributes.push("read_only");
                    }
                    out(WalkItem::Entry(Entry {
                        addr: ino,
                        path,
                        name,
                        name_raw,
                        short_name: None,
                        kind,
                        size: if kind == EntryKind::Dir {
                            0
                        } else {
                            meta.len()
                        },
                        deleted: false,
                        attributes,
                        times: Times {
                            modified: ts(meta.modified()),
                            accessed: ts(meta.accessed()),
                            changed: ctime,
                            created: ts(meta.created()),
                        },
                        extra_times: Vec::new(),
                        owner,
                        tsk_addr: None,
                        link_target,
                        handle: Handle::Host(de.path().to_path_buf()),
                    }));
                }
                Err(e) => {
                    let path = e
                        .path()
                        .and_then(|p| p.strip_prefix(&self.root).ok())
                        .map(|p| p.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let msg = e
                        .io_error()
                        .map(|io| io.to_string())
                        .unwrap_or_else(|| e.to_string());
                    out(WalkItem::Error {
                        path,
                        addr: None,
                        message: msg,
                    });
                }
            }
        }
    }

    fn open(&self, e: &Entry) -> Result<Contents<'_>, FsError> {
        let Handle::Host(p) = &e.handle else {
            return Err(FsError::Content(format!("{} has no content", e.path)));
        };
        if e.kind != EntryKind::File {
            return Err(FsError::Content(format!(
                "{} is not a regular file",
                e.path
            )));
        }
        let f = File::open(p).map_err(|source| FsError::Host {
            path: p.clone(),
            source,
        })?;
        Ok(Contents {
            reader: Box::new(f),
            source: "host",
            warning: None,
        })
    }
}
