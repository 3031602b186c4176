//! `peel scan` and `peel rules`: YARA rules (compiled once) over every file of the evidence —
//! deleted files and zip members too — and, when asked, over unallocated or whole-source
//! regions in overlapping pages; hits written in evidence order.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Cursor, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use peel_core::record::{EntryKind, ErrorRecord, HitRecord, MatchRecord, SkipRecord};
use peel_core::{HashSet, Locator, Segment};
use peel_fs::Entry;
use peel_fs::evidence::{Evidence, Part};
use peel_image::{Source, read_exact_at};
use peel_scan::{Compiled, Define, Hit, ObjectVars, Page, Report, Worker, filetype};

use crate::args::ListFormat;
use crate::listing::{Listed, panic_text};
use crate::regions::{self, Want};
use crate::{Globals, Outcome, ordered, progress};

/// Bytes a raw-region page answers for.
pub const PAGE: u64 = 16 << 20;
/// Bytes each page reads past its end, so a match starting in the page and up to this long is
/// seen whole.
pub const OVERLAP: u64 = 1 << 20;
/// Bytes of decompressed zip members one run may produce in all.
pub(crate) const ARCHIVE_BUDGET: u64 = 16 << 30;

/// Where rules come from.
pub struct RuleOptions {
    /// Rule files or folders (none: the bundled set).
    pub rules: Vec<PathBuf>,
    /// A compiled-rules file instead.
    pub compiled: Option<PathBuf>,
    /// `NAME=VALUE` definitions.
    pub defines: Vec<String>,
    /// A rule file that fails to compile stops the run.
    pub strict: bool,
}

/// Options of `peel scan`.
pub struct ScanOptions {
    pub rules: RuleOptions,
    pub unallocated: bool,
    pub raw: bool,
    pub volume: Option<u32>,
    pub strings: bool,
    pub tags: Vec<String>,
    pub rule_names: Vec<String>,
    pub count: bool,
    pub timeout: Option<Duration>,
    pub max_size: u64,
    pub max_depth: usize,
    pub format: Option<ListFormat>,
}

fn report_problems(report: &Report, g: Globals) {
    let mut err = io::stderr().lock();
    for e in &report.errors {
        let _ = writeln!(err, "peel: error: rule {e}; rule skipped");
    }
    if g.notes {
        for w in &report.warnings {
            let _ = writeln!(err, "peel: warning: rule {w}");
        }
    }
}

/// Loads and compiles the rules as asked; compile problems go to stderr.
pub fn load_rules(o: &RuleOptions, g: Globals) -> anyhow::Result<(Compiled, Report)> {
    let defines = o
        .defines
        .iter()
        .map(|d| Define::parse(d))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(p) = &o.compiled {
        let bytes = std::fs::read(p)
            .with_context(|| format!("cannot read compiled rules {}", p.display()))?;
        let c = Compiled::from_bytes(&bytes, &defines)
            .with_context(|| format!("cannot load {}", p.display()))?;
        return Ok((c, Report::default()));
    }
    let sources = if o.rules.is_empty() {
        peel_scan::bundled()
    } else {
        peel_scan::collect_sources(&o.rules)?
    };
    let (c, report) = Compiled::build(&sources, &defines, o.strict)?;
    report_problems(&report, g);
    Ok((c, report))
}

/// `peel rules compile`.
pub fn compile(o: &RuleOptions, out: &Path, g: Globals) -> anyhow::Result<Outcome> {
    if out.exists() {
        bail!("{} exists; refusing to overwrite it", out.display());
    }
    let (c, report) = load_rules(o, g)?;
    let bytes = c.to_bytes()?;
    super::export::write_new(out, |f| f.write_all(&bytes))
        .with_context(|| format!("writing {}", out.display()))?;
    if g.notes {
        eprintln!(
            "peel: note: {} rules from {} file(s) compiled to {} ({} bytes, sha256 of sources {})",
            c.len(),
            report.files,
            out.display(),
            bytes.len(),
            c.digest
        );
    }
    Ok(if report.errors.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// `peel rules check`: compiles only; lists problems on stdout.
pub fn check(o: &RuleOptions, json: bool) -> anyhow::Result<Outcome> {
    let defines = o
        .defines
        .iter()
        .map(|d| Define::parse(d))
        .collect::<Result<Vec<_>, _>>()?;
    let sources = if o.rules.is_empty() {
        peel_scan::bundled()
    } else {
        peel_scan::collect_sources(&o.rules)?
    };
    let (c, report) = Compiled::build(&sources, &defines, false)?;
    let mut out = io::stdout().lock();
    if json {
        let v = serde_json::json!({
            "files": report.files,
            "failed_files": report.failed_files,
            "rules": c.len(),
            "sha256": c.digest,
            "errors": report.errors,
            "warnings": report.warnings,
        });
        writeln!(out, "{v}")?;
    } else {
        for e in &report.errors {
            writeln!(out, "error: {e}")?;
        }
        for w in &report.warnings {
            writeln!(out, "warning: {w}")?;
        }
        writeln!(
            out,
            "{} rule(s) from {} file(s); {} file(s) with errors, {} error(s), {} warning(s)",
            c.len(),
            report.files,
            report.failed_files,
            report.errors.len(),
            report.warnings.len()
        )?;
    }
    Ok(if report.errors.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

enum Job<'a> {
    File {
        part: usize,
        entry: &'a Entry,
    },
    /// A volume with no recognised file system, small enough to scan as one object.
    Volume {
        part: usize,
    },
    Page {
        region: usize,
        start: u64,
    },
}

pub(crate) enum Out {
    Hit(Box<HitRecord>),
    Error(ErrorRecord),
    Skip(SkipRecord),
}

/// What one object is called, for the rules' variables and the records.
pub(crate) struct Object<'a> {
    pub(crate) locator: Locator,
    pub(crate) name: &'a str,
    /// Path of the object in its file system (or archive path), `/`-separated.
    pub(crate) path: String,
    pub(crate) windows_style: bool,
    pub(crate) owner: String,
    pub(crate) deleted: bool,
    pub(crate) scope: &'static str,
    pub(crate) depth: usize,
}

fn vars_for(obj: &Object<'_>, data: &[u8], hashes: Option<&(String, String)>) -> ObjectVars {
    let dir = obj.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let filepath = if obj.windows_style {
        format!("\\{}", dir.replace('/', "\\"))
    } else {
        format!("/{dir}")
    };
    let extension = obj
        .name
        .rsplit_once('.')
        .filter(|(stem, _)| !stem.is_empty())
        .map(|(_, e)| format!(".{}", e.to_lowercase()))
        .unwrap_or_default();
    ObjectVars {
        filename: obj.name.to_string(),
        filepath,
        extension,
        filetype: filetype::detect(data).to_string(),
        owner: obj.owner.clone(),
        md5: hashes.map(|h| h.0.clone()).unwrap_or_default(),
        sha256: hashes.map(|h| h.1.clone()).unwrap_or_default(),
    }
}

fn hash_pair(data: &[u8]) -> (String, String) {
    let mut h = HashSet::parse_list("md5,sha256")
        .map(|s| s.hasher())
        .unwrap_or_else(|_| HashSet::default().hasher());
    h.update(data);
    let r = h.finish();
    (r.md5.unwrap_or_default(), r.sha256.unwrap_or_default())
}

pub(crate) struct Ctx<'a> {
    pub(crate) ev: &'a Evidence,
    pub(crate) o: &'a ScanOptions,
    pub(crate) rules: &'a Compiled,
    pub(crate) budget: &'a AtomicU64,
}

impl Ctx<'_> {
    pub(crate) fn keep(&self, h: &Hit) -> bool {
        let by_rule = self.o.rule_names.is_empty()
            || self
                .o
                .rule_names
                .iter()
                .any(|r| *r == h.rule || *r == format!("{}:{}", h.namespace, h.rule));
        let by_tag = self.o.tags.is_empty() || h.tags.iter().any(|t| self.o.tags.contains(t));
        by_rule && by_tag
    }

    pub(crate) fn skip(&self, loc: &Locator, size: u64, reason: String) -> Out {
        Out::Skip(SkipRecord {
            record: "skipped",
            locator_text: loc.to_string(),
            locator: loc.clone(),
            evidence: self.ev.name.clone(),
            size,
            reason,
        })
    }

    /// Scans one whole object, then the members of it if it is a zip archive.
    /// A volume with no recognised file system, small enough to be one object: read whole
    /// and scanned as `raw` (a whole-file evidence item is named as the file it is).
    pub(crate) fn volume(&self, wk: &mut Worker<'_>, part: usize) -> Vec<Out> {
        let ev = self.ev;
        let (Some(p), Some(s)) = (ev.parts.get(part), ev.source.as_ref()) else {
            return Vec::new();
        };
        let Some(v) = &p.volume else {
            return Vec::new();
        };
        let mut buf = vec![0u8; v.length as usize];
        if let Err(e) = read_exact_at(s.as_ref(), &mut buf, v.offset, "volume") {
            return vec![Out::Error(ErrorRecord::new(
                &ev.name,
                p.locator.clone(),
                e.to_string(),
            ))];
        }
        let whole = ev.parts.len() == 1 && v.offset == 0;
        let name = if whole {
            ev.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        } else {
            String::new()
        };
        let obj = Object {
            locator: p.locator.clone(),
            name: &name,
            path: String::new(),
            windows_style: false,
            owner: String::new(),
            deleted: false,
            scope: "raw",
            depth: 0,
        };
        let mut out = Vec::new();
        self.object(wk, &obj, &buf, &mut out);
        out
    }

    fn object(&self, w: &mut Worker<'_>, obj: &Object<'_>, data: &[u8], out: &mut Vec<Out>) {
        self.object_hashed(w, obj, data, None, out);
    }

    /// As `object`, with the MD5 and SHA-256 of `data` already known (computed by the caller
    /// in the same pass), so they are not computed again.
    pub(crate) fn object_hashed(
        &self,
        w: &mut Worker<'_>,
        obj: &Object<'_>,
        data: &[u8],
        known: Option<(String, String)>,
        out: &mut Vec<Out>,
    ) {
        let mut hashes = known.or_else(|| self.rules.wants_hashes().then(|| hash_pair(data)));
        let vars = vars_for(obj, data, hashes.as_ref());
        match w.scan(data, &vars, self.o.strings) {
            Ok(hits) => {
                let hits: Vec<Hit> = hits.into_iter().filter(|h| self.keep(h)).collect();
                if !hits.is_empty() && hashes.is_none() {
                    hashes = Some(hash_pair(data));
                }
                for h in hits {
                    out.push(Out::Hit(Box::new(self.hit_record(
                        h,
                        obj,
                        data.len() as u64,
                        &vars.filetype,
                        hashes.as_ref(),
                        None,
                    ))));
                }
            }
            Err(e) => out.push(Out::Error(ErrorRecord::new(
                &self.ev.name,
                obj.locator.clone(),
                e.to_string(),
            ))),
        }
        if data.starts_with(b"PK\x03\x04") {
            self.members(w, obj, data, out);
        }
    }

    fn members(&self, w: &mut Worker<'_>, obj: &Object<'_>, data: &[u8], out: &mut Vec<Out>) {
        if obj.depth >= self.o.max_depth {
            out.push(self.skip(
                &obj.locator,
                data.len() as u64,
                format!(
                    "zip archive nested deeper than {} layers; members not scanned",
                    self.o.max_depth
                ),
            ));
            return;
        }
        let mut ar = match zip::ZipArchive::new(Cursor::new(data)) {
            Ok(a) => a,
            Err(e) => {
                out.push(Out::Error(ErrorRecord::new(
                    &self.ev.name,
                    obj.locator.clone(),
                    format!("zip archive unreadable: {e}"),
                )));
                return;
            }
        };
        for i in 0..ar.len() {
            let mut f = match ar.by_index(i) {
                Ok(f) if f.is_file() => f,
                Ok(_) => continue,
                Err(e) => {
                    let loc = obj.locator.clone().with(Segment::Zip {
                        member: format!("#{i}"),
                    });
                    out.push(Out::Error(ErrorRecord::new(
                        &self.ev.name,
                        loc,
                        format!("zip member unreadable: {e}"),
                    )));
                    continue;
                }
            };
            let member = f
                .name()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| format!("#{i}"));
            let loc = obj.locator.clone().with(Segment::Zip {
                member: member.clone(),
            });
            if f.size() > self.o.max_size {
                out.push(self.skip(
                    &loc,
                    f.size(),
                    format!(
                        "declares {} bytes, more than --max-size {}; not scanned",
                        f.size(),
                        self.o.max_size
                    ),
                ));
                continue;
            }
            let mut bytes = Vec::new();
            let res = (&mut f).take(self.o.max_size + 1).read_to_end(&mut bytes);
            let taken = self
                .budget
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                    b.checked_sub(bytes.len() as u64)
                })
                .is_ok();
            if !taken {
                out.push(self.skip(
                    &loc,
                    f.size(),
                    "the run's budget for decompressed archive members is exhausted; not scanned"
                        .into(),
                ));
                return;
            }
            if let Err(e) = res {
                out.push(Out::Error(ErrorRecord::new(
                    &self.ev.name,
                    loc,
                    format!("zip member unreadable: {e}"),
                )));
                continue;
            }
            if bytes.len() as u64 > self.o.max_size {
                out.push(self.skip(
                    &loc,
                    f.size(),
                    format!(
                        "expands beyond --max-size {} (zip bomb?); not scanned",
                        self.o.max_size
                    ),
                ));
                continue;
            }
            let name = member.rsplit('/').next().unwrap_or(&member);
            let inner = Object {
                locator: loc,
                name,
                path: format!("{}/{}", obj.path, member),
                windows_style: obj.windows_style,
                owner: obj.owner.clone(),
                deleted: obj.deleted,
                scope: "member",
                depth: obj.depth + 1,
            };
            self.object(w, &inner, &bytes, out);
        }
    }

    pub(crate) fn hit_record(
        &self,
        h: Hit,
        obj: &Object<'_>,
        size: u64,
        filetype: &str,
        hashes: Option<&(String, String)>,
        evidence_base: Option<u64>,
    ) -> HitRecord {
        HitRecord {
            record: "hit",
            rule: h.rule,
            namespace: h.namespace,
            tags: h.tags,
            meta: h.meta,
            matches: h
                .matches
                .into_iter()
                .map(|m| MatchRecord {
                    pattern: m.pattern,
                    offset: m.offset,
                    length: m.length,
                    evidence_offset: evidence_base.map(|b| b + m.offset),
                    data: m.data,
                })
                .collect(),
            locator_text: obj.locator.to_string(),
            locator: obj.locator.clone(),
            evidence: self.ev.name.clone(),
            path: (!obj.path.is_empty()).then(|| obj.path.clone()),
            deleted: obj.deleted,
            scope: obj.scope,
            size,
            filetype: filetype.to_string(),
            md5: hashes.map(|h| h.0.clone()),
            sha256: hashes.map(|h| h.1.clone()),
        }
    }

    fn file(&self, w: &mut Worker<'_>, p: &Part, entry: &Entry) -> Vec<Out> {
        let mut out = Vec::new();
        let loc = p.entry_locator(entry);
        let Some(fs) = &p.fs else { return out };
        if entry.size > self.o.max_size {
            out.push(self.skip(
                &loc,
                entry.size,
                format!("larger than --max-size {}; not scanned", self.o.max_size),
            ));
            return out;
        }
        let mut c = match fs.open(entry) {
            Ok(c) => c,
            Err(e) => {
                // Lost content of a deleted file is a fact, not an error.
                if !entry.deleted {
                    out.push(Out::Error(ErrorRecord::new(
                        &self.ev.name,
                        loc,
                        e.to_string(),
                    )));
                }
                return out;
            }
        };
        let mut data = Vec::with_capacity(entry.size as usize);
        if let Err(e) = (&mut c.reader).take(self.o.max_size).read_to_end(&mut data) {
            if !entry.deleted {
                out.push(Out::Error(ErrorRecord::new(
                    &self.ev.name,
                    loc,
                    format!("content unreadable: {e}"),
                )));
            }
            return out;
        }
        let kind = fs.kind();
        let obj = Object {
            locator: loc,
            name: &entry.name,
            path: entry.path.clone(),
            windows_style: kind.starts_with("fat") || kind == "ntfs" || kind == "exfat",
            owner: entry.owner.uid.map(|u| u.to_string()).unwrap_or_default(),
            deleted: entry.deleted,
            scope: "file",
            depth: 0,
        };
        self.object(w, &obj, &data, &mut out);
        out
    }
}

pub fn run(evidence: &[PathBuf], o: &ScanOptions, g: Globals) -> anyhow::Result<Outcome> {
    let format = match o.format {
        Some(ListFormat::Bodyfile) => bail!("hits have no bodyfile form; use jsonl, csv or table"),
        Some(f) => f,
        None if io::stdout().is_terminal() => ListFormat::Table,
        None => ListFormat::Jsonl,
    };
    let (rules, report) = load_rules(&o.rules, g)?;
    let mut outcome = if report.errors.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    };
    let stdout = io::stdout();
    let mut w = io::BufWriter::new(stdout.lock());
    let mut csv_head = false;
    let mut counts: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let budget = AtomicU64::new(ARCHIVE_BUDGET);
    if format == ListFormat::Table && !o.count {
        writeln!(
            w,
            "{:<32} {:<20} {:>7} locator",
            "rule", "namespace", "matches"
        )?;
    }
    for path in evidence {
        let ev = match Evidence::open(path) {
            Ok(ev) => ev,
            Err(e) => {
                outcome = Outcome::Findings;
                let name = path.display().to_string();
                let rec = ErrorRecord::new(
                    &name,
                    Locator::evidence(name.clone()),
                    format!("cannot open: {e}"),
                );
                emit_error(&mut w, format, &rec)?;
                continue;
            }
        };
        let ctx = Ctx {
            ev: &ev,
            o,
            rules: &rules,
            budget: &budget,
        };
        let src: Option<Arc<dyn Source>> = ev.source.clone();
        let want = Want {
            raw: o.raw,
            volume: o.volume,
            unallocated: o.unallocated,
        };
        let regions = regions::plan(&ev, want).with_context(|| ev.name.clone())?;
        let items = regions::entries(&ev, want);
        let mut file_jobs = Vec::new();
        for it in &items {
            match it {
                Listed::Entry { part, entry } if entry.kind == EntryKind::File => {
                    file_jobs.push(Job::File { part: *part, entry })
                }
                Listed::Entry { .. } => {}
                Listed::Error(e) => {
                    outcome = Outcome::Findings;
                    emit_error(&mut w, format, e)?;
                }
                Listed::Note(n) => {
                    if g.notes {
                        eprintln!("peel: note: {n}");
                    }
                }
            }
        }
        let mut jobs = file_jobs;
        for (i, r) in regions.iter().enumerate() {
            // No file system: the volume's bytes are the object, when small enough.
            match r.bare_volume {
                Some(part) if r.len <= o.max_size => jobs.push(Job::Volume { part }),
                _ => jobs.extend(
                    regions::slices(r.len, PAGE).map(|(start, _)| Job::Page { region: i, start }),
                ),
            }
        }
        let size_of = |j: &Job<'_>| match j {
            Job::File { entry, .. } => entry.size,
            Job::Volume { part } => ev
                .parts
                .get(*part)
                .and_then(|p| p.volume.as_ref())
                .map(|v| v.length)
                .unwrap_or(0),
            Job::Page { region, start } => regions
                .get(*region)
                .map(|r| (r.len - start).min(PAGE))
                .unwrap_or(0),
        };
        let total: u64 = jobs.iter().map(size_of).fold(0, u64::saturating_add);
        let pb = progress::bytes(g.progress, total, &format!("scan {}", ev.name));

        let run_job = |wk: &mut Worker<'_>, job: &Job<'_>| -> Vec<Out> {
            match job {
                Job::File { part, entry } => match ev.parts.get(*part) {
                    Some(p) => ctx.file(wk, p, entry),
                    None => Vec::new(),
                },
                Job::Volume { part } => ctx.volume(wk, *part),
                Job::Page { region, start } => {
                    let (Some(r), Some(s)) = (regions.get(*region), src.as_ref()) else {
                        return Vec::new();
                    };
                    let to = (start + PAGE + OVERLAP).min(r.len);
                    let mut buf = vec![0u8; (to - start) as usize];
                    let page_loc = r.locator.clone().with(Segment::Offset {
                        offset: r.stream_offset + start,
                    });
                    if let Err(e) =
                        read_exact_at(s.as_ref(), &mut buf, r.evidence_offset + start, "region")
                    {
                        return vec![Out::Error(ErrorRecord::new(
                            &ev.name,
                            page_loc,
                            e.to_string(),
                        ))];
                    }
                    let own_to = (start + PAGE).min(r.len);
                    let page = Page {
                        base: r.stream_offset + start,
                        own_from: r.stream_offset + start,
                        own_to: r.stream_offset + own_to,
                        first: *start == 0,
                    };
                    let res = wk.scan_page(&buf, &page, &ObjectVars::default(), o.strings);
                    match res {
                        Ok(hits) => hits
                            .into_iter()
                            .filter(|h| ctx.keep(h))
                            .map(|h| {
                                let first = h
                                    .matches
                                    .first()
                                    .map(|m| m.offset)
                                    .unwrap_or(r.stream_offset + start);
                                let obj = Object {
                                    locator: r
                                        .locator
                                        .clone()
                                        .with(Segment::Offset { offset: first }),
                                    name: "",
                                    path: String::new(),
                                    windows_style: false,
                                    owner: String::new(),
                                    deleted: false,
                                    scope: r.scope,
                                    depth: 0,
                                };
                                let base = r.evidence_offset.checked_sub(r.stream_offset);
                                Out::Hit(Box::new(ctx.hit_record(
                                    h,
                                    &obj,
                                    buf.len() as u64,
                                    "",
                                    None,
                                    base,
                                )))
                            })
                            .collect(),
                        Err(e) => vec![Out::Error(ErrorRecord::new(
                            &ev.name,
                            page_loc,
                            e.to_string(),
                        ))],
                    }
                }
            }
        };
        let guarded = |wk: &mut Worker<'_>, job: &Job<'_>| -> Vec<Out> {
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_job(wk, job))) {
                Ok(v) => v,
                Err(p) => {
                    let loc = match job {
                        Job::File { part, entry } => ev
                            .parts
                            .get(*part)
                            .map(|pt| pt.entry_locator(entry))
                            .unwrap_or_else(|| Locator::evidence(ev.name.clone())),
                        _ => Locator::evidence(ev.name.clone()),
                    };
                    vec![Out::Error(ErrorRecord::new(
                        &ev.name,
                        loc,
                        format!("internal error (bug) while scanning: {}", panic_text(&p)),
                    ))]
                }
            }
        };
        // One scanner per worker thread (a scanner over thousands of rules is not free);
        // results are written in job order while later jobs are scanned.
        ordered::run(
            &jobs,
            || Worker::new(&rules, o.timeout),
            |wk, job| {
                let r = guarded(wk, job);
                pb.inc(size_of(job));
                r
            },
            |outs: Vec<Out>| -> anyhow::Result<()> {
                for out in outs {
                    match out {
                        Out::Error(e) => {
                            outcome = Outcome::Findings;
                            emit_error(&mut w, format, &e)?;
                        }
                        Out::Skip(s) => {
                            if format == ListFormat::Jsonl && !o.count {
                                serde_json::to_writer(&mut w, &s)?;
                                w.write_all(b"\n")?;
                            } else if g.notes {
                                eprintln!("peel: note: {}: {}", s.locator_text, s.reason);
                            }
                        }
                        Out::Hit(h) => {
                            outcome = Outcome::Findings;
                            if o.count {
                                counts
                                    .entry((h.namespace.clone(), h.rule.clone()))
                                    .or_default()
                                    .insert(h.locator_text.clone());
                                continue;
                            }
                            emit_hit(&mut w, format, &h, &mut csv_head)?;
                        }
                    }
                }
                Ok(())
            },
        )?;
        pb.finish_and_clear();
    }
    if o.count {
        match format {
            ListFormat::Jsonl => {
                for ((ns, rule), objs) in &counts {
                    let v = serde_json::json!({
                        "record": "count", "namespace": ns, "rule": rule, "objects": objs.len()
                    });
                    writeln!(w, "{v}")?;
                }
            }
            ListFormat::Csv => {
                w.write_all(b"namespace,rule,objects\n")?;
                for ((ns, rule), objs) in &counts {
                    w.write_all(&csv_row(&[
                        ns.clone(),
                        rule.clone(),
                        objs.len().to_string(),
                    ])?)?;
                }
            }
            _ => {
                writeln!(w, "{:>7} {:<20} rule", "objects", "namespace")?;
                for ((ns, rule), objs) in &counts {
                    writeln!(w, "{:>7} {:<20} {rule}", objs.len(), ns)?;
                }
            }
        }
    }
    w.flush()?;
    Ok(outcome)
}

fn csv_row(fields: &[String]) -> anyhow::Result<Vec<u8>> {
    let mut c = csv::Writer::from_writer(Vec::new());
    c.write_record(fields)?;
    c.into_inner().map_err(|e| anyhow!("csv: {e}"))
}

fn emit_error(w: &mut impl Write, format: ListFormat, e: &ErrorRecord) -> anyhow::Result<()> {
    if format == ListFormat::Jsonl {
        serde_json::to_writer(&mut *w, e)?;
        w.write_all(b"\n")?;
    } else {
        eprintln!("peel: error: {}: {}", e.locator_text, e.message);
    }
    Ok(())
}

fn emit_hit(
    w: &mut impl Write,
    format: ListFormat,
    h: &HitRecord,
    csv_head: &mut bool,
) -> anyhow::Result<()> {
    match format {
        ListFormat::Jsonl => {
            serde_json::to_writer(&mut *w, h)?;
            w.write_all(b"\n")?;
        }
        ListFormat::Csv => {
            if !*csv_head {
                *csv_head = true;
                let head = [
                    "rule",
                    "namespace",
                    "tags",
                    "score",
                    "locator",
                    "path",
                    "deleted",
                    "scope",
                    "size",
                    "md5",
                    "sha256",
                    "matches",
                ];
                w.write_all(&csv_row(&head.map(String::from))?)?;
            }
            let matches: Vec<String> = h
                .matches
                .iter()
                .map(|m| match &m.data {
                    Some(d) => format!("{}@{}:{}", m.pattern, m.offset, d),
                    None => format!("{}@{}", m.pattern, m.offset),
                })
                .collect();
            let row = [
                h.rule.clone(),
                h.namespace.clone(),
                h.tags.join(" "),
                h.meta
                    .get("score")
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                h.locator_text.clone(),
                h.path.clone().unwrap_or_default(),
                h.deleted.to_string(),
                h.scope.to_string(),
                h.size.to_string(),
                h.md5.clone().unwrap_or_default(),
                h.sha256.clone().unwrap_or_default(),
                matches.join(";"),
            ];
            w.write_all(&csv_row(&row)?)?;
        }
        _ => {
            writeln!(
                w,
                "{:<32} {:<20} {:>7} {}",
                h.rule,
                h.namespace,
                h.matches.len(),
                peel_core::sink::escape_for_terminal(&h.locator_text)
            )?;
            for m in h.matches.iter().filter(|m| m.data.is_some()) {
                writeln!(
                    w,
                    "    0x{:x}:{}: {}",
                    m.offset,
                    m.pattern,
                    m.data.as_deref().unwrap_or("")
                )?;
            }
        }
    }
    Ok(())
}
