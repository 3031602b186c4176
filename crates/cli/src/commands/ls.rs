//! `peel ls`: list entries, allocated and deleted, with metadata and optional hashes.

use std::io::{self, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, bail};
use peel_core::HashSet;
use peel_core::sink::{Format, make_sink};
use peel_fs::evidence::Evidence;

use crate::args::ListFormat;
use crate::listing::{Listed, Selection, build_batch, collect, content_bytes, normalise_dir};
use crate::{Globals, Outcome, progress};

/// Options of `peel ls`.
pub struct LsOptions {
    pub path: Option<String>,
    pub recursive: bool,
    pub deleted_only: bool,
    pub allocated_only: bool,
    pub volume: Option<u32>,
    pub hash: Option<String>,
    pub format: Option<ListFormat>,
}

const BATCH: usize = 256;

pub fn run(evidence: &Path, o: &LsOptions, g: Globals) -> anyhow::Result<Outcome> {
    let set = match &o.hash {
        Some(h) => HashSet::parse_list(h)?,
        None => HashSet::default(),
    };
    let format = match o.format {
        Some(ListFormat::Table) => Format::Table,
        Some(ListFormat::Jsonl) => Format::Jsonl,
        Some(ListFormat::Csv) => Format::Csv,
        Some(ListFormat::Bodyfile) => Format::Bodyfile,
        None if io::stdout().is_terminal() => Format::Table,
        None => Format::Jsonl,
    };
    let ev =
        Evidence::open(evidence).with_context(|| format!("cannot open {}", evidence.display()))?;
    let sel = Selection {
        path: normalise_dir(o.path.as_deref()),
        recursive: o.recursive,
        deleted_only: o.deleted_only,
        allocated_only: o.allocated_only,
        volume: o.volume,
    };
    let items = collect(&ev, &sel);
    if !sel.path.is_empty() && !items.iter().any(|i| matches!(i, Listed::Entry { .. })) {
        bail!("no entries under `{}` in {}", sel.path, ev.name);
    }
    let total: u64 = if set.is_empty() {
        0
    } else {
        content_bytes(&items)
    };
    let pb = progress::bytes(g.progress && !set.is_empty(), total, "hashing");
    let stdout = io::stdout();
    let mut sink = make_sink(format, io::BufWriter::new(stdout.lock()));
    let mut stderr_lines: Vec<String> = Vec::new();
    let mut outcome = Outcome::Clean;
    let mut pending: Vec<(usize, &peel_fs::Entry)> = Vec::new();

    let flush = |pending: &mut Vec<(usize, &peel_fs::Entry)>,
                 sink: &mut Box<dyn peel_core::sink::Sink + '_>,
                 outcome: &mut Outcome|
     -> anyhow::Result<()> {
        let built = build_batch(&ev, pending, &set, &|n| pb.inc(n));
        for b in built {
            if b.failed {
                *outcome = Outcome::Findings;
                let msg = b.record.content_error.clone().unwrap_or_default();
                let rec =
                    peel_core::record::ErrorRecord::new(&ev.name, b.record.locator.clone(), msg);
                sink.file(&b.record)?;
                if !sink.error(&rec)? {
                    eprintln!("peel: error: {}: {}", rec.locator_text, rec.message);
                }
            } else {
                sink.file(&b.record)?;
            }
        }
        pending.clear();
        Ok(())
    };

    for item in &items {
        match item {
            Listed::Entry { part, entry } => {
                pending.push((*part, entry));
                if pending.len() >= BATCH {
                    flush(&mut pending, &mut sink, &mut outcome)?;
                }
            }
            Listed::Error(rec) => {
                flush(&mut pending, &mut sink, &mut outcome)?;
                outcome = Outcome::Findings;
                if !sink.error(rec)? {
                    stderr_lines.push(format!(
                        "peel: error: {}: {}",
                        rec.locator_text, rec.message
                    ));
                }
            }
            Listed::Note(n) => {
                if g.notes {
                    stderr_lines.push(format!("peel: note: {n}"));
                }
            }
        }
    }
    flush(&mut pending, &mut sink, &mut outcome)?;
    sink.finish()?;
    pb.finish_and_clear();
    let mut err = io::stderr().lock();
    for l in stderr_lines {
        let _ = writeln!(err, "{l}");
    }
    Ok(outcome)
}
