//! peel-graph: association graphs from peel's records — entities keyed by normalised value,
//! typed edges that keep the evidence for every link, analysis (centrality, communities,
//! paths), exports (GraphML, GEXF, DOT, Cytoscape.js, Neo4j and plain CSV) and a
//! self-contained offline HTML viewer.
//!
//! ```
//! use peel_graph::build::{BuildOptions, Builder};
//! let records = r#"{"record":"message","from":[{"address":"Alice@Example.org"}],"to":[{"address":"bob@example.net"}],"date":"2024-03-15T10:00:00Z","subject":"hi","offset":0,"length":100,"locator_text":"disk.img / fat16 / a.eml#5","evidence":"disk.img"}"#;
//! let mut b = Builder::new(BuildOptions::default());
//! b.read_records(records.as_bytes(), "features.jsonl").unwrap();
//! let g = b.finish(&[]);
//! let e = g.edges.iter().find(|e| e.kind == "communicates").unwrap();
//! assert_eq!((e.source.as_str(), e.target.as_str()), ("email:alice@example.org", "email:bob@example.net"));
//! assert_eq!(g.evidence(&e.evidence[0]).locator, "disk.img / fat16 / a.eml#5 / @0x0");
//! ```

pub mod analyse;
pub mod build;
pub mod export;
pub mod layout;
pub mod model;
pub mod resolve;
mod stream;
pub mod tabular;
pub mod view;
pub mod viewer;

pub use model::Graph;

/// What can go wrong building or reading a graph.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// An input could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The input.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// An input line or document is not what it should be.
    #[error("{what}:{line}: {message}")]
    Parse {
        /// The input.
        what: String,
        /// Line number (1-based; 0 when unknown).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A JSON document that is not a peel graph.
    #[error("not a peel graph (format `{0}`)")]
    NotAGraph(String),
    /// A graph of another schema version.
    #[error(
        "graph schema version {0} is not supported (this peel reads version {v}); rebuild it \
         with `peel graph build`",
        v = crate::model::VERSION
    )]
    Version(u32),
    /// A graph whose parts do not fit together.
    #[error("inconsistent graph: {0}")]
    Inconsistent(String),
    /// Options that do not make sense.
    #[error("{0}")]
    Usage(String),
}
