//! The association graph as it is stored (`graph.json`): entities, typed edges, and for every
//! edge the evidence that justifies it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write as _;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::GraphError;
use crate::stream::{self, BatchEnd, LineBatch};

/// Value of [`Graph::format`].
pub const FORMAT: &str = "peel-graph";
/// Schema version of the stored graph. Version 2 stores each record and each mention once, in
/// [`Graph::records`] and [`Graph::mentions`], and edges cite them by index.
pub const VERSION: u32 = 2;

/// An association graph.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Graph {
    /// Always [`FORMAT`].
    pub format: String,
    /// Schema version ([`VERSION`]).
    pub version: u32,
    /// The record files and CSV files the graph was built from, in the order given.
    pub inputs: Vec<String>,
    /// Settings the graph was built with (co-occurrence window, group cap …).
    pub settings: BTreeMap<String, String>,
    /// Entities, sorted by key.
    pub nodes: Vec<Node>,
    /// Edges, sorted by (source, target, kind).
    pub edges: Vec<Edge>,
    /// The records edges cite as evidence (an object where entities were found together, a
    /// message, a CSV row …), each once, in the order they were first read.
    pub records: Vec<Record>,
    /// The mentions of entities that evidence cites, each once, in the order they were read.
    pub mentions: Vec<Mention>,
    /// Entities the stop list removed, with what removed them.
    pub removed: Vec<Removed>,
    /// Things the reader must know (groups too large to pair, capped evidence lists …).
    pub notes: Vec<String>,
}

/// An entity, keyed by its kind and normalised value.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Node {
    /// `kind:normalised value`, e.g. `email:alice@example.org`; unique in the graph.
    pub key: String,
    /// Entity kind: `email`, `phone`, `domain`, `host`, `ip`, `mac`, `handle`, `wallet`,
    /// `card`, `iban`, `file`, `evidence`, `device`, `location`, `plate` …
    pub kind: String,
    /// The normalised value.
    pub label: String,
    /// Distinct spellings as found (at most [`MAX_VARIANTS`]), sorted.
    pub variants: Vec<String>,
    /// The resolution steps that turned a spelling into the label (`lower-cased`, `E.164` …).
    pub resolution: Vec<String>,
    /// How many records mention it.
    pub mentions: u64,
    /// Distinct evidence items (or CSV files) it was found in, sorted.
    pub sources: Vec<String>,
    /// Earliest time of a record mentioning it, where records carry times (UTC RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// Latest such time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// Further facts (`validated`, `chain`, `lat`, `lon`, `sha256` …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attrs: BTreeMap<String, String>,
}

/// Most spellings kept per node.
pub const MAX_VARIANTS: usize = 16;

/// A link between two entities.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Edge {
    /// Key of the source node (the sender for directed kinds).
    pub source: String,
    /// Key of the target node.
    pub target: String,
    /// `co-occurs`, `communicates`, `seen-on`, `located-at`, `taken-with`, `seen-at`,
    /// `co-located`, or a kind given to `ingest-csv`.
    pub kind: String,
    /// True for kinds with a direction (`communicates`, calls …).
    pub directed: bool,
    /// Strength of the link: the number of evidence items, or the sum of a CSV weight column.
    pub weight: f64,
    /// Number of evidence entries (records) behind the link, including any not kept.
    pub count: u64,
    /// Distinct evidence items (or CSV files) the evidence comes from, sorted.
    #[serde(deserialize_with = "short_list")]
    pub sources: Vec<String>,
    /// Earliest evidence time (UTC RFC 3339), where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// Latest evidence time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// The evidence, in input order; at most the build's evidence cap (see `notes`).
    /// [`Graph::evidence`] expands an entry into the record and mentions it cites.
    #[serde(deserialize_with = "short_list")]
    pub evidence: Vec<Cite>,
}

impl Serialize for Edge {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        EdgeOut {
            source: &self.source,
            target: &self.target,
            kind: &self.kind,
            directed: self.directed,
            weight: self.weight,
            count: self.count,
            sources: &self.sources,
            first_seen: self.first_seen.as_deref(),
            last_seen: self.last_seen.as_deref(),
            evidence: &self.evidence,
        }
        .serialize(s)
    }
}

/// An edge as `graph.json` writes it, from borrowed parts: the one layout of a stored edge,
/// whether it is written from an [`Edge`] or straight from a builder's tables. `S` is the
/// list of sources (any sequence of names, sorted).
#[derive(Serialize)]
pub(crate) struct EdgeOut<'a, S: Serialize> {
    pub source: &'a str,
    pub target: &'a str,
    pub kind: &'a str,
    pub directed: bool,
    pub weight: f64,
    pub count: u64,
    pub sources: S,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<&'a str>,
    pub evidence: &'a [Cite],
}

/// A record that is evidence for links: an object (file, member, region) where entities
/// were found together, a message naming its sender and receivers, a CSV row …
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub struct Record {
    /// What kind of record: `message`, `same-object`, `same-message`, `window`, `csv`,
    /// `feature`, `exif`.
    pub record: String,
    /// Evidence item (or CSV file) it comes from.
    pub source: String,
    /// Where: the object (file, member, message) or the record (`calls.csv:7`).
    pub locator: String,
    /// When, where the record says (UTC RFC 3339, or as written when it could not be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// A short description (message subject, call type, co-occurrence window …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One reason an edge exists, as stored: a record and the mentions of the edge's ends in it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Cite {
    /// Index of the record in [`Graph::records`].
    pub record: u32,
    /// Indices of the mentions in [`Graph::mentions`].
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "short_list"
    )]
    pub mentions: Vec<u32>,
    /// What holds for this link only (bytes apart, the header an address was in …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One reason an edge exists, expanded for reading: the record with the mentions it cites.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Evidence {
    /// What kind of record: `message`, `same-object`, `window`, `csv`, `feature`, `exif`.
    pub record: String,
    /// Evidence item (or CSV file) it comes from.
    pub source: String,
    /// Where: the object (file, member, message) or the record (`calls.csv:7`).
    pub locator: String,
    /// When, where the record says (UTC RFC 3339, or as written when it could not be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The records that mention each end: value as found, locator, context bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<Mention>,
    /// A short description (message subject, call type, distance in bytes …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A mention of an entity inside a piece of evidence.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mention {
    /// Key of the entity mentioned.
    pub key: String,
    /// The text as found.
    pub value: String,
    /// Locator down to the byte (or the CSV row and column).
    pub locator: String,
    /// Bytes around it, escaped, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

/// The fields of a graph before its lists, as [`Graph::write_json`] writes them (borrowed)
/// and as a reader takes them (owned).
#[derive(Serialize, Deserialize)]
struct Head<'a> {
    #[serde(default)]
    format: Cow<'a, str>,
    #[serde(default)]
    version: u32,
    #[serde(default)]
    inputs: Cow<'a, [String]>,
    #[serde(default)]
    settings: Cow<'a, BTreeMap<String, String>>,
    /// How many items each list holds: a reader's hint for the room to make, never trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    counts: Option<Counts>,
}

/// The lengths of a stored graph's lists, written in its head.
#[derive(Serialize, Deserialize, Clone, Copy, Default)]
struct Counts {
    #[serde(default)]
    nodes: u64,
    #[serde(default)]
    edges: u64,
    #[serde(default)]
    records: u64,
    #[serde(default)]
    mentions: u64,
    #[serde(default)]
    removed: u64,
}

/// Most bytes of room made ahead for a list from a head's counts; a longer list grows as it
/// is read.
const MOST_ROOM: usize = 1 << 32;

/// Refuses a document that is not a graph of this schema version.
fn check_format(format: &str, version: u32) -> Result<(), GraphError> {
    if format != FORMAT {
        return Err(GraphError::NotAGraph(format.to_string()));
    }
    if version != VERSION {
        return Err(GraphError::Version(version));
    }
    Ok(())
}

/// How a failed read or write of `path` is told.
fn io_error(path: &str) -> impl Fn(std::io::Error) -> GraphError + '_ {
    move |e| GraphError::Io {
        path: path.to_string(),
        source: e,
    }
}

/// How a value that cannot be written as JSON is told.
fn write_error(e: serde_json::Error) -> GraphError {
    GraphError::Parse {
        what: "graph".into(),
        line: 0,
        message: e.to_string(),
    }
}

/// The lines of a graph in [`Graph::write_json`]'s layout, read one at a time.
struct Lines<'n, R> {
    r: R,
    /// The line last read.
    line: String,
    /// Its number.
    n: u64,
    name: &'n str,
}

/// A batch of a list's lines and how the list ended in it, when it did: at the line that
/// opens the next list (`Ok`), or at a fault (a read error, the end of the text, some other
/// line).
#[derive(Default)]
struct Batch {
    lines: LineBatch,
    end: Option<Result<(), GraphError>>,
}

impl Batch {
    /// Parses each item of the batch (a line without its closing comma) on all cores.
    fn parse<T: serde::de::DeserializeOwned + Send>(&self) -> Vec<Result<T, String>> {
        self.lines.parse(|l| {
            let l = l.trim_end();
            serde_json::from_str(l.strip_suffix(',').unwrap_or(l)).map_err(|e| e.to_string())
        })
    }
}

impl<R: std::io::BufRead> Lines<'_, R> {
    /// Reads the next batch of a list's lines into `b`, up to the line that closes the list
    /// and opens `next` (left in `self.line`).
    fn read_batch(&mut self, next: &str, b: &mut Batch) {
        let end = b.lines.read(&mut self.r, self.n + 1, stream::LINES, |l| {
            l.trim_end().starts_with("],")
        });
        self.n += b.lines.len() as u64;
        b.end = match end {
            BatchEnd::Full => None,
            BatchEnd::Stop(line) => {
                self.n += 1;
                let rest = line.trim_end().strip_prefix("],").unwrap_or_default();
                let ok = rest.starts_with(&format!("\"{next}\":"));
                self.line = line;
                Some(if ok {
                    Ok(())
                } else {
                    Err(self.bad(self.n, format!("expected `{next}` here")))
                })
            }
            BatchEnd::Eof => {
                self.n += 1;
                Some(Err(
                    self.bad(self.n, format!("the graph ends before its `{next}`"))
                ))
            }
            BatchEnd::Failed(e) => {
                self.n += 1;
                Some(Err(io_error(self.name)(e)))
            }
        };
    }

    /// Reads the items of a list, one a line, up to the line that closes it and opens the
    /// list (or field) `next`; that line is left in `self.line`. `count` is how many the head
    /// says there are (room is made for them; the list is read to its end whatever it says).
    /// Lines are read in batches, each parsed on all cores while the next is read; the first
    /// fault is reported as if the lines were read one by one.
    fn list<T: serde::de::DeserializeOwned + Send>(
        &mut self,
        next: &str,
        count: u64,
    ) -> Result<Vec<T>, GraphError> {
        let mut out = Vec::new();
        // Room for the items the head counts, so a long list is not copied as it grows; a
        // count that is wrong only costs room or copies, and room that cannot be had is not
        // made.
        let most = MOST_ROOM / std::mem::size_of::<T>().max(1);
        let _ = out.try_reserve_exact(usize::try_from(count).unwrap_or(most).min(most));
        let (mut cur, mut ahead) = (Batch::default(), Batch::default());
        self.read_batch(next, &mut cur);
        loop {
            let parsed: Vec<Result<T, String>> = if cur.end.is_some() {
                cur.parse()
            } else {
                // The reader stays on this thread (it need not be `Send`); the parse runs
                // on the pool from a thread of its own meanwhile.
                let (b, this) = (&cur, &mut *self);
                std::thread::scope(|s| {
                    let parsing = s.spawn(|| b.parse());
                    this.read_batch(next, &mut ahead);
                    parsing.join()
                })
                .map_err(|_| self.bad(cur.lines.first, "the parse of these lines failed".into()))?
            };
            for (k, p) in parsed.into_iter().enumerate() {
                match p {
                    Ok(x) => out.push(x),
                    Err(m) => return Err(self.bad(cur.lines.first + k as u64, m)),
                }
            }
            match cur.end.take() {
                Some(Ok(())) => return Ok(out),
                Some(Err(e)) => return Err(e),
                None => std::mem::swap(&mut cur, &mut ahead),
            }
        }
    }

    fn bad(&self, line: u64, message: String) -> GraphError {
        GraphError::Parse {
            what: self.name.to_string(),
            line,
            message,
        }
    }
}

/// Reads a JSON array into a vector with no spare room when it holds one or two items.
/// Most of a graph's lists are that short (an edge's sources, its one citation, a citation's
/// two mentions), and a vector grown one push at a time would hold room for four.
fn short_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Short<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Short<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let Some(a) = seq.next_element()? else {
                return Ok(Vec::new());
            };
            // `vec!` with its items allocates room for exactly them.
            let Some(b) = seq.next_element()? else {
                return Ok(vec![a]);
            };
            let Some(c) = seq.next_element()? else {
                return Ok(vec![a, b]);
            };
            let mut v = Vec::with_capacity(4);
            v.extend([a, b, c]);
            while let Some(x) = seq.next_element()? {
                v.push(x);
            }
            Ok(v)
        }
    }
    d.deserialize_seq(Short(std::marker::PhantomData))
}

/// An entity the stop list removed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Removed {
    /// Its key.
    pub key: String,
    /// The stop-list line that removed it.
    pub rule: String,
    /// How many records mentioned it.
    pub mentions: u64,
}

impl Graph {
    /// An empty graph with the format fields set.
    pub fn new() -> Self {
        Graph {
            format: FORMAT.to_string(),
            version: VERSION,
            ..Graph::default()
        }
    }

    /// Reads a stored graph, checking its format and version.
    pub fn from_json(text: &str) -> Result<Graph, GraphError> {
        let g: Graph = match serde_json::from_str(text) {
            Ok(g) => g,
            Err(e) => {
                // Say what the document is when it is not this version of a peel graph.
                if let Ok(h) = serde_json::from_str::<Head>(text) {
                    check_format(&h.format, h.version)?;
                }
                return Err(GraphError::Parse {
                    what: "graph JSON".into(),
                    line: e.line() as u64,
                    message: e.to_string(),
                });
            }
        };
        check_format(&g.format, g.version)?;
        g.check()?;
        Ok(g)
    }

    /// Serialises the graph (compact JSON, stable order; see [`Graph::write_json`]).
    pub fn to_json(&self) -> Result<String, GraphError> {
        let mut out = Vec::new();
        self.write_json(&mut out)?;
        String::from_utf8(out).map_err(|e| GraphError::Inconsistent(e.to_string()))
    }

    /// Writes the graph as compact JSON with each node, edge, record, mention and removed
    /// entity on a line of its own (a line-oriented tool can take one edge at a time, and
    /// [`Graph::read`] need not hold the whole text), without holding the text in memory.
    pub fn write_json(&self, w: impl std::io::Write + Send) -> Result<(), GraphError> {
        write_parts(
            w,
            Parts {
                format: &self.format,
                version: self.version,
                inputs: &self.inputs,
                settings: &self.settings,
                nodes: &self.nodes,
                edges: &self.edges,
                records: &self.records,
                mentions: &self.mentions,
                removed: &self.removed,
                notes: &self.notes,
            },
        )
    }

    /// Reads a stored graph from a stream, checking its format and version. The layout
    /// [`Graph::write_json`] writes is read one item at a time; any other layout of the same
    /// JSON (a graph pretty-printed by another tool, say) is read whole.
    pub fn read(mut r: impl std::io::BufRead, name: &str) -> Result<Graph, GraphError> {
        let io = io_error(name);
        let mut line = String::new();
        r.read_line(&mut line).map_err(&io)?;
        let Some(head) = line
            .strip_suffix(",\"nodes\":[\n")
            .filter(|h| h.starts_with('{'))
        else {
            r.read_to_string(&mut line).map_err(&io)?;
            return Graph::from_json(&line);
        };
        let h: Result<Head, _> = serde_json::from_str(&format!("{head}}}"));
        let mut lines = Lines {
            r,
            line: String::new(),
            n: 1,
            name,
        };
        let h = h.map_err(|e| lines.bad(1, e.to_string()))?;
        check_format(&h.format, h.version)?;
        let c = h.counts.unwrap_or_default();
        let nodes = lines.list("edges", c.nodes)?;
        let edges = lines.list("records", c.edges)?;
        let records = lines.list("mentions", c.records)?;
        let mentions = lines.list("removed", c.mentions)?;
        let removed = lines.list("notes", c.removed)?;
        // What is left of the last line: the notes and the closing brace.
        #[derive(Deserialize)]
        struct Tail {
            notes: Vec<String>,
        }
        let tail = lines.line.trim_end().strip_prefix("],").unwrap_or_default();
        let t: Tail = serde_json::from_str(&format!("{{{tail}"))
            .map_err(|e| lines.bad(lines.n, e.to_string()))?;
        lines.line.clear();
        if lines.r.read_line(&mut lines.line).map_err(&io)? > 0 && !lines.line.trim().is_empty() {
            return Err(lines.bad(lines.n + 1, "text after the end of the graph".into()));
        }
        let g = Graph {
            format: h.format.into_owned(),
            version: h.version,
            inputs: h.inputs.into_owned(),
            settings: h.settings.into_owned(),
            nodes,
            edges,
            records,
            mentions,
            removed,
            notes: t.notes,
        };
        g.check()?;
        Ok(g)
    }

    /// Checks that keys are unique and sorted, that every edge names known nodes, and that
    /// every piece of evidence cites a stored record and stored mentions.
    pub fn check(&self) -> Result<(), GraphError> {
        for w in self.nodes.windows(2) {
            if let [a, b] = w
                && a.key >= b.key
            {
                return Err(GraphError::Inconsistent(format!(
                    "nodes not sorted or duplicated at {}",
                    b.key
                )));
            }
        }
        let ends = self.edge_ends();
        for (e, ends) in self.edges.iter().zip(&ends) {
            if ends.is_none() {
                let k = if self.index_of(&e.source).is_none() {
                    &e.source
                } else {
                    &e.target
                };
                return Err(GraphError::Inconsistent(format!(
                    "edge {} -> {} names unknown node {k}",
                    e.source, e.target
                )));
            }
            for c in &e.evidence {
                if c.record as usize >= self.records.len()
                    || c.mentions
                        .iter()
                        .any(|&m| m as usize >= self.mentions.len())
                {
                    return Err(GraphError::Inconsistent(format!(
                        "evidence of edge {} -> {} cites a record or mention that is not stored",
                        e.source, e.target
                    )));
                }
            }
        }
        Ok(())
    }

    /// The record a piece of evidence cites.
    pub fn record_of(&self, c: &Cite) -> Option<&Record> {
        self.records.get(c.record as usize)
    }

    /// A piece of evidence with the record and mentions it cites written out.
    pub fn evidence(&self, c: &Cite) -> Evidence {
        let r = self.record_of(c).cloned().unwrap_or_default();
        let note = match (r.note, &c.note) {
            (Some(a), Some(b)) => Some(format!("{a} ({b})")),
            (Some(a), None) => Some(a),
            (None, b) => b.clone(),
        };
        Evidence {
            record: r.record,
            source: r.source,
            locator: r.locator,
            time: r.time,
            mentions: c
                .mentions
                .iter()
                .filter_map(|&m| self.mentions.get(m as usize).cloned())
                .collect(),
            note,
        }
    }

    /// An edge's evidence, written out.
    pub fn evidence_of<'a>(&'a self, e: &'a Edge) -> impl Iterator<Item = Evidence> + 'a {
        e.evidence.iter().map(|c| self.evidence(c))
    }

    /// Drops the records and mentions no edge cites, and renumbers the citations (after
    /// edges were removed).
    pub fn compact(&mut self) {
        let r = self.renumber_citations(self.records.len(), self.mentions.len());
        (self.records, self.mentions) = r.keep(
            std::mem::take(&mut self.records),
            std::mem::take(&mut self.mentions),
        );
    }

    /// Takes, from the tables of the graph these edges came from, copies of the records and
    /// mentions the edges cite, and renumbers the citations (a subgraph's tables).
    pub fn cite_from(&mut self, records: &[Record], mentions: &[Mention]) {
        let r = self.renumber_citations(records.len(), mentions.len());
        self.records = place(kept(records, &r.records).map(|(x, n)| (x.clone(), n)), r.nr);
        self.mentions = place(
            kept(mentions, &r.mentions).map(|(x, n)| (x.clone(), n)),
            r.nm,
        );
    }

    /// Renumbers the citations to the records and mentions they use, in order of first use.
    fn renumber_citations(&mut self, records: usize, mentions: usize) -> Renumber {
        let mut r = Renumber::new(records, mentions);
        for c in self.edges.iter_mut().flat_map(|e| e.evidence.iter_mut()) {
            r.cite(c);
        }
        r
    }

    /// The node indices of every edge's source and target (`None` where a key is unknown),
    /// found through one hash table rather than a search per edge.
    pub fn edge_ends(&self) -> Vec<Option<(usize, usize)>> {
        let index: rustc_hash::FxHashMap<&str, usize> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.key.as_str(), i))
            .collect();
        self.edges
            .par_iter()
            .with_min_len(1 << 12)
            .map(|e| {
                Some((
                    *index.get(e.source.as_str())?,
                    *index.get(e.target.as_str())?,
                ))
            })
            .collect()
    }

    /// Index of the node with this key.
    pub fn index_of(&self, key: &str) -> Option<usize> {
        self.nodes
            .binary_search_by(|n| n.key.as_str().cmp(key))
            .ok()
    }

    /// The node with this key.
    pub fn node(&self, key: &str) -> Option<&Node> {
        self.index_of(key).and_then(|i| self.nodes.get(i))
    }

    /// Finds nodes a user named: an exact key (`email:a@example.org`), or a value that
    /// resolves to a key of some kind, or a label equal to it (case-insensitively).
    pub fn find(&self, name: &str) -> Vec<&Node> {
        if let Some(n) = self.node(name) {
            return vec![n];
        }
        let lower = name.trim().to_lowercase();
        let mut out: Vec<&Node> = self
            .nodes
            .iter()
            .filter(|n| {
                n.label.to_lowercase() == lower
                    || crate::resolve::resolve(&n.kind, name, None).is_some_and(|r| r.key == n.key)
            })
            .collect();
        out.dedup_by(|a, b| a.key == b.key);
        out
    }
}

/// New numbers for the records and mentions that citations use, given in order of first use.
pub(crate) struct Renumber {
    /// The new number of each old record (`u32::MAX` where unused).
    records: Vec<u32>,
    /// The new number of each old mention.
    mentions: Vec<u32>,
    /// How many records and mentions are used.
    nr: usize,
    nm: usize,
}

impl Renumber {
    pub(crate) fn new(records: usize, mentions: usize) -> Self {
        Renumber {
            records: vec![u32::MAX; records],
            mentions: vec![u32::MAX; mentions],
            nr: 0,
            nm: 0,
        }
    }

    /// Gives a citation its new numbers (numbering what it uses first, if new).
    pub(crate) fn cite(&mut self, c: &mut Cite) {
        fn renumber(to: &mut [u32], used: &mut usize, i: &mut u32) {
            if let Some(slot) = to.get_mut(*i as usize) {
                if *slot == u32::MAX {
                    *slot = *used as u32;
                    *used += 1;
                }
                *i = *slot;
            }
        }
        renumber(&mut self.records, &mut self.nr, &mut c.record);
        for m in &mut c.mentions {
            renumber(&mut self.mentions, &mut self.nm, m);
        }
    }

    /// The records and mentions in use, each at its new number.
    pub(crate) fn keep(
        &self,
        records: Vec<Record>,
        mentions: Vec<Mention>,
    ) -> (Vec<Record>, Vec<Mention>) {
        (
            place(kept(records, &self.records), self.nr),
            place(kept(mentions, &self.mentions), self.nm),
        )
    }
}

/// The parts of a stored graph, borrowed, for [`write_parts`]: nodes and edges are any
/// sequences of items that serialise as [`Node`] and [`Edge`] do.
pub(crate) struct Parts<'a, N, E> {
    pub format: &'a str,
    pub version: u32,
    pub inputs: &'a [String],
    pub settings: &'a BTreeMap<String, String>,
    pub nodes: N,
    pub edges: E,
    pub records: &'a [Record],
    pub mentions: &'a [Mention],
    pub removed: &'a [Removed],
    pub notes: &'a [String],
}

/// Writes a graph as compact JSON with each node, edge, record, mention and removed entity on
/// a line of its own, streamed: the text is never held whole.
pub(crate) fn write_parts<N, E>(
    w: impl std::io::Write + Send,
    p: Parts<'_, N, E>,
) -> Result<(), GraphError>
where
    N: IntoIterator,
    N::IntoIter: ExactSizeIterator,
    N::Item: Serialize + Sync,
    E: IntoIterator,
    E::IntoIter: ExactSizeIterator,
    E::Item: Serialize + Sync,
{
    fn list<T: Serialize + Sync>(
        w: &mut (impl std::io::Write + Send),
        name: &str,
        items: impl IntoIterator<Item = T>,
    ) -> Result<(), GraphError> {
        let io = io_error("graph");
        write!(w, ",\"{name}\":[").map_err(&io)?;
        crate::stream::write_each(
            w,
            items,
            |b, i, x| {
                b.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
                serde_json::to_writer(&mut *b, x).map_err(write_error)
            },
            &io,
        )?;
        w.write_all(b"\n]").map_err(io)
    }
    let mut w = std::io::BufWriter::with_capacity(1 << 20, w);
    let io = io_error("graph");
    let (nodes, edges) = (p.nodes.into_iter(), p.edges.into_iter());
    let head = serde_json::to_string(&Head {
        format: Cow::Borrowed(p.format),
        version: p.version,
        inputs: Cow::Borrowed(p.inputs),
        settings: Cow::Borrowed(p.settings),
        counts: Some(Counts {
            nodes: nodes.len() as u64,
            edges: edges.len() as u64,
            records: p.records.len() as u64,
            mentions: p.mentions.len() as u64,
            removed: p.removed.len() as u64,
        }),
    })
    .map_err(write_error)?;
    // The head object without its closing brace, then each list in turn.
    w.write_all(head.strip_suffix('}').unwrap_or(&head).as_bytes())
        .map_err(&io)?;
    list(&mut w, "nodes", nodes)?;
    list(&mut w, "edges", edges)?;
    list(&mut w, "records", p.records)?;
    list(&mut w, "mentions", p.mentions)?;
    list(&mut w, "removed", p.removed)?;
    w.write_all(b",\"notes\":").map_err(&io)?;
    serde_json::to_writer(&mut w, p.notes).map_err(write_error)?;
    w.write_all(b"}\n").map_err(&io)?;
    w.flush().map_err(&io)
}

/// The items that have a new number (`to[i]` is not `u32::MAX`), with it.
fn kept<T>(items: impl IntoIterator<Item = T>, to: &[u32]) -> impl Iterator<Item = (T, u32)> {
    items
        .into_iter()
        .zip(to.iter().copied())
        .filter(|&(_, n)| n != u32::MAX)
}

/// Puts each item at its new number, in a table of `len` items.
fn place<T: Default>(items: impl Iterator<Item = (T, u32)>, len: usize) -> Vec<T> {
    let mut out: Vec<T> = std::iter::repeat_with(T::default).take(len).collect();
    for (item, n) in items {
        if let Some(slot) = out.get_mut(n as usize) {
            *slot = item;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn rec(n: usize) -> Record {
        Record {
            record: "same-object".into(),
            source: "img.dd".into(),
            locator: format!("img.dd / f{n}"),
            ..Record::default()
        }
    }

    fn men(n: usize) -> Mention {
        Mention {
            key: format!("email:u{n}@example.org"),
            value: format!("u{n}@example.org"),
            locator: format!("img.dd / f{n} / @0x{n:x}"),
            context: None,
        }
    }

    /// Three edges citing records 2, 0, 1 and mentions out of order; the middle edge is
    /// then removed, as a filter does.
    fn graph() -> Graph {
        let cite = |r: u32, m: &[u32]| Cite {
            record: r,
            mentions: m.to_vec(),
            note: None,
        };
        let mut g = Graph::new();
        for k in ["a", "b", "c"] {
            g.nodes.push(Node {
                key: k.into(),
                ..Node::default()
            });
        }
        g.records = (0..4).map(rec).collect();
        g.mentions = (0..6).map(men).collect();
        for (s, t, c) in [
            ("a", "b", cite(2, &[5, 1])),
            ("a", "c", cite(0, &[0, 3])),
            ("b", "c", cite(1, &[1, 4])),
        ] {
            g.edges.push(Edge {
                source: s.into(),
                target: t.into(),
                evidence: vec![c],
                ..Edge::default()
            });
        }
        g
    }

    #[test]
    fn compaction_keeps_what_is_cited_in_order_of_first_use() {
        let full = graph();
        let want: Vec<Vec<Evidence>> = [0, 2]
            .iter()
            .map(|&i| full.evidence_of(&full.edges[i]).collect())
            .collect();
        let mut moved = full.clone();
        moved.edges.remove(1);
        let mut copied = moved.clone();
        moved.compact();
        copied.records.clear();
        copied.mentions.clear();
        copied.cite_from(&full.records, &full.mentions);
        for g in [&moved, &copied] {
            assert_eq!(g.records, vec![rec(2), rec(1)]);
            assert_eq!(g.mentions, vec![men(5), men(1), men(4)]);
            assert_eq!(g.edges[0].evidence[0].mentions, vec![0, 1]);
            assert_eq!(g.edges[1].evidence[0].record, 1);
            assert_eq!(g.edges[1].evidence[0].mentions, vec![1, 2]);
            let got: Vec<Vec<Evidence>> =
                g.edges.iter().map(|e| g.evidence_of(e).collect()).collect();
            assert_eq!(got, want);
            g.check().unwrap();
        }
    }

    /// The graph with every list filled, and text that needs escaping.
    fn full_graph() -> Graph {
        let mut g = graph();
        g.inputs = vec!["a.jsonl".into(), "b \"q\".jsonl".into()];
        g.settings.insert("window".into(), "256".into());
        g.settings.insert("zz".into(), "}".into());
        g.removed.push(Removed {
            key: "email:root@localhost".into(),
            rule: "root@localhost".into(),
            mentions: 3,
        });
        g.notes = vec!["a note, with ] and },\nand a new line".into()];
        g.mentions[0].context = Some("line 1\nline 2 ],\"x\":[".into());
        g
    }

    #[test]
    fn a_graph_reads_back_from_its_own_layout_and_from_any_other() {
        for g in [full_graph(), Graph::new()] {
            let text = g.to_json().unwrap();
            // One line for the head and for each item of each list, one closing each list.
            let items = g.nodes.len() + g.edges.len() + g.records.len() + g.mentions.len();
            assert_eq!(text.lines().count(), 1 + items + g.removed.len() + 5);
            assert_eq!(Graph::read(text.as_bytes(), "g").unwrap(), g);
            assert_eq!(Graph::from_json(&text).unwrap(), g);
            let one_line = serde_json::to_string(&g).unwrap();
            assert_eq!(Graph::read(one_line.as_bytes(), "g").unwrap(), g);
            let pretty = serde_json::to_string_pretty(&g).unwrap();
            assert_eq!(Graph::read(pretty.as_bytes(), "g").unwrap(), g);
        }
    }

    #[test]
    fn the_head_counts_the_lists_and_a_wrong_count_changes_nothing() {
        let g = full_graph();
        let text = g.to_json().unwrap();
        let head = text.lines().next().unwrap();
        let want = format!(
            "\"counts\":{{\"nodes\":{},\"edges\":{},\"records\":{},\"mentions\":{},\"removed\":{}}}",
            g.nodes.len(),
            g.edges.len(),
            g.records.len(),
            g.mentions.len(),
            g.removed.len()
        );
        assert!(head.contains(&want), "{head}");
        // The counts are only a hint: none, too few, or more than memory could hold.
        let at = head.find("\"counts\":").unwrap();
        let end = at + head[at..].find('}').unwrap() + 1;
        for counts in [
            String::new(),
            "\"counts\":{\"nodes\":0,\"edges\":0},".to_string(),
            format!(
                "\"counts\":{{\"nodes\":{},\"edges\":{}}},",
                u64::MAX,
                1u64 << 60
            ),
        ] {
            let other = format!("{}{counts}{}", &head[..at], &head[end + 1..]);
            let t = text.replacen(head, &other, 1);
            assert_ne!(t, text);
            assert_eq!(Graph::read(t.as_bytes(), "g").unwrap(), g);
        }
    }

    #[test]
    fn a_cut_or_damaged_graph_is_refused_by_the_line_reader() {
        let text = full_graph().to_json().unwrap();
        // Cut after every line but the last, and in the middle of each line.
        let mut at = 0;
        for l in text.split_inclusive('\n') {
            for cut in [at + l.len() / 2, at + l.len()] {
                if cut < text.len() {
                    let part = &text.as_bytes()[..cut];
                    assert!(Graph::read(part, "g").is_err(), "cut at {cut}");
                }
            }
            at += l.len();
        }
        let extra = format!("{text}{{}}\n");
        let after = text.lines().count() as u64 + 1;
        assert!(matches!(
            Graph::read(extra.as_bytes(), "g"),
            Err(GraphError::Parse { line, .. }) if line == after
        ));
        let v1 = text.replacen("\"version\":2", "\"version\":1", 1);
        assert!(matches!(
            Graph::read(v1.as_bytes(), "g"),
            Err(GraphError::Version(1))
        ));
        let other = text.replacen("peel-graph", "other", 1);
        assert!(matches!(
            Graph::read(other.as_bytes(), "g"),
            Err(GraphError::NotAGraph(_))
        ));
        let bad_edge = text.replacen("\"source\":\"a\"", "\"source\":\"zz\"", 1);
        assert!(matches!(
            Graph::read(bad_edge.as_bytes(), "g"),
            Err(GraphError::Inconsistent(_))
        ));
    }

    #[test]
    fn long_lists_read_back_across_batches_and_a_bad_line_is_named() {
        let mut g = full_graph();
        for i in 0..40_000 {
            g.nodes.push(Node {
                key: format!("z{i:06}"),
                ..Node::default()
            });
        }
        let text = g.to_json().unwrap();
        assert_eq!(Graph::read(text.as_bytes(), "g").unwrap(), g);
        // A node cut short on line 30000, in the list's second batch.
        let bad = 30_000;
        let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
        lines[bad - 1] = "{\"key\":\n";
        let damaged = lines.concat();
        assert!(matches!(
            Graph::read(damaged.as_bytes(), "g"),
            Err(GraphError::Parse { line, .. }) if line == bad as u64
        ));
        // Cut at the end of that line: the list never closes.
        let cut: String = lines[..bad].concat();
        assert!(matches!(
            Graph::read(cut.as_bytes(), "g"),
            Err(GraphError::Parse { line, .. }) if line == bad as u64
        ));
    }

    #[test]
    fn a_citation_of_a_missing_record_is_refused() {
        let mut g = graph();
        g.edges[0].evidence[0].mentions.push(6);
        assert!(matches!(g.check(), Err(GraphError::Inconsistent(_))));
        let mut g = graph();
        g.edges[2].evidence[0].record = 4;
        assert!(matches!(g.check(), Err(GraphError::Inconsistent(_))));
        let text = graph()
            .to_json()
            .unwrap()
            .replace("\"version\":2", "\"version\":1");
        assert!(matches!(
            Graph::from_json(&text),
            Err(GraphError::Version(1))
        ));
    }
}
