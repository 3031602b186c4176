//! peel-graph: the association graph of entities and the evidence behind each link, with a
//! self-contained offline HTML viewer for investigators.
//!
//! ```
//! use std::collections::BTreeMap;
//! use peel_graph::view::{render, ViewEdge, ViewGraph, ViewNode};
//! let node = |id: &str, kind: &str| ViewNode {
//!     id: id.into(),
//!     label: id.into(),
//!     kind: kind.into(),
//!     community: None,
//!     metrics: BTreeMap::new(),
//!     details: BTreeMap::new(),
//! };
//! let graph = ViewGraph {
//!     title: "case 42".into(),
//!     nodes: vec![node("email:a@example.org", "email"), node("phone:+4930123", "phone")],
//!     edges: vec![ViewEdge {
//!         source: "email:a@example.org".into(),
//!         target: "phone:+4930123".into(),
//!         kind: "co-occurs".into(),
//!         directed: false,
//!         weight: 1.0,
//!         evidence: Vec::new(),
//!     }],
//!     notes: Vec::new(),
//! };
//! let html = render(&graph);
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! assert_eq!(html, render(&graph));
//! ```

pub mod layout;
pub mod view;
