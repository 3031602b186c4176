//! peel-scan: YARA rules (yara-x) loaded from files, folders or the bundled set, compiled once
//! with the external variables public rule sets expect, cached as compiled rules, and run over
//! byte slices — whole objects or pages of a raw region — by one scanner per worker thread.
//!
//! It never prints and never reads evidence: the caller hands it bytes and what is known about
//! them (name, path, owner, hashes), and gets back typed hits and problems.
//!
//! ```
//! use peel_scan::{Compiled, ObjectVars, RuleSource, Worker};
//!
//! let src = RuleSource::text("demo", "rule hello { strings: $a = \"hello\" condition: $a }");
//! let (rules, report) = Compiled::build(&[src], &[], false).unwrap();
//! assert!(report.errors.is_empty());
//! let mut w = Worker::new(&rules, None);
//! let hits = w.scan(b"say hello", &ObjectVars::default(), false).unwrap();
//! assert_eq!(hits[0].rule, "hello");
//! assert_eq!(hits[0].matches[0].offset, 4);
//! ```

pub mod filetype;
mod rules;
mod worker;

pub use rules::{Compiled, Define, Report, RuleProblem, RuleSource, bundled, collect_sources};
pub use worker::{Hit, Match, ObjectVars, Page, ScanFailure, Worker, escape_bytes};

use std::path::PathBuf;

/// What can stop rules from being loaded or compiled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// A rule file or folder could not be read.
    #[error("cannot read rules {path}: {source}")]
    Read {
        /// The path given or found.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A folder holds no `.yar`/`.yara` file.
    #[error("no rule files (.yar, .yara) under {path}")]
    NoRules {
        /// The folder.
        path: PathBuf,
    },
    /// A rule file failed to compile and `strict` was asked for.
    #[error("{0}")]
    Compile(RuleProblem),
    /// No rule could be compiled at all.
    #[error("no rule compiled ({errors} rule file(s) failed)")]
    Empty {
        /// Files that failed.
        errors: usize,
    },
    /// A `-d NAME=VALUE` definition is not usable.
    #[error("bad definition `{text}`: {reason}")]
    Define {
        /// As given.
        text: String,
        /// Why.
        reason: String,
    },
    /// A compiled-rules file is not one this build can load, or could not be written.
    #[error("compiled rules: {0}")]
    Serialized(String),
}
