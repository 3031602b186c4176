//! A stored graph and its measures as the viewer's model ([`crate::view`]): what each node
//! shows in the side panel, and each edge's evidence list.

use std::collections::BTreeMap;

use crate::export::Metrics;
use crate::model::{Evidence, Graph};
use crate::view::{ViewEdge, ViewEvidence, ViewGraph, ViewNode, render};

/// Most evidence entries shown per edge in the viewer (the panel says how many exist).
pub const VIEW_EVIDENCE: usize = 50;

fn view_evidence(ev: &Evidence) -> ViewEvidence {
    let mentions: Vec<String> = ev
        .mentions
        .iter()
        .map(|m| match &m.context {
            Some(c) => format!("{} @ {}: {c}", m.value, m.locator),
            None => format!("{} @ {}", m.value, m.locator),
        })
        .collect();
    let note = match (&ev.note, mentions.is_empty()) {
        (Some(n), true) => Some(format!("{} — {n}", ev.record)),
        (Some(n), false) => Some(format!("{} — {n}\n{}", ev.record, mentions.join("\n"))),
        (None, false) => Some(format!("{}\n{}", ev.record, mentions.join("\n"))),
        (None, true) => Some(ev.record.clone()),
    };
    ViewEvidence {
        locator: ev.locator.clone(),
        evidence: ev.source.clone(),
        time: ev.time.clone(),
        context: ev.mentions.iter().find_map(|m| m.context.clone()),
        note,
    }
}

/// The viewer's model of `g` with measures `m`.
pub fn model(g: &Graph, m: &Metrics) -> ViewGraph {
    let nodes = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut metrics = BTreeMap::new();
            for (k, v) in [
                ("degree", &m.degree),
                ("weighted", &m.weighted),
                ("pagerank", &m.pagerank),
                ("betweenness", &m.betweenness.scores),
            ] {
                metrics.insert(k.to_string(), v.get(i).copied().unwrap_or(0.0));
            }
            metrics.insert("mentions".to_string(), n.mentions as f64);
            let mut details = BTreeMap::new();
            details.insert("key".to_string(), n.key.clone());
            details.insert("mentions".to_string(), n.mentions.to_string());
            details.insert("sources".to_string(), n.sources.join(", "));
            if !n.variants.is_empty() {
                details.insert("as found".to_string(), n.variants.join(", "));
            }
            if !n.resolution.is_empty() {
                details.insert("resolution".to_string(), n.resolution.join(", "));
            }
            if let Some(t) = &n.first_seen {
                details.insert("first seen".to_string(), t.clone());
            }
            if let Some(t) = &n.last_seen {
                details.insert("last seen".to_string(), t.clone());
            }
            for (k, v) in &n.attrs {
                details.insert(k.clone(), v.clone());
            }
            ViewNode {
                id: n.key.clone(),
                label: n.label.clone(),
                kind: n.kind.clone(),
                community: m.communities.of.get(i).map(|&c| c as u32),
                metrics,
                details,
            }
        })
        .collect();
    let edges = g
        .edges
        .iter()
        .map(|e| {
            let mut evidence: Vec<ViewEvidence> = e
                .evidence
                .iter()
                .take(VIEW_EVIDENCE)
                .map(|c| view_evidence(&g.evidence(c)))
                .collect();
            let shown = evidence.len() as u64;
            if e.count > shown {
                evidence.push(ViewEvidence {
                    locator: format!("… and {} more records", e.count - shown),
                    evidence: e.sources.join(", "),
                    time: None,
                    context: None,
                    note: Some("see `peel graph explain` for the full list".to_string()),
                });
            }
            ViewEdge {
                source: e.source.clone(),
                target: e.target.clone(),
                kind: e.kind.clone(),
                directed: e.directed,
                weight: e.weight,
                evidence,
            }
        })
        .collect();
    let mut notes = g.notes.clone();
    notes.extend(m.notes());
    ViewGraph {
        title: if g.inputs.is_empty() {
            "peel graph".to_string()
        } else {
            format!("peel graph — {}", g.inputs.join(", "))
        },
        nodes,
        edges,
        notes,
    }
}

/// The self-contained HTML viewer of `g`.
pub fn html(g: &Graph, m: &Metrics) -> String {
    render(&model(g, m))
}
