//! Rule sources (files, folders, the bundled set), compiling them with the external variables
//! peel defines, and the compiled-rules cache.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ScanError;
use crate::worker::EXTERNALS;

/// One file of YARA source, and the namespace its rules go into.
#[derive(Debug, Clone)]
pub struct RuleSource {
    /// Where it came from (a path, or `bundled:NAME`), as shown in messages.
    pub origin: String,
    /// Namespace of its rules.
    pub namespace: String,
    /// The source bytes (not necessarily UTF-8; the compiler says so if not).
    pub text: Vec<u8>,
}

impl RuleSource {
    /// Source given as text, in namespace `namespace`.
    pub fn text(namespace: &str, text: &str) -> Self {
        RuleSource {
            origin: namespace.to_string(),
            namespace: namespace.to_string(),
            text: text.as_bytes().to_vec(),
        }
    }
}

/// The rule set shipped in the binary (`rules/` of the source tree).
pub fn bundled() -> Vec<RuleSource> {
    BUNDLED
        .iter()
        .map(|(name, text)| RuleSource {
            origin: format!("bundled:{name}.yar"),
            namespace: (*name).to_string(),
            text: text.as_bytes().to_vec(),
        })
        .collect()
}

const BUNDLED: &[(&str, &str)] = &[
    (
        "crypto_wallets",
        include_str!("../../../rules/crypto_wallets.yar"),
    ),
    (
        "private_keys",
        include_str!("../../../rules/private_keys.yar"),
    ),
    (
        "password_stores",
        include_str!("../../../rules/password_stores.yar"),
    ),
    ("anonymity", include_str!("../../../rules/anonymity.yar")),
    (
        "encrypted_containers",
        include_str!("../../../rules/encrypted_containers.yar"),
    ),
    ("test_files", include_str!("../../../rules/test_files.yar")),
];

fn is_rule_file(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yar") || e.eq_ignore_ascii_case("yara"))
}

/// Reads rule files from `paths`: a file is taken as it is (whatever its extension); a folder
/// is walked recursively for `.yar`/`.yara` files, in sorted order. Each file gets its own
/// namespace: its path relative to the folder given, without the extension (`apt/x` for
/// `DIR/apt/x.yar`), or the file's stem; a clash gets a `~2`, `~3` … suffix.
pub fn collect_sources(paths: &[PathBuf]) -> Result<Vec<RuleSource>, ScanError> {
    let mut out = Vec::new();
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    let mut push = |origin: &Path, ns: String, out: &mut Vec<RuleSource>| {
        let text = std::fs::read(origin).map_err(|source| ScanError::Read {
            path: origin.to_path_buf(),
            source,
        })?;
        let n = used.entry(ns.clone()).or_insert(0);
        *n += 1;
        let namespace = if *n == 1 { ns } else { format!("{ns}~{n}") };
        out.push(RuleSource {
            origin: origin.display().to_string(),
            namespace,
            text,
        });
        Ok::<(), ScanError>(())
    };
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| ScanError::Read {
            path: p.clone(),
            source,
        })?;
        if meta.is_dir() {
            let before = out.len();
            let walk = walkdir::WalkDir::new(p)
                .follow_links(true)
                .sort_by_file_name();
            for item in walk {
                let item = item.map_err(|e| ScanError::Read {
                    path: e.path().map(Path::to_path_buf).unwrap_or_else(|| p.clone()),
                    source: e.into(),
                })?;
                if !item.file_type().is_file() || !is_rule_file(item.path()) {
                    continue;
                }
                let rel = item.path().strip_prefix(p).unwrap_or(item.path());
                let ns = rel
                    .with_extension("")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                push(item.path(), ns, &mut out)?;
            }
            if out.len() == before {
                return Err(ScanError::NoRules { path: p.clone() });
            }
        } else {
            let ns = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "default".into());
            push(p, ns, &mut out)?;
        }
    }
    Ok(out)
}

/// A `-d NAME=VALUE` definition: booleans, integers and floats by their look, else a string.
#[derive(Debug, Clone, PartialEq)]
pub struct Define {
    /// Variable name.
    pub name: String,
    /// Its value.
    pub value: DefineValue,
}

/// Value of a definition.
#[derive(Debug, Clone, PartialEq)]
pub enum DefineValue {
    /// `true`/`false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Anything else (surrounding double quotes removed).
    Str(String),
}

impl Define {
    /// Parses `NAME=VALUE`.
    pub fn parse(text: &str) -> Result<Self, ScanError> {
        let bad = |reason: &str| ScanError::Define {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let (name, value) = text
            .split_once('=')
            .ok_or_else(|| bad("expected NAME=VALUE"))?;
        let name = name.trim();
        let ok_ident = name
            .chars()
            .next()
            .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
            && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
        if !ok_ident {
            return Err(bad("the name is not a YARA identifier"));
        }
        let value = if value == "true" || value == "false" {
            DefineValue::Bool(value == "true")
        } else if let Ok(i) = value.parse::<i64>() {
            DefineValue::Int(i)
        } else if let Some(f) = value.parse::<f64>().ok().filter(|_| value.contains('.')) {
            DefineValue::Float(f)
        } else {
            let s = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            DefineValue::Str(s.to_string())
        };
        Ok(Define {
            name: name.to_string(),
            value,
        })
    }
}

/// A compile error or warning, located in its rule file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct RuleProblem {
    /// Rule file (path or `bundled:NAME`).
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// yara-x's code (`E009`, `slow_pattern` …).
    pub code: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {} [{}]",
            self.file, self.line, self.column, self.message, self.code
        )
    }
}

/// What compiling a set of sources gave.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Errors: the rules they are in were left out.
    pub errors: Vec<RuleProblem>,
    /// Warnings, each once.
    pub warnings: Vec<RuleProblem>,
    /// Rule files given.
    pub files: usize,
    /// Rule files with at least one error.
    pub failed_files: usize,
}

/// Rules ready to scan with, and what peel needs to know to set their variables.
pub struct Compiled {
    pub(crate) rules: yara_x::Rules,
    /// Variables given with `-d`: never overwritten per object.
    pub(crate) fixed: BTreeSet<String>,
    pub(crate) defines: Vec<Define>,
    /// Whether the rules may read the `md5`/`sha256` variables (so each object is hashed
    /// before it is scanned).
    pub(crate) wants_hashes: bool,
    /// SHA-256 identifying the rule set: of the sources (namespace and bytes of each, in
    /// order) or of the compiled file loaded.
    pub digest: String,
}

/// Byte offset to 1-based (line, column).
fn line_col(text: &[u8], at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, col)
}

fn problem(src: &RuleSource, code: &str, title: &str, labels: Vec<(usize, String)>) -> RuleProblem {
    let (line, column, message) = match labels.into_iter().next() {
        Some((at, text)) => {
            let (l, c) = line_col(&src.text, at);
            let m = if text.is_empty() || text == title {
                title.to_string()
            } else {
                format!("{title}: {text}")
            };
            (l, c, m)
        }
        None => (0, 0, title.to_string()),
    };
    RuleProblem {
        file: src.origin.clone(),
        line,
        column,
        code: code.to_string(),
        message,
    }
}

fn define_on(c: &mut yara_x::Compiler<'_>, d: &Define) -> Result<(), ScanError> {
    let r = match &d.value {
        DefineValue::Bool(b) => c.define_global(&d.name, *b).map(|_| ()),
        DefineValue::Int(i) => c.define_global(&d.name, *i).map(|_| ()),
        DefineValue::Float(f) => c.define_global(&d.name, *f).map(|_| ()),
        DefineValue::Str(s) => c.define_global(&d.name, s.as_str()).map(|_| ()),
    };
    r.map_err(|e| ScanError::Define {
        text: d.name.clone(),
        reason: e.to_string(),
    })
}

/// Whether `text` may use `md5` or `sha256` as a bare identifier (not `hash.md5(…)`).
fn mentions_hash_vars(text: &[u8]) -> bool {
    ["md5", "sha256"].iter().any(|w| {
        let w = w.as_bytes();
        text.windows(w.len()).enumerate().any(|(i, win)| {
            win == w
                && (i == 0
                    || text
                        .get(i - 1)
                        .is_some_and(|&b| !(b"._$#@!".contains(&b) || b.is_ascii_alphanumeric())))
                && text
                    .get(i + w.len())
                    .is_none_or(|&b| !(b == b'(' || b == b'_' || b.is_ascii_alphanumeric()))
        })
    })
}

impl Compiled {
    /// Compiles `sources`, each in its namespace, with peel's external variables (and
    /// `defines`, which take precedence) defined. A file with errors loses the rules in error
    /// and is reported; with `strict` the first error is fatal. Fails when nothing compiled.
    pub fn build(
        sources: &[RuleSource],
        defines: &[Define],
        strict: bool,
    ) -> Result<(Compiled, Report), ScanError> {
        let mut c = yara_x::Compiler::new();
        let fixed: BTreeSet<String> = defines.iter().map(|d| d.name.clone()).collect();
        for d in defines {
            define_on(&mut c, d)?;
        }
        for name in EXTERNALS {
            if !fixed.contains(*name) {
                c.define_global(name, "").map_err(|e| ScanError::Define {
                    text: (*name).to_string(),
                    reason: e.to_string(),
                })?;
            }
        }
        let mut report = Report {
            files: sources.len(),
            ..Report::default()
        };
        let mut seen_warnings = 0usize;
        let mut seen_errors = 0usize;
        let mut digest = Sha256::new();
        let mut wants_hashes = false;
        for src in sources {
            digest.update((src.namespace.len() as u64).to_le_bytes());
            digest.update(src.namespace.as_bytes());
            digest.update((src.text.len() as u64).to_le_bytes());
            digest.update(&src.text);
            wants_hashes |= mentions_hash_vars(&src.text);
            c.new_namespace(&src.namespace);
            let code = yara_x::SourceCode::from(src.text.as_slice()).with_origin(&src.origin);
            let failed = c.add_source(code).is_err();
            for e in c.errors().get(seen_errors..).unwrap_or_default() {
                let labels = e
                    .labels()
                    .map(|l| (l.span().start(), l.text().to_string()))
                    .collect();
                let p = problem(src, e.code(), e.title(), labels);
                if strict {
                    return Err(ScanError::Compile(p));
                }
                report.errors.push(p);
            }
            seen_errors = c.errors().len();
            if failed {
                report.failed_files += 1;
            }
            for w in c.warnings().get(seen_warnings..).unwrap_or_default() {
                let labels = w
                    .labels()
                    .map(|l| (l.span().start(), l.text().to_string()))
                    .collect();
                report
                    .warnings
                    .push(problem(src, w.code(), w.title(), labels));
            }
            seen_warnings = c.warnings().len();
        }
        report.warnings.sort();
        report.warnings.dedup();
        let rules = c.build();
        if rules.iter().len() == 0 && report.failed_files > 0 {
            return Err(ScanError::Empty {
                errors: report.failed_files,
            });
        }
        Ok((
            Compiled {
                rules,
                fixed,
                defines: defines.to_vec(),
                wants_hashes,
                digest: hex(&digest.finalize()),
            },
            report,
        ))
    }

    /// Loads rules compiled by [`Compiled::to_bytes`] (or by `yr compile` of the same yara-x
    /// version). The rules' own variables are kept; `defines` are set on every scanner.
    pub fn from_bytes(bytes: &[u8], defines: &[Define]) -> Result<Compiled, ScanError> {
        let rules =
            yara_x::Rules::deserialize(bytes).map_err(|e| ScanError::Serialized(e.to_string()))?;
        Ok(Compiled {
            rules,
            fixed: defines.iter().map(|d| d.name.clone()).collect(),
            defines: defines.to_vec(),
            // The sources are not at hand: hash every object in case a rule asks.
            wants_hashes: true,
            digest: hex(&Sha256::digest(bytes)),
        })
    }

    /// The compiled form, for `--compiled` (and `yr scan -C`).
    pub fn to_bytes(&self) -> Result<Vec<u8>, ScanError> {
        self.rules
            .serialize()
            .map_err(|e| ScanError::Serialized(e.to_string()))
    }

    /// Number of rules (private ones included).
    pub fn len(&self) -> usize {
        self.rules.iter().len()
    }

    /// True when there are no rules.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether objects must be hashed before scanning (rules may read `md5`/`sha256`).
    pub fn wants_hashes(&self) -> bool {
        self.wants_hashes
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn defines_take_their_type_from_the_value() {
        let v = |t: &str| Define::parse(t).map(|d| d.value).ok();
        assert_eq!(v("a=true"), Some(DefineValue::Bool(true)));
        assert_eq!(v("a=-12"), Some(DefineValue::Int(-12)));
        assert_eq!(v("a=1.5"), Some(DefineValue::Float(1.5)));
        assert_eq!(v("a=\"x y\""), Some(DefineValue::Str("x y".into())));
        assert_eq!(v("a=inf"), Some(DefineValue::Str("inf".into())));
        assert!(Define::parse("1a=2").is_err());
        assert!(Define::parse("novalue").is_err());
    }

    #[test]
    fn errors_name_file_line_and_column_and_keep_the_good_rules() {
        let good = RuleSource::text("good", "rule ok { condition: true }");
        let bad = RuleSource {
            origin: "bad.yar".into(),
            namespace: "bad".into(),
            text: b"rule fine { condition: true }\n\nrule broken {\n  condition: nosuchthing\n}\n"
                .to_vec(),
        };
        let (c, r) = Compiled::build(&[good.clone(), bad.clone()], &[], false).unwrap();
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        let e = &r.errors[0];
        assert_eq!((e.file.as_str(), e.line, e.column), ("bad.yar", 4, 14));
        assert!(e.message.contains("unknown identifier"), "{}", e.message);
        // `fine` (same file, no error) and `ok` remain.
        assert_eq!(c.len(), 2);
        assert!(matches!(
            Compiled::build(&[good, bad], &[], true),
            Err(ScanError::Compile(_))
        ));
    }

    #[test]
    fn hash_variables_are_spotted_but_not_the_hash_module() {
        assert!(mentions_hash_vars(b"condition: md5 == \"x\""));
        assert!(mentions_hash_vars(b"condition: sha256 != \"\""));
        assert!(!mentions_hash_vars(
            b"condition: hash.md5(0, filesize) == \"x\""
        ));
        assert!(!mentions_hash_vars(b"$md5_str = \"a\""));
    }

    #[test]
    fn line_and_column() {
        assert_eq!(line_col(b"ab\ncd", 4), (2, 2));
        assert_eq!(line_col(b"ab", 0), (1, 1));
    }
}
