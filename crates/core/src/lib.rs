//! peel-core: record types, provenance (`Locator`), hashing and record sinks shared by every
//! stage of peel. It knows nothing about any evidence format.
//!
//! ```
//! use peel_core::locator::{Locator, Segment};
//! let loc = Locator::evidence("usb.E01")
//!     .with(Segment::Volume { index: 2, offset: 1_048_576 })
//!     .with(Segment::Fs { kind: "fat32".into() })
//!     .with(Segment::File { path: "Users/alice/mail.txt".into(), addr: Some(517) });
//! assert_eq!(loc.to_string(), "usb.E01 / vol:2@1048576 / fat32 / Users/alice/mail.txt#517");
//! assert_eq!(loc.to_string().parse::<Locator>().unwrap(), loc);
//! ```

pub mod bytes;
pub mod error;
pub mod hash;
pub mod locator;
pub mod record;
pub mod sink;
pub mod time;
pub mod timeline;

pub use error::CoreError;
pub use hash::{HashAlgo, HashSet, Hashes};
pub use locator::{Locator, Segment};
