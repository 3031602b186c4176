//! Building a graph from `peel` records (features, messages, EXIF, files), from tabular
//! records ([`crate::tabular`]) and from stored graphs, merged into one.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use serde::Deserialize;

use crate::GraphError;
use crate::model::{
    Cite, Edge, EdgeOut, Evidence, FORMAT, Graph, MAX_VARIANTS, Mention, Node, Parts, Record,
    Removed, Renumber, VERSION, write_parts,
};
use crate::resolve::{self, Resolved};
use crate::stream::{self, BatchEnd, LineBatch};

/// How records become edges.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Features in free space or raw regions (no file around them) co-occur when at most this
    /// many bytes apart.
    pub window: u64,
    /// When set, features inside files co-occur only within this many bytes too (instead of
    /// anywhere in the same file or message).
    pub file_window: Option<u64>,
    /// Objects naming more distinct entities than this are not paired (a mailing-list dump
    /// would link everyone); each is listed in the graph's notes.
    pub max_group: usize,
    /// Most evidence entries kept per edge (the count stays exact).
    pub max_evidence: usize,
    /// Region for national phone numbers (ISO 3166, e.g. `GB`).
    pub region: Option<String>,
    /// Link every entity to the evidence items it was found in (`seen-on`).
    pub seen_on: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            window: 256,
            file_window: None,
            max_group: 50,
            max_evidence: 1000,
            region: None,
            seen_on: true,
        }
    }
}

/// One stop-list line.
#[derive(Debug, Clone)]
pub struct StopRule {
    line: String,
    matcher: StopMatch,
}

#[derive(Debug, Clone)]
enum StopMatch {
    Key(String),
    Label(String),
    Regex(regex::Regex),
}

impl StopRule {
    /// Parses a stop list: one entry a line — a key (`email:root@localhost`), a value
    /// (matched against every kind's label, case-insensitively) or `re:REGEX` (matched against
    /// the key); `#` starts a comment line.
    pub fn parse_list(text: &str, name: &str) -> Result<Vec<StopRule>, GraphError> {
        let mut out = Vec::new();
        for (n, l) in text.lines().enumerate() {
            let l = l.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let matcher = if let Some(re) = l.strip_prefix("re:") {
                StopMatch::Regex(regex::Regex::new(re).map_err(|e| GraphError::Parse {
                    what: name.to_string(),
                    line: n as u64 + 1,
                    message: e.to_string(),
                })?)
            } else if let Some((k, v)) = l.split_once(':')
                && resolve::entity_kind(k).is_some()
                && !v.starts_with("//")
            {
                match resolve::resolve(k, v, None) {
                    Some(r) => StopMatch::Key(r.key),
                    None => StopMatch::Key(l.to_string()),
                }
            } else {
                StopMatch::Label(l.to_lowercase())
            };
            out.push(StopRule {
                line: l.to_string(),
                matcher,
            });
        }
        Ok(out)
    }

    fn matches(&self, key: &str, label: &str) -> bool {
        match &self.matcher {
            StopMatch::Key(k) => k == key,
            StopMatch::Label(l) => label.to_lowercase() == *l,
            StopMatch::Regex(r) => r.is_match(key),
        }
    }
}

/// A node's number while building (its index in [`Builder`]'s node list).
type Id = u32;

#[derive(Debug, Default)]
struct NodeAcc {
    key: String,
    kind: String,
    label: String,
    variants: BTreeSet<String>,
    steps: BTreeSet<String>,
    mentions: u64,
    sources: BTreeSet<String>,
    first: Option<String>,
    last: Option<String>,
    attrs: BTreeMap<String, String>,
}

/// An edge while building; its ends and kind are its key in [`Builder`]'s edge index.
#[derive(Debug, Default)]
struct EdgeAcc {
    directed: bool,
    weight: f64,
    count: u64,
    /// Distinct sources, as numbers in the builder's `source_names`.
    sources: Vec<u32>,
    /// First and last seen, where any evidence has a time (most edges have none).
    seen: Option<Box<(String, String)>>,
    evidence: Vec<Cite>,
}

impl EdgeAcc {
    /// Adds one piece of evidence: its weight, its source (numbered), its time where the
    /// record has one in UTC form, and the citation while the list is under the cap `max`.
    fn add(
        &mut self,
        directed: bool,
        weight: f64,
        sid: u32,
        time: Option<&str>,
        c: Cite,
        max: usize,
    ) {
        self.directed = directed;
        self.weight += weight;
        self.count += 1;
        self.add_source(sid);
        if let Some(t) = time.filter(|t| is_utc_time(t)) {
            self.add_times(t, t);
        }
        if self.evidence.len() < max {
            // Most edges have one piece of evidence: room for one, not the four a first push
            // would make.
            if self.evidence.capacity() == 0 {
                self.evidence.reserve_exact(1);
            }
            self.evidence.push(c);
        }
    }

    fn add_source(&mut self, sid: u32) {
        if !self.sources.contains(&sid) {
            self.sources.push(sid);
        }
    }

    /// Widens first and last seen to take in `first` .. `last`.
    fn add_times(&mut self, first: &str, last: &str) {
        match &mut self.seen {
            Some(b) => {
                if first < b.0.as_str() {
                    b.0 = first.to_string();
                }
                if last > b.1.as_str() {
                    b.1 = last.to_string();
                }
            }
            None => self.seen = Some(Box::new((first.to_string(), last.to_string()))),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct GroupMention {
    node: Id,
    offset: u64,
    /// Index in the builder's mention table.
    mention: u32,
}

#[derive(Debug)]
struct Group {
    object: String,
    source: String,
    windowed: bool,
    /// The `feature` record for this object (what `seen-on` edges cite), once made.
    feature_record: Option<u32>,
    mentions: Vec<GroupMention>,
}

/// Two entities a part of a group links, with their mentions there.
#[derive(Debug)]
struct PairCite {
    a: Id,
    b: Id,
    mentions: [u32; 2],
    note: Option<String>,
}

/// A part of a group (the whole object, or one message in it): the record co-occurrence
/// there cites, and the pairs it links, in the order they are cited.
#[derive(Debug)]
struct Part {
    record: Record,
    pairs: Vec<PairCite>,
}

/// A pair put in order of its first end, which is where it is placed: the other end and
/// the citation.
#[derive(Debug, Default)]
struct Placed {
    b: Id,
    record: u32,
    /// The record's source, numbered.
    sid: u32,
    /// Whether the record has a time in UTC form.
    timed: bool,
    mentions: [u32; 2],
    note: Option<String>,
}

#[derive(Debug, Clone)]
struct MessageSpan {
    offset: u64,
    length: u64,
    time: Option<String>,
    subject: Option<String>,
}

/// Every field any input record may carry; records are told apart by `record`.
#[derive(Debug, Deserialize)]
struct Rec {
    record: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    normalized: Option<String>,
    #[serde(default)]
    validated: Option<bool>,
    #[serde(default)]
    context: Option<String>,
    #[serde(default)]
    locator_text: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    offset: Option<u64>,
    #[serde(default)]
    length: Option<u64>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    from: Vec<Addr>,
    #[serde(default)]
    to: Vec<Addr>,
    #[serde(default)]
    cc: Vec<Addr>,
    #[serde(default)]
    bcc: Vec<Addr>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    date_raw: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    latitude: Option<f64>,
    #[serde(default)]
    longitude: Option<f64>,
    #[serde(default)]
    make: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    taken: Option<String>,
    #[serde(default)]
    sha256: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Addr {
    #[serde(default)]
    address: String,
}

/// What a build read.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BuildStats {
    /// Feature records read.
    pub features: u64,
    /// Message records read.
    pub messages: u64,
    /// EXIF records with a position.
    pub locations: u64,
    /// File records read (for SHA-256 keys).
    pub files: u64,
    /// Records of other kinds, skipped.
    pub other: u64,
    /// Feature records that resolved to no entity (kinds that are not entities).
    pub unresolved: u64,
}

/// Each line as a record (`None` for a blank line) or the parser's message.
fn parse_lines(lines: &LineBatch) -> Vec<Result<Option<Rec>, String>> {
    lines.parse(|line| {
        if line.trim().is_empty() {
            return Ok(None);
        }
        serde_json::from_str(line)
            .map(Some)
            .map_err(|e| e.to_string())
    })
}

/// The number of `name` in `names`, given one when new.
fn intern(ids: &mut HashMap<String, u32>, names: &mut Vec<String>, name: &str) -> u32 {
    if let Some(&i) = ids.get(name) {
        return i;
    }
    let i = names.len() as u32;
    names.push(name.to_string());
    ids.insert(name.to_string(), i);
    i
}

/// Accumulates records and stored graphs into one graph.
#[derive(Debug, Default)]
pub struct Builder {
    opts: BuildOptions,
    nodes: Vec<NodeAcc>,
    ids: HashMap<String, Id>,
    evidence_ids: HashMap<String, Id>,
    kinds: Vec<String>,
    kind_ids: HashMap<String, u32>,
    /// Each edge's number in `edge_accs`, by (source, target, kind).
    edges: HashMap<(Id, Id, u32), u32>,
    edge_accs: Vec<EdgeAcc>,
    records: Vec<Record>,
    record_ids: HashMap<Record, u32>,
    mentions: Vec<Mention>,
    groups: Vec<Group>,
    group_index: HashMap<String, usize>,
    messages: HashMap<String, Vec<MessageSpan>>,
    files: HashMap<String, String>,
    /// Evidence items (or CSV files) named as sources of edges, numbered.
    source_names: Vec<String>,
    source_ids: HashMap<String, u32>,
    /// Entity resolution of each (feature kind, value) met so far, keyed by `kind NUL value`:
    /// the same value recurs across files and items, and phone numbers are costly to parse.
    resolved: HashMap<String, Option<resolve::Resolved>>,
    /// Scratch for the key of `resolved`.
    resolve_key: String,
    exif: Vec<Rec>,
    inputs: Vec<String>,
    notes: Vec<String>,
    removed: Vec<Removed>,
    settings: BTreeMap<String, String>,
    /// What has been read so far.
    pub stats: BuildStats,
}

/// The edge of `key` (source, target, kind) in the builder's edge table, made when it is
/// new. A function of the two tables, not of the builder, so that a caller may hold other
/// parts of the builder (the record whose time it adds) meanwhile.
fn edge_acc<'a>(
    index: &mut HashMap<(Id, Id, u32), u32>,
    accs: &'a mut Vec<EdgeAcc>,
    key: (Id, Id, u32),
) -> Option<&'a mut EdgeAcc> {
    let next = accs.len() as u32;
    let i = *index.entry(key).or_insert(next);
    if i == next {
        accs.push(EdgeAcc::default());
    }
    accs.get_mut(i as usize)
}

/// Keeps the earlier of two RFC 3339 times (strings in the same UTC form compare in order).
fn min_time(a: &mut Option<String>, t: &str) {
    if a.as_deref().is_none_or(|x| t < x) {
        *a = Some(t.to_string());
    }
}

fn max_time(a: &mut Option<String>, t: &str) {
    if a.as_deref().is_none_or(|x| t > x) {
        *a = Some(t.to_string());
    }
}

/// True for a time in the UTC RFC 3339 form records use (so it orders as text).
fn is_utc_time(t: &str) -> bool {
    t.len() >= 20 && t.ends_with('Z') && t.as_bytes().get(10) == Some(&b'T')
}

/// The object a feature's locator names: the locator without its final ` / @0x…` offset.
fn object_of(locator: &str) -> &str {
    match locator.rsplit_once(" / @0x") {
        Some((obj, hex)) if hex.bytes().all(|b| b.is_ascii_hexdigit()) => obj,
        _ => locator,
    }
}

/// True when a pair is the trivial link between an address or host and its own domain.
fn trivial_pair(a: &str, b: &str) -> bool {
    fn own_domain(x: &str, d: &str) -> bool {
        let Some(dom) = d.strip_prefix("domain:") else {
            return false;
        };
        let host = if let Some(e) = x.strip_prefix("email:") {
            e.rsplit_once('@').map_or("", |(_, h)| h)
        } else if let Some(h) = x.strip_prefix("host:") {
            h
        } else {
            return false;
        };
        host == dom
            || host
                .strip_suffix(dom)
                .is_some_and(|rest| rest.ends_with('.'))
    }
    own_domain(a, b) || own_domain(b, a)
}

impl Builder {
    /// A builder with these options.
    pub fn new(opts: BuildOptions) -> Self {
        let mut settings = BTreeMap::new();
        settings.insert("window".into(), opts.window.to_string());
        if let Some(w) = opts.file_window {
            settings.insert("file_window".into(), w.to_string());
        }
        settings.insert("max_group".into(), opts.max_group.to_string());
        settings.insert("max_evidence".into(), opts.max_evidence.to_string());
        settings.insert("seen_on".into(), opts.seen_on.to_string());
        if let Some(r) = &opts.region {
            settings.insert("region".into(), r.clone());
        }
        Builder {
            opts,
            settings,
            ..Builder::default()
        }
    }

    /// The options in use.
    pub fn options(&self) -> &BuildOptions {
        &self.opts
    }

    /// Records an input's name (in the graph's `inputs`).
    pub fn add_input(&mut self, name: &str) {
        self.inputs.push(name.to_string());
    }

    /// Adds a note for the reader.
    pub fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    /// The node with this key, made (with this kind and label) when it is new.
    fn node_id(&mut self, key: &str, kind: &str, label: &str) -> Id {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = self.nodes.len() as Id;
        self.nodes.push(NodeAcc {
            key: key.to_string(),
            kind: kind.to_string(),
            label: label.to_string(),
            ..NodeAcc::default()
        });
        self.ids.insert(key.to_string(), id);
        id
    }

    fn acc(&mut self, id: Id) -> Option<&mut NodeAcc> {
        self.nodes.get_mut(id as usize)
    }

    fn key_of(&self, id: Id) -> &str {
        self.nodes.get(id as usize).map_or("", |n| n.key.as_str())
    }

    fn kind_id(&mut self, kind: &str) -> u32 {
        intern(&mut self.kind_ids, &mut self.kinds, kind)
    }

    /// Stores a record edges may cite and returns its index (each distinct record once).
    fn record_index(&mut self, r: Record) -> u32 {
        if let Some(&i) = self.record_ids.get(&r) {
            return i;
        }
        let i = self.records.len() as u32;
        self.records.push(r.clone());
        self.record_ids.insert(r, i);
        i
    }

    /// Stores a record that is new by construction (one per object, part or message).
    fn new_record(&mut self, r: Record) -> u32 {
        self.records.push(r);
        self.records.len() as u32 - 1
    }

    fn new_mention(&mut self, m: Mention) -> u32 {
        self.mentions.push(m);
        self.mentions.len() as u32 - 1
    }

    /// Counts a mention of an entity and returns its node.
    fn mention_id(&mut self, r: &Resolved, as_found: &str, source: &str, time: Option<&str>) -> Id {
        let id = self.node_id(&r.key, &r.kind, &r.label);
        let Some(n) = self.acc(id) else { return id };
        n.mentions += 1;
        if n.variants.len() < MAX_VARIANTS && !n.variants.contains(as_found) {
            n.variants.insert(as_found.to_string());
        }
        for s in &r.steps {
            if !n.steps.contains(*s) {
                n.steps.insert((*s).to_string());
            }
        }
        if !n.sources.contains(source) {
            n.sources.insert(source.to_string());
        }
        if let Some(t) = time.filter(|t| is_utc_time(t)) {
            min_time(&mut n.first, t);
            max_time(&mut n.last, t);
        }
        id
    }

    /// Counts a mention of an entity and returns its key.
    pub(crate) fn mention(
        &mut self,
        r: &Resolved,
        as_found: &str,
        source: &str,
        time: Option<&str>,
    ) -> String {
        self.mention_id(r, as_found, source, time);
        r.key.clone()
    }

    /// Sets an attribute of a node that exists.
    pub(crate) fn set_attr(&mut self, key: &str, name: &str, value: String) {
        if let Some(&id) = self.ids.get(key) {
            self.set_attr_of(id, name, value);
        }
    }

    fn set_attr_of(&mut self, id: Id, name: &str, value: String) {
        if let Some(n) = self.acc(id) {
            n.attrs.insert(name.to_string(), value);
        }
    }

    /// Adds one piece of evidence to the edge `a`–`b` of `kind` (undirected edges are stored
    /// with the smaller key first). The record and mentions are stored once each.
    pub(crate) fn link(
        &mut self,
        a: &str,
        b: &str,
        kind: &str,
        directed: bool,
        weight: f64,
        ev: Evidence,
    ) {
        let (Some(&x), Some(&y)) = (self.ids.get(a), self.ids.get(b)) else {
            return;
        };
        let k = self.kind_id(kind);
        let c = self.store(ev);
        self.cite(x, y, k, directed, weight, c);
    }

    /// Stores the record (once) and the mentions of a piece of evidence, and returns the
    /// citation of them.
    fn store(&mut self, ev: Evidence) -> Cite {
        let Evidence {
            record,
            source,
            locator,
            time,
            mentions,
            note,
        } = ev;
        let record = self.record_index(Record {
            record,
            source,
            locator,
            time,
            note,
        });
        let mentions = mentions.into_iter().map(|m| self.new_mention(m)).collect();
        Cite {
            record,
            mentions,
            note: None,
        }
    }

    /// Adds one piece of evidence, already stored, to the edge `a`–`b` of kind `k`.
    fn cite(&mut self, a: Id, b: Id, k: u32, directed: bool, weight: f64, c: Cite) {
        if a == b {
            return;
        }
        let (s, t) = if directed || self.key_of(a) < self.key_of(b) {
            (a, b)
        } else {
            (b, a)
        };
        let (source, time) = match self.records.get(c.record as usize) {
            Some(r) => (r.source.as_str(), r.time.as_deref()),
            None => ("", None),
        };
        let sid = intern(&mut self.source_ids, &mut self.source_names, source);
        let Some(e) = edge_acc(&mut self.edges, &mut self.edge_accs, (s, t, k)) else {
            return;
        };
        e.add(directed, weight, sid, time, c, self.opts.max_evidence);
    }

    fn evidence_node(&mut self, item: &str) -> Id {
        if let Some(&id) = self.evidence_ids.get(item) {
            return id;
        }
        let id = self.node_id(&format!("evidence:{item}"), "evidence", item);
        if let Some(n) = self.acc(id) {
            n.sources.insert(item.to_string());
        }
        self.evidence_ids.insert(item.to_string(), id);
        id
    }

    /// Links an entity to the evidence item it was seen on.
    pub(crate) fn seen_on(&mut self, key: &str, item: &str, ev: Evidence) {
        if self.opts.seen_on
            && let Some(&id) = self.ids.get(key)
        {
            let c = self.store(ev);
            self.seen_on_cite(id, item, c);
        }
    }

    /// Adds a citation, already stored, to the `seen-on` edge of node `id` and item `item`.
    fn seen_on_cite(&mut self, id: Id, item: &str, c: Cite) {
        let e = self.evidence_node(item);
        let k = self.kind_id("seen-on");
        self.cite(id, e, k, true, 1.0, c);
    }

    fn group(&mut self, object: &str, source: &str, windowed: bool) -> usize {
        match self.group_index.get(object) {
            Some(&i) => i,
            None => {
                self.groups.push(Group {
                    object: object.to_string(),
                    source: source.to_string(),
                    windowed,
                    feature_record: None,
                    mentions: Vec::new(),
                });
                let i = self.groups.len() - 1;
                self.group_index.insert(object.to_string(), i);
                i
            }
        }
    }

    /// Reads JSONL records (the output of `peel features`, `peel ls --hash sha256`, or a
    /// case's `features.jsonl` / `files.jsonl`); other record kinds are counted and skipped.
    pub fn read_records(&mut self, mut r: impl BufRead, name: &str) -> Result<(), GraphError> {
        self.add_input(name);
        let io_error = |e| GraphError::Io {
            path: name.to_string(),
            source: e,
        };
        // Lines are read in batches; each batch is parsed on all cores while the one before
        // it is taken in, in order, so the result and the first error are those of reading
        // line by line.
        let (mut cur, mut ahead) = (LineBatch::default(), LineBatch::default());
        let mut end = cur.read(&mut r, 1, stream::LINES, |_| false);
        let mut parsed = parse_lines(&cur);
        loop {
            // The next batch, when this one is full.
            let next = match end {
                BatchEnd::Full => {
                    let first = cur.first + cur.len() as u64;
                    Some(ahead.read(&mut r, first, stream::LINES, |_| false))
                }
                _ => None,
            };
            let (next_parsed, taken) = match next {
                Some(_) => rayon::join(
                    || parse_lines(&ahead),
                    || self.take_parsed(parsed, cur.first, name),
                ),
                None => (Vec::new(), self.take_parsed(parsed, cur.first, name)),
            };
            taken?;
            match (end, next) {
                (BatchEnd::Failed(e), _) => return Err(io_error(e)),
                (BatchEnd::Full, Some(n)) => end = n,
                _ => return Ok(()),
            }
            std::mem::swap(&mut cur, &mut ahead);
            parsed = next_parsed;
        }
    }

    /// Takes in the parsed lines of one batch, whose first line is line `first`; stops at the
    /// first that did not parse.
    fn take_parsed(
        &mut self,
        parsed: Vec<Result<Option<Rec>, String>>,
        first: u64,
        name: &str,
    ) -> Result<(), GraphError> {
        for (i, p) in parsed.into_iter().enumerate() {
            match p {
                Ok(Some(rec)) => self.record(rec),
                Ok(None) => {}
                Err(message) => {
                    return Err(GraphError::Parse {
                        what: name.to_string(),
                        line: first + i as u64,
                        message,
                    });
                }
            }
        }
        Ok(())
    }

    fn record(&mut self, rec: Rec) {
        match rec.record.as_str() {
            "feature" => self.feature(rec),
            "message" => self.message(rec),
            "exif" if rec.latitude.is_some() && rec.longitude.is_some() => {
                self.stats.locations += 1;
                self.exif.push(rec);
            }
            "file" => {
                self.stats.files += 1;
                if let Some(h) = rec.sha256 {
                    self.files.insert(rec.locator_text, h);
                }
            }
            _ => self.stats.other += 1,
        }
    }

    fn feature(&mut self, rec: Rec) {
        self.stats.features += 1;
        let kind = rec.kind.as_deref().unwrap_or("");
        let value = rec.value.as_deref().unwrap_or("");
        let norm = rec.normalized.as_deref().unwrap_or(value);
        self.resolve_key.clear();
        self.resolve_key.push_str(kind);
        self.resolve_key.push('\0');
        self.resolve_key.push_str(norm);
        let r = match self.resolved.get(self.resolve_key.as_str()) {
            Some(r) => r.clone(),
            None => {
                let r = resolve::resolve(kind, norm, self.opts.region.as_deref());
                self.resolved.insert(self.resolve_key.clone(), r.clone());
                r
            }
        };
        let Some(mut r) = r else {
            self.stats.unresolved += 1;
            return;
        };
        if norm != value {
            r.steps.insert(0, "normalised by the scanner");
        }
        let id = self.mention_id(&r, value, &rec.evidence, None);
        if matches!(kind, "btc" | "eth" | "xmr") {
            self.set_attr_of(id, "chain", kind.to_string());
        }
        if let Some(v) = rec.validated {
            self.set_attr_of(id, "validated", v.to_string());
        }
        let windowed = rec.scope.as_deref().is_some_and(|s| s != "file");
        let object = object_of(&rec.locator_text).to_string();
        let offset = rec.offset.unwrap_or(0);
        let source = rec.evidence;
        let m = self.new_mention(Mention {
            key: r.key,
            value: value.to_string(),
            locator: rec.locator_text,
            context: rec.context,
        });
        let g = self.group(&object, &source, windowed);
        if self.opts.seen_on {
            let record = match self.groups.get(g).and_then(|g| g.feature_record) {
                Some(r) => r,
                None => {
                    let r = self.new_record(Record {
                        record: "feature".into(),
                        source: source.clone(),
                        locator: object,
                        ..Record::default()
                    });
                    if let Some(g) = self.groups.get_mut(g) {
                        g.feature_record = Some(r);
                    }
                    r
                }
            };
            self.seen_on_cite(
                id,
                &source,
                Cite {
                    record,
                    mentions: vec![m],
                    note: None,
                },
            );
        }
        if let Some(g) = self.groups.get_mut(g) {
            g.mentions.push(GroupMention {
                node: id,
                offset,
                mention: m,
            });
        }
    }

    fn message(&mut self, rec: Rec) {
        self.stats.messages += 1;
        let offset = rec.offset.unwrap_or(0);
        let locator = format!("{} / @{offset:#x}", rec.locator_text);
        let time = rec.date.clone().or(rec.date_raw.clone());
        self.messages
            .entry(rec.locator_text.clone())
            .or_default()
            .push(MessageSpan {
                offset,
                length: rec.length.unwrap_or(u64::MAX),
                time: time.clone(),
                subject: rec.subject.clone(),
            });
        let region = self.opts.region.clone();
        let resolve_all = |b: &mut Builder, list: &[Addr], header: &str| {
            let mut out = Vec::new();
            for a in list {
                if let Some(r) = resolve::resolve("email", &a.address, region.as_deref()) {
                    let key = b.mention(&r, &a.address, &rec.evidence, time.as_deref());
                    b.seen_on(
                        &key,
                        &rec.evidence,
                        Evidence {
                            record: "message".into(),
                            source: rec.evidence.clone(),
                            locator: locator.clone(),
                            time: time.clone(),
                            note: Some(format!("{header}: header")),
                            ..Evidence::default()
                        },
                    );
                    out.push((key, a.address.clone(), header.to_string()));
                }
            }
            out
        };
        let senders = resolve_all(self, &rec.from, "From");
        let mut rcpts = resolve_all(self, &rec.to, "To");
        rcpts.extend(resolve_all(self, &rec.cc, "Cc"));
        rcpts.extend(resolve_all(self, &rec.bcc, "Bcc"));
        for (s, sv, sh) in &senders {
            let mut done = BTreeSet::new();
            for (t, tv, th) in &rcpts {
                if !done.insert(t.clone()) {
                    continue;
                }
                self.link(
                    s,
                    t,
                    "communicates",
                    true,
                    1.0,
                    Evidence {
                        record: "message".into(),
                        source: rec.evidence.clone(),
                        locator: locator.clone(),
                        time: time.clone(),
                        mentions: vec![
                            Mention {
                                key: s.clone(),
                                value: sv.clone(),
                                locator: locator.clone(),
                                context: Some(format!("{sh}: {sv}")),
                            },
                            Mention {
                                key: t.clone(),
                                value: tv.clone(),
                                locator: locator.clone(),
                                context: Some(format!("{th}: {tv}")),
                            },
                        ],
                        note: rec.subject.clone().map(|s| format!("Subject: {s}")),
                    },
                );
            }
        }
    }

    fn file_key(&mut self, locator: &str, path: Option<&str>, source: &str) -> String {
        let (label, key, sha) = match self.files.get(locator) {
            Some(h) => (h.clone(), format!("file:{h}"), Some(h.clone())),
            None => (locator.to_string(), format!("file:{locator}"), None),
        };
        let r = Resolved {
            kind: "file".into(),
            label,
            key,
            steps: if sha.is_some() {
                vec!["keyed by SHA-256"]
            } else {
                vec!["keyed by locator (no hash given)"]
            },
        };
        let key = self.mention(&r, path.unwrap_or(locator), source, None);
        if let Some(p) = path {
            self.set_attr(&key, "path", p.to_string());
        }
        key
    }

    fn exif_links(&mut self) {
        for rec in std::mem::take(&mut self.exif) {
            let (Some(lat), Some(lon)) = (rec.latitude, rec.longitude) else {
                continue;
            };
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                continue;
            }
            let file = self.file_key(&rec.locator_text, rec.path.as_deref(), &rec.evidence);
            let label = format!("{lat:.5},{lon:.5}");
            let r = Resolved {
                kind: "location".into(),
                key: format!("location:{label}"),
                label,
                steps: vec!["rounded to 5 decimals (about 1 m)"],
            };
            let loc = self.mention(&r, &format!("{lat},{lon}"), &rec.evidence, None);
            self.set_attr(&loc, "lat", format!("{lat:.5}"));
            self.set_attr(&loc, "lon", format!("{lon:.5}"));
            let ev = Evidence {
                record: "exif".into(),
                source: rec.evidence.clone(),
                locator: rec.locator_text.clone(),
                time: None,
                mentions: Vec::new(),
                note: rec
                    .taken
                    .as_ref()
                    .map(|t| format!("taken {t} (camera clock)")),
            };
            self.link(&file, &loc, "located-at", true, 1.0, ev.clone());
            let device: Vec<&str> = [rec.make.as_deref(), rec.model.as_deref()]
                .into_iter()
                .flatten()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if !device.is_empty() {
                let label = device.join(" ");
                let r = Resolved {
                    kind: "device".into(),
                    key: format!("device:{label}"),
                    label: label.clone(),
                    steps: vec!["EXIF make and model"],
                };
                let d = self.mention(&r, &label, &rec.evidence, None);
                self.link(&file, &d, "taken-with", true, 1.0, ev);
            }
        }
    }

    /// Adds a stored graph (nodes and edges are merged by key; evidence lists appended).
    pub fn add_graph(&mut self, g: Graph, name: &str) {
        self.add_input(name);
        let (rec_base, men_base) = (self.records.len() as u32, self.mentions.len() as u32);
        self.records.extend(g.records);
        self.mentions.extend(g.mentions);
        for n in g.nodes {
            let id = self.node_id(&n.key, &n.kind, &n.label);
            let Some(a) = self.acc(id) else { continue };
            a.mentions += n.mentions;
            for v in n.variants {
                if a.variants.len() < MAX_VARIANTS {
                    a.variants.insert(v);
                }
            }
            a.steps.extend(n.resolution);
            a.sources.extend(n.sources);
            if let Some(t) = n.first_seen {
                min_time(&mut a.first, &t);
            }
            if let Some(t) = n.last_seen {
                max_time(&mut a.last, &t);
            }
            a.attrs.extend(n.attrs);
        }
        for e in g.edges {
            let (Some(&s), Some(&t)) = (self.ids.get(&e.source), self.ids.get(&e.target)) else {
                continue;
            };
            let k = self.kind_id(&e.kind);
            let max = self.opts.max_evidence;
            let sids: Vec<u32> = e
                .sources
                .iter()
                .map(|x| intern(&mut self.source_ids, &mut self.source_names, x))
                .collect();
            let Some(acc) = edge_acc(&mut self.edges, &mut self.edge_accs, (s, t, k)) else {
                continue;
            };
            acc.directed = e.directed;
            acc.weight += e.weight;
            acc.count += e.count;
            for sid in sids {
                acc.add_source(sid);
            }
            match (&e.first_seen, &e.last_seen) {
                (Some(f), Some(l)) => acc.add_times(f, l),
                (Some(t), None) | (None, Some(t)) => acc.add_times(t, t),
                (None, None) => {}
            }
            for mut c in e.evidence {
                if acc.evidence.len() < max {
                    c.record += rec_base;
                    for m in &mut c.mentions {
                        *m += men_base;
                    }
                    acc.evidence.push(c);
                }
            }
        }
        self.removed.extend(g.removed);
        self.notes.extend(g.notes);
    }

    /// The pairs of one group: for each part of it (the whole object, or each message in it)
    /// a record and the pairs of entities it links, in the order they are cited; and the
    /// parts too large to pair. Reads the builder only, so groups are paired on all cores.
    fn pair_group(
        &self,
        g: Group,
        stopped: &[bool],
        too_big: &mut Vec<(String, usize)>,
    ) -> Vec<Part> {
        let mentions: Vec<GroupMention> = g
            .mentions
            .into_iter()
            .filter(|m| !stopped.get(m.node as usize).copied().unwrap_or(false))
            .collect();
        if g.windowed || self.opts.file_window.is_some() {
            let w = if g.windowed {
                self.opts.window
            } else {
                self.opts.file_window.unwrap_or(self.opts.window)
            };
            return self
                .window_part(g.object, g.source, mentions, w)
                .into_iter()
                .collect();
        }
        // Split by message where the object holds messages.
        let mut spans = self.messages.get(&g.object).cloned().unwrap_or_default();
        spans.sort_by_key(|s| s.offset);
        let mut parts: BTreeMap<Option<usize>, Vec<GroupMention>> = BTreeMap::new();
        for m in mentions {
            let i = spans
                .partition_point(|s| s.offset <= m.offset)
                .checked_sub(1)
                .filter(|&i| spans.get(i).is_some_and(|s| m.offset - s.offset < s.length));
            parts.entry(i).or_default().push(m);
        }
        let mut out = Vec::new();
        for (i, ms) in parts {
            let span = i.and_then(|i| spans.get(i));
            let mut first: Vec<GroupMention> = Vec::new();
            for m in ms {
                if !first.iter().any(|f| f.node == m.node) {
                    first.push(m);
                }
            }
            let locator = match span {
                Some(s) => format!("{} / @{:#x}", g.object, s.offset),
                None => g.object.clone(),
            };
            if first.len() > self.opts.max_group {
                too_big.push((locator, first.len()));
                continue;
            }
            if first.len() < 2 {
                continue;
            }
            first.sort_by(|a, b| self.key_of(a.node).cmp(self.key_of(b.node)));
            let record = match span {
                Some(s) => Record {
                    record: "same-message".into(),
                    source: g.source.clone(),
                    locator,
                    time: s.time.clone(),
                    note: Some(match &s.subject {
                        Some(sub) => format!("same message (Subject: {sub})"),
                        None => "same message".to_string(),
                    }),
                },
                None => Record {
                    record: "same-object".into(),
                    source: g.source.clone(),
                    locator,
                    time: None,
                    note: Some("same object".to_string()),
                },
            };
            let mut pairs = Vec::new();
            for (x, a) in first.iter().enumerate() {
                for b in first.iter().skip(x + 1) {
                    if !trivial_pair(self.key_of(a.node), self.key_of(b.node)) {
                        pairs.push(PairCite {
                            a: a.node,
                            b: b.node,
                            mentions: [a.mention, b.mention],
                            note: None,
                        });
                    }
                }
            }
            out.push(Part { record, pairs });
        }
        out
    }

    /// The pairs of a group whose entities co-occur when at most `w` bytes apart: the first
    /// close pair of each two entities, with how many close pairs they make.
    fn window_part(
        &self,
        object: String,
        source: String,
        mut ms: Vec<GroupMention>,
        w: u64,
    ) -> Option<Part> {
        ms.sort_by(|a, b| {
            a.offset
                .cmp(&b.offset)
                .then_with(|| self.key_of(a.node).cmp(self.key_of(b.node)))
        });
        let mut found: BTreeMap<(Id, Id), (usize, usize, u64)> = BTreeMap::new();
        for (i, a) in ms.iter().enumerate() {
            for (j, b) in ms.iter().enumerate().skip(i + 1) {
                if b.offset.saturating_sub(a.offset) > w {
                    break;
                }
                let (ka, kb) = (self.key_of(a.node), self.key_of(b.node));
                if a.node == b.node || trivial_pair(ka, kb) {
                    continue;
                }
                let (x, y, xi, yi) = if ka < kb {
                    (a.node, b.node, i, j)
                } else {
                    (b.node, a.node, j, i)
                };
                found
                    .entry((x, y))
                    .and_modify(|p| p.2 += 1)
                    .or_insert((xi, yi, 1));
            }
        }
        if found.is_empty() {
            return None;
        }
        let pairs = found
            .into_iter()
            .filter_map(|((x, y), (xi, yi, n))| {
                let (a, b) = (ms.get(xi)?, ms.get(yi)?);
                Some(PairCite {
                    a: x,
                    b: y,
                    mentions: [a.mention, b.mention],
                    note: Some(format!(
                        "{} bytes apart{}",
                        b.offset.abs_diff(a.offset),
                        if n > 1 {
                            format!("; {n} close pairs here")
                        } else {
                            String::new()
                        }
                    )),
                })
            })
            .collect();
        Some(Part {
            record: Record {
                record: "window".into(),
                source,
                locator: object,
                time: None,
                note: Some(format!("within {w} bytes")),
            },
            pairs,
        })
    }

    /// Pairs the entities of every group into `co-occurs` edges. Groups are paired on all
    /// cores; their records are then stored in group order, and the pairs put in order of
    /// their ends (a stable counting sort, so each edge's evidence keeps the order it was
    /// found in) and made into edges one run at a time. Returns the edges made that were not
    /// in the edge index before (they are not added to it).
    fn pair_groups(&mut self, stopped: &[bool]) -> Vec<((Id, Id, u32), u32)> {
        let groups = std::mem::take(&mut self.groups);
        let co = self.kind_id("co-occurs");
        let paired: Vec<_> = {
            let this = &*self;
            groups
                .into_par_iter()
                .with_min_len(64)
                .map(|g| {
                    let mut big = Vec::new();
                    let parts = this.pair_group(g, stopped, &mut big);
                    (parts, big)
                })
                .collect()
        };
        // How many pairs each node begins, and where its pairs start in `placed`.
        let n = self.nodes.len();
        let mut start = vec![0usize; n + 1];
        for c in paired.iter().flat_map(|p| &p.0).flat_map(|p| &p.pairs) {
            if let Some(x) = start.get_mut(c.a as usize + 1) {
                *x += 1;
            }
        }
        for i in 1..start.len() {
            let before = start.get(i - 1).copied().unwrap_or(0);
            if let Some(x) = start.get_mut(i) {
                *x += before;
            }
        }
        let total = start.last().copied().unwrap_or(0);
        self.edge_accs.reserve(total);
        let mut placed: Vec<Placed> = Vec::with_capacity(total);
        placed.resize_with(total, Placed::default);
        let mut next = start.clone();
        let mut too_big: Vec<(String, usize)> = Vec::new();
        for (parts, big) in paired {
            too_big.extend(big);
            for part in parts {
                let sid = intern(
                    &mut self.source_ids,
                    &mut self.source_names,
                    &part.record.source,
                );
                let timed = part.record.time.as_deref().is_some_and(is_utc_time);
                let record = self.new_record(part.record);
                for c in part.pairs {
                    let Some(slot) = next.get_mut(c.a as usize) else {
                        continue;
                    };
                    if let Some(p) = placed.get_mut(*slot) {
                        *p = Placed {
                            b: c.b,
                            record,
                            sid,
                            timed,
                            mentions: c.mentions,
                            note: c.note,
                        };
                    }
                    *slot += 1;
                }
            }
        }
        drop(next);
        // Edges of this kind made before (from stored graphs) take these pairs after theirs.
        let merge = self.edges.keys().any(|k| k.2 == co);
        let max = self.opts.max_evidence;
        let mut made = Vec::new();
        let mut from = 0usize;
        for (a, &to) in start.iter().skip(1).enumerate() {
            let Some(slice) = placed.get_mut(from..to) else {
                break;
            };
            from = to;
            slice.sort_by_key(|p| p.b);
            for run in slice.chunk_by_mut(|x, y| x.b == y.b) {
                let Some(b) = run.first().map(|p| p.b) else {
                    continue;
                };
                let key = (a as Id, b, co);
                let old = if merge {
                    self.edges.get(&key).copied()
                } else {
                    None
                };
                let i = match old {
                    Some(i) => i,
                    None => {
                        let i = self.edge_accs.len() as u32;
                        self.edge_accs.push(EdgeAcc::default());
                        made.push((key, i));
                        i
                    }
                };
                let Some(e) = self.edge_accs.get_mut(i as usize) else {
                    continue;
                };
                if e.evidence.capacity() == 0 {
                    e.evidence.reserve_exact(run.len().min(max));
                }
                for p in run.iter_mut() {
                    let time = if p.timed {
                        self.records
                            .get(p.record as usize)
                            .and_then(|r| r.time.as_deref())
                    } else {
                        None
                    };
                    e.add(
                        false,
                        1.0,
                        p.sid,
                        time,
                        Cite {
                            record: p.record,
                            mentions: p.mentions.to_vec(),
                            note: p.note.take(),
                        },
                        max,
                    );
                }
            }
        }
        if !too_big.is_empty() {
            let shown: Vec<String> = too_big
                .iter()
                .take(10)
                .map(|(l, n)| format!("{l} ({n} entities)"))
                .collect();
            self.notes.push(format!(
                "{} objects name more than {} distinct entities and were not paired for \
                 co-occurrence: {}{}",
                too_big.len(),
                self.opts.max_group,
                shown.join("; "),
                if too_big.len() > 10 { "; …" } else { "" }
            ));
        }
        made
    }

    /// Applies the stop list and pairs co-occurring entities, and returns the graph.
    pub fn finish(self, stop: &[StopRule]) -> Graph {
        self.finish_tables(stop).into_graph()
    }

    /// Applies the stop list and pairs co-occurring entities, and returns the graph in the
    /// builder's tables, ready to be written without being made into a [`Graph`] first.
    pub fn finish_tables(mut self, stop: &[StopRule]) -> Built {
        self.exif_links();
        let mut stopped = vec![false; self.nodes.len()];
        let mut order: Vec<Id> = (0..self.nodes.len() as Id).collect();
        order.sort_unstable_by(|&a, &b| self.key_of(a).cmp(self.key_of(b)));
        if !stop.is_empty() {
            for &id in &order {
                if let Some(n) = self.nodes.get(id as usize)
                    && n.kind != "evidence"
                    && let Some(rule) = stop.iter().find(|r| r.matches(&n.key, &n.label))
                {
                    if let Some(s) = stopped.get_mut(id as usize) {
                        *s = true;
                    }
                    self.removed.push(Removed {
                        key: n.key.clone(),
                        rule: rule.line.clone(),
                        mentions: n.mentions,
                    });
                }
            }
        }
        let paired = self.pair_groups(&stopped);
        let is_stopped = |id: Id| stopped.get(id as usize).copied().unwrap_or(false);
        let capped = self
            .edge_accs
            .iter()
            .filter(|e| e.count as usize > e.evidence.len())
            .count();
        // Rank of each node in key order, and of each kind and source in name order: edges
        // and their lists of sources sort by these numbers as they would by their text.
        let rank = ranks(&order);
        let rank_of = |id: Id| rank.get(id as usize).copied().unwrap_or(0);
        let mut kinds: Vec<(String, u32)> = std::mem::take(&mut self.kinds)
            .into_iter()
            .zip(0u32..)
            .collect();
        kinds.sort_unstable();
        let kind_rank = ranks(&kinds.iter().map(|k| k.1).collect::<Vec<_>>());
        let mut by_name: Vec<u32> = (0..self.source_names.len() as u32).collect();
        by_name.sort_unstable_by_key(|&i| self.source_names.get(i as usize));
        let source_rank = ranks(&by_name);
        let mut dropped_edges = 0u64;
        // (source rank, target rank, kind rank, edge number) of every edge kept.
        let index = std::mem::take(&mut self.edges);
        let mut sorted: Vec<(u32, u32, u32, u32)> = Vec::with_capacity(index.len() + paired.len());
        for (&(s, t, k), &i) in index.iter().chain(paired.iter().map(|(k, i)| (k, i))) {
            if is_stopped(s) || is_stopped(t) {
                dropped_edges += 1;
            } else {
                let k = kind_rank.get(k as usize).copied().unwrap_or(0);
                sorted.push((rank_of(s), rank_of(t), k, i));
            }
        }
        sorted.par_sort_unstable();
        // Evidence nodes left without any edge (everything on them stopped) are dropped too.
        let mut used = vec![false; self.nodes.len()];
        // Citations renumbered in edge order, and each edge's sources put in name order.
        let mut renumber = Renumber::new(self.records.len(), self.mentions.len());
        for &(s, t, _, i) in &sorted {
            for r in [s, t] {
                if let Some(u) = order
                    .get(r as usize)
                    .and_then(|&x| used.get_mut(x as usize))
                {
                    *u = true;
                }
            }
            if let Some(a) = self.edge_accs.get_mut(i as usize) {
                a.sources
                    .sort_unstable_by_key(|&x| source_rank.get(x as usize).copied());
                for c in &mut a.evidence {
                    renumber.cite(c);
                }
            }
        }
        let (records, mentions) = renumber.keep(
            std::mem::take(&mut self.records),
            std::mem::take(&mut self.mentions),
        );
        let mut keys = Vec::with_capacity(order.len());
        let mut nodes = Vec::with_capacity(order.len());
        let mut accs: Vec<Option<NodeAcc>> = std::mem::take(&mut self.nodes)
            .into_iter()
            .map(Some)
            .collect();
        for &id in &order {
            let Some(a) = accs.get_mut(id as usize).and_then(Option::take) else {
                continue;
            };
            keys.push(a.key.clone());
            if is_stopped(id)
                || (a.kind == "evidence" && !used.get(id as usize).copied().unwrap_or(false))
            {
                continue;
            }
            nodes.push(Node {
                key: a.key,
                kind: a.kind,
                label: a.label,
                variants: a.variants.into_iter().collect(),
                resolution: a.steps.into_iter().collect(),
                mentions: a.mentions,
                sources: a.sources.into_iter().collect(),
                first_seen: a.first,
                last_seen: a.last,
                attrs: a.attrs,
            });
        }
        self.removed.sort_by(|a, b| a.key.cmp(&b.key));
        self.removed.dedup_by(|a, b| {
            if a.key == b.key {
                b.mentions += a.mentions;
                true
            } else {
                false
            }
        });
        let n_stopped = stopped.iter().filter(|&&s| s).count();
        if n_stopped > 0 {
            self.notes.push(format!(
                "the stop list removed {} entities and {} edges (see `removed`)",
                n_stopped, dropped_edges
            ));
        }
        if capped > 0 {
            self.notes.push(format!(
                "{capped} edges have more evidence than the cap of {}: their count is exact, \
                 their evidence list holds the first {}",
                self.opts.max_evidence, self.opts.max_evidence
            ));
        }
        self.notes.dedup();
        Built {
            inputs: std::mem::take(&mut self.inputs),
            settings: std::mem::take(&mut self.settings),
            nodes,
            keys,
            kinds: kinds.into_iter().map(|k| k.0).collect(),
            source_names: std::mem::take(&mut self.source_names),
            sorted,
            accs: std::mem::take(&mut self.edge_accs),
            records,
            mentions,
            removed: std::mem::take(&mut self.removed),
            notes: std::mem::take(&mut self.notes),
        }
    }
}

/// The rank of each item: `ranks(order)[order[r]] == r`.
fn ranks(order: &[u32]) -> Vec<u32> {
    let mut rank = vec![0u32; order.len()];
    for (r, &id) in order.iter().enumerate() {
        if let Some(x) = rank.get_mut(id as usize) {
            *x = r as u32;
        }
    }
    rank
}

/// A finished graph still in the builder's tables: edges are numbers into them, so that a
/// large graph can be written as `graph.json` without first being copied into a [`Graph`]
/// (which would hold every key and name again, for every edge).
#[derive(Debug)]
pub struct Built {
    inputs: Vec<String>,
    settings: BTreeMap<String, String>,
    /// The nodes kept, in key order.
    nodes: Vec<Node>,
    /// Every node's key (those dropped too), in key order: an edge's ends are ranks in it.
    keys: Vec<String>,
    /// Edge kinds in name order: an edge's kind is a rank in it.
    kinds: Vec<String>,
    /// Sources by their number in an edge's list.
    source_names: Vec<String>,
    /// (source rank, target rank, kind rank, number in `accs`) of each edge, in order.
    sorted: Vec<(u32, u32, u32, u32)>,
    accs: Vec<EdgeAcc>,
    records: Vec<Record>,
    mentions: Vec<Mention>,
    removed: Vec<Removed>,
    notes: Vec<String>,
}

/// An edge's sources, written as names from their numbers.
struct SourceNames<'a> {
    ids: &'a [u32],
    names: &'a [String],
}

impl serde::Serialize for SourceNames<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.ids
                .iter()
                .map(|&i| self.names.get(i as usize).map_or("", String::as_str)),
        )
    }
}

/// An edge of a [`Built`], by its entry in `sorted`, written as [`EdgeOut`].
struct EdgeAt<'a>(&'a Built, (u32, u32, u32, u32));

impl serde::Serialize for EdgeAt<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (b, (src, tgt, k, i)) = (self.0, self.1);
        let Some(a) = b.accs.get(i as usize) else {
            return Err(serde::ser::Error::custom(format!(
                "edge {i} is not in the table"
            )));
        };
        EdgeOut {
            source: b.key(src),
            target: b.key(tgt),
            kind: b.kind(k),
            directed: a.directed,
            weight: a.weight,
            count: a.count,
            sources: SourceNames {
                ids: &a.sources,
                names: &b.source_names,
            },
            first_seen: a.seen.as_ref().map(|x| x.0.as_str()),
            last_seen: a.seen.as_ref().map(|x| x.1.as_str()),
            evidence: &a.evidence,
        }
        .serialize(s)
    }
}

impl Built {
    /// How many nodes and edges the graph has.
    pub fn counts(&self) -> (usize, usize) {
        (self.nodes.len(), self.sorted.len())
    }

    /// Entities the stop list removed.
    pub fn removed(&self) -> &[Removed] {
        &self.removed
    }

    /// Things the reader must know.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    fn key(&self, rank: u32) -> &str {
        self.keys.get(rank as usize).map_or("", String::as_str)
    }

    fn kind(&self, rank: u32) -> &str {
        self.kinds.get(rank as usize).map_or("", String::as_str)
    }

    /// Writes the graph as `graph.json`, exactly as [`Graph::write_json`] writes the graph
    /// [`Built::into_graph`] makes.
    pub fn write_json(&self, w: impl std::io::Write + Send) -> Result<(), GraphError> {
        // Each edge is looked up in its table as it is written (on whichever core formats it).
        let edges = self.sorted.iter().map(|&e| EdgeAt(self, e));
        write_parts(
            w,
            Parts {
                format: FORMAT,
                version: VERSION,
                inputs: &self.inputs,
                settings: &self.settings,
                nodes: &self.nodes,
                edges,
                records: &self.records,
                mentions: &self.mentions,
                removed: &self.removed,
                notes: &self.notes,
            },
        )
    }

    /// The graph as a [`Graph`].
    pub fn into_graph(mut self) -> Graph {
        let mut accs = std::mem::take(&mut self.accs);
        let edges = self
            .sorted
            .iter()
            .filter_map(|&(s, t, k, i)| {
                let a = std::mem::take(accs.get_mut(i as usize)?);
                let (first_seen, last_seen) = match a.seen {
                    Some(b) => (Some(b.0), Some(b.1)),
                    None => (None, None),
                };
                Some(Edge {
                    source: self.key(s).to_string(),
                    target: self.key(t).to_string(),
                    kind: self.kind(k).to_string(),
                    directed: a.directed,
                    weight: a.weight,
                    count: a.count,
                    sources: a
                        .sources
                        .iter()
                        .map(|&x| {
                            self.source_names
                                .get(x as usize)
                                .cloned()
                                .unwrap_or_default()
                        })
                        .collect(),
                    first_seen,
                    last_seen,
                    evidence: a.evidence,
                })
            })
            .collect();
        Graph {
            inputs: self.inputs,
            settings: self.settings,
            nodes: self.nodes,
            edges,
            records: self.records,
            mentions: self.mentions,
            removed: self.removed,
            notes: self.notes,
            ..Graph::new()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// Messages with times, features in shared files across two items, one windowed region,
    /// and an address the stop list removes.
    fn records() -> String {
        let mut out = String::new();
        let msg = |from: &str, to: &str, date: &str, off: u64, item: &str| {
            format!(
                r#"{{"record":"message","from":[{{"address":"{from}"}}],"to":[{{"address":"{to}"}}],"date":"{date}","subject":"s","offset":{off},"length":100,"locator_text":"{item} / fat16 / box.mbox#9","evidence":"{item}"}}"#
            )
        };
        out.push_str(&msg(
            "Alice@Example.org",
            "bob@example.net",
            "2024-03-15T10:00:00Z",
            0,
            "b.img",
        ));
        out.push('\n');
        out.push_str(&msg(
            "alice@example.org",
            "bob@example.net",
            "2024-01-02T08:00:00Z",
            100,
            "a.img",
        ));
        out.push('\n');
        let feat = |kind: &str, v: &str, item: &str, file: &str, off: u64, scope: &str| {
            format!(
                r#"{{"record":"feature","kind":"{kind}","value":"{v}","context":"see {v}","locator_text":"{item} / fat16 / {file} / @{off:#x}","evidence":"{item}","offset":{off},"path":"{file}","scope":"{scope}"}}"#
            )
        };
        for (kind, v, item, file, off, scope) in [
            (
                "email",
                "carol@example.org",
                "b.img",
                "notes.txt#12",
                4,
                "file",
            ),
            ("phone", "07700 900123", "b.img", "notes.txt#12", 40, "file"),
            (
                "email",
                "postmaster@example.com",
                "b.img",
                "notes.txt#12",
                80,
                "file",
            ),
            (
                "email",
                "bob@example.net",
                "a.img",
                "notes.txt#12",
                9,
                "file",
            ),
            (
                "email",
                "carol@example.org",
                "a.img",
                "notes.txt#12",
                30,
                "file",
            ),
            (
                "email",
                "carol@example.org",
                "a.img",
                "unalloc",
                1000,
                "region",
            ),
            ("domain", "example.net", "a.img", "unalloc", 1100, "region"),
            (
                "email",
                "dave@example.org",
                "a.img",
                "unalloc",
                9000,
                "region",
            ),
        ] {
            out.push_str(&feat(kind, v, item, file, off, scope));
            out.push('\n');
        }
        out
    }

    fn built() -> Built {
        let mut b = Builder::new(BuildOptions {
            region: Some("GB".into()),
            ..BuildOptions::default()
        });
        b.read_records(records().as_bytes(), "features.jsonl")
            .unwrap();
        let stop = StopRule::parse_list("email:postmaster@example.com\n", "stop.txt").unwrap();
        b.finish_tables(&stop)
    }

    #[test]
    fn batched_reading_takes_every_line_and_names_the_first_bad_one() {
        // Past two batches, with CRLF ends and blank lines; then a bad line in the third.
        let feature = |i: usize| {
            format!(
                r#"{{"record":"feature","kind":"email","value":"u{i}@example.org","locator_text":"a.img / f{i}","evidence":"a.img","offset":0,"scope":"file"}}"#
            )
        };
        let total = 2 * stream::LINES + 10;
        let mut text = String::new();
        for i in 0..total {
            if i % 1000 == 7 {
                text.push_str("\r\n");
            } else {
                text.push_str(&feature(i));
                text.push_str(if i % 2 == 0 { "\n" } else { "\r\n" });
            }
        }
        let blanks = (0..total).filter(|i| i % 1000 == 7).count() as u64;
        let mut b = Builder::new(BuildOptions::default());
        b.read_records(text.as_bytes(), "f.jsonl").unwrap();
        assert_eq!(b.stats.features, total as u64 - blanks);
        let g = b.finish(&[]);
        assert!(
            g.nodes
                .iter()
                .any(|n| n.key == format!("email:u{}@example.org", total - 1))
        );

        let bad = 2 * stream::LINES + 3;
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines[bad - 1] = "{not json".to_string();
        let mut b = Builder::new(BuildOptions::default());
        let err = b
            .read_records(lines.join("\n").as_bytes(), "f.jsonl")
            .unwrap_err();
        assert!(
            matches!(&err, GraphError::Parse { what, line, .. } if what == "f.jsonl" && *line == bad as u64),
            "{err}"
        );
        // Everything before the bad line was taken in, nothing after it.
        let before = (0..bad - 1).filter(|i| i % 1000 != 7).count() as u64;
        assert_eq!(b.stats.features, before);
    }

    #[test]
    fn tables_write_the_json_of_the_graph_they_make() {
        let mut streamed = Vec::new();
        let t = built();
        t.write_json(&mut streamed).unwrap();
        let g = built().into_graph();
        assert_eq!(String::from_utf8(streamed).unwrap(), g.to_json().unwrap());
        assert_eq!(t.counts(), (g.nodes.len(), g.edges.len()));
        // What the case holds, so that the comparison is not between two empty graphs.
        assert_eq!(g.removed.len(), 1);
        let comm = g.edges.iter().find(|e| e.kind == "communicates").unwrap();
        assert_eq!(comm.sources, ["a.img", "b.img"]);
        assert_eq!(comm.first_seen.as_deref(), Some("2024-01-02T08:00:00Z"));
        assert_eq!(comm.last_seen.as_deref(), Some("2024-03-15T10:00:00Z"));
        assert!(
            g.edges
                .iter()
                .any(|e| e.kind == "co-occurs" && e.evidence.iter().any(|c| c.note.is_some()))
        );
        assert!(g.edges.iter().any(|e| e.kind == "seen-on"));
        // Every citation points into the tables, and the tables hold only what is cited.
        let mut cited = BTreeSet::new();
        for c in g.edges.iter().flat_map(|e| &e.evidence) {
            assert!((c.record as usize) < g.records.len());
            cited.insert(c.record);
        }
        assert_eq!(cited.len(), g.records.len());
    }
}
