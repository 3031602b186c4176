//! Scanning bytes with compiled rules: one [`Worker`] (a yara-x scanner) per thread, the
//! per-object external variables, and hits as plain data.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::Compiled;
use crate::rules::DefineValue;

/// External variables peel defines for every object, as THOR and LOKI do, so public rule sets
/// (signature-base …) compile and run unchanged.
pub const EXTERNALS: &[&str] = &[
    "filename",
    "filepath",
    "extension",
    "filetype",
    "owner",
    "md5",
    "sha256",
];

/// What is known about the object scanned; empty strings where not known.
#[derive(Debug, Clone, Default)]
pub struct ObjectVars {
    /// Name only (`cmd.exe`).
    pub filename: String,
    /// The folder holding it, in the evidence's own style (`\Windows\System32` on FAT and
    /// NTFS, `/etc` on ext and host folders).
    pub filepath: String,
    /// Lower-case extension with its dot (`.exe`), or empty.
    pub extension: String,
    /// Type by content ([`crate::filetype::detect`]).
    pub filetype: String,
    /// Owner (user id) where the file system records one.
    pub owner: String,
    /// Lower-case hex MD5 (only when the rules may read it).
    pub md5: String,
    /// Lower-case hex SHA-256 (only when the rules may read it).
    pub sha256: String,
}

impl ObjectVars {
    fn pairs(&self) -> [(&'static str, &str); 7] {
        [
            ("filename", &self.filename),
            ("filepath", &self.filepath),
            ("extension", &self.extension),
            ("filetype", &self.filetype),
            ("owner", &self.owner),
            ("md5", &self.md5),
            ("sha256", &self.sha256),
        ]
    }
}

/// One matched pattern occurrence.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Match {
    /// Pattern identifier (`$a`).
    pub pattern: String,
    /// Offset of the match in the object (or region) scanned.
    pub offset: u64,
    /// Length of the match.
    pub length: u64,
    /// The matched bytes, escaped and cut to [`DATA_MAX`] bytes, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// Matched bytes shown at most (longer data ends in `…`).
pub const DATA_MAX: usize = 64;

/// A rule that matched an object.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    /// Rule identifier.
    pub rule: String,
    /// Its namespace.
    pub namespace: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Metadata, in the rule's order of keys sorted (values as JSON: strings, numbers,
    /// booleans; byte strings escaped).
    pub meta: BTreeMap<String, serde_json::Value>,
    /// Matches of its (non-private) patterns, by pattern then offset.
    pub matches: Vec<Match>,
}

/// Why an object could not be scanned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScanFailure {
    /// The per-object timeout expired.
    #[error("YARA scan timed out after {0:?}")]
    Timeout(Duration),
    /// Anything else yara-x reported.
    #[error("YARA scan failed: {0}")]
    Other(String),
}

/// Escapes bytes for display: printable ASCII as is, `\\`, `\"`, and `\xNN` for the rest; at
/// most `max` input bytes, then `…`.
pub fn escape_bytes(b: &[u8], max: usize) -> String {
    let mut s = String::new();
    for &c in b.iter().take(max) {
        match c {
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    if b.len() > max {
        s.push('…');
    }
    s
}

/// Where a page of a region lies (see [`Worker::scan_page`]).
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// Region offset of the page buffer's first byte.
    pub base: u64,
    /// Start of the part this page answers for.
    pub own_from: u64,
    /// End (exclusive) of that part.
    pub own_to: u64,
    /// The region's first page.
    pub first: bool,
}

/// One yara-x scanner with its variables; not shared between threads.
pub struct Worker<'r> {
    scanner: yara_x::Scanner<'r>,
    rules: &'r Compiled,
    timeout: Duration,
}

impl<'r> Worker<'r> {
    /// A scanner over `rules`, aborting an object after `timeout`.
    pub fn new(rules: &'r Compiled, timeout: Option<Duration>) -> Self {
        let mut scanner = yara_x::Scanner::new(&rules.rules);
        if let Some(t) = timeout {
            scanner.set_timeout(t);
        }
        for d in &rules.defines {
            // Loaded compiled rules may not know the name; then there is nothing to set.
            let _ = match &d.value {
                DefineValue::Bool(b) => scanner.set_global(&d.name, *b).map(|_| ()),
                DefineValue::Int(i) => scanner.set_global(&d.name, *i).map(|_| ()),
                DefineValue::Float(f) => scanner.set_global(&d.name, *f).map(|_| ()),
                DefineValue::Str(s) => scanner.set_global(&d.name, s.as_str()).map(|_| ()),
            };
        }
        Worker {
            scanner,
            rules,
            timeout: timeout.unwrap_or_default(),
        }
    }

    /// Scans `data` as one object; matches at offsets in `data`.
    pub fn scan(
        &mut self,
        data: &[u8],
        vars: &ObjectVars,
        with_data: bool,
    ) -> Result<Vec<Hit>, ScanFailure> {
        for (name, value) in vars.pairs() {
            if !self.rules.fixed.contains(name) {
                // Rules compiled elsewhere may not define every variable.
                let _ = self.scanner.set_global(name, value);
            }
        }
        let timeout = self.timeout;
        let results = self.scanner.scan(data).map_err(|e| match e {
            yara_x::ScanError::Timeout => ScanFailure::Timeout(timeout),
            other => ScanFailure::Other(other.to_string()),
        })?;
        let mut hits = Vec::new();
        for rule in results.matching_rules() {
            let meta = rule
                .metadata()
                .map(|(k, v)| {
                    let v = match v {
                        yara_x::MetaValue::Integer(i) => serde_json::Value::from(i),
                        yara_x::MetaValue::Float(f) => serde_json::Value::from(f),
                        yara_x::MetaValue::Bool(b) => serde_json::Value::from(b),
                        yara_x::MetaValue::String(s) => serde_json::Value::from(s),
                        yara_x::MetaValue::Bytes(b) => serde_json::Value::from(escape_bytes(
                            AsRef::<[u8]>::as_ref(b),
                            usize::MAX,
                        )),
                    };
                    (k.to_string(), v)
                })
                .collect();
            let mut matches = Vec::new();
            for p in rule.patterns() {
                for m in p.matches() {
                    let r = m.range();
                    matches.push(Match {
                        pattern: p.identifier().to_string(),
                        offset: r.start as u64,
                        length: (r.end - r.start) as u64,
                        data: with_data.then(|| escape_bytes(m.data(), DATA_MAX)),
                    });
                }
            }
            hits.push(Hit {
                rule: rule.identifier().to_string(),
                namespace: rule.namespace().to_string(),
                tags: rule.tags().map(|t| t.identifier().to_string()).collect(),
                meta,
                matches,
            });
        }
        Ok(hits)
    }

    /// Scans one page of a larger region. `buf` holds region bytes from offset `page.base`;
    /// `[page.own_from, page.own_to)` is the part this page answers for (the rest is overlap with the
    /// neighbours). Matches are given at region offsets; a match starting outside the owned
    /// part is left to the page that owns it, and a rule whose every match lies outside is
    /// dropped. A rule matching without any pattern match (a condition on its own) is kept on
    /// the region's first page only, so a region yields it once.
    pub fn scan_page(
        &mut self,
        buf: &[u8],
        page: &Page,
        vars: &ObjectVars,
        with_data: bool,
    ) -> Result<Vec<Hit>, ScanFailure> {
        let mut hits = self.scan(buf, vars, with_data)?;
        hits.retain_mut(|h| {
            if h.matches.is_empty() {
                return page.first;
            }
            h.matches.retain_mut(|m| {
                m.offset += page.base;
                (page.own_from..page.own_to).contains(&m.offset)
            });
            !h.matches.is_empty()
        });
        Ok(hits)
    }
}
