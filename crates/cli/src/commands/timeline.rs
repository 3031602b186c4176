//! `peel timeline`: every timestamp of every entry, one event per row, sorted by time.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, NaiveDate};
use peel_core::sink::{Format, make_sink};
use peel_core::time::Timestamp;
use peel_core::timeline::{Event, events_of, sort};
use peel_fs::evidence::Evidence;

use crate::args::TimelineFormat;
use crate::listing::{Listed, Selection, collect, file_record};
use crate::{Globals, Outcome};

/// Parses `2024-03-15` (the whole day: start for --from, end for --to) or an RFC 3339 time.
fn parse_bound(s: &str, end: bool) -> anyhow::Result<Timestamp> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let t = if end {
            d.and_hms_nano_opt(23, 59, 59, 999_999_999)
        } else {
            d.and_hms_opt(0, 0, 0)
        }
        .ok_or_else(|| anyhow!("bad date {s}"))?
        .and_utc();
        return Ok(Timestamp::from_unix(
            t.timestamp(),
            t.timestamp_subsec_nanos(),
        ));
    }
    let t = DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_rfc3339(&format!("{s}Z")))
        .with_context(|| format!("`{s}` is neither a date (2024-03-15) nor an RFC 3339 time"))?;
    Ok(Timestamp::from_unix(
        t.timestamp(),
        t.timestamp_subsec_nanos(),
    ))
}

pub(crate) const CSV_HEADER: [&str; 12] = [
    "datetime",
    "timestamp_desc",
    "message",
    "macb",
    "source",
    "path",
    "deleted",
    "size",
    "inode",
    "fs",
    "evidence",
    "locator",
];

pub(crate) fn csv_row(e: &Event) -> [String; 12] {
    [
        e.datetime.to_string(),
        e.timestamp_desc.clone(),
        e.message.clone(),
        e.macb.to_string(),
        e.source.clone(),
        e.path.clone(),
        e.deleted.to_string(),
        e.size.to_string(),
        e.inode.clone(),
        e.fs.clone(),
        e.evidence.clone(),
        e.locator_text.clone(),
    ]
}

pub fn run(
    evidence: &Path,
    format: TimelineFormat,
    from: Option<&str>,
    to: Option<&str>,
    volume: Option<u32>,
    g: Globals,
) -> anyhow::Result<Outcome> {
    let from = from.map(|s| parse_bound(s, false)).transpose()?;
    let to = to.map(|s| parse_bound(s, true)).transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        bail!("--from is after --to");
    }
    let in_range = |t: Timestamp| from.is_none_or(|f| t >= f) && to.is_none_or(|x| t <= x);
    let ev =
        Evidence::open(evidence).with_context(|| format!("cannot open {}", evidence.display()))?;
    let sel = Selection {
        recursive: true,
        volume,
        ..Selection::default()
    };
    let items = collect(&ev, &sel);
    let mut outcome = Outcome::Clean;
    let mut err = io::stderr().lock();
    let mut records = Vec::new();
    for item in &items {
        match item {
            Listed::Entry { part, entry } => {
                records.push(file_record(&ev, &ev.parts[*part], entry))
            }
            Listed::Error(rec) => {
                outcome = Outcome::Findings;
                writeln!(err, "peel: error: {}: {}", rec.locator_text, rec.message)?;
            }
            Listed::Note(n) => {
                if g.notes {
                    writeln!(err, "peel: note: {n}")?;
                }
            }
        }
    }
    let out = io::stdout();
    let w = io::BufWriter::new(out.lock());
    match format {
        TimelineFormat::Bodyfile => {
            let mut sink = make_sink(Format::Bodyfile, w);
            for r in &records {
                if from.is_some() || to.is_some() {
                    let any = events_of(r).iter().any(|e| in_range(e.datetime));
                    if !any {
                        continue;
                    }
                }
                sink.file(r)?;
            }
            sink.finish()?;
        }
        TimelineFormat::Csv | TimelineFormat::Jsonl => {
            let mut events: Vec<Event> = records
                .iter()
                .flat_map(events_of)
                .filter(|e| in_range(e.datetime))
                .collect();
            sort(&mut events);
            if format == TimelineFormat::Csv {
                let mut c = csv::Writer::from_writer(w);
                c.write_record(CSV_HEADER)?;
                for e in &events {
                    c.write_record(csv_row(e))?;
                }
                c.flush()?;
            } else {
                let mut w = w;
                for e in &events {
                    serde_json::to_writer(&mut w, e)?;
                    w.write_all(b"\n")?;
                }
                w.flush()?;
            }
        }
    }
    Ok(outcome)
}
