//! A `Read` over a list of byte runs of a source, with holes (sparse runs) read as zeros.

use std::io::{self, Read};
use std::sync::Arc;

use peel_image::Source;

/// Reads `len` bytes laid out as runs on a source: `(Some(offset), length)` for stored bytes,
/// `(None, length)` for a hole that reads as zeros. Bytes from `zero_from` on (NTFS's
/// initialised size, say) read as zeros too.
pub struct ExtentReader {
    src: Arc<dyn Source>,
    runs: Vec<(Option<u64>, u64)>,
    idx: usize,
    within: u64,
    pos: u64,
    len: u64,
    zero_from: u64,
}

impl ExtentReader {
    /// A reader yielding at most `len` bytes from `extents` (all stored) in order.
    pub fn new(src: Arc<dyn Source>, extents: Vec<(u64, u64)>, len: u64) -> Self {
        let runs = extents.into_iter().map(|(o, l)| (Some(o), l)).collect();
        Self::with_holes(src, runs, len, len)
    }

    /// A reader over runs that may contain holes; bytes at or after `zero_from` read as zeros.
    pub fn with_holes(
        src: Arc<dyn Source>,
        runs: Vec<(Option<u64>, u64)>,
        len: u64,
        zero_from: u64,
    ) -> Self {
        ExtentReader {
            src,
            runs,
            idx: 0,
            within: 0,
            pos: 0,
            len,
            zero_from,
        }
    }
}

impl Read for ExtentReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos < self.len {
            let Some(&(off, rlen)) = self.runs.get(self.idx) else {
                return Ok(0);
            };
            if self.within >= rlen {
                self.idx += 1;
                self.within = 0;
                continue;
            }
            let mut want = (rlen - self.within)
                .min(self.len - self.pos)
                .min(buf.len() as u64);
            if self.pos < self.zero_from {
                want = want.min(self.zero_from - self.pos);
            }
            let Some(b) = buf.get_mut(..want as usize) else {
                return Ok(0);
            };
            let n = match off {
                Some(o) if self.pos < self.zero_from => {
                    let at = o + self.within;
                    let n = self.src.read_at(b, at).map_err(io::Error::other)?;
                    if n == 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            format!(
                                "content ends at byte {at}: past the end of the volume (truncated image?)"
                            ),
                        ));
                    }
                    n
                }
                _ => {
                    b.fill(0);
                    b.len()
                }
            };
            self.within += n as u64;
            self.pos += n as u64;
            return Ok(n);
        }
        Ok(0)
    }
}
