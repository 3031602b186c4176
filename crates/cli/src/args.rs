//! Command-line arguments (clap derive). Raw arguments only; commands resolve them.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// peel — peel seized evidence layer by layer: images, partitions, file systems, files.
#[derive(Debug, Parser)]
#[command(name = "peel", version, about, long_about = None)]
#[command(
    after_help = "Exit status: 0 ok; 1 ran, but with findings or per-item errors \
(e.g. unreadable entries, hash mismatch); 2 could not run."
)]
pub struct Cli {
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, global = true)]
    pub threads: Option<usize>,
    /// No progress bars or notes on stderr (errors are still reported).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Output format of listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns (default when stdout is a terminal).
    Table,
    /// One JSON record a line (default otherwise).
    Jsonl,
    /// Comma-separated values with a header.
    Csv,
    /// TSK bodyfile, for mactime.
    Bodyfile,
}

/// Output format of timelines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimelineFormat {
    /// One row per timestamp: datetime, timestamp_desc, message … (Timesketch, spreadsheets).
    Csv,
    /// One JSON event a line.
    Jsonl,
    /// TSK bodyfile, for `mactime -b`.
    Bodyfile,
}

/// Output format of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Human-readable text.
    Text,
    /// One JSON document.
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Describe an evidence item: container, size, hashes, partition table, file systems.
    #[command(
        after_help = "Examples:\n  peel info disk.E01\n  peel info --hash md5,sha256 disk.img\n  peel info --format json usb.dd | jq .volumes"
    )]
    Info {
        /// Image file (raw/dd, split raw .001, E01), zip file or folder.
        evidence: PathBuf,
        /// Also hash the whole container's media (e.g. md5,sha1,sha256).
        #[arg(long, value_name = "ALGOS")]
        hash: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// List files, allocated and deleted, with metadata and optional hashes.
    #[command(
        after_help = "Examples:\n  peel ls -r disk.E01\n  peel ls -r --deleted-only --hash sha256 --format csv disk.img > deleted.csv\n  peel ls -r --format bodyfile disk.E01 | mactime -b - -d\n  peel ls disk.E01 Documents/Reports"
    )]
    Ls {
        /// Image file, zip file or folder.
        evidence: PathBuf,
        /// Directory to list (default: the root of every volume).
        path: Option<String>,
        /// Recurse into subdirectories.
        #[arg(short, long)]
        recursive: bool,
        /// Only deleted entries.
        #[arg(long, conflicts_with = "allocated_only")]
        deleted_only: bool,
        /// Only allocated entries.
        #[arg(long)]
        allocated_only: bool,
        /// Only the volume with this partition number.
        #[arg(long, value_name = "N")]
        volume: Option<u32>,
        /// Hash file contents (e.g. md5,sha1,sha256).
        #[arg(long, value_name = "ALGOS")]
        hash: Option<String>,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<ListFormat>,
    },
    /// Every timestamp of every entry as one event, sorted by time (NTFS $SI and $FN apart).
    #[command(
        after_help = "--from and --to take a date (2024-03-15, whole day), or a UTC time \
(2024-03-15T10:00:00Z). CSV columns suit Timesketch: datetime, timestamp_desc, message, then \
macb, source, path, deleted, size, inode, fs, evidence, locator.\n\nExamples:\n  \
peel timeline disk.E01 > timeline.csv\n  peel timeline --from 2024-03-01 --to 2024-03-31 disk.E01\n  \
peel timeline --format bodyfile disk.E01 | mactime -b - -d -z UTC"
    )]
    Timeline {
        /// Image file, zip file or folder.
        evidence: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TimelineFormat::Csv)]
        format: TimelineFormat,
        /// Only events at or after this time.
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// Only events at or before this time.
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        /// Only the volume with this partition number.
        #[arg(long, value_name = "N")]
        volume: Option<u32>,
    },
    /// Find features (emails, URLs, domains, IPs, MACs, cards, IBANs, wallets, phones) in
    /// every file, deleted ones included, and in unallocated and unpartitioned space.
    #[command(
        after_help = "Every feature comes with its locator down to the byte, its context \
and, where the kind has a checksum (card, IBAN, BTC, ETH, XMR), validated: true. ASCII and \
UTF-16LE text are both scanned. --raw scans the whole source as bytes instead (also used for \
volumes with no recognised file system). --histograms DIR writes one table per kind: count, \
distinct sources, normalised value.\n\nExamples:\n  peel features disk.E01 > features.jsonl\n  \
peel features --kinds email,phone --format csv disk.E01\n  \
peel features --raw --histograms hist/ usb.dd > features.jsonl"
    )]
    Features {
        /// Image file, zip file or folder.
        evidence: PathBuf,
        /// Scan the whole source as one byte stream, ignoring file systems.
        #[arg(long)]
        raw: bool,
        /// Only these kinds (comma-separated).
        #[arg(long, value_name = "KINDS")]
        kinds: Option<String>,
        /// Only the volume with this partition number.
        #[arg(long, value_name = "N")]
        volume: Option<u32>,
        /// Write per-kind histograms into this new folder.
        #[arg(long, value_name = "DIR")]
        histograms: Option<PathBuf>,
        /// Stop list: features whose value is listed (one a line; `VALUE<TAB>REGEX` to stop it
        /// only where the regex matches its context; `#` comments) go to --stopped-out
        /// instead of the results.
        #[arg(long, value_name = "FILE", requires = "stopped_out")]
        stop: Option<PathBuf>,
        /// Where stopped features are written (JSONL, a new file).
        #[arg(long, value_name = "FILE")]
        stopped_out: Option<PathBuf>,
        /// Alert list: features whose value is listed are flagged `alert: true`.
        #[arg(long, value_name = "FILE")]
        alert: Option<PathBuf>,
        /// Also find phone numbers written in this region's national form (ISO 3166 code, e.g.
        /// GB: `07700 900123` → +447700900123).
        #[arg(long, value_name = "REGION")]
        default_region: Option<String>,
        /// Deepest nesting of zip/gzip/base64 decoded.
        #[arg(long, value_name = "N", default_value_t = 8)]
        max_depth: usize,
        /// Largest size one object (file or decoded member) is read or expanded to, in bytes;
        /// larger files are scanned as a stream without decoding.
        #[arg(long, value_name = "BYTES", default_value_t = 256 << 20)]
        max_object: u64,
        /// Total bytes all decoding in the run may produce.
        #[arg(long, value_name = "BYTES", default_value_t = 16 << 30)]
        budget: u64,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<ListFormat>,
    },
    /// List the unallocated space of every file system (and unpartitioned space) as regions.
    #[command(
        after_help = "Regions are runs of free clusters/blocks, with locators and offsets \
both in the volume and on the evidence. --raw writes their bytes, concatenated in order, to \
stdout (as TSK's blkls does).\n\nExamples:\n  peel unalloc disk.E01\n  \
peel unalloc --volume 2 --raw disk.E01 > vol2.unalloc"
    )]
    Unalloc {
        /// Image file.
        evidence: PathBuf,
        /// Only the volume with this partition number.
        #[arg(long, value_name = "N")]
        volume: Option<u32>,
        /// Write the regions' bytes to stdout instead of listing them.
        #[arg(long)]
        raw: bool,
        /// Output format of the listing.
        #[arg(long, value_enum)]
        format: Option<ListFormat>,
    },
    /// Scan evidence with YARA rules: every file (deleted ones too), zip members and, if asked,
    /// unallocated space or the whole source.
    #[command(
        after_help = "Without --rules the bundled triage rules are used (see `peel rules check`). Each rule file gets its own namespace; a file that fails to compile is reported (file:line:column) and its rules in error are skipped (--strict: stop instead).\n\n\
Every object gets the variables filename, filepath, extension, filetype, owner, md5 and sha256 (as THOR and LOKI set them), so public rule sets run unchanged; -d sets others or overrides them.\n\n\
--unallocated adds the unallocated space of every file system and the unpartitioned space; --raw \
scans the whole source instead of files. Regions are scanned in 16 MiB pages read with 1 MiB of \
overlap: every match starting in a page and up to 1 MiB long is found once; conditions (filesize, \
`at`, modules such as pe) apply to each page, not the region.\n\n\
Exit status: 0 no hits and no errors; 1 hits or per-item errors (unreadable items, rule files \
with errors, timeouts); 2 could not run.\n\n\
Examples:\n  peel scan disk.E01\n  peel scan --rules ~/signature-base/yara disk.E01 usb.img --format jsonl > hits.jsonl\n  \
peel scan --compiled rules.yarc --unallocated --strings disk.E01\n  peel scan --count --tag wallet cases/*.E01"
    )]
    Scan {
        /// Image files, zip files or folders (each one is scanned; a bad one is reported and
        /// skipped).
        #[arg(required = true)]
        evidence: Vec<PathBuf>,
        /// Rule file or folder (recursive, .yar/.yara); repeat for more.
        #[arg(long, short = 'r', value_name = "PATH", conflicts_with = "compiled")]
        rules: Vec<PathBuf>,
        /// Rules compiled by `peel rules compile` (or `yr compile`).
        #[arg(long, short = 'C', value_name = "FILE")]
        compiled: Option<PathBuf>,
        /// Stop at the first rule file that fails to compile.
        #[arg(long)]
        strict: bool,
        /// Define or override an external variable (integers, floats, true/false, else string).
        #[arg(long = "define", short = 'd', value_name = "NAME=VALUE")]
        defines: Vec<String>,
        /// Also scan unallocated and unpartitioned space, in pages.
        #[arg(long, conflicts_with = "raw")]
        unallocated: bool,
        /// Scan the whole source in pages instead of its files.
        #[arg(long)]
        raw: bool,
        /// Only the volume with this partition number.
        #[arg(long, value_name = "N")]
        volume: Option<u32>,
        /// Show the matched bytes (escaped, cut at 64 bytes).
        #[arg(long, short = 's')]
        strings: bool,
        /// Only hits of rules with this tag (repeatable).
        #[arg(long, value_name = "TAG")]
        tag: Vec<String>,
        /// Only hits of this rule (`name` or `namespace:name`; repeatable).
        #[arg(long, value_name = "RULE")]
        rule: Vec<String>,
        /// Print, per rule, how many objects it matched instead of the hits.
        #[arg(long)]
        count: bool,
        /// Seconds one object may take before its scan is abandoned (0: no limit).
        #[arg(long, value_name = "SECS", default_value_t = 60)]
        timeout: u64,
        /// Larger files and members are not scanned (a `skipped` record says so).
        #[arg(long, value_name = "BYTES", default_value_t = 256 << 20)]
        max_size: u64,
        /// Deepest nesting of zip archives opened.
        #[arg(long, value_name = "N", default_value_t = 8)]
        max_depth: usize,
        /// Output format (default: table on a terminal, jsonl otherwise).
        #[arg(long, value_enum)]
        format: Option<ListFormat>,
    },
    /// Association graphs: build from feature records and tables, analyse, export, view.
    #[command(
        after_help = "Examples:\n  peel features disk.E01 > features.jsonl\n  \
peel graph build features.jsonl -o graph.json\n  \
peel graph ingest-csv calls.csv --map from=caller,to=callee,time=start,kind=call --type phone \
--default-region GB -o calls.json\n  peel graph build features.jsonl calls.json -o case.json\n  \
peel graph top case.json --by betweenness\n  peel graph explain case.json alice@example.org \
bob@example.net\n  peel graph export case.json --to gexf -o case.gexf\n  \
peel graph view case.json -o case.html"
    )]
    Graph {
        /// What to do.
        #[command(subcommand)]
        action: GraphAction,
    },
    /// Compile or check YARA rules.
    #[command(
        after_help = "Examples:\n  peel rules check rules/\n  peel rules compile rules/ signature-base/yara -o rules.yarc\n  \
peel scan --compiled rules.yarc disk.E01"
    )]
    Rules {
        /// What to do.
        #[command(subcommand)]
        action: RulesAction,
    },
    /// Write one file's bytes to stdout (deleted files too).
    #[command(
        after_help = "TARGET is a path inside the file system (searched on every volume) or a \
locator as printed by `peel ls`, e.g. 'disk.E01 / vol:1@1048576 / fat16 / _ELETED.TXT#517'.\n\n\
Examples:\n  peel cat disk.E01 Documents/Reports/2024/q1-summary.txt\n  peel cat disk.E01 'disk.E01 / vol:2@9437184 / fat32 / deleted-small.txt#11' > recovered.txt"
    )]
    Cat {
        /// Image file, zip file or folder.
        evidence: PathBuf,
        /// Path or locator of the file.
        target: String,
    },
    /// Copy files out of the evidence into a new folder, with a hash list and manifest.
    #[command(
        after_help = "The output folder must not exist or must be empty: nothing is ever \
overwritten. Files go to OUT/<volume>/<path>; OUT/hashes.sha256 can be checked with \
`sha256sum -c`; OUT/export.jsonl records every file's locator and hashes.\n\n\
Examples:\n  peel export disk.E01 --out case1/export\n  peel export disk.E01 --out case1/deleted --deleted-only"
    )]
    Export {
        /// Image file, zip file or folder.
        evidence: PathBuf,
        /// Output folder (created; must be empty).
        #[arg(long, short)]
        out: PathBuf,
        /// Only files under this path.
        #[arg(long, value_name = "PATH")]
        path: Option<String>,
        /// Only deleted files.
        #[arg(long, conflicts_with = "allocated_only")]
        deleted_only: bool,
        /// Only allocated files.
        #[arg(long)]
        allocated_only: bool,
        /// Only the volume with this partition number.
        #[arg(long, value_name = "N")]
        volume: Option<u32>,
    },
    /// One pass over each evidence item, one case folder: files, hashes, features, YARA hits,
    /// executables, timeline, graph, audit log and manifest.
    #[command(
        after_help = "Each file's content is read once and handed to hashing (MD5, SHA-256), \
type detection, the feature scanners, YARA and executable/EXIF parsing. The case folder holds \
files.jsonl, features.jsonl, exec.jsonl, histograms/, hits.jsonl, timeline.csv, graph/ (graph.json, \
GraphML, GEXF, DOT, Cytoscape, Neo4j and plain CSV, graph.html), report.html (one offline page \
summing up the case), audit.jsonl and manifest.json \
(tool version, arguments, rule-set SHA-256, evidence hashes and E01 verification, per-output \
SHA-256; its runtime_fields list what may differ between two runs). The case is built in a \
temporary folder beside CASE and renamed into place when complete; an existing non-empty CASE \
is refused unless --force. Evidence is only read.\n\n\
Exit status: 0 clean; 1 YARA hits or per-item errors; 2 could not run.\n\n\
Examples:\n  peel process disk.E01 --out cases/disk\n  \
peel process usb.dd phone.zip --out cases/c42 --rules ~/signature-base/yara\n  \
peel process disk.E01 --out cases/quick --only files,scan"
    )]
    Process {
        /// Image files, zip files or folders (records are written in this order).
        #[arg(required = true)]
        evidence: Vec<PathBuf>,
        /// The case folder to create.
        #[arg(long, short)]
        out: PathBuf,
        /// Options of the case.
        #[command(flatten)]
        case: CaseArgs,
    },
    /// `peel process` over a list of evidence items, one case each, optionally one shard of it.
    #[command(
        after_help = "LIST has one evidence path a line (relative paths are relative to \
the list's folder; `#` comments and blank lines are ignored). Item k (0-based, counting items) \
belongs to shard I of N when k % N == I-1, so `--shard ${SLURM_ARRAY_TASK_ID}/N` spreads a list \
over a job array. Each item's case is DIR/<k>-<name>/ (k with four digits). A missing item, or \
one whose case fails, gets a record in DIR/batch-errors.jsonl and the batch goes on (exit 1). \
--resume skips items whose case is complete (its manifest's output hashes match the files). \
See docs/scale-out.md.\n\n\
Examples:\n  peel batch list.txt --out /cases\n  \
peel batch list.txt --out /cases --shard 3/8 --resume\n  \
peel merge /cases/0* --out /cases-merged"
    )]
    Batch {
        /// The list of evidence paths.
        list: PathBuf,
        /// The folder that receives one case per item.
        #[arg(long, short)]
        out: PathBuf,
        /// Only shard I of N (1-based), e.g. 2/4.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Skip items whose case is already complete and consistent.
        #[arg(long)]
        resume: bool,
        /// Options of each case.
        #[command(flatten)]
        case: CaseArgs,
    },
    /// Merge cases into one: records concatenated in the given order, histograms, timeline
    /// and graph recomputed.
    #[command(
        after_help = "Every source must be a complete case (its manifest's hashes match). \
files.jsonl, features.jsonl, exec.jsonl and hits.jsonl are concatenated in the order given; \
timeline.csv is re-sorted (stable, so ties keep that order); histograms/ and graph/ are \
recomputed from the merged features. The manifest lists the sources and their manifests' \
SHA-256.\n\nExamples:\n  peel merge cases/0000-a cases/0001-b --out cases/all\n  \
peel merge /cases/[0-9]* --out /cases-merged"
    )]
    Merge {
        /// Case folders written by `peel process` or `peel batch`.
        #[arg(required = true)]
        cases: Vec<PathBuf>,
        /// The merged case folder to create.
        #[arg(long, short)]
        out: PathBuf,
        /// Replace an existing folder (only once the merged case is complete).
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script to stdout.
    #[command(
        after_help = "Examples:\n  peel completions bash > ~/.local/share/bash-completion/completions/peel\n  \
peel completions zsh > ~/.zfunc/_peel\n  peel completions fish > ~/.config/fish/completions/peel.fish"
    )]
    Completions {
        /// The shell the script is for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write manual pages (roff): peel.1 to stdout, or with --out one page per subcommand too.
    #[command(
        after_help = "Pages are made from the same text as --help. With --out the folder gets \
peel.1 and peel-<command>.1 for every subcommand (peel-graph-build.1 and so on); existing pages \
of the same names are replaced.\n\nExamples:\n  peel man | man -l -\n  \
peel man --out /usr/local/share/man/man1"
    )]
    Man {
        /// Folder to write the pages into (created if missing).
        #[arg(long, short, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Recompute an image's media hash and compare it with the hash stored in the E01.
    #[command(
        after_help = "Exit status 0 when every stored or expected hash matches, 1 on any \
mismatch, 2 when the image cannot be read.\n\nExamples:\n  peel verify disk.E01\n  peel verify disk.img --expect-md5 b995867b..."
    )]
    Verify {
        /// Image file (E01, raw, split raw).
        image: PathBuf,
        /// Expected MD5 (for images that store none).
        #[arg(long, value_name = "HEX")]
        expect_md5: Option<String>,
        /// Expected SHA-1.
        #[arg(long, value_name = "HEX")]
        expect_sha1: Option<String>,
        /// Expected SHA-256.
        #[arg(long, value_name = "HEX")]
        expect_sha256: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
}

/// A step of `peel process` (for `--only`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Step {
    /// files.jsonl: every entry with MD5 and SHA-256.
    Files,
    /// features.jsonl, exec.jsonl and histograms/.
    Features,
    /// hits.jsonl: YARA hits.
    Scan,
    /// timeline.csv.
    Timeline,
    /// graph/: the association graph, its exports and viewer (needs features).
    Graph,
    /// report.html: one offline page summing up the case, made from the other outputs.
    Report,
}

/// Options shared by `peel process` and `peel batch`.
#[derive(Debug, Clone, clap::Args)]
pub struct CaseArgs {
    /// YARA rule file or folder (recursive, .yar/.yara); repeat for more (default: the bundled
    /// triage rules).
    #[arg(long, short = 'r', value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Only these steps (comma-separated: files,features,scan,timeline,graph,report; graph
    /// implies features).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "STEPS")]
    pub only: Vec<Step>,
    /// Replace an existing case folder (only once the new case is complete).
    #[arg(long)]
    pub force: bool,
    /// Deepest nesting of zip/gzip/base64 decoded (and of zip archives scanned).
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub max_depth: usize,
    /// Largest object read whole (and scanned with YARA), in bytes; larger files are hashed
    /// and feature-scanned as a stream.
    #[arg(long, value_name = "BYTES", default_value_t = 256 << 20)]
    pub max_object: u64,
    /// Total bytes all decoding in the run may produce.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 30)]
    pub budget: u64,
    /// Seconds one object's YARA scan may take (0: no limit).
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub timeout: u64,
}

/// `peel rules` actions.
#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// Compile rules once into a file for `peel scan --compiled` (and `yr scan -C`).
    #[command(
        after_help = "Examples:\n  peel rules compile ~/signature-base/yara -o sigbase.yarc\n  \
peel rules compile -o bundled.yarc"
    )]
    Compile {
        /// Rule files or folders (none: the bundled rules).
        rules: Vec<PathBuf>,
        /// Output file (must not exist).
        #[arg(long, short)]
        out: PathBuf,
        /// Define or override an external variable.
        #[arg(long = "define", short = 'd', value_name = "NAME=VALUE")]
        defines: Vec<String>,
        /// Stop at the first rule file that fails to compile.
        #[arg(long)]
        strict: bool,
    },
    /// Compile only: list errors (file:line:column) and warnings; exit 1 on errors.
    #[command(after_help = "Examples:\n  peel rules check my-rules/\n  peel rules check")]
    Check {
        /// Rule files or folders (none: the bundled rules).
        rules: Vec<PathBuf>,
        /// Define or override an external variable.
        #[arg(long = "define", short = 'd', value_name = "NAME=VALUE")]
        defines: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
}

/// Output format of graph analyses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Aligned columns (default when stdout is a terminal).
    Table,
    /// One JSON document.
    Json,
    /// One JSON record a line (default otherwise).
    Jsonl,
    /// Comma-separated values with a header.
    Csv,
}

/// Export formats of `peel graph export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphExport {
    /// GraphML (Gephi, yEd, networkx, igraph).
    Graphml,
    /// GEXF 1.3 with time spells (Gephi).
    Gexf,
    /// Graphviz DOT.
    Dot,
    /// Cytoscape.js elements JSON.
    Cytoscape,
    /// Neo4j admin-import CSVs (a new folder: nodes.csv, relationships.csv).
    Neo4j,
    /// Plain CSVs for spreadsheets, i2 and Maltego (a new folder: nodes.csv, edges.csv).
    Csv,
}

/// Centrality measures of `peel graph top`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Centrality {
    /// Distinct linked neighbours.
    Degree,
    /// Sum of link weights.
    Weighted,
    /// Betweenness (sampled above 5,000 nodes, and then said so).
    Betweenness,
    /// PageRank.
    Pagerank,
}

/// Which edges count as links in analyses.
#[derive(Debug, Clone, clap::Args)]
pub struct LinkArgs {
    /// Only these edge kinds count as links (comma-separated; default: all but seen-on).
    #[arg(long, value_name = "KINDS")]
    pub links: Option<String>,
    /// Count seen-on edges (entity → evidence item) as links too.
    #[arg(long)]
    pub with_seen_on: bool,
}

/// What to keep before exporting or viewing.
#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    /// Only nodes of these kinds (comma-separated: email,phone,domain,host,ip,wallet …).
    #[arg(long, value_name = "KINDS")]
    pub types: Option<String>,
    /// Only edges of these kinds (comma-separated: co-occurs,communicates,seen-on …).
    #[arg(long, value_name = "KINDS")]
    pub edge_kinds: Option<String>,
    /// Only edges at least this heavy.
    #[arg(long, value_name = "W", default_value_t = 0.0)]
    pub min_weight: f64,
    /// Only the ego network of this node (key or value).
    #[arg(long, value_name = "NODE")]
    pub ego: Option<String>,
    /// Depth of --ego.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub depth: usize,
    /// Only this community (as `peel graph communities` numbers them).
    #[arg(long, value_name = "N")]
    pub community: Option<usize>,
    /// Drop nodes left without edges.
    #[arg(long)]
    pub drop_isolated: bool,
}

/// `peel graph` actions.
#[derive(Debug, Subcommand)]
pub enum GraphAction {
    /// Build a graph from `peel features` / `peel ls --hash sha256` records and stored graphs.
    #[command(
        after_help = "Inputs are JSONL record files (`-` for stdin) or graphs written by peel \
graph; all are merged. Entities are keyed by normalised value (e-mail lower-cased with an IDNA \
domain, phones E.164, hosts lower-cased …); each node lists the steps applied.\n\nExamples:\n  \
peel graph build features.jsonl -o graph.json\n  peel features disk.E01 | peel graph build - \
--stop stop.txt -o graph.json"
    )]
    Build {
        /// Record files or graph files.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output graph (must not exist).
        #[arg(long, short)]
        out: PathBuf,
        /// Features in free space or raw regions co-occur within this many bytes.
        #[arg(long, value_name = "BYTES", default_value_t = 256)]
        window: u64,
        /// Features inside files co-occur only within this many bytes (default: anywhere in
        /// the same file, or the same message of a mailbox).
        #[arg(long, value_name = "BYTES")]
        file_window: Option<u64>,
        /// Objects naming more distinct entities are not paired (listed in the notes).
        #[arg(long, value_name = "N", default_value_t = 50)]
        max_group: usize,
        /// Most evidence entries kept per edge (counts stay exact).
        #[arg(long, value_name = "N", default_value_t = 1000)]
        max_evidence: usize,
        /// Stop list: keys (`email:root@localhost`), values, or `re:REGEX` on keys, one a line;
        /// removed entities are listed in the graph.
        #[arg(long, value_name = "FILE")]
        stop: Option<PathBuf>,
        /// Region for national phone numbers (ISO 3166, e.g. GB).
        #[arg(long, value_name = "REGION")]
        default_region: Option<String>,
        /// No seen-on edges (entity → evidence item).
        #[arg(long)]
        no_seen_on: bool,
    },
    /// Turn a table (call records, messages, ANPR reads, contacts) into a graph.
    #[command(
        after_help = "--map names columns: from=,to= (one edge per row, directed; kind= sets \
the edge kind, default communicates; weight= a numeric column; note= columns quoted in the \
evidence), or entity=,place= (sightings; with --colocate, entities seen at one place within \
SECONDS are linked co-located). time= is read as RFC 3339, or as UTC when it has no zone.\n\n\
Examples:\n  peel graph ingest-csv calls.csv --map from=caller,to=callee,time=start,kind=call,\
note=type --type phone --default-region GB -o calls.json\n  peel graph ingest-csv anpr.csv --map \
entity=plate,place=camera,time=time,lat=lat,lon=lon --type plate --colocate 120 -o anpr.json"
    )]
    IngestCsv {
        /// The table (a header row first).
        file: PathBuf,
        /// Column meanings.
        #[arg(long, value_name = "SPEC")]
        map: String,
        /// Entity kind of from/entity values (phone, email, handle, plate, ip …).
        #[arg(long = "type", value_name = "KIND", default_value = "phone")]
        kind: String,
        /// Entity kind of to values (default: as --type).
        #[arg(long, value_name = "KIND")]
        to_type: Option<String>,
        /// Link entities seen at the same place within this many seconds.
        #[arg(long, value_name = "SECONDS")]
        colocate: Option<i64>,
        /// Field delimiter.
        #[arg(long, default_value_t = ',')]
        delimiter: char,
        /// Region for national phone numbers (ISO 3166, e.g. GB).
        #[arg(long, value_name = "REGION")]
        default_region: Option<String>,
        /// Output graph (must not exist).
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Counts of nodes and edges by kind, components, removed entities and notes.
    #[command(
        after_help = "Examples:\n  peel graph stats graph.json\n  peel graph stats --format json graph.json | jq '.rows[] | select(.what == \"nodes\")'"
    )]
    Stats {
        /// Graph file.
        graph: PathBuf,
        /// Which edges are links.
        #[command(flatten)]
        links: LinkArgs,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<GraphFormat>,
    },
    /// The most central entities.
    #[command(
        after_help = "Examples:\n  peel graph top graph.json --by pagerank -n 10\n  \
peel graph top graph.json --by betweenness --kind email"
    )]
    Top {
        /// Graph file.
        graph: PathBuf,
        /// Measure.
        #[arg(long, value_enum, default_value_t = Centrality::Degree)]
        by: Centrality,
        /// How many.
        #[arg(short = 'n', long, default_value_t = 20)]
        count: usize,
        /// Only entities of this kind.
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        /// Betweenness on graphs over 5,000 nodes: sample this many source nodes (default:
        /// as many as a fixed work budget allows, 50 to 500; the output says how many).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        samples: Option<u64>,
        /// Which edges are links.
        #[command(flatten)]
        links: LinkArgs,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<GraphFormat>,
    },
    /// Louvain communities, largest first.
    #[command(
        after_help = "Examples:\n  peel graph communities graph.json\n  peel graph communities --format csv graph.json > communities.csv"
    )]
    Communities {
        /// Graph file.
        graph: PathBuf,
        /// List every member instead of a summary per community.
        #[arg(long)]
        members: bool,
        /// Which edges are links.
        #[command(flatten)]
        links: LinkArgs,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<GraphFormat>,
    },
    /// Shortest (and k-shortest) paths between two entities, with the evidence for every hop.
    #[command(
        after_help = "Nodes are named by key (email:alice@example.org) or value \
(alice@example.org, +447700900123).\n\nExamples:\n  peel graph path graph.json alice@example.org \
+447700900456 -k 3\n  peel graph path --format json graph.json alice@example.org bob@example.net"
    )]
    Path {
        /// Graph file.
        graph: PathBuf,
        /// From.
        a: String,
        /// To.
        b: String,
        /// How many paths (shortest first).
        #[arg(short, long, default_value_t = 1)]
        k: usize,
        /// Which edges are links.
        #[command(flatten)]
        links: LinkArgs,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<GraphFormat>,
    },
    /// The entities within N links of one entity (or write that subgraph with -o).
    #[command(
        after_help = "Examples:\n  peel graph ego graph.json alice@example.org --depth 2\n  \
peel graph ego graph.json +447700900123 --depth 1 -o alice-ego.json"
    )]
    Ego {
        /// Graph file.
        graph: PathBuf,
        /// The entity.
        node: String,
        /// Links away.
        #[arg(long, default_value_t = 1)]
        depth: usize,
        /// Write the subgraph as a graph file instead of listing it.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Which edges are links.
        #[command(flatten)]
        links: LinkArgs,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<GraphFormat>,
    },
    /// Entities linked to both A and B (shared contacts).
    #[command(
        after_help = "Examples:\n  peel graph common graph.json alice@example.org dave@example.com\n  \
peel graph common --format csv graph.json +447700900123 +447700900456"
    )]
    Common {
        /// Graph file.
        graph: PathBuf,
        /// One entity.
        a: String,
        /// The other.
        b: String,
        /// Which edges are links.
        #[command(flatten)]
        links: LinkArgs,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<GraphFormat>,
    },
    /// Every record that links A and B, with locators and context.
    #[command(
        after_help = "Examples:\n  peel graph explain graph.json alice@example.org bob@example.net\n  \
peel graph explain --format jsonl graph.json alice@example.org +447700900123 > evidence.jsonl"
    )]
    Explain {
        /// Graph file.
        graph: PathBuf,
        /// One entity.
        a: String,
        /// The other.
        b: String,
        /// Which edges are links (for the path shown when A and B are not linked directly).
        #[command(flatten)]
        links: LinkArgs,
        /// Output format.
        #[arg(long, value_enum)]
        format: Option<GraphFormat>,
    },
    /// Write the graph for Gephi, Neo4j, Graphviz, Cytoscape, spreadsheets.
    #[command(
        after_help = "Examples:\n  peel graph export graph.json --to graphml -o graph.graphml\n  \
peel graph export graph.json --to neo4j -o neo4j-import/\n  peel graph export graph.json --to dot \
--types email,phone --min-weight 2 -o people.dot && dot -Tsvg people.dot > people.svg"
    )]
    Export {
        /// Graph file.
        graph: PathBuf,
        /// Format.
        #[arg(long, value_enum)]
        to: GraphExport,
        /// Output file (a new folder for neo4j and csv); must not exist.
        #[arg(long, short)]
        out: PathBuf,
        /// What to keep.
        #[command(flatten)]
        filter: FilterArgs,
        /// Which edges are links (for measures, --ego and --community).
        #[command(flatten)]
        links: LinkArgs,
    },
    /// Write a self-contained HTML viewer (works offline).
    #[command(
        after_help = "Examples:\n  peel graph view graph.json -o graph.html\n  \
peel graph view graph.json --types email,phone --min-weight 2 -o people.html"
    )]
    View {
        /// Graph file.
        graph: PathBuf,
        /// Output HTML file (must not exist).
        #[arg(long, short)]
        out: PathBuf,
        /// What to keep.
        #[command(flatten)]
        filter: FilterArgs,
        /// Which edges are links (for measures, --ego and --community).
        #[command(flatten)]
        links: LinkArgs,
    },
}
