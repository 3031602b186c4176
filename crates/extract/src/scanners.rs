//! The feature scanners, as data: each is a byte pattern, a validator and a normaliser. Adding
//! one is one entry in [`SCANNERS`] (see docs/features.md).

use std::net::{Ipv4Addr, Ipv6Addr};

use regex::bytes::Regex;

use crate::anchor::{Anchor, Find, Kind, Segments};
use crate::validate;

/// What a validator concluded about a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Not this kind of feature: drop it.
    Reject,
    /// Plausible; no checksum to test.
    Plain,
    /// A checksum exists and holds.
    Valid,
    /// Kept, but a checksum exists and fails (only where failure is still informative).
    Invalid,
}

/// Shortens a match to the part that is the feature.
pub type TrimFn = fn(m: &[u8]) -> Option<usize>;

/// One scanner: a kind, a pattern, and how to judge and normalise what it matches.
pub struct Scanner {
    /// Feature kind, e.g. `email`.
    pub kind: &'static str,
    /// Byte regex (compiled once).
    pub pattern: &'static str,
    /// What every match contains, found fast; the regex runs only on the runs of bytes the
    /// pattern can match that hold one (see [`crate::anchor`]).
    pub anchor: Anchor,
    /// Shortens a match to the part that belongs to the feature (an IBAN ends after the
    /// length its country fixes), or `None` to keep it whole.
    pub trim: Option<TrimFn>,
    /// Judges a match; gets the match and the bytes before and after it (context).
    pub validate: fn(m: &[u8], before: &[u8], after: &[u8]) -> Verdict,
    /// The normalised value, used to group features across files and evidence.
    pub normalize: fn(m: &str) -> String,
}

fn keep(_: &[u8], _: &[u8], _: &[u8]) -> Verdict {
    Verdict::Plain
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

fn email_ok(m: &[u8], _: &[u8], _: &[u8]) -> Verdict {
    let Some(at) = m.iter().position(|&c| c == b'@') else {
        return Verdict::Reject;
    };
    let (local, domain) = m.split_at(at);
    let domain = domain.get(1..).unwrap_or_default();
    let tld = domain.rsplit(|&c| c == b'.').next().unwrap_or_default();
    if !local.first().is_some_and(u8::is_ascii_alphanumeric)
        || !psl::suffix(&domain.to_ascii_lowercase()).is_some_and(|s| s.is_known())
        || local.starts_with(b".")
        || local.ends_with(b".")
        || tld.len() < 2
        || !tld.iter().all(u8::is_ascii_alphabetic)
        || domain.windows(2).any(|w| w == b"..")
    {
        return Verdict::Reject;
    }
    Verdict::Plain
}

fn url_norm(s: &str) -> String {
    // Scheme and host are case-insensitive; the path is not.
    match s.find("://") {
        Some(i) => {
            let rest = &s[i + 3..];
            let host_end = rest.find('/').unwrap_or(rest.len());
            format!(
                "{}://{}{}",
                s[..i].to_ascii_lowercase(),
                rest[..host_end].to_ascii_lowercase(),
                &rest[host_end..]
            )
        }
        None => s.to_string(),
    }
}

fn ipv4_ok(m: &[u8], before: &[u8], after: &[u8]) -> Verdict {
    let Ok(s) = std::str::from_utf8(m) else {
        return Verdict::Reject;
    };
    if s.parse::<Ipv4Addr>().is_err() {
        return Verdict::Reject; // octet > 255 or leading zeros
    }
    // Part of a longer dotted number (1.2.3.4.5, 10.0.0.1.2): a version string, not an address.
    let prev = before.last().copied();
    if matches!(prev, Some(b'.'))
        && before.len() >= 2
        && before.get(before.len() - 2).is_some_and(u8::is_ascii_digit)
    {
        return Verdict::Reject;
    }
    if after.first() == Some(&b'.') && after.get(1).is_some_and(u8::is_ascii_digit) {
        return Verdict::Reject;
    }
    if matches!(prev, Some(b'v' | b'V')) {
        return Verdict::Reject;
    }
    // "version 1.2.3.4", "ver. 10.0.0.1", "build 5.1.2.3": a software version, not an address.
    let word: Vec<u8> = before
        .iter()
        .rev()
        .skip_while(|c| matches!(c, b' ' | b'.' | b':' | b'=' | b'\t'))
        .take_while(|c| c.is_ascii_alphabetic())
        .map(u8::to_ascii_lowercase)
        .collect();
    let word: Vec<u8> = word.into_iter().rev().collect();
    if word.ends_with(b"version")
        || matches!(
            word.as_slice(),
            b"ver" | b"build" | b"release" | b"firmware"
        )
    {
        return Verdict::Reject;
    }
    Verdict::Plain
}

fn ipv6_ok(m: &[u8], before: &[u8], after: &[u8]) -> Verdict {
    if before
        .last()
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b':')
        || after
            .first()
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b':' || *c == b'.')
    {
        return Verdict::Reject;
    }
    // Addresses are written in one case; "aBc::f" is noise.
    if m.iter().any(u8::is_ascii_lowercase) && m.iter().any(u8::is_ascii_uppercase) {
        return Verdict::Reject;
    }
    let groups = m.split(|&c| c == b':').filter(|g| !g.is_empty()).count();
    let hex = m.iter().filter(|c| c.is_ascii_hexdigit()).count();
    if groups < 2 || hex < 4 {
        return Verdict::Reject; // "::1", "f::", "a:b:c": too little to be told from noise
    }
    let Ok(s) = std::str::from_utf8(m) else {
        return Verdict::Reject;
    };
    let colons = s.bytes().filter(|&c| c == b':').count();
    if colons < 2 || s.parse::<Ipv6Addr>().is_err() {
        return Verdict::Reject;
    }
    if !s.contains("::") && colons != 7 {
        return Verdict::Reject;
    }
    // "::" alone or clock-like digits are not addresses.
    if s.trim_matches(':').is_empty() || s.parse::<Ipv6Addr>().is_ok_and(|a| a.is_unspecified()) {
        return Verdict::Reject;
    }
    Verdict::Plain
}

fn ipv6_norm(s: &str) -> String {
    s.parse::<Ipv6Addr>()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| s.to_ascii_lowercase())
}

fn mac_ok(m: &[u8], _: &[u8], _: &[u8]) -> Verdict {
    let seps: Vec<u8> = m
        .iter()
        .copied()
        .filter(|c| *c == b':' || *c == b'-')
        .collect();
    if seps.windows(2).any(|w| w.first() != w.last()) {
        return Verdict::Reject;
    }
    let hex: Vec<u8> = m.iter().copied().filter(u8::is_ascii_hexdigit).collect();
    if hex.iter().all(|&c| c == b'0') || hex.iter().all(|&c| c == b'f' || c == b'F') {
        return Verdict::Reject;
    }
    Verdict::Plain
}

fn mac_norm(s: &str) -> String {
    s.to_ascii_lowercase().replace('-', ":")
}

fn digits(m: &[u8]) -> Vec<u8> {
    m.iter().copied().filter(u8::is_ascii_digit).collect()
}

fn card_ok(m: &[u8], before: &[u8], after: &[u8]) -> Verdict {
    // Inside a longer run of digits it is not a card number.
    if before.last().is_some_and(u8::is_ascii_digit)
        || after.first().is_some_and(u8::is_ascii_digit)
    {
        return Verdict::Reject;
    }
    let seps: Vec<u8> = m.iter().copied().filter(|c| !c.is_ascii_digit()).collect();
    if seps.windows(2).any(|w| w.first() != w.last()) {
        return Verdict::Reject;
    }
    // The tail of a grouped IBAN ("GB66 KVTF 5908 1203 6309 42"): a group holding letters
    // right before, joined by the same separator.
    if let Some(&sep) = seps.first()
        && before.last() == Some(&sep)
    {
        // Walk back over 4-character upper-case groups; one of them being a country code with
        // check digits (`GB66`) makes this the end of an IBAN.
        let head = before.get(..before.len() - 1).unwrap_or_default();
        for g in head.rsplit(|&c| c == sep).take(8) {
            if g.len() != 4
                || !g
                    .iter()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            {
                break;
            }
            if g.get(..2)
                .is_some_and(|p| p.iter().all(u8::is_ascii_uppercase))
                && g.get(2..).is_some_and(|p| p.iter().all(u8::is_ascii_digit))
            {
                return Verdict::Reject;
            }
        }
    }
    let d = digits(m);
    if validate::card_scheme(&d).is_some() && validate::luhn(&d) {
        Verdict::Valid
    } else {
        Verdict::Reject
    }
}

fn card_norm(s: &str) -> String {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(char::from)
        .collect()
}

fn iban_ok(m: &[u8], before: &[u8], _: &[u8]) -> Verdict {
    if before.last().is_some_and(u8::is_ascii_alphanumeric) {
        return Verdict::Reject;
    }
    let c: Vec<u8> = m
        .iter()
        .copied()
        .filter(|c| *c != b' ')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if validate::iban(&c) {
        Verdict::Valid
    } else {
        Verdict::Reject
    }
}

/// Keeps as many characters as the country's IBAN length (spaces between groups allowed).
fn iban_trim(m: &[u8]) -> Option<usize> {
    let len = validate::iban_length(m.get(..2)?)?;
    let mut n = 0;
    for (i, c) in m.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            n += 1;
            if n == len {
                return Some(i + 1);
            }
        }
    }
    None
}

fn iban_norm(s: &str) -> String {
    s.chars()
        .filter(|c| *c != ' ')
        .collect::<String>()
        .to_ascii_uppercase()
}

fn btc_ok(m: &[u8], before: &[u8], after: &[u8]) -> Verdict {
    if before.last().is_some_and(u8::is_ascii_alphanumeric)
        || after.first().is_some_and(u8::is_ascii_alphanumeric)
    {
        return Verdict::Reject;
    }
    let head = m.get(..3).unwrap_or_default();
    let ok = if head.eq_ignore_ascii_case(b"bc1") || head.eq_ignore_ascii_case(b"tb1") {
        validate::btc_bech32(m)
    } else {
        validate::btc_base58(m)
    };
    if ok { Verdict::Valid } else { Verdict::Reject }
}

fn btc_norm(s: &str) -> String {
    if s.len() > 3 && (s[..3].eq_ignore_ascii_case("bc1") || s[..3].eq_ignore_ascii_case("tb1")) {
        s.to_ascii_lowercase()
    } else {
        s.to_string()
    }
}

fn eth_ok(m: &[u8], before: &[u8], after: &[u8]) -> Verdict {
    if before.last().is_some_and(u8::is_ascii_alphanumeric)
        || after.first().is_some_and(u8::is_ascii_hexdigit)
    {
        return Verdict::Reject;
    }
    match validate::eip55(m) {
        Some(true) => Verdict::Valid,
        Some(false) => Verdict::Reject,
        None => Verdict::Plain,
    }
}

fn xmr_ok(m: &[u8], before: &[u8], after: &[u8]) -> Verdict {
    if before.last().is_some_and(u8::is_ascii_alphanumeric)
        || after.first().is_some_and(u8::is_ascii_alphanumeric)
    {
        return Verdict::Reject;
    }
    if validate::monero(m) {
        Verdict::Valid
    } else {
        Verdict::Reject
    }
}

/// Generic top-level domains accepted after a single label (`example.com`); other suffixes
/// need a further label (`www.example.co.uk`), so file names such as `readme.md` are not
/// taken for domains.
const GTLDS: &[&[u8]] = &[
    b"com", b"net", b"org", b"info", b"biz", b"edu", b"gov", b"mil", b"int", b"name", b"pro",
    b"mobi",
];

/// A bare host name (not part of an email or URL, which report their own) whose suffix is on
/// the Public Suffix List.
fn domain_ok(m: &[u8], before: &[u8], after: &[u8]) -> Verdict {
    if before.last().is_some_and(|c| {
        c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'@' | b'/' | b'_' | b'\\')
    }) || after
        .first()
        .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'@' | b'('))
    {
        return Verdict::Reject;
    }
    let lower = m.to_ascii_lowercase();
    let labels = lower.split(|&c| c == b'.').count();
    let Some(suffix) = psl::suffix(&lower) else {
        return Verdict::Reject;
    };
    if !suffix.is_known() || psl::domain(&lower).is_none() {
        return Verdict::Reject;
    }
    let tld = lower.rsplit(|&c| c == b'.').next().unwrap_or_default();
    if labels < 3 && !GTLDS.contains(&tld) {
        return Verdict::Reject;
    }
    Verdict::Plain
}

fn ident(s: &str) -> String {
    s.to_string()
}

fn phone_ok(m: &[u8], before: &[u8], after: &[u8]) -> Verdict {
    if before
        .last()
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'+')
        || after.first().is_some_and(u8::is_ascii_digit)
    {
        return Verdict::Reject;
    }
    let d = digits(m);
    // E.164: country code plus subscriber number, 8 to 15 digits in all.
    if (8..=15).contains(&d.len()) && d.first() != Some(&b'0') {
        Verdict::Plain
    } else {
        Verdict::Reject
    }
}

fn phone_norm(s: &str) -> String {
    format!(
        "+{}",
        s.bytes()
            .filter(u8::is_ascii_digit)
            .map(char::from)
            .collect::<String>()
    )
}

fn byte_at(hay: &[u8], i: usize) -> u8 {
    hay.get(i).copied().unwrap_or(0)
}

/// A dot with a letter after it and a letter or digit before it: every host name ends in one.
fn dot_in_host(hay: &[u8], at: usize) -> bool {
    at > 0
        && byte_at(hay, at + 1).is_ascii_alphabetic()
        && byte_at(hay, at - 1).is_ascii_alphanumeric()
}

/// A dot between two digits: every dotted quad has three.
fn dot_in_number(hay: &[u8], at: usize) -> bool {
    at > 0 && byte_at(hay, at + 1).is_ascii_digit() && byte_at(hay, at - 1).is_ascii_digit()
}

/// A colon followed by another within five bytes: IPv6 groups hold at most four digits.
fn colon_pair(hay: &[u8], at: usize) -> bool {
    hay.get(at + 1..(at + 6).min(hay.len()))
        .is_some_and(|w| w.contains(&b':'))
}

/// A MAC separator between hex digits.
fn hex_either_side(hay: &[u8], at: usize) -> bool {
    at > 0 && byte_at(hay, at + 1).is_ascii_hexdigit() && byte_at(hay, at - 1).is_ascii_hexdigit()
}

/// The first check digit of an IBAN: two letters before it, a digit after it.
fn iban_check_digits(hay: &[u8], at: usize) -> bool {
    at > 1
        && byte_at(hay, at - 1).is_ascii_alphabetic()
        && byte_at(hay, at - 2).is_ascii_alphabetic()
        && byte_at(hay, at + 1).is_ascii_digit()
}

/// Every scanner peel runs. Patterns are byte regexes (`(?-u)`): they run on raw evidence and on
/// UTF-16LE text transcoded to bytes.
pub const SCANNERS: &[Scanner] = &[
    Scanner {
        kind: "email",
        pattern: r"(?i-u)[a-z0-9._%+-]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,8}[a-z]{2,24}",
        anchor: Anchor::new(Find::Byte(b"@")),
        trim: None,
        validate: email_ok,
        normalize: lower,
    },
    Scanner {
        kind: "url",
        pattern: r#"(?i-u)\b(?:https?|ftp)://[a-z0-9.-]{1,253}(?::[0-9]{1,5})?(?:/[^\s"'<>()\[\]{}\x00-\x1f\x7f-\xff]{0,2000})?"#,
        anchor: Anchor::new(Find::Literal(b"://")),
        trim: None,
        validate: keep,
        normalize: url_norm,
    },
    Scanner {
        kind: "domain",
        pattern: r"(?i-u)\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,10}[a-z]{2,24}\b",
        anchor: Anchor::near(Find::Apart(Kind::Is(b'.'), 1, Kind::Letter), dot_in_host),
        trim: None,
        validate: domain_ok,
        normalize: lower,
    },
    Scanner {
        kind: "ipv4",
        pattern: r"(?-u)\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b",
        anchor: Anchor::near(Find::Apart(Kind::Is(b'.'), 1, Kind::Digit), dot_in_number),
        trim: None,
        validate: ipv4_ok,
        normalize: ident,
    },
    Scanner {
        kind: "ipv6",
        pattern: r"(?i-u)(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}",
        anchor: Anchor::near(Find::Byte(b":"), colon_pair),
        trim: None,
        validate: ipv6_ok,
        normalize: ipv6_norm,
    },
    Scanner {
        kind: "mac",
        pattern: r"(?i-u)\b[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}\b",
        // Two separators three bytes apart.
        anchor: Anchor::near(
            Find::Apart(Kind::Either(b':', b'-'), 3, Kind::Either(b':', b'-')),
            hex_either_side,
        ),
        trim: None,
        validate: mac_ok,
        normalize: mac_norm,
    },
    Scanner {
        kind: "card",
        pattern: r"(?-u)\b[0-9](?:[ -]?[0-9]){11,18}\b",
        // The first digit, and the twelfth byte of the match 11 bytes on.
        anchor: Anchor::new(Find::Apart(Kind::Digit, 11, Kind::Range(b' ', b'9'))),
        trim: None,
        validate: card_ok,
        normalize: card_norm,
    },
    Scanner {
        kind: "iban",
        pattern: r"(?i-u)\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}\b",
        anchor: Anchor::near(Find::Apart(Kind::Digit, 1, Kind::Digit), iban_check_digits),
        trim: Some(iban_trim),
        validate: iban_ok,
        normalize: iban_norm,
    },
    Scanner {
        kind: "btc",
        pattern: r"(?-u)\b(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|(?:bc1|tb1)[02-9ac-hj-np-z]{11,71}|(?:BC1|TB1)[02-9AC-HJ-NP-Z]{11,71})\b",
        // The leading 1 or 3, or the 1 of bc1/tb1: at least 11 more characters follow.
        anchor: Anchor::new(Find::Apart(Kind::Either(b'1', b'3'), 11, Kind::Alnum)),
        trim: None,
        validate: btc_ok,
        normalize: btc_norm,
    },
    Scanner {
        kind: "eth",
        pattern: r"(?-u)\b0x[0-9a-fA-F]{40}\b",
        anchor: Anchor::new(Find::Literal(b"0x")),
        trim: None,
        validate: eth_ok,
        normalize: lower,
    },
    Scanner {
        kind: "xmr",
        pattern: r"(?-u)\b[48][1-9A-HJ-NP-Za-km-z]{94}\b",
        anchor: Anchor::new(Find::Apart(Kind::Either(b'4', b'8'), 94, Kind::Alnum)),
        trim: None,
        validate: xmr_ok,
        normalize: ident,
    },
    Scanner {
        kind: "phone",
        pattern: r"(?-u)\+[1-9][0-9]{0,2}(?:[ .-]?\(?[0-9]{1,4}\)?){2,5}",
        anchor: Anchor::new(Find::Apart(Kind::Is(b'+'), 1, Kind::Range(b'1', b'9'))),
        trim: None,
        validate: phone_ok,
        normalize: phone_norm,
    },
];

/// A compiled scanner: its regex and where it needs to run.
pub struct Prepared {
    /// The scanner.
    pub scanner: &'static Scanner,
    /// Its compiled pattern.
    pub regex: Regex,
    /// Its segment plan.
    pub segments: Segments,
}

impl Prepared {
    /// Compiles one pattern with its anchor.
    pub fn new(scanner: &'static Scanner) -> Result<Self, regex::Error> {
        Ok(Prepared {
            scanner,
            regex: Regex::new(scanner.pattern)?,
            segments: Segments::new(scanner.pattern, scanner.anchor),
        })
    }

    /// Calls `visit(start, end)` for every match in `hay`, as `regex.find_iter(hay)` would
    /// yield them, until it returns false.
    pub fn for_each(&self, hay: &[u8], visit: &mut dyn FnMut(usize, usize) -> bool) {
        self.segments.for_each(&self.regex, hay, visit);
    }
}

/// The compiled scanners.
pub struct Compiled {
    /// Every scanner, in [`SCANNERS`] order.
    pub list: Vec<Prepared>,
}

impl Compiled {
    /// Compiles every scanner (the patterns are constants: a failure is a bug, reported).
    pub fn new() -> Result<Self, regex::Error> {
        let list = SCANNERS
            .iter()
            .map(Prepared::new)
            .collect::<Result<_, _>>()?;
        Ok(Compiled { list })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    /// Haystacks dense in what the patterns look for: pieces of features, their separators and
    /// bytes outside every class, glued at random (fixed seed).
    fn noisy(seed: u64, len: usize) -> Vec<u8> {
        const PIECES: &[&[u8]] = &[
            b"a",
            b"Z",
            b"x",
            b"f",
            b"0",
            b"1",
            b"3",
            b"4",
            b"8",
            b"9",
            b"42",
            b"255.",
            b".",
            b"..",
            b":",
            b"::",
            b"-",
            b"@",
            b"+",
            b"+44 ",
            b"_",
            b" ",
            b"  ",
            b"/",
            b"%",
            b"(",
            b")",
            b"\x00",
            b"\n",
            b"\xff",
            b"\x7f",
            b"\t",
            b"://",
            b"http://",
            b"0x",
            b"bc1q",
            b"GB82",
            b"WEST",
            b" 1234",
            b"4111",
            b"-1111",
            b"ex.com",
            b".co.uk",
            b"bob@",
            b"fe80::",
            b"1ff:",
            b"00:1A:",
            b"192.168.",
            b"10.0.0.1",
            b"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            b"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            b"00:1a:2b:3c:4d:5e",
            b"aa-bb-cc-dd-ee-f",
            b"4111 1111 1111 111",
            b"+1 415 555 2671",
            b"4A1b2C3d4E5f6G7h8J9kA1b2C3d4E5f6G7h8J9kA1b2C3d4E5f6G7h8J9kA1b2C3d4E5f6G7h8J9kA1b2C3d4E5f6G7h8J9",
            b"www.",
            b"q=",
            b"&",
            b"\"",
            b"=",
        ];
        let mut x = seed | 1;
        let mut out = Vec::with_capacity(len + 64);
        while out.len() < len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out.extend_from_slice(PIECES[(x % PIECES.len() as u64) as usize]);
        }
        out
    }

    #[test]
    fn segment_search_finds_what_the_regex_finds() {
        let compiled = Compiled::new().unwrap();
        let mut found = vec![0usize; compiled.list.len()];
        for seed in 1..=40u64 {
            let hay = noisy(seed, 20_000);
            for (k, p) in compiled.list.iter().enumerate() {
                let whole: Vec<(usize, usize)> = p
                    .regex
                    .find_iter(&hay)
                    .map(|m| (m.start(), m.end()))
                    .collect();
                let mut got = Vec::new();
                p.for_each(&hay, &mut |s, e| {
                    got.push((s, e));
                    true
                });
                assert_eq!(got, whole, "{} (seed {seed})", p.scanner.kind);
                found[k] += whole.len();
            }
        }
        for (p, n) in compiled.list.iter().zip(found) {
            assert!(n > 20, "{}: only {n} matches to compare", p.scanner.kind);
        }
    }

    #[test]
    fn base64_and_national_searches_find_what_their_regexes_find() {
        let cases = [
            (
                crate::decode::BASE64_PATTERN,
                crate::decode::base64_searcher(),
            ),
            (
                crate::NATIONAL_PATTERN,
                crate::anchor::Searcher::new(
                    crate::NATIONAL_PATTERN,
                    Anchor::new(Find::Byte(b"0")),
                ),
            ),
        ];
        for (pattern, searcher) in cases {
            let (re, searcher) = (Regex::new(pattern).unwrap(), searcher.unwrap());
            let mut found = 0;
            for seed in 1..=40u64 {
                let mut hay = noisy(seed, 20_000);
                // Long base64-like stretches: groups of four with line breaks, padding and
                // the odd space.
                for (i, c) in hay.clone().chunks(300).enumerate() {
                    if i % 3 == 1 {
                        // National phone numbers, whole and broken.
                        const PARTS: &[&[u8]] = &[
                            b"07700", b" ", b"900123", b"(0161)", b"496", b"-", b".", b"0", b"12",
                        ];
                        for (j, b) in c.iter().enumerate().take(40) {
                            hay.extend_from_slice(PARTS[(usize::from(*b) + j) % PARTS.len()]);
                        }
                    }
                    if i % 3 == 0 {
                        const ALPHABET: &[u8] = b"ABCxyz09+/Qq0";
                        for (j, b) in c.iter().enumerate() {
                            let k = usize::from(*b) + j;
                            for n in 0..4 {
                                hay.push(ALPHABET[(k + n) % ALPHABET.len()]);
                            }
                            for (m, piece) in
                                [(7, &b"\r\n"[..]), (11, b"\n"), (29, b" "), (31, b"=")]
                            {
                                if k % m == 0 {
                                    hay.extend_from_slice(piece);
                                }
                            }
                        }
                    }
                }
                let whole: Vec<(usize, usize)> =
                    re.find_iter(&hay).map(|m| (m.start(), m.end())).collect();
                let mut got = Vec::new();
                searcher.for_each(&hay, &mut |s, e| {
                    got.push((s, e));
                    true
                });
                assert_eq!(got, whole, "{pattern} (seed {seed})");
                found += whole.len();
            }
            assert!(found > 100, "{pattern}: {found}");
        }
    }

    #[test]
    fn every_scanner_has_a_segment_plan() {
        for p in &Compiled::new().unwrap().list {
            assert!(p.segments.is_exact(), "{}", p.scanner.kind);
        }
    }
}
