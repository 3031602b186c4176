//! `report.html`: one self-contained, offline page that sums up a case folder (evidence,
//! volumes, YARA hits, top features, deleted files, errors, timeline, graph, manifest), made
//! from the staged outputs. The JSONL and CSV outputs are streamed line by line and only counts
//! and the first rows of each kind are kept, so memory stays bounded whatever the case size.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Datelike, Utc};
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::Value;

use super::export::write_new;
use super::process::RUNTIME_FIELDS;

/// Manifest fields the report leaves out besides the run-time ones: what depends on how and
/// where the case was made rather than on what it holds (the command line names the case
/// folder, a merge names its source folders), and the output hashes, which are taken after
/// the report is written.
const OMITTED: [&str; 4] = ["/arguments", "/sources", "/outputs", "/runtime_fields"];

/// Locators shown for each YARA rule.
const HIT_LOCATORS: usize = 10;
/// Values shown for each feature kind.
const TOP_FEATURES: usize = 10;
/// Deleted entries listed.
const DELETED_SHOWN: usize = 50;
/// Error records listed.
const ERRORS_SHOWN: usize = 20;
/// Most rows of the timeline overview; a coarser period is used past it.
const MAX_BUCKETS: usize = 100;
/// Most volumes gathered from files.jsonl (a bound for hostile input, not one a case meets).
const MAX_VOLUMES: usize = 10_000;

const CSS: &str = "\
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:0 1.5em 3em;\
color:#1d1d1f;background:#fff}\
h1{font-size:1.6em;margin:.8em 0 .2em}h2{font-size:1.25em;margin:1.6em 0 .5em;\
border-bottom:2px solid #d0d7de;padding-bottom:.2em}h3{font-size:1.05em;margin:1.1em 0 .4em}\
nav{margin:.4em 0 1em}nav a{margin-right:1em}a{color:#0b57a4}\
table{border-collapse:collapse;margin:.3em 0 .8em}\
th,td{border:1px solid #d0d7de;padding:.25em .55em;text-align:left;vertical-align:top}\
th{background:#f3f5f8}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;\
white-space:nowrap}td.k{white-space:nowrap}\
.mono,td.h,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}\
td,pre{overflow-wrap:anywhere}td.h{word-break:break-all}\
ul.loc{margin:0;padding-left:1.1em}\
.ok{color:#116329;font-weight:600}.bad{color:#a40e26;font-weight:600}.muted{color:#57606a}\
td.bar{width:40%;min-width:8em}td.bar span{display:block;height:.85em;background:#4a7bb7}\
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:.8em;white-space:pre-wrap}\
@media print{nav{display:none}}";

/// Writes `stage/report.html` from the outputs staged there and `manifest` (the case manifest,
/// with or without its run-time fields: they are left out of the report either way).
pub(crate) fn write_report(stage: &Path, manifest: &Value) -> anyhow::Result<()> {
    let facts = Facts::read(stage)?;
    let html = render(&report_manifest(manifest), &facts)?;
    let dest = stage.join("report.html");
    write_new(&dest, |f| f.write_all(html.as_bytes()))
        .with_context(|| format!("writing {}", dest.display()))
}

/// The manifest as the report shows it: without run-time and case-location fields.
fn report_manifest(m: &Value) -> Value {
    let mut m = m.clone();
    for p in RUNTIME_FIELDS
        .iter()
        .filter(|f| f.starts_with('/'))
        .chain(OMITTED.iter())
    {
        let parts: Vec<&str> = p.trim_start_matches('/').split('/').collect();
        strip(&mut m, &parts);
    }
    m
}

/// Removes the field a JSON pointer names, `*` standing for every array element.
fn strip(v: &mut Value, parts: &[&str]) {
    match parts {
        [] => {}
        [last] => {
            if let Some(o) = v.as_object_mut() {
                o.remove(*last);
            }
        }
        [first, rest @ ..] => {
            if *first == "*" {
                if let Some(a) = v.as_array_mut() {
                    for x in a {
                        strip(x, rest);
                    }
                }
            } else if let Some(x) = v.get_mut(*first) {
                strip(x, rest);
            }
        }
    }
}

/// The fields of a files.jsonl or hits.jsonl line the report uses.
#[derive(Deserialize)]
struct Line {
    #[serde(default)]
    record: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    locator_text: String,
    path: Option<String>,
    kind: Option<String>,
    size: Option<u64>,
    deleted: Option<bool>,
    fs: Option<String>,
    volume: Option<VolumeLine>,
    message: Option<String>,
    rule: Option<String>,
    namespace: Option<String>,
    meta: Option<Value>,
}

/// The `volume` object of a file record.
#[derive(Deserialize)]
struct VolumeLine {
    index: Option<u32>,
    offset: Option<u64>,
    length: Option<u64>,
    scheme: Option<String>,
    description: Option<String>,
}

/// Calls `f` on every non-empty line of a JSONL file.
fn each_line<T: DeserializeOwned>(p: &Path, mut f: impl FnMut(T)) -> anyhow::Result<()> {
    let mut r =
        BufReader::new(fs::File::open(p).with_context(|| format!("cannot read {}", p.display()))?);
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        n += 1;
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let v = serde_json::from_slice(&buf)
            .with_context(|| format!("{} line {n}: not a record", p.display()))?;
        f(v);
    }
}

/// A volume as files.jsonl shows it: (evidence, offset) with what its entries say.
#[derive(Default)]
struct VolumeSeen {
    index: Option<u32>,
    scheme: Option<String>,
    length: Option<u64>,
    description: Option<String>,
    fs: Option<String>,
    entries: u64,
    deleted: u64,
}

/// One entry shown in a list.
struct Shown {
    path: String,
    kind: String,
    size: Option<u64>,
    locator: String,
}

/// An error record shown in a list.
struct ErrorShown {
    output: &'static str,
    locator: String,
    message: String,
}

/// What files.jsonl says.
#[derive(Default)]
struct FilesFacts {
    entries: u64,
    deleted: u64,
    deleted_files: u64,
    deleted_dirs: u64,
    deleted_bytes: u64,
    deleted_shown: Vec<Shown>,
    volumes: BTreeMap<(String, Option<u64>), VolumeSeen>,
}

/// Hits of one rule.
#[derive(Default)]
struct RuleHits {
    hits: u64,
    description: Option<String>,
    locators: Vec<String>,
}

/// The first rows of one histogram.
struct Histogram {
    kind: String,
    values: u64,
    mentions: u64,
    top: Vec<(u64, u64, String)>,
}

/// Events of timeline.csv counted by day, month and year (the finer maps dropped once they
/// would have more than `MAX_BUCKETS` rows).
struct TimelineFacts {
    events: u64,
    unparsed: u64,
    earliest: Option<DateTime<Utc>>,
    latest: Option<DateTime<Utc>>,
    days: Option<BTreeMap<(i32, u32, u32), u64>>,
    months: Option<BTreeMap<(i32, u32), u64>>,
    years: BTreeMap<i32, u64>,
}

impl TimelineFacts {
    fn new() -> Self {
        TimelineFacts {
            events: 0,
            unparsed: 0,
            earliest: None,
            latest: None,
            days: Some(BTreeMap::new()),
            months: Some(BTreeMap::new()),
            years: BTreeMap::new(),
        }
    }

    fn add(&mut self, datetime: &str) {
        self.events += 1;
        let Ok(t) = DateTime::parse_from_rfc3339(datetime) else {
            self.unparsed += 1;
            return;
        };
        let t = t.with_timezone(&Utc);
        self.earliest = Some(self.earliest.map_or(t, |e| e.min(t)));
        self.latest = Some(self.latest.map_or(t, |l| l.max(t)));
        let (y, m, d) = (t.year(), t.month(), t.day());
        bump(&mut self.days, (y, m, d));
        bump(&mut self.months, (y, m));
        *self.years.entry(y).or_default() += 1;
    }

    /// Rows of the overview: (period, events), at the finest period that fits.
    fn rows(&self) -> (&'static str, Vec<(String, u64)>) {
        if let Some(d) = &self.days {
            let rows = d
                .iter()
                .map(|((y, m, d), n)| (format!("{y:04}-{m:02}-{d:02}"), *n))
                .collect();
            return ("day", rows);
        }
        if let Some(m) = &self.months {
            let rows = m
                .iter()
                .map(|((y, m), n)| (format!("{y:04}-{m:02}"), *n))
                .collect();
            return ("month", rows);
        }
        if self.years.len() <= MAX_BUCKETS {
            let rows = self
                .years
                .iter()
                .map(|(y, n)| (format!("{y:04}"), *n))
                .collect();
            return ("year", rows);
        }
        for (span, name) in [(10, "decade"), (100, "century")] {
            let mut g: BTreeMap<i32, u64> = BTreeMap::new();
            for (y, n) in &self.years {
                *g.entry(y.div_euclid(span) * span).or_default() += n;
            }
            if g.len() <= MAX_BUCKETS || span == 100 {
                let rows = g
                    .into_iter()
                    .map(|(y, n)| (format!("{y:04}–{:04}", y + span - 1), n))
                    .collect();
                return (name, rows);
            }
        }
        ("year", Vec::new())
    }
}

/// Counts `key` in `map`, dropping the map once it would hold more than `MAX_BUCKETS` keys.
fn bump<K: Ord>(map: &mut Option<BTreeMap<K, u64>>, key: K) {
    if let Some(m) = map {
        if m.len() >= MAX_BUCKETS && !m.contains_key(&key) {
            *map = None;
        } else {
            *m.entry(key).or_default() += 1;
        }
    }
}

/// Node and edge counts of graph.json, read without keeping either.
#[derive(Deserialize)]
struct GraphCounts {
    #[serde(default)]
    nodes: Vec<IgnoredAny>,
    #[serde(default)]
    edges: Vec<IgnoredAny>,
}

/// Everything the report shows that is not in the manifest; `None` where the output is absent.
struct Facts {
    files: Option<FilesFacts>,
    hits: Option<BTreeMap<(String, String), RuleHits>>,
    errors: u64,
    errors_by_output: BTreeMap<&'static str, u64>,
    errors_shown: Vec<ErrorShown>,
    histograms: Option<Vec<Histogram>>,
    timeline: Option<TimelineFacts>,
    graph: Option<(usize, usize, bool)>,
}

impl Facts {
    fn read(stage: &Path) -> anyhow::Result<Facts> {
        let mut f = Facts {
            files: None,
            hits: None,
            errors: 0,
            errors_by_output: BTreeMap::new(),
            errors_shown: Vec::new(),
            histograms: None,
            timeline: None,
            graph: None,
        };
        let p = stage.join("files.jsonl");
        if p.is_file() {
            let mut ff = FilesFacts::default();
            each_line(&p, |l: Line| {
                if l.record == "error" {
                    f.error("files.jsonl", l);
                } else if l.record == "file" {
                    ff.add(l);
                }
            })?;
            f.files = Some(ff);
        }
        let p = stage.join("hits.jsonl");
        if p.is_file() {
            let mut rules: BTreeMap<(String, String), RuleHits> = BTreeMap::new();
            each_line(&p, |l: Line| {
                if l.record == "error" {
                    f.error("hits.jsonl", l);
                } else if l.record == "hit" {
                    let key = (l.namespace.unwrap_or_default(), l.rule.unwrap_or_default());
                    let r = rules.entry(key).or_default();
                    r.hits += 1;
                    if r.description.is_none() {
                        r.description = l
                            .meta
                            .as_ref()
                            .and_then(|m| m.get("description"))
                            .and_then(Value::as_str)
                            .map(str::to_string);
                    }
                    if r.locators.len() < HIT_LOCATORS {
                        r.locators.push(l.locator_text);
                    }
                }
            })?;
            f.hits = Some(rules);
        }
        let p = stage.join("histograms");
        if p.is_dir() {
            f.histograms = Some(read_histograms(&p)?);
        }
        let p = stage.join("timeline.csv");
        if p.is_file() {
            let mut t = TimelineFacts::new();
            let mut r = csv::Reader::from_path(&p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            let mut rec = csv::StringRecord::new();
            while r.read_record(&mut rec)? {
                t.add(rec.get(0).unwrap_or(""));
            }
            f.timeline = Some(t);
        }
        let p = stage.join("graph").join("graph.json");
        if p.is_file() {
            let r = BufReader::new(fs::File::open(&p)?);
            let g: GraphCounts = serde_json::from_reader(r)
                .with_context(|| format!("cannot read {}", p.display()))?;
            let viewer = stage.join("graph").join("graph.html").is_file();
            f.graph = Some((g.nodes.len(), g.edges.len(), viewer));
        }
        Ok(f)
    }

    fn error(&mut self, output: &'static str, l: Line) {
        self.errors += 1;
        *self.errors_by_output.entry(output).or_default() += 1;
        if self.errors_shown.len() < ERRORS_SHOWN {
            self.errors_shown.push(ErrorShown {
                output,
                locator: l.locator_text,
                message: l.message.unwrap_or_default(),
            });
        }
    }
}

impl FilesFacts {
    fn add(&mut self, l: Line) {
        self.entries += 1;
        let deleted = l.deleted == Some(true);
        let key = (l.evidence.clone(), l.volume.as_ref().and_then(|v| v.offset));
        if self.volumes.len() < MAX_VOLUMES || self.volumes.contains_key(&key) {
            let v = self.volumes.entry(key).or_default();
            if v.entries == 0 {
                if let Some(vl) = &l.volume {
                    v.index = vl.index;
                    v.scheme = vl.scheme.clone();
                    v.length = vl.length;
                    v.description = vl.description.clone();
                }
                v.fs = l.fs.clone();
            }
            v.entries += 1;
            v.deleted += u64::from(deleted);
        }
        if !deleted {
            return;
        }
        self.deleted += 1;
        match l.kind.as_deref() {
            Some("file") => {
                self.deleted_files += 1;
                self.deleted_bytes = self.deleted_bytes.saturating_add(l.size.unwrap_or(0));
            }
            Some("dir") => self.deleted_dirs += 1,
            _ => {}
        }
        if self.deleted_shown.len() < DELETED_SHOWN {
            self.deleted_shown.push(Shown {
                path: l.path.unwrap_or_default(),
                kind: l.kind.unwrap_or_default(),
                size: l.size,
                locator: l.locator_text,
            });
        }
    }
}

/// The first rows of every `histograms/<kind>.tsv`, kinds in name order.
fn read_histograms(dir: &Path) -> anyhow::Result<Vec<Histogram>> {
    let mut names: Vec<String> = fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tsv"))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let p = dir.join(&name);
        let mut h = Histogram {
            kind: name.trim_end_matches(".tsv").to_string(),
            values: 0,
            mentions: 0,
            top: Vec::new(),
        };
        let r = BufReader::new(fs::File::open(&p)?);
        for line in r.split(b'\n').skip(1) {
            let line = line?;
            let line = String::from_utf8_lossy(&line);
            let mut cols = line.splitn(3, '\t');
            let (Some(n), Some(s), Some(v)) = (cols.next(), cols.next(), cols.next()) else {
                continue;
            };
            let n: u64 = n.parse().unwrap_or(0);
            h.values += 1;
            h.mentions = h.mentions.saturating_add(n);
            if h.top.len() < TOP_FEATURES {
                h.top.push((n, s.parse().unwrap_or(0), v.to_string()));
            }
        }
        out.push(h);
    }
    Ok(out)
}

/// Escapes text for an HTML text or attribute context; control and bidirectional-override
/// characters are shown as escapes, so a crafted name can neither add markup nor disguise
/// itself.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.extend(c.escape_default()),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.extend(c.escape_unicode());
            }
            c => out.push(c),
        }
    }
    out
}

/// `1234567` → `1,234,567`.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A byte count with its binary-unit size, e.g. `48,234,496 bytes (46.0 MiB)`.
fn bytes(n: u64) -> String {
    let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut unit = None;
    let mut div = 1u128;
    for u in units {
        if u128::from(n) >= div * 1024 {
            div *= 1024;
            unit = Some(u);
        }
    }
    match unit {
        None => format!("{} bytes", thousands(n)),
        Some(u) => {
            let tenths = u128::from(n) * 10 / div;
            format!(
                "{} bytes ({}.{} {u})",
                thousands(n),
                tenths / 10,
                tenths % 10
            )
        }
    }
}

/// A JSON value as short text: strings as they are, numbers, `—` for null or absent.
fn text(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// A table cell with a count.
fn num(n: u64) -> String {
    format!("<td class=\"n\">{}</td>", thousands(n))
}

/// Builds the page.
fn render(m: &Value, f: &Facts) -> anyhow::Result<String> {
    let mut h = String::with_capacity(64 * 1024);
    let evidence: Vec<&Value> = m["evidence"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let title = match evidence.first().map(|e| text(&e["path"])) {
        Some(first) if evidence.len() > 1 => {
            format!("{first} and {} more", evidence.len() - 1)
        }
        Some(first) => first,
        None => "case".to_string(),
    };
    let sections: [(&str, &str); 10] = [
        ("case", "Case"),
        ("evidence", "Evidence"),
        ("volumes", "Volumes and file systems"),
        ("hits", "YARA hits"),
        ("features", "Top features"),
        ("deleted", "Deleted files"),
        ("errors", "Errors"),
        ("timeline", "Timeline"),
        ("graph", "Association graph"),
        ("manifest", "Manifest"),
    ];
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'\">\n",
    );
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(h, "<title>peel case report: {}</title>", esc(&title));
    let _ = writeln!(h, "<style>{CSS}</style>\n</head>");
    let _ = writeln!(
        h,
        "<body data-status=\"ready\" data-sections=\"{}\">",
        sections.len()
    );
    let _ = writeln!(
        h,
        "<h1>peel case report</h1>\n<p class=\"mono\">{}</p>",
        esc(&title)
    );
    h.push_str("<nav>");
    for (id, name) in &sections {
        let _ = write!(h, "<a href=\"#{id}\">{name}</a>");
    }
    h.push_str("</nav>\n");

    section(&mut h, sections[0], "", |h| case_section(h, m));
    section(&mut h, sections[1], "", |h| evidence_section(h, &evidence));
    section(&mut h, sections[2], "", |h| {
        volumes_section(h, &evidence, f)
    });
    hits_section(&mut h, sections[3], f);
    section(&mut h, sections[4], "", |h| features_section(h, f));
    deleted_section(&mut h, sections[5], f);
    let attr = format!(" data-count=\"{}\"", f.errors);
    section(&mut h, sections[6], &attr, |h| errors_section(h, f));
    let attr = f
        .timeline
        .as_ref()
        .map(|t| format!(" data-events=\"{}\"", t.events))
        .unwrap_or_default();
    section(&mut h, sections[7], &attr, |h| timeline_section(h, f));
    section(&mut h, sections[8], "", |h| graph_section(h, f));
    let pretty = serde_json::to_string_pretty(m)?;
    section(&mut h, sections[9], "", |h| {
        h.push_str(
            "<p>The case manifest as the report was made, without the fields that change from \
             run to run or name where the case was made: start and finish times, durations, \
             threads, the command line, the source cases of a merge and the SHA-256 of every \
             output (this page included) are in <span class=\"mono\">manifest.json</span>.</p>\n",
        );
        h.push_str("<pre>");
        for (i, line) in pretty.lines().enumerate() {
            if i > 0 {
                h.push('\n');
            }
            h.push_str(&esc(line));
        }
        h.push_str("</pre>\n");
    });
    h.push_str("</body>\n</html>\n");
    Ok(h)
}

/// Writes one `<section>` with its heading around `body`.
fn section(h: &mut String, (id, name): (&str, &str), attrs: &str, body: impl FnOnce(&mut String)) {
    let _ = writeln!(h, "<section id=\"{id}\"{attrs}>\n<h2>{name}</h2>");
    body(h);
    h.push_str("</section>\n");
}

fn case_section(h: &mut String, m: &Value) {
    h.push_str("<table>\n");
    let mut row = |k: &str, v: String| {
        let _ = writeln!(h, "<tr><th>{k}</th><td>{v}</td></tr>");
    };
    row(
        "made by",
        format!(
            "{} {}, <span class=\"mono\">{}</span>",
            esc(&text(&m["tool"])),
            esc(&text(&m["version"])),
            esc(&text(&m["command"]))
        ),
    );
    let status = text(&m["status"]);
    row(
        "status",
        if status == "clean" {
            "<span class=\"ok\">clean</span>".to_string()
        } else {
            format!(
                "<span class=\"bad\">{}</span> (YARA hits, per-item errors or a failed \
                 verification)",
                esc(&status)
            )
        },
    );
    if let Some(steps) = m["steps"].as_array() {
        let s: Vec<String> = steps.iter().map(|s| esc(&text(s))).collect();
        row("steps", s.join(", "));
    }
    if m["rules"].is_object() {
        let r = &m["rules"];
        let source = match &r["source"] {
            Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(", "),
            v => text(v),
        };
        row(
            "YARA rules",
            format!(
                "{} rules from {} file(s) ({}), {} file(s) with errors; rule-set SHA-256 \
                 <span class=\"mono\">{}</span>",
                esc(&text(&r["rules"])),
                esc(&text(&r["files"])),
                esc(&source),
                esc(&text(&r["errors"])),
                esc(&text(&r["sha256"]))
            ),
        );
    }
    if let Some(o) = m["options"].as_object() {
        let s: Vec<String> = o
            .iter()
            .map(|(k, v)| format!("{} {}", esc(k), esc(&text(v))))
            .collect();
        row("options", s.join(", "));
    }
    if let Some(t) = m["totals"].as_object() {
        let s: Vec<String> = t
            .iter()
            .map(|(k, v)| format!("{} {}", esc(k), esc(&text(v))))
            .collect();
        row("totals", s.join(", "));
    }
    h.push_str("</table>\n");
    h.push_str(
        "<p class=\"muted\">Run times and the hashes of every output file are in \
         manifest.json; this page holds nothing that changes from one run to the next.</p>\n",
    );
}

fn evidence_section(h: &mut String, evidence: &[&Value]) {
    if evidence.is_empty() {
        h.push_str("<p>The manifest lists no evidence.</p>\n");
        return;
    }
    for e in evidence {
        let _ = writeln!(
            h,
            "<h3 class=\"mono\">{}</h3>\n<table>",
            esc(&text(&e["path"]))
        );
        let mut row = |k: &str, v: String| {
            let _ = writeln!(h, "<tr><th>{k}</th><td>{v}</td></tr>");
        };
        if !e["error"].is_null() {
            row(
                "error",
                format!("<span class=\"bad\">{}</span>", esc(&text(&e["error"]))),
            );
        }
        row("format", esc(&text(&e["format"])));
        if let Some(n) = e["size"].as_u64() {
            row("media size", bytes(n));
        }
        for file in e["files"].as_array().into_iter().flatten() {
            let v = match file["sha256"].as_str() {
                Some(sha) => format!(
                    "<span class=\"mono\">{}</span>, {}<br>SHA-256 <span class=\"mono\">{}</span>",
                    esc(&text(&file["path"])),
                    file["size"].as_u64().map(bytes).unwrap_or_default(),
                    esc(sha)
                ),
                None => format!(
                    "<span class=\"mono\">{}</span>: <span class=\"bad\">{}</span>",
                    esc(&text(&file["path"])),
                    esc(&text(&file["error"]))
                ),
            };
            row("evidence file", v);
        }
        let ver = &e["verification"];
        if ver.is_object() {
            let mut v = if ver["verified"] == true {
                "<span class=\"ok\">verified</span>: the media matches the hashes stored at \
                 acquisition"
                    .to_string()
            } else {
                "<span class=\"bad\">not verified</span>".to_string()
            };
            if !ver["error"].is_null() {
                let _ = write!(v, ": {}", esc(&text(&ver["error"])));
            }
            for c in ver["checks"].as_array().into_iter().flatten() {
                let ok = if c["match"] == true {
                    "<span class=\"ok\">match</span>"
                } else {
                    "<span class=\"bad\">MISMATCH</span>"
                };
                let _ = write!(
                    v,
                    "<br>{}: {ok}, stored <span class=\"mono\">{}</span>, computed <span \
                     class=\"mono\">{}</span>",
                    esc(&text(&c["algorithm"]).to_uppercase()),
                    esc(&text(&c["stored"])),
                    esc(&text(&c["computed"]))
                );
            }
            row("E01 verification", v);
        }
        if let Some(c) = e["counts"].as_object() {
            let s: Vec<String> = [
                "entries",
                "files",
                "content_bytes",
                "features",
                "executables",
                "exif",
                "hits",
            ]
            .iter()
            .filter_map(|k| {
                c.get(*k)
                    .and_then(Value::as_u64)
                    .map(|n| format!("{} {k}", thousands(n)))
            })
            .collect();
            row("counts", s.join(", "));
            let errors = c.get("errors").and_then(Value::as_u64).unwrap_or(0);
            let class = if errors == 0 { "ok" } else { "bad" };
            row(
                "errors",
                format!("<span class=\"{class}\">{}</span>", thousands(errors)),
            );
        }
        h.push_str("</table>\n");
    }
}

fn volumes_section(h: &mut String, evidence: &[&Value], f: &Facts) {
    let empty = BTreeMap::new();
    let seen = f.files.as_ref().map(|ff| &ff.volumes).unwrap_or(&empty);
    let header = "<table>\n<tr><th class=\"n\">slot</th><th>scheme</th><th class=\"n\">offset</th>\
                  <th class=\"n\">length</th><th>type</th><th>file system</th>\
                  <th class=\"n\">entries</th><th class=\"n\">deleted</th></tr>\n";
    let counts = |ev: &str, offset: Option<u64>| -> (String, String) {
        match seen.get(&(ev.to_string(), offset)) {
            Some(s) => (num(s.entries), num(s.deleted)),
            None => (
                "<td class=\"n\">0</td>".into(),
                "<td class=\"n\">0</td>".into(),
            ),
        }
    };
    let opt = |n: Option<u64>| n.map(thousands).unwrap_or_else(|| "—".into());
    let mut names: Vec<String> = evidence.iter().map(|e| text(&e["path"])).collect();
    // Evidence that only files.jsonl names (a manifest without an evidence list).
    for (ev, _) in seen.keys() {
        if !names.contains(ev) {
            names.push(ev.clone());
        }
    }
    if names.is_empty() {
        h.push_str("<p>No volumes recorded.</p>\n");
        return;
    }
    for (i, name) in names.iter().enumerate() {
        let _ = writeln!(h, "<h3 class=\"mono\">{}</h3>", esc(name));
        let listed = evidence
            .get(i)
            .and_then(|e| e["volumes"].as_array())
            .filter(|a| !a.is_empty());
        if let Some(vols) = listed {
            h.push_str(header);
            for v in vols {
                let (entries, deleted) = counts(name, v["offset"].as_u64());
                let fs = match (&v["fs"], &v["fs_error"]) {
                    (Value::String(fs), _) => esc(fs),
                    (_, Value::String(e)) => format!("<span class=\"muted\">{}</span>", esc(e)),
                    _ => "—".into(),
                };
                let _ = writeln!(
                    h,
                    "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td>\
                     <td class=\"n\">{}</td><td>{}</td><td>{fs}</td>{entries}{deleted}</tr>",
                    esc(&text(&v["index"])),
                    esc(&text(&v["scheme"])),
                    opt(v["offset"].as_u64()),
                    opt(v["length"].as_u64()),
                    esc(&text(&v["description"])),
                );
            }
            h.push_str("</table>\n");
            continue;
        }
        let rows: Vec<_> = seen.iter().filter(|((ev, _), _)| ev == name).collect();
        if rows.is_empty() {
            h.push_str("<p>No volumes recorded.</p>\n");
            continue;
        }
        h.push_str(header);
        for ((_, offset), s) in rows {
            let _ = writeln!(
                h,
                "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td>{}</td><td>{}</td>{}{}</tr>",
                s.index.map(|i| i.to_string()).unwrap_or_else(|| "—".into()),
                esc(s.scheme.as_deref().unwrap_or("—")),
                opt(*offset),
                opt(s.length),
                esc(s.description.as_deref().unwrap_or("—")),
                esc(s.fs.as_deref().unwrap_or("—")),
                num(s.entries),
                num(s.deleted),
            );
        }
        h.push_str("</table>\n");
    }
}

fn hits_section(h: &mut String, id: (&str, &str), f: &Facts) {
    let Some(rules) = &f.hits else {
        section(h, id, "", |h| {
            h.push_str("<p class=\"muted\">The YARA scan was not run for this case.</p>\n");
        });
        return;
    };
    let total: u64 = rules.values().map(|r| r.hits).sum();
    let attr = format!(" data-hits=\"{total}\" data-rules=\"{}\"", rules.len());
    section(h, id, &attr, |h| {
        if rules.is_empty() {
            h.push_str("<p>No rule matched.</p>\n");
            return;
        }
        let _ = writeln!(
            h,
            "<p>{} hit(s) of {} rule(s); each hit is one object (file, archive member or \
             region) a rule matched. The first {HIT_LOCATORS} locators of each rule are shown; \
             hits.jsonl has them all, with the matched strings and offsets.</p>",
            thousands(total),
            rules.len()
        );
        let mut order: Vec<_> = rules.iter().collect();
        order.sort_by(|a, b| b.1.hits.cmp(&a.1.hits).then(a.0.cmp(b.0)));
        h.push_str(
            "<table>\n<tr><th>rule</th><th>namespace</th><th>description</th>\
             <th class=\"n\">hits</th><th>locators</th></tr>\n",
        );
        for ((ns, rule), r) in order {
            let _ = write!(
                h,
                "<tr data-rule=\"{}:{}\" data-hits=\"{}\"><td class=\"mono k\">{}</td><td>{}</td>\
                 <td>{}</td>{}<td><ul class=\"loc\">",
                esc(ns),
                esc(rule),
                r.hits,
                esc(rule),
                esc(ns),
                esc(r.description.as_deref().unwrap_or("")),
                num(r.hits)
            );
            for l in &r.locators {
                let _ = write!(h, "<li class=\"mono\">{}</li>", esc(l));
            }
            let more = r.hits.saturating_sub(r.locators.len() as u64);
            if more > 0 {
                let _ = write!(h, "<li class=\"muted\">… and {} more</li>", thousands(more));
            }
            h.push_str("</ul></td></tr>\n");
        }
        h.push_str("</table>\n");
    });
}

fn features_section(h: &mut String, f: &Facts) {
    let Some(hist) = &f.histograms else {
        h.push_str("<p class=\"muted\">Features were not extracted for this case.</p>\n");
        return;
    };
    if hist.is_empty() {
        h.push_str("<p>No features found.</p>\n");
        return;
    }
    let _ = writeln!(
        h,
        "<p>The {TOP_FEATURES} most frequent values of each kind, from histograms/ (normalised \
         values; <em>sources</em> counts the distinct files or regions a value was found in).</p>"
    );
    for k in hist {
        let _ = writeln!(
            h,
            "<h3>{} <span class=\"muted\">({} distinct, {} mention(s))</span></h3>",
            esc(&k.kind),
            thousands(k.values),
            thousands(k.mentions)
        );
        let (top_n, top_v) = k
            .top
            .first()
            .map(|(n, _, v)| (*n, v.as_str()))
            .unwrap_or((0, ""));
        let _ = writeln!(
            h,
            "<table data-kind=\"{}\" data-top=\"{}\" data-top-count=\"{top_n}\">\n<tr>\
             <th class=\"n\">count</th><th class=\"n\">sources</th><th>value</th></tr>",
            esc(&k.kind),
            esc(top_v)
        );
        for (n, s, v) in &k.top {
            let _ = writeln!(
                h,
                "<tr>{}{}<td class=\"mono\">{}</td></tr>",
                num(*n),
                num(*s),
                esc(v)
            );
        }
        h.push_str("</table>\n");
    }
}

fn deleted_section(h: &mut String, id: (&str, &str), f: &Facts) {
    let Some(ff) = &f.files else {
        section(h, id, "", |h| {
            h.push_str("<p class=\"muted\">Files were not listed for this case.</p>\n");
        });
        return;
    };
    let attr = format!(
        " data-count=\"{}\" data-bytes=\"{}\"",
        ff.deleted, ff.deleted_bytes
    );
    section(h, id, &attr, |h| {
        let _ = writeln!(
            h,
            "<p>{} deleted entr{} of {} listed ({} file(s), {} folder(s)); the deleted files \
             had {} by their recorded sizes (how much of that is still recoverable depends on \
             what has been overwritten since).</p>",
            thousands(ff.deleted),
            if ff.deleted == 1 { "y" } else { "ies" },
            thousands(ff.entries),
            thousands(ff.deleted_files),
            thousands(ff.deleted_dirs),
            bytes(ff.deleted_bytes)
        );
        if ff.deleted_shown.is_empty() {
            return;
        }
        h.push_str(
            "<table>\n<tr><th>path</th><th>kind</th><th class=\"n\">size</th><th>locator \
             (evidence / volume / file system / path#address)</th></tr>\n",
        );
        for d in &ff.deleted_shown {
            let _ = writeln!(
                h,
                "<tr><td class=\"mono\">{}</td><td>{}</td>{}<td class=\"mono\">{}</td></tr>",
                esc(&d.path),
                esc(&d.kind),
                d.size
                    .map(num)
                    .unwrap_or_else(|| "<td class=\"n\">—</td>".into()),
                esc(&d.locator)
            );
        }
        h.push_str("</table>\n");
        let more = ff.deleted.saturating_sub(ff.deleted_shown.len() as u64);
        if more > 0 {
            let _ = writeln!(
                h,
                "<p class=\"muted\">… and {} more in files.jsonl (<span class=\"mono\">jq -c \
                 &#39;select(.deleted)&#39; files.jsonl</span>).</p>",
                thousands(more)
            );
        }
    });
}

fn errors_section(h: &mut String, f: &Facts) {
    if f.errors == 0 {
        h.push_str("<p class=\"ok\">No error records.</p>\n");
        return;
    }
    let by: Vec<String> = f
        .errors_by_output
        .iter()
        .map(|(o, n)| format!("{} in {o}", thousands(*n)))
        .collect();
    let _ = writeln!(
        h,
        "<p><span class=\"bad\">{} error record(s)</span> ({}): parts of the evidence that \
         could not be read or scanned; the rest of each item was processed. The first \
         {ERRORS_SHOWN} are shown.</p>",
        thousands(f.errors),
        by.join(", ")
    );
    h.push_str("<table>\n<tr><th>output</th><th>locator</th><th>message</th></tr>\n");
    for e in &f.errors_shown {
        let _ = writeln!(
            h,
            "<tr><td class=\"k\">{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
            e.output,
            esc(&e.locator),
            esc(&e.message)
        );
    }
    h.push_str("</table>\n");
}

fn timeline_section(h: &mut String, f: &Facts) {
    let Some(t) = &f.timeline else {
        h.push_str("<p class=\"muted\">No timeline was made for this case.</p>\n");
        return;
    };
    let fmt = |d: Option<DateTime<Utc>>| {
        d.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            .unwrap_or_else(|| "—".into())
    };
    let _ = writeln!(
        h,
        "<p>{} event(s) in timeline.csv (every timestamp of every entry), from <span \
         class=\"mono\">{}</span> to <span class=\"mono\">{}</span> (UTC).</p>",
        thousands(t.events),
        esc(&fmt(t.earliest)),
        esc(&fmt(t.latest))
    );
    if t.unparsed > 0 {
        let _ = writeln!(
            h,
            "<p class=\"muted\">{} event(s) with a time that could not be read are not counted \
             below.</p>",
            thousands(t.unparsed)
        );
    }
    let (period, rows) = t.rows();
    if rows.is_empty() {
        return;
    }
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1);
    let _ = writeln!(
        h,
        "<table data-period=\"{period}\">\n<tr><th>{period}</th><th class=\"n\">events</th>\
         <th>share of the busiest {period}</th></tr>"
    );
    for (label, n) in &rows {
        // Tenths of a percent of the busiest period, in integers so the page is reproducible.
        let w = u128::from(*n) * 1000 / u128::from(max);
        let _ = writeln!(
            h,
            "<tr><td class=\"mono\">{}</td>{}<td class=\"bar\"><span style=\"width:{}.{}%\">\
             </span></td></tr>",
            esc(label),
            num(*n),
            w / 10,
            w % 10
        );
    }
    h.push_str("</table>\n");
}

fn graph_section(h: &mut String, f: &Facts) {
    match f.graph {
        None => {
            h.push_str("<p class=\"muted\">No association graph was built for this case.</p>\n")
        }
        Some((nodes, edges, viewer)) => {
            let _ = write!(
                h,
                "<p data-nodes=\"{nodes}\" data-edges=\"{edges}\">{} entit{} and {} link(s) \
                 between them, each with the records that justify it (graph/graph.json, with \
                 exports for Gephi, Neo4j, Graphviz and Cytoscape under graph/).",
                thousands(nodes as u64),
                if nodes == 1 { "y" } else { "ies" },
                thousands(edges as u64)
            );
            if viewer {
                h.push_str(" <a href=\"graph/graph.html\">Open the graph viewer</a>.");
            }
            h.push_str("</p>\n");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn escapes_markup_controls_and_bidi_overrides() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(esc("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(esc("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
    }

    #[test]
    fn numbers_are_grouped_and_sized() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(bytes(512), "512 bytes");
        assert_eq!(bytes(48_234_496), "48,234,496 bytes (46.0 MiB)");
        assert_eq!(bytes(1536), "1,536 bytes (1.5 KiB)");
    }

    #[test]
    fn runtime_and_location_fields_are_left_out() {
        let m = serde_json::json!({
            "started": "t", "finished": "t", "duration_ms": 1, "threads": 2,
            "arguments": ["process"], "outputs": {}, "status": "clean",
            "evidence": [{"path": "a", "started": "t", "finished": "t"}],
        });
        assert_eq!(
            report_manifest(&m),
            serde_json::json!({"status": "clean", "evidence": [{"path": "a"}]})
        );
    }

    #[test]
    fn timeline_coarsens_past_the_row_limit() {
        let mut t = TimelineFacts::new();
        t.add("2024-03-01T10:00:00Z");
        t.add("2024-03-01T11:00:00+02:00");
        t.add("not a time");
        let (period, rows) = t.rows();
        assert_eq!((period, rows), ("day", vec![("2024-03-01".to_string(), 2)]));
        assert_eq!((t.events, t.unparsed), (3, 1));
        for d in 0..200 {
            let day = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()
                + chrono::Duration::days(d * 3);
            t.add(&format!("{day}T00:00:00Z"));
        }
        let (period, rows) = t.rows();
        assert_eq!(period, "month");
        assert!(rows.len() <= MAX_BUCKETS);
        assert_eq!(rows.iter().map(|r| r.1).sum::<u64>(), 202);
        let mut t = TimelineFacts::new();
        for y in 1000..1500 {
            t.add(&format!("{y}-06-01T00:00:00Z"));
        }
        let (period, rows) = t.rows();
        assert_eq!(period, "decade");
        assert_eq!(rows.len(), 50);
        assert_eq!(rows[0], ("1000–1009".to_string(), 10));
    }

    #[test]
    fn hostile_names_stay_text_and_the_page_is_reproducible() {
        let dir = tempfile::tempdir().unwrap();
        let evil = "<script>alert(1)</script>\u{202e}gpj.exe";
        let rec = serde_json::json!({"record": "file", "evidence": "e<1>.img",
            "locator_text": format!("e<1>.img / fat16 / {evil}#9"), "path": evil, "kind": "file",
            "size": 10, "deleted": true, "fs": "fat16"});
        let err = serde_json::json!({"record": "error", "evidence": "e<1>.img",
            "locator_text": "e<1>.img / vol:1@0", "message": "<b>bad</b>"});
        std::fs::write(dir.path().join("files.jsonl"), format!("{rec}\n{err}\n")).unwrap();
        let hit = serde_json::json!({"record": "hit", "rule": "r<x>", "namespace": "n'1",
            "locator_text": "x", "meta": {"description": "<img src=x>"}});
        std::fs::write(dir.path().join("hits.jsonl"), format!("{hit}\n{hit}\n")).unwrap();
        std::fs::create_dir(dir.path().join("histograms")).unwrap();
        std::fs::write(
            dir.path().join("histograms/email.tsv"),
            "count\tsources\tnormalized\n2\t1\t<a@b.c>\n",
        )
        .unwrap();
        let m = serde_json::json!({"status": "findings", "command": "process",
            "evidence": [{"path": "e<1>.img", "format": "raw", "files": [], "volumes": []}]});
        write_report(dir.path(), &m).unwrap();
        let first = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
        assert!(!first.contains("<script"), "{first}");
        assert!(!first.contains("<img"));
        assert!(!first.contains("<b>"));
        assert!(!first.contains('\u{202e}'));
        assert!(first.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\u{202e}gpj.exe"));
        assert!(first.contains("data-rule=\"n&#39;1:r&lt;x&gt;\" data-hits=\"2\""));
        assert!(first.contains("data-kind=\"email\" data-top=\"&lt;a@b.c&gt;\""));
        assert!(first.contains("<section id=\"deleted\" data-count=\"1\" data-bytes=\"10\">"));
        assert!(first.contains("<section id=\"errors\" data-count=\"1\">"));
        // Written once: a second report into the same folder is refused, not overwritten.
        assert!(write_report(dir.path(), &m).is_err());
        std::fs::remove_file(dir.path().join("report.html")).unwrap();
        write_report(dir.path(), &m).unwrap();
        let second = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
        assert_eq!(first, second);
    }
}
