//! Hostile and damaged input: each case gives a clear per-item error with a locator, the rest
//! of the listing, and never a panic or a hang (every run has a time limit in `peel()`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;

fn ls_hash(img: &std::path::Path) -> (i32, Vec<serde_json::Value>, String) {
    let o = peel(&[
        "ls",
        "-r",
        "--hash",
        "sha256",
        "--format",
        "jsonl",
        img.to_str().unwrap(),
    ]);
    (code(&o), records(&o), stderr(&o))
}

fn by_path<'a>(recs: &'a [serde_json::Value], path: &str) -> &'a serde_json::Value {
    files(recs)
        .into_iter()
        .find(|r| r["path"] == path)
        .unwrap_or_else(|| panic!("{path} not listed"))
}

const README_SHA: &str = "8d6221c411eb8d16db3e48cf58097b20f7de7e070828a8c820dacb3715769e7c";
const UPPER_SHA: &str = "24f1cbcebdf8b376b1fae83c706a1e74928b6ccc95b170039f50ff6d6d36c8cc";
const Q1_SHA: &str = "f3b2c835ed634f9886081b4f681fbbed8973ffb20d4cc31288eb5db3a290fd16";

#[test]
fn looping_fat_chain_is_an_error_for_that_file_only() {
    let (rc, recs, _) = ls_hash(&image("fat-loop"));
    assert_eq!(rc, 1);
    let chain = by_path(&recs, "CHAIN.TXT");
    assert!(chain.get("sha256").is_none());
    assert!(
        chain["content_error"].as_str().unwrap().contains("loops"),
        "{chain}"
    );
    let errs = errors(&recs);
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0]["locator_text"]
            .as_str()
            .unwrap()
            .ends_with("/ fat12 / CHAIN.TXT#5")
    );
    assert_eq!(by_path(&recs, "README.TXT")["sha256"], README_SHA);
    assert_eq!(by_path(&recs, "AFTER.TXT")["sha256"], UPPER_SHA);
}

#[test]
fn chain_leaving_the_volume_is_reported() {
    let (rc, recs, _) = ls_hash(&image("fat-outside"));
    assert_eq!(rc, 1);
    let chain = by_path(&recs, "CHAIN.TXT");
    assert!(
        chain["content_error"]
            .as_str()
            .unwrap()
            .contains("leaves the volume: cluster 4 points to 2948")
    );
    assert_eq!(by_path(&recs, "AFTER.TXT")["sha256"], UPPER_SHA);
}

#[test]
fn directory_containing_itself_is_walked_once() {
    let (rc, recs, _) = ls_hash(&image("fat-selfdir"));
    assert_eq!(rc, 1);
    let paths: Vec<&str> = files(&recs)
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "SELFVOL     (Volume Label Entry)",
            "README.TXT",
            "SUBDIR",
            "SUBDIR/UPPER.TXT",
            "SUBDIR/Q1.TXT",
            "SUBDIR/LOOP"
        ]
    );
    let errs = errors(&recs);
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0]["message"]
            .as_str()
            .unwrap()
            .contains("directory loop")
    );
    assert!(
        errs[0]["locator_text"]
            .as_str()
            .unwrap()
            .ends_with("SUBDIR/LOOP#247")
    );
    assert_eq!(by_path(&recs, "SUBDIR/Q1.TXT")["sha256"], Q1_SHA);
}

#[test]
fn impossible_boot_sector_is_a_clear_error() {
    let img = image("fat-badbpb");
    let (rc, recs, _) = ls_hash(&img);
    assert_eq!(rc, 1);
    assert!(files(&recs).is_empty());
    assert!(
        errors(&recs)[0]["message"]
            .as_str()
            .unwrap()
            .contains("bytes per sector is 0")
    );
    let o = peel(&["info", img.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("bytes per sector is 0"));
}

#[test]
fn partitions_past_the_end_are_reported_and_the_rest_listed() {
    let img = image("mbr-past-end");
    let (rc, recs, _) = ls_hash(&img);
    assert_eq!(rc, 1);
    let p1: Vec<_> = files(&recs)
        .into_iter()
        .filter(|r| r["volume"]["index"] == 1)
        .collect();
    assert_eq!(
        p1.iter().find(|r| r["path"] == "README.TXT").unwrap()["sha256"],
        README_SHA
    );
    assert_eq!(
        p1.iter().find(|r| r["path"] == "UPPER.TXT").unwrap()["sha256"],
        UPPER_SHA
    );
    // Partition 2 runs past the end, but the file that lies inside the image is intact
    // (TSK's icat gives the same hash: truth/damaged/mbr-past-end.icat-p2-q1.txt).
    assert!(truth("damaged/mbr-past-end.icat-p2-q1.txt").contains(Q1_SHA));
    let q1 = files(&recs)
        .into_iter()
        .find(|r| r["volume"]["index"] == 2 && r["path"] == "Q1.TXT")
        .unwrap();
    assert_eq!(q1["sha256"], Q1_SHA);
    let errs = errors(&recs);
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0]["locator_text"]
            .as_str()
            .unwrap()
            .ends_with("/ vol:3@8388608")
    );
    assert!(
        errs[0]["message"]
            .as_str()
            .unwrap()
            .contains("past the end")
    );
    let o = peel(&["info", "--format", "json", img.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let v2 = &doc["partition_table"]["volumes"][1];
    assert_eq!(v2["length"], 4096 * 512);
    assert_eq!(v2["declared_length"], 8192 * 512);
    assert!(v2["issues"][0].as_str().unwrap().contains("past the end"));
}

#[test]
fn truncated_image_lists_what_survives() {
    let img = image("fat-truncated");
    let (rc, recs, _) = ls_hash(&img);
    assert_eq!(rc, 1);
    let truth = truth("damaged/fat-truncated.files.tsv");
    let mut complete = 0;
    for line in truth.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        let (part, path, deleted, status) = (c[0], c[4], c[2] == "yes", c[6]);
        let vol: u64 = part[1..].parse().unwrap();
        let rec = files(&recs)
            .into_iter()
            .find(|r| r["volume"]["index"] == vol && r["path"] == path);
        match (status, rec) {
            ("complete", Some(r)) if path != "overwritten.txt" => {
                assert!(r.get("sha256").is_some(), "{part} {path}: {r}");
                complete += 1;
            }
            ("missing", Some(r)) | ("partial", Some(r)) if !deleted => {
                assert!(r.get("sha256").is_none(), "{part} {path} cannot be hashed");
                assert!(
                    r["content_error"]
                        .as_str()
                        .unwrap()
                        .contains("past the end"),
                    "{r}"
                );
            }
            _ => {}
        }
    }
    assert!(complete >= 25, "{complete} complete files checked");
    let table = peel(&["info", "--format", "json", img.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&table)).unwrap();
    let issues = doc["partition_table"]["issues"].to_string();
    assert!(issues.contains("extended boot record"), "{issues}");
}

#[test]
fn truncated_or_garbage_e01_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read(e01()).unwrap();
    let cut = dir.path().join("cut.E01");
    std::fs::write(&cut, &data[..data.len() / 3]).unwrap();
    for args in [
        vec!["ls", "-r", "--hash", "sha256"],
        vec!["info"],
        vec!["verify"],
    ] {
        let mut a = args.clone();
        a.push(cut.to_str().unwrap());
        let o = peel(&a);
        assert_ne!(code(&o), 0, "{a:?}");
        assert!(
            stderr(&o).contains("peel: error") || stdout(&o).contains("NOT VERIFIED"),
            "{a:?}: {}",
            stderr(&o)
        );
    }
    let junk = dir.path().join("junk.bin");
    let bytes: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&junk, bytes).unwrap();
    let o = peel(&["ls", "-r", "--format", "jsonl", junk.to_str().unwrap()]);
    assert_eq!(code(&o), 0);
    assert!(records(&o).is_empty());
    assert!(stderr(&o).contains("no file system recognised"));
}

#[test]
fn evidence_is_never_written() {
    let img = image("fat-disk");
    let before = sha256_hex(&std::fs::read(&img).unwrap());
    let m0 = std::fs::metadata(&img).unwrap().modified().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["ls", "-r", "--hash", "md5,sha1,sha256"],
        vec!["info", "--hash", "sha256"],
        vec!["verify"],
    ] {
        let mut a = args.clone();
        a.push(img.to_str().unwrap());
        peel(&a);
    }
    let out = dir.path().join("x");
    peel(&[
        "export",
        img.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(sha256_hex(&std::fs::read(&img).unwrap()), before);
    assert_eq!(std::fs::metadata(&img).unwrap().modified().unwrap(), m0);
}

/// (record number, deleted, path) of TSK's `fls -r -p`, without its `$` system entries.
fn fls_records(text: &str) -> Vec<(String, bool, String)> {
    let mut v: Vec<_> = parse_fls(text)
        .into_iter()
        .filter(|e| !e.path.starts_with('$'))
        .map(|e| {
            (
                e.inode.split('-').next().unwrap().to_string(),
                e.deleted,
                e.path,
            )
        })
        .collect();
    v.sort();
    v
}

fn peel_records(recs: &[serde_json::Value]) -> Vec<(String, bool, String)> {
    let mut v: Vec<_> = as_fls(recs)
        .into_iter()
        .filter(|e| !e.path.starts_with('$'))
        .map(|e| {
            (
                e.inode.split('-').next().unwrap().to_string(),
                e.deleted,
                e.path,
            )
        })
        .collect();
    v.sort();
    v
}

/// The intact files of the damaged NTFS volumes (from the generator's notes) keep their hashes.
fn intact(recs: &[serde_json::Value], except: &str) {
    for (path, sha) in [
        (
            "README.txt",
            "2ece1ec6e769a2669bfd675d2dd376c6412497ec8b845981564bace81ed34089",
        ),
        (
            "fixup.txt",
            "a32e4e45b929c1bd8823ea298dff11dc11616487235b6c918cbc27b15ddb541e",
        ),
        (
            "attrlen.txt",
            "518ef5dc45d998a845c89ec16cec5932b47fd8eb08b697a5bafc06b05c906204",
        ),
        (
            "runlist.bin",
            "8aabfb28370d249ff160b25700ee74536449f08e40c9810e3e6ff6495529421b",
        ),
    ] {
        if path != except {
            assert_eq!(by_path(recs, path)["sha256"], sha, "{path}");
        }
    }
}

#[test]
fn ntfs_record_with_bad_fixup_is_listed_by_name_with_an_error() {
    let (rc, recs, _) = ls_hash(&image("ntfs-fixup"));
    assert_eq!(rc, 1);
    assert_eq!(
        peel_records(&recs),
        fls_records(&truth("damaged/ntfs-fixup.fls.txt"))
    );
    let f = by_path(&recs, "fixup.txt");
    assert!(
        f["content_error"]
            .as_str()
            .unwrap()
            .contains("fixup mismatch in sector 1"),
        "{f}"
    );
    assert!(errors(&recs).iter().any(|e| {
        e["locator_text"]
            .as_str()
            .unwrap()
            .ends_with("$MFT record 65#65")
    }));
    intact(&recs, "fixup.txt");
}

#[test]
fn ntfs_attribute_past_its_record_is_reported() {
    let (rc, recs, _) = ls_hash(&image("ntfs-attrlen"));
    assert_eq!(rc, 1);
    assert_eq!(
        peel_records(&recs),
        fls_records(&truth("damaged/ntfs-attrlen.fls.txt"))
    );
    let f = by_path(&recs, "attrlen.txt");
    assert!(f.get("sha256").is_none());
    assert!(
        f["content_error"]
            .as_str()
            .unwrap()
            .contains("has length 936, past the end of the record"),
        "{f}"
    );
    intact(&recs, "attrlen.txt");
}

#[test]
fn ntfs_run_outside_the_volume_is_not_read() {
    let (rc, recs, _) = ls_hash(&image("ntfs-runlist"));
    assert_eq!(rc, 1);
    assert_eq!(
        peel_records(&recs),
        fls_records(&truth("damaged/ntfs-runlist.fls.txt"))
    );
    let f = by_path(&recs, "runlist.bin");
    assert!(
        f["content_error"]
            .as_str()
            .unwrap()
            .contains("points outside the volume (767 clusters)"),
        "{f}"
    );
    intact(&recs, "runlist.bin");
}

#[test]
fn ntfs_parent_references_that_loop_end() {
    let (rc, recs, _) = ls_hash(&image("ntfs-parentloop"));
    assert_eq!(rc, 1);
    // Same listing as TSK, which also descends one step into the loop and stops.
    assert_eq!(
        peel_records(&recs),
        fls_records(&truth("damaged/ntfs-parentloop.fls.txt"))
    );
    let loops = errors(&recs)
        .iter()
        .filter(|e| e["message"].as_str().unwrap().contains("directory loop"))
        .count();
    assert_eq!(loops, 2);
    intact(&recs, "");
}

/// (path, SHA-256) of the files put in a damaged ext volume, from the generator's notes.
fn ext_sources(name: &str) -> Vec<(String, String)> {
    truth(&format!("damaged/{name}.damage.txt"))
        .lines()
        .filter_map(|l| {
            let path = l.strip_prefix("  /")?.split(" <- ").next()?;
            let sha = l.rsplit_once("sha256 ")?.1.trim_end_matches(')');
            Some((path.to_string(), sha.to_string()))
        })
        .collect()
}

/// A damaged ext volume: the listing equals TSK's, `bad` (inode `ino`) has no hash and an
/// error saying `why`, reported once with its locator, and every other file is intact.
fn ext_damage(name: &str, bad: &str, ino: u64, why: &str) {
    let (rc, recs, _) = ls_hash(&image(name));
    assert_eq!(rc, 1);
    assert_eq!(
        peel_records(&recs),
        fls_records(&truth(&format!("damaged/{name}.fls.txt")))
    );
    let f = by_path(&recs, bad);
    assert!(f.get("sha256").is_none(), "{f}");
    let err = f["content_error"].as_str().unwrap();
    assert!(err.contains(why), "{err}");
    let errs = errors(&recs);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0]["locator_text"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/ ext4 / {bad}#{ino}")),
        "{errs:?}"
    );
    // TSK's icat fails on the same inode.
    assert!(truth(&format!("damaged/{name}.icat.txt")).contains("exit 1, 0 bytes"));
    let sources = ext_sources(name);
    assert_eq!(sources.len(), 4);
    for (path, sha) in sources.iter().filter(|(p, _)| p != bad) {
        assert_eq!(by_path(&recs, path)["sha256"], sha.as_str(), "{path}");
    }
}

#[test]
fn ext4_extent_tree_that_loops_is_an_error_for_that_file_only() {
    ext_damage(
        "ext4-extent-loop",
        "fragmented.bin",
        15,
        "extent tree loops: node block 1170 is referenced twice",
    );
}

#[test]
fn ext4_extent_outside_the_volume_is_not_read() {
    // The other image's fragmented.bin (depth-1 tree with an index node) reads intact.
    ext_damage(
        "ext4-extent-outside",
        "outside.bin",
        16,
        "maps blocks 3048..3052 outside the file system (2048 blocks)",
    );
}
