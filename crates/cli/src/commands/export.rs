//! `peel export`: copy files out of the evidence into a new folder, never overwriting, with a
//! `sha256sum`-checkable hash list and a JSONL manifest of locators.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use peel_core::HashSet;
use peel_core::record::{EntryKind, ErrorRecord, FileRecord};
use peel_fs::Entry;
use peel_fs::evidence::{Evidence, Part};
use serde::Serialize;

use crate::listing::{Listed, Selection, collect, content_bytes, file_record, normalise_dir};
use crate::{Globals, Outcome, progress};

/// Options of `peel export`.
pub struct ExportOptions {
    pub path: Option<String>,
    pub deleted_only: bool,
    pub allocated_only: bool,
    pub volume: Option<u32>,
}

#[derive(Serialize)]
struct Exported<'a> {
    #[serde(flatten)]
    record: &'a FileRecord,
    /// Where the file was written, relative to the export folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<String>,
}

/// Turns an in-evidence path into a safe relative path: no `..`, no root, no empty or
/// control-character components.
fn safe_rel(path: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in path.split('/') {
        let c: String = comp
            .chars()
            .map(|ch| {
                if ch.is_control() || ch == '\\' {
                    '_'
                } else {
                    ch
                }
            })
            .collect();
        if c.is_empty() || c == "." || c == ".." {
            continue;
        }
        out.push(c);
    }
    out
}

fn part_dir(part: &Part) -> String {
    match &part.volume {
        Some(v) if v.index > 0 => format!("vol{}", v.index),
        _ => "root".to_string(),
    }
}

/// Writes `data` to `dest` through a temporary file renamed into place; fails if `dest` exists.
pub(crate) fn write_new(
    dest: &Path,
    copy: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> anyhow::Result<()> {
    let dir = dest.parent().context("output path has no parent")?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    copy(tmp.as_file_mut())?;
    tmp.as_file_mut().flush()?;
    tmp.persist_noclobber(dest).map_err(|e| e.error)?;
    Ok(())
}

fn is_empty_dir(p: &Path) -> io::Result<bool> {
    Ok(fs::read_dir(p)?.next().is_none())
}

pub fn run(evidence: &Path, out: &Path, o: &ExportOptions, g: Globals) -> anyhow::Result<Outcome> {
    if out.exists() && !(out.is_dir() && is_empty_dir(out)?) {
        bail!(
            "{} exists and is not an empty folder; refusing to overwrite anything",
            out.display()
        );
    }
    let ev =
        Evidence::open(evidence).with_context(|| format!("cannot open {}", evidence.display()))?;
    if ev.source.is_none() {
        let src = fs::canonicalize(evidence)?;
        let dst_parent = fs::canonicalize(
            out.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        )?;
        if dst_parent.starts_with(&src) {
            bail!(
                "the output folder lies inside the evidence folder {}; choose another",
                src.display()
            );
        }
    }
    let sel = Selection {
        path: normalise_dir(o.path.as_deref()),
        recursive: true,
        deleted_only: o.deleted_only,
        allocated_only: o.allocated_only,
        volume: o.volume,
    };
    let items = collect(&ev, &sel);
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let total: u64 = content_bytes(&items);
    let pb = progress::bytes(g.progress, total, "exporting");
    let set = HashSet {
        md5: true,
        sha1: false,
        sha256: true,
    };
    let mut manifest = Vec::new();
    let mut hashes = String::new();
    let mut outcome = Outcome::Clean;
    let mut used = std::collections::HashSet::new();
    let mut exported = 0u64;
    let mut err = io::stderr().lock();
    for item in &items {
        let (pi, e): (usize, &Entry) = match item {
            Listed::Entry { part, entry } => (*part, entry),
            Listed::Error(rec) => {
                outcome = Outcome::Findings;
                writeln!(err, "peel: error: {}: {}", rec.locator_text, rec.message)?;
                serde_json::to_writer(&mut manifest, rec)?;
                manifest.push(b'\n');
                continue;
            }
            Listed::Note(n) => {
                if g.notes {
                    writeln!(err, "peel: note: {n}")?;
                }
                continue;
            }
        };
        if e.kind != EntryKind::File {
            continue;
        }
        let part = &ev.parts[pi];
        let mut rec = file_record(&ev, part, e);
        let mut rel = PathBuf::from(part_dir(part)).join(safe_rel(&e.path));
        if !used.insert(rel.clone()) || rel.as_os_str().is_empty() {
            let name = rel
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            rel.set_file_name(format!("{name}~{}", e.addr.unwrap_or(0)));
            used.insert(rel.clone());
        }
        let dest = out.join(&rel);
        if let Some(d) = dest.parent() {
            fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
        }
        let Some(fsys) = &part.fs else { continue };
        let mut written = None;
        match fsys.open(e) {
            Ok(mut c) => {
                let mut h = set.hasher();
                let res = write_new(&dest, |f| {
                    let mut buf = vec![0u8; 1 << 20];
                    loop {
                        let n = match c.reader.read(&mut buf) {
                            Ok(0) => break,
                            Ok(n) => n,
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                            Err(e) => return Err(e),
                        };
                        h.update(&buf[..n]);
                        f.write_all(&buf[..n])?;
                    }
                    Ok(())
                });
                rec.content_source = Some(c.source.to_string());
                match res {
                    Ok(()) => {
                        let hs = h.finish();
                        if hs.len == e.size && c.warning.is_none() {
                            hashes.push_str(&format!(
                                "{}  {}\n",
                                hs.sha256.as_deref().unwrap_or(""),
                                rel.to_string_lossy()
                            ));
                            rec.hashes = hs;
                        } else {
                            rec.content_error = Some(c.warning.unwrap_or_else(|| {
                                format!(
                                    "only {} of {} bytes readable; partial copy written",
                                    hs.len, e.size
                                )
                            }));
                        }
                        if let Some(m) = e.times.modified {
                            let t = std::time::UNIX_EPOCH
                                + std::time::Duration::new(m.secs.max(0) as u64, m.nanos);
                            if let Ok(f) = fs::File::options().write(true).open(&dest) {
                                let _ = f.set_modified(t);
                            }
                        }
                        written = Some(rel.to_string_lossy().into_owned());
                        exported += 1;
                    }
                    Err(x) => {
                        rec.content_error = Some(format!("{x:#}"));
                    }
                }
            }
            Err(x) => {
                rec.content_source = Some(
                    if e.deleted {
                        "unrecoverable"
                    } else {
                        "unreadable"
                    }
                    .into(),
                );
                rec.content_error = Some(x.to_string());
            }
        }
        pb.inc(e.size);
        if let Some(ce) = &rec.content_error {
            if e.deleted {
                if g.notes {
                    writeln!(err, "peel: note: {}: {ce}", rec.locator_text)?;
                }
            } else {
                outcome = Outcome::Findings;
                let er = ErrorRecord::new(&ev.name, rec.locator.clone(), ce.clone());
                writeln!(err, "peel: error: {}: {}", er.locator_text, er.message)?;
            }
        }
        serde_json::to_writer(
            &mut manifest,
            &Exported {
                record: &rec,
                output: written,
            },
        )?;
        manifest.push(b'\n');
    }
    pb.finish_and_clear();
    write_new(&out.join("export.jsonl"), |f| f.write_all(&manifest))?;
    write_new(&out.join("hashes.sha256"), |f| {
        f.write_all(hashes.as_bytes())
    })?;
    if g.notes {
        writeln!(err, "peel: exported {exported} files to {}", out.display())?;
    }
    Ok(outcome)
}
