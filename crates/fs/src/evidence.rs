//! Opening an evidence item: a folder, a zip archive, or a disk/volume image whose partitions
//! are read and whose file systems are recognised by content.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use peel_core::locator::{Locator, Segment};
use peel_core::record::VolumeRef;
use peel_image::volumes::{Scheme, Volume, VolumeTable, read_table};
use peel_image::{ContainerInfo, Source, SourceReader, SubSource, open_source};

use crate::ext::{self, Ext};
use crate::fat::{self, Fat};
use crate::hostdir::HostDir;
use crate::zipfs::{self, ZipFs};
use crate::{Entry, FileSystem, FsError, WalkItem};

/// One volume of an evidence item and the file system found on it.
pub struct Part {
    /// The volume, for images.
    pub volume: Option<Volume>,
    /// The partition scheme the volume came from.
    pub scheme: Scheme,
    /// The file system, if one was recognised and opened.
    pub fs: Option<Box<dyn FileSystem>>,
    /// What was found instead, when no file system could be opened.
    pub fs_error: Option<FsOpenError>,
    /// Locator of the volume (evidence / vol), without the file-system segment.
    pub locator: Locator,
}

impl Part {
    /// Locator of the file-system root (evidence / vol / fs).
    pub fn fs_locator(&self) -> Locator {
        let mut l = self.locator.clone();
        if let Some(fs) = &self.fs {
            l.push(Segment::Fs {
                kind: fs.kind().to_string(),
            });
        }
        l
    }

    /// Locator of an entry.
    pub fn entry_locator(&self, e: &Entry) -> Locator {
        self.fs_locator().with(Segment::File {
            path: e.path.clone(),
            addr: e.addr,
        })
    }

    /// The volume as recorded in file records.
    pub fn volume_ref(&self) -> Option<VolumeRef> {
        self.volume.as_ref().map(|v| VolumeRef {
            index: v.index,
            offset: v.offset,
            length: v.length,
            scheme: self.scheme.as_str().to_string(),
            description: v.description.clone(),
        })
    }
}

/// An opened evidence item.
pub struct Evidence {
    /// Name as given by the user (used as the locator root).
    pub name: String,
    /// Path opened.
    pub path: PathBuf,
    /// Byte source, for images and zip files.
    pub source: Option<Arc<dyn Source>>,
    /// Container facts, for images.
    pub container: Option<ContainerInfo>,
    /// Partition table, for images.
    pub table: Option<VolumeTable>,
    /// Volumes with their file systems.
    pub parts: Vec<Part>,
}

/// Why a volume has no file system to walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsOpenError {
    /// Nothing recognised, or a kind peel does not read: a fact, not a failure.
    Unrecognised(String),
    /// A file system was recognised but is too damaged to open, or the volume is unreadable.
    Failed(String),
}

impl std::fmt::Display for FsOpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FsOpenError::Unrecognised(s) | FsOpenError::Failed(s) => f.write_str(s),
        }
    }
}

/// Recognises and opens the file system on a volume.
pub fn open_fs(vol: Arc<dyn Source>) -> Result<Box<dyn FileSystem>, FsOpenError> {
    use FsOpenError::{Failed, Unrecognised};
    let mut head = [0u8; 2048];
    let n = vol
        .read_at(&mut head, 0)
        .map_err(|e| Failed(e.to_string()))?;
    let head = head.get(..n).unwrap_or_default();
    if n < 512 {
        return Err(Unrecognised(format!("no file system (only {n} bytes)")));
    }
    if crate::ntfs::probe(head) {
        return crate::ntfs::Ntfs::open(vol)
            .map(|f| Box::new(f) as Box<dyn FileSystem>)
            .map_err(|e| Failed(e.to_string()));
    }
    if head.get(3..11) == Some(b"EXFAT   ") {
        return Err(Unrecognised("exFAT file system (not supported yet)".into()));
    }
    if ext::probe(head) {
        return Ext::open(vol)
            .map(|f| Box::new(f) as Box<dyn FileSystem>)
            .map_err(|e| Failed(e.to_string()));
    }
    let fat_like = head.get(510..512) == Some(&[0x55, 0xAA])
        && matches!(head.first(), Some(0xEB) | Some(0xE9))
        && (head.get(54..57) == Some(b"FAT") || head.get(82..85) == Some(b"FAT"));
    if fat::probe(head) || fat_like {
        return Fat::open(vol)
            .map(|f| Box::new(f) as Box<dyn FileSystem>)
            .map_err(|e| Failed(e.to_string()));
    }
    if zipfs::probe(head) {
        let z = ZipFs::open(SourceReader::new(vol)).map_err(|e| Failed(e.to_string()))?;
        return Ok(Box::new(z));
    }
    if head.iter().all(|&b| b == 0) {
        return Err(Unrecognised(
            "no file system recognised (volume starts with zeros)".into(),
        ));
    }
    Err(Unrecognised("no file system recognised".into()))
}

impl Evidence {
    /// Opens `path`: a directory as a host folder, otherwise an image or archive file.
    /// Fails only when the item cannot be opened at all; per-volume problems are recorded in
    /// [`Part::fs_error`] and volume issues.
    pub fn open(path: &Path) -> Result<Self, FsError> {
        let name = path.display().to_string();
        let root = Locator::evidence(name.clone());
        let meta = std::fs::metadata(path).map_err(|source| FsError::Host {
            path: path.to_path_buf(),
            source,
        })?;
        if meta.is_dir() {
            let fs = HostDir::open(path)?;
            return Ok(Evidence {
                name,
                path: path.to_path_buf(),
                source: None,
                container: None,
                table: None,
                parts: vec![Part {
                    volume: None,
                    scheme: Scheme::None,
                    fs: Some(Box::new(fs)),
                    fs_error: None,
                    locator: root,
                }],
            });
        }
        let src = open_source(path)?;
        let container = Some(src.info());
        let mut head = [0u8; 4];
        let n = src.read_at(&mut head, 0)?;
        if zipfs::probe(head.get(..n).unwrap_or_default()) {
            let z = ZipFs::open(SourceReader::new(src.clone()))?;
            return Ok(Evidence {
                name,
                path: path.to_path_buf(),
                source: Some(src),
                container,
                table: None,
                parts: vec![Part {
                    volume: None,
                    scheme: Scheme::None,
                    fs: Some(Box::new(z)),
                    fs_error: None,
                    locator: root,
                }],
            });
        }
        let table = read_table(src.as_ref())?;
        let mut parts = Vec::new();
        for v in &table.volumes {
            let mut locator = root.clone();
            if table.scheme != Scheme::None {
                locator.push(Segment::Volume {
                    index: v.index,
                    offset: v.offset,
                });
            }
            let (fs, fs_error) = if v.length == 0 {
                let why = v
                    .issues
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "empty volume".into());
                (None, Some(FsOpenError::Failed(why)))
            } else {
                let sub: Arc<dyn Source> =
                    Arc::new(SubSource::new(src.clone(), v.offset, v.length));
                match open_fs(sub) {
                    Ok(fs) => (Some(fs), None),
                    Err(e) => (None, Some(e)),
                }
            };
            parts.push(Part {
                volume: Some(v.clone()),
                scheme: table.scheme,
                fs,
                fs_error,
                locator,
            });
        }
        Ok(Evidence {
            name,
            path: path.to_path_buf(),
            source: Some(src),
            container,
            table: Some(table),
            parts,
        })
    }

    /// Finds the entry a user means by `target`: a locator as printed by peel
    /// (`… / vol:1@1048576 / fat16 / path#addr`) or a plain path inside the file system
    /// (searched on every volume; allocated entries win over deleted ones with the same path).
    pub fn find(&self, target: &str) -> Result<(usize, Entry), String> {
        let (want_vol, path, addr) = match target.parse::<Locator>() {
            Ok(loc) if target.contains(" / ") => {
                let (p, a) = loc.file().ok_or("the locator names no file")?;
                (loc.volume(), p.trim_start_matches('/').to_string(), a)
            }
            _ => (None, target.trim_start_matches('/').to_string(), None),
        };
        let mut found: Vec<(usize, Entry)> = Vec::new();
        for (i, part) in self.parts.iter().enumerate() {
            if let (Some((wi, wo)), Some(v)) = (want_vol, &part.volume)
                && (v.index != wi || v.offset != wo)
            {
                continue;
            }
            let Some(fs) = &part.fs else { continue };
            fs.walk(&mut |item| {
                if let WalkItem::Entry(e) = item
                    && e.path == path
                    && (addr.is_none() || e.addr == addr)
                {
                    found.push((i, e));
                }
            });
        }
        let allocated: Vec<&(usize, Entry)> = found.iter().filter(|(_, e)| !e.deleted).collect();
        match (found.len(), allocated.len()) {
            (0, _) => Err(format!("no entry `{path}` in {}", self.name)),
            (1, _) => found.into_iter().next().ok_or_else(|| "not found".into()),
            (_, 1) => allocated
                .first()
                .map(|&(i, e)| (*i, e.clone()))
                .ok_or_else(|| "not found".into()),
            _ => {
                let list: Vec<String> = found
                    .iter()
                    .filter_map(|(i, e)| self.parts.get(*i).map(|p| p.entry_locator(e).to_string()))
                    .collect();
                Err(format!(
                    "`{path}` matches {} entries; give one of these locators:\n  {}",
                    found.len(),
                    list.join("\n  ")
                ))
            }
        }
    }
}
