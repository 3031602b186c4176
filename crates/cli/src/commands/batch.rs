//! `peel batch` (a list of evidence items, one case each, optionally one deterministic shard
//! of the list, resumable) and `peel merge` (cases combined into one).

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::pipeline::{Collected, count_feature};
use super::process::{
    CaseOptions, audit_line, check_out, is_complete, make_case, now, read_all, seal, staging,
    write_graph,
};
use crate::{Globals, Outcome};

/// Parses `I/N` (1 ≤ I ≤ N).
fn parse_shard(s: &str) -> anyhow::Result<(usize, usize)> {
    let (i, n) = s
        .split_once('/')
        .with_context(|| format!("--shard `{s}`: expected I/N, e.g. 2/8"))?;
    let i: usize = i
        .trim()
        .parse()
        .with_context(|| format!("--shard `{s}`: bad I"))?;
    let n: usize = n
        .trim()
        .parse()
        .with_context(|| format!("--shard `{s}`: bad N"))?;
    if n == 0 || i == 0 || i > n {
        bail!("--shard `{s}`: I must be between 1 and N");
    }
    Ok((i, n))
}

/// A name safe as one path component.
fn sanitise(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() { "item".into() } else { s }
}

/// The items of a list, in order: (index among items, path as resolved).
fn read_list(list: &Path) -> anyhow::Result<Vec<(usize, PathBuf)>> {
    let text =
        fs::read_to_string(list).with_context(|| format!("cannot read {}", list.display()))?;
    let base = list.parent().unwrap_or(Path::new(""));
    Ok(text
        .lines()
        .map(|l| l.trim_end_matches('\r').trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .enumerate()
        .map(|(k, l)| {
            let p = Path::new(l);
            (
                k,
                if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    base.join(p)
                },
            )
        })
        .collect())
}

/// The case folder of item `k`.
pub(crate) fn case_dir(dir: &Path, k: usize, path: &Path) -> PathBuf {
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!("{k:04}-{}", sanitise(&base)))
}

/// `peel batch`.
pub fn batch(
    list: &Path,
    dir: &Path,
    shard: Option<&str>,
    resume: bool,
    o: &CaseOptions,
    g: Globals,
) -> anyhow::Result<Outcome> {
    let (si, sn) = match shard {
        Some(s) => parse_shard(s)?,
        None => (1, 1),
    };
    let items = read_list(list)?;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let t0 = Instant::now();
    let mut outcome = Outcome::Clean;
    let (mut done, mut skipped, mut failed) = (0usize, 0usize, 0usize);
    let errors_path = dir.join("batch-errors.jsonl");
    let log_error = |k: usize, path: &Path, msg: String| -> anyhow::Result<()> {
        // Appended line by line: shards running at once on one folder each add whole lines.
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&errors_path)
            .with_context(|| format!("cannot write {}", errors_path.display()))?;
        let rec = json!({"record": "error", "index": k, "evidence": path.display().to_string(),
            "shard": format!("{si}/{sn}"), "time": now(), "message": msg});
        let mut line = serde_json::to_vec(&rec)?;
        line.push(b'\n');
        f.write_all(&line)?;
        if g.notes {
            eprintln!("peel: error: {}: {msg}", path.display());
        }
        Ok(())
    };
    let inner = Globals {
        progress: g.progress,
        notes: false,
    };
    for (k, path) in items.iter().filter(|(k, _)| k % sn == si - 1) {
        let case = case_dir(dir, *k, path);
        if resume && is_complete(&case) {
            skipped += 1;
            let status = fs::read_to_string(case.join("manifest.json"))
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .map(|m| m["status"] != "clean")
                .unwrap_or(true);
            if status {
                outcome = Outcome::Findings;
            }
            continue;
        }
        if !path.exists() {
            outcome = Outcome::Findings;
            failed += 1;
            log_error(*k, path, "no such file or folder".into())?;
            continue;
        }
        // An incomplete case left by an interrupted run is ours to replace when resuming.
        let mut co = o.clone();
        co.force = o.force || (resume && case.exists());
        // The equivalent `peel process` call (the case options are in the manifest), so a case
        // is the same whichever shard made it.
        let args: Vec<String> = vec![
            "process".into(),
            path.display().to_string(),
            "--out".into(),
            case.display().to_string(),
        ];
        match make_case(std::slice::from_ref(path), &case, &co, inner, &args) {
            Ok(s) => {
                done += 1;
                if s.outcome == Outcome::Findings {
                    outcome = Outcome::Findings;
                }
                if g.notes {
                    eprintln!("{}", s.line(&case));
                }
            }
            Err(e) => {
                outcome = Outcome::Findings;
                failed += 1;
                log_error(*k, path, format!("{e:#}"))?;
            }
        }
    }
    if g.notes {
        eprintln!(
            "peel: batch shard {si}/{sn}: {done} processed, {skipped} already complete, {failed} \
             failed → {} ({:.1} s)",
            dir.display(),
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(outcome)
}

/// `peel merge`.
pub fn merge(cases: &[PathBuf], out: &Path, force: bool, g: Globals) -> anyhow::Result<Outcome> {
    let t_run = Instant::now();
    let started = now();
    check_out(out, force)?;
    let mut sources = Vec::new();
    let mut evidence = Vec::new();
    let mut outcome = Outcome::Clean;
    for c in cases {
        if !is_complete(c) {
            bail!(
                "{} is not a complete case (no manifest, or its outputs do not match it)",
                c.display()
            );
        }
        let m = read_all(&c.join("manifest.json"))?;
        let doc: Value = serde_json::from_slice(&m)?;
        if doc["status"] != "clean" {
            outcome = Outcome::Findings;
        }
        // The evidence entries of every source, renumbered in merged order, as one `peel
        // process` over the same items would list them.
        for e in doc["evidence"].as_array().into_iter().flatten() {
            let mut e = e.clone();
            if let Some(o) = e.as_object_mut() {
                o.insert("index".into(), json!(evidence.len()));
            }
            evidence.push(e);
        }
        sources.push(json!({
            "path": c.display().to_string(),
            "manifest_sha256": super::process::output_sha(&m),
            "evidence": doc["evidence"].as_array().map(|a| a.iter().map(|e| e["path"].clone()).collect::<Vec<_>>()),
            "rules": doc["rules"]["sha256"],
        }));
    }
    let stage = staging(out)?;
    let mut audit = Vec::new();
    let r = (|| -> anyhow::Result<Value> {
        let (t0, s0) = (Instant::now(), now());
        let mut counts = serde_json::Map::new();
        for name in ["files.jsonl", "features.jsonl", "exec.jsonl", "hits.jsonl"] {
            if !cases.iter().any(|c| c.join(name).exists()) {
                continue;
            }
            let mut w = BufWriter::new(fs::File::create(stage.join(name))?);
            let mut lines = 0u64;
            for c in cases {
                let p = c.join(name);
                if p.exists() {
                    let b = read_all(&p)?;
                    lines += b.iter().filter(|&&x| x == b'\n').count() as u64;
                    w.write_all(&b)?;
                }
            }
            w.flush()?;
            counts.insert(name.into(), json!(lines));
        }
        audit.push(audit_line(
            "concatenate",
            None,
            &s0,
            t0,
            Value::Object(counts.clone()),
            &[],
        ));
        let features = if stage.join("features.jsonl").exists() {
            Some(read_all(&stage.join("features.jsonl"))?)
        } else {
            None
        };
        if let Some(f) = &features {
            let (t0, s0) = (Instant::now(), now());
            let mut all = Collected::default();
            for line in f.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                let v: Value = serde_json::from_slice(line)?;
                if v["record"] != "feature" {
                    continue;
                }
                let source = match v["path"].as_str() {
                    Some(p) => p.to_string(),
                    None => format!(
                        "{} {}",
                        v["scope"].as_str().unwrap_or(""),
                        v["evidence"].as_str().unwrap_or("")
                    ),
                };
                count_feature(
                    &mut all.hist,
                    v["kind"].as_str().unwrap_or(""),
                    v["normalized"].as_str().unwrap_or(""),
                    source,
                );
            }
            super::features::write_histograms(&stage.join("histograms"), &all.hist)?;
            audit.push(audit_line(
                "histograms",
                None,
                &s0,
                t0,
                json!({"values": all.hist.len()}),
                &[],
            ));
        }
        if cases.iter().any(|c| c.join("timeline.csv").exists()) {
            let (t0, s0) = (Instant::now(), now());
            let n = merge_timelines(cases, &stage.join("timeline.csv"))?;
            audit.push(audit_line(
                "timeline",
                None,
                &s0,
                t0,
                json!({"events": n}),
                &[],
            ));
        }
        if let Some(f) = &features
            && cases.iter().any(|c| c.join("graph/graph.json").exists())
        {
            let (t0, s0) = (Instant::now(), now());
            let c = write_graph(&stage, f)?;
            audit.push(audit_line("graph", None, &s0, t0, c, &[]));
        }
        Ok(Value::Object(counts))
    })();
    let counts = match r {
        Ok(c) => c,
        Err(e) => {
            let _ = fs::remove_dir_all(&stage);
            return Err(e);
        }
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let extra = json!({"command": "merge", "sources": sources, "evidence": evidence,
        "totals": counts});
    // A report when the cases had one: it reads only the merged outputs.
    let report = cases.iter().any(|c| c.join("report.html").exists());
    seal(
        &stage, out, &args, &started, t_run, audit, outcome, extra, report,
    )?;
    if g.notes {
        eprintln!(
            "peel: merged {} case(s) → {} ({:.1} s)",
            cases.len(),
            out.display(),
            t_run.elapsed().as_secs_f64()
        );
    }
    Ok(outcome)
}

/// Merges timeline.csv files: rows in case order, then a stable sort by time, so the result is
/// what one timeline over all the evidence gives.
fn merge_timelines(cases: &[PathBuf], dest: &Path) -> anyhow::Result<u64> {
    let mut rows: Vec<(chrono::DateTime<chrono::FixedOffset>, csv::StringRecord)> = Vec::new();
    let mut header = None;
    for c in cases {
        let p = c.join("timeline.csv");
        if !p.exists() {
            continue;
        }
        let mut r = csv::Reader::from_path(&p)?;
        if header.is_none() {
            header = Some(r.headers()?.clone());
        }
        for rec in r.records() {
            let rec = rec?;
            let t = chrono::DateTime::parse_from_rfc3339(rec.get(0).unwrap_or(""))
                .with_context(|| format!("{}: bad datetime", p.display()))?;
            rows.push((t, rec));
        }
    }
    rows.sort_by_key(|(t, _)| *t);
    let mut w = csv::Writer::from_writer(io::BufWriter::new(fs::File::create(dest)?));
    if let Some(h) = &header {
        w.write_record(h)?;
    }
    for (_, r) in &rows {
        w.write_record(r)?;
    }
    w.flush()?;
    Ok(rows.len() as u64)
}
