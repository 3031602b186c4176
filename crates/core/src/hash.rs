//! Content hashing: any subset of MD5, SHA-1 and SHA-256 computed in one pass.

use std::fmt;
use std::io::{self, Read};
use std::str::FromStr;

use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::Sha256;

use crate::CoreError;

/// A hash algorithm peel can compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HashAlgo {
    /// MD5.
    Md5,
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
}

impl FromStr for HashAlgo {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "").as_str() {
            "md5" => Ok(HashAlgo::Md5),
            "sha1" => Ok(HashAlgo::Sha1),
            "sha256" => Ok(HashAlgo::Sha256),
            _ => Err(CoreError::UnknownHash {
                name: s.to_string(),
            }),
        }
    }
}

impl fmt::Display for HashAlgo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HashAlgo::Md5 => "md5",
            HashAlgo::Sha1 => "sha1",
            HashAlgo::Sha256 => "sha256",
        })
    }
}

/// A set of algorithms to compute together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HashSet {
    /// Compute MD5.
    pub md5: bool,
    /// Compute SHA-1.
    pub sha1: bool,
    /// Compute SHA-256.
    pub sha256: bool,
}

impl HashSet {
    /// Parses a comma-separated list such as `md5,sha256`.
    pub fn parse_list(s: &str) -> Result<Self, CoreError> {
        let mut set = HashSet::default();
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            set.insert(part.parse()?);
        }
        Ok(set)
    }

    /// Adds one algorithm.
    pub fn insert(&mut self, a: HashAlgo) {
        match a {
            HashAlgo::Md5 => self.md5 = true,
            HashAlgo::Sha1 => self.sha1 = true,
            HashAlgo::Sha256 => self.sha256 = true,
        }
    }

    /// True when no algorithm is selected.
    pub fn is_empty(&self) -> bool {
        !(self.md5 || self.sha1 || self.sha256)
    }

    /// A running hasher for this set.
    pub fn hasher(&self) -> Hasher {
        Hasher {
            md5: self.md5.then(Md5::new),
            sha1: self.sha1.then(Sha1::new),
            sha256: self.sha256.then(Sha256::new),
            len: 0,
        }
    }

    /// Hashes everything `r` yields, returning the digests and the byte count.
    pub fn hash_reader(&self, r: &mut dyn Read) -> io::Result<Hashes> {
        thread_local! {
            // One read buffer per thread, reused for every file (no zeroing per file).
            static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; 256 * 1024]);
        }
        let mut h = self.hasher();
        let mut run = |buf: &mut [u8]| -> io::Result<()> {
            loop {
                let n = match r.read(buf) {
                    Ok(0) => return Ok(()),
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                h.update(buf.get(..n).unwrap_or_default());
            }
        };
        BUF.with(|b| match b.try_borrow_mut() {
            Ok(mut buf) => run(&mut buf),
            // Re-entered on this thread (a reader that hashes): use a buffer of its own.
            Err(_) => run(&mut vec![0u8; 256 * 1024]),
        })?;
        Ok(h.finish())
    }
}

/// Incremental hasher over a [`HashSet`].
#[derive(Clone)]
pub struct Hasher {
    md5: Option<Md5>,
    sha1: Option<Sha1>,
    sha256: Option<Sha256>,
    len: u64,
}

impl Hasher {
    /// Feeds bytes.
    pub fn update(&mut self, data: &[u8]) {
        if let Some(h) = &mut self.md5 {
            h.update(data);
        }
        if let Some(h) = &mut self.sha1 {
            h.update(data);
        }
        if let Some(h) = &mut self.sha256 {
            h.update(data);
        }
        self.len += data.len() as u64;
    }

    /// Final digests as lowercase hex.
    pub fn finish(self) -> Hashes {
        Hashes {
            md5: self.md5.map(|h| hex::encode(h.finalize())),
            sha1: self.sha1.map(|h| hex::encode(h.finalize())),
            sha256: self.sha256.map(|h| hex::encode(h.finalize())),
            len: self.len,
        }
    }
}

/// Digests of one object (lowercase hex), with the number of bytes hashed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hashes {
    /// MD5, if computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    /// SHA-1, if computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
    /// SHA-256, if computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Bytes hashed.
    #[serde(skip)]
    pub len: u64,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        let set = HashSet::parse_list("md5,sha1,SHA-256").unwrap();
        let h = set.hash_reader(&mut &b"abc"[..]).unwrap();
        assert_eq!(h.md5.as_deref(), Some("900150983cd24fb0d6963f7d28e17f72"));
        assert_eq!(
            h.sha1.as_deref(),
            Some("a9993e364706816aba3e25717850c26c9cd0d89d")
        );
        assert_eq!(
            h.sha256.as_deref(),
            Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert_eq!(h.len, 3);
        assert!(HashSet::parse_list("crc").is_err());
    }
}
