//! `Source`: read-only positional byte access to an evidence container, and its openers.
//!
//! Every reader here takes `&self` and is `Send + Sync`, so many threads can read one image
//! at once. Nothing here ever opens a file for writing.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ImageError;

/// Facts about a container, for `peel info` and the manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ContainerInfo {
    /// `raw`, `split-raw` or `ewf`.
    pub format: String,
    /// Segment files, in order.
    pub segments: Vec<PathBuf>,
    /// Media size in bytes.
    pub size: u64,
    /// MD5 stored in the container (EWF), lowercase hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored_md5: Option<String>,
    /// SHA-1 stored in the container (EWF), lowercase hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored_sha1: Option<String>,
    /// Acquisition metadata (EWF header fields), as name/value pairs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<(String, String)>,
    /// Sector ranges the acquisition tool could not read: (first sector, count).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub acquisition_errors: Vec<(u64, u64)>,
}

/// Read-only positional access to a run of bytes.
pub trait Source: Send + Sync {
    /// Length in bytes.
    fn len(&self) -> u64;

    /// True when the source has no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads up to `buf.len()` bytes at `offset`; fewer only at the end of the source.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, ImageError>;

    /// What kind of container this is.
    fn info(&self) -> ContainerInfo;
}

/// Reads exactly `buf.len()` bytes at `offset`, or fails with `Truncated`.
pub fn read_exact_at(
    src: &dyn Source,
    buf: &mut [u8],
    offset: u64,
    what: &'static str,
) -> Result<(), ImageError> {
    let mut done = 0usize;
    while done < buf.len() {
        let pos = offset.saturating_add(done as u64);
        let Some(rest) = buf.get_mut(done..) else {
            break;
        };
        let n = src.read_at(rest, pos)?;
        if n == 0 {
            return Err(ImageError::Truncated {
                what,
                offset,
                needed: buf.len() as u64,
                len: src.len(),
            });
        }
        done += n;
    }
    Ok(())
}

fn pread(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        loop {
            match file.read_at(buf, offset) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => return r,
            }
        }
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::FileExt;
        file.seek_read(buf, offset)
    }
}

fn open_ro(path: &Path) -> Result<File, ImageError> {
    File::open(path).map_err(|source| ImageError::Open {
        path: path.to_path_buf(),
        source,
    })
}

/// A plain raw/dd image file.
pub struct RawSource {
    file: File,
    len: u64,
    path: PathBuf,
}

impl RawSource {
    /// Opens `path` read-only.
    pub fn open(path: &Path) -> Result<Self, ImageError> {
        let file = open_ro(path)?;
        let len = file_len(&file, path)?;
        Ok(RawSource {
            file,
            len,
            path: path.to_path_buf(),
        })
    }
}

fn file_len(file: &File, path: &Path) -> Result<u64, ImageError> {
    let meta = file.metadata().map_err(|source| ImageError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_file() {
        return Ok(meta.len());
    }
    // Block devices report 0 in metadata; seek to the end instead.
    let mut f = file;
    let len = f
        .seek(SeekFrom::End(0))
        .map_err(|source| ImageError::Open {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(len)
}

impl Source for RawSource {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, ImageError> {
        if offset >= self.len {
            return Ok(0);
        }
        let want = (self.len - offset).min(buf.len() as u64) as usize;
        let Some(b) = buf.get_mut(..want) else {
            return Ok(0);
        };
        pread(&self.file, b, offset).map_err(|source| ImageError::Read { offset, source })
    }
    fn info(&self) -> ContainerInfo {
        ContainerInfo {
            format: "raw".into(),
            segments: vec![self.path.clone()],
            size: self.len,
            ..Default::default()
        }
    }
}

/// A raw image split into numbered (`.001`, `.002` …) or lettered (`.aa`, `.ab` …) segments.
pub struct SplitSource {
    parts: Vec<(File, u64, u64)>, // file, start offset, length
    paths: Vec<PathBuf>,
    len: u64,
}

/// Names of the segments following `first` (which must be the first segment), if it looks
/// like the first of a split set. Returns an empty list when it does not.
fn split_siblings(first: &Path) -> Vec<PathBuf> {
    let Some(name) = first.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let next_name = |i: u32| -> Option<String> {
        if !ext.is_empty() && ext.bytes().all(|b| b.is_ascii_digit()) {
            let start: u32 = ext.parse().ok()?;
            if start > 1 {
                return None;
            }
            Some(format!("{stem}.{:0width$}", start + i, width = ext.len()))
        } else if ext.len() == 2 && ext.bytes().all(|b| b.is_ascii_lowercase()) {
            if ext != "aa" {
                return None;
            }
            if i >= 26 * 26 {
                return None;
            }
            let a = (b'a' + (i / 26) as u8) as char;
            let b = (b'a' + (i % 26) as u8) as char;
            Some(format!("{stem}.{a}{b}"))
        } else {
            None
        }
    };
    for i in 1..100_000u32 {
        let Some(n) = next_name(i) else { break };
        let p = first.with_file_name(n);
        if p.is_file() {
            out.push(p);
        } else {
            break;
        }
    }
    out
}

impl SplitSource {
    /// Opens the segments, `first` then `rest` in order.
    pub fn open(first: &Path, rest: &[PathBuf]) -> Result<Self, ImageError> {
        let mut parts = Vec::new();
        let mut paths = Vec::new();
        let mut start = 0u64;
        for p in std::iter::once(first).chain(rest.iter().map(PathBuf::as_path)) {
            let f = open_ro(p)?;
            let len = file_len(&f, p)?;
            if len == 0 {
                return Err(ImageError::Split {
                    path: first.to_path_buf(),
                    reason: format!("segment {} is empty", p.display()),
                });
            }
            parts.push((f, start, len));
            paths.push(p.to_path_buf());
            start = start.saturating_add(len);
        }
        Ok(SplitSource {
            parts,
            paths,
            len: start,
        })
    }
}

impl Source for SplitSource {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, ImageError> {
        let idx = self.parts.partition_point(|(_, s, l)| s + l <= offset);
        let Some((file, start, len)) = self.parts.get(idx) else {
            return Ok(0);
        };
        let within = offset - start;
        let want = (len - within).min(buf.len() as u64) as usize;
        let Some(b) = buf.get_mut(..want) else {
            return Ok(0);
        };
        pread(file, b, within).map_err(|source| ImageError::Read { offset, source })
    }
    fn info(&self) -> ContainerInfo {
        ContainerInfo {
            format: "split-raw".into(),
            segments: self.paths.clone(),
            size: self.len,
            ..Default::default()
        }
    }
}

/// An Expert Witness Format (E01) image, through the `ewf` crate.
pub struct EwfSource {
    reader: ewf::EwfReader,
    info: ContainerInfo,
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "internal error in the EWF reader".into())
}

impl EwfSource {
    /// Opens an E01 from its first segment; the other segments are found beside it.
    pub fn open(path: &Path) -> Result<Self, ImageError> {
        let ewf_err = |reason: String| ImageError::Ewf {
            path: path.to_path_buf(),
            reason,
        };
        let reader = catch_unwind(|| ewf::EwfReader::open(path))
            .map_err(|p| ewf_err(panic_message(p)))?
            .map_err(|e| ewf_err(e.to_string()))?;
        let stored = reader.stored_hashes();
        let m = reader.metadata();
        let mut metadata = Vec::new();
        for (k, v) in [
            ("case_number", &m.case_number),
            ("evidence_number", &m.evidence_number),
            ("description", &m.description),
            ("examiner", &m.examiner),
            ("notes", &m.notes),
            ("acquiry_software", &m.acquiry_software),
            ("os_version", &m.os_version),
            ("acquiry_date", &m.acquiry_date),
            ("system_date", &m.system_date),
        ] {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                metadata.push((k.to_string(), v.clone()));
            }
        }
        let mut segments = vec![path.to_path_buf()];
        segments.extend(ewf_siblings(path));
        let info = ContainerInfo {
            format: "ewf".into(),
            segments,
            size: reader.total_size(),
            stored_md5: stored.md5.map(hex),
            stored_sha1: stored.sha1.map(hex),
            metadata,
            acquisition_errors: reader
                .acquisition_errors()
                .iter()
                .map(|e| (u64::from(e.first_sector), u64::from(e.sector_count)))
                .collect(),
        };
        Ok(EwfSource { reader, info })
    }
}

fn hex<const N: usize>(b: [u8; N]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Segment files after an `.E01` (`.E02` … `.E99`, `.EAA` …), as far as they exist.
fn ewf_siblings(first: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Some(ext) = first.extension().and_then(|e| e.to_str()) else {
        return out;
    };
    let upper = ext.starts_with('E');
    for i in 2..=99u32 {
        let e = format!("{}{i:02}", if upper { 'E' } else { 'e' });
        let p = first.with_extension(e);
        if p.is_file() {
            out.push(p);
        } else {
            break;
        }
    }
    out
}

impl Source for EwfSource {
    fn len(&self) -> u64 {
        self.info.size
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, ImageError> {
        if offset >= self.info.size {
            return Ok(0);
        }
        let r = catch_unwind(AssertUnwindSafe(|| self.reader.read_at(buf, offset)));
        match r {
            Ok(Ok(n)) => Ok(n),
            Ok(Err(e)) => Err(ImageError::Read {
                offset,
                source: io::Error::other(e.to_string()),
            }),
            Err(p) => Err(ImageError::Read {
                offset,
                source: io::Error::other(panic_message(p)),
            }),
        }
    }
    fn info(&self) -> ContainerInfo {
        self.info.clone()
    }
}

/// A window onto another source (a volume, say).
pub struct SubSource {
    inner: Arc<dyn Source>,
    offset: u64,
    len: u64,
}

impl SubSource {
    /// The `len` bytes of `inner` starting at `offset`, clipped to the end of `inner`.
    pub fn new(inner: Arc<dyn Source>, offset: u64, len: u64) -> Self {
        let avail = inner.len().saturating_sub(offset);
        SubSource {
            inner,
            offset,
            len: len.min(avail),
        }
    }
}

impl Source for SubSource {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, ImageError> {
        if offset >= self.len {
            return Ok(0);
        }
        let want = (self.len - offset).min(buf.len() as u64) as usize;
        let Some(b) = buf.get_mut(..want) else {
            return Ok(0);
        };
        self.inner.read_at(b, self.offset + offset)
    }
    fn info(&self) -> ContainerInfo {
        self.inner.info()
    }
}

/// `Read + Seek` over a source, for libraries that want a stream (zip).
pub struct SourceReader {
    src: Arc<dyn Source>,
    pos: u64,
}

impl SourceReader {
    /// A reader positioned at 0.
    pub fn new(src: Arc<dyn Source>) -> Self {
        SourceReader { src, pos: 0 }
    }
}

impl Read for SourceReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.src.read_at(buf, self.pos).map_err(io::Error::other)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for SourceReader {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let new = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.src.len().checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match new {
            Some(p) => {
                self.pos = p;
                Ok(p)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before start",
            )),
        }
    }
}

const EWF1_MAGIC: &[u8] = b"EVF\x09\x0d\x0a\xff\x00";
const EWF2_MAGIC: &[u8] = b"EVF2\x0d\x0a\x81\x00";
const LEF_MAGIC: &[u8] = b"LVF\x09\x0d\x0a\xff\x00";

/// Opens an evidence file as a source, choosing the container by content (EWF signature)
/// and by name (split-raw segment numbering); anything else is raw.
pub fn open_source(path: &Path) -> Result<Arc<dyn Source>, ImageError> {
    let raw = RawSource::open(path)?;
    let mut head = [0u8; 8];
    let n = raw.read_at(&mut head, 0)?;
    let head = head.get(..n).unwrap_or_default();
    if head == EWF1_MAGIC || head == EWF2_MAGIC {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext.len() == 3 && ext[1..].bytes().all(|b| b.is_ascii_digit()) && !ext.ends_with("01") {
            return Err(ImageError::Ewf {
                path: path.to_path_buf(),
                reason: "this is not the first segment; open the .E01 file".into(),
            });
        }
        return Ok(Arc::new(EwfSource::open(path)?));
    }
    if head == LEF_MAGIC {
        return Err(ImageError::Ewf {
            path: path.to_path_buf(),
            reason: "logical evidence files (L01) are not supported".into(),
        });
    }
    let rest = split_siblings(path);
    if !rest.is_empty() {
        return Ok(Arc::new(SplitSource::open(path, &rest)?));
    }
    Ok(Arc::new(raw))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn split_reads_across_segments() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        for (i, chunk) in data.chunks(4096).enumerate() {
            let mut f = File::create(dir.path().join(format!("img.{:03}", i + 1))).unwrap();
            f.write_all(chunk).unwrap();
        }
        let src = open_source(&dir.path().join("img.001")).unwrap();
        assert_eq!(src.info().format, "split-raw");
        assert_eq!(src.len(), 10_000);
        let mut buf = vec![0u8; 5000];
        read_exact_at(src.as_ref(), &mut buf, 3000, "test").unwrap();
        assert_eq!(&buf[..], &data[3000..8000]);
        let mut tail = [0u8; 16];
        assert!(read_exact_at(src.as_ref(), &mut tail, 9990, "test").is_err());
    }

    #[test]
    fn lettered_split_and_single_segment() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.aa"), b"abc").unwrap();
        std::fs::write(dir.path().join("x.ab"), b"def").unwrap();
        let src = open_source(&dir.path().join("x.aa")).unwrap();
        let mut buf = [0u8; 6];
        read_exact_at(src.as_ref(), &mut buf, 0, "t").unwrap();
        assert_eq!(&buf, b"abcdef");
        std::fs::write(dir.path().join("y.001"), b"only").unwrap();
        assert_eq!(
            open_source(&dir.path().join("y.001"))
                .unwrap()
                .info()
                .format,
            "raw"
        );
    }

    #[test]
    fn garbage_with_ewf_magic_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.E01");
        let mut d = EWF1_MAGIC.to_vec();
        d.extend(std::iter::repeat_n(0xffu8, 200));
        std::fs::write(&p, d).unwrap();
        assert!(matches!(open_source(&p), Err(ImageError::Ewf { .. })));
    }
}
