//! The `peel` binary: parses arguments, runs a subcommand, maps the outcome to an exit code.

// Indices in the binary come from peel's own collections (part numbers, buffer lengths), never
// from evidence bytes; the parsers in the library crates keep the lint.
#![allow(clippy::indexing_slicing)]

mod args;
mod commands;
mod listing;
mod ordered;
mod progress;
mod regions;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

// mimalloc: the graph commands make and free tens of millions of small objects (edges, their
// evidence lists, strings), where it is markedly faster than the system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything went as asked.
    Clean,
    /// Ran to the end, with findings or per-item errors.
    Findings,
}

/// Global options every command sees.
#[derive(Debug, Clone, Copy)]
pub struct Globals {
    /// Show progress bars and notes on stderr.
    pub progress: bool,
    /// Print notes on stderr.
    pub notes: bool,
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || c.to_string().contains("Broken pipe")
    })
}

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    if let Some(n) = cli.threads {
        // Fails only if a pool exists already, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    let globals = Globals {
        progress: !cli.quiet && io::stderr().is_terminal(),
        notes: !cli.quiet,
    };
    match commands::run(cli.command, globals) {
        Ok(Outcome::Clean) => ExitCode::from(0),
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(e) if is_broken_pipe(&e) => ExitCode::from(0),
        Err(e) => {
            let mut err = io::stderr().lock();
            let _ = write!(err, "peel: error: {e}");
            for cause in e.chain().skip(1) {
                let _ = write!(err, ": {cause}");
            }
            let _ = writeln!(err);
            ExitCode::from(2)
        }
    }
}
