//! Bounds-checked little-endian reads for parsers of untrusted bytes: a read past the end of
//! the slice gives 0 instead of a panic, so callers validate values, not indices.

/// The byte at `at`, or 0.
pub fn byte(b: &[u8], at: usize) -> u8 {
    b.get(at).copied().unwrap_or(0)
}

/// Little-endian u16 at `at`, or 0 when the slice is too short.
pub fn le16(b: &[u8], at: usize) -> u16 {
    b.get(at..at.saturating_add(2))
        .and_then(|s| <[u8; 2]>::try_from(s).ok())
        .map(u16::from_le_bytes)
        .unwrap_or(0)
}

/// Little-endian u32 at `at`, or 0 when the slice is too short.
pub fn le32(b: &[u8], at: usize) -> u32 {
    b.get(at..at.saturating_add(4))
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map(u32::from_le_bytes)
        .unwrap_or(0)
}

/// Little-endian u64 at `at`, or 0 when the slice is too short.
pub fn le64(b: &[u8], at: usize) -> u64 {
    b.get(at..at.saturating_add(8))
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map(u64::from_le_bytes)
        .unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_bounds() {
        let b = [1u8, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(le16(&b, 0), 0x0201);
        assert_eq!(le32(&b, 4), 0x0807_0605);
        assert_eq!(le64(&b, 0), 0x0807_0605_0403_0201);
        assert_eq!(le32(&b, 6), 0, "short read");
        assert_eq!(le16(&b, usize::MAX), 0, "no overflow");
        assert_eq!(byte(&b, 8), 0);
    }
}
