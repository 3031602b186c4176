//! Long lists written on all cores, in order: a graph's millions of edges take longer to
//! format than to write, so each batch of items is formatted into buffers in parallel and the
//! buffers are written one after another. The bytes are those of formatting one item at a
//! time.

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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
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
}
