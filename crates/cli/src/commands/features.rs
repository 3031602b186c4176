//! `peel features`: every file's content (deleted files too), unallocated and unpartitioned
//! space — or the whole source with `--raw` — through the feature scanners, in parallel, with
//! results written in evidence order.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use peel_core::record::{EntryKind, ErrorRecord, FeatureRecord};
use peel_core::{Locator, Segment};
use peel_extract::decode::{Layer, Limits};
use peel_extract::{Encoding, Extractor, Feature, PAGE};
use peel_fs::Entry;
use peel_fs::evidence::Evidence;
use peel_image::Source;

use crate::args::ListFormat;
use crate::listing::Listed;
use crate::regions::{self, Want};
use crate::{Globals, Outcome, ordered, progress};

/// Options of `peel features`.
pub struct FeatureOptions {
    pub raw: bool,
    pub kinds: Option<String>,
    pub volume: Option<u32>,
    pub histograms: Option<PathBuf>,
    pub format: Option<ListFormat>,
    pub limits: Limits,
    pub stop: Option<PathBuf>,
    pub stopped_out: Option<PathBuf>,
    pub alert: Option<PathBuf>,
    pub default_region: Option<String>,
}

/// One stop-list line: a value (compared with the normalised feature, case-insensitively) and
/// an optional regex its context must match.
struct StopEntry {
    value: String,
    context: Option<regex::Regex>,
    line: String,
}

fn read_list(path: &Path) -> anyhow::Result<Vec<StopEntry>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (n, l) in text.lines().enumerate() {
        let l = l.trim_end_matches('\r');
        if l.trim().is_empty() || l.starts_with('#') {
            continue;
        }
        let (v, re) = match l.split_once('\t') {
            Some((v, r)) => {
                let re = regex::Regex::new(r)
                    .with_context(|| format!("{}:{}: bad regex", path.display(), n + 1))?;
                (v, Some(re))
            }
            None => (l, None),
        };
        out.push(StopEntry {
            value: v.trim().to_lowercase(),
            context: re,
            line: l.to_string(),
        });
    }
    Ok(out)
}

fn matches(list: &[StopEntry], f: &FeatureRecord) -> Option<String> {
    if list.is_empty() {
        return None;
    }
    let n = f.normalized.to_lowercase();
    let v = f.value.to_lowercase();
    list.iter()
        .find(|e| {
            (e.value == n || e.value == v)
                && e.context.as_ref().is_none_or(|r| r.is_match(&f.context))
        })
        .map(|e| e.line.clone())
}

enum Job<'a> {
    File { part: usize, entry: &'a Entry },
    Slice { region: usize, start: u64, len: u64 },
}

/// What one job yields, in order.
struct Done {
    features: Vec<FeatureRecord>,
    /// Object records: executables (PE/ELF/Mach-O), EXIF, mail messages, found in files or
    /// decoded streams.
    execs: Vec<serde_json::Value>,
    error: Option<ErrorRecord>,
    bytes: u64,
}

/// An `executable` record: where, and what goblin made of it (or why it could not).
pub(crate) fn exec_record(
    res: Result<peel_extract::exec::ExecInfo, String>,
    loc: &Locator,
    entry: &Entry,
    ev: &str,
) -> serde_json::Value {
    let v = match res {
        Ok(info) => serde_json::to_value(info).unwrap_or_default(),
        Err(e) => serde_json::json!({ "error": e }),
    };
    object_record("executable", v, loc, entry, ev)
}

/// A record about a whole object (an executable, an image's EXIF): its facts plus where.
pub(crate) fn object_record(
    kind: &str,
    mut v: serde_json::Value,
    loc: &Locator,
    entry: &Entry,
    ev: &str,
) -> serde_json::Value {
    if let Some(m) = v.as_object_mut() {
        m.insert("record".into(), kind.into());
        m.insert(
            "locator".into(),
            serde_json::to_value(loc).unwrap_or_default(),
        );
        m.insert("locator_text".into(), loc.to_string().into());
        m.insert("evidence".into(), ev.into());
        m.insert("path".into(), entry.path.clone().into());
        m.insert("deleted".into(), entry.deleted.into());
    }
    v
}

/// The locator of a decoded stream inside `base`.
pub(crate) fn with_layers(base: &Locator, layers: &[Layer]) -> Locator {
    let mut l = base.clone();
    for layer in layers {
        l.push(match layer {
            Layer::Zip(m) => Segment::Zip { member: m.clone() },
            Layer::Gzip => Segment::Gzip,
            Layer::Base64(offset) => Segment::Base64 { offset: *offset },
        });
    }
    l
}

/// What the deep scan of one object held in memory found.
pub(crate) struct ObjectFinds {
    pub features: Vec<FeatureRecord>,
    /// `executable`, `exif` and `message` records of the object and of what it contains.
    pub execs: Vec<serde_json::Value>,
    /// The first decoding problem (or a mailbox cut short), where it was met.
    pub problem: Option<(Locator, String)>,
}

/// Features of a file's content and of every layer inside it (zip members, gzip and base64
/// streams), with the executables, EXIF blocks and mail messages found on the way; the one
/// scan `features` and `process` both run on a file they hold.
pub(crate) fn scan_object(
    x: &Extractor,
    limits: &Limits,
    data: &[u8],
    loc: &Locator,
    entry: &Entry,
    ev: &str,
    keep: &dyn Fn(&Feature) -> bool,
) -> ObjectFinds {
    let mut features = Vec::new();
    let mut execs = Vec::new();
    let mut problems = Vec::new();
    let mut mail_cut = None;
    x.scan_deep_objects(
        data,
        limits,
        &mut |layers, f| {
            if keep(&f) {
                let mut r = record(f, &with_layers(loc, layers), 0, "file", ev);
                r.deleted = entry.deleted;
                features.push(r);
            }
        },
        &mut |layers, msg| problems.push((with_layers(loc, layers), msg)),
        &mut |layers, bytes| {
            let at = with_layers(loc, layers);
            if let Some(res) = peel_extract::exec::parse(bytes) {
                execs.push(exec_record(res, &at, entry, ev));
            }
            if let Some(info) = peel_extract::exif::parse(bytes) {
                let v = serde_json::to_value(info).unwrap_or_default();
                execs.push(object_record("exif", v, &at, entry, ev));
            }
            let (messages, more) =
                peel_extract::mail::parse_with(bytes, peel_extract::mail::MAX_MESSAGES);
            for m in messages {
                let v = serde_json::to_value(m).unwrap_or_default();
                execs.push(object_record("message", v, &at, entry, ev));
            }
            if more {
                mail_cut.get_or_insert_with(|| {
                    (
                        at.clone(),
                        format!(
                            "more than {} mail messages; the rest not listed",
                            peel_extract::mail::MAX_MESSAGES
                        ),
                    )
                });
            }
        },
    );
    ObjectFinds {
        features,
        execs,
        problem: problems.into_iter().next().or(mail_cut),
    }
}

pub(crate) fn record(
    f: Feature,
    locator: &Locator,
    stream_offset: u64,
    scope: &'static str,
    ev: &str,
) -> FeatureRecord {
    let offset = stream_offset + f.offset;
    let loc = locator.clone().with(Segment::Offset { offset });
    let (path, _) = locator
        .file()
        .map(|(p, a)| (Some(p.to_string()), a))
        .unwrap_or((None, None));
    FeatureRecord {
        record: "feature",
        kind: f.kind.to_string(),
        value: f.value,
        normalized: f.normalized,
        validated: f.validated,
        encoding: match f.encoding {
            Encoding::Ascii => "ascii".into(),
            Encoding::Utf16le => "utf16le".into(),
        },
        context: f.context,
        locator_text: loc.to_string(),
        locator: loc,
        evidence: ev.to_string(),
        offset,
        evidence_offset: None,
        path,
        deleted: false,
        scope,
        alert: false,
        stopped_by: None,
    }
}

pub fn run(evidence: &Path, o: &FeatureOptions, g: Globals) -> anyhow::Result<Outcome> {
    let wanted: Option<BTreeSet<String>> = o.kinds.as_ref().map(|k| {
        k.split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect()
    });
    if let Some(w) = &wanted {
        let known: BTreeSet<&str> = peel_extract::scanners::SCANNERS
            .iter()
            .map(|s| s.kind)
            .chain(["domain"])
            .collect();
        if let Some(bad) = w.iter().find(|k| !known.contains(k.as_str())) {
            bail!(
                "unknown feature kind `{bad}` (known: {})",
                known.into_iter().collect::<Vec<_>>().join(", ")
            );
        }
    }
    if let Some(h) = &o.histograms
        && h.exists()
        && std::fs::read_dir(h)?.next().is_some()
    {
        bail!(
            "{} exists and is not empty; refusing to overwrite histograms",
            h.display()
        );
    }
    let format = match o.format {
        Some(ListFormat::Bodyfile) => {
            bail!("features have no bodyfile form; use jsonl, csv or table")
        }
        Some(f) => f,
        None if io::stdout().is_terminal() => ListFormat::Table,
        None => ListFormat::Jsonl,
    };
    let mut x = Extractor::new().map_err(|e| anyhow!("feature patterns: {e}"))?;
    if let Some(r) = &o.default_region {
        x = x.with_region(r).map_err(|e| anyhow!(e))?;
    }
    let ev =
        Evidence::open(evidence).with_context(|| format!("cannot open {}", evidence.display()))?;

    // Plan: files of every recognised file system, then free and unpartitioned space; or the
    // whole source.
    let src: Option<Arc<dyn Source>> = ev.source.clone();
    let want = Want {
        raw: o.raw,
        volume: o.volume,
        unallocated: true,
    };
    let regions = regions::plan(&ev, want)?;
    let items = regions::entries(&ev, want);
    let mut jobs: Vec<Job<'_>> = Vec::new();
    let mut stderr_lines = Vec::new();
    let mut outcome = Outcome::Clean;
    for it in &items {
        match it {
            Listed::Entry { part, entry } if entry.kind == EntryKind::File => {
                jobs.push(Job::File { part: *part, entry })
            }
            Listed::Entry { .. } => {}
            Listed::Error(e) => {
                outcome = Outcome::Findings;
                stderr_lines.push(format!("peel: error: {}: {}", e.locator_text, e.message));
            }
            Listed::Note(n) => {
                if g.notes {
                    stderr_lines.push(format!("peel: note: {n}"));
                }
            }
        }
    }
    for (i, r) in regions.iter().enumerate() {
        for (start, len) in regions::slices(r.len, regions::SLICE) {
            jobs.push(Job::Slice {
                region: i,
                start,
                len,
            });
        }
    }
    let total: u64 = jobs
        .iter()
        .map(|j| match j {
            Job::File { entry, .. } => entry.size,
            Job::Slice { len, .. } => *len,
        })
        .fold(0, u64::saturating_add);
    let pb = progress::bytes(g.progress, total, "features");
    let keep = |f: &Feature| wanted.as_ref().is_none_or(|w| w.contains(f.kind));

    let run_job = |job: &Job<'_>| -> Done {
        match job {
            Job::File { part, entry } => {
                let Some(p) = ev.parts.get(*part) else {
                    return Done {
                        features: Vec::new(),
                        execs: Vec::new(),
                        error: None,
                        bytes: 0,
                    };
                };
                let loc = p.entry_locator(entry);
                let Some(fs) = &p.fs else {
                    return Done {
                        features: Vec::new(),
                        execs: Vec::new(),
                        error: None,
                        bytes: 0,
                    };
                };
                let mut c = match fs.open(entry) {
                    Ok(c) => c,
                    Err(e) => {
                        // Lost content of deleted files is a fact, not an error.
                        let error = (!entry.deleted)
                            .then(|| ErrorRecord::new(&ev.name, loc.clone(), e.to_string()));
                        return Done {
                            features: Vec::new(),
                            execs: Vec::new(),
                            error,
                            bytes: entry.size,
                        };
                    }
                };
                let mut features = Vec::new();
                let mut execs = Vec::new();
                let mut error = None;
                if entry.size <= o.limits.max_object {
                    // Small enough to hold: scan it and whatever it contains.
                    let mut data = Vec::with_capacity(entry.size as usize);
                    let limit = o.limits.max_object + 1;
                    if let Err(e) = (&mut c.reader).take(limit).read_to_end(&mut data)
                        && !entry.deleted
                    {
                        error = Some(ErrorRecord::new(
                            &ev.name,
                            loc.clone(),
                            format!("content unreadable: {e}"),
                        ));
                    }
                    let found = scan_object(&x, &o.limits, &data, &loc, entry, &ev.name, &keep);
                    features = found.features;
                    execs = found.execs;
                    if let Some((l, m)) = found.problem {
                        error = error.or(Some(ErrorRecord::new(&ev.name, l, m)));
                    }
                } else {
                    let res = x.scan_reader(&mut c.reader, PAGE, &mut |f| {
                        if keep(&f) {
                            let mut r = record(f, &loc, 0, "file", &ev.name);
                            r.deleted = entry.deleted;
                            features.push(r);
                        }
                    });
                    if let Err(e) = res
                        && !entry.deleted
                    {
                        error = Some(ErrorRecord::new(
                            &ev.name,
                            loc,
                            format!("content unreadable: {e}"),
                        ));
                    }
                }
                Done {
                    features,
                    execs,
                    error,
                    bytes: entry.size,
                }
            }
            Job::Slice { region, start, len } => {
                let (Some(r), Some(s)) = (regions.get(*region), src.as_ref()) else {
                    return Done {
                        features: Vec::new(),
                        execs: Vec::new(),
                        error: None,
                        bytes: 0,
                    };
                };
                let out = regions::scan_slice(
                    &x,
                    &o.limits,
                    &ev.name,
                    s.as_ref(),
                    r,
                    *start,
                    *len,
                    &keep,
                );
                Done {
                    features: out.features,
                    execs: Vec::new(),
                    error: out.error,
                    bytes: *len,
                }
            }
        }
    };

    let out = io::stdout();
    let mut w = io::BufWriter::new(out.lock());
    let csv_row = |cols: &[String]| -> anyhow::Result<Vec<u8>> {
        let mut c = csv::Writer::from_writer(Vec::new());
        c.write_record(cols)?;
        c.into_inner().map_err(|e| anyhow!("csv: {e}"))
    };
    if format == ListFormat::Csv {
        let head: Vec<String> = [
            "kind",
            "value",
            "normalized",
            "validated",
            "encoding",
            "locator",
            "offset",
            "evidence_offset",
            "path",
            "deleted",
            "scope",
            "context",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        w.write_all(&csv_row(&head)?)?;
    }
    if format == ListFormat::Table {
        writeln!(
            w,
            "{:<7} {:<44} {:<5} locator",
            "kind", "normalized", "valid"
        )?;
    }
    let stop_list = match &o.stop {
        Some(p) => read_list(p)?,
        None => Vec::new(),
    };
    let alert_list = match &o.alert {
        Some(p) => read_list(p)?,
        None => Vec::new(),
    };
    let stopped_file = match &o.stopped_out {
        Some(p) => {
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if p.exists() {
                bail!("{} exists; refusing to overwrite it", p.display());
            }
            Some((tempfile::NamedTempFile::new_in(dir)?, p.clone()))
        }
        None => None,
    };
    let mut stopped_w = match &stopped_file {
        Some((t, _)) => Some(io::BufWriter::new(t.as_file().try_clone()?)),
        None => None,
    };
    let mut stopped = 0u64;
    // Histograms: (kind, normalized) -> (count, distinct sources).
    let mut hist: BTreeMap<(String, String), (u64, BTreeSet<String>)> = BTreeMap::new();
    // Jobs run in parallel; their results are written in job order while later jobs run.
    ordered::run(
        &jobs,
        || (),
        |_, job| run_job(job),
        |d: Done| -> anyhow::Result<()> {
            pb.inc(d.bytes);
            if let Some(e) = d.error {
                outcome = Outcome::Findings;
                if format == ListFormat::Jsonl {
                    serde_json::to_writer(&mut w, &e)?;
                    w.write_all(b"\n")?;
                } else {
                    stderr_lines.push(format!("peel: error: {}: {}", e.locator_text, e.message));
                }
            }
            for e in &d.execs {
                match format {
                    ListFormat::Jsonl => {
                        serde_json::to_writer(&mut w, e)?;
                        w.write_all(b"\n")?;
                    }
                    ListFormat::Table => writeln!(
                        w,
                        "{:<7} {:<44} {:<5} {}",
                        match e["record"].as_str() {
                            Some("exif") => "exif",
                            Some("message") => "message",
                            _ => "exec",
                        },
                        if e["record"] == "message" {
                            peel_core::sink::escape_for_terminal(&format!(
                                "{} {}",
                                e["from"][0]["address"].as_str().unwrap_or("?"),
                                e["date"].as_str().unwrap_or("-")
                            ))
                        } else if e["record"] == "exif" {
                            format!(
                                "{} {} {}",
                                e["model"].as_str().unwrap_or("?"),
                                e["latitude"],
                                e["longitude"]
                            )
                        } else {
                            format!(
                                "{} {}",
                                e["format"].as_str().unwrap_or("?"),
                                e["arch"].as_str().unwrap_or("")
                            )
                        },
                        "-",
                        peel_core::sink::escape_for_terminal(
                            e["locator_text"].as_str().unwrap_or("")
                        )
                    )?,
                    _ => {}
                }
            }
            for mut f in d.features {
                if let Some(by) = matches(&stop_list, &f) {
                    f.stopped_by = Some(by);
                    if let Some(sw) = stopped_w.as_mut() {
                        serde_json::to_writer(&mut *sw, &f)?;
                        sw.write_all(b"\n")?;
                    }
                    stopped += 1;
                    continue;
                }
                f.alert = matches(&alert_list, &f).is_some();
                if o.histograms.is_some() {
                    let source = f
                        .path
                        .clone()
                        .unwrap_or_else(|| format!("{} {}", f.scope, f.evidence));
                    let h = hist
                        .entry((f.kind.clone(), f.normalized.clone()))
                        .or_default();
                    h.0 += 1;
                    h.1.insert(source);
                }
                match format {
                    ListFormat::Jsonl => {
                        serde_json::to_writer(&mut w, &f)?;
                        w.write_all(b"\n")?;
                    }
                    ListFormat::Csv => {
                        let row = [
                            f.kind.clone(),
                            f.value.clone(),
                            f.normalized.clone(),
                            f.validated.map(|v| v.to_string()).unwrap_or_default(),
                            f.encoding.clone(),
                            f.locator_text.clone(),
                            f.offset.to_string(),
                            f.evidence_offset.map(|v| v.to_string()).unwrap_or_default(),
                            f.path.clone().unwrap_or_default(),
                            f.deleted.to_string(),
                            f.scope.to_string(),
                            f.context.clone(),
                        ];
                        w.write_all(&csv_row(&row)?)?;
                    }
                    _ => {
                        let v = match f.validated {
                            Some(true) => "yes",
                            Some(false) => "no",
                            None => "-",
                        };
                        let n = peel_core::sink::escape_for_terminal(&f.normalized);
                        writeln!(
                            w,
                            "{:<7} {:<44} {:<5} {}",
                            f.kind,
                            n,
                            v,
                            peel_core::sink::escape_for_terminal(&f.locator_text)
                        )?;
                    }
                }
            }
            Ok(())
        },
    )?;
    w.flush()?;
    pb.finish_and_clear();
    if let Some(mut sw) = stopped_w.take() {
        sw.flush()?;
    }
    if let Some((t, dest)) = stopped_file {
        t.persist_noclobber(&dest)
            .map_err(|e| e.error)
            .with_context(|| format!("writing {}", dest.display()))?;
    }
    if g.notes && o.stop.is_some() {
        stderr_lines.push(format!(
            "peel: note: {stopped} features stopped by the stop list"
        ));
    }
    if let Some(dir) = &o.histograms {
        write_histograms(dir, &hist)?;
    }
    let mut err = io::stderr().lock();
    for l in stderr_lines {
        let _ = writeln!(err, "{l}");
    }
    Ok(outcome)
}

/// One file per kind, `DIR/<kind>.tsv`: count, distinct sources, normalised value; most
/// frequent first (ties by value), as bulk_extractor's histograms.
pub(crate) fn write_histograms(
    dir: &Path,
    hist: &BTreeMap<(String, String), (u64, BTreeSet<String>)>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut by_kind: BTreeMap<&str, Vec<(u64, usize, &str)>> = BTreeMap::new();
    for ((k, v), (n, files)) in hist {
        by_kind
            .entry(k.as_str())
            .or_default()
            .push((*n, files.len(), v.as_str()));
    }
    for (kind, mut rows) in by_kind {
        rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(b.2)));
        let mut text = String::from("count\tsources\tnormalized\n");
        for (n, f, v) in rows {
            text.push_str(&format!("{n}\t{f}\t{v}\n"));
        }
        let dest = dir.join(format!("{kind}.tsv"));
        super::export::write_new(&dest, |f| f.write_all(text.as_bytes()))
            .with_context(|| format!("writing {}", dest.display()))?;
    }
    Ok(())
}
