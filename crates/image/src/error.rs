//! Errors of the evidence layer.

use std::io;
use std::path::PathBuf;

/// Errors opening or reading a container or partition table.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// The path could not be opened or read.
    #[error("{path}: {source}")]
    Open {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A read went past the end of the source.
    #[error(
        "{what}: {needed} bytes at offset {offset} lie past the end of the data ({len} bytes; truncated image?)"
    )]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Offset of the read.
        offset: u64,
        /// Bytes wanted.
        needed: u64,
        /// Length of the source.
        len: u64,
    },
    /// An I/O error during a positional read.
    #[error("read error at offset {offset}: {source}")]
    Read {
        /// Offset of the read.
        offset: u64,
        /// The cause.
        source: io::Error,
    },
    /// The EWF container could not be parsed.
    #[error("{path}: not a readable EWF/E01 image: {reason}")]
    Ewf {
        /// First segment.
        path: PathBuf,
        /// Reason given by the EWF reader.
        reason: String,
    },
    /// Split-raw segments are missing or inconsistent.
    #[error("{path}: split raw image: {reason}")]
    Split {
        /// First segment.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A partition table is damaged beyond use.
    #[error("partition table ({scheme}): {reason}")]
    Table {
        /// `mbr` or `gpt`.
        scheme: &'static str,
        /// What is wrong.
        reason: String,
    },
}
