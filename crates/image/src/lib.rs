//! peel-image: read-only, positional access to evidence containers (raw/dd, split raw, E01)
//! and the partition tables on them (MBR with extended partitions, GPT).
//!
//! ```no_run
//! use peel_image::{open_source, volumes};
//! let src = open_source(std::path::Path::new("disk.E01")).unwrap();
//! let table = volumes::read_table(src.as_ref()).unwrap();
//! for v in &table.volumes {
//!     println!("{} at {} ({} bytes)", v.index, v.offset, v.length);
//! }
//! ```

mod error;
pub mod source;
pub mod volumes;

pub use error::ImageError;
pub use source::{ContainerInfo, Source, SourceReader, SubSource, open_source, read_exact_at};
