//! `peel completions` and `peel man`: made from the command definitions, so every subcommand
//! (nested ones too) and its options appear.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;

/// The subcommands `peel --help` lists, but `help`.
fn subcommands() -> Vec<String> {
    subcommands_of(&[])
}

#[test]
fn completion_scripts_know_every_subcommand() {
    let subs = subcommands();
    assert!(subs.len() >= 15, "{subs:?}");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = peel(&["completions", shell]);
        assert_eq!(code(&o), 0, "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        for s in &subs {
            assert!(script.contains(s.as_str()), "{shell}: no {s}");
        }
        assert!(script.contains("--out"), "{shell}: no --out option");
    }
    let o = peel(&["completions", "tcsh"]);
    assert_eq!(code(&o), 2, "an unknown shell is a usage error");
}

#[test]
fn man_pages_for_every_subcommand() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man1");
    let o = peel(&["man", "--out", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut want: Vec<String> = subcommands()
        .iter()
        .map(|s| format!("peel-{s}.1"))
        .collect();
    want.push("peel.1".into());
    for g in ["build", "path", "explain", "export", "view"] {
        want.push(format!("peel-graph-{g}.1"));
    }
    for page in &want {
        let text =
            std::fs::read_to_string(dir.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page}: not roff");
    }
    let process = std::fs::read_to_string(dir.join("peel-process.1")).unwrap();
    assert!(process.contains("\\-\\-out") || process.contains("--out"));
    // Stdout form: the top page.
    let o = peel(&["man"]);
    assert_eq!(code(&o), 0);
    assert_eq!(
        stdout(&o),
        std::fs::read_to_string(dir.join("peel.1")).unwrap()
    );
    // Running again replaces the pages (no leftovers, no temp files).
    let o = peel(&["man", "--out", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 0);
    let n = std::fs::read_dir(&dir).unwrap().count();
    assert!(n >= want.len(), "{n}");
    assert!(
        std::fs::read_dir(&dir).unwrap().all(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".1"))
    );
}

/// The subcommands of `peel <parent> --help`, or of `peel --help` with no parent.
fn subcommands_of(parent: &[&str]) -> Vec<String> {
    let mut args = parent.to_vec();
    args.push("--help");
    let text = stdout(&peel(&args));
    let Some(start) = text.find("Commands:") else {
        return Vec::new();
    };
    text[start..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_subcommand_help_has_examples() {
    let mut checked = 0;
    for top in subcommands_of(&[]) {
        let nested = subcommands_of(&[top.as_str()]);
        let mut all = vec![vec![top.clone()]];
        all.extend(nested.into_iter().map(|n| vec![top.clone(), n]));
        for cmd in all {
            let mut args: Vec<&str> = cmd.iter().map(String::as_str).collect();
            args.push("--help");
            let o = peel(&args);
            assert_eq!(code(&o), 0, "{cmd:?}");
            assert!(
                stdout(&o).contains("Examples:\n  peel "),
                "{cmd:?} --help has no examples"
            );
            checked += 1;
        }
    }
    // 16 commands, 11 of `graph`, 2 of `rules`.
    assert!(checked >= 29, "only {checked} commands checked");
}
