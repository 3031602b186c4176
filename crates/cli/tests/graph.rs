//! `peel graph` on graph-disk (testdata/generate-graph.sh): the mail in the image, the call
//! records and the ANPR sightings become the links written by hand in truth/graph/, with the
//! evidence for each; paths and shared contacts follow from those links; the exports load in
//! real clients (networkx, Graphviz) with equal counts and typed attributes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::*;
use serde_json::Value;

fn ok(args: &[&str]) -> String {
    let o = peel(args);
    assert_eq!(code(&o), 0, "peel {args:?}: {}", stderr(&o));
    stdout(&o)
}

struct Case {
    dir: tempfile::TempDir,
    features: PathBuf,
}

impl Case {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn s(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }
}

/// Features of the image, the two tables as graphs, and the merged case graph — made once.
fn case() -> &'static Case {
    static CASE: OnceLock<Case> = OnceLock::new();
    CASE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let img = image("graph-disk");
        let features = dir.path().join("features.jsonl");
        let text = ok(&["features", "-q", "--format", "jsonl", img.to_str().unwrap()]);
        std::fs::write(&features, text).unwrap();
        let c = Case { dir, features };
        ok(&[
            "graph",
            "build",
            "-q",
            c.features.to_str().unwrap(),
            "-o",
            &c.s("mail.json"),
        ]);
        let calls = testdata().join("graph/calls.csv");
        ok(&[
            "graph",
            "ingest-csv",
            "-q",
            calls.to_str().unwrap(),
            "--map",
            "from=caller,to=callee,time=start,kind=call,note=type,weight=duration_s",
            "--type",
            "phone",
            "--default-region",
            "GB",
            "-o",
            &c.s("calls.json"),
        ]);
        let anpr = testdata().join("graph/anpr.csv");
        ok(&[
            "graph",
            "ingest-csv",
            "-q",
            anpr.to_str().unwrap(),
            "--map",
            "entity=plate,place=camera,time=time,lat=lat,lon=lon",
            "--type",
            "plate",
            "--colocate",
            "120",
            "-o",
            &c.s("anpr.json"),
        ]);
        ok(&[
            "graph",
            "build",
            "-q",
            "--default-region",
            "GB",
            c.features.to_str().unwrap(),
            &c.s("calls.json"),
            &c.s("anpr.json"),
            "-o",
            &c.s("case.json"),
        ]);
        c
    })
}

fn load(p: &Path) -> Value {
    expand_evidence(serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
}

#[test]
fn mail_links_equal_the_truth_with_their_evidence() {
    let c = case();
    let g = load(&c.path("mail.json"));
    assert_eq!(
        edges_of(&g, "communicates"),
        truth_edges("graph/communicates.tsv", "email")
    );
    // The evidence of alice → bob: two messages, with locator, date and subject.
    let e = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["kind"] == "communicates"
                && e["source"] == "email:alice@example.org"
                && e["target"] == "email:bob@example.net"
        })
        .unwrap();
    let ev = e["evidence"].as_array().unwrap();
    assert_eq!(ev.len(), 2);
    let img = image("graph-disk").display().to_string();
    assert_eq!(e["sources"], serde_json::json!([img]));
    let times: BTreeSet<&str> = ev.iter().map(|x| x["time"].as_str().unwrap()).collect();
    assert_eq!(
        times,
        BTreeSet::from(["2024-03-04T09:15:00Z", "2024-03-11T12:00:00Z"])
    );
    assert_eq!(e["first_seen"], "2024-03-04T09:15:00Z");
    assert_eq!(e["last_seen"], "2024-03-11T12:00:00Z");
    for x in ev {
        let loc = x["locator"].as_str().unwrap();
        assert!(loc.starts_with(&format!("{img} / fat")), "{loc}");
        assert!(
            loc.contains("01-alice-to-bob.eml#") || loc.contains("08-alice-group.eml#"),
            "{loc}"
        );
        assert!(loc.ends_with(" / @0x0"), "{loc}");
        assert_eq!(x["record"], "message");
        assert!(x["note"].as_str().unwrap().starts_with("Subject: "));
    }
    // The deleted message's link is there, and its evidence names the deleted file.
    let e = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["kind"] == "communicates"
                && e["source"] == "email:dave@example.com"
                && e["target"] == "email:erin@example.net"
        })
        .unwrap();
    assert!(
        e["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["locator"].as_str().unwrap().contains("ld-plans.eml#")),
        "{e}"
    );
    // Entities are keyed by normalised value: Bob@Example.NET is bob@example.net, and the
    // node says how it was resolved.
    let bob = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["key"] == "email:bob@example.net")
        .unwrap();
    assert!(
        bob["variants"]
            .as_array()
            .unwrap()
            .contains(&Value::from("Bob@Example.NET"))
    );
    assert!(
        bob["resolution"]
            .as_array()
            .unwrap()
            .contains(&Value::from("lower-cased"))
    );
    assert_eq!(
        g["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["key"].as_str().unwrap().contains("bob@"))
            .count(),
        1
    );
    // Every entity seen on the image is linked to it.
    let seen: BTreeSet<&str> = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "seen-on")
        .map(|e| {
            assert_eq!(e["target"], format!("evidence:{img}"));
            e["source"].as_str().unwrap()
        })
        .collect();
    for (a, b) in truth_edges("graph/communicates.tsv", "email").keys() {
        assert!(seen.contains(a.as_str()) && seen.contains(b.as_str()));
    }
}

#[test]
fn calls_and_sightings_equal_the_truth() {
    let c = case();
    let g = load(&c.path("calls.json"));
    assert_eq!(
        edges_of(&g, "call"),
        truth_edges("graph/calls.tsv", "phone")
    );
    // Weights are the summed durations; evidence rows cite the CSV line.
    let csv = std::fs::read_to_string(testdata().join("graph/calls.csv")).unwrap();
    let total: f64 = csv
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').nth(3).unwrap().parse::<f64>().unwrap())
        .sum();
    let sum: f64 = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "call")
        .map(|e| e["weight"].as_f64().unwrap())
        .sum();
    assert_eq!(sum, total);
    let first = &g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "call")
        .unwrap()["evidence"][0];
    assert!(
        first["locator"].as_str().unwrap().contains("calls.csv:"),
        "{first}"
    );
    assert!(first["note"].as_str().unwrap().starts_with("type="));

    let g = load(&c.path("anpr.json"));
    let got: BTreeMap<(String, String), u64> = edges_of(&g, "co-located");
    assert_eq!(got, truth_edges("graph/colocated.tsv", "plate"));
}

fn rows(args: &[&str]) -> Vec<Value> {
    ok(args)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Neighbours of `x` over the truth's communicates edges (both directions).
fn truth_neighbours(x: &str) -> BTreeSet<String> {
    truth_edges("graph/communicates.tsv", "email")
        .keys()
        .filter_map(|(a, b)| {
            if a == x {
                Some(b.clone())
            } else if b == x {
                Some(a.clone())
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn common_contacts_and_paths_follow_from_the_links() {
    let c = case();
    let g = c.s("case.json");
    let got: BTreeSet<String> = rows(&[
        "graph",
        "common",
        &g,
        "alice@example.org",
        "erin@example.net",
        "--links",
        "communicates",
        "--format",
        "jsonl",
    ])
    .iter()
    .map(|r| r["key"].as_str().unwrap().to_string())
    .collect();
    let want: BTreeSet<String> = truth_neighbours("email:alice@example.org")
        .intersection(&truth_neighbours("email:erin@example.net"))
        .cloned()
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);

    // Calls: 101 and 505 never call each other; they share 202 and 606.
    let calls = truth_edges("graph/calls.tsv", "phone");
    let nb = |x: &str| -> BTreeSet<String> {
        calls
            .keys()
            .filter_map(|(a, b)| {
                (a == x)
                    .then(|| b.clone())
                    .or_else(|| (b == x).then(|| a.clone()))
            })
            .collect()
    };
    let (a, b) = ("phone:+447700900101", "phone:+447700900505");
    assert!(!nb(a).contains(b));
    let shared: BTreeSet<String> = nb(a).intersection(&nb(b)).cloned().collect();
    let hops = rows(&[
        "graph",
        "path",
        &g,
        "+447700900101",
        "+447700900505",
        "-k",
        "3",
        "--links",
        "call",
        "--format",
        "jsonl",
    ]);
    let mut by_path: BTreeMap<u64, Vec<&Value>> = BTreeMap::new();
    for h in &hops {
        by_path
            .entry(h["path"].as_u64().unwrap())
            .or_default()
            .push(h);
    }
    assert_eq!(by_path.len(), 3, "{hops:?}");
    let mids: BTreeSet<String> = by_path
        .values()
        .filter(|p| p.len() == 2)
        .map(|p| p[0]["to"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(mids, shared);
    assert_eq!(by_path[&1].len(), 2);
    assert_eq!(by_path[&3].len(), 3, "third path is longer: {hops:?}");
    for p in by_path.values() {
        assert_eq!(p.first().unwrap()["from"], a);
        assert_eq!(p.last().unwrap()["to"], b);
        for h in p {
            assert!(h["evidence"].as_str().unwrap().contains("calls.csv:"));
        }
    }
}

#[test]
fn explain_lists_every_record_behind_a_link() {
    let c = case();
    let g = c.s("case.json");
    let o = peel(&[
        "graph",
        "explain",
        &g,
        "Alice@Example.org",
        "bob@example.net",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let edges = doc["edges"].as_array().unwrap();
    let comm: BTreeMap<(String, String), u64> = edges
        .iter()
        .filter(|e| e["kind"] == "communicates")
        .map(|e| {
            (
                (
                    e["source"].as_str().unwrap().into(),
                    e["target"].as_str().unwrap().into(),
                ),
                e["evidence"].as_array().unwrap().len() as u64,
            )
        })
        .collect();
    let truth = truth_edges("graph/communicates.tsv", "email");
    let k = |a: &str, b: &str| (format!("email:{a}"), format!("email:{b}"));
    let ab = k("alice@example.org", "bob@example.net");
    let ba = k("bob@example.net", "alice@example.org");
    assert_eq!(comm.get(&ab), truth.get(&ab));
    assert_eq!(comm.get(&ba), truth.get(&ba));
    // Both addresses appear in the same messages, so they also co-occur there; each piece of
    // evidence names both mentions with their context bytes.
    let co = edges.iter().find(|e| e["kind"] == "co-occurs").unwrap();
    for ev in co["evidence"].as_array().unwrap() {
        let m = ev["mentions"].as_array().unwrap();
        assert_eq!(m.len(), 2);
        assert!(
            m.iter()
                .all(|x| x["context"].is_string()
                    && x["locator"].as_str().unwrap().contains(" / @0x"))
        );
    }
    // Not linked directly: explained through the shortest path.
    let o = peel(&[
        "graph",
        "explain",
        &g,
        "AB12CDE",
        "alice@example.org",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 1);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(doc["notes"][0].as_str().unwrap().contains("are not linked"));
    // Ambiguous or unknown names are refused with the candidates.
    let o = peel(&[
        "graph",
        "explain",
        &g,
        "nobody@example.org",
        "bob@example.net",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no entity in the graph matches `nobody@example.org`"));
}

#[test]
fn stop_list_removes_and_records() {
    let c = case();
    let stop = c.path("stop.txt");
    std::fs::write(&stop, "# noise\nemail:Frank@Example.org\nre:^domain:\n").unwrap();
    let out = c.path("stopped.json");
    ok(&[
        "graph",
        "build",
        "-q",
        c.features.to_str().unwrap(),
        "--stop",
        stop.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let g = load(&out);
    let removed: Vec<&str> = g["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert!(removed.contains(&"email:frank@example.org"));
    assert!(removed.iter().any(|k| k.starts_with("domain:")));
    for n in g["nodes"].as_array().unwrap() {
        assert!(
            n["key"] != "email:frank@example.org"
                && !n["key"].as_str().unwrap().starts_with("domain:")
        );
    }
    for e in g["edges"].as_array().unwrap() {
        assert!(
            e["source"] != "email:frank@example.org" && e["target"] != "email:frank@example.org"
        );
    }
    let rule = g["removed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "email:frank@example.org")
        .unwrap();
    assert_eq!(rule["rule"], "email:Frank@Example.org");
    assert!(rule["mentions"].as_u64().unwrap() > 0);
    // The same inputs give the same bytes.
    let again = c.path("stopped-again.json");
    ok(&[
        "graph",
        "build",
        "-q",
        c.features.to_str().unwrap(),
        "--stop",
        stop.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
    // An existing output is never overwritten.
    let o = peel(&[
        "graph",
        "build",
        c.features.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
}

/// A Python with networkx: `PEEL_PYTHON` (set by .ci/run), else `python3` if it has it.
fn networkx() -> Option<String> {
    let candidates = [
        std::env::var("PEEL_PYTHON").ok(),
        Some("python3".to_string()),
    ];
    for p in candidates.into_iter().flatten() {
        let ok = Command::new(&p)
            .args(["-c", "import networkx"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(p);
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("networkx is required in CI (set PEEL_PYTHON)");
    }
    eprintln!("note: no Python with networkx; skipping the networkx read-back");
    None
}

#[test]
fn exports_read_back_in_networkx_graphviz_and_neo4j_grammar() {
    let c = case();
    let g = c.s("case.json");
    let graph = load(&c.path("case.json"));
    let (n, e) = (
        graph["nodes"].as_array().unwrap().len(),
        graph["edges"].as_array().unwrap().len(),
    );
    for (to, file) in [
        ("graphml", "case.graphml"),
        ("gexf", "case.gexf"),
        ("dot", "case.dot"),
        ("cytoscape", "case.cyjs"),
    ] {
        ok(&["graph", "export", &g, "--to", to, "-o", &c.s(file)]);
    }
    ok(&["graph", "export", &g, "--to", "neo4j", "-o", &c.s("neo4j")]);
    ok(&["graph", "export", &g, "--to", "csv", "-o", &c.s("csv")]);

    if let Some(py) = networkx() {
        let script = r#"
import sys, json, networkx as nx
out = {}
g = nx.read_graphml(sys.argv[1])
out["graphml"] = [g.number_of_nodes(), g.number_of_edges(),
  type(g.nodes["email:alice@example.org"]["pagerank"]).__name__,
  type(g.nodes["email:alice@example.org"]["mentions"]).__name__,
  type(next(iter(g.edges(data=True)))[2]["directed"]).__name__,
  g.nodes["email:alice@example.org"]["kind"]]
h = nx.read_gexf(sys.argv[2])
out["gexf"] = [h.number_of_nodes(), h.number_of_edges(),
  type(h.nodes["email:alice@example.org"]["pagerank"]).__name__,
  type(h.nodes["email:alice@example.org"]["mentions"]).__name__,
  h.nodes["email:alice@example.org"]["label"]]
print(json.dumps(out))
"#;
        let o = Command::new(&py)
            .args(["-c", script, &c.s("case.graphml"), &c.s("case.gexf")])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            v["graphml"],
            serde_json::json!([n, e, "float", "int", "bool", "email"])
        );
        assert_eq!(
            v["gexf"],
            serde_json::json!([n, e, "float", "int", "alice@example.org"])
        );
    }

    match Command::new("dot")
        .args(["-Tsvg", "-o", &c.s("case.svg"), &c.s("case.dot")])
        .output()
    {
        Ok(o) => {
            assert!(
                o.status.success(),
                "dot: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            let svg = std::fs::read_to_string(c.path("case.svg")).unwrap();
            assert_eq!(svg.matches("class=\"node\"").count(), n);
            assert_eq!(svg.matches("class=\"edge\"").count(), e);
        }
        Err(_) if std::env::var_os("CI").is_some() => panic!("Graphviz `dot` is required in CI"),
        Err(_) => eprintln!("note: no Graphviz; skipping dot -Tsvg"),
    }

    // Neo4j admin import: every header field is `name`, `name:type` or a special field, with
    // one :ID, one :LABEL / :START_ID, :END_ID, :TYPE; rows have as many fields as headers.
    let types = [
        "int", "long", "float", "double", "boolean", "byte", "short", "char", "string", "date",
        "datetime",
    ];
    let check = |file: &str, special: &[&str], rows: usize| {
        let mut rd = csv::Reader::from_path(c.path("neo4j").join(file)).unwrap();
        let head: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
        for s in special {
            assert_eq!(
                head.iter().filter(|h| h.ends_with(s)).count(),
                1,
                "{file}: {s} in {head:?}"
            );
        }
        for h in &head {
            let (name, ty) = h.split_once(':').unwrap_or((h, ""));
            let ty = ty.trim_end_matches("[]");
            assert!(
                ty.is_empty()
                    || types.contains(&ty)
                    || ["ID", "LABEL", "START_ID", "END_ID", "TYPE"].contains(&ty),
                "{file}: bad header {h}"
            );
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{file}: {h}"
            );
        }
        let recs: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
        assert_eq!(recs.len(), rows);
        assert!(recs.iter().all(|r| r.len() == head.len()));
        recs
    };
    let nodes = check("nodes.csv", &[":ID", ":LABEL"], n);
    let rels = check("relationships.csv", &[":START_ID", ":END_ID", ":TYPE"], e);
    let ids: BTreeSet<&str> = nodes.iter().map(|r| &r[0]).collect();
    assert_eq!(ids.len(), n);
    assert!(
        rels.iter()
            .all(|r| ids.contains(&r[0]) && ids.contains(&r[1]))
    );
    assert!(
        rels.iter()
            .all(|r| r[2].chars().all(|c| c.is_ascii_uppercase() || c == '_'))
    );

    // Plain CSV and Cytoscape carry the same counts.
    let rd = csv::Reader::from_path(c.path("csv/edges.csv")).unwrap();
    assert_eq!(rd.into_records().count(), e);
    let cy = load(&c.path("case.cyjs"));
    assert_eq!(cy["elements"]["nodes"].as_array().unwrap().len(), n);
    assert_eq!(cy["elements"]["edges"].as_array().unwrap().len(), e);

    // Filters apply before export.
    ok(&[
        "graph",
        "export",
        &g,
        "--to",
        "graphml",
        "--types",
        "email",
        "--edge-kinds",
        "communicates",
        "-o",
        &c.s("people.graphml"),
    ]);
    let text = std::fs::read_to_string(c.path("people.graphml")).unwrap();
    let emails = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == "email")
        .count();
    assert_eq!(text.matches("<node id=").count(), emails);
    assert_eq!(
        text.matches("<edge id=").count(),
        truth_edges("graph/communicates.tsv", "email").len()
    );
}

#[test]
fn stats_and_top() {
    let c = case();
    let g = c.s("mail.json");
    let st = rows(&["graph", "stats", &g, "--format", "jsonl"]);
    let get = |what: &str, kind: &str| {
        st.iter()
            .find(|r| r["what"] == what && r["kind"] == kind)
            .map(|r| r["count"].as_u64().unwrap())
    };
    let truth = truth_edges("graph/communicates.tsv", "email");
    let people: BTreeSet<&String> = truth.keys().flat_map(|(a, b)| [a, b]).collect();
    // Every correspondent is a node; other addresses (message ids, addresses in bodies) are
    // nodes too.
    let g_json = load(&c.path("mail.json"));
    let emails: BTreeSet<&str> = g_json["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "email")
        .map(|n| n["key"].as_str().unwrap())
        .collect();
    assert!(people.iter().all(|p| emails.contains(p.as_str())));
    assert_eq!(get("nodes", "email"), Some(emails.len() as u64));
    assert_eq!(get("edges", "communicates"), Some(truth.len() as u64));
    assert_eq!(get("nodes", "evidence"), Some(1));
    // Top by degree over communicates links: the person with most distinct correspondents.
    let top = rows(&[
        "graph",
        "top",
        &g,
        "--by",
        "degree",
        "--links",
        "communicates",
        "-n",
        "1",
        "--format",
        "jsonl",
    ]);
    let best = people
        .iter()
        .map(|p| (truth_neighbours(p).len(), *p))
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(a.1)))
        .unwrap();
    assert_eq!(top[0]["key"], best.1.as_str());
    assert_eq!(top[0]["score"].as_f64().unwrap(), best.0 as f64);
}

#[test]
fn view_embeds_every_node_and_edge() {
    let c = case();
    let out = c.path("case.html");
    ok(&[
        "graph",
        "view",
        &c.s("case.json"),
        "-o",
        out.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(!html.contains("<script src="), "no external scripts");
    let start = html.find("id=\"graph-data\"").unwrap();
    let body = &html[start..];
    let json_start = body.find('>').unwrap() + 1;
    let json_end = body.find("</script>").unwrap();
    let data: Value = serde_json::from_str(&body[json_start..json_end]).unwrap();
    let graph = load(&c.path("case.json"));
    assert_eq!(
        data["nodes"].as_array().unwrap().len(),
        graph["nodes"].as_array().unwrap().len()
    );
    assert_eq!(
        data["edges"].as_array().unwrap().len(),
        graph["edges"].as_array().unwrap().len()
    );
    // The page loads in Chromium, draws every node and edge, with no console errors.
    if let Some(browser) = chromium() {
        let png = c.path("case.png");
        let page = load_page(&browser, &out, Some(&png));
        assert_eq!(
            page.body_attr("data-status").as_deref(),
            Some("ready"),
            "{}",
            page.log
        );
        assert_eq!(page.body_attr("data-errors").as_deref(), Some("0"));
        assert_eq!(
            page.body_attr("data-nodes"),
            Some(graph["nodes"].as_array().unwrap().len().to_string())
        );
        assert_eq!(
            page.body_attr("data-edges"),
            Some(graph["edges"].as_array().unwrap().len().to_string())
        );
        assert!(
            page.console_faults().is_empty(),
            "{:?}",
            page.console_faults()
        );
    }
}
