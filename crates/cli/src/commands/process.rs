//! `peel process`: every evidence item through the single pass into one new case folder, with
//! the timeline, graph, audit log and manifest; also the case-folder helpers `batch` and `merge`
//! share (staging, graph outputs, manifests, consistency checks).

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use peel_core::HashSet;
use peel_core::record::ErrorRecord;
use peel_core::timeline::{Event, sort};
use peel_fs::evidence::Evidence;
use peel_graph::analyse::EdgeSelect;
use peel_graph::build::{BuildOptions, Builder};
use peel_graph::export::{self, Metrics};
use peel_image::Source;
use serde_json::{Value, json};
use sha2_shim::sha256_file;

use super::pipeline::{Collected, Engine, Sinks, Steps, jl, run_item};
use super::scan::{RuleOptions, ScanOptions, load_rules};
use crate::args::{CaseArgs, Step};
use crate::{Globals, Outcome, progress};

/// Fields of `manifest.json` (JSON pointers, `*` for every array element) and of
/// `audit.jsonl` lines that change from run to run; everything else is the same, byte for
/// byte, for the same evidence and arguments.
pub(crate) const RUNTIME_FIELDS: [&str; 10] = [
    "/started",
    "/finished",
    "/duration_ms",
    "/threads",
    "/evidence/*/started",
    "/evidence/*/finished",
    "/outputs/audit.jsonl",
    "audit.jsonl/started",
    "audit.jsonl/finished",
    "audit.jsonl/duration_ms",
];

/// SHA-256 of files, streamed.
mod sha2_shim {
    use std::io::Read;
    use std::path::Path;

    use peel_core::HashSet;

    /// (size, sha256) of a file.
    pub fn sha256_file(p: &Path) -> std::io::Result<(u64, String)> {
        let set = HashSet {
            md5: false,
            sha1: false,
            sha256: true,
        };
        let mut f = std::fs::File::open(p)?;
        let h = set.hash_reader(&mut f as &mut dyn Read)?;
        Ok((h.len, h.sha256.unwrap_or_default()))
    }
}

/// Resolved options of a case.
#[derive(Debug, Clone)]
pub struct CaseOptions {
    pub rules: Vec<PathBuf>,
    pub only: Vec<Step>,
    pub force: bool,
    pub max_depth: usize,
    pub max_object: u64,
    pub budget: u64,
    pub timeout: u64,
}

impl From<CaseArgs> for CaseOptions {
    fn from(a: CaseArgs) -> Self {
        CaseOptions {
            rules: a.rules,
            only: a.only,
            force: a.force,
            max_depth: a.max_depth,
            max_object: a.max_object,
            budget: a.budget,
            timeout: a.timeout,
        }
    }
}

impl CaseOptions {
    fn steps(&self) -> Steps {
        let all = self.only.is_empty();
        let has = |s: Step| all || self.only.contains(&s);
        Steps {
            files: has(Step::Files),
            features: has(Step::Features) || has(Step::Graph),
            scan: has(Step::Scan),
            timeline: has(Step::Timeline),
            graph: has(Step::Graph),
            report: has(Step::Report),
        }
    }
}

/// The current time, RFC 3339 UTC with milliseconds.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// One line of audit.jsonl.
pub(crate) fn audit_line(
    step: &str,
    item: Option<(usize, &str)>,
    started: &str,
    t0: Instant,
    counts: Value,
    errors: &[String],
) -> Value {
    json!({
        "record": "audit",
        "step": step,
        "item": item.map(|i| i.0),
        "evidence": item.map(|i| i.1),
        "started": started,
        "finished": now(),
        "duration_ms": t0.elapsed().as_millis() as u64,
        "counts": counts,
        "errors": errors,
    })
}

/// Refuses an output that would overwrite something, unless `force`.
pub(crate) fn check_out(out: &Path, force: bool) -> anyhow::Result<()> {
    if out.exists() {
        if !out.is_dir() {
            bail!(
                "{} exists and is not a folder; refusing to overwrite it",
                out.display()
            );
        }
        let empty = fs::read_dir(out)?.next().is_none();
        if !empty && !force {
            bail!(
                "{} exists and is not empty; refusing to overwrite it (--force replaces it once \
                 the new case is complete)",
                out.display()
            );
        }
    }
    Ok(())
}

/// A new hidden folder beside `out` to build the case in.
pub(crate) fn staging(out: &Path) -> anyhow::Result<PathBuf> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".peel-case-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a folder in {}", parent.display()))?;
    Ok(tmp.keep())
}

/// Moves a complete case from `stage` to `out`, replacing an old one only now.
pub(crate) fn install(stage: &Path, out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "case".into());
        let old = out.with_file_name(format!(".{name}.old-{}", std::process::id()));
        fs::rename(out, &old).with_context(|| format!("cannot move {} aside", out.display()))?;
        fs::rename(stage, out).with_context(|| format!("cannot create {}", out.display()))?;
        fs::remove_dir_all(&old)
            .with_context(|| format!("cannot remove the old case {}", old.display()))?;
    } else {
        fs::rename(stage, out).with_context(|| format!("cannot create {}", out.display()))?;
    }
    Ok(())
}

/// Size and SHA-256 of every file under `dir` but the manifest, by relative path.
pub(crate) fn output_hashes(dir: &Path) -> anyhow::Result<BTreeMap<String, Value>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(dir)
                .map_err(|e| anyhow!("{e}"))?
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            if rel == "manifest.json" {
                continue;
            }
            let (size, sha) = sha256_file(&p)?;
            out.insert(rel, json!({"size": size, "sha256": sha}));
        }
    }
    Ok(out)
}

/// True when `case` holds a complete manifest whose outputs all match their hashes.
pub(crate) fn is_complete(case: &Path) -> bool {
    let Ok(text) = fs::read_to_string(case.join("manifest.json")) else {
        return false;
    };
    let Ok(m) = serde_json::from_str::<Value>(&text) else {
        return false;
    };
    if m["complete"] != true {
        return false;
    }
    let Some(outs) = m["outputs"].as_object() else {
        return false;
    };
    match output_hashes(case) {
        Ok(found) => {
            found.len() == outs.len()
                && outs.iter().all(|(k, v)| {
                    found
                        .get(k)
                        .is_some_and(|f| f["sha256"] == v["sha256"] && f["size"] == v["size"])
                })
        }
        Err(_) => false,
    }
}

/// Writes `dir/graph/`: graph.json, exports and the viewer, built from feature records.
pub(crate) fn write_graph(dir: &Path, features: &[u8]) -> anyhow::Result<Value> {
    let mut b = Builder::new(BuildOptions::default());
    b.read_records(io::BufReader::new(features), "features.jsonl")?;
    let g = b.finish(&[]);
    let gdir = dir.join("graph");
    fs::create_dir_all(gdir.join("neo4j"))?;
    fs::create_dir_all(gdir.join("csv"))?;
    let sel = EdgeSelect {
        only: None,
        seen_on: false,
    };
    let m = Metrics::compute(&g, &sel);
    let (n4n, n4r) = export::neo4j(&g, &m);
    let (cn, ce) = export::plain_csv(&g, &m);
    let files: [(&str, String); 10] = [
        ("graph.json", g.to_json()?),
        ("graph.graphml", export::graphml(&g, &m)),
        ("graph.gexf", export::gexf(&g, &m)),
        ("graph.dot", export::dot(&g, &m)),
        ("graph.cyjs", export::cytoscape(&g, &m)),
        ("graph.html", peel_graph::viewer::html(&g, &m)),
        ("neo4j/nodes.csv", n4n),
        ("neo4j/relationships.csv", n4r),
        ("csv/nodes.csv", cn),
        ("csv/edges.csv", ce),
    ];
    for (name, text) in &files {
        fs::write(gdir.join(name), text).with_context(|| format!("writing graph/{name}"))?;
    }
    fs::write(
        gdir.join("neo4j/IMPORT.txt"),
        "neo4j-admin database import full --nodes=nodes.csv \
         --relationships=relationships.csv --array-delimiter=';' neo4j\n",
    )?;
    Ok(json!({"nodes": g.nodes.len(), "edges": g.edges.len()}))
}

/// Writes timeline.csv (as `peel timeline`) from events in evidence order.
pub(crate) fn write_timeline(path: &Path, mut events: Vec<Event>) -> anyhow::Result<u64> {
    sort(&mut events);
    let mut c = csv::Writer::from_writer(BufWriter::new(fs::File::create(path)?));
    c.write_record(super::timeline::CSV_HEADER)?;
    for e in &events {
        c.write_record(super::timeline::csv_row(e))?;
    }
    c.flush()?;
    Ok(events.len() as u64)
}

/// The volumes of an opened evidence item: partition scheme, slot, offset, length and type,
/// and the file system found on each (or why none was opened).
fn volume_facts(ev: &Evidence) -> Vec<Value> {
    ev.parts
        .iter()
        .map(|p| {
            let v = p.volume.as_ref();
            json!({
                "locator": p.locator.to_string(),
                "scheme": p.scheme.as_str(),
                "index": v.map(|v| v.index),
                "offset": v.map(|v| v.offset),
                "length": v.map(|v| v.length),
                "description": v.map(|v| v.description.as_str()),
                "fs": p.fs.as_ref().map(|f| f.kind()),
                "fs_error": p.fs_error.as_ref().map(|e| e.to_string()),
            })
        })
        .collect()
}

/// Facts about the evidence as stored: its file(s) with SHA-256, and for E01 whether the
/// media still matches the hashes stored at acquisition.
fn evidence_facts(path: &Path, source: Option<&dyn Source>, g: Globals) -> Value {
    let mut files = Vec::new();
    let mut format = Value::Null;
    let mut verification = Value::Null;
    let segments: Vec<PathBuf> = match source {
        Some(src) => {
            let info = src.info();
            format = info.format.clone().into();
            if info.format == "ewf" {
                let set = HashSet {
                    md5: true,
                    sha1: true,
                    sha256: false,
                };
                let quiet = Globals {
                    progress: g.progress,
                    notes: false,
                };
                verification = match super::verify::hash_source(src, &set, quiet) {
                    Ok(h) => {
                        let mut checks = Vec::new();
                        for (algo, stored, got) in [
                            ("md5", &info.stored_md5, &h.md5),
                            ("sha1", &info.stored_sha1, &h.sha1),
                        ] {
                            if let Some(s) = stored {
                                let c = got.clone().unwrap_or_default();
                                checks.push(
                                    json!({"algorithm": algo, "stored": s.to_ascii_lowercase(),
                                    "computed": c, "match": s.trim().eq_ignore_ascii_case(&c)}),
                                );
                            }
                        }
                        let ok = !checks.is_empty() && checks.iter().all(|c| c["match"] == true);
                        json!({"verified": ok, "checks": checks})
                    }
                    Err(e) => json!({"verified": false, "error": format!("{e:#}")}),
                };
            }
            info.segments.clone()
        }
        None if path.is_file() => vec![path.to_path_buf()],
        None => Vec::new(),
    };
    for s in &segments {
        match sha256_file(s) {
            Ok((size, sha)) => {
                files.push(json!({"path": s.display().to_string(), "size": size, "sha256": sha}))
            }
            Err(e) => files.push(json!({"path": s.display().to_string(), "error": e.to_string()})),
        }
    }
    json!({"format": format, "files": files, "verification": verification})
}

/// What a finished case reports.
pub(crate) struct Summary {
    pub outcome: Outcome,
    pub items: usize,
    pub files: u64,
    pub features: u64,
    pub hits: u64,
    pub errors: u64,
    pub secs: f64,
}

impl Summary {
    pub(crate) fn line(&self, out: &Path) -> String {
        format!(
            "peel: {} item(s), {} files, {} features, {} YARA hits, {} errors → {} ({:.1} s)",
            self.items,
            self.files,
            self.features,
            self.hits,
            self.errors,
            out.display(),
            self.secs
        )
    }
}

/// `peel process`.
pub fn run(
    evidence: &[PathBuf],
    out: &Path,
    o: &CaseOptions,
    g: Globals,
) -> anyhow::Result<Outcome> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let s = make_case(evidence, out, o, g, &args)?;
    if g.notes {
        eprintln!("{}", s.line(out));
    }
    Ok(s.outcome)
}

/// Builds one case folder from `evidence`.
pub(crate) fn make_case(
    evidence: &[PathBuf],
    out: &Path,
    o: &CaseOptions,
    g: Globals,
    args: &[String],
) -> anyhow::Result<Summary> {
    let t_run = Instant::now();
    let started = now();
    check_out(out, o.force)?;
    for p in evidence {
        if !p.exists() {
            bail!("cannot open {}: no such file or folder", p.display());
        }
        if p.is_dir() {
            let src = fs::canonicalize(p)?;
            let parent = out
                .parent()
                .filter(|x| !x.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if fs::canonicalize(parent).is_ok_and(|d| d.starts_with(&src)) {
                bail!(
                    "the case folder would lie inside the evidence folder {}; choose another",
                    src.display()
                );
            }
        }
    }
    let steps = o.steps();
    let mut audit: Vec<Value> = Vec::new();
    let mut outcome = Outcome::Clean;

    // Plan: rules compiled and extractor built once, before any evidence is read.
    let t0 = Instant::now();
    let st0 = now();
    let rules = if steps.scan {
        let ro = RuleOptions {
            rules: o.rules.clone(),
            compiled: None,
            defines: Vec::new(),
            strict: false,
        };
        let (c, report) = load_rules(&ro, g)?;
        if !report.errors.is_empty() {
            outcome = Outcome::Findings;
        }
        let errs: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
        audit.push(audit_line(
            "compile-rules",
            None,
            &st0,
            t0,
            json!({"rules": c.len(), "files": report.files, "failed_files": report.failed_files}),
            &errs,
        ));
        Some((c, report))
    } else {
        None
    };
    let x = peel_extract::Extractor::new().map_err(|e| anyhow!("feature patterns: {e}"))?;
    let limits = peel_extract::decode::Limits::new(o.max_depth, o.max_object, o.budget);
    let timeout = (o.timeout > 0).then(|| std::time::Duration::from_secs(o.timeout));
    let scan_opts = ScanOptions {
        rules: RuleOptions {
            rules: Vec::new(),
            compiled: None,
            defines: Vec::new(),
            strict: false,
        },
        unallocated: false,
        raw: false,
        volume: None,
        strings: false,
        tags: Vec::new(),
        rule_names: Vec::new(),
        count: false,
        timeout,
        max_size: o.max_object,
        max_depth: o.max_depth,
        format: None,
    };
    let budget = AtomicU64::new(super::scan::ARCHIVE_BUDGET);
    let eng = Engine {
        x: &x,
        rules: rules.as_ref().map(|r| &r.0),
        scan: &scan_opts,
        limits: &limits,
        steps,
        budget: &budget,
        timeout,
    };

    let stage = staging(out)?;
    let result = (|| -> anyhow::Result<(Vec<Value>, Collected, [u64; 4])> {
        let open = |name: &str| -> anyhow::Result<BufWriter<fs::File>> {
            Ok(BufWriter::new(fs::File::create(stage.join(name))?))
        };
        let mut files_w = if steps.files {
            Some(open("files.jsonl")?)
        } else {
            None
        };
        let mut feat_w = if steps.features {
            Some(open("features.jsonl")?)
        } else {
            None
        };
        let mut exec_w = if steps.features {
            Some(open("exec.jsonl")?)
        } else {
            None
        };
        let mut hits_w = if steps.scan {
            Some(open("hits.jsonl")?)
        } else {
            None
        };
        let mut sink_none = [io::sink(), io::sink(), io::sink(), io::sink()];
        let [n1, n2, n3, n4] = &mut sink_none;
        let mut sinks = Sinks {
            files: match files_w.as_mut() {
                Some(w) => w,
                None => n1,
            },
            features: match feat_w.as_mut() {
                Some(w) => w,
                None => n2,
            },
            exec: match exec_w.as_mut() {
                Some(w) => w,
                None => n3,
            },
            hits: match hits_w.as_mut() {
                Some(w) => w,
                None => n4,
            },
        };
        let mut all = Collected::default();
        let mut items = Vec::new();
        let mut totals = [0u64; 4]; // files, features, hits, errors
        for (i, path) in evidence.iter().enumerate() {
            let name = path.display().to_string();
            let item_start = now();
            let t0 = Instant::now();
            let ev = Evidence::open(path);
            let ev = match ev {
                Ok(ev) => ev,
                Err(e) => {
                    let rec = ErrorRecord::new(
                        &name,
                        peel_core::Locator::evidence(name.clone()),
                        format!("cannot open: {e}"),
                    );
                    jl(sinks.files, &rec)?;
                    jl(sinks.hits, &rec)?;
                    let msg = format!("{}: {}", rec.locator_text, rec.message);
                    audit.push(audit_line(
                        "open",
                        Some((i, &name)),
                        &item_start,
                        t0,
                        json!({}),
                        std::slice::from_ref(&msg),
                    ));
                    totals[3] += 1;
                    let facts = evidence_facts(path, None, g);
                    items.push(
                        json!({"index": i, "path": name, "error": msg, "format": facts["format"],
                        "files": facts["files"], "verification": facts["verification"],
                        "volumes": [], "started": item_start, "finished": now()}),
                    );
                    continue;
                }
            };
            audit.push(audit_line(
                "open",
                Some((i, &name)),
                &item_start,
                t0,
                json!({"parts": ev.parts.len()}),
                &[],
            ));
            let size = ev.source.as_ref().map(|s| s.len());
            let pb = progress::bytes(
                g.progress,
                size.unwrap_or(0),
                &format!("process [{}/{}] {name}", i + 1, evidence.len()),
            );
            // The evidence is hashed for the manifest while the pass runs, so that its bytes
            // come off the disk once: whichever of the two reads a block first leaves it in
            // the page cache for the other, and neither waits for the other to finish.
            let source = ev.source.clone();
            let (hashed, tally) = std::thread::scope(|sc| {
                let hasher = sc.spawn(|| {
                    let (t1, s1) = (Instant::now(), now());
                    let quiet = Globals {
                        progress: false,
                        notes: g.notes,
                    };
                    let facts = evidence_facts(path, source.as_deref(), quiet);
                    let files = facts["files"].as_array().map(|a| a.len()).unwrap_or(0);
                    let line = audit_line(
                        "hash-evidence",
                        Some((i, &name)),
                        &s1,
                        t1,
                        json!({ "files": files }),
                        &[],
                    );
                    (facts, line)
                });
                let (t2, s2) = (Instant::now(), now());
                let tally =
                    run_item(&eng, &ev, &mut sinks, &mut all, &|n| pb.inc(n)).map(|t| (t, t2, s2));
                (hasher.join(), tally)
            });
            let (facts, line) =
                hashed.map_err(|_| anyhow!("hashing {name} for the manifest stopped"))?;
            audit.push(line);
            let (tally, t2, s2) = tally?;
            pb.finish_and_clear();
            audit.push(audit_line(
                "single-pass",
                Some((i, &name)),
                &s2,
                t2,
                json!({"entries": tally.entries, "files": tally.files, "content_bytes": tally.content_bytes,
                    "pages": tally.pages, "features": tally.features, "executables": tally.executables,
                    "exif": tally.exif, "messages": tally.messages, "hits": tally.hits, "skipped": tally.skipped, "errors": tally.errors}),
                &tally.error_lines,
            ));
            totals[0] += tally.files;
            totals[1] += tally.features;
            totals[2] += tally.hits;
            totals[3] += tally.errors;
            let mut item = json!({"index": i, "path": name, "size": size, "format": facts["format"],
                "files": facts["files"], "verification": facts["verification"],
                "volumes": volume_facts(&ev), "counts": tally, "started": item_start, "finished": now()});
            if let Some(m) = item.get_mut("counts").and_then(|c| c.as_object_mut()) {
                m.remove("error_lines");
            }
            if facts["verification"]["verified"] == false {
                totals[3] += 1;
            }
            items.push(item);
        }
        for w in [
            files_w.as_mut(),
            feat_w.as_mut(),
            exec_w.as_mut(),
            hits_w.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            w.flush()?;
        }
        Ok((items, all, totals))
    })();
    let (items, all, totals) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = fs::remove_dir_all(&stage);
            return Err(e);
        }
    };
    let finish = (|| -> anyhow::Result<()> {
        if steps.features {
            let (t0, s0) = (Instant::now(), now());
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
        if steps.timeline {
            let (t0, s0) = (Instant::now(), now());
            let n = write_timeline(&stage.join("timeline.csv"), all.events)?;
            audit.push(audit_line(
                "timeline",
                None,
                &s0,
                t0,
                json!({"events": n}),
                &[],
            ));
        }
        if steps.graph {
            let (t0, s0) = (Instant::now(), now());
            let bytes = fs::read(stage.join("features.jsonl"))?;
            let counts = write_graph(&stage, &bytes)?;
            audit.push(audit_line("graph", None, &s0, t0, counts, &[]));
        }
        Ok(())
    })();
    if let Err(e) = finish {
        let _ = fs::remove_dir_all(&stage);
        return Err(e);
    }
    if totals[2] > 0 || totals[3] > 0 {
        outcome = Outcome::Findings;
    }
    let rules_doc = rules.as_ref().map(|(c, report)| {
        json!({
            "source": if o.rules.is_empty() { json!("bundled") } else {
                json!(o.rules.iter().map(|p| p.display().to_string()).collect::<Vec<_>>()) },
            "sha256": c.digest,
            "rules": c.len(),
            "files": report.files,
            "errors": report.errors.len(),
        })
    });
    let summary = Summary {
        outcome,
        items: evidence.len(),
        files: totals[0],
        features: totals[1],
        hits: totals[2],
        errors: totals[3],
        secs: t_run.elapsed().as_secs_f64(),
    };
    let extra = json!({
        "command": "process",
        "steps": step_names(steps),
        "rules": rules_doc,
        "options": {"max_depth": o.max_depth, "max_object": o.max_object, "budget": o.budget,
            "timeout": o.timeout},
        "evidence": items,
        "totals": {"files": totals[0], "features": totals[1], "hits": totals[2], "errors": totals[3]},
    });
    seal(
        &stage,
        out,
        args,
        &started,
        t_run,
        audit,
        outcome,
        extra,
        steps.report,
    )?;
    Ok(summary)
}

fn step_names(s: Steps) -> Vec<&'static str> {
    [
        (s.files, "files"),
        (s.features, "features"),
        (s.scan, "scan"),
        (s.timeline, "timeline"),
        (s.graph, "graph"),
        (s.report, "report"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, n)| n)
    .collect()
}

/// Writes report.html (with `report`), audit.jsonl and manifest.json into `stage`, then moves
/// it to `out`. The report is written last of the outputs but before their hashes are taken,
/// so the manifest lists it too.
#[allow(clippy::too_many_arguments)]
pub(crate) fn seal(
    stage: &Path,
    out: &Path,
    args: &[String],
    started: &str,
    t_run: Instant,
    mut audit: Vec<Value>,
    outcome: Outcome,
    extra: Value,
    report: bool,
) -> anyhow::Result<()> {
    let r = (|| -> anyhow::Result<()> {
        let mut m = json!({
            "record": "manifest",
            "schema": 1,
            "tool": "peel",
            "version": env!("CARGO_PKG_VERSION"),
            "arguments": args,
            "complete": true,
            "status": if outcome == Outcome::Clean { "clean" } else { "findings" },
        });
        if let (Some(mo), Some(eo)) = (m.as_object_mut(), extra.as_object()) {
            for (k, v) in eo {
                mo.insert(k.clone(), v.clone());
            }
        }
        if report {
            let (t0, s0) = (Instant::now(), now());
            super::report::write_report(stage, &m)?;
            let bytes = fs::metadata(stage.join("report.html"))?.len();
            audit.push(audit_line(
                "report",
                None,
                &s0,
                t0,
                json!({"bytes": bytes}),
                &[],
            ));
        }
        let mut a = BufWriter::new(fs::File::create(stage.join("audit.jsonl"))?);
        for l in &audit {
            jl(&mut a, l)?;
        }
        a.flush()?;
        let outputs = output_hashes(stage)?;
        if let Some(mo) = m.as_object_mut() {
            mo.insert("outputs".into(), json!(outputs));
            mo.insert("started".into(), json!(started));
            mo.insert("finished".into(), json!(now()));
            mo.insert(
                "duration_ms".into(),
                json!(t_run.elapsed().as_millis() as u64),
            );
            mo.insert("threads".into(), json!(rayon::current_num_threads()));
            mo.insert("runtime_fields".into(), json!(RUNTIME_FIELDS));
        }
        let mut text = serde_json::to_string_pretty(&m)?;
        text.push('\n');
        let mut t = tempfile::NamedTempFile::new_in(stage)?;
        t.write_all(text.as_bytes())?;
        t.persist(stage.join("manifest.json"))
            .map_err(|e| e.error)?;
        install(stage, out)
    })();
    if r.is_err() {
        let _ = fs::remove_dir_all(stage);
    }
    r
}

/// SHA-256 of bytes, hex.
pub(crate) fn output_sha(b: &[u8]) -> String {
    let mut h = HashSet {
        md5: false,
        sha1: false,
        sha256: true,
    }
    .hasher();
    h.update(b);
    h.finish().sha256.unwrap_or_default()
}

/// Reads a whole file, naming it in the error.
pub(crate) fn read_all(p: &Path) -> anyhow::Result<Vec<u8>> {
    let mut v = Vec::new();
    fs::File::open(p)
        .and_then(|mut f| f.read_to_end(&mut v))
        .with_context(|| format!("cannot read {}", p.display()))?;
    Ok(v)
}
