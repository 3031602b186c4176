//! `peel cat`: one file's bytes to stdout.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, anyhow};
use peel_fs::evidence::Evidence;

use crate::{Globals, Outcome};

pub fn run(evidence: &Path, target: &str, _g: Globals) -> anyhow::Result<Outcome> {
    let ev =
        Evidence::open(evidence).with_context(|| format!("cannot open {}", evidence.display()))?;
    let (pi, entry) = ev.find(target).map_err(|e| anyhow!(e))?;
    let part = &ev.parts[pi];
    let fs = part.fs.as_ref().ok_or_else(|| anyhow!("no file system"))?;
    let loc = part.entry_locator(&entry);
    let mut c = match fs.open(&entry) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("peel: error: {loc}: {e}");
            return Ok(Outcome::Findings);
        }
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let n = io::copy(&mut c.reader, &mut out);
    out.flush()?;
    match n {
        Ok(n) if n == entry.size && c.warning.is_none() => Ok(Outcome::Clean),
        Ok(n) => {
            let why = c
                .warning
                .unwrap_or_else(|| format!("only {n} of {} bytes readable", entry.size));
            eprintln!("peel: error: {loc}: {why}");
            Ok(Outcome::Findings)
        }
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(Outcome::Clean),
        Err(e) => {
            eprintln!("peel: error: {loc}: {e}");
            Ok(Outcome::Findings)
        }
    }
}
