//! report.html in the case folder of `peel process` and `peel merge`: what it shows equals the
//! case outputs it sums up (evidence hashes, hits per rule, top features, deleted entries,
//! timeline, graph), it holds no run-time field, hostile names stay text, two runs give the
//! same page, and it loads in headless Chromium without a fault.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{chromium, code, image, jsonl_file as lines, load_page, peel, stderr};
use serde_json::Value;

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// HTML-escapes text as the report does.
fn esc(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The value of `attr="…"` that follows the first occurrence of `after` in `html`.
fn attr_after(html: &str, after: &str, attr: &str) -> String {
    let at = html
        .find(after)
        .unwrap_or_else(|| panic!("no {after} in report"));
    let key = format!("{attr}=\"");
    let start = at + html[at..].find(&key).unwrap() + key.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

fn process(ev: &[PathBuf], out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["process".to_string()];
    args.extend(ev.iter().map(|p| s(p)));
    args.extend(["--out".to_string(), s(out)]);
    args.extend(extra.iter().map(|x| x.to_string()));
    let a: Vec<&str> = args.iter().map(|x| x.as_str()).collect();
    peel(&a)
}

/// Every assertion of what the report shows against the outputs of `case`.
fn check_against_outputs(case: &Path) -> String {
    let html = std::fs::read_to_string(case.join("report.html")).unwrap();
    let m = json(&case.join("manifest.json"));
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'\">"
    ));
    assert!(!html.contains("<script"), "no script at all");
    // Nothing to fetch: no source attribute, no link off the case folder.
    assert!(!html.contains(" src=\"") && !html.contains("href=\"http"));
    // Listed in the manifest with its hash, as every output is.
    let out = &m["outputs"]["report.html"];
    assert_eq!(out["size"], html.len() as u64);
    assert_eq!(out["sha256"], common::sha256_hex(html.as_bytes()));
    // Evidence: name, evidence-file SHA-256, E01 stored hashes, error count.
    for e in m["evidence"].as_array().unwrap() {
        let path = e["path"].as_str().unwrap();
        assert!(html.contains(&esc(path)), "{path}");
        if let Some(sha) = e["files"][0]["sha256"].as_str() {
            assert!(html.contains(sha), "{path}: {sha}");
        }
        for c in e["verification"]["checks"].as_array().into_iter().flatten() {
            assert!(html.contains(c["stored"].as_str().unwrap()));
        }
        for v in e["volumes"].as_array().into_iter().flatten() {
            if let Some(fs) = v["fs"].as_str() {
                assert!(html.contains(&format!("<td>{}</td>", esc(fs))), "{fs}");
            }
        }
    }
    // No run-time field: times, durations, threads, the command line.
    for t in [&m["started"], &m["finished"]] {
        assert!(!html.contains(t.as_str().unwrap()));
    }
    for e in m["evidence"].as_array().unwrap() {
        assert!(!html.contains(e["started"].as_str().unwrap()));
    }
    assert!(!html.contains("\"duration_ms\"") && !html.contains("\"threads\""));
    assert!(
        !html.contains(&esc(&s(case))),
        "the case folder is not named"
    );
    // YARA hits: one row per rule, its count equal to hits.jsonl's.
    if case.join("hits.jsonl").exists() {
        let mut by_rule: BTreeMap<String, u64> = BTreeMap::new();
        for h in lines(&case.join("hits.jsonl")) {
            if h["record"] == "hit" {
                let key = format!(
                    "{}:{}",
                    h["namespace"].as_str().unwrap(),
                    h["rule"].as_str().unwrap()
                );
                *by_rule.entry(key).or_default() += 1;
            }
        }
        for (rule, n) in &by_rule {
            assert!(
                html.contains(&format!("data-rule=\"{}\" data-hits=\"{n}\"", esc(rule))),
                "{rule}: {n}"
            );
        }
        assert_eq!(html.matches("data-rule=").count(), by_rule.len());
        let total: u64 = by_rule.values().sum();
        assert_eq!(
            attr_after(&html, "<section id=\"hits\"", "data-hits"),
            total.to_string()
        );
    }
    // Top feature of every kind, as the histograms have it.
    let hist = case.join("histograms");
    if hist.is_dir() {
        let mut kinds = 0;
        for e in std::fs::read_dir(&hist).unwrap() {
            let p = e.unwrap().path();
            let kind = p.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            let top: Vec<&str> = text.lines().nth(1).unwrap().splitn(3, '\t').collect();
            let table = format!("data-kind=\"{}\"", esc(&kind));
            assert_eq!(attr_after(&html, &table, "data-top"), esc(top[2]), "{kind}");
            assert_eq!(
                attr_after(&html, &table, "data-top-count"),
                top[0],
                "{kind}"
            );
            kinds += 1;
        }
        assert_eq!(html.matches("data-kind=").count(), kinds);
    }
    // Deleted entries: the count of files.jsonl's.
    let files = lines(&case.join("files.jsonl"));
    let deleted: Vec<&Value> = files
        .iter()
        .filter(|r| r["record"] == "file" && r["deleted"] == true)
        .collect();
    assert_eq!(
        attr_after(&html, "<section id=\"deleted\"", "data-count"),
        deleted.len().to_string()
    );
    if let Some(first) = deleted.first() {
        assert!(html.contains(&esc(first["locator_text"].as_str().unwrap())));
    }
    let errors = files.iter().filter(|r| r["record"] == "error").count()
        + if case.join("hits.jsonl").exists() {
            lines(&case.join("hits.jsonl"))
                .iter()
                .filter(|r| r["record"] == "error")
                .count()
        } else {
            0
        };
    assert_eq!(
        attr_after(&html, "<section id=\"errors\"", "data-count"),
        errors.to_string()
    );
    // Timeline: every event counted.
    if case.join("timeline.csv").exists() {
        let rows = std::fs::read_to_string(case.join("timeline.csv"))
            .unwrap()
            .lines()
            .count()
            - 1;
        assert_eq!(
            attr_after(&html, "<section id=\"timeline\"", "data-events"),
            rows.to_string()
        );
    }
    // Graph: counts and a relative link to the viewer.
    if case.join("graph/graph.json").exists() {
        let g = json(&case.join("graph/graph.json"));
        let after = "<section id=\"graph\"";
        assert_eq!(
            attr_after(&html, after, "data-nodes"),
            g["nodes"].as_array().unwrap().len().to_string()
        );
        assert_eq!(
            attr_after(&html, after, "data-edges"),
            g["edges"].as_array().unwrap().len().to_string()
        );
        assert!(html.contains("<a href=\"graph/graph.html\">"));
    } else {
        assert!(!html.contains("graph/graph.html"));
    }
    html
}

/// Loads the report in headless Chromium (when there is one) and checks it rendered whole.
fn check_in_browser(case: &Path, png_name: &str) {
    let Some(browser) = chromium() else {
        return;
    };
    let png = Path::new(env!("CARGO_TARGET_TMPDIR")).join(png_name);
    let _ = std::fs::remove_file(&png);
    let page = load_page(&browser, &case.join("report.html"), Some(&png));
    assert_eq!(
        page.body_attr("data-status").as_deref(),
        Some("ready"),
        "{}",
        page.log
    );
    let sections = page.dom.matches("<section id=").count();
    assert!(sections >= 10, "{sections}");
    assert_eq!(page.body_attr("data-sections"), Some(sections.to_string()));
    assert!(
        page.console_faults().is_empty(),
        "{:?}",
        page.console_faults()
    );
    assert!(std::fs::metadata(&png).unwrap().len() > 0);
    eprintln!("screenshot: {}", png.display());
}

#[test]
fn report_sums_up_the_case_and_is_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = common::testdata().join("../rules");
    let ev = [image("yara-fat"), common::e01(), image("features-disk")];
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for case in [&a, &b] {
        let o = process(&ev, case, &["-q", "--rules", &s(&rules)]);
        assert_eq!(code(&o), 1, "{}", stderr(&o));
    }
    let html = check_against_outputs(&a);
    // Two runs into two folders: the same page, byte for byte.
    assert_eq!(
        std::fs::read(a.join("report.html")).unwrap(),
        std::fs::read(b.join("report.html")).unwrap()
    );
    // There were hits, features, deleted files and a graph to show.
    assert!(html.matches("data-rule=").count() >= 3);
    assert!(html.matches("data-kind=").count() >= 3);
    assert_ne!(
        attr_after(&html, "<section id=\"deleted\"", "data-count"),
        "0"
    );
    assert!(html.contains("<span class=\"ok\">verified</span>"));
    let m = json(&a.join("manifest.json"));
    assert_eq!(m["steps"].as_array().unwrap().last().unwrap(), "report");
    // The report step is audited.
    let audit = lines(&a.join("audit.jsonl"));
    assert_eq!(audit.last().unwrap()["step"], "report");
    check_in_browser(&a, "report-process.png");
}

#[test]
fn hostile_names_stay_text() {
    let tmp = tempfile::tempdir().unwrap();
    let ev = tmp.path().join("evidence");
    let evil = "<img src=x onerror=alert(1)>'\".txt";
    std::fs::create_dir_all(ev.join("<script>alert(2)</script>")).unwrap();
    std::fs::write(
        ev.join("<script>alert(2)</script>").join(evil),
        "-----BEGIN OPENSSH PRIVATE KEY-----\nmallory@example.com\n",
    )
    .unwrap();
    let case = tmp.path().join("case");
    let o = process(std::slice::from_ref(&ev), &case, &["-q"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let html = check_against_outputs(&case);
    assert!(!html.contains("<img") && !html.contains("<script"));
    let loc = format!("{} / dir / <script>alert(2)</script>/{evil}", s(&ev));
    assert!(html.contains(&esc(&loc)), "the hit's locator, escaped");
    if let Some(browser) = chromium() {
        let page = load_page(&browser, &case.join("report.html"), None);
        assert_eq!(page.body_attr("data-status").as_deref(), Some("ready"));
        assert!(!page.dom.contains("<img") && !page.dom.contains("<script"));
        assert!(page.console_faults().is_empty(), "{}", page.log);
    }
}

#[test]
fn only_and_merge_reports() {
    let tmp = tempfile::tempdir().unwrap();
    // --only without report: no report; with it: one that says which steps did not run.
    let c1 = tmp.path().join("files-only");
    assert_eq!(
        code(&process(&[common::e01()], &c1, &["-q", "--only", "files"])),
        0
    );
    assert!(!c1.join("report.html").exists());
    let c2 = tmp.path().join("files-report");
    assert_eq!(
        code(&process(
            &[common::e01()],
            &c2,
            &["-q", "--only", "files,report"]
        )),
        0
    );
    let html = check_against_outputs(&c2);
    assert!(html.contains("The YARA scan was not run for this case."));
    assert!(html.contains("No timeline was made for this case."));
    assert!(html.contains("No association graph was built for this case."));
    // A batch of two items merged: the merged case has a report over both.
    let list = tmp.path().join("list.txt");
    std::fs::write(
        &list,
        format!("{}\n{}\n", s(&common::e01()), s(&image("yara-fat"))),
    )
    .unwrap();
    let cases = tmp.path().join("cases");
    let o = peel(&["batch", &s(&list), "--out", &s(&cases), "-q"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let parts: Vec<String> = ["0000-fat-disk.E01", "0001-yara-fat.img"]
        .iter()
        .map(|n| s(&cases.join(n)))
        .collect();
    for p in &parts {
        check_against_outputs(Path::new(p));
    }
    let merged = tmp.path().join("merged");
    let o = peel(&["merge", &parts[0], &parts[1], "--out", &s(&merged), "-q"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let m = json(&merged.join("manifest.json"));
    assert_eq!(m["evidence"].as_array().unwrap().len(), 2);
    assert_eq!(m["evidence"][1]["index"], 1);
    let html = check_against_outputs(&merged);
    assert!(
        !html.contains(&esc(&parts[0])),
        "source case folders are not named"
    );
    check_in_browser(&merged, "report-merge.png");
}
