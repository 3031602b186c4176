//! The association graph as it is stored (`graph.json`): entities, typed edges, and for every
//! edge the evidence that justifies it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::GraphError;

/// Value of [`Graph::format`].
pub const FORMAT: &str = "peel-graph";
/// Schema version of the stored graph.
pub const VERSION: u32 = 1;

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
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
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
    pub sources: Vec<String>,
    /// Earliest evidence time (UTC RFC 3339), where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// Latest evidence time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// The evidence, in input order; at most the build's evidence cap (see `notes`).
    pub evidence: Vec<Evidence>,
}

/// One reason an edge exists: a record, or a pair of records found together.
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
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
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
        let g: Graph = serde_json::from_str(text).map_err(|e| GraphError::Parse {
            what: "graph JSON".into(),
            line: e.line() as u64,
            message: e.to_string(),
        })?;
        if g.format != FORMAT {
            return Err(GraphError::NotAGraph(g.format));
        }
        if g.version != VERSION {
            return Err(GraphError::Version(g.version));
        }
        g.check()?;
        Ok(g)
    }

    /// Serialises the graph (compact JSON on one line, stable order).
    pub fn to_json(&self) -> Result<String, GraphError> {
        let mut s = serde_json::to_string(self).map_err(|e| GraphError::Parse {
            what: "graph".into(),
            line: 0,
            message: e.to_string(),
        })?;
        s.push('\n');
        Ok(s)
    }

    /// Checks that keys are unique and sorted and that every edge names known nodes.
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
        for e in &self.edges {
            for k in [&e.source, &e.target] {
                if self.index_of(k).is_none() {
                    return Err(GraphError::Inconsistent(format!(
                        "edge {} -> {} names unknown node {k}",
                        e.source, e.target
                    )));
                }
            }
        }
        Ok(())
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
