//! File type by content, named as THOR and LOKI name types (`EXE`, `ELF`, `MACH-O`, …), for
//! the `filetype` external variable that public rule sets test.

/// The type of `data` by its first bytes, or `""` when none of the known signatures fits.
pub fn detect(data: &[u8]) -> &'static str {
    let starts = |m: &[u8]| data.starts_with(m);
    if starts(b"MZ") {
        let pe = data
            .get(0x3c..0x40)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes)
            .and_then(|off| data.get(off as usize..off as usize + 4))
            .is_some_and(|sig| sig == b"PE\0\0");
        return if pe { "EXE" } else { "MZ" };
    }
    const TABLE: &[(&[u8], &str)] = &[
        (b"\x7fELF", "ELF"),
        (b"\xfe\xed\xfa\xce", "MACH-O"),
        (b"\xfe\xed\xfa\xcf", "MACH-O"),
        (b"\xce\xfa\xed\xfe", "MACH-O"),
        (b"\xcf\xfa\xed\xfe", "MACH-O"),
        (b"\xca\xfe\xba\xbe", "MACH-O"),
        (b"MDMP", "MDMP"),
        (b"PMDM", "LSASS Dump File"),
        (b"{\\rt", "RTF"),
        (b"%PDF", "PDF"),
        (b"PK\x03\x04", "ZIP"),
        (b"\x1f\x8b", "GZIP"),
        (b"Rar!\x1a\x07", "RAR"),
        (b"7z\xbc\xaf\x27\x1c", "7Z"),
        (b"MSCF", "CAB"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE"),
        (b"\xff\xd8\xff", "JPEG"),
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (b"GIF8", "GIF"),
        (b"SQLite format 3\0", "SQLITE"),
        (b"regf", "REGISTRY"),
        (b"ElfFile\0", "EVTX"),
        (b"L\0\0\0\x01\x14\x02\0", "LNK"),
        (b"<?php", "PHP"),
        (b"dex\n", "DEX"),
        (b"LUKS\xba\xbe", "LUKS"),
    ];
    for (magic, name) in TABLE {
        if starts(magic) {
            return name;
        }
    }
    if starts(b"#!") {
        let line = data.split(|&b| b == b'\n').next().unwrap_or_default();
        let has = |w: &[u8]| line.windows(w.len()).any(|x| x == w);
        if has(b"python") {
            return "Python";
        }
        if has(b"perl") {
            return "PERL";
        }
        if has(b"sh") {
            return "SH";
        }
    }
    ""
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::detect;

    #[test]
    fn known_signatures() {
        let mut pe = vec![0u8; 0x84];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c] = 0x80;
        pe[0x80..0x84].copy_from_slice(b"PE\0\0");
        assert_eq!(detect(&pe), "EXE");
        assert_eq!(detect(b"MZ only"), "MZ");
        assert_eq!(detect(b"\x7fELF\x02\x01"), "ELF");
        assert_eq!(detect(b"#!/usr/bin/env python3\nprint()"), "Python");
        assert_eq!(detect(b"#!/bin/bash\n"), "SH");
        assert_eq!(detect(b"plain text"), "");
        assert_eq!(detect(b""), "");
    }
}
