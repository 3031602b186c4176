//! Long lists written and read on all cores, in order. A graph's millions of edges take
//! longer to format than to write, so each batch of items is formatted into buffers in
//! parallel and the buffers are written one after another: the bytes are those of formatting
//! one item at a time. Likewise a long text of one item a line is read in batches of lines,
//! each parsed in parallel, and the items and the first fault are those of parsing one line
//! at a time.

use std::io;

use rayon::prelude::*;

/// Items formatted per batch (read from the list before formatting starts): enough for every
/// core to have several pieces, few enough that the buffers stay small (tens of MB).
const BATCH: usize = 1 << 15;
/// Items one core formats into one buffer.
const PIECE: usize = 1 << 10;

/// Writes every item of `items` through `put(buffer, number, item)`, in order; `number`
/// counts from 0 over the whole list. Each batch is written while the next is formatted. A
/// failing `put` stops the writing (what is before its batch is written), and its error is
/// returned; an error of `w` is returned through `io`.
pub(crate) fn write_each<T, E>(
    w: &mut (impl io::Write + Send),
    items: impl IntoIterator<Item = T>,
    put: impl Fn(&mut Vec<u8>, usize, &T) -> Result<(), E> + Sync,
    io: impl Fn(io::Error) -> E,
) -> Result<(), E>
where
    T: Sync,
    E: Send,
{
    let mut items = items.into_iter();
    let mut batch: Vec<T> = Vec::with_capacity(BATCH);
    // The buffers of the batch before, written while this batch is formatted.
    let mut ready: Vec<Vec<u8>> = Vec::new();
    let mut done = 0usize;
    loop {
        batch.clear();
        batch.extend(items.by_ref().take(BATCH));
        let (wrote, made) = rayon::join(
            || ready.iter().try_for_each(|b| w.write_all(b)),
            || {
                batch
                    .par_chunks(PIECE)
                    .enumerate()
                    .map(|(p, piece)| {
                        let mut buf = Vec::new();
                        for (i, x) in piece.iter().enumerate() {
                            put(&mut buf, done + p * PIECE + i, x)?;
                        }
                        Ok(buf)
                    })
                    .collect::<Result<Vec<Vec<u8>>, E>>()
            },
        );
        wrote.map_err(&io)?;
        ready = made?;
        if batch.is_empty() {
            return Ok(());
        }
        done += batch.len();
    }
}

/// Lines read per batch by [`LineBatch::read`]'s callers.
pub(crate) const LINES: usize = 1 << 14;

/// A batch of lines read from a text, end to end in one buffer, each parsed on all cores.
#[derive(Debug, Default)]
pub(crate) struct LineBatch {
    text: String,
    /// Where each line ends in `text` (its line end included).
    ends: Vec<usize>,
    /// The number of the batch's first line (from 1).
    pub first: u64,
}

/// Why a batch of lines ended.
#[derive(Debug)]
pub(crate) enum BatchEnd {
    /// It holds as many lines as asked for.
    Full,
    /// The text ended.
    Eof,
    /// This line, which is not in the batch, was one to stop at.
    Stop(String),
    /// Reading failed after the lines the batch holds.
    Failed(io::Error),
}

impl LineBatch {
    /// Reads up to `max` lines of `r` into the batch, whose first line is line `first`;
    /// reading stops early at the end of the text, at a read error, or before a line for
    /// which `stop` is true, which is returned.
    pub fn read(
        &mut self,
        r: &mut impl io::BufRead,
        first: u64,
        max: usize,
        stop: impl Fn(&str) -> bool,
    ) -> BatchEnd {
        self.text.clear();
        self.ends.clear();
        self.first = first;
        while self.ends.len() < max {
            let start = self.text.len();
            match r.read_line(&mut self.text) {
                Ok(0) => return BatchEnd::Eof,
                Ok(_) => {}
                Err(e) => {
                    self.text.truncate(start);
                    return BatchEnd::Failed(e);
                }
            }
            if stop(self.text.get(start..).unwrap_or_default()) {
                let line = self.text.split_off(start);
                return BatchEnd::Stop(line);
            }
            self.ends.push(self.text.len());
        }
        BatchEnd::Full
    }

    /// How many lines the batch holds.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Parses each line, without its line end (`\n` or `\r\n`), on all cores, in order.
    pub fn parse<T: Send>(
        &self,
        f: impl Fn(&str) -> Result<T, String> + Sync,
    ) -> Vec<Result<T, String>> {
        (0..self.ends.len())
            .into_par_iter()
            .with_min_len(256)
            .map(|k| {
                let from = match k.checked_sub(1) {
                    Some(j) => self.ends.get(j).copied().unwrap_or(0),
                    None => 0,
                };
                let to = self.ends.get(k).copied().unwrap_or(from);
                let l = self.text.get(from..to).unwrap_or_default();
                let l = l.strip_suffix('\n').unwrap_or(l);
                f(l.strip_suffix('\r').unwrap_or(l))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use std::io::Write;

    #[test]
    fn writes_every_item_in_order_with_its_number() {
        // More than two batches, the last one short.
        let n = 2 * BATCH + 3 * PIECE + 7;
        let mut out = Vec::new();
        write_each(&mut out, 0..n, |b, i, x| writeln!(b, "{i}:{x}"), |e| e).unwrap();
        let want: String = (0..n).map(|i| format!("{i}:{i}\n")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }

    #[test]
    fn stops_at_the_first_failing_item() {
        let mut out = Vec::new();
        let r = write_each(
            &mut out,
            0..BATCH + 10,
            |b, i, _| {
                if i == BATCH + 5 {
                    return Err(format!("item {i}"));
                }
                b.push(b'.');
                Ok(())
            },
            |e| e.to_string(),
        );
        assert_eq!(r, Err(format!("item {}", BATCH + 5)));
        // The first batch was written whole; nothing of the failing batch's piece.
        assert_eq!(out.len(), BATCH);
    }
    #[test]
    fn a_batch_of_lines_stops_where_asked_and_parses_without_line_ends() {
        let text = "a\nb\r\n\nc\n],stop\nafter\n";
        let mut r = std::io::BufReader::with_capacity(3, text.as_bytes());
        let mut b = LineBatch::default();
        let id = |l: &str| Ok::<_, String>(l.to_string());
        assert!(matches!(b.read(&mut r, 1, 2, |_| false), BatchEnd::Full));
        assert_eq!((b.first, b.len()), (1, 2));
        assert_eq!(b.parse(id), [Ok("a".to_string()), Ok("b".to_string())]);
        let end = b.read(&mut r, 3, 10, |l| l.starts_with("],"));
        assert!(
            matches!(&end, BatchEnd::Stop(l) if l == "],stop\n"),
            "{end:?}"
        );
        assert_eq!(b.parse(id), [Ok(String::new()), Ok("c".to_string())]);
        assert!(matches!(b.read(&mut r, 6, 10, |_| false), BatchEnd::Eof));
        assert_eq!(b.parse(id), [Ok("after".to_string())]);
        assert!(matches!(b.read(&mut r, 7, 10, |_| false), BatchEnd::Eof));
        assert_eq!(b.len(), 0);
    }

    #[test]
    fn a_batch_keeps_the_lines_read_before_a_read_error() {
        /// Gives its text, then fails.
        struct Failing<'a>(&'a [u8]);
        impl std::io::Read for Failing<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() {
                    return Err(std::io::Error::other("device error"));
                }
                let n = self.0.len().min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut r = std::io::BufReader::new(Failing(b"one\ntwo\nthr"));
        let mut b = LineBatch::default();
        let end = b.read(&mut r, 1, 10, |_| false);
        assert!(matches!(&end, BatchEnd::Failed(e) if e.to_string() == "device error"));
        let got = b.parse(|l| Ok::<_, String>(l.to_string()));
        assert_eq!(got, [Ok("one".to_string()), Ok("two".to_string())]);
    }
}
