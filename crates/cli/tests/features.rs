//! `peel features` on files with features planted at known offsets by
//! testdata/generate-features.sh: exactly the planted set (kind, normalised value, file,
//! offset, encoding) — so no near-miss — with checksums validated, in the same order whatever
//! the thread count.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use std::collections::BTreeSet;

/// (file, decoding layers, offset in the innermost stream, kind, normalized, encoding)
type Key = (String, String, u64, String, String, String);

fn expected() -> BTreeSet<Key> {
    truth("features/expected.tsv")
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (
                c[0].into(),
                c[1].into(),
                c[2].parse().unwrap(),
                c[3].into(),
                c[4].into(),
                c[5].into(),
            )
        })
        .collect()
}

/// The decoding steps of a locator, after its file segment, as the truth file writes them.
fn layers(r: &serde_json::Value) -> String {
    let segs = r["locator"].as_array().unwrap();
    let file_at = segs.iter().position(|s| s["type"] == "file").unwrap();
    let parts: Vec<String> = segs[file_at + 1..]
        .iter()
        .filter_map(|s| match s["type"].as_str().unwrap() {
            "zip" => Some(format!("zip:{}", s["member"].as_str().unwrap())),
            "gzip" => Some("gzip".to_string()),
            "base64" => Some(format!("base64@{:#x}", s["offset"].as_u64().unwrap())),
            _ => None,
        })
        .collect();
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join("/")
    }
}

/// Feature records (and the raw stdout) of a successful run.
fn found(args: &[&str]) -> (Vec<serde_json::Value>, String) {
    let (all, text) = found_all(args);
    (
        all.into_iter()
            .filter(|r| r["record"] == "feature")
            .collect(),
        text,
    )
}

/// Every record of a successful run (features, executables, EXIF).
fn found_all(args: &[&str]) -> (Vec<serde_json::Value>, String) {
    let o = peel(args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    (records(&o), stdout(&o))
}

#[test]
fn planted_features_are_found_exactly_and_near_misses_are_not() {
    let dir = testdata().join("features");
    let (recs, _) = found(&["features", "--format", "jsonl", dir.to_str().unwrap()]);
    let got: BTreeSet<Key> = recs
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().into(),
                layers(r),
                r["offset"].as_u64().unwrap(),
                r["kind"].as_str().unwrap().into(),
                r["normalized"].as_str().unwrap().into(),
                r["encoding"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(got, expected());
    assert!(!recs.iter().any(|r| r["path"] == "near-misses.txt"));
    for r in &recs {
        let kind = r["kind"].as_str().unwrap();
        let checksum = ["card", "iban", "btc", "eth", "xmr"].contains(&kind);
        assert_eq!(r["validated"].as_bool(), checksum.then_some(true), "{r}");
        // The locator ends with the offset, and the context shows the bytes found.
        let loc = r["locator_text"].as_str().unwrap();
        assert!(
            loc.ends_with(&format!(" / @{:#x}", r["offset"].as_u64().unwrap())),
            "{loc}"
        );
        if r["encoding"] == "ascii" {
            assert!(
                r["context"]
                    .as_str()
                    .unwrap()
                    .contains(r["value"].as_str().unwrap()),
                "{r}"
            );
        }
    }
}

#[test]
fn output_is_identical_across_thread_counts_and_runs() {
    let dir = testdata().join("features");
    let d = dir.to_str().unwrap();
    let (_, a) = found(&["features", "--format", "jsonl", d]);
    let (_, b) = found(&["-j", "1", "features", "--format", "jsonl", d]);
    let (_, c) = found(&["features", "--format", "jsonl", d]);
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[test]
fn kinds_filter_and_histograms() {
    let dir = testdata().join("features");
    let d = dir.to_str().unwrap();
    let (recs, _) = found(&["features", "--kinds", "email,phone", "--format", "jsonl", d]);
    let kinds: BTreeSet<&str> = recs.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, BTreeSet::from(["email", "phone"]));
    assert_eq!(recs.len(), 8);

    let tmp = tempfile::tempdir().unwrap();
    let h = tmp.path().join("hist");
    found(&[
        "features",
        "--histograms",
        h.to_str().unwrap(),
        "--format",
        "jsonl",
        d,
    ]);
    let domains = std::fs::read_to_string(h.join("domain.tsv")).unwrap();
    assert_eq!(
        domains,
        "count\tsources\tnormalized\n3\t3\texample.org\n2\t2\texample.net\n1\t1\texample.com\n1\t1\tmeet.example.com\n1\t1\twww.example.co.uk\n"
    );
    let cards = std::fs::read_to_string(h.join("card.tsv")).unwrap();
    assert_eq!(cards.lines().count(), 4);
    // A second run into the same folder is refused rather than overwriting it.
    let o = peel(&["features", "--histograms", h.to_str().unwrap(), d]);
    assert_eq!(code(&o), 2);
    let o = peel(&["features", "--kinds", "nonsense", d]);
    assert_eq!(code(&o), 2);
}

#[test]
fn raw_scan_reports_evidence_offsets() {
    // A file with no file system in it is scanned as raw bytes: every feature's evidence
    // offset points at its text, and the set equals what was planted in that file.
    let f = testdata().join("features/payments.csv");
    let data = std::fs::read(&f).unwrap();
    let (recs, _) = found(&["features", "--format", "jsonl", f.to_str().unwrap()]);
    let want: BTreeSet<(u64, String)> = expected()
        .into_iter()
        .filter(|k| k.0 == "payments.csv")
        .map(|k| (k.2, k.4))
        .collect();
    let got: BTreeSet<(u64, String)> = recs
        .iter()
        .map(|r| {
            (
                r["evidence_offset"].as_u64().unwrap(),
                r["normalized"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got, want);
    for r in &recs {
        let off = r["evidence_offset"].as_u64().unwrap() as usize;
        let v = r["value"].as_str().unwrap().as_bytes();
        assert_eq!(&data[off..off + v.len()], v, "{r}");
        assert_eq!(r["scope"], "raw");
    }
}

#[test]
fn stop_list_moves_features_and_alert_list_flags_them() {
    let dir = testdata().join("features");
    let tmp = tempfile::tempdir().unwrap();
    let stop = tmp.path().join("stop.txt");
    // Every example.org domain; bob@example.net only where "To: " precedes it.
    std::fs::write(&stop, "# noise\nexample.org\nbob@example.net\tTo: bob\nalice.smith@example.org\tnever-in-context\n").unwrap();
    let alert = tmp.path().join("alert.txt");
    std::fs::write(&alert, "4111111111111111\n").unwrap();
    let out = tmp.path().join("stopped.jsonl");
    let o = peel(&[
        "features",
        "--format",
        "jsonl",
        "--stop",
        stop.to_str().unwrap(),
        "--stopped-out",
        out.to_str().unwrap(),
        "--alert",
        alert.to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let kept: Vec<_> = records(&o)
        .into_iter()
        .filter(|r| r["record"] == "feature")
        .collect();
    let stopped: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let org = expected()
        .iter()
        .filter(|k| k.3 == "domain" && k.4 == "example.org")
        .count();
    assert_eq!(stopped.len(), org + 1);
    assert!(stopped.iter().all(|s| s["stopped_by"].is_string()));
    assert!(
        !kept
            .iter()
            .any(|r| r["normalized"] == "example.org" || r["normalized"] == "bob@example.net")
    );
    assert_eq!(
        kept.len() + stopped.len(),
        expected().len(),
        "nothing dropped"
    );
    let alerts: Vec<_> = kept.iter().filter(|r| r["alert"] == true).collect();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["normalized"], "4111111111111111");
    // The stopped output is never overwritten.
    let o = peel(&[
        "features",
        "--stop",
        stop.to_str().unwrap(),
        "--stopped-out",
        out.to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
}

#[test]
fn executables_are_described() {
    // This test's own executable (a debug build of peel is larger than the 256 MiB that
    // whole-object parsing holds), copied into a folder, stands in for one found on evidence.
    let tmp = tempfile::tempdir().unwrap();
    let exe = tmp.path().join("tool");
    std::fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
    let (recs, _) = found_all(&[
        "features",
        "--kinds",
        "email",
        "--format",
        "jsonl",
        tmp.path().to_str().unwrap(),
    ]);
    let execs: Vec<_> = recs
        .iter()
        .filter(|r| r["record"] == "executable")
        .collect();
    assert_eq!(execs.len(), 1);
    let e = execs[0];
    assert_eq!(e["path"], "tool");
    assert!(
        e["locator_text"]
            .as_str()
            .unwrap()
            .contains(" / dir / tool#"),
        "{e}"
    );
    if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        assert_eq!(e["format"], "elf");
        assert_eq!(e["arch"], "X86_64");
        assert_eq!(e["is_64"], true);
        assert!(
            e["libraries"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l == "libc.so.6")
        );
        let text = e["sections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == ".text")
            .unwrap();
        let h = text["entropy"].as_f64().unwrap();
        assert!(h > 4.0 && h < 8.0, "{h}");
        assert!(e["imports"].as_array().unwrap().len() > 10);
    }
}

#[test]
fn exif_camera_time_and_gps_equal_exiftool() {
    let dir = testdata().join("features");
    let (recs, _) = found_all(&["features", "--format", "jsonl", dir.to_str().unwrap()]);
    let exif: Vec<_> = recs.iter().filter(|r| r["record"] == "exif").collect();
    assert_eq!(exif.len(), 1);
    let e = exif[0];
    let t: serde_json::Value =
        serde_json::from_str(&truth("features/photos-trip.exif.json")).unwrap();
    let t = &t[0];
    assert_eq!(e["path"], t["SourceFile"]);
    assert_eq!(e["make"], t["Make"]);
    assert_eq!(e["model"], t["Model"]);
    assert_eq!(e["taken"], t["DateTimeOriginal"]);
    for (ours, theirs) in [
        ("latitude", "GPSLatitude"),
        ("longitude", "GPSLongitude"),
        ("altitude", "GPSAltitude"),
    ] {
        let a = e[ours].as_f64().unwrap();
        let b = t[theirs].as_f64().unwrap();
        assert!((a - b).abs() < 1e-6, "{ours}: {a} vs exiftool {b}");
    }
}

/// (evidence offset, kind, normalized) planted in free space of the features disk.
fn planted_free() -> Vec<(u64, String, String)> {
    truth("features/features-disk.tsv")
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c[0].parse().unwrap(), c[1].into(), c[2].into())
        })
        .collect()
}

#[test]
fn deleted_files_and_free_space_are_scanned() {
    let img = image("features-disk");
    let (recs, _) = found(&["features", "--format", "jsonl", img.to_str().unwrap()]);
    // The deleted file, under the name TSK gives it.
    let fls = parse_fls(&truth("features/features-disk.fls.txt"));
    let del = fls.iter().find(|e| e.deleted).unwrap();
    let content = "draft: contact henry@example.org about card 5555 5555 5555 4444 today\n";
    for (kind, norm, text) in [
        ("email", "henry@example.org", "henry@example.org"),
        ("card", "5555555555554444", "5555 5555 5555 4444"),
    ] {
        let want = content.find(text).unwrap() as u64;
        let r = recs
            .iter()
            .find(|r| r["scope"] == "file" && r["path"] == del.path.as_str() && r["kind"] == kind)
            .unwrap_or_else(|| panic!("{kind} in deleted {}", del.path));
        assert_eq!(r["normalized"], norm);
        assert_eq!(r["offset"].as_u64().unwrap(), want);
        assert_eq!(r["deleted"], true);
    }
    // Planted in free space: found there, with offsets on the evidence.
    for (off, kind, norm) in planted_free() {
        let hits: Vec<_> = recs
            .iter()
            .filter(|r| {
                r["scope"] == "unallocated"
                    && r["kind"] == kind.as_str()
                    && r["normalized"] == norm.as_str()
            })
            .collect();
        assert_eq!(hits.len(), 1, "{norm}");
        assert_eq!(hits[0]["evidence_offset"].as_u64().unwrap(), off);
        assert!(
            hits[0]["locator_text"]
                .as_str()
                .unwrap()
                .contains(" / fat16 / @0x")
        );
    }
}

#[test]
fn raw_scan_reports_a_feature_across_the_page_edge_once() {
    let img = image("features-disk");
    let (recs, _) = found(&[
        "features",
        "--raw",
        "--kinds",
        "email",
        "--format",
        "jsonl",
        img.to_str().unwrap(),
    ]);
    for (off, _, norm) in planted_free() {
        let hits: Vec<_> = recs
            .iter()
            .filter(|r| r["normalized"] == norm.as_str())
            .collect();
        assert_eq!(hits.len(), 1, "{norm}");
        assert_eq!(hits[0]["evidence_offset"].as_u64().unwrap(), off);
    }
    // judy@example.com starts 4 bytes before the 16 MiB page edge and ends after it.
    let judy = planted_free()
        .into_iter()
        .find(|p| p.2 == "judy@example.com")
        .unwrap();
    assert!(judy.0 < 16 << 20 && judy.0 + 16 > 16 << 20);
}

#[test]
fn streams_inside_raw_bytes_are_decoded() {
    // Scanned raw, the zip's local entries are found where they start and decoded, down to
    // the same features and offsets as when the zip is opened as a file.
    let zip = testdata().join("features/archive/bundle.zip");
    let (recs, _) = found(&[
        "features",
        "--raw",
        "--format",
        "jsonl",
        zip.to_str().unwrap(),
    ]);
    let strip = |r: &serde_json::Value| -> String {
        // "<zip> / @0xPOS / zip:… / @0xOFF": the decoding steps between the two offsets.
        let segs = r["locator"].as_array().unwrap();
        let parts: Vec<String> = segs[2..segs.len() - 1]
            .iter()
            .map(|s| match s["type"].as_str().unwrap() {
                "zip" => format!("zip:{}", s["member"].as_str().unwrap()),
                "gzip" => "gzip".into(),
                other => other.into(),
            })
            .collect();
        parts.join("/")
    };
    let got: BTreeSet<(String, u64, String, String)> = recs
        .iter()
        .map(|r| {
            (
                strip(r),
                r["offset"].as_u64().unwrap(),
                r["kind"].as_str().unwrap().into(),
                r["normalized"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want: BTreeSet<(String, u64, String, String)> = expected()
        .into_iter()
        .filter(|k| k.0 == "archive/bundle.zip")
        .map(|k| (k.1, k.2, k.3, k.4))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn national_phone_numbers_with_a_default_region() {
    let f = testdata().join("features/national.txt");
    let (none, _) = found(&[
        "features",
        "--kinds",
        "phone",
        "--format",
        "jsonl",
        f.to_str().unwrap(),
    ]);
    assert!(none.is_empty(), "national numbers need a region");
    let (recs, _) = found(&[
        "features",
        "--default-region",
        "GB",
        "--kinds",
        "phone",
        "--format",
        "jsonl",
        f.to_str().unwrap(),
    ]);
    let got: BTreeSet<(u64, String)> = recs
        .iter()
        .map(|r| {
            (
                r["evidence_offset"].as_u64().unwrap(),
                r["normalized"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: BTreeSet<(u64, String)> = truth("features/national-gb.tsv")
        .lines()
        .skip(1)
        .map(|l| {
            let (o, n) = l.split_once('\t').unwrap();
            (o.parse().unwrap(), n.to_string())
        })
        .collect();
    assert_eq!(got, want);
    let o = peel(&[
        "features",
        "--default-region",
        "Atlantis",
        f.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
}

#[test]
fn pe_metadata_equals_pefile() {
    let dir = testdata().join("features/programs");
    let (recs, _) = found_all(&["features", "--format", "jsonl", dir.to_str().unwrap()]);
    let e = recs.iter().find(|r| r["record"] == "executable").unwrap();
    let t: serde_json::Value =
        serde_json::from_str(&truth("features/launcher.pefile.json")).unwrap();
    assert_eq!(e["format"], "pe");
    assert_eq!(t["machine"], "IMAGE_FILE_MACHINE_I386");
    assert_eq!(e["arch"], "X86");
    assert_eq!(e["is_64"], false);
    assert_eq!(e["imphash"], t["imphash"]);
    assert_eq!(e["is_library"], t["is_dll"]);
    assert_eq!(e["signed"], t["signed"]);
    let ts = t["timestamp"].as_i64().unwrap();
    let compiled = chrono::DateTime::parse_from_rfc3339(e["compiled"].as_str().unwrap()).unwrap();
    assert_eq!(compiled.timestamp(), ts);
    let names: Vec<&str> = e["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = t["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(names, want);
    let imports: Vec<&str> = e["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let want: Vec<&str> = t["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(imports, want);
}
