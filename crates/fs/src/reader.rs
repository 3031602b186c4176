//! A `Read` over a list of byte extents of a source.

use std::io::{self, Read};
use std::sync::Arc;

use peel_image::Source;

/// Reads `len` bytes laid out as extents `(offset, length)` on a source.
pub struct ExtentReader {
    src: Arc<dyn Source>,
    extents: Vec<(u64, u64)>,
    idx: usize,
    within: u64,
    remaining: u64,
}

impl ExtentReader {
    /// A reader yielding at most `len` bytes from `extents` in order.
    pub fn new(src: Arc<dyn Source>, extents: Vec<(u64, u64)>, len: u64) -> Self {
        ExtentReader {
            src,
            extents,
            idx: 0,
            within: 0,
            remaining: len,
        }
    }
}

impl Read for ExtentReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.remaining > 0 {
            let Some(&(off, elen)) = self.extents.get(self.idx) else {
                return Ok(0);
            };
            if self.within >= elen {
                self.idx += 1;
                self.within = 0;
                continue;
            }
            let want = (elen - self.within)
                .min(self.remaining)
                .min(buf.len() as u64) as usize;
            let Some(b) = buf.get_mut(..want) else {
                return Ok(0);
            };
            let pos = off + self.within;
            let n = self.src.read_at(b, pos).map_err(io::Error::other)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "content ends at byte {pos}: past the end of the volume (truncated image?)"
                    ),
                ));
            }
            self.within += n as u64;
            self.remaining -= n as u64;
            return Ok(n);
        }
        Ok(0)
    }
}
