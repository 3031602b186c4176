//! `peel scan` and `peel rules`: the bundled rules against their samples, hits on an image
//! (deleted file, zip members) against Debian's `yara` on the same files extracted, compile
//! errors, timeouts, the compiled-rule cache, pages of raw regions, external variables and
//! batches with a bad item.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{code, image, peel, records, stderr, testdata};

fn samples() -> PathBuf {
    testdata().join("yara/samples")
}

fn hits(recs: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    recs.iter().filter(|r| r["record"] == "hit").collect()
}

fn rule_names(recs: &[serde_json::Value]) -> BTreeSet<String> {
    hits(recs)
        .iter()
        .map(|h| h["rule"].as_str().unwrap().to_string())
        .collect()
}

fn bundled_rule_names() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in std::fs::read_dir(testdata().join("../rules")).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        for l in text.lines() {
            if let Some(rest) = l.strip_prefix("rule ") {
                out.insert(rest.split_whitespace().next().unwrap().to_string());
            }
        }
    }
    out
}

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("scan")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The EICAR test file, assembled here so the repository never holds it.
fn eicar() -> Vec<u8> {
    let mut v = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$".to_vec();
    v.extend_from_slice(b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");
    v
}

#[test]
fn every_bundled_rule_hits_its_positive_sample_and_not_its_near_miss() {
    let names = bundled_rule_names();
    assert!(names.len() >= 25, "{names:?}");
    let dir = tmp("eicar");
    std::fs::write(dir.join("eicar.com"), eicar()).unwrap();
    let mut near = eicar();
    near.extend_from_slice(&[b'x'; 100]); // the test file must be 68 (to 127) bytes
    std::fs::write(dir.join("eicar-padded.com"), near).unwrap();
    for rule in &names {
        let (pos, neg) = if rule == "eicar_test_file" {
            (dir.join("eicar.com"), dir.join("eicar-padded.com"))
        } else {
            (
                samples().join(format!("{rule}.pos")),
                samples().join(format!("{rule}.neg")),
            )
        };
        assert!(pos.exists() && neg.exists(), "no samples for {rule}");
        let o = peel(&["scan", "--format", "jsonl", pos.to_str().unwrap()]);
        assert_eq!(code(&o), 1, "{rule}: {}", stderr(&o));
        let got = rule_names(&records(&o));
        assert_eq!(
            got,
            BTreeSet::from([rule.clone()]),
            "positive sample of {rule}"
        );
        let o = peel(&["scan", "--format", "jsonl", neg.to_str().unwrap()]);
        let got = rule_names(&records(&o));
        assert!(!got.contains(rule), "{rule} hit its near miss");
        assert_eq!(code(&o), if got.is_empty() { 0 } else { 1 });
    }
}

/// (rule, path relative to the extraction root, [(pattern, offset)]) for every hit.
type HitKey = (String, String, Vec<(String, u64)>);

/// Runs Debian's yara over `dir` with the bundled rules and parses `-s` output.
fn yara_on(dir: &Path) -> Option<BTreeSet<HitKey>> {
    let rules: Vec<PathBuf> = {
        let mut v: Vec<PathBuf> = std::fs::read_dir(testdata().join("../rules"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v
    };
    let out = match Command::new("yara")
        .arg("-r")
        .arg("-s")
        .arg("-w")
        .args(&rules)
        .arg(dir)
        .output()
    {
        Ok(o) => o,
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI installs Debian's yara; it must be there"
            );
            eprintln!("yara not installed; skipped");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut set = BTreeSet::new();
    let mut cur: Option<HitKey> = None;
    for l in text.lines() {
        if let Some(rest) = l.strip_prefix("0x") {
            let (off, tail) = rest.split_once(':').unwrap();
            let pat = tail.split(':').next().unwrap().to_string();
            cur.as_mut()
                .unwrap()
                .2
                .push((pat, u64::from_str_radix(off, 16).unwrap()));
        } else {
            if let Some(mut c) = cur.take() {
                c.2.sort();
                set.insert(c);
            }
            let (rule, path) = l.split_once(' ').unwrap();
            let rel = Path::new(path).strip_prefix(dir).unwrap();
            cur = Some((rule.to_string(), rel.display().to_string(), Vec::new()));
        }
    }
    if let Some(mut c) = cur.take() {
        c.2.sort();
        set.insert(c);
    }
    Some(set)
}

/// Unpacks every zip under `dir` (recursively, members beside the archive as
/// `<archive>.d/<member>`) with Python's zipfile, independent of peel.
fn unzip_all(dir: &Path) {
    let script = r#"
import os, sys, zipfile
def walk(d):
    for root, _, files in os.walk(d):
        for f in sorted(files):
            p = os.path.join(root, f)
            if zipfile.is_zipfile(p):
                out = p + ".d"
                with zipfile.ZipFile(p) as z:
                    z.extractall(out)
                os.remove(p)
                walk(out)
walk(sys.argv[1])
"#;
    let st = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(dir)
        .status()
        .unwrap();
    assert!(st.success());
}

#[test]
fn hits_in_an_image_equal_yara_on_the_extracted_files() {
    let img = image("yara-fat");
    let o = peel(&["scan", "--format", "jsonl", img.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let recs = records(&o);
    let mut ours = BTreeSet::new();
    for h in hits(&recs) {
        // The path as the extraction below names it: export root + members under `.d/`.
        let mut path = String::from("root/");
        let loc = h["locator"].as_array().unwrap();
        for seg in loc {
            match seg["type"].as_str().unwrap() {
                "file" => path.push_str(seg["path"].as_str().unwrap()),
                "zip" => {
                    path.push_str(".d/");
                    path.push_str(seg["member"].as_str().unwrap());
                }
                _ => {}
            }
        }
        let mut m: Vec<(String, u64)> = h["matches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["pattern"].as_str().unwrap().to_string(),
                    m["offset"].as_u64().unwrap(),
                )
            })
            .collect();
        m.sort();
        ours.insert((h["rule"].as_str().unwrap().to_string(), path, m));
    }
    // What users rely on: the deleted key and both zip levels are among the hits.
    let by_rule = |r: &str| {
        hits(&recs)
            .into_iter()
            .find(|h| h["rule"] == r)
            .unwrap_or_else(|| panic!("no {r} hit"))
    };
    let pgp = by_rule("pgp_private_key");
    assert_eq!(pgp["deleted"], true);
    assert_eq!(pgp["scope"], "file");
    let wg = by_rule("wireguard_config");
    assert_eq!(
        wg["locator_text"],
        format!(
            "{} / fat16 / Users/suspect/Downloads/backup.zip#773 / zip:vpn/inner.zip / zip:wg0.conf",
            img.display()
        )
    );
    assert_eq!(wg["scope"], "member");
    assert_eq!(
        rule_names(&recs),
        BTreeSet::from(
            [
                "electrum_wallet",
                "keepass_kdbx",
                "openssh_private_key",
                "pgp_private_key",
                "tor_torrc",
                "wireguard_config"
            ]
            .map(String::from)
        )
    );
    // The same files taken out by `peel export` (deleted one included) and unzipped by
    // Python: Debian's yara must report the same rules, files, patterns and offsets.
    let out = tmp("export").join("x");
    let e = peel(&[
        "export",
        img.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&e), 0, "{}", stderr(&e));
    std::fs::remove_file(out.join("export.jsonl")).unwrap();
    std::fs::remove_file(out.join("hashes.sha256")).unwrap();
    unzip_all(&out);
    let Some(theirs) = yara_on(&out) else { return };
    assert_eq!(ours, theirs);
    // Hashes of a hit object are those of the extracted file.
    let kdbx = by_rule("keepass_kdbx");
    let bytes = std::fs::read(out.join("root/Users/suspect/Documents/Passwords.kdbx")).unwrap();
    use sha2::Digest;
    assert_eq!(
        kdbx["sha256"],
        hex::encode(sha2::Sha256::digest(&bytes)).as_str()
    );
}

#[test]
fn rule_files_with_errors_are_reported_and_the_rest_still_scans() {
    let d = tmp("badrules");
    std::fs::write(
        d.join("good.yar"),
        "rule key_marker { strings: $a = \"OPENSSH PRIVATE KEY\" condition: $a }\n",
    )
    .unwrap();
    std::fs::write(
        d.join("bad.yar"),
        "rule fine { condition: false }\n\nrule broken {\n  condition: no_such_var\n}\n",
    )
    .unwrap();
    let img = image("yara-fat");
    let o = peel(&[
        "scan",
        "--format",
        "jsonl",
        "--rules",
        d.to_str().unwrap(),
        img.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(err.contains("bad.yar:4:14: unknown identifier"), "{err}");
    assert_eq!(
        rule_names(&records(&o)),
        BTreeSet::from(["key_marker".to_string()])
    );
    let h = hits(&records(&o))[0].clone();
    assert_eq!(h["namespace"], "good");
    let o = peel(&[
        "scan",
        "--strict",
        "--rules",
        d.to_str().unwrap(),
        img.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("bad.yar:4:14"), "{}", stderr(&o));
    let o = peel(&["rules", "check", d.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(
        common::stdout(&o).contains("error: "),
        "{}",
        common::stdout(&o)
    );
}

#[test]
fn a_scan_that_times_out_is_a_per_item_error_and_the_run_goes_on() {
    let d = tmp("timeout");
    // Quadratic in the file size: far beyond a second on 2 MiB.
    std::fs::write(
        d.join("slow.yar"),
        "rule slow { condition: for any i in (0..filesize) : ( for any j in (0..filesize) : \
         ( uint8(i) == uint8(j) + 1 ) ) }\n\
         rule marker { strings: $a = \"OPENSSH PRIVATE KEY\" condition: $a }\n",
    )
    .unwrap();
    let big = d.join("big.bin");
    std::fs::write(&big, vec![b'a'; 2 << 20]).unwrap();
    let img = image("yara-fat");
    let o = peel(&[
        "scan",
        "--format",
        "jsonl",
        "--timeout",
        "1",
        "--rules",
        d.join("slow.yar").to_str().unwrap(),
        big.to_str().unwrap(),
        img.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    let recs = records(&o);
    let errors: Vec<_> = recs.iter().filter(|r| r["record"] == "error").collect();
    assert!(
        errors
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains("timed out")
                && e["evidence"].as_str().unwrap().ends_with("big.bin")),
        "{errors:?}"
    );
    // The image was still scanned, and its small files did not time out.
    assert!(
        hits(&recs)
            .iter()
            .any(|h| h["rule"] == "marker" && h["path"] == "Users/suspect/.ssh/id_ed25519")
    );
}

#[test]
fn compiled_rules_give_the_same_hits_and_are_not_overwritten() {
    let d = tmp("compiled");
    let yarc = d.join("bundled.yarc");
    let o = peel(&["rules", "compile", "-o", yarc.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o2 = peel(&["rules", "compile", "-o", yarc.to_str().unwrap()]);
    assert_eq!(code(&o2), 2);
    let img = image("yara-fat");
    let a = peel(&["scan", "--format", "jsonl", img.to_str().unwrap()]);
    let b = peel(&[
        "scan",
        "--format",
        "jsonl",
        "--compiled",
        yarc.to_str().unwrap(),
        img.to_str().unwrap(),
    ]);
    assert_eq!(code(&b), 1, "{}", stderr(&b));
    assert!(!a.stdout.is_empty());
    assert_eq!(a.stdout, b.stdout);
    // One thread or many: the same bytes.
    let c = peel(&["-j1", "scan", "--format", "jsonl", img.to_str().unwrap()]);
    assert_eq!(a.stdout, c.stdout);
    let bad = d.join("garbage.yarc");
    std::fs::write(&bad, b"not compiled rules").unwrap();
    let o = peel(&[
        "scan",
        "--compiled",
        bad.to_str().unwrap(),
        img.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("garbage.yarc"), "{}", stderr(&o));
}

#[test]
fn raw_pages_report_a_match_across_a_page_edge_once() {
    let d = tmp("raw");
    const PAGE: usize = 16 << 20;
    let mut data = vec![0u8; 40 << 20];
    let marker = b"PEEL-PAGE-EDGE-MARKER";
    let at = [3 << 20, PAGE - 7, 2 * PAGE - 1];
    for &a in &at {
        data[a..a + marker.len()].copy_from_slice(marker);
    }
    let img = d.join("raw.bin");
    std::fs::write(&img, &data).unwrap();
    std::fs::write(
        d.join("r.yar"),
        "rule edge { strings: $m = \"PEEL-PAGE-EDGE-MARKER\" condition: $m }\n\
         rule always { condition: true }\n",
    )
    .unwrap();
    let o = peel(&[
        "scan",
        "--raw",
        "--format",
        "jsonl",
        "--rules",
        d.join("r.yar").to_str().unwrap(),
        img.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let recs = records(&o);
    let mut offsets: Vec<u64> = hits(&recs)
        .iter()
        .filter(|h| h["rule"] == "edge")
        .flat_map(|h| h["matches"].as_array().unwrap().clone())
        .map(|m| m["evidence_offset"].as_u64().unwrap())
        .collect();
    offsets.sort();
    assert_eq!(offsets, at.map(|a| a as u64).to_vec());
    // A condition without patterns: once for the region, not once per page.
    assert_eq!(
        hits(&recs).iter().filter(|h| h["rule"] == "always").count(),
        1
    );
}

#[test]
fn unallocated_space_holds_the_deleted_key_at_its_offset() {
    let img = image("yara-fat");
    let o = peel(&[
        "scan",
        "--unallocated",
        "--format",
        "jsonl",
        "--rule",
        "pgp_private_key",
        img.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let recs = records(&o);
    let scopes: Vec<&str> = hits(&recs)
        .iter()
        .map(|h| h["scope"].as_str().unwrap())
        .collect();
    assert_eq!(scopes, ["file", "unallocated"]);
    let un = hits(&recs)[1];
    let m = &un["matches"][0];
    let off = m["evidence_offset"].as_u64().unwrap() as usize;
    let bytes = std::fs::read(&img).unwrap();
    assert_eq!(
        &bytes[off..off + 37],
        b"-----BEGIN PGP PRIVATE KEY BLOCK-----"
    );
    // No partition table: the volume offset is the evidence offset.
    assert_eq!(m["offset"], m["evidence_offset"]);
}

#[test]
fn objects_get_the_external_variables_public_rule_sets_use() {
    let d = tmp("externals");
    std::fs::write(
        d.join("ext.yar"),
        "rule by_name { condition: filename == \"Passwords.kdbx\" and extension == \".kdbx\" \
         and filepath == \"\\\\Users\\\\suspect\\\\Documents\" and filetype == \"\" }\n\
         rule by_hash { condition: sha256 == \"094f7eb5a74ae250f8b2383897a92c01b505d68f66baa1512e12815e2e88b0d9\" }\n\
         rule zip_type { condition: filetype == \"ZIP\" and filename == \"inner.zip\" }\n\
         rule case_defined { condition: case_id == 42 and filename == \"torrc\" }\n",
    )
    .unwrap();
    let img = image("yara-fat");
    let o = peel(&[
        "scan",
        "--format",
        "jsonl",
        "-d",
        "case_id=42",
        "--rules",
        d.join("ext.yar").to_str().unwrap(),
        img.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let got: Vec<(String, String)> = hits(&records(&o))
        .iter()
        .map(|h| {
            (
                h["rule"].as_str().unwrap().to_string(),
                h["locator_text"]
                    .as_str()
                    .unwrap()
                    .rsplit(" / ")
                    .next()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("by_name", "Users/suspect/Documents/Passwords.kdbx#711"),
            ("by_hash", "Users/suspect/Documents/Passwords.kdbx#711"),
            ("zip_type", "zip:vpn/inner.zip"),
            ("case_defined", "Users/suspect/Tor/torrc#837"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
}

#[test]
fn a_batch_with_a_missing_item_reports_it_and_scans_the_rest() {
    let img = image("yara-fat");
    let o = peel(&[
        "scan",
        "--format",
        "jsonl",
        "/nonexistent/evidence.E01",
        img.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    let recs = records(&o);
    assert_eq!(recs[0]["record"], "error");
    assert_eq!(recs[0]["evidence"], "/nonexistent/evidence.E01");
    assert_eq!(hits(&recs).len(), 6);
    // --count: objects per rule.
    let o = peel(&["scan", "--count", "--format", "csv", img.to_str().unwrap()]);
    let text = common::stdout(&o);
    assert!(text.starts_with("namespace,rule,objects\n"), "{text}");
    assert!(text.contains("private_keys,pgp_private_key,1\n"), "{text}");
}

#[test]
fn public_rule_sets_compile_unchanged() {
    // signature-base (THOR's public rules) lives beside the project, not in it.
    let sb = testdata().join("../../shared/bench-data/signature-base/yara");
    if !sb.exists() {
        eprintln!("{} not present; skipped", sb.display());
        return;
    }
    let o = peel(&["rules", "check", "--format", "json", sb.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", common::stdout(&o));
    let v: serde_json::Value = serde_json::from_str(common::stdout(&o).trim()).unwrap();
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);
    assert!(v["rules"].as_u64().unwrap() > 1000, "{v}");
}

#[test]
fn objects_over_max_size_are_skipped_with_a_record() {
    let img = image("yara-fat");
    let o = peel(&[
        "scan",
        "--format",
        "jsonl",
        "--max-size",
        "500",
        img.to_str().unwrap(),
    ]);
    let recs = records(&o);
    let skipped: BTreeSet<String> = recs
        .iter()
        .filter(|r| r["record"] == "skipped")
        .map(|r| {
            r["locator_text"]
                .as_str()
                .unwrap()
                .rsplit(" / ")
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    // The 2,012-byte KeePass file and the 845-byte zip archive are not scanned; the 362-byte
    // key and the 123-byte torrc still are.
    assert!(
        skipped.contains("Users/suspect/Documents/Passwords.kdbx#711"),
        "{skipped:?}"
    );
    assert!(
        skipped.contains("Users/suspect/Downloads/backup.zip#773"),
        "{skipped:?}"
    );
    let names = rule_names(&recs);
    assert!(!names.contains("keepass_kdbx") && !names.contains("electrum_wallet"));
    assert!(names.contains("openssh_private_key") && names.contains("tor_torrc"));
}
