//! Byte regions that no file covers, and the feature scan of one slice of such a region.
//!
//! `features`, `scan` and `process` all read the same places besides files: the free space of
//! each recognised file system, every byte of a volume without one, the gaps between
//! partitions, or the whole source (`--raw`). [`plan`] lists them once for all three;
//! [`scan_slice`] runs the feature scanners (and their stream decoders) over one slice.

use peel_core::record::{ErrorRecord, FeatureRecord};
use peel_core::{Locator, Segment};
use peel_extract::decode::Limits;
use peel_extract::{Extractor, Feature, MARGIN};
use peel_fs::evidence::Evidence;
use peel_image::{Source, read_exact_at};

use crate::commands::features::{record, with_layers};
use crate::listing::{Listed, Selection, collect};

/// A run of bytes scanned as one stream.
pub(crate) struct Region {
    /// Where on the source.
    pub evidence_offset: u64,
    pub len: u64,
    /// Locator of the stream (offsets are appended to it).
    pub locator: Locator,
    /// Offset of the region's first byte in that stream.
    pub stream_offset: u64,
    /// `raw`, `unallocated` or `unpartitioned`.
    pub scope: &'static str,
    /// The index in `ev.parts` when the region is a whole volume with no recognised file
    /// system (YARA scans such a volume as one object when it is small enough).
    pub bare_volume: Option<usize>,
}

/// What to plan.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Want {
    /// The whole source as one region, and nothing else.
    pub raw: bool,
    /// Only this volume (by its index).
    pub volume: Option<u32>,
    /// Free space of file systems and gaps between partitions.
    pub unallocated: bool,
}

/// The regions of `ev`, in evidence order of volumes: per volume its free runs (or the whole
/// volume when no file system was recognised), then the unpartitioned gaps.
pub(crate) fn plan(ev: &Evidence, want: Want) -> anyhow::Result<Vec<Region>> {
    let mut regions = Vec::new();
    if want.raw {
        let s = ev
            .source
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("--raw needs an image file, not a folder"))?;
        regions.push(Region {
            evidence_offset: 0,
            len: s.len(),
            locator: Locator::evidence(ev.name.clone()),
            stream_offset: 0,
            scope: "raw",
            bare_volume: None,
        });
        return Ok(regions);
    }
    for (i, part) in ev.parts.iter().enumerate() {
        let Some(v) = &part.volume else { continue };
        if want.volume.is_some_and(|w| w != v.index) || v.length == 0 {
            continue;
        }
        match part.fs.as_ref().map(|fs| fs.unallocated()) {
            Some(Some(runs)) if want.unallocated => {
                for (off, len) in runs {
                    regions.push(Region {
                        evidence_offset: v.offset + off,
                        len,
                        locator: part.fs_locator(),
                        stream_offset: off,
                        scope: "unallocated",
                        bare_volume: None,
                    });
                }
            }
            Some(_) => {}
            // No file system recognised: every byte of the volume.
            None => regions.push(Region {
                evidence_offset: v.offset,
                len: v.length,
                locator: part.locator.clone(),
                stream_offset: 0,
                scope: "raw",
                bare_volume: Some(i),
            }),
        }
    }
    if want.unallocated
        && want.volume.is_none()
        && let Some(t) = &ev.table
        && t.scheme != peel_image::volumes::Scheme::None
    {
        for gap in &t.unallocated {
            regions.push(Region {
                evidence_offset: gap.offset,
                len: gap.length,
                locator: Locator::evidence(ev.name.clone()),
                stream_offset: gap.offset,
                scope: "unpartitioned",
                bare_volume: None,
            });
        }
    }
    Ok(regions)
}

/// Every entry of every recognised file system (recursively, in evidence order), or none when
/// `want.raw` asks for the bytes alone: the files the region scanners leave out.
pub(crate) fn entries(ev: &Evidence, want: Want) -> Vec<Listed> {
    if want.raw {
        return Vec::new();
    }
    collect(
        ev,
        &Selection {
            recursive: true,
            volume: want.volume,
            ..Selection::default()
        },
    )
}

/// The slices of a region of `len` bytes, `step` bytes each (the last may be shorter), as
/// `(start, length)`.
pub(crate) fn slices(len: u64, step: u64) -> impl Iterator<Item = (u64, u64)> {
    let step = step.max(1);
    (0..len.div_ceil(step)).map(move |k| {
        let start = k * step;
        (start, (len - start).min(step))
    })
}

/// Bytes of a region scanned for features per job. Small enough that the last jobs of a
/// region keep every core busy, large enough that the margins read twice cost little.
pub(crate) const SLICE: u64 = 2 << 20;

thread_local! {
    /// The buffer a worker thread reads slices into, kept between slices: a fresh buffer
    /// for every slice costs a page fault for every 4 KiB read into it.
    static SLICE_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Features of one slice of a region.
pub(crate) struct SliceOut {
    /// Features that start in the slice, then those inside streams (gzip, zip entries) that
    /// start in it.
    pub features: Vec<FeatureRecord>,
    /// A read error of the slice, or the first decoding problem of its streams.
    pub error: Option<ErrorRecord>,
}

/// Scans `[start, start + len)` of `r` (read with `MARGIN` bytes either side so that features
/// crossing the slice's edges are found once, by the slice they start in), and decodes the
/// streams that start in it. `keep` selects the kinds reported.
#[allow(clippy::too_many_arguments)] // the slice, where it lies, and how to scan it
pub(crate) fn scan_slice(
    x: &Extractor,
    limits: &Limits,
    ev_name: &str,
    src: &dyn Source,
    r: &Region,
    start: u64,
    len: u64,
    keep: &(dyn Fn(&Feature) -> bool + Sync),
) -> SliceOut {
    let from = start.saturating_sub(MARGIN as u64);
    let end = (start + len).min(r.len);
    let to = (end + MARGIN as u64).min(r.len);
    let mut buf = SLICE_BUF.with_borrow_mut(std::mem::take);
    buf.resize((to - from) as usize, 0);
    if let Err(e) = read_exact_at(src, &mut buf, r.evidence_offset + from, "region") {
        SLICE_BUF.with_borrow_mut(|b| *b = buf);
        let loc = r.locator.clone().with(Segment::Offset {
            offset: r.stream_offset + start,
        });
        return SliceOut {
            features: Vec::new(),
            error: Some(ErrorRecord::new(ev_name, loc, e.to_string())),
        };
    }
    let mut found = Vec::new();
    x.scan_window(&buf, from, start, end, &mut found);
    let mut features: Vec<FeatureRecord> = found
        .into_iter()
        .filter(|f| keep(f))
        .map(|f| {
            let ev_off = r.evidence_offset + f.offset;
            let mut rec = record(f, &r.locator, r.stream_offset, r.scope, ev_name);
            rec.evidence_offset = Some(ev_off);
            rec
        })
        .collect();
    let mut error = None;
    x.scan_embedded(
        &buf,
        from,
        start,
        end,
        limits,
        &|pos, max| {
            // A stream that runs past the slice: read it again from the source.
            let n = (r.len.saturating_sub(pos)).min(max as u64) as usize;
            let mut v = vec![0u8; n];
            read_exact_at(src, &mut v, r.evidence_offset + pos, "stream")
                .ok()
                .map(|_| v)
        },
        &mut |pos, layers, f| {
            if keep(&f) {
                let at = r.locator.clone().with(Segment::Offset {
                    offset: r.stream_offset + pos,
                });
                features.push(record(f, &with_layers(&at, layers), 0, r.scope, ev_name));
            }
        },
        &mut |pos, layers, m| {
            let at = r.locator.clone().with(Segment::Offset {
                offset: r.stream_offset + pos,
            });
            error.get_or_insert_with(|| ErrorRecord::new(ev_name, with_layers(&at, layers), m));
        },
    );
    SLICE_BUF.with_borrow_mut(|b| *b = buf);
    SliceOut { features, error }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_cover_the_region_once() {
        assert_eq!(slices(0, 4).count(), 0);
        assert_eq!(slices(8, 4).collect::<Vec<_>>(), vec![(0, 4), (4, 4)]);
        assert_eq!(
            slices(10, 4).collect::<Vec<_>>(),
            vec![(0, 4), (4, 4), (8, 2)]
        );
    }
}
