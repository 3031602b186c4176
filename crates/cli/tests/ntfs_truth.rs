//! peel against The Sleuth Kit's ground truth on the committed NTFS volume (partition 1 of
//! the GPT disk): names, TSK addresses (`76-128-4`), deleted flags, SHA-256 of every stream
//! (resident, non-resident, sparse, LZNT1-compressed, ADS, deleted), bodyfile rows with both
//! `$STANDARD_INFORMATION` and `$FILE_NAME` times, and unallocated space equal to `blkls`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;

fn listing(hash: bool) -> Vec<serde_json::Value> {
    let img = image("gpt-ntfs-ext");
    let mut args = vec!["ls", "-r", "--format", "jsonl", "--volume", "1"];
    if hash {
        args.extend(["--hash", "sha256"]);
    }
    let img_s = img.to_str().unwrap().to_string();
    args.push(&img_s);
    let o = peel(&args);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    records(&o)
}

#[test]
fn names_addresses_and_deleted_flags_equal_fls() {
    let mut want = parse_fls(&truth("gpt-ntfs-ext/p1.fls.txt"));
    let mut got = as_fls(&listing(false));
    want.sort();
    got.sort();
    assert_eq!(got, want);
    assert!(
        got.iter()
            .any(|e| e.path == "OldDir/inside.txt" && e.deleted)
    );
    assert!(got.iter().any(|e| e.path == "$OrphanFiles/OrphanFile-16"));
}

#[test]
fn stream_hashes_equal_icat() {
    let truth = parse_files_tsv(&truth("gpt-ntfs-ext/p1.files.tsv"));
    let recs = listing(true);
    let mut checked = 0;
    for row in truth.values().filter(|r| r["recoverable"] == "yes") {
        let r = files(&recs)
            .into_iter()
            .find(|r| r["tsk_addr"] == row["inode"].as_str() && r["path"] == row["path"].as_str())
            .unwrap_or_else(|| panic!("{} {} not listed", row["inode"], row["path"]));
        assert_eq!(r["sha256"], row["sha256"].as_str(), "{}", row["path"]);
        assert_eq!(
            r["size"].as_u64().unwrap().to_string(),
            row["size"],
            "{}",
            row["path"]
        );
        checked += 1;
    }
    assert_eq!(checked, 18, "every recoverable stream TSK lists");
    let by = |p: &str| {
        files(&recs)
            .into_iter()
            .find(|r| r["path"] == p)
            .unwrap()
            .clone()
    };
    assert!(
        by("Compressed/compressible.txt")["attributes"]
            .to_string()
            .contains("compressed")
    );
    assert!(
        by("sparse.bin")["attributes"]
            .to_string()
            .contains("sparse")
    );
    assert_eq!(
        by("deleted-large.bin")["content_source"],
        "deleted-data-runs"
    );
    assert_eq!(
        by("deleted-small.txt")["content_source"],
        "deleted-mft-resident"
    );
}

#[test]
fn deleted_files_hash_to_their_originals() {
    // The generator kept the files it deleted; their hashes are in deleted.tsv.
    let recs = listing(true);
    let del = truth("gpt-ntfs-ext/p1.deleted.tsv");
    let mut n = 0;
    for l in del.lines().skip(1) {
        let c: Vec<&str> = l.split('\t').collect();
        if c[3] == "-" {
            continue;
        }
        let r = files(&recs)
            .into_iter()
            .find(|r| r["path"] == c[1])
            .unwrap();
        assert_eq!(r["deleted"], true);
        assert_eq!(r["sha256"], c[3], "{}", c[1]);
        n += 1;
    }
    assert_eq!(n, 4);
}

#[test]
fn both_time_sets_are_recorded() {
    let recs = listing(false);
    let r = files(&recs)
        .into_iter()
        .find(|r| r["path"] == "README.txt")
        .unwrap();
    assert!(r["modified"].is_string());
    assert_eq!(r["extra_times"][0]["source"], "$FILE_NAME");
    assert!(r["extra_times"][0]["created"].is_string());
    let istat = truth("gpt-ntfs-ext/p1.istat-dosname.txt");
    let d = files(&recs)
        .into_iter()
        .find(|r| r["path"] == "Long name with a DOS alias.txt")
        .unwrap();
    assert_eq!(d["short_name"], "LONGNA~1.TXT");
    assert!(istat.contains("LONGNA~1.TXT"));
}

/// TSK's bodyfile rows, normalised where TSK's output is an artefact rather than a fact:
/// the UID column (TSK reads the owner id 48 bytes into $STANDARD_INFORMATION even when the
/// attribute is the 48-byte NTFS 1.2 form, so it prints the next attribute's type), a zero
/// FILETIME (TSK prints 2076-11-29 = 3373865674, peel 0), its virtual `$OrphanFiles` folder, and
/// the `$FILE_NAME` rows of hard-linked files (TSK shows one name's attribute for every name;
/// peel shows each name's own).
fn normalise(body: &str, hardlinked: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = body
        .lines()
        .filter(|l| !l.starts_with("0|/$OrphanFiles|"))
        .filter(|l| {
            let c: Vec<&str> = l.split('|').collect();
            !(c[1].contains("($FILE_NAME)")
                && hardlinked
                    .iter()
                    .any(|r| c[2].starts_with(&format!("{r}-"))))
        })
        .map(|l| {
            let mut c: Vec<String> = l.split('|').map(str::to_string).collect();
            c[4] = "0".into();
            for t in &mut c[7..11] {
                if t == "3373865674" {
                    *t = "0".into();
                }
            }
            c.join("|")
        })
        .collect();
    v.sort();
    v
}

#[test]
fn bodyfile_rows_equal_fls_m() {
    let img = image("gpt-ntfs-ext");
    let o = peel(&[
        "ls",
        "-r",
        "--format",
        "bodyfile",
        "--volume",
        "1",
        img.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0);
    let hard = ["77"]; // shared-notes.txt and its second name
    let got = normalise(&stdout(&o), &hard);
    let want = normalise(&truth("gpt-ntfs-ext/p1.body.txt"), &hard);
    assert_eq!(got, want);
    assert!(got.iter().filter(|l| l.contains("($FILE_NAME)")).count() > 30);
}

#[test]
fn alternate_data_stream_via_cat() {
    let img = image("gpt-ntfs-ext");
    let i = img.to_str().unwrap();
    let truth = parse_files_tsv(&truth("gpt-ntfs-ext/p1.files.tsv"));
    let row = truth.values().find(|r| r["inode"] == "76-128-4").unwrap();
    let o = peel(&["cat", i, "Users/alice/Documents/report.txt:secret"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(sha256_hex(&o.stdout), row["sha256"]);
    assert_eq!(o.stdout.len().to_string(), row["size"]);
}

#[test]
fn unallocated_space_equals_blkls() {
    let img = image("gpt-ntfs-ext");
    let o = peel(&["unalloc", "--raw", "--volume", "1", img.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let want = truth("gpt-ntfs-ext/p1.blkls.txt");
    let (len, sha) = want.trim().split_once(' ').unwrap();
    assert_eq!(o.stdout.len().to_string(), len);
    assert_eq!(sha256_hex(&o.stdout), sha);
}

#[test]
fn info_reports_ntfs_facts() {
    let img = image("gpt-ntfs-ext");
    let o = peel(&["info", "--format", "json", img.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let v = &doc["volumes"][0];
    assert_eq!(v["fs"], "ntfs");
    assert_eq!(v["volume"]["offset"], 2048 * 512);
    assert_eq!(v["fs_info"]["label"], "NTFSVOL");
    assert_eq!(v["fs_info"]["cluster_size"], "4096");
    let fsstat = truth("gpt-ntfs-ext/fsstat-p1.txt");
    let serial = v["fs_info"]["serial"].as_str().unwrap().to_uppercase();
    assert!(
        fsstat.to_uppercase().contains(&serial),
        "serial {serial} in fsstat"
    );
    let unalloc: u64 = v["fs_info"]["unallocated_bytes"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let blk = truth("gpt-ntfs-ext/p1.blkls.txt");
    assert_eq!(unalloc.to_string(), blk.split_whitespace().next().unwrap());
}
