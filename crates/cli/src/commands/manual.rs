//! `peel completions` and `peel man`: shell completion scripts and manual pages, made from the
//! same definitions as `--help`, so they never drift from the commands.

use std::io::{self, Write};
use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;

use crate::Outcome;
use crate::args::Cli;

pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<Outcome> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "peel", &mut out);
    io::stdout().lock().write_all(&out)?;
    Ok(Outcome::Clean)
}

/// The page of `cmd` in roff.
fn page(cmd: clap::Command) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    Ok(buf)
}

/// `cmd` and every subcommand below it, named as man pages are (`peel-graph-build`).
fn pages(cmd: &clap::Command, name: &str, out: &mut Vec<(String, clap::Command)>) {
    let named = cmd.clone().name(name.to_string());
    out.push((name.to_string(), named));
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        pages(sub, &format!("{name}-{}", sub.get_name()), out);
    }
}

pub fn man(out: Option<&Path>) -> anyhow::Result<Outcome> {
    let mut cmd = Cli::command();
    cmd.build();
    let Some(dir) = out else {
        io::stdout().lock().write_all(&page(cmd)?)?;
        return Ok(Outcome::Clean);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut all = Vec::new();
    pages(&cmd, "peel", &mut all);
    for (name, c) in all {
        let dest = dir.join(format!("{name}.1"));
        let text = page(c)?;
        // Written whole, then renamed into place: a reader never sees half a page.
        let mut tmp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        tmp.write_all(&text)?;
        tmp.persist(&dest)
            .map_err(|e| e.error)
            .with_context(|| format!("writing {}", dest.display()))?;
    }
    Ok(Outcome::Clean)
}
