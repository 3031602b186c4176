//! Recursion into what bytes contain: zip members, gzip streams and base64 blocks are decoded
//! and scanned in turn, each step recorded so that a feature's locator names the path
//! (`report.zip / zip:docs/a.xml / gzip / @0x1f`). Depth, the size one object may expand to,
//! and a total expansion budget are all bounded, so a zip bomb costs bounded time and memory
//! and is reported as such.

use std::io::{Cursor, Read};
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;

use crate::{Extractor, Feature};

/// The callbacks a deep scan reports through.
struct Callbacks<'a> {
    emit: &'a mut dyn FnMut(&[Layer], Feature),
    problem: &'a mut dyn FnMut(&[Layer], String),
    object: &'a mut dyn FnMut(&[Layer], &[u8]),
}

/// One decoding step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layer {
    /// A zip member, by name.
    Zip(String),
    /// A gzip stream.
    Gzip,
    /// A base64 block at this offset of the enclosing stream.
    Base64(u64),
}

/// Bounds on recursion.
pub struct Limits {
    /// Deepest nesting decoded (the object itself is depth 0).
    pub max_depth: usize,
    /// Largest size one decoded object may reach.
    pub max_object: u64,
    /// Bytes still allowed to be produced by decoding, shared by all threads.
    budget: AtomicU64,
}

impl Limits {
    /// Limits with `total` bytes of decoding allowed in all.
    pub fn new(max_depth: usize, max_object: u64, total: u64) -> Self {
        Limits {
            max_depth,
            max_object,
            budget: AtomicU64::new(total),
        }
    }

    /// Takes `n` bytes from the budget; false when it is exhausted.
    fn take(&self, n: u64) -> bool {
        self.budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(n))
            .is_ok()
    }

    /// Gives back bytes taken for output that is thrown away and decoded again.
    fn refund(&self, n: u64) {
        self.budget.fetch_add(n, Ordering::Relaxed);
    }
}

/// Default limits: depth 8, 256 MiB per object, 16 GiB in all.
pub fn default_limits() -> Limits {
    Limits::new(8, 256 << 20, 16 << 30)
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const GZIP_MAGIC: &[u8] = b"\x1f\x8b\x08";
/// Shortest base64 block decoded (characters).
pub const MIN_BASE64: usize = 64;

/// Why a bounded read stopped before the end of its stream.
enum Stop {
    /// A limit (per object or budget) was reached; the message says which.
    Limit(String),
    /// The reader failed (corrupt or cut-off input).
    Input(std::io::Error),
}

/// Reads `r` into `out` to its end, at most `limits.max_object` bytes in all, taking from the
/// budget as it goes; on a stop, `out` keeps what was read before it.
fn read_into(r: &mut dyn Read, limits: &Limits, out: &mut Vec<u8>) -> Result<(), Stop> {
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = r.read(&mut chunk).map_err(Stop::Input)?;
        if n == 0 {
            return Ok(());
        }
        if out.len() as u64 + n as u64 > limits.max_object {
            return Err(Stop::Limit(format!(
                "expands beyond {} bytes; not scanned further (zip bomb?)",
                limits.max_object
            )));
        }
        if !limits.take(n as u64) {
            return Err(Stop::Limit(
                "the decoding budget of this run is exhausted; not expanded".into(),
            ));
        }
        out.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
}

/// Reads `r` to its end within the limits; any stop is an error.
fn read_bounded(r: &mut dyn Read, limits: &Limits) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    match read_into(r, limits, &mut out) {
        Ok(()) => Ok(out),
        Err(Stop::Limit(m)) => Err(m),
        Err(Stop::Input(e)) => Err(e.to_string()),
    }
}

impl Extractor {
    /// Scans `data` and, recursively, whatever it holds (zip members, gzip, base64), calling
    /// `emit` with the layers leading to each feature and `problem` for what was not expanded.
    pub fn scan_deep(
        &self,
        data: &[u8],
        limits: &Limits,
        emit: &mut dyn FnMut(&[Layer], Feature),
        problem: &mut dyn FnMut(&[Layer], String),
    ) {
        self.scan_deep_objects(data, limits, emit, problem, &mut |_, _| {});
    }

    /// As [`Extractor::scan_deep`], also handing every object (the input and each decoded
    /// stream) to `object`, for analysers that look at whole objects (executables, images).
    pub fn scan_deep_objects(
        &self,
        data: &[u8],
        limits: &Limits,
        emit: &mut dyn FnMut(&[Layer], Feature),
        problem: &mut dyn FnMut(&[Layer], String),
        object: &mut dyn FnMut(&[Layer], &[u8]),
    ) {
        let mut layers = Vec::new();
        let mut cb = Callbacks {
            emit,
            problem,
            object,
        };
        self.deep(data, &mut layers, limits, &mut cb);
    }

    fn deep(&self, data: &[u8], layers: &mut Vec<Layer>, limits: &Limits, cb: &mut Callbacks<'_>) {
        (cb.object)(layers, data);
        for f in self.scan_slice(data) {
            (cb.emit)(layers, f);
        }
        let zip = data.starts_with(ZIP_MAGIC);
        let gz = data.starts_with(GZIP_MAGIC);
        let blocks = self.base64_blocks(data);
        if !(zip || gz || !blocks.is_empty()) {
            return;
        }
        if layers.len() >= limits.max_depth {
            (cb.problem)(
                layers,
                format!(
                    "nested deeper than {} layers; not expanded",
                    limits.max_depth
                ),
            );
            return;
        }
        if zip {
            match zip::ZipArchive::new(Cursor::new(data)) {
                Ok(mut ar) => {
                    for i in 0..ar.len() {
                        let (name, res) = match ar.by_index(i) {
                            Ok(mut f) if f.is_file() => {
                                let name = f
                                    .name()
                                    .map(|n| n.to_string())
                                    .unwrap_or_else(|_| format!("#{i}"));
                                if f.size() > limits.max_object {
                                    let msg = format!(
                                        "declares {} bytes, beyond the {}-byte limit per object; not expanded (zip bomb?)",
                                        f.size(),
                                        limits.max_object
                                    );
                                    (name, Err(msg))
                                } else {
                                    (name, read_bounded(&mut f, limits))
                                }
                            }
                            Ok(_) => continue,
                            Err(e) => (format!("#{i}"), Err(e.to_string())),
                        };
                        layers.push(Layer::Zip(name));
                        match res {
                            Ok(bytes) => self.deep(&bytes, layers, limits, cb),
                            Err(e) => (cb.problem)(layers, e),
                        }
                        layers.pop();
                    }
                }
                Err(e) => (cb.problem)(layers, format!("zip archive unreadable: {e}")),
            }
        }
        if gz {
            let mut d = flate2::read::MultiGzDecoder::new(data);
            layers.push(Layer::Gzip);
            match read_bounded(&mut d, limits) {
                Ok(bytes) => self.deep(&bytes, layers, limits, cb),
                Err(e) => (cb.problem)(layers, e),
            }
            layers.pop();
        }
        for (off, text) in blocks {
            let compact: Vec<u8> = text
                .iter()
                .copied()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(&compact) else {
                continue;
            };
            if !limits.take(bytes.len() as u64) {
                (cb.problem)(
                    layers,
                    "the decoding budget of this run is exhausted; not expanded".into(),
                );
                return;
            }
            layers.push(Layer::Base64(off));
            self.deep(&bytes, layers, limits, cb);
            layers.pop();
        }
    }

    /// Base64 blocks of at least [`MIN_BASE64`] characters (MIME line breaks allowed).
    fn base64_blocks<'a>(&self, data: &'a [u8]) -> Vec<(u64, &'a [u8])> {
        let mut blocks = Vec::new();
        self.base64.for_each(data, &mut |s, e| {
            let m = data.get(s..e).unwrap_or_default();
            if m.iter().filter(|c| !c.is_ascii_whitespace()).count() >= MIN_BASE64 {
                blocks.push((s as u64, m));
            }
            true
        });
        blocks
    }
}

/// The pattern of a base64 block: groups of four, optional line breaks, padded end.
pub(crate) const BASE64_PATTERN: &str =
    r"(?-u)(?:[A-Za-z0-9+/]{4}(?:\r?\n)?){16,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?";

/// The base64 block search. The pattern has no anchor byte, but its runs are at least 64 bytes
/// long, rare in text.
pub(crate) fn base64_searcher() -> Result<crate::anchor::Searcher, regex::Error> {
    crate::anchor::Searcher::new(
        BASE64_PATTERN,
        crate::anchor::Anchor::new(crate::anchor::Find::Any),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in members {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    type Found = Vec<(Vec<Layer>, String, u64)>;
    type Problems = Vec<(Vec<Layer>, String)>;

    fn deep_scan(data: &[u8], limits: &Limits) -> (Found, Problems) {
        let x = Extractor::new().unwrap();
        let mut found = Vec::new();
        let mut probs = Vec::new();
        x.scan_deep(
            data,
            limits,
            &mut |l, f| found.push((l.to_vec(), f.normalized, f.offset)),
            &mut |l, m| probs.push((l.to_vec(), m)),
        );
        (found, probs)
    }

    #[test]
    fn zip_in_zip_gzip_and_base64_are_followed() {
        let inner = zip_of(&[("deep/note.txt", b"write to erin@example.org soon")]);
        let b64 = base64::engine::general_purpose::STANDARD
            .encode(b"frank@example.net and padding padding padding padding");
        let mime: String = b64
            .as_bytes()
            .chunks(20)
            .map(|c| format!("{}\r\n", String::from_utf8_lossy(c)))
            .collect();
        let outer = zip_of(&[
            ("inner.zip", &inner),
            ("log.gz", &gz(b"peer 203.0.113.9 up")),
            (
                "mail.eml",
                format!("Content-Transfer-Encoding: base64\r\n\r\n{mime}").as_bytes(),
            ),
        ]);
        let (found, probs) = deep_scan(&outer, &default_limits());
        assert!(probs.is_empty(), "{probs:?}");
        let want = [
            (
                vec![
                    Layer::Zip("inner.zip".into()),
                    Layer::Zip("deep/note.txt".into()),
                ],
                "erin@example.org",
                9,
            ),
            (
                vec![Layer::Zip("log.gz".into()), Layer::Gzip],
                "203.0.113.9",
                5,
            ),
            (
                vec![Layer::Zip("mail.eml".into()), Layer::Base64(37)],
                "frank@example.net",
                0,
            ),
        ];
        for (l, v, off) in want {
            assert!(
                found.iter().any(|f| f.0 == l && f.1 == v && f.2 == off),
                "{l:?} {v} in {found:?}"
            );
        }
    }

    #[test]
    fn a_zip_bomb_is_bounded_and_reported() {
        let zeros = vec![0u8; 64 << 20];
        let layer = zip_of(&[("zeros.bin", &zeros)]);
        let bomb = zip_of(&[("a.zip", &layer), ("b.zip", &layer), ("c.zip", &layer)]);
        assert!(bomb.len() < 1 << 20, "the bomb is small: {}", bomb.len());
        let limits = Limits::new(8, 16 << 20, 1 << 30);
        let t = std::time::Instant::now();
        let (_, probs) = deep_scan(&bomb, &limits);
        assert_eq!(probs.len(), 3, "{probs:?}");
        assert!(probs.iter().all(|p| p.1.contains("zip bomb")), "{probs:?}");
        assert!(t.elapsed() < std::time::Duration::from_secs(30));
        // A total budget smaller than the members stops expansion too.
        let small = Limits::new(8, 256 << 20, 80 << 20);
        let (_, probs) = deep_scan(&bomb, &small);
        assert!(probs.iter().any(|p| p.1.contains("budget")), "{probs:?}");
    }

    #[test]
    fn depth_is_bounded() {
        let mut data = b"gina@example.com".to_vec();
        for _ in 0..12 {
            data = gz(&data);
        }
        let (found, probs) = deep_scan(&data, &Limits::new(8, 1 << 20, 1 << 30));
        assert!(found.is_empty());
        assert_eq!(probs.len(), 1);
        assert_eq!(probs[0].0.len(), 8);
    }
}

/// Compressed bytes read from the source for one stream found in a raw region, at most.
const MAX_EMBEDDED_INPUT: usize = 64 << 20;

/// The first position in `hay` where a gzip magic or the first three bytes of a zip
/// local-file header start.
fn next_magic(hay: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = memchr::memchr2(0x1f, b'P', hay.get(from..)?) {
        let at = from + p;
        let w = hay.get(at..at + 3)?;
        if w == GZIP_MAGIC || w == b"PK\x03" {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Streams found at a position of a raw region rather than at the start of an object.
impl Extractor {
    /// Looks for gzip streams and zip local-file entries starting in `[from, to)` (absolute
    /// offsets; `buf` holds bytes from `base`), decodes each as far as the buffer allows, and
    /// deep-scans what comes out. `emit` gets the stream's absolute position, the layers
    /// inside it, and the feature (offset within the innermost decoded stream).
    #[allow(clippy::too_many_arguments)] // one call site, the page scanner
    pub fn scan_embedded(
        &self,
        buf: &[u8],
        base: u64,
        from: u64,
        to: u64,
        limits: &Limits,
        fetch: &dyn Fn(u64, usize) -> Option<Vec<u8>>,
        emit: &mut dyn FnMut(u64, &[Layer], Feature),
        problem: &mut dyn FnMut(u64, &[Layer], String),
    ) {
        let lo = (from.saturating_sub(base)) as usize;
        let hi = ((to.saturating_sub(base)) as usize).min(buf.len());
        // Streams must start in [lo, hi); their headers may run past hi.
        let Some(window) = buf.get(lo..) else {
            return;
        };
        let starts = hi.saturating_sub(lo);
        let mut i = 0usize;
        while i < starts && i + 4 <= window.len() {
            // Only starts before `starts` count; their three magic bytes may run past it.
            let rest = window
                .get(i..(starts + 2).min(window.len()))
                .unwrap_or_default();
            let Some(p) = next_magic(rest) else {
                break;
            };
            if i + p >= starts {
                break;
            }
            let at = lo + i + p;
            let pos = base + at as u64;
            let tail = buf.get(at..).unwrap_or_default();
            if tail.starts_with(GZIP_MAGIC) {
                // A gzip member header: magic, method 8, flags without reserved bits.
                if tail.get(3).is_some_and(|f| f & 0xE0 == 0) {
                    let inflate = |input: &[u8]| {
                        let mut out = Vec::new();
                        let res =
                            read_into(&mut flate2::read::GzDecoder::new(input), limits, &mut out);
                        (out, res)
                    };
                    let (mut out, mut res) = inflate(tail);
                    // A stream that runs past this buffer is read again, in full, from the source:
                    // first a few times what the buffer held of it, then as much as is allowed.
                    let cut = |res: &Result<(), Stop>| matches!(res, Err(Stop::Input(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof);
                    for want in [(4 * tail.len()).max(1 << 20), MAX_EMBEDDED_INPUT] {
                        let want = want.min(MAX_EMBEDDED_INPUT);
                        if !cut(&res) {
                            break;
                        }
                        let Some(more) = fetch(pos, want) else {
                            break;
                        };
                        limits.refund(out.len() as u64);
                        (out, res) = inflate(&more);
                        if more.len() < want {
                            break; // the whole rest of the region was read
                        }
                    }
                    if let Err(Stop::Limit(m)) = res {
                        problem(pos, &[Layer::Gzip], m);
                    }
                    // What was inflated before any stop is scanned.
                    if !out.is_empty() {
                        self.deep_at(pos, &out, Layer::Gzip, limits, emit, problem);
                    }
                }
            } else if tail.starts_with(ZIP_MAGIC) {
                let csize = peel_core::bytes::le32(tail, 18) as usize;
                let need = 30
                    + usize::from(peel_core::bytes::le16(tail, 26))
                    + usize::from(peel_core::bytes::le16(tail, 28))
                    + csize;
                if need > tail.len() && csize > 0 {
                    if let Some(more) = fetch(pos, need.min(MAX_EMBEDDED_INPUT)) {
                        self.embedded_zip_entry(&more, pos, limits, emit, problem);
                    }
                } else {
                    self.embedded_zip_entry(tail, pos, limits, emit, problem);
                }
            }
            i += p + 3;
        }
    }

    /// One zip local-file entry (header plus data) at `pos`, without the central directory.
    fn embedded_zip_entry(
        &self,
        tail: &[u8],
        pos: u64,
        limits: &Limits,
        emit: &mut dyn FnMut(u64, &[Layer], Feature),
        problem: &mut dyn FnMut(u64, &[Layer], String),
    ) {
        use peel_core::bytes::{le16, le32};
        let method = le16(tail, 8);
        let csize = le32(tail, 18) as usize;
        let nlen = usize::from(le16(tail, 26));
        let xlen = usize::from(le16(tail, 28));
        let name =
            String::from_utf8_lossy(tail.get(30..30 + nlen).unwrap_or_default()).into_owned();
        let start = 30 + nlen + xlen;
        let data = match tail.get(start..) {
            Some(d) if csize > 0 => d.get(..csize.min(d.len())).unwrap_or(d),
            Some(d) => d,
            None => return,
        };
        let bytes = match method {
            0 => data
                .get(..csize.min(data.len()))
                .unwrap_or_default()
                .to_vec(),
            8 => {
                let mut d = flate2::read::DeflateDecoder::new(data);
                match read_bounded(&mut d, limits) {
                    Ok(b) => b,
                    Err(e) if e.contains("bomb") || e.contains("budget") => {
                        problem(pos, &[Layer::Zip(name)], e);
                        return;
                    }
                    Err(_) => return,
                }
            }
            _ => return,
        };
        if bytes.is_empty() {
            return;
        }
        self.deep_at(pos, &bytes, Layer::Zip(name), limits, emit, problem);
    }

    /// Deep-scans a stream decoded from position `pos` of a raw region.
    fn deep_at(
        &self,
        pos: u64,
        bytes: &[u8],
        layer: Layer,
        limits: &Limits,
        emit: &mut dyn FnMut(u64, &[Layer], Feature),
        problem: &mut dyn FnMut(u64, &[Layer], String),
    ) {
        let mut layers = vec![layer];
        let mut cb = Callbacks {
            emit: &mut |l: &[Layer], f: Feature| emit(pos, l, f),
            problem: &mut |l: &[Layer], m: String| problem(pos, l, m),
            object: &mut |_: &[Layer], _: &[u8]| {},
        };
        self.deep(bytes, &mut layers, limits, &mut cb);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod embedded_tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_and_zip_entries_in_the_middle_of_raw_bytes() {
        let x = Extractor::new().unwrap();
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b"log: user kim@example.org logged in").unwrap();
        let gz = e.finish().unwrap();
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file("a.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(b"owner lee@example.net").unwrap();
        let zip = w.finish().unwrap().into_inner();
        let mut raw = vec![0x55u8; 1000];
        raw.extend(&gz);
        raw.extend(vec![0u8; 500]);
        let zip_at = raw.len();
        raw.extend(&zip);
        let mut got = Vec::new();
        x.scan_embedded(
            &raw,
            0,
            0,
            raw.len() as u64,
            &default_limits(),
            &|_, _| None,
            &mut |p, l, f| got.push((p, l.to_vec(), f.normalized, f.offset)),
            &mut |_, _, m| panic!("{m}"),
        );
        assert!(
            got.contains(&(1000, vec![Layer::Gzip], "kim@example.org".into(), 10)),
            "{got:?}"
        );
        assert!(
            got.contains(&(
                zip_at as u64,
                vec![Layer::Zip("a.txt".into())],
                "lee@example.net".into(),
                6
            )),
            "{got:?}"
        );
    }

    #[test]
    fn a_stream_cut_by_the_buffer_is_read_again_in_full() {
        let x = Extractor::new().unwrap();
        let mut text = Vec::new();
        for i in 0..20_000u32 {
            text.extend_from_slice(
                format!("line {i} filler {:08x}\n", i.wrapping_mul(2_654_435_761)).as_bytes(),
            );
        }
        text.extend_from_slice(b"at the very end: mia@example.org\n");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&text).unwrap();
        let gz = e.finish().unwrap();
        let cut = gz[..gz.len() / 2].to_vec();
        let find = |fetch: &dyn Fn(u64, usize) -> Option<Vec<u8>>| {
            let mut got = Vec::new();
            x.scan_embedded(
                &cut,
                0,
                0,
                1,
                &default_limits(),
                fetch,
                &mut |_, _, f| got.push(f.normalized),
                &mut |_, _, m| panic!("{m}"),
            );
            got
        };
        let mia = "mia@example.org".to_string();
        assert!(
            !find(&|_, _| None).contains(&mia),
            "only half the stream is in the buffer"
        );
        let full = gz.clone();
        let fetch = move |p: u64, n: usize| {
            full.get(p as usize..(p as usize + n).min(full.len()))
                .map(<[u8]>::to_vec)
        };
        assert!(find(&fetch).contains(&mia));
    }
}
