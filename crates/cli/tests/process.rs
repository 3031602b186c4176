//! `peel process`, `peel batch` and `peel merge` on the committed images: the case outputs equal
//! what the separate subcommands give, runs are byte-for-byte repeatable, evidence is never
//! written, shards + merge equal one unsharded batch + merge.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{
    code, edges_of, image, jsonl_file as lines, peel, peel_in, stderr, truth, truth_edges,
};
use serde_json::Value;
use sha2::Digest;

fn sha256(p: &Path) -> String {
    hex::encode(sha2::Sha256::digest(std::fs::read(p).unwrap()))
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Every file under `dir`, relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// Removes a JSON pointer with `*` wildcards for array elements.
fn strip(v: &mut Value, pointer: &str) {
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    fn go(v: &mut Value, parts: &[&str]) {
        match parts {
            [] => {}
            [last] => {
                if let Some(o) = v.as_object_mut() {
                    o.remove(*last);
                }
            }
            [first, rest @ ..] => {
                if *first == "*" {
                    if let Some(a) = v.as_array_mut() {
                        for x in a {
                            go(x, rest);
                        }
                    }
                } else if let Some(x) = v.get_mut(*first) {
                    go(x, rest);
                }
            }
        }
    }
    go(v, &parts);
}

/// The manifest without the fields it names as run-time.
fn manifest_fixed(case: &Path) -> Value {
    let mut m = json(&case.join("manifest.json"));
    let fields: Vec<String> = m["runtime_fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    assert!(fields.contains(&"/started".to_string()));
    for f in fields.iter().filter(|f| f.starts_with('/')) {
        strip(&mut m, f);
    }
    m
}

/// audit.jsonl without the run-time fields the manifest names for it.
fn audit_fixed(case: &Path) -> Vec<Value> {
    let m = json(&case.join("manifest.json"));
    let fields: Vec<String> = m["runtime_fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str().unwrap().strip_prefix("audit.jsonl/"))
        .map(String::from)
        .collect();
    assert_eq!(fields.len(), 3, "{fields:?}");
    std::fs::read_to_string(case.join("audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            for f in &fields {
                v.as_object_mut().unwrap().remove(f);
            }
            v
        })
        .collect()
}

fn process(ev: &[&Path], out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["process".to_string()];
    args.extend(ev.iter().map(|p| s(p)));
    args.extend(["--out".to_string(), s(out)]);
    args.extend(extra.iter().map(|x| x.to_string()));
    let a: Vec<&str> = args.iter().map(|x| x.as_str()).collect();
    peel(&a)
}

#[test]
fn case_outputs_equal_the_separate_commands() {
    let tmp = tempfile::tempdir().unwrap();
    for (ev, want_code) in [
        (image("yara-fat"), 1),
        (common::e01(), 0),
        (image("features-disk"), 0),
    ] {
        let name = ev.file_name().unwrap().to_string_lossy().into_owned();
        let case = tmp.path().join(&name);
        let o = process(&[&ev], &case, &[]);
        assert_eq!(code(&o), want_code, "{name}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("item(s)"),
            "summary line: {}",
            stderr(&o)
        );
        let e = s(&ev);
        let ls = peel(&["ls", "-r", "--hash", "md5,sha256", "--format", "jsonl", &e]);
        assert_eq!(
            std::fs::read(case.join("files.jsonl")).unwrap(),
            ls.stdout,
            "{name} files"
        );
        let hist = tmp.path().join(format!("{name}.hist"));
        let f = peel(&[
            "features",
            "--format",
            "jsonl",
            "--histograms",
            &s(&hist),
            &e,
        ]);
        assert_eq!(
            std::fs::read(case.join("features.jsonl")).unwrap(),
            f.stdout,
            "{name} features"
        );
        assert_eq!(
            tree(&case.join("histograms")),
            tree(&hist),
            "{name} histograms"
        );
        let sc = peel(&["scan", "--format", "jsonl", &e]);
        assert_eq!(
            std::fs::read(case.join("hits.jsonl")).unwrap(),
            sc.stdout,
            "{name} hits"
        );
        let t = peel(&["timeline", &e]);
        assert_eq!(
            std::fs::read(case.join("timeline.csv")).unwrap(),
            t.stdout,
            "{name} timeline"
        );
        // exec.jsonl: exactly the executable records of features.jsonl.
        let execs: Vec<Value> = lines(&case.join("features.jsonl"))
            .into_iter()
            .filter(|r| r["record"] == "executable")
            .collect();
        assert_eq!(lines(&case.join("exec.jsonl")), execs);
        // Every file record of a readable file has both hashes.
        let files = lines(&case.join("files.jsonl"));
        let hashed = files
            .iter()
            .filter(|r| r["record"] == "file" && r["sha256"].is_string() && r["md5"].is_string())
            .count();
        assert!(hashed > 0, "{name}: no hashed files");
        // The graph: all exports present, graph.json a graph.
        for g in [
            "graph.json",
            "graph.graphml",
            "graph.gexf",
            "graph.dot",
            "graph.cyjs",
            "graph.html",
            "neo4j/nodes.csv",
            "neo4j/relationships.csv",
            "csv/nodes.csv",
            "csv/edges.csv",
        ] {
            assert!(case.join("graph").join(g).is_file(), "{name}: graph/{g}");
        }
        // The manifest: evidence hash, rule-set digest, output hashes.
        let m = json(&case.join("manifest.json"));
        assert_eq!(m["complete"], true);
        assert_eq!(m["evidence"][0]["files"][0]["sha256"], sha256(&ev));
        let check = peel(&["rules", "check", "--format", "json"]);
        let cj: Value = serde_json::from_slice(&check.stdout).unwrap();
        assert_eq!(m["rules"]["sha256"], cj["sha256"]);
        let outs = m["outputs"].as_object().unwrap();
        let files_on_disk = tree(&case);
        assert_eq!(
            outs.len() + 1,
            files_on_disk.len(),
            "every output but the manifest listed"
        );
        for (k, v) in outs {
            assert_eq!(v["sha256"], sha256(&case.join(k)), "{name}: {k}");
        }
        assert!(m["evidence"][0]["counts"]["files"].as_u64().unwrap() > 0);
        if name.ends_with(".E01") {
            assert_eq!(m["evidence"][0]["verification"]["verified"], true, "{m:#}");
        } else {
            assert!(m["evidence"][0]["verification"].is_null());
        }
        let hits = lines(&case.join("hits.jsonl"))
            .iter()
            .filter(|r| r["record"] == "hit")
            .count();
        assert_eq!(m["evidence"][0]["counts"]["hits"], hits as u64);
        assert_eq!(hits > 0, want_code == 1);
    }
}

/// The single pass parses mail too: a case of the graph disk has one `message` record per
/// message (as `peel features` gives them) and its graph the truth's `communicates` links.
#[test]
fn a_case_graph_has_the_mail_links() {
    let tmp = tempfile::tempdir().unwrap();
    let ev = image("graph-disk");
    let case = tmp.path().join("case");
    let o = process(&[&ev], &case, &["--only", "features,graph"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let f = peel(&["features", "--format", "jsonl", &s(&ev)]);
    assert_eq!(
        std::fs::read(case.join("features.jsonl")).unwrap(),
        f.stdout
    );
    let messages = lines(&case.join("features.jsonl"))
        .iter()
        .filter(|r| r["record"] == "message")
        .count();
    let truth_rows = truth("graph/messages.tsv")
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count();
    assert_eq!(messages, truth_rows);
    let g = json(&case.join("graph/graph.json"));
    assert_eq!(
        edges_of(&g, "communicates"),
        truth_edges("graph/communicates.tsv", "email")
    );
}

#[test]
fn two_runs_and_one_thread_give_the_same_case() {
    let ev = image("yara-fat");
    let e01 = common::e01();
    let base = tempfile::tempdir().unwrap();
    let mut cases = Vec::new();
    for (i, j) in [(0, None), (1, None), (2, Some("1"))] {
        let cwd = base.path().join(format!("run{i}"));
        std::fs::create_dir_all(&cwd).unwrap();
        let (ev_s, e01_s) = (s(&ev), s(&e01));
        let mut args = vec!["process", &ev_s, &e01_s, "--out", "case", "-q"];
        if let Some(j) = j {
            args.extend(["-j", j]);
        }
        let o = peel_in(&args, Some(&cwd));
        assert_eq!(code(&o), 1, "{}", stderr(&o));
        assert!(stderr(&o).is_empty(), "-q: {}", stderr(&o));
        cases.push(cwd.join("case"));
    }
    let t0 = tree(&cases[0]);
    assert!(t0.len() >= 20, "{:?}", t0.keys().collect::<Vec<_>>());
    let mut m0 = manifest_fixed(&cases[0]);
    let a0 = audit_fixed(&cases[0]);
    for (i, c) in cases.iter().enumerate().skip(1) {
        let t = tree(c);
        assert_eq!(t.keys().collect::<Vec<_>>(), t0.keys().collect::<Vec<_>>());
        for (k, v) in &t {
            if k == "manifest.json" || k == "audit.jsonl" {
                continue;
            }
            assert!(t0[k] == *v, "run {i}: {k} differs");
        }
        let mut m = manifest_fixed(c);
        if i == 2 {
            // The -j1 run was given one more argument.
            strip(&mut m, "/arguments");
            strip(&mut m0, "/arguments");
        }
        assert_eq!(m, m0, "run {i}: manifest");
        assert_eq!(audit_fixed(c), a0, "run {i}: audit");
    }
    // Both items in evidence order, in files.jsonl and in the manifest.
    let m = json(&cases[0].join("manifest.json"));
    assert_eq!(m["evidence"][0]["path"], s(&ev));
    assert_eq!(m["evidence"][1]["path"], s(&e01));
    let files = lines(&cases[0].join("files.jsonl"));
    let first_e01 = files.iter().position(|r| r["evidence"] == s(&e01)).unwrap();
    assert!(files[..first_e01].iter().all(|r| r["evidence"] == s(&ev)));
    assert!(files[first_e01..].iter().all(|r| r["evidence"] == s(&e01)));
}

#[test]
fn evidence_is_never_written_and_cases_never_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    // A private copy, so its modification time can be checked too.
    let ev = tmp.path().join("disk.img");
    std::fs::copy(image("yara-fat"), &ev).unwrap();
    let before = (
        sha256(&ev),
        std::fs::metadata(&ev).unwrap().modified().unwrap(),
    );
    let case = tmp.path().join("case");
    assert_eq!(code(&process(&[&ev], &case, &["-q"])), 1);
    let first = tree(&case);
    // A second run into the same folder is refused (exit 2) and leaves it as it was.
    let o = process(&[&ev], &case, &["-q"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("refusing"), "{}", stderr(&o));
    assert_eq!(tree(&case), first);
    // --force replaces it with a complete new case.
    std::fs::write(case.join("stray.txt"), "x").unwrap();
    assert_eq!(code(&process(&[&ev], &case, &["-q", "--force"])), 1);
    assert!(!case.join("stray.txt").exists());
    assert_eq!(tree(&case)["files.jsonl"], first["files.jsonl"]);
    // Nothing left beside the case (no staging or old folders).
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["case", "disk.img"]);
    let after = (
        sha256(&ev),
        std::fs::metadata(&ev).unwrap().modified().unwrap(),
    );
    assert_eq!(before, after);
    // Evidence that does not exist: could not run.
    let o = process(&[&tmp.path().join("nope.img")], &tmp.path().join("c2"), &[]);
    assert_eq!(code(&o), 2);
    assert!(!tmp.path().join("c2").exists());
}

#[test]
fn only_limits_the_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    let o = process(&[&common::e01()], &case, &["--only", "files,timeline"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut names: Vec<String> = tree(&case).into_keys().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "audit.jsonl",
            "files.jsonl",
            "manifest.json",
            "timeline.csv"
        ]
    );
    assert!(json(&case.join("manifest.json"))["rules"].is_null());
}

fn write_list(dir: &Path, items: &[PathBuf]) -> PathBuf {
    let mut text = String::from("# evidence for the batch\n\n");
    for p in items {
        text.push_str(&format!("{}\n", p.display()));
    }
    let list = dir.join("list.txt");
    std::fs::write(&list, text).unwrap();
    list
}

fn merge(dir: &Path, out: &Path) -> std::process::Output {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    let mut args = vec!["merge".to_string()];
    args.extend(cases.iter().map(|p| s(p)));
    args.extend(["--out".into(), s(out)]);
    let a: Vec<&str> = args.iter().map(|x| x.as_str()).collect();
    peel(&a)
}

#[test]
fn shards_and_merge_equal_one_batch_and_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing.img");
    let items = vec![
        image("yara-fat"),
        common::e01(),
        missing.clone(),
        image("features-disk"),
        image("fat-truncated"),
    ];
    let list = write_list(tmp.path(), &items);
    let one = tmp.path().join("one");
    let o = peel(&["batch", &s(&list), "--out", &s(&one)]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let sharded = tmp.path().join("sharded");
    for i in 1..=3 {
        let o = peel(&[
            "batch",
            &s(&list),
            "--out",
            &s(&sharded),
            "--shard",
            &format!("{i}/3"),
            "-q",
        ]);
        // Shard 1 holds the YARA hits, shard 2 the truncated image, shard 3 the missing item.
        assert_eq!(code(&o), 1, "shard {i}: {}", stderr(&o));
    }
    let dirs = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let want = [
        "0000-yara-fat.img",
        "0001-fat-disk.E01",
        "0003-features-disk.img",
        "0004-fat-truncated.img",
        "batch-errors.jsonl",
    ];
    assert_eq!(dirs(&one), want);
    assert_eq!(dirs(&sharded), want);
    // The missing item: one error record, in the shard that owns it (item 2 → shard 3).
    for d in [&one, &sharded] {
        let errs = lines(&d.join("batch-errors.jsonl"));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0]["index"], 2);
        assert_eq!(errs[0]["evidence"], s(&missing));
    }
    assert_eq!(
        lines(&sharded.join("batch-errors.jsonl"))[0]["shard"],
        "3/3"
    );
    // Each case equals the same item's case from the unsharded run.
    for name in &want[..4] {
        let (a, b) = (tree(&one.join(name)), tree(&sharded.join(name)));
        for (k, v) in &a {
            if k != "manifest.json" && k != "audit.jsonl" {
                assert!(b[k] == *v, "{name}/{k}");
            }
        }
        // Only the case path in the arguments differs (two batch folders).
        let (mut x, mut y) = (
            manifest_fixed(&one.join(name)),
            manifest_fixed(&sharded.join(name)),
        );
        strip(&mut x, "/arguments");
        strip(&mut y, "/arguments");
        assert_eq!(x, y, "{name}: manifest");
    }
    let (m1, m3) = (tmp.path().join("m1"), tmp.path().join("m3"));
    assert_eq!(code(&merge(&one, &m1)), 1);
    assert_eq!(code(&merge(&sharded, &m3)), 1);
    let (t1, t3) = (tree(&m1), tree(&m3));
    assert_eq!(t1.keys().collect::<Vec<_>>(), t3.keys().collect::<Vec<_>>());
    for (k, v) in &t1 {
        if k != "manifest.json" && k != "audit.jsonl" {
            assert!(t3[k] == *v, "merged {k} differs");
        }
    }
    // The merged case equals one `peel process` over the same items in the same order.
    let present: Vec<&Path> = items
        .iter()
        .filter(|p| p.exists())
        .map(|p| p.as_path())
        .collect();
    let whole = tmp.path().join("whole");
    assert_eq!(code(&process(&present, &whole, &["-q"])), 1);
    let tw = tree(&whole);
    for k in [
        "files.jsonl",
        "features.jsonl",
        "exec.jsonl",
        "hits.jsonl",
        "timeline.csv",
        "graph/graph.json",
    ] {
        assert!(tw[k] == t1[k], "merge vs process: {k}");
    }
    let hist: Vec<&String> = tw.keys().filter(|k| k.starts_with("histograms")).collect();
    assert!(!hist.is_empty());
    for k in hist {
        assert!(tw[k] == t1[k], "merge vs process: {k}");
    }
    let mm = json(&m1.join("manifest.json"));
    assert_eq!(mm["sources"].as_array().unwrap().len(), 4);
    // Counts add up.
    let files: usize = want[..4]
        .iter()
        .map(|n| lines(&one.join(n).join("files.jsonl")).len())
        .sum();
    assert_eq!(lines(&m1.join("files.jsonl")).len(), files);
}

#[test]
fn resume_skips_complete_cases_and_redoes_damaged_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let list = write_list(tmp.path(), &[common::e01(), image("features-disk")]);
    let out = tmp.path().join("cases");
    assert_eq!(
        code(&peel(&["batch", &s(&list), "--out", &s(&out), "-q"])),
        0
    );
    let a = out.join("0000-fat-disk.E01");
    let b = out.join("0001-features-disk.img");
    let a_manifest = std::fs::read(a.join("manifest.json")).unwrap();
    // Damage one output of the second case.
    std::fs::write(b.join("features.jsonl"), "tampered\n").unwrap();
    let o = peel(&["batch", &s(&list), "--out", &s(&out), "--resume"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("1 processed, 1 already complete"),
        "{}",
        stderr(&o)
    );
    // The complete case untouched (same manifest, times included); the damaged one redone.
    assert_eq!(std::fs::read(a.join("manifest.json")).unwrap(), a_manifest);
    let m = json(&b.join("manifest.json"));
    assert_eq!(
        m["outputs"]["features.jsonl"]["sha256"],
        sha256(&b.join("features.jsonl"))
    );
    assert_ne!(
        std::fs::read_to_string(b.join("features.jsonl")).unwrap(),
        "tampered\n"
    );
    // Without --resume an existing case is not overwritten: an error record, exit 1.
    let o = peel(&["batch", &s(&list), "--out", &s(&out), "-q"]);
    assert_eq!(code(&o), 1);
    assert_eq!(lines(&out.join("batch-errors.jsonl")).len(), 2);
}
