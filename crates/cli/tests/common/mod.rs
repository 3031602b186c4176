//! Shared helpers for the CLI tests: the real `peel` binary, the committed test images
//! (decompressed once per build into the target tmpdir) and the recorded TSK ground truth.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .canonicalize()
        .unwrap()
}

pub fn truth(rel: &str) -> String {
    std::fs::read_to_string(testdata().join("truth").join(rel)).unwrap()
}

/// Decompresses `testdata/images/NAME.img.gz` once (atomically) and returns the raw path.
pub fn image(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("peel-images");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(format!("{name}.img"));
    let gz = testdata().join("images").join(format!("{name}.img.gz"));
    let fresh = out.exists()
        && out.metadata().unwrap().modified().unwrap()
            >= gz.metadata().unwrap().modified().unwrap();
    if !fresh {
        let mut d = flate2::read::GzDecoder::new(std::fs::File::open(&gz).unwrap());
        let mut buf = Vec::new();
        d.read_to_end(&mut buf).unwrap();
        let tmp = tempfile::NamedTempFile::new_in(&dir).unwrap();
        std::fs::write(tmp.path(), &buf).unwrap();
        tmp.persist(&out).unwrap();
    }
    out
}

pub fn e01() -> PathBuf {
    testdata().join("images/fat-disk.E01")
}

/// Runs peel with a time limit, so a hang fails the test instead of stalling it.
pub fn peel(args: &[&str]) -> Output {
    peel_in(args, None)
}

pub fn peel_in(args: &[&str], cwd: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peel"));
    cmd.args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null());
    if let Some(c) = cwd {
        cmd.current_dir(c);
    }
    let mut child = cmd.spawn().unwrap();
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t1 = std::thread::spawn(move || {
        let mut v = Vec::new();
        so.read_to_end(&mut v).unwrap();
        v
    });
    let t2 = std::thread::spawn(move || {
        let mut v = Vec::new();
        se.read_to_end(&mut v).unwrap();
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("peel {args:?} did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = Output {
        status,
        stdout: t1.join().unwrap(),
        stderr: t2.join().unwrap(),
    };
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "peel {args:?} panicked:\n{err}");
    out
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// JSONL records from stdout.
/// The records of a JSON Lines file.
pub fn jsonl_file(p: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub fn records(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub fn files(recs: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    recs.iter().filter(|r| r["record"] == "file").collect()
}

pub fn errors(recs: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    recs.iter().filter(|r| r["record"] == "error").collect()
}

/// One line of `fls -r -p`: (address as TSK writes it, deleted, directory, path); TSK's
/// virtual entries (`v/v`, `V/V`: `$MBR`, `$FAT1`, `$OrphanFiles` …) left out.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlsEntry {
    pub inode: String,
    pub deleted: bool,
    pub dir: bool,
    pub path: String,
}

pub fn parse_fls(text: &str) -> Vec<FlsEntry> {
    let mut v = Vec::new();
    for line in text.lines() {
        let Some((head, path)) = line.split_once(":\t") else {
            continue;
        };
        let parts: Vec<&str> = head.split_whitespace().collect();
        let ty = parts[0];
        if ty.ends_with('v') || ty.ends_with('V') {
            continue;
        }
        let deleted = parts.contains(&"*");
        let inode = parts
            .last()
            .unwrap()
            .trim_end_matches("(realloc)")
            .to_string();
        let meta = ty.split('/').nth(1).unwrap_or("");
        v.push(FlsEntry {
            inode,
            deleted,
            dir: meta.starts_with('d'),
            path: path.to_string(),
        });
    }
    v
}

/// The same view of peel's JSONL file records.
pub fn as_fls(recs: &[serde_json::Value]) -> Vec<FlsEntry> {
    files(recs)
        .iter()
        .map(|r| FlsEntry {
            inode: r["tsk_addr"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| r["addr"].as_u64().unwrap().to_string()),
            deleted: r["deleted"].as_bool().unwrap(),
            dir: r["kind"] == "dir",
            path: r["path"].as_str().unwrap().to_string(),
        })
        .collect()
}

/// Rows of a `files.tsv` ground-truth table, keyed by inode (TSK's address string).
pub fn parse_files_tsv(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let mut out = BTreeMap::new();
    for l in lines {
        let cols: Vec<&str> = l.split('\t').collect();
        let row: BTreeMap<String, String> = header
            .iter()
            .zip(cols.iter())
            .map(|(h, c)| (h.to_string(), c.to_string()))
            .collect();
        out.insert(format!("{}|{}", row["inode"], row["path"]), row);
    }
    out
}

pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

/// Headless Chromium (`chromium` or `chromium-browser` on PATH); `None` with a note when it
/// is absent outside CI, a failure under CI.
pub fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let c = dir.join(name);
            if c.is_file() {
                return Some(c);
            }
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("chromium is required in CI");
    }
    eprintln!("note: chromium not found on PATH; skipping the browser check");
    None
}

/// A page as headless Chromium left it: the DOM after scripts ran, and the browser's log.
pub struct Page {
    pub dom: String,
    pub log: String,
}

impl Page {
    /// An attribute of the `<body>` element.
    pub fn body_attr(&self, name: &str) -> Option<String> {
        let start = self.dom.find("<body")?;
        let tag = &self.dom[start..start + self.dom[start..].find('>')?];
        let key = format!(" {name}=\"");
        let at = tag.find(&key)? + key.len();
        Some(tag[at..at + tag[at..].find('"')?].to_string())
    }

    /// Console lines and uncaught errors (Chromium logs every console message as
    /// `INFO:CONSOLE`; the pages never log, so any such line is a fault).
    pub fn console_faults(&self) -> Vec<&str> {
        self.log
            .lines()
            .filter(|l| (l.contains(":CONSOLE") && !browser_notice(l)) || l.contains("Uncaught"))
            .collect()
    }
}

/// Loads a local HTML file in headless Chromium (no network, no GPU) and, with `screenshot`,
/// saves a PNG of it too.
pub fn load_page(browser: &Path, file: &Path, screenshot: Option<&Path>) -> Page {
    let profile = tempfile::tempdir().unwrap();
    let base = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--virtual-time-budget=5000",
        "--enable-logging=stderr",
        "--v=0",
    ];
    let url = format!("file://{}", file.display());
    let run = |extra: &[String]| -> Output {
        let child = Command::new(browser)
            .args(base)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(&url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read the pipes while waiting (a DOM bigger than the pipe buffer would block).
        let pid = child.id();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        match rx.recv_timeout(Duration::from_secs(90)) {
            Ok(o) => o.unwrap(),
            Err(_) => {
                let _ = Command::new("kill").arg(pid.to_string()).status();
                panic!("chromium did not finish within 90 s");
            }
        }
    };
    let o = run(&["--dump-dom".to_string()]);
    if let Some(png) = screenshot {
        let s = run(&[
            format!("--screenshot={}", png.display()),
            "--window-size=1400,900".to_string(),
        ]);
        assert!(
            png.exists(),
            "no screenshot: {}",
            String::from_utf8_lossy(&s.stderr)
        );
    }
    Page {
        dom: String::from_utf8_lossy(&o.stdout).into_owned(),
        log: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// A stored graph with every edge's evidence written out: each citation replaced by the
/// record it cites, with its mentions in place (as `Graph::evidence` does), and the citation's
/// own note joined to the record's. Panics when a citation names a record or mention that is
/// not stored.
pub fn expand_evidence(mut g: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    if g.get("records").is_none() {
        return g; // not a stored graph (a Cytoscape export, say)
    }
    let records = g["records"].as_array().unwrap().clone();
    let mentions = g["mentions"].as_array().unwrap().clone();
    for e in g["edges"].as_array_mut().unwrap() {
        let full: Vec<Value> = e["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let mut r = records[c["record"].as_u64().unwrap() as usize].clone();
                let ms: Vec<Value> = c
                    .get("mentions")
                    .and_then(Value::as_array)
                    .map(|v| {
                        v.iter()
                            .map(|m| mentions[m.as_u64().unwrap() as usize].clone())
                            .collect()
                    })
                    .unwrap_or_default();
                if !ms.is_empty() {
                    r["mentions"] = Value::from(ms);
                }
                if let Some(n) = c.get("note").and_then(Value::as_str) {
                    r["note"] = match r.get("note").and_then(Value::as_str) {
                        Some(a) => Value::from(format!("{a} ({n})")),
                        None => Value::from(n),
                    };
                }
                r
            })
            .collect();
        e["evidence"] = Value::from(full);
    }
    g
}

/// `(source, target) → count` of the edges of one kind.
pub fn edges_of(g: &serde_json::Value, kind: &str) -> BTreeMap<(String, String), u64> {
    g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| {
            (
                (
                    e["source"].as_str().unwrap().to_string(),
                    e["target"].as_str().unwrap().to_string(),
                ),
                e["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// A truth table `a<TAB>b<TAB>count` with a header, keys prefixed by `kind:`.
pub fn truth_edges(file: &str, kind: &str) -> BTreeMap<(String, String), u64> {
    truth(file)
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                (format!("{kind}:{}", f[0]), format!("{kind}:{}", f[1])),
                f[2].parse().unwrap(),
            )
        })
        .collect()
}

/// Lines Chromium itself logs as console messages about the page's graphics context, not
/// written by the page: GL driver messages, and (Chromium 156 and later, with `--disable-gpu`)
/// the notice that falling back to software WebGL is deprecated.
fn browser_notice(line: &str) -> bool {
    line.contains("GL Driver Message")
        || line.contains("Automatic fallback to software WebGL has been deprecated")
}
