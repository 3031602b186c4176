//! `peel timeline` against The Sleuth Kit's bodyfile for the same volumes: the same events
//! (every non-zero time of every entry), sorted, filtered by --from/--to, and a bodyfile that
//! `mactime -b` accepts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;

/// (unix seconds, path as fls writes it incl. " (deleted)", macb letter) from a TSK bodyfile.
fn tsk_events(body: &str) -> Vec<(i64, String, char)> {
    let mut v = Vec::new();
    for l in body.lines().filter(|l| !l.starts_with("0|/$")) {
        let c: Vec<&str> = l.split('|').collect();
        for (i, k) in [(7, 'a'), (8, 'm'), (9, 'c'), (10, 'b')] {
            let t: i64 = c[i].parse().unwrap();
            if t != 0 {
                v.push((t, c[1].trim_start_matches('/').to_string(), k));
            }
        }
    }
    v.sort();
    v
}

fn peel_events(args: &[&str]) -> Vec<serde_json::Value> {
    let o = peel(args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    records(&o)
}

fn as_tuples(ev: &[serde_json::Value]) -> Vec<(i64, String, char)> {
    let mut v: Vec<(i64, String, char)> = ev
        .iter()
        .map(|e| {
            let macb = e["macb"].as_str().unwrap();
            let k = macb.chars().find(|c| *c != '.').unwrap();
            let del = if e["deleted"].as_bool().unwrap() {
                " (deleted)"
            } else {
                ""
            };
            (
                e["timestamp"].as_i64().unwrap(),
                format!("{}{del}", e["path"].as_str().unwrap()),
                k,
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn events_equal_fls_bodyfile_times_and_are_sorted() {
    let img = image("fat-disk");
    for (vol, p) in [(1, "p1"), (2, "p2"), (5, "p5")] {
        let v = vol.to_string();
        let ev = peel_events(&[
            "timeline",
            "--format",
            "jsonl",
            "--volume",
            &v,
            img.to_str().unwrap(),
        ]);
        let times: Vec<i64> = ev
            .iter()
            .map(|e| e["timestamp"].as_i64().unwrap())
            .collect();
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]),
            "{p}: sorted by time"
        );
        let want = tsk_events(&truth(&format!("fat-disk/{p}.body.txt")));
        assert_eq!(as_tuples(&ev), want, "{p}");
        assert!(ev.iter().all(|e| {
            e["locator_text"]
                .as_str()
                .unwrap()
                .contains(&format!("vol:{vol}@"))
        }));
    }
}

#[test]
fn from_and_to_select_a_window() {
    let img = image("fat-disk");
    let ev = peel_events(&[
        "timeline",
        "--format",
        "jsonl",
        "--volume",
        "1",
        "--from",
        "2024-03-18",
        "--to",
        "2024-03-18T11:13:30Z",
        img.to_str().unwrap(),
    ]);
    let lo = 1_710_720_000; // 2024-03-18T00:00:00Z
    let hi = 1_710_760_410; // 2024-03-18T11:13:30Z
    let want: Vec<_> = tsk_events(&truth("fat-disk/p1.body.txt"))
        .into_iter()
        .filter(|(t, _, _)| (lo..=hi).contains(t))
        .collect();
    assert!(!want.is_empty());
    assert_eq!(as_tuples(&ev), want);
    let o = peel(&[
        "timeline",
        "--from",
        "2024-04-01",
        "--to",
        "2024-03-01",
        img.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
}

#[test]
fn csv_has_timesketch_columns() {
    let o = peel(&["timeline", "--volume", "5", e01().to_str().unwrap()]);
    assert_eq!(code(&o), 0);
    let text = stdout(&o);
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "datetime,timestamp_desc,message,macb,source,path,deleted,size,inode,fs,evidence,locator"
    );
    let first = lines.next().unwrap();
    assert!(
        first.starts_with("2015-03-14T00:00:00Z,Last Access Time,FAT12VOL"),
        "{first}"
    );
}

#[test]
fn mactime_reads_the_bodyfile() {
    let Ok(_) = std::process::Command::new("mactime").arg("-h").output() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs sleuthkit; mactime must be there"
        );
        eprintln!("mactime not installed; skipped");
        return;
    };
    let o = peel(&["timeline", "--format", "bodyfile", e01().to_str().unwrap()]);
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("body.txt");
    std::fs::write(&body, &o.stdout).unwrap();
    let m = std::process::Command::new("mactime")
        .args(["-b", body.to_str().unwrap(), "-z", "UTC", "-d"])
        .output()
        .unwrap();
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    let text = String::from_utf8_lossy(&m.stdout);
    assert!(
        text.starts_with("Date,Size,Type,Mode,UID,GID,Meta,File Name"),
        "{text}"
    );
    assert!(text.contains("/deleted-multi.bin (deleted)"));
    assert!(text.lines().count() > 60);
}
