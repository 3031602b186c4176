//! Executable metadata (PE, ELF, Mach-O) through goblin: format, architecture, compile time,
//! imports and exports, sections with their entropy, the PE import hash and whether a PE
//! carries an Authenticode signature. Parsing is bounded by goblin's own checks; a panic
//! inside it is caught and reported as unparsable, never passed on.

use md5::{Digest, Md5};
use serde::Serialize;

/// One section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// Name.
    pub name: String,
    /// Bytes stored in the file.
    pub size: u64,
    /// Shannon entropy of those bytes, 0–8 bits per byte (packed or encrypted code is near 8).
    pub entropy: f64,
}

/// What peel records of one executable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExecInfo {
    /// `pe`, `elf`, `mach-o`, `mach-o-fat`.
    pub format: &'static str,
    /// Architecture, e.g. `x86_64`, `X86_64`, `ARM64`.
    pub arch: String,
    /// 64-bit image.
    pub is_64: bool,
    /// A library (DLL, shared object, dylib) rather than a program.
    pub is_library: bool,
    /// PE link time (`TimeDateStamp`), RFC 3339 UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compiled: Option<String>,
    /// Entry point address.
    pub entry: u64,
    /// Imported symbols (`library!name`, or just `name` where the library is unknown).
    pub imports: Vec<String>,
    /// Exported symbols.
    pub exports: Vec<String>,
    /// Libraries linked against.
    pub libraries: Vec<String>,
    /// Sections.
    pub sections: Vec<Section>,
    /// PE import hash (MD5 of `lib.func,…`, as pefile computes it; imports by ordinal as
    /// `ordN`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imphash: Option<String>,
    /// PE: an Authenticode certificate table is present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed: Option<bool>,
}

/// Symbols listed at most per kind (the count is always complete).
const MAX_SYMBOLS: usize = 4096;

/// Shannon entropy in bits per byte.
pub fn entropy(b: &[u8]) -> f64 {
    if b.is_empty() {
        return 0.0;
    }
    let mut counts = [0u64; 256];
    for &c in b {
        if let Some(n) = counts.get_mut(usize::from(c)) {
            *n += 1;
        }
    }
    let len = b.len() as f64;
    counts
        .iter()
        .filter(|&&n| n > 0)
        .map(|&n| {
            let p = n as f64 / len;
            -p * p.log2()
        })
        .sum()
}

/// True when `data` starts like an executable peel parses.
pub fn probe(data: &[u8]) -> bool {
    data.starts_with(b"MZ")
        || data.starts_with(b"\x7fELF")
        || matches!(
            data.get(..4),
            Some([0xfe, 0xed, 0xfa, 0xce | 0xcf])
                | Some([0xce | 0xcf, 0xfa, 0xed, 0xfe])
                | Some([0xca, 0xfe, 0xba, 0xbe])
        )
}

fn slice_entropy(data: &[u8], off: u64, size: u64) -> f64 {
    let start = usize::try_from(off).unwrap_or(usize::MAX);
    let end = start.saturating_add(usize::try_from(size).unwrap_or(0));
    data.get(start..end.min(data.len()))
        .map(entropy)
        .unwrap_or(0.0)
}

fn pe_imphash(imports: &[(String, String)]) -> Option<String> {
    if imports.is_empty() {
        return None;
    }
    let parts: Vec<String> = imports
        .iter()
        .map(|(dll, name)| {
            let d = dll.to_ascii_lowercase();
            let d = ["dll", "ocx", "sys"]
                .iter()
                .find_map(|e| d.strip_suffix(&format!(".{e}")))
                .unwrap_or(&d)
                .to_string();
            format!("{d}.{}", name.to_ascii_lowercase())
        })
        .collect();
    Some(hex::encode(Md5::digest(parts.join(",").as_bytes())))
}

fn cap(mut v: Vec<String>) -> Vec<String> {
    v.truncate(MAX_SYMBOLS);
    v
}

fn parse_inner(data: &[u8]) -> Result<ExecInfo, String> {
    use goblin::Object;
    match Object::parse(data).map_err(|e| e.to_string())? {
        Object::PE(pe) => {
            let coff = &pe.header.coff_header;
            let imports: Vec<(String, String)> = pe
                .imports
                .iter()
                .map(|i| {
                    let n = if i.name.starts_with("ORDINAL ") || i.name.is_empty() {
                        format!("ord{}", i.ordinal)
                    } else {
                        i.name.to_string()
                    };
                    (i.dll.to_string(), n)
                })
                .collect();
            let sections = pe
                .sections
                .iter()
                .map(|s| Section {
                    name: s.name().unwrap_or("?").to_string(),
                    size: u64::from(s.size_of_raw_data),
                    entropy: slice_entropy(
                        data,
                        u64::from(s.pointer_to_raw_data),
                        u64::from(s.size_of_raw_data),
                    ),
                })
                .collect();
            let compiled =
                peel_core::time::Timestamp::from_unix(i64::from(coff.time_date_stamp), 0)
                    .to_string();
            Ok(ExecInfo {
                format: "pe",
                arch: goblin::pe::header::machine_to_str(coff.machine).to_string(),
                is_64: pe.is_64,
                is_library: pe.is_lib,
                compiled: Some(compiled),
                entry: pe.entry as u64,
                imphash: pe_imphash(&imports),
                imports: cap(imports.iter().map(|(d, n)| format!("{d}!{n}")).collect()),
                exports: cap(pe
                    .exports
                    .iter()
                    .filter_map(|e| e.name.map(str::to_string))
                    .collect()),
                libraries: pe.libraries.iter().map(|l| l.to_string()).collect(),
                sections,
                signed: Some(!pe.certificates.is_empty()),
            })
        }
        Object::Elf(elf) => {
            let mut imports = Vec::new();
            let mut exports = Vec::new();
            for s in elf.dynsyms.iter() {
                let Some(name) = elf.dynstrtab.get_at(s.st_name).filter(|n| !n.is_empty()) else {
                    continue;
                };
                if s.st_shndx == 0 {
                    imports.push(name.to_string());
                } else if s.st_bind() != goblin::elf::sym::STB_LOCAL {
                    exports.push(name.to_string());
                }
            }
            let sections = elf
                .section_headers
                .iter()
                .filter(|h| h.sh_type != goblin::elf::section_header::SHT_NULL)
                .map(|h| Section {
                    name: elf.shdr_strtab.get_at(h.sh_name).unwrap_or("?").to_string(),
                    size: if h.sh_type == goblin::elf::section_header::SHT_NOBITS {
                        0
                    } else {
                        h.sh_size
                    },
                    entropy: if h.sh_type == goblin::elf::section_header::SHT_NOBITS {
                        0.0
                    } else {
                        slice_entropy(data, h.sh_offset, h.sh_size)
                    },
                })
                .collect();
            Ok(ExecInfo {
                format: "elf",
                arch: goblin::elf::header::machine_to_str(elf.header.e_machine).to_string(),
                is_64: elf.is_64,
                is_library: elf.header.e_type == goblin::elf::header::ET_DYN
                    && elf.interpreter.is_none(),
                compiled: None,
                entry: elf.entry,
                imports: cap(imports),
                exports: cap(exports),
                libraries: elf.libraries.iter().map(|l| l.to_string()).collect(),
                sections,
                imphash: None,
                signed: None,
            })
        }
        Object::Mach(goblin::mach::Mach::Binary(m)) => {
            let arch = goblin::mach::constants::cputype::get_arch_name_from_types(
                m.header.cputype(),
                m.header.cpusubtype(),
            )
            .unwrap_or("unknown")
            .to_string();
            let imports = m
                .imports()
                .map(|v| {
                    v.iter()
                        .map(|i| format!("{}!{}", i.dylib, i.name))
                        .collect()
                })
                .unwrap_or_default();
            let exports = m
                .exports()
                .map(|v| v.into_iter().map(|e| e.name).collect())
                .unwrap_or_default();
            let mut sections = Vec::new();
            for seg in m.segments.iter() {
                if let Ok(secs) = seg.sections() {
                    for (s, bytes) in secs {
                        sections.push(Section {
                            name: format!(
                                "{},{}",
                                s.segname().unwrap_or("?"),
                                s.name().unwrap_or("?")
                            ),
                            size: s.size,
                            entropy: entropy(bytes),
                        });
                    }
                }
            }
            Ok(ExecInfo {
                format: "mach-o",
                arch,
                is_64: m.is_64,
                is_library: m.header.filetype == goblin::mach::header::MH_DYLIB,
                compiled: None,
                entry: m.entry,
                imports: cap(imports),
                exports: cap(exports),
                libraries: m.libs.iter().map(|l| l.to_string()).collect(),
                sections,
                imphash: None,
                signed: None,
            })
        }
        Object::Mach(goblin::mach::Mach::Fat(f)) => {
            let arches: Vec<String> = f
                .iter_arches()
                .filter_map(Result::ok)
                .map(|a| {
                    goblin::mach::constants::cputype::get_arch_name_from_types(
                        a.cputype,
                        a.cpusubtype,
                    )
                    .unwrap_or("unknown")
                    .to_string()
                })
                .collect();
            Ok(ExecInfo {
                format: "mach-o-fat",
                arch: arches.join(","),
                is_64: false,
                is_library: false,
                compiled: None,
                entry: 0,
                imports: Vec::new(),
                exports: Vec::new(),
                libraries: Vec::new(),
                sections: Vec::new(),
                imphash: None,
                signed: None,
            })
        }
        _ => Err("not a PE, ELF or Mach-O image".into()),
    }
}

/// Parses an executable: `None` when `data` does not start like one, `Some(Err(reason))`
/// when it does but cannot be parsed.
pub fn parse(data: &[u8]) -> Option<Result<ExecInfo, String>> {
    if !probe(data) {
        return None;
    }
    match std::panic::catch_unwind(|| parse_inner(data)) {
        Ok(r) => Some(r),
        Err(_) => Some(Err(
            "executable parser failed on this input (malformed headers)".into(),
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn entropy_bounds() {
        assert_eq!(entropy(&[]), 0.0);
        assert_eq!(entropy(&[7u8; 100]), 0.0);
        let all: Vec<u8> = (0..=255u8).collect();
        assert!((entropy(&all) - 8.0).abs() < 1e-9);
    }

    #[test]
    fn imphash_follows_pefile() {
        // pefile: lower-case, extension dropped, "lib.func" joined by commas, MD5.
        let h = pe_imphash(&[
            ("KERNEL32.dll".into(), "ExitProcess".into()),
            ("user32.DLL".into(), "MessageBoxA".into()),
        ]);
        assert_eq!(
            h,
            Some(hex::encode(Md5::digest(
                b"kernel32.exitprocess,user32.messageboxa"
            )))
        );
    }

    #[test]
    fn this_test_binary_parses_as_elf() {
        let exe = std::env::current_exe().unwrap();
        let data = std::fs::read(exe).unwrap();
        if !data.starts_with(b"\x7fELF") {
            return; // the check is for ELF hosts
        }
        let info = parse(&data).unwrap().unwrap();
        assert_eq!(info.format, "elf");
        assert!(info.is_64);
        assert!(
            info.sections
                .iter()
                .any(|s| s.name == ".text" && s.entropy > 4.0)
        );
        assert!(info.libraries.iter().any(|l| l.starts_with("libc")));
        assert!(parse(b"MZ this is not a PE").unwrap().is_err());
        assert!(parse(b"plain text").is_none());
    }
}
