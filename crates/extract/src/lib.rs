//! peel-extract: feature scanners over bytes — email, URL, domain, IPv4/IPv6, MAC, payment card,
//! IBAN, Bitcoin, Ethereum, Monero, phone — with checksum validators and normalisers, in ASCII
//! and UTF-16LE text, and page-wise scanning with overlap so that a feature crossing a page
//! boundary is reported exactly once. No I/O on paths: callers hand in bytes or a reader.
//!
//! ```
//! use peel_extract::{Extractor, Encoding};
//! let x = Extractor::new().unwrap();
//! let found = x.scan_slice(b"mail alice@example.org, card 4111 1111 1111 1111");
//! let kinds: Vec<&str> = found.iter().map(|f| f.kind).collect();
//! assert_eq!(kinds, ["email", "domain", "card"]);
//! assert_eq!(found[2].normalized, "4111111111111111");
//! assert_eq!(found[2].validated, Some(true));
//! assert_eq!(found[0].encoding, Encoding::Ascii);
//! ```

pub mod anchor;
pub mod decode;
pub mod exec;
pub mod exif;
pub mod mail;
pub mod scanners;
pub mod validate;

use std::io::{self, Read};

use scanners::{Compiled, Verdict};

/// How the feature's text was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// One byte per character.
    Ascii,
    /// UTF-16 little-endian (Windows strings).
    Utf16le,
}

/// One feature found in a byte stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// Kind (`email`, `url`, `domain`, `ipv4`, …).
    pub kind: &'static str,
    /// Byte offset of the first byte in the scanned stream.
    pub offset: u64,
    /// Length in bytes in the stream (twice the characters for UTF-16LE).
    pub len: u64,
    /// The text as found.
    pub value: String,
    /// The normalised value that groups equal features.
    pub normalized: String,
    /// `Some(true)` when a checksum exists and holds; `None` when there is no checksum.
    pub validated: Option<bool>,
    /// ASCII or UTF-16LE.
    pub encoding: Encoding,
    /// Up to 16 bytes either side, escaped.
    pub context: String,
}

/// Bytes of context kept either side of a feature.
pub const CONTEXT: usize = 16;
/// Longest feature any scanner can match, in bytes of the stream (UTF-16 doubles it).
pub const MAX_FEATURE: usize = 5000;
/// Margin read before and after each page so that features crossing its edges are whole.
pub const MARGIN: usize = 8192;
/// Page size for streams and regions.
pub const PAGE: usize = 16 << 20;

/// Escapes bytes for display: printable ASCII as is, others as `\xNN`.
pub fn escape(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len());
    for &c in b {
        if (0x20..0x7f).contains(&c) && c != b'\\' {
            s.push(c as char);
        } else {
            s.push_str(&format!("\\x{c:02x}"));
        }
    }
    s
}

/// The escaped [`CONTEXT`] bytes either side of `[start, end)` (stream offsets; `raw` holds the
/// stream from `base`).
fn context_of(raw: &[u8], base: u64, start: u64, end: u64) -> String {
    let (rs, re) = ((start - base) as usize, (end - base) as usize);
    escape(
        raw.get(rs.saturating_sub(CONTEXT)..(re + CONTEXT).min(raw.len()))
            .unwrap_or_default(),
    )
}

/// The compiled scanners, ready to run on many threads.
pub struct Extractor {
    compiled: Compiled,
    base64: anchor::Searcher,
    /// Region for phone numbers written in national form (`07700 900123` with `GB`).
    region: Option<phonenumber::country::Id>,
    national: anchor::Searcher,
    /// Where any scanner can match (`None`: search everything).
    text: Option<anchor::Text>,
}

/// Phone numbers in national form (`07700 900123`, `(0161) 496 0000`).
pub(crate) const NATIONAL_PATTERN: &str =
    r"(?-u)(?:\(0[1-9][0-9]{1,4}\)|\b0[1-9][0-9]{1,4})[ .-]?[0-9]{3,4}[ .-]?[0-9]{3,4}\b";

fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let end = rest.find(['/', ':', '?', '#']).unwrap_or(rest.len());
    rest.get(..end)
        .filter(|h| h.contains('.') && !h.bytes().all(|c| c.is_ascii_digit() || c == b'.'))
}

/// Whether a UTF-16LE printable ASCII character starts at `j`.
fn utf16_char_at(buf: &[u8], j: usize) -> bool {
    matches!(buf.get(j), Some(c) if (0x20..0x7f).contains(c)) && buf.get(j + 1) == Some(&0)
}

/// The next run of UTF-16LE printable ASCII characters (at least six) that holds a character
/// at or after `pos`, as `[start, end)` byte positions: a maximal chain of characters two bytes
/// apart. Runs end where the next character is not printable, so each run is returned once
/// when `pos` is moved to the end of the previous one.
fn next_utf16_run(buf: &[u8], mut pos: usize) -> Option<(usize, usize)> {
    loop {
        // Every character's second byte is a NUL: look for those.
        let z = pos + memchr::memchr(0, buf.get(pos..)?)?;
        if z == 0 || !utf16_char_at(buf, z - 1) {
            // Step over a run of NULs (zeroed space) in one go.
            let zeros = buf
                .get(z..)
                .unwrap_or_default()
                .chunks(8)
                .take_while(|c| c.iter().all(|&b| b == 0))
                .count();
            pos = z + (zeros * 8).max(1);
            continue;
        }
        let mut start = z - 1;
        while start >= 2 && utf16_char_at(buf, start - 2) {
            start -= 2;
        }
        let mut end = z + 1;
        while utf16_char_at(buf, end) {
            end += 2;
        }
        if (end - start) / 2 >= 6 {
            return Some((start, end));
        }
        pos = end;
    }
}

impl Extractor {
    /// Compiles the scanner table.
    pub fn new() -> Result<Self, regex::Error> {
        let compiled = Compiled::new()?;
        let national = anchor::Searcher::new(
            NATIONAL_PATTERN,
            anchor::Anchor::new(anchor::Find::Byte(b"0")),
        )?;
        let text = anchor::Text::union(
            compiled
                .list
                .iter()
                .map(|p| &p.segments)
                .chain([national.segments()]),
        );
        Ok(Extractor {
            compiled,
            base64: decode::base64_searcher()?,
            region: None,
            national,
            text,
        })
    }

    /// The stretches of `text` any scanner can match in (all of it without a plan).
    fn stretches(&self, text: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        match &self.text {
            Some(t) => t.ranges(text, &mut |lo, hi| {
                out.push((lo, hi));
                true
            }),
            None => out.push((0, text.len())),
        }
        out
    }

    /// Also reports phone numbers in the national form of `region` (an ISO 3166 code such as
    /// `GB`), normalised to E.164 with libphonenumber's rules.
    pub fn with_region(mut self, region: &str) -> Result<Self, String> {
        let id = region
            .to_ascii_uppercase()
            .parse::<phonenumber::country::Id>()
            .map_err(|_| {
                format!("unknown region `{region}` (expected an ISO 3166 code such as GB)")
            })?;
        self.region = Some(id);
        Ok(self)
    }

    /// Scans one whole slice (offsets are into the slice).
    pub fn scan_slice(&self, buf: &[u8]) -> Vec<Feature> {
        let mut out = Vec::new();
        self.scan_window(buf, 0, 0, buf.len() as u64, &mut out);
        out
    }

    /// Scans `buf`, which holds stream bytes from `base`; keeps features whose first byte lies
    /// in `[from, to)` (absolute offsets), sorted by offset.
    pub fn scan_window(&self, buf: &[u8], base: u64, from: u64, to: u64, out: &mut Vec<Feature>) {
        let start = out.len();
        self.scan_ascii(buf, base, from, to, out);
        self.scan_utf16(buf, base, from, to, out);
        if let Some(tail) = out.get_mut(start..) {
            tail.sort_by(|a, b| {
                (a.offset, a.encoding, a.kind).cmp(&(b.offset, b.encoding, b.kind))
            });
        }
    }

    #[allow(clippy::too_many_arguments)] // one call site per encoding
    fn run(
        &self,
        text: &[u8],
        map: &dyn Fn(usize) -> u64,
        raw: &[u8],
        base: u64,
        enc: Encoding,
        from: u64,
        to: u64,
        out: &mut Vec<Feature>,
    ) {
        let stretches = self.stretches(text);
        for p in &self.compiled.list {
            let sc = p.scanner;
            let mut each = |ms: usize, me: usize| -> bool {
                let abs = map(ms);
                if abs < from {
                    return true;
                }
                if abs >= to {
                    return false;
                }
                let Some(mut mbytes) = text.get(ms..me) else {
                    return true;
                };
                if let Some(trim) = sc.trim {
                    match trim(mbytes) {
                        Some(n) => mbytes = mbytes.get(..n).unwrap_or(mbytes),
                        None => return true,
                    }
                }
                let m_end = ms + mbytes.len();
                let mut before = text.get(ms.saturating_sub(32)..ms).unwrap_or_default();
                let after = text
                    .get(m_end..(m_end + 32).min(text.len()))
                    .unwrap_or_default();
                // UTF-16 strings are often split by NUL padding from their labels (a version
                // resource's "FileVersion" … "1.1.0.14"): look back across it.
                let projected: Vec<u8>;
                if enc == Encoding::Utf16le && ms < 32 {
                    let rs = (abs - base) as usize;
                    projected = raw
                        .get(rs.saturating_sub(96)..rs)
                        .unwrap_or_default()
                        .iter()
                        .copied()
                        .filter(|&c| c != 0)
                        .collect();
                    before = &projected;
                }
                let verdict = (sc.validate)(mbytes, before, after);
                if verdict == Verdict::Reject {
                    return true;
                }
                let value = String::from_utf8_lossy(mbytes).into_owned();
                let end_abs =
                    map(m_end.saturating_sub(1)) + if enc == Encoding::Utf16le { 2 } else { 1 };
                let len = end_abs - abs;
                let normalized = (sc.normalize)(&value);
                let validated = match verdict {
                    Verdict::Valid => Some(true),
                    Verdict::Invalid => Some(false),
                    _ => None,
                };
                // Domains come with every email and URL host.
                let host = match sc.kind {
                    "email" => normalized.split_once('@').map(|(_, d)| d.to_string()),
                    "url" => host_of(&normalized).map(str::to_string),
                    _ => None,
                };
                let context = context_of(raw, base, abs, end_abs);
                if let Some(h) = host {
                    let pos = value.to_ascii_lowercase().find(&h).unwrap_or(0);
                    let step = if enc == Encoding::Utf16le { 2 } else { 1 };
                    out.push(Feature {
                        kind: "domain",
                        offset: abs + (pos as u64) * step,
                        len: h.len() as u64 * step,
                        value: value.get(pos..pos + h.len()).unwrap_or(&h).to_string(),
                        normalized: h,
                        validated: None,
                        encoding: enc,
                        context: context.clone(),
                    });
                }
                out.push(Feature {
                    kind: sc.kind,
                    offset: abs,
                    len,
                    value,
                    normalized,
                    validated,
                    encoding: enc,
                    context,
                });
                true
            };
            if !anchor::Text::joins(&p.segments) {
                p.for_each(text, &mut each);
                continue;
            }
            for &(lo, hi) in &stretches {
                let mut go = true;
                p.for_each(text.get(lo..hi).unwrap_or_default(), &mut |ms, me| {
                    go = each(lo + ms, lo + me);
                    go
                });
                if !go {
                    break;
                }
            }
        }
    }

    /// National-form phone numbers (only with a region), normalised by libphonenumber.
    #[allow(clippy::too_many_arguments)] // one call site per encoding
    fn run_national(
        &self,
        text: &[u8],
        map: &dyn Fn(usize) -> u64,
        raw: &[u8],
        base: u64,
        enc: Encoding,
        from: u64,
        to: u64,
        out: &mut Vec<Feature>,
    ) {
        let Some(region) = self.region else { return };
        let mut each = |ms: usize, me: usize| -> bool {
            let abs = map(ms);
            if abs < from {
                return true;
            }
            if abs >= to {
                return false;
            }
            let mbytes = text.get(ms..me).unwrap_or_default();
            let before = text.get(..ms).and_then(|b| b.last());
            let after = text.get(me).copied();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'+')
                || after.is_some_and(|c| c.is_ascii_digit())
            {
                return true;
            }
            let value = String::from_utf8_lossy(mbytes).into_owned();
            let Ok(n) = phonenumber::parse(Some(region), &value) else {
                return true;
            };
            let digits = n.national().value().to_string().len();
            if !(7..=12).contains(&digits) {
                return true;
            }
            let normalized = n.format().mode(phonenumber::Mode::E164).to_string();
            let step = if enc == Encoding::Utf16le { 2 } else { 1 };
            let len = mbytes.len() as u64 * step;
            let context = context_of(raw, base, abs, abs + len);
            out.push(Feature {
                kind: "phone",
                offset: abs,
                len,
                value,
                normalized,
                validated: None,
                encoding: enc,
                context,
            });
            true
        };
        if !anchor::Text::joins(self.national.segments()) {
            self.national.for_each(text, &mut each);
            return;
        }
        for (lo, hi) in self.stretches(text) {
            let mut go = true;
            self.national
                .for_each(text.get(lo..hi).unwrap_or_default(), &mut |ms, me| {
                    go = each(lo + ms, lo + me);
                    go
                });
            if !go {
                break;
            }
        }
    }

    fn scan_ascii(&self, buf: &[u8], base: u64, from: u64, to: u64, out: &mut Vec<Feature>) {
        self.run(
            buf,
            &|i| base + i as u64,
            buf,
            base,
            Encoding::Ascii,
            from,
            to,
            out,
        );
        self.run_national(
            buf,
            &|i| base + i as u64,
            buf,
            base,
            Encoding::Ascii,
            from,
            to,
            out,
        );
    }

    /// Finds runs of UTF-16LE printable ASCII (at least 6 characters), transcodes them and
    /// scans the text, mapping offsets back to the stream.
    fn scan_utf16(&self, buf: &[u8], base: u64, from: u64, to: u64, out: &mut Vec<Feature>) {
        let mut text = Vec::new();
        let mut pos = 0usize;
        while let Some((run_start, run_end)) = next_utf16_run(buf, pos) {
            text.clear();
            text.extend(
                buf.get(run_start..run_end)
                    .unwrap_or_default()
                    .iter()
                    .step_by(2),
            );
            if text.len() >= 6 {
                let rb = base + run_start as u64;
                let map = |k: usize| rb + 2 * k as u64;
                self.run(&text, &map, buf, base, Encoding::Utf16le, from, to, out);
                self.run_national(&text, &map, buf, base, Encoding::Utf16le, from, to, out);
            }
            pos = run_end;
        }
    }

    /// Scans a stream page by page, each page read with a margin either side, reporting every
    /// feature once with its offset in the stream. Returns the number of bytes read.
    pub fn scan_reader(
        &self,
        r: &mut dyn Read,
        page: usize,
        emit: &mut dyn FnMut(Feature),
    ) -> io::Result<u64> {
        let page = page.max(MARGIN);
        let mut buf: Vec<u8> = Vec::with_capacity(page + 2 * MARGIN);
        let mut buf_start = 0u64; // stream offset of buf[0]
        let mut report = 0u64; // next offset to report from
        let mut eof = false;
        loop {
            // Fill to report + page + MARGIN.
            let want = (report + page as u64 + MARGIN as u64 - buf_start) as usize;
            while !eof && buf.len() < want {
                let old = buf.len();
                buf.resize(want, 0);
                match r.read(buf.get_mut(old..).unwrap_or_default()) {
                    Ok(0) => {
                        buf.truncate(old);
                        eof = true;
                    }
                    Ok(n) => buf.truncate(old + n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => buf.truncate(old),
                    Err(e) => {
                        buf.truncate(old);
                        return Err(e);
                    }
                }
            }
            let end = buf_start + buf.len() as u64;
            let to = if eof { end } else { report + page as u64 };
            let mut found = Vec::new();
            self.scan_window(&buf, buf_start, report, to, &mut found);
            for f in found {
                emit(f);
            }
            if eof && to >= end {
                return Ok(end);
            }
            report = to;
            let keep_from = report.saturating_sub(MARGIN as u64).max(buf_start);
            let drop = (keep_from - buf_start) as usize;
            buf.drain(..drop);
            buf_start = keep_from;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn kinds(v: &[Feature]) -> Vec<(&str, &str)> {
        v.iter().map(|f| (f.kind, f.normalized.as_str())).collect()
    }

    /// Random bytes, short and long runs of text and features, glued at random (fixed seed).
    fn mixture(seed: u64, len: usize) -> Vec<u8> {
        const TEXT: &[u8] = b"Bob <Bob.Smith@Example.ORG> see https://Files.Example.net/a?b=1 \
            from 192.168.10.5 fe80::1ff:fe23:4567:890a mac 00:1A:2B:3C:4D:5E card \
            4111-1111-1111-1111 iban GB82 WEST 1234 5698 7654 32 btc \
            1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa call +44 7700 900123 or 07700 900123 \
            www.example.co.uk. ";
        let mut x = seed | 1;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut out = Vec::with_capacity(len + TEXT.len());
        while out.len() < len {
            let r = next();
            let n = (r >> 8) as usize % 40;
            match r % 4 {
                0 => {
                    let at = (r >> 20) as usize % TEXT.len();
                    let take = (n * 5).min(TEXT.len() - at);
                    out.extend_from_slice(&TEXT[at..at + take]);
                }
                1 => out.extend_from_slice(TEXT),
                _ => (0..n * 3).for_each(|_| out.push(next() as u8)),
            }
        }
        out
    }

    #[test]
    fn the_joint_prefilter_loses_nothing() {
        let joint = Extractor::new().unwrap();
        assert!(joint.text.is_some(), "no joint plan");
        let mut plain = Extractor::new().unwrap();
        plain.text = None;
        let mut total = 0;
        for region in [None, Some("GB")] {
            let (mut a, mut b) = (Extractor::new().unwrap(), Extractor::new().unwrap());
            b.text = None;
            if let Some(r) = region {
                a = a.with_region(r).unwrap();
                b = b.with_region(r).unwrap();
            }
            for seed in 1..=30u64 {
                let hay = mixture(seed, 40_000);
                let (x, y) = (a.scan_slice(&hay), b.scan_slice(&hay));
                assert_eq!(x, y, "seed {seed}, region {region:?}");
                total += x.len();
            }
        }
        assert!(total > 1000, "only {total} features compared");
        // Random bytes alone: what the plain search finds, the joint one finds.
        let mut x = 7u64;
        let random: Vec<u8> = (0..200_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        assert_eq!(joint.scan_slice(&random), plain.scan_slice(&random));
    }

    #[test]
    fn every_kind_and_near_misses() {
        let x = Extractor::new().unwrap();
        let text =
            b"Bob <Bob.Smith@Example.ORG> see https://Files.Example.net/a?b=1 from 192.168.10.5 \
            and fe80::1ff:fe23:4567:890a Server 10.20.30.40 mac 00:1A:2B:3C:4D:5E card 4111-1111-1111-1111 \
            iban GB82 WEST 1234 5698 7654 32 btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa \
            eth 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed call +44 7700 900123 see www.example.co.uk. pay GB66 KVTF 5908 1203 6309 42 ";
        let found = x.scan_slice(text);
        let got = kinds(&found);
        for want in [
            ("email", "bob.smith@example.org"),
            ("domain", "example.org"),
            ("url", "https://files.example.net/a?b=1"),
            ("domain", "files.example.net"),
            ("ipv4", "192.168.10.5"),
            ("ipv4", "10.20.30.40"),
            ("ipv6", "fe80::1ff:fe23:4567:890a"),
            ("mac", "00:1a:2b:3c:4d:5e"),
            ("card", "4111111111111111"),
            ("iban", "GB82WEST12345698765432"),
            ("btc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
            ("eth", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
            ("phone", "+447700900123"),
            ("domain", "www.example.co.uk"),
            ("iban", "GB66KVTF59081203630942"),
        ] {
            assert!(got.contains(&want), "{want:?} not in {got:?}");
        }
        assert_eq!(
            got.iter().filter(|(k, _)| *k == "card").count(),
            1,
            "the IBAN's tail is no card: {got:?}"
        );
        let misses = b"luhn 4111 1111 1111 1112 btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb ver 1.2.3.4.5 \
            iban GB82WEST12345698765433 eth 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD time 12:34:56 \
            version 10.0.0.1 build: 6.1.7601.17514 FileVersion 2.3.4.5 f:: ::B 1.2.3.256 readme.md System.Text.Encoding config.json \
            +@6E.VQ aBc::f";
        let got = x.scan_slice(misses);
        assert!(got.is_empty(), "{:?}", kinds(&got));
    }

    #[test]
    fn national_phone_numbers_need_a_region() {
        let text = b"ring 07700 900123 or (0161) 496 0000, not 0123";
        assert!(Extractor::new().unwrap().scan_slice(text).is_empty());
        let x = Extractor::new().unwrap().with_region("gb").unwrap();
        let got: Vec<(u64, String)> = x
            .scan_slice(text)
            .into_iter()
            .map(|f| (f.offset, f.normalized))
            .collect();
        assert_eq!(
            got,
            [
                (5, "+447700900123".to_string()),
                (21, "+441614960000".to_string())
            ]
        );
        assert!(Extractor::new().unwrap().with_region("XX").is_err());
    }

    #[test]
    fn utf16le_runs_are_those_of_a_byte_by_byte_walk() {
        // The walk that `next_utf16_run` replaces: every position in turn, a run taken whole.
        fn walk(buf: &[u8]) -> Vec<(usize, usize)> {
            let (mut i, mut runs) = (0usize, Vec::new());
            while i + 1 < buf.len() {
                if !utf16_char_at(buf, i) {
                    i += 1;
                    continue;
                }
                let s = i;
                while utf16_char_at(buf, i) {
                    i += 2;
                }
                if (i - s) / 2 >= 6 {
                    runs.push((s, i));
                }
            }
            runs
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..200 {
            let mut buf = Vec::new();
            while buf.len() < 3000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                match x % 5 {
                    0 => buf.extend(std::iter::repeat_n(0, (x >> 8) as usize % 40)),
                    1 => buf.push((x >> 8) as u8),
                    _ => {
                        for _ in 0..(x >> 8) % 12 {
                            buf.extend([b'a' + (buf.len() % 26) as u8, 0]);
                        }
                    }
                }
            }
            let mut got = Vec::new();
            let mut pos = 0;
            while let Some((s, e)) = next_utf16_run(&buf, pos) {
                got.push((s, e));
                pos = e;
            }
            assert_eq!(got, walk(&buf), "round {round}");
        }
    }

    #[test]
    fn utf16le_text_is_found_with_stream_offsets() {
        let x = Extractor::new().unwrap();
        let mut buf = vec![0xffu8; 7];
        let at = buf.len();
        for c in "mail carol@example.com!".encode_utf16() {
            buf.extend(c.to_le_bytes());
        }
        let f: Vec<Feature> = x
            .scan_slice(&buf)
            .into_iter()
            .filter(|f| f.kind == "email")
            .collect();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].encoding, Encoding::Utf16le);
        assert_eq!(f[0].offset, (at + 10) as u64);
        assert_eq!(f[0].len, 2 * "carol@example.com".len() as u64);
        assert_eq!(f[0].normalized, "carol@example.com");
    }

    #[test]
    fn a_feature_across_a_page_edge_is_reported_once() {
        let x = Extractor::new().unwrap();
        let page = 64 * 1024;
        for shift in [0usize, 1, 5, 9, 20, 40] {
            let mut data = vec![b' '; 3 * page];
            let email = b"dave.jones@example.net";
            let at = page - shift;
            data[at..at + email.len()].copy_from_slice(email);
            let card = b"5555 5555 5555 4444";
            let at2 = 2 * page - 7;
            data[at2..at2 + card.len()].copy_from_slice(card);
            let mut got = Vec::new();
            x.scan_reader(&mut &data[..], page, &mut |f| got.push(f))
                .unwrap();
            let emails: Vec<u64> = got
                .iter()
                .filter(|f| f.kind == "email")
                .map(|f| f.offset)
                .collect();
            assert_eq!(emails, [at as u64], "shift {shift}");
            let cards: Vec<u64> = got
                .iter()
                .filter(|f| f.kind == "card")
                .map(|f| f.offset)
                .collect();
            assert_eq!(cards, [at2 as u64], "shift {shift}");
            assert_eq!(got.iter().filter(|f| f.kind == "domain").count(), 1);
            // Same result as scanning the whole buffer at once.
            assert_eq!(got, x.scan_slice(&data));
        }
    }
}
