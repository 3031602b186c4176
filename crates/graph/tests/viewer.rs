//! The HTML viewer in a real browser: headless Chromium loads the rendered file and the test
//! reads the page's own report (`<body data-status data-nodes data-edges data-errors
//! data-renderer>`) from the dumped DOM, and the console from Chromium's log.
//!
//! Without Chromium (`chromium` or `chromium-browser` on PATH) the browser tests print a note
//! and pass, unless `CI` is set, where they fail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "common/synthetic.rs"]
#[allow(dead_code)]
mod synthetic;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use peel_graph::view::{ViewEdge, ViewEvidence, ViewGraph, ViewNode, counts, render};

const HOSTILE: &str = "</script><img src=x onerror=alert(1)>";
const HOSTILE_ESCAPED: &str = "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;";
const EVIL_ID: &str = "email:evil@example.org";

fn node(id: &str, kind: &str, community: u32, degree: f64) -> ViewNode {
    ViewNode {
        id: id.into(),
        label: id.split_once(':').map_or(id, |p| p.1).into(),
        kind: kind.into(),
        community: Some(community),
        metrics: BTreeMap::from([
            ("degree".into(), degree),
            ("pagerank".into(), degree / 20.0),
        ]),
        details: BTreeMap::from([("source".into(), "mail.zip".into())]),
    }
}

fn edge(source: &str, target: &str, kind: &str, weight: f64, context: &str) -> ViewEdge {
    ViewEdge {
        source: source.into(),
        target: target.into(),
        kind: kind.into(),
        directed: kind == "communicates",
        weight,
        evidence: vec![ViewEvidence {
            locator:
                "usb.E01 / vol:2@1048576 / fat32 / Users/alice/mail.zip / zip:inbox/1.eml / @0x1a2"
                    .into(),
            evidence: "usb.E01".into(),
            time: Some("2024-03-01T10:00:00Z".into()),
            context: Some(context.into()),
            note: Some("header From/To".into()),
        }],
    }
}

/// 6 distinct nodes (one duplicate id dropped) and 7 edges (one with an unknown endpoint
/// dropped), with hostile text in a label, in evidence context, the title and a note, and
/// names that are special to JavaScript objects as a kind, a detail and a metric.
fn small() -> ViewGraph {
    let mut evil = node(EVIL_ID, "email", 1, 3.0);
    evil.label = format!("evil {HOSTILE}");
    evil.details.insert(HOSTILE.into(), HOSTILE.into());
    evil.details.insert("__proto__".into(), "toString".into());
    evil.metrics.insert("__proto__".into(), 1.0);
    ViewGraph {
        title: format!("Case 7 {HOSTILE}"),
        nodes: vec![
            evil,
            node("email:alice@example.org", "email", 1, 3.0),
            node("phone:+49301234567", "phone", 1, 2.0),
            node("domain:example.org", "domain", 2, 2.0),
            node("ip:10.0.0.1", "ip", 2, 2.0),
            node("wallet:bc1qexample", "constructor", 3, 2.0),
            node("ip:10.0.0.1", "ip", 9, 9.0),
        ],
        edges: vec![
            edge(
                EVIL_ID,
                "email:alice@example.org",
                "communicates",
                3.0,
                &format!("Subject: {HOSTILE}"),
            ),
            edge(
                EVIL_ID,
                "phone:+49301234567",
                "co-occurs",
                1.0,
                "call me on +49 30 1234567",
            ),
            edge(
                EVIL_ID,
                "domain:example.org",
                "co-occurs",
                2.0,
                "see example.org",
            ),
            edge(
                "email:alice@example.org",
                "domain:example.org",
                "co-occurs",
                1.0,
                "alice@example.org",
            ),
            edge(
                "email:alice@example.org",
                "phone:+49301234567",
                "co-occurs",
                1.0,
                "phone",
            ),
            edge(
                "domain:example.org",
                "ip:10.0.0.1",
                "seen-on",
                1.0,
                "A 10.0.0.1",
            ),
            edge(
                "wallet:bc1qexample",
                "ip:10.0.0.1",
                "seen-on",
                1.0,
                "wallet on host",
            ),
            edge(
                "wallet:bc1qexample",
                "ghost:nobody",
                "seen-on",
                1.0,
                "dangling",
            ),
        ],
        notes: vec![format!("note {HOSTILE}")],
    }
}

fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// The browser, or `None` (with a note) when it is absent outside CI.
fn chromium() -> Option<PathBuf> {
    match find_chromium() {
        Some(p) => Some(p),
        None if std::env::var_os("CI").is_some() => panic!("chromium is required in CI"),
        None => {
            eprintln!("note: chromium not found on PATH; skipping the browser test");
            None
        }
    }
}

struct Page {
    dom: String,
    stderr: String,
}

impl Page {
    /// An attribute of the `<body>` element.
    fn body_attr(&self, name: &str) -> Option<String> {
        let start = self.dom.find("<body")?;
        let tag = &self.dom[start..start + self.dom[start..].find('>')?];
        let key = format!(" {name}=\"");
        let at = tag.find(&key)? + key.len();
        Some(tag[at..at + tag[at..].find('"')?].to_string())
    }

    fn assert_ready(&self, nodes: usize, edges: usize) {
        assert_eq!(
            self.body_attr("data-status").as_deref(),
            Some("ready"),
            "last error: {:?}\n{}",
            self.body_attr("data-last-error"),
            self.stderr
        );
        assert_eq!(
            self.body_attr("data-errors").as_deref(),
            Some("0"),
            "last error: {:?}",
            self.body_attr("data-last-error")
        );
        assert_eq!(self.body_attr("data-nodes"), Some(nodes.to_string()));
        assert_eq!(self.body_attr("data-edges"), Some(edges.to_string()));
        assert!(!self.dom.contains("<img"), "an <img> element was injected");
        // Chromium logs every console message as INFO:CONSOLE whatever its level; the page
        // itself never logs, so any CONSOLE line other than the software GL driver's
        // performance notes is a fault.
        let console: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE") && !browser_notice(l))
            .collect();
        assert!(console.is_empty(), "console output: {console:#?}");
        assert!(!self.stderr.contains("Uncaught"), "{}", self.stderr);
    }
}

fn load(browser: &Path, file: &Path, fragment: &str, extra: &[&str]) -> Page {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}{}", file.display(), fragment);
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
        ])
        .args([
            "--virtual-time-budget=5000",
            "--enable-logging=stderr",
            "--v=0",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg("--dump-dom")
        .arg(&url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).unwrap();
        s
    });
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            child.kill().unwrap();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Page {
        dom: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn write(dir: &Path, name: &str, html: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, html).unwrap();
    path
}

/// Percent-encodes everything but unreserved characters, for a URL fragment.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Selects the hostile node and its first edge so that the side panel shows the hostile
/// label, details and evidence context, then checks they arrived as inert text.
fn check_small(extra: &[&str], fragment_extra: &str, renderer: Option<&str>) {
    let Some(browser) = chromium() else { return };
    let graph = small();
    assert_eq!(counts(&graph), (6, 7));
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "small.html", &render(&graph));
    let fragment = format!("#select={}&edge=0{fragment_extra}", encode(EVIL_ID));
    let page = load(&browser, &file, &fragment, extra);
    page.assert_ready(6, 7);
    if let Some(r) = renderer {
        assert_eq!(page.body_attr("data-renderer").as_deref(), Some(r));
    } else {
        let r = page.body_attr("data-renderer");
        assert!(matches!(r.as_deref(), Some("webgl" | "canvas")), "{r:?}");
    }
    // Title, heading, note, node panel title, detail key and value, evidence context.
    assert!(
        page.dom.matches(HOSTILE_ESCAPED).count() >= 7,
        "{}",
        page.dom.matches(HOSTILE_ESCAPED).count()
    );
    assert!(page.dom.contains(
        "usb.E01 / vol:2@1048576 / fat32 / Users/alice/mail.zip / zip:inbox/1.eml / @0x1a2"
    ));
    assert!(page.dom.contains("Evidence (1)"));
    assert!(page.dom.contains("Links (3)"));
}

#[test]
fn small_graph_in_webgl() {
    check_small(&["--enable-unsafe-swiftshader"], "", Some("webgl"));
}

/// The page's self-test drives it with synthetic events: click picking, the node panel's
/// edge list opening the evidence, wheel zoom around the cursor, drag, search, filters.
fn check_selftest(extra: &[&str], fragment: &str) {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "small.html", &render(&small()));
    let page = load(&browser, &file, fragment, extra);
    page.assert_ready(6, 7);
    assert_eq!(page.body_attr("data-selftest").as_deref(), Some("ok"));
}

#[test]
fn interaction_selftest_webgl() {
    check_selftest(&["--enable-unsafe-swiftshader"], "#selftest");
}

#[test]
fn interaction_selftest_canvas() {
    check_selftest(&[], "#selftest&renderer=canvas");
}

#[test]
fn empty_graph_is_ready() {
    let Some(browser) = chromium() else { return };
    let graph = ViewGraph {
        title: String::new(),
        nodes: Vec::new(),
        edges: Vec::new(),
        notes: Vec::new(),
    };
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "empty.html", &render(&graph));
    let page = load(&browser, &file, "#selftest", &[]);
    page.assert_ready(0, 0);
    assert_eq!(page.body_attr("data-selftest").as_deref(), Some("ok"));
}

#[test]
fn small_graph_with_plain_flags() {
    check_small(&[], "", None);
}

#[test]
fn small_graph_in_canvas() {
    check_small(&[], "&renderer=canvas", Some("canvas"));
}

#[test]
fn ten_thousand_nodes_in_both_renderers() {
    let graph = synthetic::synthetic(10_000, 42);
    let (nodes, edges) = counts(&graph);
    assert_eq!(nodes, 10_000);
    assert!(edges > 29_000, "{edges}");
    let html = render(&graph);
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "large.html", &html);
    let webgl = load(&browser, &file, "", &["--enable-unsafe-swiftshader"]);
    webgl.assert_ready(nodes, edges);
    assert_eq!(webgl.body_attr("data-renderer").as_deref(), Some("webgl"));
    let canvas = load(
        &browser,
        &file,
        "#renderer=canvas&colour=community&selftest",
        &[],
    );
    canvas.assert_ready(nodes, edges);
    assert_eq!(canvas.body_attr("data-selftest").as_deref(), Some("ok"));
    assert_eq!(canvas.body_attr("data-renderer").as_deref(), Some("canvas"));
}

#[test]
fn output_is_reproducible() {
    let graph = synthetic::synthetic(1_500, 7);
    let first = render(&graph);
    assert_eq!(first, render(&graph));
    assert_eq!(render(&small()), render(&small()));
}

/// Lines Chromium itself logs as console messages about the page's graphics context, not
/// written by the page: GL driver messages, and (Chromium 156 and later, with `--disable-gpu`)
/// the notice that falling back to software WebGL is deprecated.
fn browser_notice(line: &str) -> bool {
    line.contains("GL Driver Message")
        || line.contains("Automatic fallback to software WebGL has been deprecated")
}
