//! Email messages recognised by content — an RFC 5322 message (`.eml`) or an mbox archive of
//! them — and the header facts that say who wrote to whom and when: addresses, date, subject
//! and message ids. Pure functions over byte slices; every length and count is bounded.
//!
//! ```
//! use peel_extract::mail;
//! let eml = b"From: Alice <alice@example.org>\r\nTo: bob@example.net, \"Carol\" <carol@example.org>\r\n\
//!             Date: Thu, 14 Mar 2024 10:00:00 +0100\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\n\r\nHi\r\n";
//! assert!(mail::probe(eml));
//! let m = &mail::parse(eml)[0];
//! assert_eq!(m.from[0].name.as_deref(), Some("Alice"));
//! assert_eq!(m.to[1].address, "carol@example.org");
//! assert_eq!(m.date.unwrap().to_string(), "2024-03-14T09:00:00Z");
//! assert_eq!(m.subject.as_deref(), Some("café"));
//! ```

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use memchr::memmem;
use peel_core::time::Timestamp;
use serde::Serialize;

/// Most bytes of one message's header block that are read; fields past it are ignored.
pub const MAX_HEADER: usize = 256 * 1024;
/// Most addresses kept from one header field (all occurrences of it together).
pub const MAX_ADDRESSES: usize = 10_000;
/// Most message ids kept from `References`.
pub const MAX_REFERENCES: usize = 10_000;
/// Most messages [`parse`] returns from one object.
pub const MAX_MESSAGES: usize = 100_000;
/// Longest field name accepted when looking for a header line.
const MAX_NAME: usize = 256;

/// How the message was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A single RFC 5322 message: the object is the message.
    Eml,
    /// One message of an mbox archive (after its `From ` separator line).
    Mbox,
}

/// One mailbox of an address list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    /// The display name (quoted strings unescaped, RFC 2047 encoded-words decoded), if any.
    pub name: Option<String>,
    /// The address as written, without angle brackets, comments or surrounding white space.
    pub address: String,
}

/// One message and the facts of its header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// `eml` or `mbox`.
    pub format: Format,
    /// Offset of the message's first header byte in the data.
    pub offset: u64,
    /// Length of the message in bytes (an mbox message ends before the blank line that
    /// precedes the next separator).
    pub length: u64,
    /// `From`.
    pub from: Vec<Address>,
    /// `Sender`.
    pub sender: Vec<Address>,
    /// `Reply-To`.
    pub reply_to: Vec<Address>,
    /// `To` (every `To` field of the header, in order).
    pub to: Vec<Address>,
    /// `Cc`.
    pub cc: Vec<Address>,
    /// `Bcc`.
    pub bcc: Vec<Address>,
    /// `Date`, in UTC; `None` when absent or unparseable.
    pub date: Option<Timestamp>,
    /// `Date` as written (unfolded, trimmed).
    pub date_raw: Option<String>,
    /// `Subject`, encoded-words decoded.
    pub subject: Option<String>,
    /// `Message-ID`, without angle brackets.
    pub message_id: Option<String>,
    /// The first id of `In-Reply-To`, without angle brackets.
    pub in_reply_to: Option<String>,
    /// The ids of `References`, in order, without angle brackets.
    pub references: Vec<String>,
}

/// Whether `data` is an RFC 5322 message or an mbox archive.
pub fn probe(data: &[u8]) -> bool {
    kind(data).is_some()
}

/// Every message in `data` (at most [`MAX_MESSAGES`]); empty when `data` is neither an
/// RFC 5322 message nor an mbox archive.
pub fn parse(data: &[u8]) -> Vec<Message> {
    parse_with(data, MAX_MESSAGES).0
}

/// As [`parse`], keeping at most `max` messages; the flag says whether more were left out.
pub fn parse_with(data: &[u8], max: usize) -> (Vec<Message>, bool) {
    match kind(data) {
        Some(Format::Eml) => {
            if max == 0 {
                return (Vec::new(), true);
            }
            let fields = header_fields(data);
            (vec![message(Format::Eml, 0, data.len(), &fields)], false)
        }
        Some(Format::Mbox) => {
            let mut out = Vec::new();
            let seps = separators(data);
            for (i, &(_, body)) in seps.iter().enumerate() {
                if out.len() >= max {
                    return (out, true);
                }
                let end = seps.get(i + 1).map_or(data.len(), |&(s, _)| s);
                let end = strip_separator_blank(data, body, end);
                let region = data.get(body..end).unwrap_or_default();
                let fields = header_fields(region);
                out.push(message(Format::Mbox, body, end - body, &fields));
            }
            (out, false)
        }
        None => (Vec::new(), false),
    }
}

fn kind(data: &[u8]) -> Option<Format> {
    if let Some(body) = postmark_end(data, 0) {
        let fields = header_fields(data.get(body..).unwrap_or_default());
        if fields.iter().any(|(n, _)| {
            matches!(
                n.as_str(),
                "from" | "to" | "date" | "message-id" | "subject" | "received"
            )
        }) {
            return Some(Format::Mbox);
        }
        return None;
    }
    field_name_len(data)?;
    let fields = header_fields(data);
    let has = |name: &str| fields.iter().any(|(n, _)| n == name);
    (has("from")
        && ["to", "date", "message-id", "subject", "received"]
            .iter()
            .any(|n| has(n)))
    .then_some(Format::Eml)
}

/// The line starting at `pos`: its end without the line terminator, and where the next
/// line starts.
fn line_at(data: &[u8], pos: usize) -> (usize, usize) {
    match data.get(pos..).and_then(|r| memchr::memchr(b'\n', r)) {
        Some(n) => {
            let nl = pos + n;
            let end = if nl > pos && data.get(nl - 1) == Some(&b'\r') {
                nl - 1
            } else {
                nl
            };
            (end, nl + 1)
        }
        None => (data.len(), data.len()),
    }
}

/// If a header field line (`Name:` …) starts `data`, the length of its name.
fn field_name_len(data: &[u8]) -> Option<usize> {
    let n = data
        .iter()
        .take(MAX_NAME + 1)
        .take_while(|&&c| (33..=126).contains(&c) && c != b':')
        .count();
    if n == 0 || n > MAX_NAME {
        return None;
    }
    let rest = data.get(n..)?;
    let ws = rest
        .iter()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .count();
    (rest.get(ws) == Some(&b':')).then_some(n)
}

/// If an mbox separator line (`From sender date`) starts at `pos` and a header line follows
/// it, where that header starts.
fn postmark_end(data: &[u8], pos: usize) -> Option<usize> {
    let rest = data.get(pos..)?;
    if !rest.starts_with(b"From ") {
        return None;
    }
    let (end, next) = line_at(data, pos);
    let line = data.get(pos + 5..end)?;
    if line.len() > 1000 {
        return None;
    }
    let sender = line.iter().take_while(|c| !c.is_ascii_whitespace()).count();
    let after = line.get(sender..).unwrap_or_default();
    if sender == 0 || !after.iter().any(u8::is_ascii_digit) {
        return None;
    }
    field_name_len(data.get(next..)?)?;
    Some(next)
}

/// Every separator of an mbox: (start of the `From ` line, start of the message).
fn separators(data: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if let Some(b) = postmark_end(data, 0) {
        out.push((0, b));
    }
    for nl in memmem::find_iter(data, b"\nFrom ") {
        let s = nl + 1;
        if let Some(b) = postmark_end(data, s) {
            out.push((s, b));
        }
    }
    out
}

/// The end of an mbox message: the blank line before the next separator belongs to the
/// separator.
fn strip_separator_blank(data: &[u8], start: usize, end: usize) -> usize {
    let r = data.get(start..end).unwrap_or_default();
    let Some(t) = r.len().checked_sub(1).filter(|&t| r.get(t) == Some(&b'\n')) else {
        return end;
    };
    let t = if t > 0 && r.get(t - 1) == Some(&b'\r') {
        t - 1
    } else {
        t
    };
    if t > 0 && r.get(t - 1) == Some(&b'\n') {
        start + t
    } else {
        end
    }
}

/// Header fields wanted here, in order: lower-case name and unfolded value. Reading stops at
/// the blank line, at the first line that is neither a field nor a continuation, or at
/// [`MAX_HEADER`] bytes.
fn header_fields(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    const WANTED: &[&str] = &[
        "from",
        "sender",
        "reply-to",
        "to",
        "cc",
        "bcc",
        "date",
        "subject",
        "message-id",
        "in-reply-to",
        "references",
        "received",
    ];
    let window = data.get(..data.len().min(MAX_HEADER)).unwrap_or_default();
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    // Whether the field being read is kept (continuations of others are skipped).
    let mut current = false;
    let mut pos = 0usize;
    while pos < window.len() {
        let (end, next) = line_at(window, pos);
        let line = window.get(pos..end).unwrap_or_default();
        if line.is_empty() {
            break;
        }
        if matches!(line.first(), Some(b' ' | b'\t')) {
            if current && let Some((_, v)) = out.last_mut() {
                v.extend_from_slice(line);
            }
        } else if let Some(n) = field_name_len(line) {
            let name = String::from_utf8_lossy(line.get(..n).unwrap_or_default()).to_lowercase();
            current = WANTED.contains(&name.as_str());
            if current {
                let colon = line.iter().position(|&c| c == b':').unwrap_or(n);
                out.push((name, line.get(colon + 1..).unwrap_or_default().to_vec()));
            }
        } else {
            break;
        }
        pos = next;
    }
    out
}

/// Header bytes as text: UTF-8 where valid (RFC 6532), otherwise ISO-8859-1.
fn text(v: &[u8]) -> String {
    match std::str::from_utf8(v) {
        Ok(s) => s.to_string(),
        Err(_) => v.iter().map(|&b| b as char).collect(),
    }
}

fn message(format: Format, offset: usize, length: usize, fields: &[(String, Vec<u8>)]) -> Message {
    let first = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| text(v).trim().to_string())
    };
    let list = |name: &str| {
        let mut out = Vec::new();
        for (_, v) in fields.iter().filter(|(n, _)| n == name) {
            addresses(&text(v), &mut out);
        }
        out
    };
    let date_raw = first("date");
    let references = first("references")
        .map(|r| msg_ids(&r, MAX_REFERENCES))
        .unwrap_or_default();
    Message {
        format,
        offset: offset as u64,
        length: length as u64,
        from: list("from"),
        sender: list("sender"),
        reply_to: list("reply-to"),
        to: list("to"),
        cc: list("cc"),
        bcc: list("bcc"),
        date: date_raw.as_deref().and_then(parse_date),
        date_raw,
        subject: first("subject").map(|s| decode_words(&s).trim().to_string()),
        message_id: first("message-id").and_then(|s| msg_ids(&s, 1).into_iter().next()),
        in_reply_to: first("in-reply-to").and_then(|s| msg_ids(&s, 1).into_iter().next()),
        references,
    }
}

/// The ids of a `Message-ID`, `In-Reply-To` or `References` value, without angle brackets
/// (white space inside removed); words when there are no brackets.
fn msg_ids(s: &str, max: usize) -> Vec<String> {
    let s = strip_comments(s);
    let mut out = Vec::new();
    let mut rest = s.as_str();
    while out.len() < max {
        let Some(a) = rest.find('<') else { break };
        let after = rest.get(a + 1..).unwrap_or_default();
        let (id, next) = match after.find('>') {
            Some(b) => (after.get(..b).unwrap_or_default(), after.get(b + 1..)),
            None => (after, None),
        };
        let id: String = id.chars().filter(|c| !c.is_whitespace()).collect();
        if !id.is_empty() {
            out.push(id);
        }
        match next {
            Some(n) => rest = n,
            None => break,
        }
    }
    if out.is_empty() && !s.contains('<') {
        out.extend(s.split_whitespace().take(max).map(str::to_string));
    }
    out
}

/// `s` without RFC 5322 comments (nested parentheses, `\` escapes; quoted strings kept).
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for c in s.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' if depth > 0 || quoted => {
                escaped = true;
                if depth == 0 {
                    out.push(c);
                }
            }
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => {
                depth += 1;
                if depth == 1 {
                    out.push(' ');
                }
            }
            ')' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

// ---- Address lists ----

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// An atom or a domain literal.
    Atom(String),
    /// A quoted string, unescaped.
    Quoted(String),
    /// A comment's text, unescaped (nested comments flattened).
    Comment(String),
    /// One of `< > , : ; @ .`
    Special(char),
}

/// A token and whether white space came before it.
#[derive(Debug, Clone)]
struct T {
    tok: Tok,
    ws: bool,
}

const SPECIALS: &[char] = &['<', '>', ',', ':', ';', '@', '.'];

fn tokenize(s: &str) -> Vec<T> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    let mut ws = false;
    while let Some(c) = it.next() {
        if c.is_whitespace() {
            ws = true;
            continue;
        }
        let tok = match c {
            '"' => {
                let mut q = String::new();
                while let Some(d) = it.next() {
                    match d {
                        '"' => break,
                        '\\' => q.extend(it.next()),
                        '\r' | '\n' => {}
                        _ => q.push(d),
                    }
                }
                Tok::Quoted(q)
            }
            '(' => {
                let (mut q, mut depth) = (String::new(), 1usize);
                while let Some(d) = it.next() {
                    match d {
                        '(' => {
                            depth += 1;
                            q.push(d);
                        }
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                            q.push(d);
                        }
                        '\\' => q.extend(it.next()),
                        _ => q.push(d),
                    }
                }
                Tok::Comment(q)
            }
            '[' => {
                let mut q = String::from('[');
                for d in it.by_ref() {
                    q.push(d);
                    if d == ']' {
                        break;
                    }
                }
                Tok::Atom(q)
            }
            c if SPECIALS.contains(&c) => Tok::Special(c),
            c => {
                let mut a = String::from(c);
                while let Some(&d) = it.peek() {
                    if d.is_whitespace() || SPECIALS.contains(&d) || matches!(d, '"' | '(' | '[') {
                        break;
                    }
                    a.push(d);
                    it.next();
                }
                Tok::Atom(a)
            }
        };
        out.push(T { tok, ws });
        ws = false;
    }
    out
}

/// Appends the mailboxes of an address list (groups flattened, group names dropped) to
/// `out`, up to [`MAX_ADDRESSES`] in all.
fn addresses(s: &str, out: &mut Vec<Address>) {
    let toks = tokenize(s);
    let mut cur: Vec<&T> = Vec::new();
    let mut in_angle = false;
    for t in &toks {
        if out.len() >= MAX_ADDRESSES {
            return;
        }
        match t.tok {
            Tok::Special('<') => {
                in_angle = true;
                cur.push(t);
            }
            Tok::Special('>') => {
                in_angle = false;
                cur.push(t);
            }
            Tok::Special(',' | ';') if !in_angle => {
                out.extend(mailbox(&cur));
                cur.clear();
            }
            // A group's name (`undisclosed-recipients:`).
            Tok::Special(':') if !in_angle && !cur.iter().any(|t| t.tok == Tok::Special('@')) => {
                cur.clear()
            }
            _ => cur.push(t),
        }
    }
    if out.len() < MAX_ADDRESSES {
        out.extend(mailbox(&cur));
    }
}

/// Display text of tokens: words joined as written (one space where white space was).
fn phrase(toks: &[&T]) -> Option<String> {
    let mut s = String::new();
    for t in toks {
        let piece = match &t.tok {
            Tok::Atom(a) | Tok::Quoted(a) => a.as_str(),
            Tok::Special(c) if *c != '<' && *c != '>' => {
                s.push(*c);
                continue;
            }
            _ => continue,
        };
        if t.ws && !s.is_empty() {
            s.push(' ');
        }
        s.push_str(piece);
    }
    let s = decode_words(&s);
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// An address from its tokens: atoms and specials joined, quoted local parts re-quoted.
fn addr_spec(toks: &[&T]) -> String {
    let mut s = String::new();
    for t in toks {
        match &t.tok {
            Tok::Atom(a) => s.push_str(a),
            Tok::Quoted(q) => {
                s.push('"');
                for c in q.chars() {
                    if c == '"' || c == '\\' {
                        s.push('\\');
                    }
                    s.push(c);
                }
                s.push('"');
            }
            Tok::Special(c) => s.push(*c),
            Tok::Comment(_) => {}
        }
    }
    s.trim().to_string()
}

fn mailbox(toks: &[&T]) -> Option<Address> {
    if let Some(lt) = toks.iter().position(|t| t.tok == Tok::Special('<')) {
        let inner = toks.get(lt + 1..).unwrap_or_default();
        let gt = inner
            .iter()
            .position(|t| t.tok == Tok::Special('>'))
            .unwrap_or(inner.len());
        let mut spec = inner.get(..gt).unwrap_or_default();
        // An obsolete source route (`<@relay.example:user@example.org>`).
        if let Some(colon) = spec.iter().rposition(|t| t.tok == Tok::Special(':')) {
            spec = spec.get(colon + 1..).unwrap_or_default();
        }
        let address = addr_spec(spec);
        if address.is_empty() {
            return None;
        }
        let name = phrase(toks.get(..lt).unwrap_or_default()).or_else(|| {
            toks.iter().find_map(|t| match &t.tok {
                Tok::Comment(c) => Some(decode_words(c).trim().to_string()),
                _ => None,
            })
        });
        return Some(Address {
            name: name.filter(|n| !n.is_empty()),
            address,
        });
    }
    // No angle brackets: `addr-spec (Comment)`, or loosely `Name addr-spec`.
    let words: Vec<&T> = toks
        .iter()
        .copied()
        .filter(|t| !matches!(t.tok, Tok::Comment(_)))
        .collect();
    let mut runs: Vec<Vec<&T>> = Vec::new();
    let mut prev_word = false;
    for t in words {
        let is_word = matches!(t.tok, Tok::Atom(_) | Tok::Quoted(_));
        if runs.is_empty() || (is_word && prev_word && t.ws) {
            runs.push(Vec::new());
        }
        if let Some(r) = runs.last_mut() {
            r.push(t);
        }
        prev_word = is_word;
    }
    let at = runs
        .iter()
        .rposition(|r| r.iter().any(|t| t.tok == Tok::Special('@')))?;
    let address = addr_spec(runs.get(at)?);
    if address.is_empty() {
        return None;
    }
    let others: Vec<&T> = runs
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != at)
        .flat_map(|(_, r)| r.iter().copied())
        .collect();
    let name = phrase(&others).or_else(|| {
        toks.iter().find_map(|t| match &t.tok {
            Tok::Comment(c) => Some(decode_words(c).trim().to_string()),
            _ => None,
        })
    });
    Some(Address {
        name: name.filter(|n| !n.is_empty()),
        address,
    })
}

// ---- RFC 2047 encoded-words ----

const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// `s` with RFC 2047 encoded-words (`=?charset?B|Q?text?=`) decoded; white space between
/// two encoded-words dropped. Words in unknown charsets are left as written.
pub fn decode_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    // White space seen since the last encoded-word (dropped if another follows).
    let mut pending: Option<&str> = None;
    while !rest.is_empty() {
        let Some(at) = rest.find("=?") else {
            out.extend(pending.take());
            out.push_str(rest);
            break;
        };
        let (before, word) = rest.split_at(at);
        match encoded_word(word) {
            Some((decoded, used)) => {
                // Only white space since the last encoded-word: it goes.
                match pending.take() {
                    Some(_) if before.is_empty() => {}
                    ws => {
                        out.extend(ws);
                        out.push_str(before);
                    }
                }
                out.push_str(&decoded);
                rest = word.get(used..).unwrap_or_default();
                let ws = rest
                    .char_indices()
                    .find(|(_, c)| !c.is_whitespace())
                    .map_or(rest.len(), |(i, _)| i);
                pending = Some(rest.get(..ws).unwrap_or_default());
                rest = rest.get(ws..).unwrap_or_default();
            }
            None => {
                out.extend(pending.take());
                out.push_str(before);
                out.push_str("=?");
                rest = word.get(2..).unwrap_or_default();
            }
        }
    }
    out.extend(pending);
    out
}

/// One encoded-word at the start of `s`: its text and the bytes it spans.
fn encoded_word(s: &str) -> Option<(String, usize)> {
    let body = s.strip_prefix("=?")?;
    let q1 = body.find('?')?;
    let charset = body.get(..q1)?;
    let enc = body.get(q1 + 1..q1 + 2)?;
    if body.get(q1 + 2..q1 + 3)? != "?" {
        return None;
    }
    let text_start = q1 + 3;
    let text_len = body.get(text_start..)?.find("?=")?;
    let text = body.get(text_start..text_start + text_len)?;
    if charset.is_empty()
        || charset.contains(char::is_whitespace)
        || text.contains(char::is_whitespace)
    {
        return None;
    }
    let bytes = match enc {
        "B" | "b" => B64.decode(text).ok()?,
        "Q" | "q" => q_decode(text),
        _ => return None,
    };
    let charset = charset.split('*').next().unwrap_or(charset);
    let decoded = decode_charset(charset, &bytes)?;
    Some((decoded, 2 + text_start + text_len + 2))
}

fn q_decode(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = b
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(v) = hex {
                    out.push(v);
                    i += 3;
                    continue;
                }
                out.push(c);
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Windows-1252 0x80–0x9F (0 where undefined: those bytes map as ISO-8859-1).
const CP1252: [char; 32] = [
    '€', '\0', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\0', 'Ž', '\0', '\0', '‘',
    '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\0', 'ž', 'Ÿ',
];

fn decode_charset(charset: &str, bytes: &[u8]) -> Option<String> {
    let cs = charset.to_ascii_lowercase().replace('_', "-");
    Some(match cs.as_str() {
        "utf-8" | "utf8" | "us-ascii" | "ascii" => String::from_utf8_lossy(bytes).into_owned(),
        "iso-8859-1" | "latin1" | "latin-1" | "l1" | "iso8859-1" | "iso-8859-1:1987" => {
            bytes.iter().map(|&b| b as char).collect()
        }
        "windows-1252" | "cp1252" => bytes
            .iter()
            .map(|&b| match CP1252.get(usize::from(b).wrapping_sub(0x80)) {
                Some(&c) if b >= 0x80 && c != '\0' => c,
                _ => b as char,
            })
            .collect(),
        "iso-8859-15" | "latin9" | "latin-9" | "iso8859-15" => bytes
            .iter()
            .map(|&b| match b {
                0xa4 => '€',
                0xa6 => 'Š',
                0xa8 => 'š',
                0xb4 => 'Ž',
                0xb8 => 'ž',
                0xbc => 'Œ',
                0xbd => 'œ',
                0xbe => 'Ÿ',
                _ => b as char,
            })
            .collect(),
        _ => return None,
    })
}

// ---- Dates ----

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn month(tok: &str) -> Option<u32> {
    let t = tok.to_ascii_lowercase();
    let m = MONTHS
        .iter()
        .position(|m| t.get(..3) == Some(*m) && t.chars().all(|c| c.is_ascii_alphabetic()))?;
    u32::try_from(m + 1).ok()
}

/// A zone as seconds east of UTC: numeric `±hhmm`; `UT`, `GMT`, the US zones of RFC 5322;
/// anything else alphabetic (military letters, unknown names) as `-0000`, as RFC 5322 §4.3 says.
fn zone(tok: &str) -> Option<i64> {
    let b = tok.as_bytes();
    if let (Some(&s @ (b'+' | b'-')), Some(d)) = (b.first(), tok.get(1..)) {
        if d.len() != 4 || !d.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let v: i64 = d.parse().ok()?;
        let (h, m) = (v / 100, v % 100);
        if m > 59 {
            return None;
        }
        let secs = h * 3600 + m * 60;
        return Some(if s == b'-' { -secs } else { secs });
    }
    if !tok.bytes().all(|c| c.is_ascii_alphabetic()) || tok.is_empty() {
        return None;
    }
    let h = match tok.to_ascii_uppercase().as_str() {
        "EDT" => -4,
        "EST" | "CDT" => -5,
        "CST" | "MDT" => -6,
        "MST" | "PDT" => -7,
        "PST" => -8,
        _ => 0,
    };
    Some(h * 3600)
}

fn time_of_day(tok: &str) -> Option<(u32, u32, u32)> {
    let mut p = tok.split(':');
    let num = |s: Option<&str>| -> Option<u32> {
        let s = s?;
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let h = num(p.next())?;
    let m = num(p.next())?;
    let s = match p.next() {
        Some(x) => num(Some(x))?,
        None => 0,
    };
    if p.next().is_some() || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some((h, m, s.min(59)))
}

fn year(tok: &str) -> Option<i32> {
    if tok.is_empty() || tok.len() > 4 || !tok.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let y: i32 = tok.parse().ok()?;
    Some(match tok.len() {
        1 | 2 if y < 50 => 2000 + y,
        1..=3 => 1900 + y,
        _ => y,
    })
}

/// An RFC 5322 date (`Thu, 14 Mar 2024 10:00:00 +0100`, obsolete forms too: two-digit years,
/// zone names, comments, no day of week or seconds) or a ctime one (`Thu Mar 14 10:00:00
/// 2024`), in UTC. A missing zone counts as UTC.
pub fn parse_date(s: &str) -> Option<Timestamp> {
    let clean = strip_comments(s).replace(',', " ");
    let mut toks: Vec<&str> = clean.split_whitespace().collect();
    if let Some(first) = toks.first() {
        let f = first.to_ascii_lowercase();
        if f.len() >= 3 && DAYS.iter().any(|d| f.starts_with(d)) && month(first).is_none() {
            toks.remove(0);
        }
    }
    let (day, mon, yr, tod, rest) = match toks.as_slice() {
        [d, m, y, t, rest @ ..] if month(m).is_some() => (*d, month(m)?, year(y)?, *t, rest),
        // ctime: `Mar 14 10:00:00 2024 [zone]`.
        [m, d, t, y, rest @ ..] if month(m).is_some() => (*d, month(m)?, year(y)?, *t, rest),
        _ => return None,
    };
    if day.is_empty() || day.len() > 2 || !day.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let day: u32 = day.parse().ok()?;
    let (h, mi, se) = time_of_day(tod)?;
    let offset = match rest.first() {
        Some(z) => zone(z)?,
        None => 0,
    };
    Some(Timestamp::from_parts(yr, mon, day, h, mi, se, 0)?.shifted(offset))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn a(name: Option<&str>, address: &str) -> Address {
        Address {
            name: name.map(str::to_string),
            address: address.to_string(),
        }
    }

    fn list(s: &str) -> Vec<Address> {
        let mut v = Vec::new();
        addresses(s, &mut v);
        v
    }

    #[test]
    fn address_lists() {
        assert_eq!(
            list(
                r#" "Smith, John" <john@example.org>, bob@example.net (Bob B), <carol@example.org> "#
            ),
            [
                a(Some("Smith, John"), "john@example.org"),
                a(Some("Bob B"), "bob@example.net"),
                a(None, "carol@example.org"),
            ]
        );
        assert_eq!(list("undisclosed-recipients:;"), []);
        assert_eq!(
            list("Team: alice@example.org, Dave <dave@example.com>;, erin@example.net"),
            [
                a(None, "alice@example.org"),
                a(Some("Dave"), "dave@example.com"),
                a(None, "erin@example.net"),
            ]
        );
        assert_eq!(
            list("John Q. Public <@relay.example.com:jqp@example.org>"),
            [a(Some("John Q. Public"), "jqp@example.org")]
        );
        assert_eq!(
            list(
                r#""john \"jd\" doe"@example.org, Pete(A comment)<pete(his account)@example.com>"#
            ),
            [
                a(None, r#""john \"jd\" doe"@example.org"#),
                a(Some("Pete"), "pete@example.com"),
            ]
        );
        // Semicolons as separators, a name without brackets, junk without an @.
        assert_eq!(
            list("alice@example.org; Bob Brown bob@example.net; nobody"),
            [
                a(None, "alice@example.org"),
                a(Some("Bob Brown"), "bob@example.net"),
            ]
        );
        assert_eq!(
            list("=?UTF-8?B?w4lyaW4gTsOpbWV0aA==?= <erin@example.net>"),
            [a(Some("Érin Németh"), "erin@example.net")]
        );
        assert_eq!(list(""), []);
        assert_eq!(list("<>"), []);
    }

    #[test]
    fn encoded_words() {
        assert_eq!(
            decode_words("=?UTF-8?Q?caf=C3=A9_au_lait?="),
            "café au lait"
        );
        assert_eq!(
            decode_words("=?ISO-8859-1?Q?Andr=E9?= Pirard"),
            "André Pirard"
        );
        assert_eq!(decode_words("=?iso-8859-1?b?QW5kcuk=?="), "André");
        // White space between encoded-words goes; elsewhere it stays.
        assert_eq!(decode_words("=?UTF-8?Q?a?= =?UTF-8?Q?b?="), "ab");
        assert_eq!(decode_words("=?UTF-8?Q?a?=  x  =?UTF-8?Q?b?="), "a  x  b");
        assert_eq!(decode_words("x =?UTF-8?Q?a?="), "x a");
        // Not encoded-words: left alone.
        assert_eq!(
            decode_words("=?x-unknown?Q?a?= =?utf-8?X?a?="),
            "=?x-unknown?Q?a?= =?utf-8?X?a?="
        );
        assert_eq!(decode_words("=?utf-8?Q?broken"), "=?utf-8?Q?broken");
        assert_eq!(decode_words("1 =? 2"), "1 =? 2");
        assert_eq!(decode_words("=?UTF-8*en?Q?hi?="), "hi");
        assert_eq!(decode_words("=?windows-1252?Q?=80?="), "€");
    }

    #[test]
    fn dates() {
        let d = |s: &str| parse_date(s).map(|t| t.to_string());
        assert_eq!(
            d("Thu, 14 Mar 2024 10:00:00 +0100").unwrap(),
            "2024-03-14T09:00:00Z"
        );
        assert_eq!(
            d("14 Mar 2024 10:00 -0530").unwrap(),
            "2024-03-14T15:30:00Z"
        );
        assert_eq!(
            d("Fri, 21 Nov 97 09:55:06 GMT").unwrap(),
            "1997-11-21T09:55:06Z"
        );
        assert_eq!(
            d("Thu, 13 Feb 2024 23:32:47 EST").unwrap(),
            "2024-02-14T04:32:47Z"
        );
        assert_eq!(
            d("Mon, 1 Apr 2024 08:00:00 +0000 (UTC)").unwrap(),
            "2024-04-01T08:00:00Z"
        );
        assert_eq!(
            d("Thu Mar 14 10:00:00 2024").unwrap(),
            "2024-03-14T10:00:00Z"
        );
        assert_eq!(d("1 jan 05 00:00:00 z").unwrap(), "2005-01-01T00:00:00Z");
        assert_eq!(
            d("Sat, 31 Dec 2016 23:59:60 +0000").unwrap(),
            "2016-12-31T23:59:59Z"
        );
        for bad in [
            "",
            "yesterday",
            "31 Feb 2024 10:00:00 +0000",
            "14 Mar 2024 25:00:00 +0000",
            "14 Mar 2024 10:00:00 +01",
            "14 Foo 2024 10:00:00 +0000",
            "2024-03-14T10:00:00Z",
        ] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_eml_with_folded_and_odd_headers() {
        let m = b"Received: from mx.example.net\r\n\tby mx.example.org; Thu, 14 Mar 2024 10:00:01 +0000\r\n\
FROM: \"Alice A.\" <alice@example.org>\r\n\
to: Bob <bob@example.net>,\r\n\x20 Carol <carol@example.org>\r\n\
CC: dave@example.com\r\n\
Subject: =?UTF-8?B?UmU6IHBsYW4=?=\r\n\
\x20for Friday\r\n\
Date: Thu, 14 Mar 2024 10:00:00 +0000\r\n\
Message-ID: <abc.123@example.org>\r\n\
In-Reply-To: <x1@example.net> (sent earlier)\r\n\
References: <x0@example.net>\r\n\t<x1@example.net>\r\n\
\r\n\
From: not-a-header@example.com\r\n";
        assert!(probe(m));
        let v = parse(m);
        assert_eq!(v.len(), 1);
        let m0 = &v[0];
        assert_eq!(m0.format, Format::Eml);
        assert_eq!((m0.offset, m0.length), (0, m.len() as u64));
        assert_eq!(m0.from, [a(Some("Alice A."), "alice@example.org")]);
        assert_eq!(
            m0.to,
            [
                a(Some("Bob"), "bob@example.net"),
                a(Some("Carol"), "carol@example.org")
            ]
        );
        assert_eq!(m0.cc, [a(None, "dave@example.com")]);
        assert_eq!(m0.subject.as_deref(), Some("Re: plan for Friday"));
        assert_eq!(m0.date.unwrap().to_string(), "2024-03-14T10:00:00Z");
        assert_eq!(m0.message_id.as_deref(), Some("abc.123@example.org"));
        assert_eq!(m0.in_reply_to.as_deref(), Some("x1@example.net"));
        assert_eq!(m0.references, ["x0@example.net", "x1@example.net"]);
    }

    #[test]
    fn what_is_not_a_message() {
        for not in [
            &b""[..],
            b"From: alice@example.org\n\nbody",     // From alone
            b"To: bob@example.net\nSubject: x\n\n", // no From
            b"\nFrom: alice@example.org\nTo: b@example.net\n", // not at the start
            b"From alice@example.org 2024\nno header here\n",
            b"From here on\nSubject: x\n", // no digit: no postmark
            b"MZ\x90\x00\x03",
            b"Fromage: brie\nTo: x\n",
        ] {
            assert!(!probe(not), "{}", String::from_utf8_lossy(not));
            assert!(parse(not).is_empty());
        }
        // Header lines end at the first line that is none.
        let m = b"From: a@example.org\nthis is not a header\nTo: b@example.net\n\n";
        assert!(!probe(m));
        let m = b"From: a@example.org\nDate: Thu, 14 Mar 2024 10:00:00 +0000\nthis is body\nTo: b@example.net\n";
        let v = parse(m);
        assert_eq!(v.len(), 1);
        assert!(v[0].to.is_empty());
    }

    #[test]
    fn an_mbox_is_split_at_its_separators() {
        let first = "From: alice@example.org\nTo: bob@example.net\nSubject: one\n\nHello\n>From the start\n\nFrom the end of the line\n";
        let second =
            "From: bob@example.net\r\nTo: alice@example.org\r\nDate: bad date\r\n\r\nHi\r\n";
        let third = "From: carol@example.org\nTo: dave@example.com\n\nlast";
        let mbox = format!(
            "From alice@example.org Thu Mar 14 10:00:00 2024\n{first}\n\
From bob@example.net Thu Mar 14 11:00:00 2024\r\n{second}\r\n\
From - Fri Mar 15 09:00:00 2024\n{third}"
        );
        let b = mbox.as_bytes();
        assert!(probe(b));
        let v = parse(b);
        assert_eq!(v.len(), 3);
        for (m, text) in v.iter().zip([first, second, third]) {
            assert_eq!(m.format, Format::Mbox);
            let got = &b[m.offset as usize..(m.offset + m.length) as usize];
            assert_eq!(got, text.as_bytes());
        }
        assert_eq!(v[0].subject.as_deref(), Some("one"));
        assert_eq!(v[1].from, [a(None, "bob@example.net")]);
        assert_eq!(v[1].date, None);
        assert_eq!(v[1].date_raw.as_deref(), Some("bad date"));
        assert_eq!(v[2].to, [a(None, "dave@example.com")]);
        let (some, more) = parse_with(b, 2);
        assert_eq!((some.len(), more), (2, true));
    }

    #[test]
    fn hostile_input_is_bounded() {
        // A header block far beyond the cap: fields past it are not read.
        let mut m = b"From: a@example.org\nTo: b@example.net\nX-Pad: ".to_vec();
        m.extend(std::iter::repeat_n(b'x', MAX_HEADER));
        m.extend(b"\nCc: late@example.com\n\n");
        let v = parse(&m);
        assert_eq!(v.len(), 1);
        assert!(v[0].cc.is_empty());
        // More addresses than the cap.
        let mut m = b"From: a@example.org\nTo: ".to_vec();
        for i in 0..(MAX_ADDRESSES + 50) {
            m.extend(format!("u{i}@e.org,").as_bytes());
        }
        m.extend(b"\n\n");
        assert_eq!(parse(&m)[0].to.len(), MAX_ADDRESSES);
        // Unterminated quotes, comments, brackets and encoded-words; stray bytes.
        let m =
            b"From: \"a (b <c =?utf-8?q?\xff\xfe\nTo: ((((\nDate: ,,,, ::::\nSubject: =?=?=??=\n";
        let v = parse(m);
        assert_eq!(v.len(), 1);
        assert!(v[0].from.is_empty() && v[0].to.is_empty() && v[0].date.is_none());
        // Pseudo-random bytes after a valid start never panic.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..300 {
            let mut m = b"From: a@example.org\nTo: ".to_vec();
            for _ in 0..200 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                m.push(b"<>\"()=?,;:@. \\\n\tQBa\xc3\xa9\r"[(x % 22) as usize]);
            }
            let _ = parse(&m);
        }
    }
}
