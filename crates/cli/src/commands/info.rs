//! `peel info`: container, size, stored/computed hashes, partition table, file systems.

use std::io::{self, Write};
use std::path::Path;

use anyhow::Context;
use peel_core::HashSet;
use peel_core::hash::Hashes;
use peel_fs::evidence::{Evidence, FsOpenError};
use serde_json::{Value, json};

use crate::args::ReportFormat;
use crate::{Globals, Outcome};

use super::verify::hash_source;

fn mib(n: u64) -> String {
    format!("{:.1} MiB", n as f64 / 1_048_576.0)
}

pub fn run(
    evidence: &Path,
    hash: Option<&str>,
    format: ReportFormat,
    g: Globals,
) -> anyhow::Result<Outcome> {
    let ev =
        Evidence::open(evidence).with_context(|| format!("cannot open {}", evidence.display()))?;
    let mut outcome = Outcome::Clean;
    let computed: Option<Hashes> = match (hash, &ev.source) {
        (Some(h), Some(src)) => Some(hash_source(src.as_ref(), &HashSet::parse_list(h)?, g)?),
        _ => None,
    };
    let mut vols = Vec::new();
    for p in &ev.parts {
        let (fs_kind, fs_info, fs_error) = match (&p.fs, &p.fs_error) {
            (Some(fs), _) => (Some(fs.kind()), fs.info(), None),
            (None, Some(e)) => {
                if matches!(e, FsOpenError::Failed(_)) {
                    outcome = Outcome::Findings;
                }
                (None, Vec::new(), Some(e.to_string()))
            }
            (None, None) => (None, Vec::new(), None),
        };
        vols.push((p, fs_kind, fs_info, fs_error));
    }
    let out = io::stdout();
    let mut w = io::BufWriter::new(out.lock());
    match format {
        ReportFormat::Json => {
            let volumes: Vec<Value> = vols
                .iter()
                .map(|(p, kind, info, err)| {
                    let fsinfo: serde_json::Map<String, Value> = info
                        .iter()
                        .filter(|(k, _)| k != "issue")
                        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                        .collect();
                    let issues: Vec<&String> = info
                        .iter()
                        .filter(|(k, _)| k == "issue")
                        .map(|(_, v)| v)
                        .collect();
                    json!({
                        "locator": p.locator.to_string(),
                        "volume": p.volume,
                        "fs": kind,
                        "fs_info": fsinfo,
                        "fs_issues": issues,
                        "fs_error": err,
                    })
                })
                .collect();
            let doc = json!({
                "evidence": ev.name,
                "container": ev.container,
                "computed_hashes": computed,
                "partition_table": ev.table,
                "volumes": volumes,
            });
            serde_json::to_writer_pretty(&mut w, &doc)?;
            writeln!(w)?;
        }
        ReportFormat::Text => {
            writeln!(w, "evidence:    {}", ev.name)?;
            match &ev.container {
                Some(c) => {
                    writeln!(
                        w,
                        "container:   {} ({} segment{}), {} bytes ({})",
                        c.format,
                        c.segments.len(),
                        if c.segments.len() == 1 { "" } else { "s" },
                        c.size,
                        mib(c.size)
                    )?;
                    if let Some(m) = &c.stored_md5 {
                        writeln!(w, "stored md5:  {m}")?;
                    }
                    if let Some(s) = &c.stored_sha1 {
                        writeln!(w, "stored sha1: {s}")?;
                    }
                    for (k, v) in &c.metadata {
                        writeln!(w, "  {k}: {v}")?;
                    }
                    for (s, n) in &c.acquisition_errors {
                        writeln!(w, "  acquisition error: {n} sectors from sector {s}")?;
                    }
                }
                None => writeln!(w, "container:   host folder")?,
            }
            if let Some(h) = &computed {
                for (n, v) in [("md5", &h.md5), ("sha1", &h.sha1), ("sha256", &h.sha256)] {
                    if let Some(v) = v {
                        writeln!(w, "{n}:{:width$}{v}", "", width = 12 - n.len() - 1)?;
                    }
                }
            }
            if let Some(t) = &ev.table {
                writeln!(w)?;
                let ss = u64::from(t.sector_size);
                writeln!(
                    w,
                    "partition table: {} (sector size {ss})",
                    t.scheme.as_str()
                )?;
                if let Some(gd) = &t.disk_guid {
                    writeln!(w, "disk guid: {gd}")?;
                }
                writeln!(
                    w,
                    "  {:<5} {:>12} {:>12} {:>12}  {:<6} description",
                    "slot", "start", "end", "length", "type"
                )?;
                let mut rows: Vec<(u64, String)> = Vec::new();
                for v in t.volumes.iter().chain(t.containers.iter()) {
                    let len = v.declared_length / ss;
                    let mut desc = v.description.clone();
                    if let Some(n) = &v.name {
                        desc.push_str(&format!(" \"{n}\""));
                    }
                    for i in &v.issues {
                        desc.push_str(&format!(" [{i}]"));
                    }
                    let ty = if v.type_id.len() > 6 {
                        "guid".to_string()
                    } else {
                        v.type_id.clone()
                    };
                    rows.push((
                        v.offset,
                        format!(
                            "  {:<5} {:>12} {:>12} {:>12}  {:<6} {desc}",
                            if v.index == 0 {
                                "-".to_string()
                            } else {
                                v.index.to_string()
                            },
                            v.offset / ss,
                            (v.offset / ss + len).saturating_sub(1),
                            len,
                            ty
                        ),
                    ));
                }
                for gap in &t.unallocated {
                    rows.push((
                        gap.offset,
                        format!(
                            "  {:<5} {:>12} {:>12} {:>12}  {:<6} unallocated",
                            "-",
                            gap.offset / ss,
                            (gap.offset + gap.length).div_ceil(ss).saturating_sub(1),
                            gap.length.div_ceil(ss),
                            "-"
                        ),
                    ));
                }
                rows.sort_by_key(|r| r.0);
                for (_, r) in rows {
                    writeln!(w, "{r}")?;
                }
                for i in &t.issues {
                    writeln!(w, "  issue: {i}")?;
                }
            }
            for (p, kind, info, err) in &vols {
                writeln!(w)?;
                let head = match &p.volume {
                    Some(v) if v.index > 0 => format!("volume {} at byte {}", v.index, v.offset),
                    _ => "file system".to_string(),
                };
                match (kind, err) {
                    (Some(k), _) => writeln!(w, "{head}: {k}")?,
                    (None, Some(e)) => writeln!(w, "{head}: {e}")?,
                    (None, None) => writeln!(w, "{head}")?,
                }
                for (k, v) in info {
                    writeln!(w, "  {k:<22} {v}")?;
                }
            }
        }
    }
    w.flush()?;
    Ok(outcome)
}
