//! peel-fs: file-system readers that turn a volume (or a host folder, or a zip archive) into a
//! stream of [`Entry`] values, allocated and deleted, and open their content read-only.
//!
//! ```no_run
//! use peel_fs::evidence::Evidence;
//! let ev = Evidence::open(std::path::Path::new("disk.E01")).unwrap();
//! for part in &ev.parts {
//!     if let Some(fs) = &part.fs {
//!         fs.walk(&mut |item| println!("{item:?}"));
//!     }
//! }
//! ```

pub mod evidence;
pub mod ext;
pub mod fat;
pub mod hostdir;
pub mod ntfs;
mod reader;
pub mod zipfs;

use std::io::Read;
use std::path::PathBuf;

pub use peel_core::record::{EntryKind, Times};
pub use reader::ExtentReader;

/// Errors of the file-system layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FsError {
    /// The boot sector / superblock is not a usable file system of this kind.
    #[error("{kind}: not a usable file system: {reason}")]
    BadSuperblock {
        /// File-system kind tried.
        kind: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// Reading the volume failed.
    #[error(transparent)]
    Image(#[from] peel_image::ImageError),
    /// The content of an entry cannot be read.
    #[error("{0}")]
    Content(String),
    /// A host path could not be read.
    #[error("{path}: {source}")]
    Host {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A zip archive could not be read.
    #[error("zip: {0}")]
    Zip(String),
}

/// How to find an entry's content again (file-system specific).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Handle {
    /// No content (directories, labels).
    None,
    /// FAT: first cluster of the entry.
    Fat {
        /// First cluster number.
        first_cluster: u32,
    },
    /// A file on the host.
    Host(PathBuf),
    /// Index of a zip member.
    Zip(usize),
    /// ext2/3/4: inode number.
    Ext {
        /// Inode number.
        inode: u64,
    },
    /// Known to be unreadable, with the reason (a damaged metadata record, say).
    Unreadable(String),
    /// NTFS: MFT record and the id of the `$DATA` attribute (stream) to read.
    Ntfs {
        /// MFT record number.
        record: u64,
        /// Attribute id of the stream.
        attr_id: u16,
    },
}

/// A further set of timestamps an entry carries besides its main ones (NTFS `$FILE_NAME`,
/// ext deletion time …), labelled by where they come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeSet {
    /// Source label, e.g. `$FILE_NAME`.
    pub source: &'static str,
    /// The times.
    pub times: Times,
    /// The TSK address of the attribute holding them (NTFS `64-48-3`), if any.
    pub tsk_addr: Option<String>,
    /// Size of the attribute holding them, as TSK's bodyfile reports it.
    pub attr_size: Option<u64>,
}

/// Unix-style ownership and mode, where the file system records them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Owner {
    /// Full mode bits (type and permissions), e.g. 0o100644.
    pub mode: Option<u32>,
    /// User id.
    pub uid: Option<u32>,
    /// Group id.
    pub gid: Option<u32>,
}

/// One entry of a file system.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Metadata address (TSK-compatible inode number for FAT), if any.
    pub addr: Option<u64>,
    /// Path inside the file system, `/`-separated, no leading slash.
    pub path: String,
    /// Name (long name where one exists).
    pub name: String,
    /// Raw name bytes when `name` is a lossy rendering.
    pub name_raw: Option<Vec<u8>>,
    /// 8.3 short name, when a long name is also present (FAT).
    pub short_name: Option<String>,
    /// Kind.
    pub kind: EntryKind,
    /// Size as recorded.
    pub size: u64,
    /// Deleted (unallocated) entry.
    pub deleted: bool,
    /// Attribute flags.
    pub attributes: Vec<&'static str>,
    /// Timestamps.
    pub times: Times,
    /// Further timestamp sets (NTFS `$FILE_NAME`, …).
    pub extra_times: Vec<TimeSet>,
    /// Ownership and mode (ext, host folders).
    pub owner: Owner,
    /// The address as The Sleuth Kit writes it when it is not a plain number
    /// (NTFS `64-128-2`: record, attribute type, attribute id).
    pub tsk_addr: Option<String>,
    /// Symbolic-link target.
    pub link_target: Option<String>,
    /// How to open the content.
    pub handle: Handle,
}

/// What a walk yields: an entry, or a problem found on the way (with where it was).
// Entries are the common case; boxing them would cost an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum WalkItem {
    /// A file-system entry.
    Entry(Entry),
    /// Something that could not be read; the walk went on.
    Error {
        /// Path of the object concerned (directory or entry), may be empty for the root.
        path: String,
        /// Its address, if known.
        addr: Option<u64>,
        /// What went wrong.
        message: String,
    },
}

/// Opened content of an entry.
pub struct Contents<'a> {
    /// The bytes.
    pub reader: Box<dyn Read + Send + 'a>,
    /// How they were located (`fat-chain`, `deleted-contiguous`, `host`, `zip`).
    pub source: &'static str,
    /// A problem that limits what was recovered, if any.
    pub warning: Option<String>,
}

/// A readable file system.
pub trait FileSystem: Send + Sync {
    /// Kind, e.g. `fat16`.
    fn kind(&self) -> &'static str;
    /// Facts for `peel info`, in display order.
    fn info(&self) -> Vec<(String, String)>;
    /// Walks every entry, allocated and deleted, depth first in on-disk order.
    fn walk(&self, out: &mut dyn FnMut(WalkItem));
    /// Opens an entry's content.
    fn open(&self, entry: &Entry) -> Result<Contents<'_>, FsError>;
    /// Byte ranges of the volume (offset, length) that no allocated file owns, in order, or
    /// `None` when this file system cannot tell (folders, archives).
    fn unallocated(&self) -> Option<Vec<(u64, u64)>> {
        None
    }
}
