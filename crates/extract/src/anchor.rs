//! Where a scanner's regex needs to run. Every pattern can only match bytes of a class derived
//! from its syntax tree (`[a-z0-9._%+@-]` for email), so a haystack falls apart into
//! *segments*, the maximal runs of that class, and no match crosses from one segment into the
//! next. Searching each segment on its own, with the byte either side as context for `\b`,
//! gives exactly the matches a search of the whole haystack gives, in the same order; and a
//! segment that holds no *anchor* (a byte or literal every match contains: `@` for email) or is
//! shorter than the shortest match cannot hold a match at all. The anchors are found with
//! `memchr` or vectorisable byte-pair searches, so the regex runs on a small fraction of
//! text and on next to nothing of random or compressed data.

use regex::bytes::Regex;
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// How the bytes every match contains are found.
#[derive(Debug, Clone, Copy)]
pub enum Find {
    /// One of these bytes (one to three of them).
    Byte(&'static [u8]),
    /// This literal (looked for by its first byte, which should be rare).
    Literal(&'static [u8]),
    /// An ASCII digit.
    Digit,
    /// A byte of the first kind with one of the second this many bytes after it (the
    /// candidate is the first).
    Apart(Kind, usize, Kind),
    /// No anchor: every segment at least as long as the shortest match is searched.
    Any,
}

/// A kind of byte, for [`Find::Apart`].
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// This byte.
    Is(u8),
    /// One of these two bytes.
    Either(u8, u8),
    /// An ASCII digit.
    Digit,
    /// An ASCII letter.
    Letter,
    /// An ASCII letter or digit.
    Alnum,
    /// A byte in this range (inclusive).
    Range(u8, u8),
}

/// Binds `$f` to the byte test of kind `$k` (a closure the compiler can inline and vectorise)
/// and evaluates `$body`.
macro_rules! with_kind {
    ($k:expr, $f:ident => $body:expr) => {
        match $k {
            Kind::Is(x) => {
                let $f = move |c: u8| c == x;
                $body
            }
            Kind::Either(x, y) => {
                let $f = move |c: u8| (c == x) | (c == y);
                $body
            }
            Kind::Digit => {
                let $f = digit;
                $body
            }
            Kind::Letter => {
                let $f = letter;
                $body
            }
            Kind::Alnum => {
                let $f = move |c: u8| digit(c) | letter(c);
                $body
            }
            Kind::Range(lo, hi) => {
                let $f = move |c: u8| c.wrapping_sub(lo) <= hi.wrapping_sub(lo);
                $body
            }
        }
    };
}

impl Kind {
    /// Every byte of this kind.
    fn bytes(self) -> Vec<u8> {
        with_kind!(self, f => (0..=255u8).filter(|&b| f(b)).collect())
    }
}

/// What every match of a pattern contains: found by `find`, and kept only where `near` (given
/// the haystack and the position found) holds.
#[derive(Debug, Clone, Copy)]
pub struct Anchor {
    /// How candidates are found.
    pub find: Find,
    /// A test of the bytes around a candidate; `None` keeps every one.
    pub near: Option<fn(hay: &[u8], at: usize) -> bool>,
}

impl Anchor {
    /// An anchor found by `find` alone.
    pub const fn new(find: Find) -> Self {
        Anchor { find, near: None }
    }

    /// An anchor found by `find` where `near` holds.
    pub const fn near(find: Find, near: fn(&[u8], usize) -> bool) -> Self {
        Anchor {
            find,
            near: Some(near),
        }
    }
}

/// A pattern's segment plan: its byte class, shortest match and anchor.
pub struct Segments {
    class: [bool; 256],
    min_len: usize,
    anchor: Anchor,
    /// False when the pattern's syntax rules the plan out (look-around other than ASCII word
    /// boundaries, an empty match): then the whole haystack is searched.
    exact: bool,
}

/// Marks in `class` every byte `hir` can match. `false` when that cannot be told (a Unicode
/// class reaching beyond ASCII is taken as every byte from 0x80 up, still a superset).
fn collect(hir: &Hir, class: &mut [bool; 256]) {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => {
            for &b in lit.0.iter() {
                if let Some(c) = class.get_mut(usize::from(b)) {
                    *c = true;
                }
            }
        }
        HirKind::Class(Class::Bytes(c)) => {
            for r in c.ranges() {
                for b in r.start()..=r.end() {
                    if let Some(c) = class.get_mut(usize::from(b)) {
                        *c = true;
                    }
                }
            }
        }
        HirKind::Class(Class::Unicode(c)) => {
            for r in c.ranges() {
                let (lo, hi) = (u32::from(r.start()), u32::from(r.end()));
                for b in lo.min(0x100)..=hi.min(0xff) {
                    if let Some(c) = class.get_mut(b as usize) {
                        *c = true;
                    }
                }
                if hi >= 0x80 {
                    for c in class.iter_mut().skip(0x80) {
                        *c = true;
                    }
                }
            }
        }
        HirKind::Repetition(r) => collect(&r.sub, class),
        HirKind::Capture(c) => collect(&c.sub, class),
        HirKind::Concat(v) | HirKind::Alternation(v) => {
            for h in v {
                collect(h, class);
            }
        }
    }
}

impl Segments {
    /// The plan for `pattern` (as compiled by `regex::bytes::Regex`) with `anchor`.
    pub fn new(pattern: &str, anchor: Anchor) -> Self {
        let mut class = [false; 256];
        let mut min_len = 0;
        let mut exact = false;
        if let Ok(hir) = regex_syntax::ParserBuilder::new()
            .utf8(false)
            .build()
            .parse(pattern)
        {
            collect(&hir, &mut class);
            let looks = hir
                .properties()
                .look_set()
                .remove(Look::WordAscii)
                .remove(Look::WordAsciiNegate);
            min_len = hir.properties().minimum_len().unwrap_or(0);
            exact = looks.is_empty() && min_len > 0;
        }
        // Candidates must be bytes of the class (a literal: its first byte); digits outside it
        // are skipped one by one.
        let in_class = |b: &u8| class.get(usize::from(*b)).copied().unwrap_or(false);
        let usable = match anchor.find {
            Find::Byte(b) => (1..=3).contains(&b.len()) && b.iter().all(in_class),
            Find::Literal(l) => l.first().is_some_and(in_class),
            Find::Apart(first, d, _) => d > 0 && first.bytes().iter().all(in_class),
            Find::Digit | Find::Any => true,
        };
        exact &= usable;
        Segments {
            class,
            min_len,
            anchor,
            exact,
        }
    }

    /// Whether segments are used (otherwise the whole haystack is searched).
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    /// The bytes a match can contain.
    pub fn class(&self) -> &[bool; 256] {
        &self.class
    }

    /// The length of the shortest match.
    pub fn min_len(&self) -> usize {
        self.min_len
    }

    /// Whether byte `b` can be part of a match.
    fn in_class(&self, b: u8) -> bool {
        self.class.get(usize::from(b)).copied().unwrap_or(false)
    }

    /// The next candidate position at or after `from`.
    fn next_anchor(&self, hay: &[u8], from: usize) -> Option<usize> {
        let rest = hay.get(from..)?;
        let p = match self.anchor.find {
            Find::Byte([a]) => memchr::memchr(*a, rest),
            Find::Byte([a, b]) => memchr::memchr2(*a, *b, rest),
            Find::Byte([a, b, c]) => memchr::memchr3(*a, *b, *c, rest),
            Find::Literal(l) => find_literal(l, rest),
            Find::Digit => find_digit(rest),
            Find::Apart(a, d, b) => find_apart(a, d, b, rest),
            Find::Byte(_) | Find::Any => None,
        };
        p.map(|p| from + p)
    }

    /// Calls `visit(start, end)` for every match of `re` (compiled from this plan's pattern) in
    /// `hay`, in order, exactly as `re.find_iter(hay)` would, until `visit` returns false.
    pub fn for_each(&self, re: &Regex, hay: &[u8], visit: &mut dyn FnMut(usize, usize) -> bool) {
        if !self.exact {
            for m in re.find_iter(hay) {
                if !visit(m.start(), m.end()) {
                    return;
                }
            }
            return;
        }
        let mut pos = 0usize;
        while let Some((s, e)) = self.next_segment(hay, pos) {
            // One byte either side, so that `\b` sees what the whole haystack shows.
            let lo = s.saturating_sub(1);
            let sub = hay.get(lo..(e + 1).min(hay.len())).unwrap_or_default();
            let mut at = s - lo;
            while let Some(m) = re.find_at(sub, at) {
                if !visit(lo + m.start(), lo + m.end()) {
                    return;
                }
                at = m.end().max(m.start() + 1);
                if at >= sub.len() {
                    break;
                }
            }
            pos = e;
        }
    }

    /// The next segment, starting at or after `pos`, that can hold a match: `[start, end)`.
    /// `pos` is 0 or follows a byte outside the class, or lies in a segment none of whose
    /// anchors before `pos` passed `near`.
    fn next_segment(&self, hay: &[u8], mut pos: usize) -> Option<(usize, usize)> {
        let len = hay.len();
        if let Find::Any = self.anchor.find {
            return self.next_long_run(hay, pos);
        }
        loop {
            let hit = self.next_anchor(hay, pos)?;
            let byte = hay.get(hit).copied().unwrap_or(0);
            if !self.in_class(byte) || self.anchor.near.is_some_and(|near| !near(hay, hit)) {
                pos = hit + 1;
                continue;
            }
            let mut s = hit;
            while s > 0 && hay.get(s - 1).is_some_and(|&b| self.in_class(b)) {
                s -= 1;
            }
            let mut e = hit + 1;
            while e < len && hay.get(e).is_some_and(|&b| self.in_class(b)) {
                e += 1;
            }
            if e - s >= self.min_len {
                return Some((s, e));
            }
            pos = e;
        }
    }

    /// The next run of class bytes at least `min_len` long, starting at or after `pos` (0 or
    /// just after a byte outside the class): probes every `min_len`-th byte, so a haystack of
    /// short runs costs a fraction of its length.
    fn next_long_run(&self, hay: &[u8], mut pos: usize) -> Option<(usize, usize)> {
        let len = hay.len();
        let step = self.min_len.max(1);
        loop {
            let probe = pos + step - 1;
            let b = *hay.get(probe)?;
            if !self.in_class(b) {
                pos = probe + 1;
                continue;
            }
            let mut s = probe;
            while s > pos && hay.get(s - 1).is_some_and(|&b| self.in_class(b)) {
                s -= 1;
            }
            let mut e = probe + 1;
            while e < len && hay.get(e).is_some_and(|&b| self.in_class(b)) {
                e += 1;
            }
            if e - s >= self.min_len {
                return Some((s, e));
            }
            pos = e + 1;
        }
    }
}

/// The shortest match a plan in a [`Text`] union may have.
const MIN_JOINT: usize = 6;

/// Stretches of [`Text::ranges`] at most this far apart are joined.
const JOIN: usize = 64;

/// Where any of several exact plans can match: the union of their classes and the shortest of
/// their shortest matches. A match of any of them lies in a run of union bytes at least that
/// long, so [`Text::ranges`] can pass over random and compressed bytes once for all of them.
pub struct Text {
    class: [bool; 256],
    min_len: usize,
}

impl Text {
    /// Whether `plan` joins the union: exact, and with matches long enough that probing every
    /// `min_len`-th byte skips most of random data.
    pub fn joins(plan: &Segments) -> bool {
        plan.exact && plan.min_len >= MIN_JOINT
    }

    /// The union of the `plans` that [`Text::joins`] admits (`None` if it admits none).
    pub fn union<'a>(plans: impl IntoIterator<Item = &'a Segments>) -> Option<Text> {
        let mut class = [false; 256];
        let mut min_len = usize::MAX;
        for p in plans {
            if !Text::joins(p) {
                continue;
            }
            for (u, c) in class.iter_mut().zip(p.class.iter()) {
                *u |= *c;
            }
            min_len = min_len.min(p.min_len);
        }
        (min_len != usize::MAX && min_len > 0).then_some(Text { class, min_len })
    }

    fn is(&self, b: u8) -> bool {
        self.class.get(usize::from(b)).copied().unwrap_or(false)
    }

    /// Calls `visit(lo, hi)`, in order, for disjoint stretches of `hay` that hold every run
    /// of class bytes at least `min_len` long, with the byte either side (outside the class)
    /// as context; stops when `visit` returns false. No run crosses a stretch's edge, so an
    /// exact plan finds the same matches in the stretches as in all of `hay`.
    ///
    /// Only every `min_len`-th byte is probed outside runs: a long enough run holds a probe.
    pub fn ranges(&self, hay: &[u8], visit: &mut dyn FnMut(usize, usize) -> bool) {
        let k = self.min_len;
        let len = hay.len();
        let is_at = |i: usize| hay.get(i).is_some_and(|&b| self.is(b));
        let mut pending: Option<(usize, usize)> = None;
        let mut probe = k - 1;
        while probe < len {
            if !is_at(probe) {
                probe += k;
                continue;
            }
            // A chain of probes in the class, between two outside it (or the ends).
            let first = probe;
            let mut last = probe;
            while is_at(last + k) {
                last += k;
            }
            let lo = first.saturating_sub(k);
            let end = last + k; // outside the class, or past the end
            // A long chain is text: kept whole. A short one may be random bytes: kept only if
            // one of its probes lies in a run long enough for a match.
            let keep = last - first >= 2 * k
                || (first..=last).step_by(k).any(|q| {
                    let mut a = q;
                    while a > lo && is_at(a - 1) {
                        a -= 1;
                    }
                    let mut b = q + 1;
                    while b < end.min(len) && is_at(b) {
                        b += 1;
                    }
                    b - a >= k
                });
            if keep {
                let hi = (end + 1).min(len);
                pending = match pending {
                    // Close stretches are searched as one: fewer searches, same matches.
                    Some((plo, phi)) if lo <= phi + JOIN => Some((plo, hi)),
                    Some((plo, phi)) => {
                        if !visit(plo, phi) {
                            return;
                        }
                        Some((lo, hi))
                    }
                    None => Some((lo, hi)),
                };
            }
            probe = end + k;
        }
        if let Some((lo, hi)) = pending {
            visit(lo, hi);
        }
    }
}

/// A regex with its segment plan.
pub struct Searcher {
    regex: Regex,
    segments: Segments,
}

impl Searcher {
    /// The segment plan.
    pub fn segments(&self) -> &Segments {
        &self.segments
    }

    /// Compiles `pattern` (a byte regex) with `anchor`.
    pub fn new(pattern: &str, anchor: Anchor) -> Result<Self, regex::Error> {
        Ok(Searcher {
            regex: Regex::new(pattern)?,
            segments: Segments::new(pattern, anchor),
        })
    }

    /// Calls `visit(start, end)` for every match in `hay`, as `find_iter` would yield them,
    /// until it returns false.
    pub fn for_each(&self, hay: &[u8], visit: &mut dyn FnMut(usize, usize) -> bool) {
        self.segments.for_each(&self.regex, hay, visit);
    }
}

#[inline(always)]
fn digit(b: u8) -> bool {
    b.wrapping_sub(b'0') < 10
}

#[inline(always)]
fn letter(b: u8) -> bool {
    (b | 0x20).wrapping_sub(b'a') < 26
}

/// The first `i` with `a(hay[i])` and `b(hay[i + d])`, looked for 32 positions at a time
/// with a test the compiler turns into vector compares.
#[inline(always)]
fn find_pair(
    hay: &[u8],
    d: usize,
    a: impl Fn(u8) -> bool,
    b: impl Fn(u8) -> bool,
) -> Option<usize> {
    let mut i = 0usize;
    while let (Some(x), Some(y)) = (hay.get(i..i + 32), hay.get(i + d..i + d + 32)) {
        let any = x
            .iter()
            .zip(y)
            .fold(0u8, |acc, (&p, &q)| acc | (u8::from(a(p)) & u8::from(b(q))));
        if any != 0 {
            break;
        }
        i += 32;
    }
    let x = hay.get(i..)?;
    let y = hay.get(i + d..)?;
    x.iter()
        .zip(y)
        .position(|(&p, &q)| a(p) && b(q))
        .map(|p| i + p)
}

/// [`find_pair`] for two kinds of byte `d` apart. A first kind of one or two bytes is looked
/// for with `memchr` first, which is faster while it is rare; after a few candidates whose
/// second byte does not fit, the vector search takes over.
fn find_apart(a: Kind, d: usize, b: Kind, hay: &[u8]) -> Option<usize> {
    let mut from = 0usize;
    if let Kind::Is(_) | Kind::Either(..) = a {
        for _ in 0..8 {
            let rest = hay.get(from..)?;
            let p = match a {
                Kind::Either(x, y) => memchr::memchr2(x, y, rest),
                Kind::Is(x) => memchr::memchr(x, rest),
                _ => None,
            }?;
            let at = from + p;
            let second = hay.get(at + d).copied();
            if second.is_some_and(|c| with_kind!(b, fb => fb(c))) {
                return Some(at);
            }
            from = at + 1;
        }
    }
    let rest = hay.get(from..)?;
    with_kind!(a, fa => with_kind!(b, fb => find_pair(rest, d, fa, fb))).map(|p| from + p)
}

/// The first occurrence of `lit` in `hay`, found by its first byte.
fn find_literal(lit: &[u8], hay: &[u8]) -> Option<usize> {
    let (&first, rest) = lit.split_first()?;
    let mut from = 0;
    while let Some(p) = memchr::memchr(first, hay.get(from..)?) {
        let at = from + p;
        if hay.get(at + 1..at + lit.len()) == Some(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The first ASCII digit in `hay`, looked for 32 bytes at a time.
fn find_digit(hay: &[u8]) -> Option<usize> {
    let mut chunks = hay.chunks_exact(32);
    let mut at = 0usize;
    for c in chunks.by_ref() {
        let any = c
            .iter()
            .fold(0u8, |a, &b| a | u8::from(b.wrapping_sub(b'0') < 10));
        if any != 0 {
            return c.iter().position(u8::is_ascii_digit).map(|p| at + p);
        }
        at += 32;
    }
    chunks
        .remainder()
        .iter()
        .position(u8::is_ascii_digit)
        .map(|p| at + p)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_lengths_come_from_the_pattern() {
        let s = Segments::new(r"(?i-u)\b[a-z]{2}@x", Anchor::new(Find::Byte(b"@")));
        assert!(s.exact);
        assert_eq!(s.min_len, 4);
        let bytes: Vec<u8> = (0..=255u8).filter(|&b| s.in_class(b)).collect();
        let mut want: Vec<u8> = (b'a'..=b'z').chain(b'A'..=b'Z').collect();
        want.extend(b"@");
        want.sort();
        assert_eq!(bytes, want);
        // An anchor outside the class, or a line anchor, rules the plan out.
        assert!(!Segments::new(r"(?-u)[a-z]+", Anchor::new(Find::Byte(b"@"))).exact);
        assert!(!Segments::new(r"(?-u)^@[a-z]+", Anchor::new(Find::Byte(b"@"))).exact);
    }

    #[test]
    fn segment_search_equals_whole_search() {
        let pat = r"(?i-u)\b[a-z0-9]{1,3}@[a-z]{2,4}\b";
        let re = Regex::new(pat).unwrap();
        let seg = Segments::new(pat, Anchor::new(Find::Byte(b"@")));
        let hay = b"_ab@cd x@yz@ab a_b@cdef \x00q@rs\xffab@cdefg @@ 1@22 9@ab";
        let whole: Vec<(usize, usize)> = re.find_iter(hay).map(|m| (m.start(), m.end())).collect();
        let mut got = Vec::new();
        seg.for_each(&re, hay, &mut |s, e| {
            got.push((s, e));
            true
        });
        assert_eq!(got, whole);
        assert!(!whole.is_empty());
    }

    #[test]
    fn pairs_are_found_past_chunks() {
        let mut hay = vec![b'x'; 100];
        hay[40] = b'.';
        hay[70] = b'.';
        hay[71] = b'7';
        hay[99] = b'.';
        assert_eq!(find_apart(Kind::Is(b'.'), 1, Kind::Digit, &hay), Some(70));
        assert_eq!(find_apart(Kind::Is(b'.'), 1, Kind::Letter, &hay), Some(40));
        assert_eq!(find_apart(Kind::Digit, 1, Kind::Is(b'.'), &hay), None);
        hay[98] = b'5';
        assert_eq!(find_apart(Kind::Digit, 1, Kind::Is(b'.'), &hay), Some(98));
        assert_eq!(find_apart(Kind::Letter, 1, Kind::Letter, &hay[..1]), None);
        assert_eq!(
            find_apart(Kind::Is(b'.'), 29, Kind::Is(b'.'), &hay),
            Some(70)
        );
        assert_eq!(
            find_apart(Kind::Is(b'.'), 59, Kind::Is(b'.'), &hay),
            Some(40)
        );
        assert_eq!(find_apart(Kind::Is(b'.'), 60, Kind::Is(b'.'), &hay), None);
        assert_eq!(
            find_apart(Kind::Range(b'5', b'7'), 1, Kind::Either(b'.', b'!'), &hay),
            Some(98)
        );
    }

    #[test]
    fn literals_are_found_by_their_first_byte() {
        assert_eq!(find_literal(b"://", b"a: b:/ c://d"), Some(8));
        assert_eq!(find_literal(b"://", b"a: b:/"), None);
        assert_eq!(find_literal(b"0x", b"0"), None);
    }

    #[test]
    fn digits_are_found_past_chunks() {
        let mut hay = vec![b'x'; 100];
        assert_eq!(find_digit(&hay), None);
        hay[77] = b'7';
        assert_eq!(find_digit(&hay), Some(77));
        hay[31] = b'0';
        assert_eq!(find_digit(&hay), Some(31));
    }
}
