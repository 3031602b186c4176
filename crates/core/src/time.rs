//! Timestamps as recorded by peel: UTC, rendered RFC 3339 with the precision the source has.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Serialize, Serializer};

/// A point in time, UTC, with nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    pub secs: i64,
    /// Nanoseconds within the second (0..1e9).
    pub nanos: u32,
}

impl Timestamp {
    /// From a calendar date and time taken as UTC; `None` if the fields are impossible.
    pub fn from_parts(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        min: u32,
        sec: u32,
        nanos: u32,
    ) -> Option<Self> {
        let d = NaiveDate::from_ymd_opt(year, month, day)?;
        let t = d.and_hms_nano_opt(hour, min, sec, nanos)?;
        Some(Self::from_naive(t))
    }

    fn from_naive(t: NaiveDateTime) -> Self {
        let u = t.and_utc();
        Timestamp {
            secs: u.timestamp(),
            nanos: u.timestamp_subsec_nanos(),
        }
    }

    /// From seconds and nanoseconds since the epoch.
    pub fn from_unix(secs: i64, nanos: u32) -> Self {
        Timestamp {
            secs,
            nanos: nanos.min(999_999_999),
        }
    }

    /// The same instant shifted by `offset_secs` (for sources that store local time).
    #[must_use]
    pub fn shifted(self, offset_secs: i64) -> Self {
        Timestamp {
            secs: self.secs.saturating_sub(offset_secs),
            nanos: self.nanos,
        }
    }

    fn to_chrono(self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(self.secs, self.nanos)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_chrono() {
            Some(d) => {
                let base = d.format("%Y-%m-%dT%H:%M:%S");
                if self.nanos == 0 {
                    write!(f, "{base}Z")
                } else {
                    let frac = format!("{:09}", self.nanos);
                    write!(f, "{base}.{}Z", frac.trim_end_matches('0'))
                }
            }
            None => write!(f, "@{}", self.secs),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Now, as a [`Timestamp`].
pub fn now() -> Timestamp {
    let n = Utc::now();
    Timestamp {
        secs: n.timestamp(),
        nanos: n.timestamp_subsec_nanos(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        let t = Timestamp::from_parts(2024, 3, 15, 10, 0, 1, 100_000_000).unwrap();
        assert_eq!(t.to_string(), "2024-03-15T10:00:01.1Z");
        assert_eq!(t.secs, 1_710_496_801);
        assert!(Timestamp::from_parts(2024, 2, 30, 0, 0, 0, 0).is_none());
        assert_eq!(
            Timestamp::from_unix(0, 0).to_string(),
            "1970-01-01T00:00:00Z"
        );
    }
}
