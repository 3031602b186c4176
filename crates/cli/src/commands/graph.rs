//! `peel graph`: build association graphs from records and tables, analyse them, explain
//! links with their evidence, export and view them. Reads records, never evidence.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, bail};
use peel_core::sink::escape_for_terminal;
use peel_graph::analyse::{EdgeSelect, Filter, Net, filter};
use peel_graph::build::{BuildOptions, Builder, Built, StopRule};
use peel_graph::export::{self, Metrics};
use peel_graph::model::{Edge, Graph};
use peel_graph::tabular::{self, ColumnMap, TableOptions};
use serde_json::{Value, json};

use super::export::write_new;
use crate::args::{Centrality, FilterArgs, GraphAction, GraphExport, GraphFormat, LinkArgs};
use crate::{Globals, Outcome};

fn kinds(list: &Option<String>) -> Option<BTreeSet<String>> {
    list.as_ref().map(|s| {
        s.split(',')
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .collect()
    })
}

fn select(l: &LinkArgs) -> EdgeSelect {
    EdgeSelect {
        only: kinds(&l.links),
        seen_on: l.with_seen_on,
    }
}

/// Reads a stored graph for the one action this process runs. It is kept until the process
/// ends: freeing millions of small allocations one by one would only make the user wait.
fn load(path: &Path) -> anyhow::Result<&'static Graph> {
    let f = fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let name = path.display().to_string();
    let g = Graph::read(std::io::BufReader::with_capacity(1 << 20, f), &name)
        .with_context(|| format!("{name} is not a readable graph"))?;
    Ok(Box::leak(Box::new(g)))
}

fn refuse_existing(out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        bail!("{} exists; refusing to overwrite it", out.display());
    }
    Ok(())
}

fn save_text(out: &Path, text: &str) -> anyhow::Result<()> {
    refuse_existing(out)?;
    write_new(out, |f| f.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write {}", out.display()))
}

/// Writes a graph to a new file, streamed (a large graph's text is never held whole).
fn save_graph(out: &Path, g: &Graph) -> anyhow::Result<()> {
    refuse_existing(out)?;
    write_new(out, |f| g.write_json(f).map_err(io::Error::other))
        .with_context(|| format!("cannot write {}", out.display()))
}

/// Writes a graph still in its builder's tables to a new file, streamed.
fn save_built(out: &Path, g: &Built) -> anyhow::Result<()> {
    refuse_existing(out)?;
    write_new(out, |f| g.write_json(f).map_err(io::Error::other))
        .with_context(|| format!("cannot write {}", out.display()))
}

/// Writes files into a new folder: built beside it under a temporary name, then renamed.
fn save_folder(out: &Path, files: &[(&str, &str)]) -> anyhow::Result<()> {
    refuse_existing(out)?;
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::Builder::new()
        .prefix(".peel-export")
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a folder in {}", parent.display()))?;
    for (name, text) in files {
        fs::write(tmp.path().join(name), text).with_context(|| format!("cannot write {name}"))?;
    }
    let kept = tmp.keep();
    if let Err(e) = fs::rename(&kept, out) {
        let _ = fs::remove_dir_all(&kept);
        return Err(e).with_context(|| format!("cannot create {}", out.display()));
    }
    Ok(())
}

/// Finds the one node a user named.
fn pick(g: &Graph, name: &str) -> anyhow::Result<usize> {
    let found = g.find(name);
    match found.as_slice() {
        [] => bail!("no entity in the graph matches `{name}`"),
        [n] => g
            .index_of(&n.key)
            .with_context(|| format!("entity {} vanished", n.key)),
        many => bail!(
            "`{name}` matches {} entities; name one by key: {}",
            many.len(),
            many.iter()
                .map(|n| n.key.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Rows with named columns, written as a table, CSV, JSONL or one JSON array.
struct Rows {
    cols: Vec<&'static str>,
    rows: Vec<Vec<Value>>,
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => format!("{f:.6}")
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string(),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

impl Rows {
    fn new(cols: &[&'static str]) -> Rows {
        Rows {
            cols: cols.to_vec(),
            rows: Vec::new(),
        }
    }

    fn push(&mut self, row: Vec<Value>) {
        self.rows.push(row);
    }

    fn objects(&self) -> Vec<Value> {
        self.rows
            .iter()
            .map(|r| {
                Value::Object(
                    self.cols
                        .iter()
                        .zip(r)
                        .map(|(c, v)| ((*c).to_string(), v.clone()))
                        .collect(),
                )
            })
            .collect()
    }

    fn write(&self, format: GraphFormat, notes: &[String], w: &mut dyn Write) -> io::Result<()> {
        match format {
            GraphFormat::Json => {
                let doc = json!({"notes": notes, "rows": self.objects()});
                serde_json::to_writer_pretty(&mut *w, &doc)?;
                writeln!(w)?;
            }
            GraphFormat::Jsonl => {
                for o in self.objects() {
                    serde_json::to_writer(&mut *w, &o)?;
                    writeln!(w)?;
                }
            }
            GraphFormat::Csv => {
                let mut c = csv::Writer::from_writer(&mut *w);
                c.write_record(&self.cols)?;
                for r in &self.rows {
                    c.write_record(r.iter().map(cell))?;
                }
                c.flush()?;
            }
            GraphFormat::Table => {
                for n in notes {
                    writeln!(w, "# {}", escape_for_terminal(n))?;
                }
                let cells: Vec<Vec<String>> = self
                    .rows
                    .iter()
                    .map(|r| r.iter().map(|v| escape_for_terminal(&cell(v))).collect())
                    .collect();
                let mut width: Vec<usize> = self.cols.iter().map(|c| c.chars().count()).collect();
                for r in &cells {
                    for (i, c) in r.iter().enumerate() {
                        if let Some(x) = width.get_mut(i) {
                            *x = (*x).max(c.chars().count().min(80));
                        }
                    }
                }
                let line = |w: &mut dyn Write, r: &[String]| -> io::Result<()> {
                    let mut s = String::new();
                    for (i, c) in r.iter().enumerate() {
                        let wd = width.get(i).copied().unwrap_or(0);
                        if i + 1 == r.len() {
                            s.push_str(c);
                        } else {
                            s.push_str(&format!("{c:<wd$}  "));
                        }
                    }
                    writeln!(w, "{}", s.trim_end())
                };
                let head: Vec<String> = self.cols.iter().map(|c| c.to_uppercase()).collect();
                line(w, &head)?;
                for r in &cells {
                    line(w, r)?;
                }
            }
        }
        Ok(())
    }
}

fn format_of(f: Option<GraphFormat>) -> GraphFormat {
    f.unwrap_or(if io::stdout().is_terminal() {
        GraphFormat::Table
    } else {
        GraphFormat::Jsonl
    })
}

fn emit(rows: &Rows, f: Option<GraphFormat>, notes: &[String]) -> anyhow::Result<()> {
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    rows.write(format_of(f), notes, &mut w)?;
    w.flush()?;
    Ok(())
}

/// A stored graph starts with its format field (records start with `"record"`).
fn is_graph_file(first_line: &str) -> bool {
    let t = first_line.trim_start();
    t == "{" || t.starts_with("{\"format\":\"peel-graph\"")
}

fn build(
    inputs: &[std::path::PathBuf],
    out: &Path,
    opts: BuildOptions,
    stop: Option<&Path>,
    g: Globals,
) -> anyhow::Result<Outcome> {
    refuse_existing(out)?;
    let rules = match stop {
        Some(p) => {
            let text = fs::read_to_string(p)
                .with_context(|| format!("cannot read stop list {}", p.display()))?;
            StopRule::parse_list(&text, &p.display().to_string())?
        }
        None => Vec::new(),
    };
    let mut b = Builder::new(opts);
    for input in inputs {
        let name = input.display().to_string();
        let mut r: Box<dyn BufRead> = if name == "-" {
            Box::new(BufReader::new(io::stdin().lock()))
        } else {
            Box::new(BufReader::new(
                fs::File::open(input).with_context(|| format!("cannot open {name}"))?,
            ))
        };
        let head = {
            let buf = r
                .fill_buf()
                .with_context(|| format!("cannot read {name}"))?;
            let end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
            String::from_utf8_lossy(buf.get(..end).unwrap_or(&[])).into_owned()
        };
        if is_graph_file(&head) {
            let sub = Graph::read(r, &name).with_context(|| name.clone())?;
            b.add_graph(sub, &name);
        } else {
            b.read_records(r, &name)?;
        }
    }
    let st = b.stats;
    let graph = b.finish_tables(&rules);
    save_built(out, &graph)?;
    let (nodes, edges) = graph.counts();
    if g.notes {
        eprintln!(
            "peel: graph: {} records ({} features, {} messages, {} locations, {} files, {} \
             other) → {} nodes, {} edges, {} removed by the stop list → {}",
            st.features + st.messages + st.locations + st.files + st.other,
            st.features,
            st.messages,
            st.locations,
            st.files,
            st.other,
            nodes,
            edges,
            graph.removed().len(),
            out.display()
        );
        for n in graph.notes() {
            eprintln!("peel: note: {n}");
        }
    }
    // The process ends next: freeing millions of small allocations one by one would only
    // make it wait.
    std::mem::forget(graph);
    Ok(Outcome::Clean)
}

fn stats(graph: &Graph, sel: &EdgeSelect, f: Option<GraphFormat>) -> anyhow::Result<Outcome> {
    let net = Net::new(graph, sel);
    let comps = net.components();
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for c in &comps {
        *sizes.entry(*c).or_default() += 1;
    }
    let mut rows = Rows::new(&["what", "kind", "count"]);
    rows.push(vec![json!("nodes"), json!("all"), json!(graph.nodes.len())]);
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for n in &graph.nodes {
        *by.entry(n.kind.as_str()).or_default() += 1;
    }
    for (k, c) in by {
        rows.push(vec![json!("nodes"), json!(k), json!(c)]);
    }
    rows.push(vec![json!("edges"), json!("all"), json!(graph.edges.len())]);
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &graph.edges {
        *by.entry(e.kind.as_str()).or_default() += 1;
    }
    for (k, c) in by {
        rows.push(vec![json!("edges"), json!(k), json!(c)]);
    }
    let evidence: u64 = graph.edges.iter().map(|e| e.count).sum();
    rows.push(vec![json!("evidence"), json!("all"), json!(evidence)]);
    rows.push(vec![
        json!("links"),
        json!("pairs"),
        json!(net.link_count()),
    ]);
    rows.push(vec![json!("components"), json!("all"), json!(sizes.len())]);
    let linked = sizes.values().filter(|&&s| s > 1).count();
    rows.push(vec![
        json!("components"),
        json!("with links"),
        json!(linked),
    ]);
    rows.push(vec![
        json!("components"),
        json!("largest"),
        json!(sizes.values().max().copied().unwrap_or(0)),
    ]);
    rows.push(vec![
        json!("removed"),
        json!("stop list"),
        json!(graph.removed.len()),
    ]);
    rows.push(vec![
        json!("inputs"),
        json!("all"),
        json!(graph.inputs.len()),
    ]);
    let mut notes = graph.notes.clone();
    notes.push("links: edges between entities; seen-on edges are not links unless asked".into());
    emit(&rows, f, &notes)?;
    Ok(Outcome::Clean)
}

fn top(
    graph: &Graph,
    sel: &EdgeSelect,
    by: Centrality,
    n: usize,
    kind: Option<&str>,
    samples: Option<usize>,
    f: Option<GraphFormat>,
) -> anyhow::Result<Outcome> {
    let net = Net::new(graph, sel);
    let degree = net.degree();
    let mut notes = Vec::new();
    let scores = match by {
        Centrality::Degree => degree.clone(),
        Centrality::Weighted => net.weighted_degree(),
        Centrality::Pagerank => net.pagerank(),
        Centrality::Betweenness => {
            let k = samples.unwrap_or_else(|| export::betweenness_samples(net.link_count()));
            let b = net.betweenness(export::EXACT_BETWEENNESS, k);
            notes.extend(b.note().map(|n| format!("{n}: an estimate")));
            b.scores
        }
    };
    let mut order: Vec<usize> = (0..graph.nodes.len())
        .filter(|&i| {
            graph.nodes.get(i).is_some_and(|nd| {
                kind.is_none_or(|k| nd.kind == k) && (sel.seen_on || nd.kind != "evidence")
            })
        })
        .collect();
    order.sort_by(|&a, &b| {
        scores[b]
            .partial_cmp(&scores[a])
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    let mut rows = Rows::new(&[
        "rank", "key", "kind", "label", "score", "degree", "mentions", "sources",
    ]);
    for (r, &i) in order.iter().take(n).enumerate() {
        let nd = &graph.nodes[i];
        rows.push(vec![
            json!(r + 1),
            json!(nd.key),
            json!(nd.kind),
            json!(nd.label),
            json!(scores[i]),
            json!(degree[i]),
            json!(nd.mentions),
            json!(nd.sources.len()),
        ]);
    }
    emit(&rows, f, &notes)?;
    Ok(Outcome::Clean)
}

fn communities(
    graph: &Graph,
    sel: &EdgeSelect,
    members: bool,
    f: Option<GraphFormat>,
) -> anyhow::Result<Outcome> {
    let net = Net::new(graph, sel);
    let c = net.louvain();
    let degree = net.degree();
    let notes = vec![format!(
        "Louvain (modularity {:.4}); community 0 is the largest",
        c.modularity
    )];
    if members {
        let mut rows = Rows::new(&["community", "key", "kind", "label", "degree"]);
        let mut order: Vec<usize> = (0..graph.nodes.len()).collect();
        order.sort_by_key(|&i| (c.of[i], i));
        for i in order {
            let nd = &graph.nodes[i];
            if !sel.seen_on && nd.kind == "evidence" {
                continue;
            }
            rows.push(vec![
                json!(c.of[i]),
                json!(nd.key),
                json!(nd.kind),
                json!(nd.label),
                json!(degree[i]),
            ]);
        }
        emit(&rows, f, &notes)?;
        return Ok(Outcome::Clean);
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &k) in c.of.iter().enumerate() {
        if !sel.seen_on && graph.nodes[i].kind == "evidence" {
            continue;
        }
        groups.entry(k).or_default().push(i);
    }
    let mut rows = Rows::new(&["community", "size", "kinds", "central"]);
    for (k, mut m) in groups {
        if m.len() < 2 {
            continue;
        }
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for &i in &m {
            *kinds.entry(graph.nodes[i].kind.as_str()).or_default() += 1;
        }
        m.sort_by(|&a, &b| {
            degree[b]
                .partial_cmp(&degree[a])
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.cmp(&b))
        });
        rows.push(vec![
            json!(k),
            json!(m.len()),
            json!(
                kinds
                    .iter()
                    .map(|(k, n)| format!("{k}:{n}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            json!(
                m.iter()
                    .take(5)
                    .map(|&i| graph.nodes[i].label.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ]);
    }
    emit(&rows, f, &notes)?;
    Ok(Outcome::Clean)
}

/// The evidence locators of an edge, in short.
fn evidence_brief(graph: &Graph, e: &Edge, max: usize) -> String {
    let mut v: Vec<String> = e
        .evidence
        .iter()
        .take(max)
        .filter_map(|x| graph.record_of(x).map(|r| r.locator.clone()))
        .collect();
    v.dedup();
    if (e.count as usize) > v.len() {
        v.push(format!("… {} in all", e.count));
    }
    v.join(" | ")
}

fn hop_edges<'g>(net: &Net<'g>, a: usize, b: usize) -> Vec<&'g Edge> {
    net.edges_between(a, b)
}

fn path(
    graph: &Graph,
    sel: &EdgeSelect,
    a: &str,
    b: &str,
    k: usize,
    f: Option<GraphFormat>,
) -> anyhow::Result<Outcome> {
    let (ia, ib) = (pick(graph, a)?, pick(graph, b)?);
    let net = Net::new(graph, sel);
    let paths = net.paths(ia, ib, k.max(1));
    if matches!(format_of(f), GraphFormat::Json) {
        let doc: Vec<Value> = paths
            .iter()
            .map(|p| {
                let hops: Vec<Value> = p
                    .windows(2)
                    .map(|w| {
                        let edges = hop_edges(&net, w[0], w[1]);
                        let edges: Vec<Value> = edges.iter().map(|e| expanded(graph, e)).collect();
                        json!({"from": graph.nodes[w[0]].key, "to": graph.nodes[w[1]].key, "edges": edges})
                    })
                    .collect();
                json!({"length": p.len() - 1, "nodes": p.iter().map(|&i| graph.nodes[i].key.clone()).collect::<Vec<_>>(), "hops": hops})
            })
            .collect();
        let stdout = io::stdout();
        let mut w = stdout.lock();
        serde_json::to_writer_pretty(
            &mut w,
            &json!({"from": graph.nodes[ia].key, "to": graph.nodes[ib].key, "paths": doc}),
        )?;
        writeln!(w)?;
        return Ok(if paths.is_empty() {
            Outcome::Findings
        } else {
            Outcome::Clean
        });
    }
    let mut rows = Rows::new(&["path", "hop", "from", "to", "kinds", "count", "evidence"]);
    for (pi, p) in paths.iter().enumerate() {
        for (h, w) in p.windows(2).enumerate() {
            let edges = hop_edges(&net, w[0], w[1]);
            let kinds: Vec<String> = edges
                .iter()
                .map(|e| format!("{}×{}", e.kind, e.count))
                .collect();
            let count: u64 = edges.iter().map(|e| e.count).sum();
            let ev: Vec<String> = edges.iter().map(|e| evidence_brief(graph, e, 3)).collect();
            rows.push(vec![
                json!(pi + 1),
                json!(h + 1),
                json!(graph.nodes[w[0]].key),
                json!(graph.nodes[w[1]].key),
                json!(kinds.join(" ")),
                json!(count),
                json!(ev.join(" | ")),
            ]);
        }
    }
    let notes = if paths.is_empty() {
        vec![format!(
            "no path between {} and {}",
            graph.nodes[ia].key, graph.nodes[ib].key
        )]
    } else {
        vec![format!(
            "{} path(s) from {} to {}, fewest links first",
            paths.len(),
            graph.nodes[ia].key,
            graph.nodes[ib].key
        )]
    };
    emit(&rows, f, &notes)?;
    Ok(if paths.is_empty() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

fn ego(
    graph: &Graph,
    sel: &EdgeSelect,
    x: &str,
    depth: usize,
    out: Option<&Path>,
    f: Option<GraphFormat>,
) -> anyhow::Result<Outcome> {
    let ix = pick(graph, x)?;
    if let Some(out) = out {
        let sub = filter(
            graph,
            &Filter {
                ego: Some((graph.nodes[ix].key.clone(), depth)),
                ..Filter::default()
            },
            sel,
        );
        save_graph(out, &sub)?;
        return Ok(Outcome::Clean);
    }
    let net = Net::new(graph, sel);
    let set = net.ego(ix, depth);
    // Distance of each member, by a second BFS bounded by depth.
    let mut dist: BTreeMap<usize, usize> = BTreeMap::from([(ix, 0)]);
    let mut frontier = vec![ix];
    for d in 1..=depth {
        let mut next = Vec::new();
        for &v in &frontier {
            for &(w, _) in net.neighbours(v) {
                if let std::collections::btree_map::Entry::Vacant(e) = dist.entry(w) {
                    e.insert(d);
                    next.push(w);
                }
            }
        }
        frontier = next;
    }
    let mut rows = Rows::new(&["distance", "key", "kind", "label", "links"]);
    let mut order = set.clone();
    order.sort_by_key(|i| (dist.get(i).copied().unwrap_or(usize::MAX), *i));
    for i in order {
        rows.push(vec![
            json!(dist.get(&i)),
            json!(graph.nodes[i].key),
            json!(graph.nodes[i].kind),
            json!(graph.nodes[i].label),
            json!(net.neighbours(i).len()),
        ]);
    }
    emit(
        &rows,
        f,
        &[format!(
            "{} entities within {depth} links of {}",
            set.len(),
            graph.nodes[ix].key
        )],
    )?;
    Ok(Outcome::Clean)
}

fn common(
    graph: &Graph,
    sel: &EdgeSelect,
    a: &str,
    b: &str,
    f: Option<GraphFormat>,
) -> anyhow::Result<Outcome> {
    let (ia, ib) = (pick(graph, a)?, pick(graph, b)?);
    let net = Net::new(graph, sel);
    let shared = net.common(ia, ib);
    let mut rows = Rows::new(&["key", "kind", "label", "with_a", "with_b"]);
    let brief = |x: usize, y: usize| -> String {
        net.edges_between(x, y)
            .iter()
            .map(|e| format!("{}×{}", e.kind, e.count))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for &c in &shared {
        rows.push(vec![
            json!(graph.nodes[c].key),
            json!(graph.nodes[c].kind),
            json!(graph.nodes[c].label),
            json!(brief(ia, c)),
            json!(brief(ib, c)),
        ]);
    }
    emit(
        &rows,
        f,
        &[format!(
            "{} entities linked to both {} and {}",
            shared.len(),
            graph.nodes[ia].key,
            graph.nodes[ib].key
        )],
    )?;
    Ok(Outcome::Clean)
}

fn explain(
    graph: &Graph,
    sel: &EdgeSelect,
    a: &str,
    b: &str,
    f: Option<GraphFormat>,
) -> anyhow::Result<Outcome> {
    let (ia, ib) = (pick(graph, a)?, pick(graph, b)?);
    let (ka, kb) = (&graph.nodes[ia].key, &graph.nodes[ib].key);
    let direct: Vec<&Edge> = graph
        .edges
        .iter()
        .filter(|e| (&e.source == ka && &e.target == kb) || (&e.source == kb && &e.target == ka))
        .collect();
    let mut notes = Vec::new();
    let mut edges: Vec<&Edge> = direct.clone();
    if direct.is_empty() {
        let net = Net::new(graph, sel);
        match net.paths(ia, ib, 1).first() {
            Some(p) => {
                notes.push(format!(
                    "{ka} and {kb} are not linked directly; the evidence of the shortest path \
                     ({} links) follows",
                    p.len() - 1
                ));
                for w in p.windows(2) {
                    edges.extend(net.edges_between(w[0], w[1]));
                }
            }
            None => notes.push(format!("{ka} and {kb} are not linked")),
        }
    } else {
        let total: u64 = direct.iter().map(|e| e.count).sum();
        notes.push(format!("{total} records link {ka} and {kb} directly"));
    }
    for e in &edges {
        if (e.count as usize) > e.evidence.len() {
            notes.push(format!(
                "{} {} → {}: {} records, the first {} kept in the graph",
                e.kind,
                e.source,
                e.target,
                e.count,
                e.evidence.len()
            ));
        }
    }
    if matches!(format_of(f), GraphFormat::Json) {
        let stdout = io::stdout();
        let mut w = stdout.lock();
        serde_json::to_writer_pretty(
            &mut w,
            &json!({"a": ka, "b": kb, "notes": notes,
                "edges": edges.iter().map(|e| expanded(graph, e)).collect::<Vec<_>>()}),
        )?;
        writeln!(w)?;
        return Ok(if edges.is_empty() {
            Outcome::Findings
        } else {
            Outcome::Clean
        });
    }
    let mut rows = Rows::new(&[
        "edge", "source", "target", "record", "evidence", "locator", "time", "note", "mentions",
    ]);
    for e in &edges {
        for ev in graph.evidence_of(e) {
            let mentions: Vec<String> = ev
                .mentions
                .iter()
                .map(|m| match &m.context {
                    Some(c) => format!("{} @ {} «{c}»", m.value, m.locator),
                    None => format!("{} @ {}", m.value, m.locator),
                })
                .collect();
            rows.push(vec![
                json!(e.kind),
                json!(e.source),
                json!(e.target),
                json!(ev.record),
                json!(ev.source),
                json!(ev.locator),
                json!(ev.time),
                json!(ev.note),
                json!(mentions.join(" ; ")),
            ]);
        }
    }
    emit(&rows, f, &notes)?;
    Ok(if edges.is_empty() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// An edge as JSON with its evidence written out (records and mentions in place).
fn expanded(graph: &Graph, e: &Edge) -> Value {
    let mut v = json!(e);
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "evidence".into(),
            json!(graph.evidence_of(e).collect::<Vec<_>>()),
        );
    }
    v
}

fn to_filter(graph: &Graph, f: &FilterArgs) -> anyhow::Result<Filter> {
    let ego = match &f.ego {
        Some(x) => Some((graph.nodes[pick(graph, x)?].key.clone(), f.depth)),
        None => None,
    };
    Ok(Filter {
        node_kinds: kinds(&f.types),
        edge_kinds: kinds(&f.edge_kinds),
        min_weight: f.min_weight,
        ego,
        community: f.community,
        drop_isolated: f.drop_isolated,
    })
}

fn export_graph(
    graph: &Graph,
    to: GraphExport,
    out: &Path,
    fa: &FilterArgs,
    sel: &EdgeSelect,
) -> anyhow::Result<Outcome> {
    refuse_existing(out)?;
    let g = filter(graph, &to_filter(graph, fa)?, sel);
    let m = Metrics::compute(&g, sel);
    match to {
        GraphExport::Graphml => write_new(out, |f| export::write_graphml(f, &g, &m))
            .with_context(|| format!("cannot write {}", out.display()))?,
        GraphExport::Gexf => save_text(out, &export::gexf(&g, &m))?,
        GraphExport::Dot => save_text(out, &export::dot(&g, &m))?,
        GraphExport::Cytoscape => save_text(out, &export::cytoscape(&g, &m))?,
        GraphExport::Neo4j => {
            let (n, r) = export::neo4j(&g, &m);
            let readme = "neo4j-admin database import full --nodes=nodes.csv \
                          --relationships=relationships.csv --array-delimiter=';' neo4j\n";
            save_folder(
                out,
                &[
                    ("nodes.csv", &n),
                    ("relationships.csv", &r),
                    ("IMPORT.txt", readme),
                ],
            )?;
        }
        GraphExport::Csv => {
            let (n, e) = export::plain_csv(&g, &m);
            save_folder(out, &[("nodes.csv", &n), ("edges.csv", &e)])?;
        }
    }
    for n in m.notes() {
        eprintln!("peel: note: {n}");
    }
    eprintln!(
        "peel: graph: {} nodes, {} edges → {}",
        g.nodes.len(),
        g.edges.len(),
        out.display()
    );
    Ok(Outcome::Clean)
}

/// Runs a `peel graph` action.
pub fn run(action: GraphAction, g: Globals) -> anyhow::Result<Outcome> {
    match action {
        GraphAction::Build {
            inputs,
            out,
            window,
            file_window,
            max_group,
            max_evidence,
            stop,
            default_region,
            no_seen_on,
        } => build(
            &inputs,
            &out,
            BuildOptions {
                window,
                file_window,
                max_group,
                max_evidence: max_evidence.max(1),
                region: default_region,
                seen_on: !no_seen_on,
            },
            stop.as_deref(),
            g,
        ),
        GraphAction::IngestCsv {
            file,
            map,
            kind,
            to_type,
            colocate,
            delimiter,
            default_region,
            out,
        } => {
            refuse_existing(&out)?;
            if !delimiter.is_ascii() {
                bail!("--delimiter must be one ASCII character");
            }
            let map = ColumnMap::parse(&map)?;
            let opts = TableOptions {
                map,
                to_kind: to_type.unwrap_or_else(|| kind.clone()),
                from_kind: kind,
                colocate,
                delimiter: delimiter as u8,
            };
            let mut b = Builder::new(BuildOptions {
                region: default_region,
                ..BuildOptions::default()
            });
            let name = file.display().to_string();
            let r = BufReader::new(
                fs::File::open(&file).with_context(|| format!("cannot open {name}"))?,
            );
            let st = tabular::ingest(&mut b, r, &name, &opts)?;
            let graph = b.finish_tables(&[]);
            save_built(&out, &graph)?;
            let (nodes, edges) = graph.counts();
            if g.notes {
                eprintln!(
                    "peel: graph: {} rows, {} used, {} skipped, {} co-located pairs → {} nodes, \
                     {} edges → {}",
                    st.rows,
                    st.used,
                    st.skipped,
                    st.colocated,
                    nodes,
                    edges,
                    out.display()
                );
                for n in graph.notes() {
                    eprintln!("peel: note: {n}");
                }
            }
            Ok(if st.skipped > 0 {
                Outcome::Findings
            } else {
                Outcome::Clean
            })
        }
        GraphAction::Stats {
            graph,
            links,
            format,
        } => stats(load(&graph)?, &select(&links), format),
        GraphAction::Top {
            graph,
            by,
            count,
            kind,
            samples,
            links,
            format,
        } => top(
            load(&graph)?,
            &select(&links),
            by,
            count,
            kind.as_deref(),
            samples.map(|k| usize::try_from(k).unwrap_or(usize::MAX)),
            format,
        ),
        GraphAction::Communities {
            graph,
            members,
            links,
            format,
        } => communities(load(&graph)?, &select(&links), members, format),
        GraphAction::Path {
            graph,
            a,
            b,
            k,
            links,
            format,
        } => path(load(&graph)?, &select(&links), &a, &b, k, format),
        GraphAction::Ego {
            graph,
            node,
            depth,
            out,
            links,
            format,
        } => ego(
            load(&graph)?,
            &select(&links),
            &node,
            depth,
            out.as_deref(),
            format,
        ),
        GraphAction::Common {
            graph,
            a,
            b,
            links,
            format,
        } => common(load(&graph)?, &select(&links), &a, &b, format),
        GraphAction::Explain {
            graph,
            a,
            b,
            links,
            format,
        } => explain(load(&graph)?, &select(&links), &a, &b, format),
        GraphAction::Export {
            graph,
            to,
            out,
            filter,
            links,
        } => export_graph(load(&graph)?, to, &out, &filter, &select(&links)),
        GraphAction::View {
            graph,
            out,
            filter: fa,
            links,
        } => {
            let graph = load(&graph)?;
            refuse_existing(&out)?;
            let sel = select(&links);
            let sub = filter(graph, &to_filter(graph, &fa)?, &sel);
            let m = Metrics::compute(&sub, &sel);
            let html = peel_graph::viewer::html(&sub, &m);
            save_text(&out, &html)?;
            eprintln!(
                "peel: graph: {} nodes, {} edges → {}",
                sub.nodes.len(),
                sub.edges.len(),
                out.display()
            );
            Ok(Outcome::Clean)
        }
    }
}
