//! The single pass of `peel process`: each file's content is read once and the same buffer is
//! handed to hashing, type detection, the feature scanners (with their decoders), executable
//! and EXIF parsing and YARA; free and unpartitioned space is read once, in slices, for the
//! feature scanners. Records go to one writer per output, in evidence order.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use peel_core::HashSet;
use peel_core::record::{EntryKind, ErrorRecord, FeatureRecord, FileRecord};
use peel_core::timeline::{Event, events_of};
use peel_extract::decode::Limits;
use peel_extract::{Extractor, PAGE};
use peel_fs::Entry;
use peel_fs::evidence::{Evidence, Part};
use peel_image::Source;
use peel_scan::{Compiled, Worker};
use rayon::prelude::*;
use serde::Serialize;

use super::features::{record, scan_object};
use super::scan::{Ctx, Object, Out, ScanOptions};
use crate::listing::{Listed, Selection, collect, file_record, panic_text};
use crate::ordered;
use crate::regions::{self, Want};

/// Which outputs are wanted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Steps {
    pub files: bool,
    pub features: bool,
    pub scan: bool,
    pub timeline: bool,
    pub graph: bool,
    /// report.html, from the other outputs once they are written.
    pub report: bool,
}

/// What the pass needs, resolved once before work starts.
pub(crate) struct Engine<'a> {
    pub x: &'a Extractor,
    pub rules: Option<&'a Compiled>,
    pub scan: &'a ScanOptions,
    pub limits: &'a Limits,
    pub steps: Steps,
    pub budget: &'a AtomicU64,
    pub timeout: Option<std::time::Duration>,
}

/// One writer per output.
pub(crate) struct Sinks<'w> {
    pub files: &'w mut dyn Write,
    pub features: &'w mut dyn Write,
    pub exec: &'w mut dyn Write,
    pub hits: &'w mut dyn Write,
}

/// Counts and collected facts of one evidence item.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Tally {
    pub entries: u64,
    pub files: u64,
    pub content_bytes: u64,
    pub features: u64,
    pub executables: u64,
    pub exif: u64,
    /// Mail messages parsed (`.eml` files, mbox messages).
    pub messages: u64,
    pub hits: u64,
    pub skipped: u64,
    pub errors: u64,
    pub pages: u64,
    /// Error messages (`locator: message`), the first few.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub error_lines: Vec<String>,
}

impl Tally {
    fn error(&mut self, e: &ErrorRecord) {
        self.errors += 1;
        if self.error_lines.len() < 100 {
            self.error_lines
                .push(format!("{}: {}", e.locator_text, e.message));
        }
    }
}

/// Case-wide state fed by every item: timeline events and histogram counts.
#[derive(Default)]
pub(crate) struct Collected {
    pub events: Vec<Event>,
    /// (kind, normalized) → (count, distinct sources).
    pub hist: BTreeMap<(String, String), (u64, BTreeSet<String>)>,
}

/// Adds one feature to the histograms, as `peel features --histograms` counts it.
pub(crate) fn count_feature(
    hist: &mut BTreeMap<(String, String), (u64, BTreeSet<String>)>,
    kind: &str,
    normalized: &str,
    source: String,
) {
    let h = hist
        .entry((kind.to_string(), normalized.to_string()))
        .or_default();
    h.0 += 1;
    h.1.insert(source);
}

pub(crate) fn jl(w: &mut dyn Write, v: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *w, v)?;
    w.write_all(b"\n")
}

/// A reader that hashes what passes through it (for files too large to hold).
struct Tee<'a, R: Read + ?Sized> {
    inner: &'a mut R,
    h: &'a mut peel_core::hash::Hasher,
}

impl<R: Read + ?Sized> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.h.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

/// What one file yields for every output.
struct FileOut {
    record: FileRecord,
    failed: bool,
    feat_error: Option<ErrorRecord>,
    execs: Vec<serde_json::Value>,
    features: Vec<FeatureRecord>,
    hits: Vec<Out>,
}

fn md5_sha256() -> HashSet {
    HashSet {
        md5: true,
        sha1: false,
        sha256: true,
    }
}

impl Engine<'_> {
    fn ctx<'c>(&'c self, ev: &'c Evidence, rules: &'c Compiled) -> Ctx<'c> {
        Ctx {
            ev,
            o: self.scan,
            rules,
            budget: self.budget,
        }
    }

    /// Everything about one entry from one read of its content.
    fn file(&self, wk: Option<&mut Worker<'_>>, ev: &Evidence, part: &Part, e: &Entry) -> FileOut {
        let mut out = FileOut {
            record: file_record(ev, part, e),
            failed: false,
            feat_error: None,
            execs: Vec::new(),
            features: Vec::new(),
            hits: Vec::new(),
        };
        if e.kind != EntryKind::File {
            return out;
        }
        let Some(fs) = &part.fs else { return out };
        let st = self.steps;
        let loc = part.entry_locator(e);
        let ctx = self.rules.map(|r| self.ctx(ev, r));
        let max_size = self.scan.max_size;
        let yara = ctx.is_some() && wk.is_some();
        if let Some(c) = &ctx
            && yara
            && e.size > max_size
        {
            out.hits.push(c.skip(
                &loc,
                e.size,
                format!("larger than --max-size {max_size}; not scanned"),
            ));
        }
        let mut c = match fs.open(e) {
            Ok(c) => c,
            Err(err) => {
                if st.files {
                    out.record.content_source = Some(
                        if e.deleted {
                            "unrecoverable"
                        } else {
                            "unreadable"
                        }
                        .into(),
                    );
                    out.record.content_error = Some(err.to_string());
                    out.failed = !e.deleted;
                }
                // Lost content of a deleted file is a fact, not an error.
                if !e.deleted {
                    if st.features {
                        out.feat_error =
                            Some(ErrorRecord::new(&ev.name, loc.clone(), err.to_string()));
                    }
                    if yara && e.size <= max_size {
                        out.hits.push(Out::Error(ErrorRecord::new(
                            &ev.name,
                            loc.clone(),
                            err.to_string(),
                        )));
                    }
                }
                return out;
            }
        };
        if st.files {
            out.record.content_source = Some(c.source.to_string());
        }
        let warning = c.warning.clone();
        let mut hasher = md5_sha256().hasher();
        // The files' verdict on what was read, as `peel ls --hash` gives it.
        let judge = |out: &mut FileOut, res: Result<(), String>, h: peel_core::hash::Hashes| {
            if !st.files {
                return;
            }
            match res {
                Ok(()) if warning.is_none() && h.len == e.size => out.record.hashes = h,
                Ok(()) => {
                    out.record.content_error = Some(
                        warning
                            .clone()
                            .unwrap_or_else(|| format!("read {} of {} bytes", h.len, e.size)),
                    );
                    out.failed = !e.deleted;
                }
                Err(m) => {
                    out.record.content_error = Some(m);
                    out.failed = !e.deleted;
                }
            }
        };
        if e.size > self.limits.max_object {
            // Too large to hold: hash and scan for features as the bytes stream past, once.
            let mut tee = Tee {
                inner: &mut c.reader,
                h: &mut hasher,
            };
            let mut res = Ok(());
            if st.features {
                let mut feats = Vec::new();
                let r = self.x.scan_reader(&mut tee, PAGE, &mut |f| {
                    let mut r = record(f, &loc, 0, "file", &ev.name);
                    r.deleted = e.deleted;
                    feats.push(r);
                });
                out.features = feats;
                if let Err(err) = r {
                    if !e.deleted {
                        out.feat_error = Some(ErrorRecord::new(
                            &ev.name,
                            loc.clone(),
                            format!("content unreadable: {err}"),
                        ));
                    }
                    res = Err(err.to_string());
                }
            }
            if res.is_ok()
                && st.files
                && let Err(err) = io::copy(&mut tee, &mut io::sink())
            {
                res = Err(err.to_string());
            }
            let h = hasher.finish();
            judge(&mut out, res, h);
            return out;
        }
        let mut data = Vec::with_capacity(e.size as usize);
        let read = (&mut c.reader)
            .take(self.limits.max_object + 1)
            .read_to_end(&mut data);
        let hashes = if st.files {
            hasher.update(&data);
            let h = hasher.finish();
            let pair = match (&h.md5, &h.sha256) {
                (Some(m), Some(s)) => Some((m.clone(), s.clone())),
                _ => None,
            };
            judge(
                &mut out,
                read.as_ref().map(|_| ()).map_err(|e| e.to_string()),
                h,
            );
            pair
        } else {
            None
        };
        if st.features {
            if let Err(err) = &read
                && !e.deleted
            {
                out.feat_error = Some(ErrorRecord::new(
                    &ev.name,
                    loc.clone(),
                    format!("content unreadable: {err}"),
                ));
            }
            let found = scan_object(self.x, self.limits, &data, &loc, e, &ev.name, &|_| true);
            if let Some((l, m)) = found.problem {
                out.feat_error = out.feat_error.or(Some(ErrorRecord::new(&ev.name, l, m)));
            }
            out.features = found.features;
            out.execs = found.execs;
        }
        if let (Some(ctx), Some(w)) = (&ctx, wk)
            && e.size <= max_size
        {
            match &read {
                Err(err) => {
                    if !e.deleted {
                        out.hits.push(Out::Error(ErrorRecord::new(
                            &ev.name,
                            loc.clone(),
                            format!("content unreadable: {err}"),
                        )));
                    }
                }
                Ok(_) => {
                    let cut = (data.len() as u64).min(max_size) as usize;
                    let bytes = data.get(..cut).unwrap_or_default();
                    let known = hashes.filter(|_| cut == data.len());
                    let kind = fs.kind();
                    let obj = Object {
                        locator: loc.clone(),
                        name: &e.name,
                        path: e.path.clone(),
                        windows_style: kind.starts_with("fat") || kind == "ntfs" || kind == "exfat",
                        owner: e.owner.uid.map(|u| u.to_string()).unwrap_or_default(),
                        deleted: e.deleted,
                        scope: "file",
                        depth: 0,
                    };
                    ctx.object_hashed(w, &obj, bytes, known, &mut out.hits);
                }
            }
        }
        out
    }
}

fn write_hits(sinks: &mut Sinks<'_>, t: &mut Tally, outs: Vec<Out>) -> io::Result<()> {
    for o in outs {
        match o {
            Out::Hit(h) => {
                t.hits += 1;
                jl(sinks.hits, &h)?;
            }
            Out::Error(e) => {
                t.error(&e);
                jl(sinks.hits, &e)?;
            }
            Out::Skip(s) => {
                t.skipped += 1;
                jl(sinks.hits, &s)?;
            }
        }
    }
    Ok(())
}

fn write_features(
    sinks: &mut Sinks<'_>,
    t: &mut Tally,
    all: &mut Collected,
    error: Option<ErrorRecord>,
    execs: Vec<serde_json::Value>,
    features: Vec<FeatureRecord>,
) -> io::Result<()> {
    if let Some(e) = error {
        t.error(&e);
        jl(sinks.features, &e)?;
    }
    for x in &execs {
        jl(sinks.features, x)?;
        match x.get("record").and_then(|r| r.as_str()) {
            Some("executable") => {
                t.executables += 1;
                jl(sinks.exec, x)?;
            }
            Some("message") => t.messages += 1,
            _ => t.exif += 1,
        }
    }
    for f in features {
        t.features += 1;
        let source = f
            .path
            .clone()
            .unwrap_or_else(|| format!("{} {}", f.scope, f.evidence));
        count_feature(&mut all.hist, &f.kind, &f.normalized, source);
        jl(sinks.features, &f)?;
    }
    Ok(())
}

/// Runs the pass over one opened evidence item.
pub(crate) fn run_item(
    eng: &Engine<'_>,
    ev: &Evidence,
    sinks: &mut Sinks<'_>,
    all: &mut Collected,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> io::Result<Tally> {
    let st = eng.steps;
    let mut t = Tally::default();
    let items = collect(
        ev,
        &Selection {
            recursive: true,
            ..Selection::default()
        },
    );
    // `peel scan` reports walk errors before any hit.
    if eng.rules.is_some() {
        for it in &items {
            if let Listed::Error(e) = it {
                jl(sinks.hits, e)?;
            }
        }
    }
    let ctx = eng.rules.map(|r| eng.ctx(ev, r));
    let guarded = |wk: Option<&mut Worker<'_>>, part: &Part, e: &Entry| -> FileOut {
        let mut wk = wk;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            eng.file(wk.as_deref_mut(), ev, part, e)
        })) {
            Ok(o) => o,
            Err(p) => {
                let mut record = file_record(ev, part, e);
                let msg = format!(
                    "internal error (a bug in peel) while reading: {}",
                    panic_text(&p)
                );
                record.content_error = Some(msg.clone());
                let loc = record.locator.clone();
                FileOut {
                    record,
                    failed: true,
                    feat_error: st
                        .features
                        .then(|| ErrorRecord::new(&ev.name, loc.clone(), msg.clone())),
                    execs: Vec::new(),
                    features: Vec::new(),
                    hits: if ctx.is_some() {
                        vec![Out::Error(ErrorRecord::new(&ev.name, loc, msg))]
                    } else {
                        Vec::new()
                    },
                }
            }
        }
    };
    // Results are written in evidence order while later entries are still being read; each
    // result travels with the entry it is for.
    ordered::run(
        &items,
        || eng.rules.map(|r| Worker::new(r, eng.timeout)),
        |wk, it| {
            let o = match it {
                Listed::Entry { part, entry } => {
                    let o = ev.parts.get(*part).map(|p| guarded(wk.as_mut(), p, entry));
                    on_bytes(if entry.kind == EntryKind::File {
                        entry.size
                    } else {
                        0
                    });
                    o
                }
                _ => None,
            };
            (it, o)
        },
        |(it, d): (&Listed, Option<FileOut>)| -> io::Result<()> {
            match (it, d) {
                (Listed::Entry { entry, .. }, Some(o)) => {
                    t.entries += 1;
                    if entry.kind == EntryKind::File {
                        t.files += 1;
                        t.content_bytes = t.content_bytes.saturating_add(entry.size);
                    }
                    if st.timeline {
                        all.events.extend(events_of(&o.record));
                    }
                    if st.files {
                        jl(sinks.files, &o.record)?;
                        if o.failed {
                            let rec = ErrorRecord::new(
                                &ev.name,
                                o.record.locator.clone(),
                                o.record.content_error.clone().unwrap_or_default(),
                            );
                            t.error(&rec);
                            jl(sinks.files, &rec)?;
                        }
                    }
                    if st.features {
                        write_features(sinks, &mut t, all, o.feat_error, o.execs, o.features)?;
                    }
                    write_hits(sinks, &mut t, o.hits)?;
                }
                (Listed::Error(e), _) => {
                    t.error(e);
                    if st.files {
                        jl(sinks.files, e)?;
                    }
                }
                _ => {}
            }
            Ok(())
        },
    )?;
    // Volumes without a file system: whole YARA objects (small) or feature pages.
    let src: Option<Arc<dyn Source>> = ev.source.clone();
    let regions = regions::plan(
        ev,
        Want {
            unallocated: true,
            ..Want::default()
        },
    )
    .map_err(io::Error::other)?;
    let volumes: Vec<usize> = regions
        .iter()
        .filter(|r| r.len <= eng.scan.max_size)
        .filter_map(|r| r.bare_volume)
        .collect();
    if let (Some(ctx), Some(rules)) = (&ctx, eng.rules) {
        let done: Vec<Vec<Out>> = volumes
            .par_iter()
            .map_init(
                || Worker::new(rules, eng.timeout),
                |wk, pi| ctx.volume(wk, *pi),
            )
            .collect();
        for outs in done {
            write_hits(sinks, &mut t, outs)?;
        }
    }
    if st.features
        && let Some(s) = &src
    {
        let mut slices = Vec::new();
        for (i, r) in regions.iter().enumerate() {
            slices.extend(regions::slices(r.len, regions::SLICE).map(|(a, n)| (i, a, n)));
        }
        ordered::run(
            &slices,
            || (),
            |_, (i, start, len)| {
                let r = regions.get(*i)?;
                let d = regions::scan_slice(
                    eng.x,
                    eng.limits,
                    &ev.name,
                    s.as_ref(),
                    r,
                    *start,
                    *len,
                    &|_| true,
                );
                on_bytes(*len);
                Some(d)
            },
            |d| -> io::Result<()> {
                if let Some(d) = d {
                    t.pages += 1;
                    write_features(sinks, &mut t, all, d.error, Vec::new(), d.features)?;
                }
                Ok(())
            },
        )?;
    }
    Ok(t)
}
