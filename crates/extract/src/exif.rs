//! EXIF metadata of JPEG and TIFF images (camera, time taken, GPS position), through the
//! kamadak-exif crate.

use std::io::Cursor;

use exif::{In, Tag, Value};
use serde::Serialize;

/// What peel records of one image's EXIF.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExifInfo {
    /// Camera maker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    /// Camera model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `DateTimeOriginal` as written (local time of the camera, `YYYY:MM:DD HH:MM:SS`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taken: Option<String>,
    /// Editing software.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software: Option<String>,
    /// GPS latitude, decimal degrees (south negative).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// GPS longitude, decimal degrees (west negative).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// GPS altitude in metres (below sea level negative).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub altitude: Option<f64>,
}

/// True when `data` starts like a JPEG or TIFF.
pub fn probe(data: &[u8]) -> bool {
    data.starts_with(&[0xFF, 0xD8, 0xFF])
        || data.starts_with(b"II*\0")
        || data.starts_with(b"MM\0*")
}

fn text(e: &exif::Exif, tag: Tag) -> Option<String> {
    let f = e.get_field(tag, In::PRIMARY)?;
    match &f.value {
        Value::Ascii(v) => {
            let s: Vec<String> = v
                .iter()
                .map(|b| {
                    String::from_utf8_lossy(b)
                        .trim_end_matches('\0')
                        .trim()
                        .to_string()
                })
                .collect();
            Some(s.join(" ")).filter(|s| !s.is_empty())
        }
        _ => None,
    }
}

fn dms(e: &exif::Exif, tag: Tag, reference: Tag, negative: u8) -> Option<f64> {
    let f = e.get_field(tag, In::PRIMARY)?;
    let Value::Rational(v) = &f.value else {
        return None;
    };
    let part = |i: usize| {
        v.get(i)
            .filter(|r| r.denom != 0)
            .map(|r| r.to_f64())
            .unwrap_or(0.0)
    };
    let deg = part(0) + part(1) / 60.0 + part(2) / 3600.0;
    let sign = match e.get_field(reference, In::PRIMARY).map(|r| &r.value) {
        Some(Value::Ascii(a)) if a.first().and_then(|s| s.first()) == Some(&negative) => -1.0,
        _ => 1.0,
    };
    (deg.is_finite() && deg <= 180.0).then_some(sign * deg)
}

/// Parses the EXIF of a JPEG/TIFF: `None` when `data` is not an image or has no EXIF.
pub fn parse(data: &[u8]) -> Option<ExifInfo> {
    if !probe(data) {
        return None;
    }
    let e = std::panic::catch_unwind(|| {
        exif::Reader::new()
            .read_from_container(&mut Cursor::new(data))
            .ok()
    })
    .ok()
    .flatten()?;
    let altitude = e
        .get_field(Tag::GPSAltitude, In::PRIMARY)
        .and_then(|f| match &f.value {
            Value::Rational(v) => v.first().filter(|r| r.denom != 0).map(|r| r.to_f64()),
            _ => None,
        });
    let below = matches!(
        e.get_field(Tag::GPSAltitudeRef, In::PRIMARY).map(|f| &f.value),
        Some(Value::Byte(b)) if b.first() == Some(&1)
    );
    Some(ExifInfo {
        make: text(&e, Tag::Make),
        model: text(&e, Tag::Model),
        taken: text(&e, Tag::DateTimeOriginal).or_else(|| text(&e, Tag::DateTime)),
        software: text(&e, Tag::Software),
        latitude: dms(&e, Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S'),
        longitude: dms(&e, Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W'),
        altitude: altitude.map(|a| if below { -a } else { a }),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn not_images() {
        assert!(parse(b"plain").is_none());
        assert!(
            parse(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).is_none(),
            "a JPEG with no EXIF"
        );
    }
}
