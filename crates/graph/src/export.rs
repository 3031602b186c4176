//! Exports for the tools investigators use: GraphML (Gephi, yEd, networkx), GEXF 1.3 with
//! time spells (Gephi), Graphviz DOT, Cytoscape.js JSON, Neo4j `neo4j-admin database import`
//! CSVs, and plain node/edge CSVs for spreadsheets, i2 and Maltego.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write as _};

use serde_json::json;

use crate::analyse::{Betweenness, Communities, EdgeSelect, Net};
use crate::model::{Edge, Graph, Node};

/// Betweenness is exact up to this many nodes, sampled above.
pub const EXACT_BETWEENNESS: usize = 5000;
/// At most this many source nodes are sampled for betweenness on larger graphs.
pub const BETWEENNESS_SAMPLES: usize = 500;
/// At least this many, however large the graph.
pub const MIN_BETWEENNESS_SAMPLES: usize = 50;
/// Work allowed for sampled betweenness, in neighbour visits (each sampled source visits
/// every link twice, out and back): a few seconds on one core. Between the two bounds above,
/// the sample is as large as this allows; the notes say how many sources were drawn.
pub const BETWEENNESS_WORK: usize = 500_000_000;

/// How many sources to sample for betweenness on a network with `links` undirected links.
pub fn betweenness_samples(links: usize) -> usize {
    let per_source = links.saturating_mul(4).max(1);
    (BETWEENNESS_WORK / per_source).clamp(MIN_BETWEENNESS_SAMPLES, BETWEENNESS_SAMPLES)
}

/// Per-node measures written with the exports.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Distinct linked neighbours.
    pub degree: Vec<f64>,
    /// Sum of link weights.
    pub weighted: Vec<f64>,
    /// PageRank.
    pub pagerank: Vec<f64>,
    /// Betweenness (maybe sampled).
    pub betweenness: Betweenness,
    /// Louvain communities.
    pub communities: Communities,
    /// Connected components.
    pub components: Vec<usize>,
}

impl Metrics {
    /// Computes every measure over the links `sel` admits.
    pub fn compute(g: &Graph, sel: &EdgeSelect) -> Metrics {
        let net = Net::new(g, sel);
        // Louvain runs on one core: beside the measures that spread over all of them.
        let (communities, (pagerank, betweenness)) = rayon::join(
            || net.louvain(),
            || {
                (
                    net.pagerank(),
                    net.betweenness(EXACT_BETWEENNESS, betweenness_samples(net.link_count())),
                )
            },
        );
        Metrics {
            degree: net.degree(),
            weighted: net.weighted_degree(),
            pagerank,
            betweenness,
            communities,
            components: net.components(),
        }
    }

    /// What the reader must know about how the measures were made.
    pub fn notes(&self) -> Vec<String> {
        let mut v = vec![
            "measures are over links between entities; seen-on edges are not links".to_string(),
        ];
        v.extend(self.betweenness.note());
        v
    }

    fn get(v: &[f64], i: usize) -> f64 {
        v.get(i).copied().unwrap_or(0.0)
    }
}

/// [`xml`] written straight out; text with nothing to escape is copied whole.
fn xml_to(w: &mut impl io::Write, s: &str) -> io::Result<()> {
    /// A byte that may need [`xml`]: a control, markup, or the lead byte of U+FFFE / U+FFFF.
    fn special(b: u8) -> bool {
        b < 0x20 || matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'' | 0xEF)
    }
    // Folded without stopping early, which the compiler can do many bytes at a time.
    let plain = !s.bytes().fold(false, |any, b| any | special(b));
    if plain {
        w.write_all(s.as_bytes())
    } else {
        w.write_all(xml(s).as_bytes())
    }
}

/// Replaces characters XML 1.0 cannot carry and escapes markup.
fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// A number as text that reads back to the same value (no `NaN`/`inf` in exports).
fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "0".to_string()
    }
}

/// Locators of an edge's evidence, joined (at most `max`).
fn evidence_list(g: &Graph, e: &Edge, max: usize, sep: &str) -> String {
    let mut s = String::new();
    // Writing into a string cannot fail.
    let _ = each_evidence(g, e, max, sep, |x| {
        s.push_str(x);
        Ok(())
    });
    s
}

/// Gives `out` the pieces of [`evidence_list`] in turn (locators, separators, and how many
/// there are in all when not every one is listed), so that a writer need not join them first.
fn each_evidence(
    g: &Graph,
    e: &Edge,
    max: usize,
    sep: &str,
    mut out: impl FnMut(&str) -> io::Result<()>,
) -> io::Result<()> {
    let mut listed = 0usize;
    let mut last: Option<&str> = None;
    for c in e.evidence.iter().take(max) {
        let loc = g.record_of(c).map_or("", |r| r.locator.as_str());
        // The same locator twice in a row is listed once.
        if last == Some(loc) {
            continue;
        }
        if last.is_some() {
            out(sep)?;
        }
        out(loc)?;
        last = Some(loc);
        listed += 1;
    }
    if e.count as usize > listed {
        out(sep)?;
        out(&format!("… {} in all", e.count))?;
    }
    Ok(())
}

/// An attribute value; text is borrowed where the graph holds it as it is written.
enum Val<'a> {
    S(Cow<'a, str>),
    /// An edge's evidence list (see [`evidence_list`]), made only as it is written.
    Evidence(&'a Graph, &'a Edge),
    I(i64),
    F(f64),
    B(bool),
}

/// Most locators an edge's evidence attribute lists.
const EVIDENCE_LISTED: usize = 20;

fn node_values<'a>(n: &'a Node, i: usize, m: &Metrics) -> Vec<(&'static str, Option<Val<'a>>)> {
    let attr_f = |k: &str| {
        n.attrs
            .get(k)
            .and_then(|v| v.parse::<f64>().ok())
            .map(Val::F)
    };
    vec![
        ("label", Some(Val::S(n.label.as_str().into()))),
        ("kind", Some(Val::S(n.kind.as_str().into()))),
        ("mentions", Some(Val::I(n.mentions as i64))),
        ("sources", Some(Val::I(n.sources.len() as i64))),
        ("source_list", Some(Val::S(n.sources.join(" | ").into()))),
        ("variants", Some(Val::S(n.variants.join(" | ").into()))),
        ("resolution", Some(Val::S(n.resolution.join(", ").into()))),
        (
            "first_seen",
            n.first_seen.as_deref().map(|t| Val::S(t.into())),
        ),
        (
            "last_seen",
            n.last_seen.as_deref().map(|t| Val::S(t.into())),
        ),
        ("degree", Some(Val::F(Metrics::get(&m.degree, i)))),
        (
            "weighted_degree",
            Some(Val::F(Metrics::get(&m.weighted, i))),
        ),
        ("pagerank", Some(Val::F(Metrics::get(&m.pagerank, i)))),
        (
            "betweenness",
            Some(Val::F(Metrics::get(&m.betweenness.scores, i))),
        ),
        (
            "community",
            m.communities.of.get(i).map(|&c| Val::I(c as i64)),
        ),
        ("component", m.components.get(i).map(|&c| Val::I(c as i64))),
        ("lat", attr_f("lat")),
        ("lon", attr_f("lon")),
    ]
}

/// An edge's attributes, in a fixed array (one is made for every edge written).
fn edge_values<'a>(g: &'a Graph, e: &'a Edge) -> [(&'static str, Option<Val<'a>>); 8] {
    [
        ("kind", Some(Val::S(e.kind.as_str().into()))),
        ("directed", Some(Val::B(e.directed))),
        ("weight", Some(Val::F(e.weight))),
        ("count", Some(Val::I(e.count as i64))),
        ("sources", Some(Val::I(e.sources.len() as i64))),
        (
            "first_seen",
            e.first_seen.as_deref().map(|t| Val::S(t.into())),
        ),
        (
            "last_seen",
            e.last_seen.as_deref().map(|t| Val::S(t.into())),
        ),
        ("evidence", Some(Val::Evidence(g, e))),
    ]
}

/// A value as XML text.
fn text(v: &Val) -> String {
    let mut out = Vec::new();
    // Writing into memory cannot fail, and only valid UTF-8 is written.
    let _ = write_val(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

/// A value written as XML text.
fn write_val(w: &mut impl io::Write, v: &Val) -> io::Result<()> {
    match v {
        Val::S(s) => xml_to(w, s),
        Val::Evidence(g, e) => each_evidence(g, e, EVIDENCE_LISTED, " | ", |x| xml_to(w, x)),
        Val::I(i) => write!(w, "{i}"),
        Val::F(f) if f.is_finite() => write!(w, "{f}"),
        Val::F(_) => w.write_all(b"0"),
        Val::B(b) => w.write_all(if *b { b"true" } else { b"false" }),
    }
}

/// Key declarations: every attribute that some node (or edge) has, with its type.
fn keys(rows: &[Vec<(&'static str, Option<Val>)>]) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    for r in rows {
        for (k, v) in r {
            if let Some(v) = v
                && !out.iter().any(|(x, _)| x == k)
            {
                out.push((k, val_type(v)));
            }
        }
    }
    out
}

fn order_keys(
    template: &[(&'static str, Option<Val>)],
    found: Vec<(&'static str, &'static str)>,
) -> Vec<(&'static str, &'static str)> {
    template
        .iter()
        .filter_map(|(k, _)| found.iter().find(|(x, _)| x == k).copied())
        .collect()
}

/// GraphML with typed `<key>` declarations; edges are undirected by default and carry a
/// boolean `directed` attribute (GraphML readers reject mixed `directed=` edges).
pub fn graphml(g: &Graph, m: &Metrics) -> String {
    let mut out = Vec::new();
    // Writing into memory cannot fail, and only valid UTF-8 is written.
    let _ = write_graphml(&mut out, g, m);
    String::from_utf8(out).unwrap_or_default()
}

/// [`graphml`] written as a stream: one node or edge at a time, never the whole text.
pub fn write_graphml(w: &mut (dyn io::Write + Send), g: &Graph, m: &Metrics) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 20, w);
    let nrows: Vec<_> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| node_values(n, i, m))
        .collect();
    let nkeys = match nrows.first() {
        Some(t) => order_keys(t, keys(&nrows)),
        None => Vec::new(),
    };
    let ekeys = edge_keys(g);
    w.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    w.write_all(
        b"<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns \
         http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
    )?;
    for (k, t) in &nkeys {
        writeln!(
            w,
            "  <key id=\"n_{k}\" for=\"node\" attr.name=\"{k}\" attr.type=\"{t}\"/>"
        )?;
    }
    for (k, t) in &ekeys {
        writeln!(
            w,
            "  <key id=\"e_{k}\" for=\"edge\" attr.name=\"{k}\" attr.type=\"{t}\"/>"
        )?;
    }
    w.write_all(b"  <graph id=\"peel\" edgedefault=\"undirected\">\n")?;
    crate::stream::write_each(
        &mut w,
        g.nodes.iter().zip(&nrows),
        |b, _, (n, row)| {
            b.extend_from_slice(b"    <node id=\"");
            xml_to(b, &n.key)?;
            b.extend_from_slice(b"\">\n");
            data_rows(b, "n_", row)?;
            b.extend_from_slice(b"    </node>\n");
            Ok(())
        },
        |e| e,
    )?;
    drop(nrows);
    crate::stream::write_each(
        &mut w,
        &g.edges,
        |b, i, e| {
            write!(b, "    <edge id=\"e{i}\" source=\"")?;
            xml_to(b, &e.source)?;
            b.extend_from_slice(b"\" target=\"");
            xml_to(b, &e.target)?;
            b.extend_from_slice(b"\">\n");
            data_rows(b, "e_", &edge_values(g, e))?;
            b.extend_from_slice(b"    </edge>\n");
            Ok(())
        },
        |e| e,
    )?;
    w.write_all(b"  </graph>\n</graphml>\n")?;
    w.flush()
}

/// `<data>` lines of one node or edge.
fn data_rows(
    w: &mut impl io::Write,
    prefix: &str,
    row: &[(&'static str, Option<Val>)],
) -> io::Result<()> {
    for (k, v) in row {
        if let Some(v) = v {
            w.write_all(b"      <data key=\"")?;
            w.write_all(prefix.as_bytes())?;
            w.write_all(k.as_bytes())?;
            w.write_all(b"\">")?;
            write_val(w, v)?;
            w.write_all(b"</data>\n")?;
        }
    }
    Ok(())
}

/// The edge attributes some edge has, in [`edge_values`] order, with their types; found
/// without making every edge's values.
fn edge_keys(g: &Graph) -> Vec<(&'static str, &'static str)> {
    let Some(first) = g.edges.first() else {
        return Vec::new();
    };
    let first_seen = g.edges.iter().any(|e| e.first_seen.is_some());
    let last_seen = g.edges.iter().any(|e| e.last_seen.is_some());
    edge_values(g, first)
        .iter()
        .filter(|(k, _)| match *k {
            "first_seen" => first_seen,
            "last_seen" => last_seen,
            _ => true,
        })
        // Only the two times can be absent from the first edge, and they are strings.
        .map(|(k, v)| (*k, v.as_ref().map_or("string", val_type)))
        .collect()
}

fn val_type(v: &Val) -> &'static str {
    match v {
        Val::S(_) | Val::Evidence(..) => "string",
        Val::I(_) => "long",
        Val::F(_) => "double",
        Val::B(_) => "boolean",
    }
}

fn spell(first: &Option<String>, last: &Option<String>) -> String {
    let mut s = String::new();
    if first.is_some() || last.is_some() {
        s.push_str("<spells><spell");
        if let Some(f) = first {
            let _ = write!(s, " start=\"{}\"", xml(f.trim_end_matches('Z')));
        }
        if let Some(l) = last {
            let _ = write!(s, " end=\"{}\"", xml(l.trim_end_matches('Z')));
        }
        s.push_str("/></spells>");
    }
    s
}

/// GEXF 1.3: typed attributes, and time spells from first to last seen (UTC).
pub fn gexf(g: &Graph, m: &Metrics) -> String {
    let nrows: Vec<_> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| node_values(n, i, m))
        .collect();
    let erows: Vec<_> = g
        .edges
        .iter()
        .map(|e| Vec::from(edge_values(g, e)))
        .collect();
    let decl = |rows: &[Vec<(&'static str, Option<Val>)>]| -> Vec<(&'static str, &'static str)> {
        let mut out: Vec<(&'static str, &'static str)> = Vec::new();
        if let Some(t) = rows.first() {
            for (k, _) in t {
                if *k == "label" || *k == "weight" {
                    continue;
                }
                if let Some(v) = rows
                    .iter()
                    .find_map(|r| r.iter().find(|(x, _)| x == k).and_then(|(_, v)| v.as_ref()))
                {
                    out.push((k, val_type(v)));
                }
            }
        }
        out
    };
    let nkeys = decl(&nrows);
    let ekeys = decl(&erows);
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(
        "<gexf xmlns=\"http://gexf.net/1.3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd\" version=\"1.3\">\n",
    );
    s.push_str("  <meta>\n    <creator>peel</creator>\n");
    let _ = writeln!(
        s,
        "    <description>{}</description>\n  </meta>",
        xml(&format!("association graph from {}", g.inputs.join(", ")))
    );
    s.push_str(
        "  <graph defaultedgetype=\"undirected\" mode=\"dynamic\" timeformat=\"date\" \
         timezone=\"UTC\">\n",
    );
    for (class, ks) in [("node", &nkeys), ("edge", &ekeys)] {
        let _ = writeln!(s, "    <attributes class=\"{class}\" mode=\"static\">");
        for (k, t) in ks.iter() {
            let _ = writeln!(
                s,
                "      <attribute id=\"{k}\" title=\"{k}\" type=\"{t}\"/>"
            );
        }
        s.push_str("    </attributes>\n");
    }
    s.push_str("    <nodes>\n");
    for (n, row) in g.nodes.iter().zip(&nrows) {
        let _ = write!(
            s,
            "      <node id=\"{}\" label=\"{}\"><attvalues>",
            xml(&n.key),
            xml(&n.label)
        );
        for (k, v) in row {
            if *k == "label" {
                continue;
            }
            if let Some(v) = v {
                let _ = write!(s, "<attvalue for=\"{k}\" value=\"{}\"/>", text(v));
            }
        }
        s.push_str("</attvalues>");
        s.push_str(&spell(&n.first_seen, &n.last_seen));
        s.push_str("</node>\n");
    }
    s.push_str("    </nodes>\n    <edges>\n");
    for (i, (e, row)) in g.edges.iter().zip(&erows).enumerate() {
        let _ = write!(
            s,
            "      <edge id=\"{i}\" source=\"{}\" target=\"{}\" weight=\"{}\"><attvalues>",
            xml(&e.source),
            xml(&e.target),
            num(e.weight)
        );
        for (k, v) in row {
            if *k == "weight" {
                continue;
            }
            if let Some(v) = v {
                let _ = write!(s, "<attvalue for=\"{k}\" value=\"{}\"/>", text(v));
            }
        }
        s.push_str("</attvalues>");
        s.push_str(&spell(&e.first_seen, &e.last_seen));
        s.push_str("</edge>\n");
    }
    s.push_str("    </edges>\n  </graph>\n</gexf>\n");
    s
}

fn dot_id(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// Colour per entity kind, shared by DOT and the viewer legend.
pub fn kind_colour(kind: &str) -> &'static str {
    match kind {
        "email" => "#4e79a7",
        "phone" => "#f28e2b",
        "domain" => "#76b7b2",
        "host" => "#59a14f",
        "ip" => "#edc948",
        "wallet" => "#b07aa1",
        "card" => "#e15759",
        "iban" => "#ff9da7",
        "file" => "#9c755f",
        "evidence" => "#bab0ac",
        "location" => "#1b9e77",
        "device" => "#d95f02",
        "plate" => "#7570b3",
        "handle" => "#e7298a",
        _ => "#888888",
    }
}

/// Graphviz DOT (an undirected graph; directed kinds drawn with an arrow).
pub fn dot(g: &Graph, m: &Metrics) -> String {
    let mut s = String::from("graph peel {\n  graph [overlap=false, outputorder=edgesfirst];\n");
    s.push_str("  node [shape=ellipse, style=filled, fontname=\"Helvetica\", fontsize=10];\n");
    for (i, n) in g.nodes.iter().enumerate() {
        let _ = writeln!(
            s,
            "  {} [label={}, kind={}, fillcolor=\"{}\", community={}, mentions={}];",
            dot_id(&n.key),
            dot_id(&n.label),
            dot_id(&n.kind),
            kind_colour(&n.kind),
            m.communities.of.get(i).copied().unwrap_or(0),
            n.mentions
        );
    }
    for e in &g.edges {
        let _ = writeln!(
            s,
            "  {} -- {} [kind={}, weight={}, peel_weight={}, count={}{}];",
            dot_id(&e.source),
            dot_id(&e.target),
            dot_id(&e.kind),
            (e.weight.round() as i64).max(1),
            dot_id(&num(e.weight)),
            e.count,
            if e.directed { ", dir=forward" } else { "" }
        );
    }
    s.push_str("}\n");
    s
}

/// Cytoscape.js elements JSON (`cy.add(json.elements)`), with the measures as data.
pub fn cytoscape(g: &Graph, m: &Metrics) -> String {
    let nodes: Vec<_> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            json!({"data": {
                "id": n.key, "label": n.label, "kind": n.kind, "mentions": n.mentions,
                "sources": n.sources, "first_seen": n.first_seen, "last_seen": n.last_seen,
                "resolution": n.resolution, "attrs": n.attrs,
                "degree": Metrics::get(&m.degree, i), "weighted_degree": Metrics::get(&m.weighted, i),
                "pagerank": Metrics::get(&m.pagerank, i),
                "betweenness": Metrics::get(&m.betweenness.scores, i),
                "community": m.communities.of.get(i),
            }})
        })
        .collect();
    let edges: Vec<_> = g
        .edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            json!({"data": {
                "id": format!("e{i}"), "source": e.source, "target": e.target, "kind": e.kind,
                "directed": e.directed, "weight": e.weight, "count": e.count, "sources": e.sources,
                "first_seen": e.first_seen, "last_seen": e.last_seen,
                "evidence": g.evidence_of(e).collect::<Vec<_>>(),
            }})
        })
        .collect();
    let v = json!({
        "format_version": "1.0",
        "generated_by": "peel",
        "target_cytoscapejs_version": "~3",
        "data": {"inputs": g.inputs, "notes": g.notes},
        "elements": {"nodes": nodes, "edges": edges},
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// `Email`, `CoOccurs` … from a kind.
fn camel(kind: &str) -> String {
    kind.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A value safe inside a Neo4j import array (`;` is the array delimiter) or single field.
fn neo(s: &str) -> String {
    s.replace([';'], ",").replace(['\n', '\r'], " ")
}

fn csv_text(rows: Vec<Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        let _ = w.write_record(&r);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Neo4j admin-import CSVs: `(nodes.csv, relationships.csv)`, for
/// `neo4j-admin database import full --nodes=nodes.csv --relationships=relationships.csv`.
pub fn neo4j(g: &Graph, m: &Metrics) -> (String, String) {
    let mut nodes = vec![
        [
            "key:ID",
            "label",
            "kind",
            "mentions:long",
            "sources:string[]",
            "first_seen",
            "last_seen",
            "degree:double",
            "pagerank:double",
            "betweenness:double",
            "community:int",
            ":LABEL",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (i, n) in g.nodes.iter().enumerate() {
        nodes.push(vec![
            neo(&n.key),
            neo(&n.label),
            n.kind.clone(),
            n.mentions.to_string(),
            n.sources
                .iter()
                .map(|s| neo(s))
                .collect::<Vec<_>>()
                .join(";"),
            n.first_seen.clone().unwrap_or_default(),
            n.last_seen.clone().unwrap_or_default(),
            num(Metrics::get(&m.degree, i)),
            num(Metrics::get(&m.pagerank, i)),
            num(Metrics::get(&m.betweenness.scores, i)),
            m.communities.of.get(i).copied().unwrap_or(0).to_string(),
            format!("Entity;{}", camel(&n.kind)),
        ]);
    }
    let mut rels = vec![
        [
            ":START_ID",
            ":END_ID",
            ":TYPE",
            "weight:double",
            "count:long",
            "directed:boolean",
            "sources:string[]",
            "first_seen",
            "last_seen",
            "evidence:string[]",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for e in &g.edges {
        rels.push(vec![
            neo(&e.source),
            neo(&e.target),
            camel(&e.kind).to_uppercase_snake(),
            num(e.weight),
            e.count.to_string(),
            e.directed.to_string(),
            e.sources
                .iter()
                .map(|s| neo(s))
                .collect::<Vec<_>>()
                .join(";"),
            e.first_seen.clone().unwrap_or_default(),
            e.last_seen.clone().unwrap_or_default(),
            e.evidence
                .iter()
                .take(50)
                .map(|x| neo(g.record_of(x).map_or("", |r| r.locator.as_str())))
                .collect::<Vec<_>>()
                .join(";"),
        ]);
    }
    (csv_text(nodes), csv_text(rels))
}

trait Snake {
    fn to_uppercase_snake(&self) -> String;
}

impl Snake for String {
    /// `CoOccurs` → `CO_OCCURS`.
    fn to_uppercase_snake(&self) -> String {
        let mut o = String::new();
        for (i, c) in self.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                o.push('_');
            }
            o.push(c.to_ascii_uppercase());
        }
        o
    }
}

/// Plain CSVs `(nodes.csv, edges.csv)` for spreadsheets, i2 Analyst's Notebook and Maltego.
pub fn plain_csv(g: &Graph, m: &Metrics) -> (String, String) {
    let mut nodes = vec![
        [
            "id",
            "kind",
            "label",
            "mentions",
            "sources",
            "first_seen",
            "last_seen",
            "degree",
            "weighted_degree",
            "pagerank",
            "betweenness",
            "community",
            "variants",
            "resolution",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (i, n) in g.nodes.iter().enumerate() {
        nodes.push(vec![
            n.key.clone(),
            n.kind.clone(),
            n.label.clone(),
            n.mentions.to_string(),
            n.sources.join(" | "),
            n.first_seen.clone().unwrap_or_default(),
            n.last_seen.clone().unwrap_or_default(),
            num(Metrics::get(&m.degree, i)),
            num(Metrics::get(&m.weighted, i)),
            num(Metrics::get(&m.pagerank, i)),
            num(Metrics::get(&m.betweenness.scores, i)),
            m.communities.of.get(i).copied().unwrap_or(0).to_string(),
            n.variants.join(" | "),
            n.resolution.join(", "),
        ]);
    }
    let mut edges = vec![
        [
            "source",
            "target",
            "kind",
            "directed",
            "weight",
            "count",
            "sources",
            "first_seen",
            "last_seen",
            "evidence",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for e in &g.edges {
        edges.push(vec![
            e.source.clone(),
            e.target.clone(),
            e.kind.clone(),
            e.directed.to_string(),
            num(e.weight),
            e.count.to_string(),
            e.sources.join(" | "),
            e.first_seen.clone().unwrap_or_default(),
            e.last_seen.clone().unwrap_or_default(),
            evidence_list(g, e, 10, " | "),
        ]);
    }
    (csv_text(nodes), csv_text(edges))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_and_escapes() {
        assert_eq!(camel("co-occurs"), "CoOccurs");
        assert_eq!(camel("co-occurs").to_uppercase_snake(), "CO_OCCURS");
        assert_eq!(camel("email"), "Email");
        assert_eq!(xml("a<b>&\"\u{1}"), "a&lt;b&gt;&amp;&quot;\u{FFFD}");
        assert_eq!(dot_id("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(neo("a;b\nc"), "a,b c");
    }

    #[test]
    fn xml_to_writes_what_xml_returns() {
        for s in [
            "plain text",
            "a<b>&\"'\u{1}",
            "tab\there",
            "\u{FFFE}x\u{FFFF}",
            "é\u{EFFF}",
        ] {
            let mut out = Vec::new();
            xml_to(&mut out, s).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), xml(s), "{s:?}");
        }
    }

    #[test]
    fn betweenness_sample_follows_the_work_budget() {
        // Small networks get the most sources, huge ones the fewest, and in between as many
        // as 5·10⁸ neighbour visits allow (4 visits a link and source).
        assert_eq!(betweenness_samples(0), BETWEENNESS_SAMPLES);
        assert_eq!(betweenness_samples(100_000), BETWEENNESS_SAMPLES);
        assert_eq!(betweenness_samples(500_000), 250);
        assert_eq!(betweenness_samples(1_000_000), 125);
        assert_eq!(betweenness_samples(3_267_946), MIN_BETWEENNESS_SAMPLES);
        assert_eq!(betweenness_samples(usize::MAX), MIN_BETWEENNESS_SAMPLES);
    }
}
