//! `peel features` on graph-disk (testdata/generate-graph.sh): one `message` record for every
//! mail message in the image — eight .eml files, four messages of an mbox, one deleted .eml —
//! equal to truth/graph/messages.tsv field by field, in the same order whatever the thread
//! count.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;

/// A list of addresses as the truth writes it: `Name <address>` or `address`, `; ` between,
/// `-` for none.
fn addresses(v: &serde_json::Value) -> String {
    let list: Vec<String> = v
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|a| {
            let addr = a["address"].as_str().unwrap();
            match a["name"].as_str() {
                Some(n) => format!("{n} <{addr}>"),
                None => addr.to_string(),
            }
        })
        .collect();
    if list.is_empty() {
        "-".into()
    } else {
        list.join("; ")
    }
}

fn run(args: &[&str]) -> String {
    let o = peel(args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn message_records_equal_the_truth() {
    let img = image("graph-disk");
    let out = run(&["features", "--format", "jsonl", img.to_str().unwrap()]);
    let recs: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let msgs: Vec<&serde_json::Value> = recs.iter().filter(|r| r["record"] == "message").collect();
    let mut got: Vec<String> = msgs
        .iter()
        .map(|m| {
            [
                m["path"].as_str().unwrap().to_string(),
                m["format"].as_str().unwrap().to_string(),
                m["offset"].as_u64().unwrap().to_string(),
                m["length"].as_u64().unwrap().to_string(),
                addresses(&m["from"]),
                addresses(&m["to"]),
                addresses(&m["cc"]),
                addresses(&m["bcc"]),
                m["date"].as_str().unwrap_or("-").to_string(),
                m["subject"].as_str().unwrap().to_string(),
                m["deleted"].as_bool().unwrap().to_string(),
            ]
            .join("\t")
        })
        .collect();
    // Evidence order: the mbox's messages one after another.
    let mbox: Vec<u64> = msgs
        .iter()
        .filter(|m| m["format"] == "mbox")
        .map(|m| m["offset"].as_u64().unwrap())
        .collect();
    assert!(mbox.windows(2).all(|w| w[0] < w[1]), "{mbox:?}");
    // Both sides by path, then numeric offset.
    let key = |row: &String| {
        let c: Vec<&str> = row.split('\t').collect();
        (c[0].to_string(), c[2].parse::<u64>().unwrap())
    };
    got.sort_by_key(key);
    let mut want: Vec<String> = truth("graph/messages.tsv")
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    want.sort_by_key(key);
    assert_eq!(got.len(), 13);
    assert_eq!(got, want);

    // Every record names the file system and the file it came from.
    for m in &msgs {
        let loc = m["locator"].as_array().unwrap();
        assert_eq!(loc[0]["type"], "evidence");
        assert_eq!(loc.last().unwrap()["type"], "file", "{m}");
        assert_eq!(loc.last().unwrap()["path"], m["path"]);
        let text = m["locator_text"].as_str().unwrap();
        assert!(
            text.ends_with(&format!(
                "/ fat12 / {}#{}",
                m["path"].as_str().unwrap(),
                loc.last().unwrap()["addr"]
            )),
            "{text}"
        );
        assert_eq!(m["evidence"], img.to_str().unwrap());
    }
    // The other header facts of a few messages.
    let by_id = |id: &str| {
        *msgs
            .iter()
            .find(|m| m["message_id"] == id)
            .unwrap_or_else(|| panic!("no message {id}"))
    };
    let reply = by_id("r2-4471@mail.example.net");
    assert_eq!(reply["in_reply_to"], "20240304091500.1001@example.org");
    assert_eq!(
        reply["references"],
        serde_json::json!(["20240304091500.1001@example.org"])
    );
    assert_eq!(reply["date_raw"], "Mon, 4 Mar 2024 06:30:00 -0500");
    let group = by_id("a8.wrap@example.org");
    assert_eq!(addresses(&group["reply_to"]), "alice.archer@example.com");
    let undated = msgs.iter().find(|m| m["subject"] == "new number").unwrap();
    assert_eq!(undated["date"], serde_json::Value::Null);
    assert_eq!(undated["date_raw"], "sometime on Thursday");
    assert_eq!(undated["message_id"], serde_json::Value::Null);

    // The recipients counted per sender equal the communication truth.
    let mut pairs = std::collections::BTreeMap::<(String, String), u64>::new();
    for m in &msgs {
        let from = m["from"][0]["address"].as_str().unwrap().to_lowercase();
        for field in ["to", "cc", "bcc"] {
            for a in m[field].as_array().unwrap() {
                let to = a["address"].as_str().unwrap().to_lowercase();
                *pairs.entry((from.clone(), to)).or_default() += 1;
            }
        }
    }
    let got: Vec<String> = pairs
        .into_iter()
        .map(|((a, b), n)| format!("{a}\t{b}\t{n}"))
        .collect();
    let want: Vec<String> = truth("graph/communicates.tsv")
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    assert_eq!(got, want);
}

#[test]
fn output_is_identical_with_one_thread() {
    let img = image("graph-disk");
    let p = img.to_str().unwrap();
    let a = run(&["features", "--format", "jsonl", p]);
    let b = run(&["-j", "1", "features", "--format", "jsonl", p]);
    assert!(a.contains("\"record\":\"message\""));
    assert_eq!(a, b);
}

#[test]
fn table_output_lists_messages() {
    let img = image("graph-disk");
    let out = run(&["features", "--format", "table", img.to_str().unwrap()]);
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("message ")).collect();
    assert_eq!(rows.len(), 13, "{out}");
    assert!(
        rows.iter()
            .any(|r| r.contains("dave@example.com 2024-03-01T23:55:00Z")),
        "{out}"
    );
}
