//! `peel unalloc`: the unallocated space of each file system, and unpartitioned space, as
//! regions with locators; `--raw` writes their bytes.

use std::io::{self, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, bail};
use peel_core::Segment;
use peel_core::record::RegionRecord;
use peel_fs::evidence::Evidence;
use peel_image::read_exact_at;

use crate::args::ListFormat;
use crate::{Globals, Outcome};

pub fn run(
    evidence: &Path,
    volume: Option<u32>,
    raw: bool,
    format: Option<ListFormat>,
    g: Globals,
) -> anyhow::Result<Outcome> {
    let ev =
        Evidence::open(evidence).with_context(|| format!("cannot open {}", evidence.display()))?;
    let Some(src) = ev.source.clone() else {
        bail!(
            "{} is a folder: it has no unallocated space to list",
            ev.name
        );
    };
    let mut regions: Vec<RegionRecord> = Vec::new();
    let mut outcome = Outcome::Clean;
    for part in &ev.parts {
        let Some(v) = &part.volume else { continue };
        if volume.is_some_and(|w| w != v.index) {
            continue;
        }
        let Some(fs) = &part.fs else { continue };
        let Some(runs) = fs.unallocated() else {
            if g.notes {
                eprintln!(
                    "peel: note: {}: {} cannot tell its free space",
                    part.locator,
                    fs.kind()
                );
            }
            continue;
        };
        for (off, len) in runs {
            let locator = part.fs_locator().with(Segment::Offset { offset: off });
            regions.push(RegionRecord {
                record: "region",
                kind: "unallocated",
                locator_text: locator.to_string(),
                locator,
                evidence: ev.name.clone(),
                volume: part.volume_ref(),
                fs: Some(fs.kind().to_string()),
                offset: off,
                evidence_offset: v.offset + off,
                length: len,
            });
        }
    }
    if volume.is_none()
        && let Some(t) = &ev.table
        && t.scheme != peel_image::volumes::Scheme::None
    {
        for gap in &t.unallocated {
            let locator = peel_core::Locator::evidence(ev.name.clone())
                .with(Segment::Offset { offset: gap.offset });
            regions.push(RegionRecord {
                record: "region",
                kind: "unpartitioned",
                locator_text: locator.to_string(),
                locator,
                evidence: ev.name.clone(),
                volume: None,
                fs: None,
                offset: gap.offset,
                evidence_offset: gap.offset,
                length: gap.length,
            });
        }
    }
    let out = io::stdout();
    let mut w = io::BufWriter::new(out.lock());
    if raw {
        let mut buf = vec![0u8; 1 << 20];
        for r in &regions {
            let mut done = 0u64;
            while done < r.length {
                let n = (r.length - done).min(buf.len() as u64) as usize;
                let chunk = &mut buf[..n];
                if let Err(e) =
                    read_exact_at(src.as_ref(), chunk, r.evidence_offset + done, "region")
                {
                    eprintln!("peel: error: {}: {e}", r.locator_text);
                    outcome = Outcome::Findings;
                    break;
                }
                w.write_all(chunk)?;
                done += n as u64;
            }
        }
        w.flush()?;
        return Ok(outcome);
    }
    let format = match format {
        Some(f) => f,
        None if io::stdout().is_terminal() => ListFormat::Table,
        None => ListFormat::Jsonl,
    };
    match format {
        ListFormat::Jsonl => {
            for r in &regions {
                serde_json::to_writer(&mut w, r)?;
                w.write_all(b"\n")?;
            }
        }
        ListFormat::Csv => {
            let mut c = csv::Writer::from_writer(&mut w);
            c.write_record([
                "kind",
                "locator",
                "evidence",
                "volume",
                "fs",
                "offset",
                "evidence_offset",
                "length",
            ])?;
            for r in &regions {
                c.write_record([
                    r.kind.to_string(),
                    r.locator_text.clone(),
                    r.evidence.clone(),
                    r.volume
                        .as_ref()
                        .map(|v| v.index.to_string())
                        .unwrap_or_default(),
                    r.fs.clone().unwrap_or_default(),
                    r.offset.to_string(),
                    r.evidence_offset.to_string(),
                    r.length.to_string(),
                ])?;
            }
            c.flush()?;
        }
        ListFormat::Table | ListFormat::Bodyfile => {
            writeln!(
                w,
                "{:<13} {:>4} {:<6} {:>14} {:>14} {:>12}",
                "kind", "vol", "fs", "offset", "evidence_off", "length"
            )?;
            let mut total = 0u64;
            for r in &regions {
                total += r.length;
                writeln!(
                    w,
                    "{:<13} {:>4} {:<6} {:>14} {:>14} {:>12}",
                    r.kind,
                    r.volume
                        .as_ref()
                        .map(|v| v.index.to_string())
                        .unwrap_or_else(|| "-".into()),
                    r.fs.as_deref().unwrap_or("-"),
                    r.offset,
                    r.evidence_offset,
                    r.length
                )?;
            }
            writeln!(w, "{} regions, {total} bytes", regions.len())?;
        }
    }
    w.flush()?;
    Ok(outcome)
}
