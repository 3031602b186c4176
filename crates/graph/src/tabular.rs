//! Tabular records (call data records, message logs, ANPR reads, any contact list) as graph
//! edges: `from → to` rows, or sightings of an entity at a place, with co-location of
//! entities seen at the same place within a time window.

use std::collections::BTreeMap;
use std::io::Read;

use crate::GraphError;
use crate::build::Builder;
use crate::model::{Evidence, Mention};
use crate::resolve;

/// Which columns mean what (`--map from=caller,to=callee,time=start,kind=call`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// Column of the sender / caller.
    pub from: Option<String>,
    /// Column of the receiver / callee.
    pub to: Option<String>,
    /// Column of the sighted entity (a plate, a handle).
    pub entity: Option<String>,
    /// Column of the place it was seen at.
    pub place: Option<String>,
    /// Latitude and longitude columns of the place.
    pub lat: Option<String>,
    /// Longitude column.
    pub lon: Option<String>,
    /// Column of the time.
    pub time: Option<String>,
    /// Column whose number is added to the edge weight (else each row adds 1).
    pub weight: Option<String>,
    /// Columns quoted in each row's evidence note.
    pub note: Vec<String>,
    /// Edge kind for `from → to` rows (default `communicates`).
    pub kind: Option<String>,
}

impl ColumnMap {
    /// Parses `from=COL,to=COL[,time=COL,kind=KIND,weight=COL,note=COL,…]`.
    pub fn parse(spec: &str) -> Result<ColumnMap, GraphError> {
        let mut m = ColumnMap::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| GraphError::Usage(format!("--map: `{part}` is not NAME=COLUMN")))?;
            let v = v.trim().to_string();
            match k.trim() {
                "from" => m.from = Some(v),
                "to" => m.to = Some(v),
                "entity" => m.entity = Some(v),
                "place" => m.place = Some(v),
                "lat" => m.lat = Some(v),
                "lon" => m.lon = Some(v),
                "time" => m.time = Some(v),
                "weight" => m.weight = Some(v),
                "note" => m.note.push(v),
                "kind" => m.kind = Some(v),
                other => {
                    return Err(GraphError::Usage(format!(
                        "--map: unknown name `{other}` (from, to, entity, place, lat, lon, \
                         time, weight, note, kind)"
                    )));
                }
            }
        }
        match (&m.from, &m.to, &m.entity, &m.place) {
            (Some(_), Some(_), None, None) | (None, None, Some(_), Some(_)) => Ok(m),
            _ => Err(GraphError::Usage(
                "--map needs from= and to= (contacts), or entity= and place= (sightings)".into(),
            )),
        }
    }
}

/// How a table is read.
#[derive(Debug, Clone)]
pub struct TableOptions {
    /// Column meanings.
    pub map: ColumnMap,
    /// Entity kind of `from`/`entity` values (`phone`, `email`, `handle`, `plate` …).
    pub from_kind: String,
    /// Entity kind of `to` values.
    pub to_kind: String,
    /// Sightings of two entities at one place at most this many seconds apart are linked
    /// `co-located`.
    pub colocate: Option<i64>,
    /// Field delimiter.
    pub delimiter: u8,
}

/// What a table yielded.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TableStats {
    /// Rows read.
    pub rows: u64,
    /// Rows used.
    pub used: u64,
    /// Rows skipped (an empty or unreadable value), each noted in the graph.
    pub skipped: u64,
    /// Co-location links found.
    pub colocated: u64,
}

/// A time as UTC RFC 3339 (`Z`), reading zone-less times as UTC; the text as written when it
/// cannot be read.
pub fn utc_time(s: &str) -> (String, bool) {
    let t = s.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
        return (
            d.with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            true,
        );
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
    ] {
        if let Ok(n) = chrono::NaiveDateTime::parse_from_str(t, f) {
            return (
                n.and_utc()
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                true,
            );
        }
    }
    (t.to_string(), false)
}

fn column(headers: &csv::StringRecord, name: &Option<String>) -> Result<Option<usize>, GraphError> {
    match name {
        None => Ok(None),
        Some(n) => headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(n))
            .map(Some)
            .ok_or_else(|| {
                GraphError::Usage(format!(
                    "no column `{n}` (columns: {})",
                    headers.iter().collect::<Vec<_>>().join(", ")
                ))
            }),
    }
}

struct Sighting {
    key: String,
    value: String,
    place: String,
    time: chrono::DateTime<chrono::Utc>,
    time_text: String,
    locator: String,
}

/// Reads a table with a header row into `b`, naming it `name` in locators.
pub fn ingest(
    b: &mut Builder,
    r: impl Read,
    name: &str,
    o: &TableOptions,
) -> Result<TableStats, GraphError> {
    b.add_input(name);
    let mut rd = csv::ReaderBuilder::new()
        .delimiter(o.delimiter)
        .flexible(true)
        .from_reader(r);
    let headers = rd
        .headers()
        .map_err(|e| GraphError::Parse {
            what: name.to_string(),
            line: 1,
            message: e.to_string(),
        })?
        .clone();
    let m = &o.map;
    let c_from = column(&headers, &m.from)?;
    let c_to = column(&headers, &m.to)?;
    let c_ent = column(&headers, &m.entity)?;
    let c_place = column(&headers, &m.place)?;
    let c_lat = column(&headers, &m.lat)?;
    let c_lon = column(&headers, &m.lon)?;
    let c_time = column(&headers, &m.time)?;
    let c_weight = column(&headers, &m.weight)?;
    let c_notes: Vec<(String, usize)> = m
        .note
        .iter()
        .map(|n| column(&headers, &Some(n.clone())).map(|c| (n.clone(), c.unwrap_or(0))))
        .collect::<Result<_, _>>()?;
    let kind = m.kind.clone().unwrap_or_else(|| "communicates".to_string());
    let region = b.options().region.clone();
    let mut st = TableStats::default();
    let mut skipped_rows: Vec<String> = Vec::new();
    let mut sightings: Vec<Sighting> = Vec::new();
    let mut zoneless = false;
    for row in rd.records() {
        let row = row.map_err(|e| GraphError::Parse {
            what: name.to_string(),
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        st.rows += 1;
        let line = row.position().map_or(st.rows + 1, |p| p.line());
        let locator = format!("{name}:{line}");
        let get = |c: Option<usize>| c.and_then(|c| row.get(c)).map(str::trim);
        let (time, time_ok) = match get(c_time).filter(|t| !t.is_empty()) {
            Some(t) => {
                let (u, ok) = utc_time(t);
                if ok && chrono::DateTime::parse_from_rfc3339(t).is_err() {
                    zoneless = true;
                }
                (Some(u), ok)
            }
            None => (None, false),
        };
        let note: Vec<String> = c_notes
            .iter()
            .filter_map(|(n, c)| row.get(*c).map(|v| format!("{n}={}", v.trim())))
            .collect();
        let note = (!note.is_empty()).then(|| note.join(", "));
        if let (Some(cf), Some(ct)) = (c_from, c_to) {
            let (fv, tv) = (get(Some(cf)).unwrap_or(""), get(Some(ct)).unwrap_or(""));
            let (Some(fr), Some(tr)) = (
                resolve::resolve(&o.from_kind, fv, region.as_deref()),
                resolve::resolve(&o.to_kind, tv, region.as_deref()),
            ) else {
                st.skipped += 1;
                skipped_rows.push(locator);
                continue;
            };
            let weight = match get(c_weight) {
                Some(w) => match w.parse::<f64>() {
                    Ok(w) if w.is_finite() && w >= 0.0 => w,
                    _ => {
                        st.skipped += 1;
                        skipped_rows.push(locator);
                        continue;
                    }
                },
                None => 1.0,
            };
            let fk = b.mention(&fr, fv, name, time.as_deref());
            let tk = b.mention(&tr, tv, name, time.as_deref());
            let ev = Evidence {
                record: "csv".into(),
                source: name.to_string(),
                locator: locator.clone(),
                time: time.clone(),
                mentions: vec![
                    Mention {
                        key: fk.clone(),
                        value: fv.to_string(),
                        locator: format!("{locator}:{}", headers.get(cf).unwrap_or("")),
                        context: None,
                    },
                    Mention {
                        key: tk.clone(),
                        value: tv.to_string(),
                        locator: format!("{locator}:{}", headers.get(ct).unwrap_or("")),
                        context: None,
                    },
                ],
                note,
            };
            b.link(&fk, &tk, &kind, true, weight, ev);
            st.used += 1;
        } else if let (Some(ce), Some(cp)) = (c_ent, c_place) {
            let (ev_, pv) = (get(Some(ce)).unwrap_or(""), get(Some(cp)).unwrap_or(""));
            let Some(er) = resolve::resolve(&o.from_kind, ev_, region.as_deref()) else {
                st.skipped += 1;
                skipped_rows.push(locator);
                continue;
            };
            if pv.is_empty() {
                st.skipped += 1;
                skipped_rows.push(locator);
                continue;
            }
            let pr = resolve::Resolved {
                kind: "location".into(),
                key: format!("location:{pv}"),
                label: pv.to_string(),
                steps: vec!["place as named in the table"],
            };
            let ek = b.mention(&er, ev_, name, time.as_deref());
            let pk = b.mention(&pr, pv, name, time.as_deref());
            if let (Some(la), Some(lo)) = (get(c_lat), get(c_lon))
                && let (Ok(la), Ok(lo)) = (la.parse::<f64>(), lo.parse::<f64>())
            {
                b.set_attr(&pk, "lat", format!("{la:.5}"));
                b.set_attr(&pk, "lon", format!("{lo:.5}"));
            }
            b.link(
                &ek,
                &pk,
                "seen-at",
                true,
                1.0,
                Evidence {
                    record: "csv".into(),
                    source: name.to_string(),
                    locator: locator.clone(),
                    time: time.clone(),
                    mentions: Vec::new(),
                    note: note.clone(),
                },
            );
            if time_ok
                && let Some(t) = &time
                && let Ok(d) = chrono::DateTime::parse_from_rfc3339(t)
            {
                sightings.push(Sighting {
                    key: ek,
                    value: ev_.to_string(),
                    place: pk,
                    time: d.with_timezone(&chrono::Utc),
                    time_text: t.clone(),
                    locator,
                });
            }
            st.used += 1;
        }
    }
    if let Some(w) = o.colocate {
        st.colocated = colocate(b, name, &mut sightings, w);
    }
    if zoneless {
        b.note(format!("{name}: times without a zone were read as UTC"));
    }
    if !skipped_rows.is_empty() {
        let shown: Vec<&str> = skipped_rows.iter().take(20).map(String::as_str).collect();
        b.note(format!(
            "{name}: {} rows skipped for an empty or unreadable value: {}{}",
            skipped_rows.len(),
            shown.join(", "),
            if skipped_rows.len() > 20 { ", …" } else { "" }
        ));
    }
    Ok(st)
}

/// Links entities sighted at the same place within `window` seconds.
fn colocate(b: &mut Builder, name: &str, s: &mut [Sighting], window: i64) -> u64 {
    s.sort_by(|a, b| {
        (&a.place, a.time, &a.key, &a.locator).cmp(&(&b.place, b.time, &b.key, &b.locator))
    });
    let mut by_place: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, x) in s.iter().enumerate() {
        by_place.entry(x.place.as_str()).or_default().push(i);
    }
    let mut links = Vec::new();
    for idx in by_place.values() {
        for (n, &i) in idx.iter().enumerate() {
            let Some(a) = s.get(i) else { continue };
            for &j in idx.iter().skip(n + 1) {
                let Some(c) = s.get(j) else { continue };
                let dt = (c.time - a.time).num_seconds();
                if dt > window {
                    break;
                }
                if a.key == c.key {
                    continue;
                }
                let place = a.place.strip_prefix("location:").unwrap_or(&a.place);
                links.push((
                    a.key.clone(),
                    c.key.clone(),
                    Evidence {
                        record: "csv".into(),
                        source: name.to_string(),
                        locator: format!("{} + {}", a.locator, c.locator),
                        time: Some(a.time_text.clone()),
                        mentions: vec![
                            Mention {
                                key: a.key.clone(),
                                value: a.value.clone(),
                                locator: a.locator.clone(),
                                context: Some(a.time_text.clone()),
                            },
                            Mention {
                                key: c.key.clone(),
                                value: c.value.clone(),
                                locator: c.locator.clone(),
                                context: Some(c.time_text.clone()),
                            },
                        ],
                        note: Some(format!("both at {place}, {dt} s apart (window {window} s)")),
                    },
                ));
            }
        }
    }
    let n = links.len() as u64;
    for (x, y, ev) in links {
        b.link(&x, &y, "co-located", false, 1.0, ev);
    }
    n
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn map_and_times() {
        let m = ColumnMap::parse("from=caller, to=callee,time=start,kind=call,note=type").unwrap();
        assert_eq!(m.from.as_deref(), Some("caller"));
        assert_eq!(m.kind.as_deref(), Some("call"));
        assert_eq!(m.note, vec!["type"]);
        assert!(ColumnMap::parse("from=a").is_err());
        assert!(ColumnMap::parse("from=a,to=b,colour=c").is_err());
        assert_eq!(
            utc_time("2024-03-15T11:00:00+01:00").0,
            "2024-03-15T10:00:00Z"
        );
        assert_eq!(
            utc_time("2024-03-15 10:00:00"),
            ("2024-03-15T10:00:00Z".into(), true)
        );
        assert_eq!(utc_time("yesterday"), ("yesterday".into(), false));
    }
}
