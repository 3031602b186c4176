//! The self-contained offline HTML viewer: one file with the graph, its layout and the
//! evidence behind every edge embedded, drawn with WebGL (Canvas 2D when WebGL is missing).
//!
//! The page loads nothing from the network (a Content-Security-Policy forbids it), treats
//! every string as hostile (the data is escaped so it cannot close its `<script>` element, and
//! the page inserts it with `textContent` only), and is byte-for-byte reproducible.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::layout::{LayoutConfig, layout};

/// A graph ready to be viewed: entities, the links between them and the evidence for each.
#[derive(Debug, Clone, Serialize)]
pub struct ViewGraph {
    /// Shown as the page title and heading.
    pub title: String,
    /// The entities. Ids must be unique; later duplicates are dropped.
    pub nodes: Vec<ViewNode>,
    /// The links. Edges naming an id that is not among `nodes` are dropped.
    pub edges: Vec<ViewEdge>,
    /// Remarks shown in the page header, e.g. "betweenness sampled over 500 sources".
    pub notes: Vec<String>,
}

/// One entity.
#[derive(Debug, Clone, Serialize)]
pub struct ViewNode {
    /// Unique key, e.g. `email:alice@example.org`.
    pub id: String,
    /// Display form.
    pub label: String,
    /// Entity kind: email, phone, domain, host, ip, handle, wallet, card, iban, file,
    /// evidence, location, url …
    pub kind: String,
    /// Community (cluster) number, if communities were computed.
    pub community: Option<u32>,
    /// Centrality and other measures (degree, weighted, pagerank, betweenness …); any key
    /// present can size the nodes.
    pub metrics: BTreeMap<String, f64>,
    /// Free-form facts shown in the side panel.
    pub details: BTreeMap<String, String>,
}

/// One link between two entities.
#[derive(Debug, Clone, Serialize)]
pub struct ViewEdge {
    /// Id of the source node.
    pub source: String,
    /// Id of the target node.
    pub target: String,
    /// Link kind: co-occurs, communicates, seen-on, located-at, called …
    pub kind: String,
    /// Whether the link has a direction (source → target).
    pub directed: bool,
    /// Strength of the link (e.g. number of supporting records).
    pub weight: f64,
    /// The records that justify the link.
    pub evidence: Vec<ViewEvidence>,
}

/// One record supporting a link.
#[derive(Debug, Clone, Serialize)]
pub struct ViewEvidence {
    /// Where the bytes are: the rendered `Locator` chain.
    pub locator: String,
    /// The evidence item the record came from.
    pub evidence: String,
    /// When, as RFC 3339 UTC, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Surrounding bytes or text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Any remark.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

const TEMPLATE: &str = include_str!("../assets/viewer.html");
const STYLE: &str = include_str!("../assets/viewer.css");
const SCRIPT: &str = include_str!("../assets/viewer.js");

/// Largest coordinate magnitude of the embedded layout.
const EXTENT: f64 = 1000.0;

/// What the page reads from its `graph-data` element.
#[derive(Serialize)]
struct Payload<'a> {
    title: &'a str,
    notes: &'a [String],
    nodes: Vec<NodeOut<'a>>,
    edges: Vec<EdgeOut<'a>>,
    /// Layout positions, `x0, y0, x1, y1, …`.
    pos: Vec<f64>,
}

#[derive(Serialize)]
struct NodeOut<'a> {
    id: &'a str,
    label: &'a str,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    community: Option<u32>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metrics: BTreeMap<&'a str, f64>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    details: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct EdgeOut<'a> {
    /// Source node index.
    s: usize,
    /// Target node index.
    t: usize,
    kind: &'a str,
    directed: bool,
    weight: f64,
    evidence: &'a [ViewEvidence],
}

/// The numbers of nodes and edges [`render`] embeds (after dropping duplicate node ids and
/// edges with an unknown endpoint); the page reports the same counts once drawn.
pub fn counts(graph: &ViewGraph) -> (usize, usize) {
    let (nodes, edges) = prepare(graph);
    (nodes.len(), edges.len())
}

/// Distinct nodes in input order, and edges as `(source index, target index, edge)`.
fn prepare(graph: &ViewGraph) -> (Vec<&ViewNode>, Vec<(usize, usize, &ViewEdge)>) {
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(graph.nodes.len());
    let mut nodes = Vec::with_capacity(graph.nodes.len());
    for node in &graph.nodes {
        if !index.contains_key(node.id.as_str()) {
            index.insert(node.id.as_str(), nodes.len());
            nodes.push(node);
        }
    }
    let edges = graph
        .edges
        .iter()
        .filter_map(|e| {
            Some((
                *index.get(e.source.as_str())?,
                *index.get(e.target.as_str())?,
                e,
            ))
        })
        .collect();
    (nodes, edges)
}

/// Renders the complete HTML document: data, layout, style and script in one file that works
/// offline. The same graph always gives the same bytes.
///
/// The layout dominates the cost: about 1.1 s for 10,000 nodes and 30,000 edges in a release
/// build (`docs/bench/viewer.sh`). See `docs/viewer.md` for what the page offers.
pub fn render(graph: &ViewGraph) -> String {
    let (nodes, edges) = prepare(graph);
    let keys: Vec<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    let links: Vec<(usize, usize, f64)> = edges.iter().map(|&(s, t, e)| (s, t, e.weight)).collect();
    let points = layout(&keys, &links, &LayoutConfig::default());

    // Centre the layout and scale it into ±EXTENT, with one decimal: small and stable.
    let (mut lo_x, mut lo_y, mut hi_x, mut hi_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in &points {
        lo_x = lo_x.min(p.x);
        lo_y = lo_y.min(p.y);
        hi_x = hi_x.max(p.x);
        hi_y = hi_y.max(p.y);
    }
    let span = (hi_x - lo_x).max(hi_y - lo_y);
    let scale = if span > 0.0 && span.is_finite() {
        2.0 * EXTENT / span
    } else {
        1.0
    };
    let (mid_x, mid_y) = ((lo_x + hi_x) / 2.0, (lo_y + hi_y) / 2.0);
    let fix = |v: f64| {
        let r = (v * 10.0).round() / 10.0;
        if r.is_finite() && r != 0.0 { r } else { 0.0 }
    };
    let pos = points
        .iter()
        .flat_map(|p| [fix((p.x - mid_x) * scale), fix((p.y - mid_y) * scale)])
        .collect();

    let payload = Payload {
        title: &graph.title,
        notes: &graph.notes,
        nodes: nodes
            .iter()
            .map(|n| NodeOut {
                id: &n.id,
                label: &n.label,
                kind: &n.kind,
                community: n.community,
                metrics: n
                    .metrics
                    .iter()
                    .filter(|(_, v)| v.is_finite())
                    .map(|(k, v)| (k.as_str(), *v))
                    .collect(),
                details: &n.details,
            })
            .collect(),
        edges: edges
            .iter()
            .map(|&(s, t, e)| EdgeOut {
                s,
                t,
                kind: &e.kind,
                directed: e.directed,
                weight: if e.weight.is_finite() { e.weight } else { 0.0 },
                evidence: &e.evidence,
            })
            .collect(),
        pos,
    };
    // Serialising these types cannot fail (string keys, finite numbers); should it ever,
    // the page shows an empty graph rather than a broken document.
    let json = serde_json::to_string(&payload)
        .unwrap_or_else(|_| String::from("{\"nodes\":[],\"edges\":[],\"pos\":[]}"));

    fill(TEMPLATE, |name, out| match name {
        "TITLE" => escape_html(&graph.title, out),
        "STYLE" => out.push_str(STYLE),
        "DATA" => escape_script_json(&json, out),
        "SCRIPT" => out.push_str(SCRIPT),
        _ => {}
    })
}

/// Copies `template`, replacing each `{{NAME}}` with what `put` writes. Only the trusted
/// template is scanned for markers, never the inserted text.
fn fill(template: &str, mut put: impl FnMut(&str, &mut String)) -> String {
    let mut out = String::with_capacity(template.len() + SCRIPT.len() + STYLE.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let body = after.get(2..).unwrap_or("");
        match body.find("}}") {
            Some(end) => {
                put(body.get(..end).unwrap_or(""), &mut out);
                rest = body.get(end + 2..).unwrap_or("");
            }
            None => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Escapes text for an HTML text or attribute context.
fn escape_html(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Makes JSON safe inside `<script type="application/json">`: `<`, `>` and `&` (which can only
/// occur inside JSON strings) become `\u` escapes, so no `</script>` or `<!--` can appear;
/// U+2028/U+2029 are escaped too for older parsers.
fn escape_script_json(json: &str, out: &mut String) {
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;

    const HOSTILE: &str = "</script><img src=x onerror=alert(1)><!--";

    fn node(id: &str, kind: &str) -> ViewNode {
        ViewNode {
            id: id.into(),
            label: id.into(),
            kind: kind.into(),
            community: Some(1),
            metrics: BTreeMap::from([("degree".into(), 2.0), ("bad".into(), f64::NAN)]),
            details: BTreeMap::new(),
        }
    }

    fn edge(s: &str, t: &str) -> ViewEdge {
        ViewEdge {
            source: s.into(),
            target: t.into(),
            kind: "co-occurs".into(),
            directed: false,
            weight: 1.0,
            evidence: vec![ViewEvidence {
                locator: "img.dd / @0x10".into(),
                evidence: "img.dd".into(),
                time: None,
                context: Some(HOSTILE.into()),
                note: None,
            }],
        }
    }

    fn sample() -> ViewGraph {
        let mut a = node("email:a@example.org", "email");
        a.label = HOSTILE.into();
        ViewGraph {
            title: format!("case {HOSTILE}"),
            nodes: vec![
                a,
                node("phone:1", "phone"),
                node("phone:1", "phone"),
                node("ip:10.0.0.1", "ip"),
            ],
            edges: vec![
                edge("email:a@example.org", "phone:1"),
                edge("phone:1", "ip:10.0.0.1"),
                edge("phone:1", "missing"),
            ],
            notes: vec![HOSTILE.into()],
        }
    }

    #[test]
    fn hostile_text_cannot_leave_the_data_element() {
        let html = render(&sample());
        assert!(!html.contains("<img"));
        assert!(!html.contains("<!--"));
        assert_eq!(
            html.matches("</script>").count(),
            html.matches("<script").count()
        );
        assert!(html.contains(
            "<title>case &lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&lt;!--</title>"
        ));
        assert!(
            html.contains(r"\u003c/script\u003e\u003cimg src=x onerror=alert(1)\u003e\u003c!--")
        );
    }

    #[test]
    fn embedded_data_round_trips() {
        let html = render(&sample());
        let start = html.find("id=\"graph-data\">").unwrap() + "id=\"graph-data\">".len();
        let end = start + html[start..].find("</script>").unwrap();
        let data: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
        assert_eq!(data["nodes"].as_array().unwrap().len(), 3);
        assert_eq!(data["edges"].as_array().unwrap().len(), 2);
        assert_eq!(data["pos"].as_array().unwrap().len(), 6);
        assert_eq!(data["nodes"][0]["label"], HOSTILE);
        assert_eq!(
            data["nodes"][0]["metrics"],
            serde_json::json!({"degree": 2.0})
        );
        assert_eq!(data["edges"][1]["s"], 1);
        assert_eq!(data["edges"][1]["t"], 2);
        assert_eq!(data["edges"][0]["evidence"][0]["context"], HOSTILE);
        assert_eq!(counts(&sample()), (3, 2));
    }

    #[test]
    fn same_graph_same_bytes() {
        assert_eq!(render(&sample()), render(&sample()));
    }

    #[test]
    fn template_markers_only_come_from_the_template() {
        let mut g = sample();
        g.title = "{{SCRIPT}}".into();
        let html = render(&g);
        assert_eq!(
            html.matches("{{SCRIPT}}").count(),
            2,
            "title and data keep the literal text"
        );
    }
}
