//! One module per subcommand.

mod cat;
mod export;
mod features;
mod info;
mod ls;
mod timeline;
mod unalloc;
mod verify;

use crate::args::Command;
use crate::{Globals, Outcome};

/// Runs a parsed command.
pub fn run(cmd: Command, g: Globals) -> anyhow::Result<Outcome> {
    match cmd {
        Command::Info {
            evidence,
            hash,
            format,
        } => info::run(&evidence, hash.as_deref(), format, g),
        Command::Ls {
            evidence,
            path,
            recursive,
            deleted_only,
            allocated_only,
            volume,
            hash,
            format,
        } => {
            let opts = ls::LsOptions {
                path,
                recursive,
                deleted_only,
                allocated_only,
                volume,
                hash,
                format,
            };
            ls::run(&evidence, &opts, g)
        }
        Command::Cat { evidence, target } => cat::run(&evidence, &target, g),
        Command::Features {
            evidence,
            raw,
            kinds,
            volume,
            histograms,
            stop,
            stopped_out,
            alert,
            default_region,
            max_depth,
            max_object,
            budget,
            format,
        } => {
            let limits = peel_extract::decode::Limits::new(max_depth, max_object, budget);
            let o = features::FeatureOptions {
                raw,
                kinds,
                volume,
                histograms,
                format,
                limits,
                stop,
                stopped_out,
                alert,
                default_region,
            };
            features::run(&evidence, &o, g)
        }
        Command::Unalloc {
            evidence,
            volume,
            raw,
            format,
        } => unalloc::run(&evidence, volume, raw, format, g),
        Command::Timeline {
            evidence,
            format,
            from,
            to,
            volume,
        } => timeline::run(&evidence, format, from.as_deref(), to.as_deref(), volume, g),
        Command::Export {
            evidence,
            out,
            path,
            deleted_only,
            allocated_only,
            volume,
        } => {
            let opts = export::ExportOptions {
                path,
                deleted_only,
                allocated_only,
                volume,
            };
            export::run(&evidence, &out, &opts, g)
        }
        Command::Verify {
            image,
            expect_md5,
            expect_sha1,
            expect_sha256,
            format,
        } => verify::run(&image, [expect_md5, expect_sha1, expect_sha256], format, g),
    }
}
