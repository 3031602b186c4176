//! Renders a synthetic case graph to an HTML file and reports how long the layout and the
//! whole `render` took:
//! `cargo run --release -p peel-graph --example viewer_synthetic -- OUT.html [NODES]`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../tests/common/synthetic.rs"]
#[allow(dead_code)]
mod synthetic;

use std::collections::HashMap;
use std::time::Instant;

use peel_graph::layout::{LayoutConfig, layout};
use peel_graph::view::{ViewGraph, counts, render};

/// Seconds for the layout alone (what `render` spends most of its time on).
fn layout_seconds(graph: &ViewGraph) -> f64 {
    let index: HashMap<&str, usize> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let keys: Vec<&str> = graph.nodes.iter().map(|n| n.id.as_str()).collect();
    let edges: Vec<(usize, usize, f64)> = graph
        .edges
        .iter()
        .map(|e| (index[e.source.as_str()], index[e.target.as_str()], e.weight))
        .collect();
    let start = Instant::now();
    let points = layout(&keys, &edges, &LayoutConfig::default());
    assert_eq!(points.len(), keys.len());
    start.elapsed().as_secs_f64()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "graph.html".into());
    let n: usize = args
        .next()
        .map_or(10_000, |s| s.parse().expect("NODES must be a number"));
    let graph = synthetic::synthetic(n, 42);
    let layout = layout_seconds(&graph);
    let start = Instant::now();
    let html = render(&graph);
    let elapsed = start.elapsed();
    std::fs::write(&out, &html).expect("write the HTML file");
    let (nodes, edges) = counts(&graph);
    println!("nodes {nodes}");
    println!("edges {edges}");
    println!("layout_seconds {layout:.3}");
    println!("render_seconds {:.3}", elapsed.as_secs_f64());
    println!("html_bytes {}", html.len());
    println!("output {out}");
}
