//! `peel verify`: recompute the media hash of an image and compare it with the stored one.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, bail};
use peel_core::HashSet;
use peel_core::hash::Hashes;
use peel_image::{Source, open_source};
use serde_json::json;

use crate::args::ReportFormat;
use crate::{Globals, Outcome, progress};

/// Hashes every byte of a source once, computing every algorithm in `set`.
pub fn hash_source(src: &dyn Source, set: &HashSet, g: Globals) -> anyhow::Result<Hashes> {
    let len = src.len();
    let pb = progress::bytes(g.progress, len, "hashing media");
    let mut h = set.hasher();
    let mut buf = vec![0u8; 4 * 1024 * 1024];
    let mut pos = 0u64;
    while pos < len {
        let want = (len - pos).min(buf.len() as u64) as usize;
        let chunk = &mut buf[..want];
        peel_image::read_exact_at(src, chunk, pos, "media")
            .with_context(|| format!("reading media at byte {pos}"))?;
        h.update(chunk);
        pos += want as u64;
        pb.set_position(pos);
    }
    pb.finish_and_clear();
    Ok(h.finish())
}

fn norm(s: &str) -> String {
    s.trim().to_ascii_lowercase()
}

pub fn run(
    image: &Path,
    expect: [Option<String>; 3],
    format: ReportFormat,
    g: Globals,
) -> anyhow::Result<Outcome> {
    let src = open_source(image).with_context(|| format!("cannot open {}", image.display()))?;
    let info = src.info();
    let [e_md5, e_sha1, e_sha256] = expect;
    let stored_md5 = info.stored_md5.clone();
    let stored_sha1 = info.stored_sha1.clone();
    let set = HashSet {
        md5: true,
        sha1: true,
        sha256: true,
    };
    let computed = match hash_source(src.as_ref(), &set, g) {
        Ok(c) => c,
        Err(e) => {
            let mut msg = e.to_string();
            for c in e.chain().skip(1) {
                msg.push_str(&format!(": {c}"));
            }
            let out = io::stdout();
            let mut w = out.lock();
            match format {
                ReportFormat::Json => {
                    let doc = json!({"image": image.display().to_string(), "format": info.format,
                        "size": info.size, "verified": false, "error": msg});
                    serde_json::to_writer_pretty(&mut w, &doc)?;
                    writeln!(w)?;
                }
                ReportFormat::Text => {
                    writeln!(
                        w,
                        "image:  {} ({}, {} bytes)",
                        image.display(),
                        info.format,
                        info.size
                    )?;
                    writeln!(w, "NOT VERIFIED: the media cannot be read in full: {msg}")?;
                }
            }
            return Ok(Outcome::Findings);
        }
    };
    let mut checks: Vec<(&str, &str, String, String)> = Vec::new(); // algo, source, expected, got
    let got = |a: &str| -> String {
        match a {
            "md5" => computed.md5.clone(),
            "sha1" => computed.sha1.clone(),
            _ => computed.sha256.clone(),
        }
        .unwrap_or_default()
    };
    for (algo, origin, want) in [
        ("md5", "stored in image", stored_md5),
        ("sha1", "stored in image", stored_sha1),
        ("md5", "given", e_md5),
        ("sha1", "given", e_sha1),
        ("sha256", "given", e_sha256),
    ] {
        if let Some(w) = want {
            checks.push((algo, origin, norm(&w), got(algo)));
        }
    }
    let mismatches = checks.iter().filter(|(_, _, w, g)| w != g).count();
    let out = io::stdout();
    let mut w = out.lock();
    match format {
        ReportFormat::Json => {
            let list: Vec<_> = checks
                .iter()
                .map(|(a, o, e, c)| json!({"algorithm": a, "origin": o, "expected": e, "computed": c, "match": e == c}))
                .collect();
            let doc = json!({
                "image": image.display().to_string(),
                "format": info.format,
                "size": info.size,
                "computed": computed,
                "checks": list,
                "verified": !checks.is_empty() && mismatches == 0,
            });
            serde_json::to_writer_pretty(&mut w, &doc)?;
            writeln!(w)?;
        }
        ReportFormat::Text => {
            writeln!(
                w,
                "image:  {} ({}, {} bytes)",
                image.display(),
                info.format,
                info.size
            )?;
            writeln!(w, "md5:    {}", got("md5"))?;
            writeln!(w, "sha1:   {}", got("sha1"))?;
            writeln!(w, "sha256: {}", got("sha256"))?;
            for (a, o, e, c) in &checks {
                let verdict = if e == c { "MATCH" } else { "MISMATCH" };
                writeln!(
                    w,
                    "{verdict}: {a} {o} {e}{}",
                    if e == c {
                        String::new()
                    } else {
                        format!(" != computed {c}")
                    }
                )?;
            }
            if checks.is_empty() {
                writeln!(
                    w,
                    "no stored or expected hash to compare with (give --expect-md5/--expect-sha1/--expect-sha256)"
                )?;
            } else if mismatches == 0 {
                writeln!(w, "verified: every hash matches")?;
            } else {
                writeln!(
                    w,
                    "NOT VERIFIED: {mismatches} hash mismatch(es): the image differs from what was acquired"
                )?;
            }
        }
    }
    w.flush()?;
    if checks.is_empty() && info.format == "ewf" {
        bail!(
            "{}: the E01 stores no media hash to verify against",
            image.display()
        );
    }
    Ok(if mismatches > 0 {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}
