//! peel against The Sleuth Kit's ground truth on the committed FAT disk (MBR with FAT16,
//! FAT32 and a logical FAT12): same names, addresses, deleted flags, hashes, bodyfile rows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;

const PARTS: [(u32, &str); 3] = [(1, "p1"), (2, "p2"), (5, "p5")];

fn listing(vol: u32, hash: bool) -> Vec<serde_json::Value> {
    let img = image("fat-disk");
    let v = vol.to_string();
    let mut args = vec!["ls", "-r", "--format", "jsonl", "--volume", &v];
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
    for (vol, p) in PARTS {
        let mut want = parse_fls(&truth(&format!("fat-disk/{p}.fls.txt")));
        let recs = listing(vol, false);
        let mut got = as_fls(&recs);
        want.sort();
        got.sort();
        assert_eq!(got, want, "partition {p}");
        assert!(got.iter().any(|e| e.deleted), "{p} has deleted entries");
    }
}

#[test]
fn content_hashes_equal_icat_for_allocated_and_recoverable_deleted_files() {
    for (vol, p) in PARTS {
        let truth = parse_files_tsv(&truth(&format!("fat-disk/{p}.files.tsv")));
        let recs = listing(vol, true);
        let mut checked = 0;
        for row in truth.values() {
            let inode: u64 = row["inode"].parse().unwrap();
            let rec = files(&recs)
                .into_iter()
                .find(|r| r["addr"].as_u64() == Some(inode))
                .unwrap_or_else(|| panic!("{p}: inode {inode} ({}) not listed", row["path"]));
            assert_eq!(rec["path"], row["path"].as_str(), "{p} inode {inode}");
            assert_eq!(
                rec["size"].as_u64().unwrap().to_string(),
                row["size"],
                "{p} {}",
                row["path"]
            );
            match row["recoverable"].as_str() {
                "yes" => {
                    assert_eq!(rec["sha256"], row["sha256"].as_str(), "{p} {}", row["path"]);
                    checked += 1;
                }
                "no" => {
                    // TSK's icat yields the start cluster's new owner here; peel says why not.
                    assert!(
                        rec.get("sha256").is_none(),
                        "{p} {}: no hash for lost content",
                        row["path"]
                    );
                    let err = rec["content_error"].as_str().unwrap();
                    assert!(err.contains("now allocated to another file"), "{err}");
                    assert_eq!(rec["content_source"], "unrecoverable");
                }
                _ => {} // the volume label entry has no content
            }
        }
        assert!(checked >= 3, "{p}: {checked} files compared");
    }
}

#[test]
fn bodyfile_rows_equal_fls_m() {
    for (vol, p) in PARTS {
        let img = image("fat-disk");
        let v = vol.to_string();
        let o = peel(&[
            "ls",
            "-r",
            "--format",
            "bodyfile",
            "--volume",
            &v,
            img.to_str().unwrap(),
        ]);
        assert_eq!(code(&o), 0);
        let mut got: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
        // TSK adds virtual files ($MBR, $FAT1, $FAT2, $OrphanFiles) that are not on disk.
        let mut want: Vec<String> = truth(&format!("fat-disk/{p}.body.txt"))
            .lines()
            .filter(|l| !l.starts_with("0|/$"))
            .map(str::to_string)
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "partition {p}");
    }
}

fn normalised_listing(evidence: &str) -> String {
    let o = peel(&[
        "ls",
        "-r",
        "--hash",
        "md5,sha1,sha256",
        "--format",
        "jsonl",
        evidence,
    ]);
    assert_eq!(code(&o), 0, "{evidence}: {}", stderr(&o));
    stdout(&o).replace(evidence, "EVIDENCE")
}

#[test]
fn e01_and_split_raw_list_byte_identically_to_raw() {
    let raw = image("fat-disk");
    let data = std::fs::read(&raw).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The same cut as `split -b 16M -d -a 3 --numeric-suffixes=1`.
    for (i, chunk) in data.chunks(16 << 20).enumerate() {
        std::fs::write(dir.path().join(format!("fat-disk.{:03}", i + 1)), chunk).unwrap();
    }
    let split = dir.path().join("fat-disk.001");
    let from_raw = normalised_listing(raw.to_str().unwrap());
    let from_e01 = normalised_listing(e01().to_str().unwrap());
    let from_split = normalised_listing(split.to_str().unwrap());
    assert_eq!(from_raw.lines().count(), 68);
    assert_eq!(from_e01, from_raw);
    assert_eq!(from_split, from_raw);
}

#[test]
fn info_shows_partition_table_and_file_systems() {
    let o = peel(&["info", "--format", "json", e01().to_str().unwrap()]);
    assert_eq!(code(&o), 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["container"]["format"], "ewf");
    assert_eq!(doc["container"]["size"], 48_234_496);
    let md5 = truth("fat-disk/fat-disk.md5");
    assert_eq!(
        doc["container"]["stored_md5"],
        md5.split_whitespace().next().unwrap()
    );
    assert_eq!(doc["partition_table"]["scheme"], "mbr");
    let vols: Vec<(u64, u64, String)> = doc["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["volume"]["index"].as_u64().unwrap(),
                v["volume"]["offset"].as_u64().unwrap() / 512,
                v["fs"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        vols,
        vec![
            (1, 2048, "fat16".into()),
            (2, 18432, "fat32".into()),
            (5, 90112, "fat12".into())
        ]
    );
    // The extended container sits where mmls puts it.
    let mmls = truth("fat-disk/mmls.txt");
    assert!(mmls.contains("0000088064"), "{mmls}");
    assert_eq!(
        doc["partition_table"]["containers"][0]["offset"],
        88064 * 512
    );
    let fat16 = &doc["volumes"][0]["fs_info"];
    assert_eq!(fat16["label"], "FAT16VOL");
    assert_eq!(fat16["cluster_size"], "1024");
    let text = stdout(&peel(&["info", e01().to_str().unwrap()]));
    assert!(text.contains("partition table: mbr"), "{text}");
    assert!(text.contains("volume 2 at byte 9437184: fat32"), "{text}");
}

#[test]
fn verify_matches_stored_md5_and_catches_a_flipped_byte() {
    let o = peel(&["verify", e01().to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let text = stdout(&o);
    let md5 = truth("fat-disk/fat-disk.md5");
    let md5 = md5.split_whitespace().next().unwrap();
    assert!(
        text.contains(&format!("MATCH: md5 stored in image {md5}")),
        "{text}"
    );
    let sha256 = truth("fat-disk/fat-disk.sha256");
    assert!(
        text.contains(sha256.split_whitespace().next().unwrap()),
        "{text}"
    );
    assert!(text.contains("verified: every hash matches"));

    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("flipped.E01");
    let mut data = std::fs::read(e01()).unwrap();
    let at = data.len() / 2;
    data[at] ^= 0x01;
    std::fs::write(&copy, &data).unwrap();
    let o = peel(&["verify", copy.to_str().unwrap()]);
    assert_eq!(
        code(&o),
        1,
        "stdout: {}\nstderr: {}",
        stdout(&o),
        stderr(&o)
    );
    assert!(stdout(&o).contains("NOT VERIFIED"), "{}", stdout(&o));
}

#[test]
fn verify_raw_against_given_hashes() {
    let raw = image("fat-disk");
    let sha = truth("fat-disk/fat-disk.sha256");
    let sha = sha.split_whitespace().next().unwrap();
    let o = peel(&["verify", raw.to_str().unwrap(), "--expect-sha256", sha]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let wrong = "0".repeat(64);
    let o = peel(&["verify", raw.to_str().unwrap(), "--expect-sha256", &wrong]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("MISMATCH"));
}

#[test]
fn cat_gives_allocated_and_deleted_content_by_path_and_locator() {
    let ev = e01();
    let ev_s = ev.to_str().unwrap();
    let t = parse_files_tsv(&truth("fat-disk/p2.files.tsv"));
    let row = t
        .values()
        .find(|r| r["path"] == "Pictures/holiday.bin")
        .unwrap();
    // The path exists on two volumes: a plain path is ambiguous and peel says so.
    let o = peel(&["cat", ev_s, "Pictures/holiday.bin"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("matches 2 entries"), "{}", stderr(&o));
    let loc = format!("{ev_s} / vol:2@9437184 / fat32 / Pictures/holiday.bin");
    let o = peel(&["cat", ev_s, &loc]);
    assert_eq!(code(&o), 0);
    assert_eq!(sha256_hex(&o.stdout), row["sha256"]);

    let del = t
        .values()
        .find(|r| r["path"] == "deleted-multi.bin")
        .unwrap();
    let loc = format!(
        "{ev_s} / vol:2@9437184 / fat32 / deleted-multi.bin#{}",
        del["inode"]
    );
    let o = peel(&["cat", ev_s, &loc]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(sha256_hex(&o.stdout), del["sha256"]);

    // A file only on the FAT12 logical volume is found by its path alone.
    let t5 = parse_files_tsv(&truth("fat-disk/p5.files.tsv"));
    let only = t5.values().find(|r| r["deleted"] == "yes").unwrap();
    let o = peel(&[
        "cat",
        ev_s,
        &format!("{ev_s} / vol:5@46137344 / fat12 / {}", only["path"]),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(sha256_hex(&o.stdout), only["sha256"]);

    let o = peel(&[
        "cat",
        ev_s,
        &format!("{ev_s} / vol:1@1048576 / fat16 / overwritten.txt"),
    ]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("not recoverable"));
}

#[test]
fn export_writes_files_hash_list_and_never_overwrites() {
    let ev = e01();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export");
    let o = peel(&[
        "export",
        ev.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--volume",
        "1",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let truth = parse_files_tsv(&truth("fat-disk/p1.files.tsv"));
    let list = std::fs::read_to_string(out.join("hashes.sha256")).unwrap();
    let mut n = 0;
    for row in truth.values().filter(|r| r["recoverable"] == "yes") {
        let rel = format!("vol1/{}", row["path"]);
        let data = std::fs::read(out.join(&rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(sha256_hex(&data), row["sha256"], "{rel}");
        assert!(
            list.contains(&format!("{}  {rel}\n", row["sha256"])),
            "{rel} in hash list"
        );
        n += 1;
    }
    assert_eq!(list.lines().count(), n);
    assert!(
        !out.join("vol1/overwritten.txt").exists(),
        "unrecoverable content is not invented"
    );
    let manifest = std::fs::read_to_string(out.join("export.jsonl")).unwrap();
    assert!(manifest.contains("\"content_source\":\"unrecoverable\""));
    // Exported files keep the modification time recorded on the evidence.
    let m = std::fs::metadata(out.join("vol1/README.txt"))
        .unwrap()
        .modified()
        .unwrap();
    let secs = m.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert_eq!(secs, 1_710_496_800); // 2024-03-15T10:00:00Z

    // A second export into the same folder is refused and changes nothing.
    let before = std::fs::read(out.join("hashes.sha256")).unwrap();
    let o = peel(&[
        "export",
        ev.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("refusing to overwrite"));
    assert_eq!(std::fs::read(out.join("hashes.sha256")).unwrap(), before);
}

#[test]
fn ls_root_only_and_subdirectory_and_filters() {
    let ev = e01();
    let o = peel(&[
        "ls",
        "--format",
        "jsonl",
        "--volume",
        "1",
        ev.to_str().unwrap(),
    ]);
    let recs = records(&o);
    let fls = parse_fls(&truth("fat-disk/p1.fls.txt"));
    let roots = fls.iter().filter(|e| !e.path.contains('/')).count();
    assert_eq!(files(&recs).len(), roots);
    let o = peel(&[
        "ls",
        "--format",
        "jsonl",
        "--volume",
        "1",
        ev.to_str().unwrap(),
        "Documents/Reports",
    ]);
    let names: Vec<String> = files(&records(&o))
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "Documents/Reports/2024",
            "Documents/Reports/deleted-in-subdir.txt"
        ]
    );
    let o = peel(&[
        "ls",
        "-r",
        "--deleted-only",
        "--format",
        "jsonl",
        ev.to_str().unwrap(),
    ]);
    let del = files(&records(&o)).len();
    let want: usize = ["p1", "p2", "p5"]
        .iter()
        .map(|p| {
            parse_fls(&truth(&format!("fat-disk/{p}.fls.txt")))
                .iter()
                .filter(|e| e.deleted)
                .count()
        })
        .sum();
    assert_eq!(del, want);
    let o = peel(&["ls", ev.to_str().unwrap(), "No/Such/Dir"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn gpt_disk_lists_files_and_reports_the_blank_partition() {
    let img = image("gpt-disk");
    let o = peel(&["info", "--format", "json", img.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["partition_table"]["scheme"], "gpt");
    assert_eq!(doc["volumes"][0]["volume"]["offset"], 2048 * 512);
    assert_eq!(doc["volumes"][0]["fs"], "fat16");
    assert_eq!(doc["volumes"][1]["volume"]["offset"], 8192 * 512);
    assert!(
        doc["volumes"][1]["fs_error"]
            .as_str()
            .unwrap()
            .contains("no file system recognised")
    );
    let o = peel(&[
        "ls",
        "-r",
        "--hash",
        "sha256",
        "--format",
        "jsonl",
        img.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let recs = records(&o);
    let truth = parse_files_tsv(&truth("gpt-disk/p1.files.tsv"));
    for row in truth.values().filter(|r| r["recoverable"] == "yes") {
        let r = files(&recs)
            .into_iter()
            .find(|r| r["path"] == row["path"].as_str())
            .unwrap();
        assert_eq!(r["sha256"], row["sha256"].as_str());
        assert_eq!(r["deleted"], row["deleted"] == "yes");
    }
}

#[test]
fn unallocated_space_equals_blkls() {
    let img = image("fat-disk");
    for (vol, p) in [(1, "p1"), (2, "p2"), (5, "p5")] {
        let v = vol.to_string();
        let o = peel(&["unalloc", "--raw", "--volume", &v, img.to_str().unwrap()]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let want = truth(&format!("fat-disk/{p}.blkls.txt"));
        let (len, sha) = want.trim().split_once(' ').unwrap();
        assert_eq!(o.stdout.len().to_string(), len, "{p}");
        assert_eq!(sha256_hex(&o.stdout), sha, "{p}");
    }
    // The listing carries locators and evidence offsets, and unpartitioned gaps too.
    let o = peel(&["unalloc", "--format", "jsonl", img.to_str().unwrap()]);
    let regions = records(&o);
    let first = &regions[0];
    assert_eq!(first["kind"], "unallocated");
    assert_eq!(
        first["evidence_offset"].as_u64().unwrap(),
        first["volume"]["offset"].as_u64().unwrap() + first["offset"].as_u64().unwrap()
    );
    assert!(
        first["locator_text"]
            .as_str()
            .unwrap()
            .contains(" / vol:1@1048576 / fat16 / @0x")
    );
    let gaps: Vec<_> = regions
        .iter()
        .filter(|r| r["kind"] == "unpartitioned")
        .collect();
    assert_eq!(gaps[0]["offset"], 0);
    assert_eq!(gaps[0]["length"], 2048 * 512);
}
