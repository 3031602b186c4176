//! Provenance of bytes: a `Locator` is the chain of layers from the evidence root to an object.
//!
//! The one-line form joins segments with ` / `:
//! `usb.E01 / vol:2@1048576 / fat32 / Users/alice/mail.zip#517 / zip:inbox/1.eml / @0x1a2`.
//! `Display` and `FromStr` round-trip.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// One layer of provenance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Segment {
    /// The evidence item as named on the command line.
    Evidence {
        /// Path or name of the evidence item.
        path: String,
    },
    /// A volume (partition) of the source: its number and its byte offset in the source.
    Volume {
        /// Partition number (1-4 primary, 5+ logical for MBR; entry number for GPT).
        index: u32,
        /// Byte offset of the volume's first byte in the source.
        offset: u64,
    },
    /// A file system, by kind (`fat12`, `fat16`, `fat32`, `dir`, `zip` …).
    Fs {
        /// File-system kind.
        kind: String,
    },
    /// A file inside a file system: its path and, where the file system has one, its address
    /// (inode number, TSK-compatible for FAT), which tells apart deleted entries with equal paths.
    File {
        /// Path inside the file system, `/`-separated, without a leading slash.
        path: String,
        /// Metadata address (inode), if any.
        addr: Option<u64>,
    },
    /// A member of a zip archive.
    Zip {
        /// Member name as stored in the archive.
        member: String,
    },
    /// A gzip stream, decompressed.
    Gzip,
    /// A base64 block starting at `offset` of the enclosing stream, decoded.
    Base64 {
        /// Offset of the block's first character.
        offset: u64,
    },
    /// A byte offset into the innermost stream.
    Offset {
        /// Offset in bytes.
        offset: u64,
    },
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Evidence { path } => f.write_str(path),
            Segment::Volume { index, offset } => write!(f, "vol:{index}@{offset}"),
            Segment::Fs { kind } => f.write_str(kind),
            Segment::File {
                path,
                addr: Some(a),
            } => write!(f, "{path}#{a}"),
            Segment::File { path, addr: None } => f.write_str(path),
            Segment::Zip { member } => write!(f, "zip:{member}"),
            Segment::Gzip => f.write_str("gzip"),
            Segment::Base64 { offset } => write!(f, "base64@{offset:#x}"),
            Segment::Offset { offset } => write!(f, "@{offset:#x}"),
        }
    }
}

/// A chain of segments from the evidence root to an object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Locator {
    /// The segments, outermost first.
    pub segments: Vec<Segment>,
}

impl Locator {
    /// A locator naming only the evidence item.
    pub fn evidence(path: impl Into<String>) -> Self {
        Locator {
            segments: vec![Segment::Evidence { path: path.into() }],
        }
    }

    /// This locator with one more segment.
    #[must_use]
    pub fn with(mut self, seg: Segment) -> Self {
        self.segments.push(seg);
        self
    }

    /// Appends a segment in place.
    pub fn push(&mut self, seg: Segment) {
        self.segments.push(seg);
    }

    /// The volume segment, if any.
    pub fn volume(&self) -> Option<(u32, u64)> {
        self.segments.iter().find_map(|s| match s {
            Segment::Volume { index, offset } => Some((*index, *offset)),
            _ => None,
        })
    }

    /// The last file segment, if any.
    pub fn file(&self) -> Option<(&str, Option<u64>)> {
        self.segments.iter().rev().find_map(|s| match s {
            Segment::File { path, addr } => Some((path.as_str(), *addr)),
            _ => None,
        })
    }
}

impl fmt::Display for Locator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str(" / ")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

const FS_KINDS: &[&str] = &[
    "fat12", "fat16", "fat32", "dir", "zip", "ntfs", "ext2", "ext3", "ext4",
];

fn parse_volume(s: &str) -> Option<Segment> {
    let rest = s.strip_prefix("vol:")?;
    let (i, o) = rest.split_once('@')?;
    Some(Segment::Volume {
        index: i.parse().ok()?,
        offset: o.parse().ok()?,
    })
}

fn parse_file(s: &str) -> Segment {
    if let Some((p, a)) = s.rsplit_once('#')
        && !a.is_empty()
        && a.bytes().all(|b| b.is_ascii_digit())
        && let Ok(addr) = a.parse()
    {
        return Segment::File {
            path: p.to_string(),
            addr: Some(addr),
        };
    }
    Segment::File {
        path: s.to_string(),
        addr: None,
    }
}

impl FromStr for Locator {
    type Err = CoreError;

    /// Parses the one-line form. The first segment is the evidence; `vol:N@OFF`, known
    /// file-system kinds, `zip:MEMBER` and `@0xOFF` are recognised; anything else is a file path.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut parts = text.split(" / ");
        let first =
            parts
                .next()
                .filter(|p| !p.is_empty())
                .ok_or_else(|| CoreError::BadLocator {
                    text: text.to_string(),
                    reason: "empty",
                })?;
        let mut loc = Locator::evidence(first);
        for p in parts {
            let seg = if let Some(v) = parse_volume(p) {
                v
            } else if FS_KINDS.contains(&p) {
                Segment::Fs {
                    kind: p.to_string(),
                }
            } else if p == "gzip" {
                Segment::Gzip
            } else if let Some(h) = p.strip_prefix("base64@0x") {
                let offset = u64::from_str_radix(h, 16).map_err(|_| CoreError::BadLocator {
                    text: text.to_string(),
                    reason: "bad base64 offset",
                })?;
                Segment::Base64 { offset }
            } else if let Some(m) = p.strip_prefix("zip:") {
                Segment::Zip {
                    member: m.to_string(),
                }
            } else if let Some(h) = p.strip_prefix("@0x") {
                let offset = u64::from_str_radix(h, 16).map_err(|_| CoreError::BadLocator {
                    text: text.to_string(),
                    reason: "bad offset",
                })?;
                Segment::Offset { offset }
            } else {
                parse_file(p)
            };
            loc.push(seg);
        }
        Ok(loc)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let l = Locator::evidence("a.img")
            .with(Segment::Volume {
                index: 5,
                offset: 44_040_192,
            })
            .with(Segment::Fs {
                kind: "fat12".into(),
            })
            .with(Segment::File {
                path: "x/y #1.txt".into(),
                addr: None,
            })
            .with(Segment::Zip {
                member: "in/b.txt".into(),
            })
            .with(Segment::Gzip)
            .with(Segment::Base64 { offset: 0x10 })
            .with(Segment::Offset { offset: 0x1a2 });
        let s = l.to_string();
        assert_eq!(
            s,
            "a.img / vol:5@44040192 / fat12 / x/y #1.txt / zip:in/b.txt / gzip / base64@0x10 / @0x1a2"
        );
        assert_eq!(s.parse::<Locator>().unwrap(), l);
    }

    #[test]
    fn json_is_a_list_of_typed_segments() {
        let l = Locator::evidence("a").with(Segment::File {
            path: "p".into(),
            addr: Some(3),
        });
        let j = serde_json::to_string(&l).unwrap();
        assert_eq!(
            j,
            r#"[{"type":"evidence","path":"a"},{"type":"file","path":"p","addr":3}]"#
        );
    }
}
