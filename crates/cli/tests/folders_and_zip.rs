//! Host folders and zip archives go through the same Entry model as disk images.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;

#[test]
fn host_folder_hashes_equal_the_copies_on_the_fat_volume() {
    let tree = testdata().join("tree");
    let o = peel(&[
        "ls",
        "-r",
        "--hash",
        "sha256",
        "--format",
        "jsonl",
        tree.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let recs = records(&o);
    // The generator copied tree/ into FAT16 partition 1; TSK hashed the copies there.
    let fat = parse_files_tsv(&truth("fat-disk/p1.files.tsv"));
    let mut n = 0;
    for r in files(&recs).into_iter().filter(|r| r["kind"] == "file") {
        let row = fat
            .values()
            .find(|t| t["path"] == r["path"].as_str().unwrap() && t["deleted"] == "no");
        let row = row.unwrap_or_else(|| panic!("{} not on the FAT volume", r["path"]));
        assert_eq!(r["sha256"], row["sha256"].as_str(), "{}", r["path"]);
        assert_eq!(r["fs"], "dir");
        n += 1;
    }
    assert_eq!(n, 12);
    let o = peel(&["ls", "--format", "csv", tree.to_str().unwrap()]);
    let csv = stdout(&o);
    assert!(csv.starts_with("locator,evidence,volume"));
    assert!(csv.contains(",README.txt,README.txt,"), "{csv}");
}

#[test]
fn zip_members_match_unzip() {
    let zip = testdata().join("tree/Archive/bundle.zip");
    let z = zip.to_str().unwrap();
    let o = peel(&["ls", "-r", "--hash", "sha256", "--format", "jsonl", z]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let recs = records(&o);
    let want = truth("zip/bundle.files.tsv");
    let mut n = 0;
    for line in want.lines() {
        let c: Vec<&str> = line.split('\t').collect();
        let r = files(&recs)
            .into_iter()
            .find(|r| r["path"] == c[0])
            .unwrap();
        assert_eq!(r["size"].as_u64().unwrap().to_string(), c[1]);
        assert_eq!(r["sha256"], c[2]);
        assert_eq!(r["fs"], "zip");
        n += 1;
    }
    assert_eq!(n, 2);
    let o = peel(&["cat", z, "sub/inner.txt"]);
    assert_eq!(code(&o), 0);
    assert!(want.contains(&sha256_hex(&o.stdout)));
}

#[test]
fn broken_pipe_exits_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_peel"))
        .args(["ls", "-r", "--format", "jsonl", e01().to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"));
}
