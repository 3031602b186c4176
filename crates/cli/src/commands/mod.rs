//! One module per subcommand.

mod batch;
mod cat;
mod export;
pub(crate) mod features;
mod graph;
mod info;
mod ls;
mod manual;
mod pipeline;
mod process;
mod report;
mod scan;
mod timeline;
mod unalloc;
mod verify;

use crate::args::{Command, ReportFormat, RulesAction};
use crate::{Globals, Outcome};

/// Runs a parsed command.
pub fn run(cmd: Command, g: Globals) -> anyhow::Result<Outcome> {
    match cmd {
        Command::Graph { action } => graph::run(action, g),
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
        Command::Scan {
            evidence,
            rules,
            compiled,
            strict,
            defines,
            unallocated,
            raw,
            volume,
            strings,
            tag,
            rule,
            count,
            timeout,
            max_size,
            max_depth,
            format,
        } => {
            let o = scan::ScanOptions {
                rules: scan::RuleOptions {
                    rules,
                    compiled,
                    defines,
                    strict,
                },
                unallocated,
                raw,
                volume,
                strings,
                tags: tag,
                rule_names: rule,
                count,
                timeout: (timeout > 0).then(|| std::time::Duration::from_secs(timeout)),
                max_size,
                max_depth,
                format,
            };
            scan::run(&evidence, &o, g)
        }
        Command::Rules { action } => match action {
            RulesAction::Compile {
                rules,
                out,
                defines,
                strict,
            } => {
                let o = scan::RuleOptions {
                    rules,
                    compiled: None,
                    defines,
                    strict,
                };
                scan::compile(&o, &out, g)
            }
            RulesAction::Check {
                rules,
                defines,
                format,
            } => {
                let o = scan::RuleOptions {
                    rules,
                    compiled: None,
                    defines,
                    strict: false,
                };
                scan::check(&o, format == ReportFormat::Json)
            }
        },
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
        Command::Process {
            evidence,
            out,
            case,
        } => process::run(&evidence, &out, &case.into(), g),
        Command::Batch {
            list,
            out,
            shard,
            resume,
            case,
        } => batch::batch(&list, &out, shard.as_deref(), resume, &case.into(), g),
        Command::Merge { cases, out, force } => batch::merge(&cases, &out, force, g),
        Command::Completions { shell } => manual::completions(shell),
        Command::Man { out } => manual::man(out.as_deref()),
        Command::Verify {
            image,
            expect_md5,
            expect_sha1,
            expect_sha256,
            format,
        } => verify::run(&image, [expect_md5, expect_sha1, expect_sha256], format, g),
    }
}
