//! Error kinds shared across peel's library crates.

use std::io;

/// Errors raised by the core crate (parsing arguments to core types, writing records).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A hash algorithm name that peel does not know.
    #[error("unknown hash algorithm `{name}` (expected md5, sha1 or sha256)")]
    UnknownHash {
        /// The name given.
        name: String,
    },
    /// A locator string that could not be parsed.
    #[error("cannot parse locator `{text}`: {reason}")]
    BadLocator {
        /// The text given.
        text: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// Writing a record failed.
    #[error("cannot write record: {0}")]
    Io(#[from] io::Error),
    /// Serialising a record failed.
    #[error("cannot serialise record: {0}")]
    Json(#[from] serde_json::Error),
    /// Writing CSV failed.
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
}
