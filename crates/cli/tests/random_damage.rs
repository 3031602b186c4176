//! Seeded random damage to the metadata areas of the committed images: whatever the damage,
//! peel must finish (time limit in `peel()`), never panic, and exit 0, 1 or 2.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Variants per image: 40, or `PEEL_DAMAGE_VARIANTS` for a longer soak.
fn variants() -> u64 {
    std::env::var("PEEL_DAMAGE_VARIANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40)
}

fn run_variants(name: &str, window: std::ops::Range<usize>, variants: u64) {
    let data = std::fs::read(image(name)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for seed in 1..=variants {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut d = data.clone();
        let flips = 1 + rng.next() % 64;
        for _ in 0..flips {
            let at = window.start + (rng.next() as usize) % window.len();
            d[at] = rng.next() as u8;
        }
        let p = dir.path().join(format!("{name}-{seed}.img"));
        std::fs::write(&p, &d).unwrap();
        for args in [
            vec!["ls", "-r", "--hash", "sha256", "--format", "jsonl"],
            vec!["info", "--format", "json"],
            vec!["unalloc", "--format", "jsonl"],
            vec!["features", "--format", "jsonl"],
        ] {
            let mut a = args.clone();
            a.push(p.to_str().unwrap());
            let o = peel(&a);
            assert!(
                (0..=2).contains(&code(&o)),
                "{name} seed {seed} {args:?}: exit {}",
                code(&o)
            );
        }
        std::fs::remove_file(&p).unwrap();
    }
}

#[test]
fn damaged_fat_metadata_never_panics() {
    // Partition table, FAT16 boot sector, FATs and root directory of partition 1.
    run_variants("fat-disk", 0..(1_048_576 + 80 * 1024), variants());
}

#[test]
fn damaged_ntfs_metadata_never_panics() {
    // Boot sector and the first MFT records (the MFT starts at cluster 4 of the 3 MiB volume).
    run_variants("ntfs-fixup", 0..(16_384 + 80 * 1024), variants());
}

#[test]
fn damaged_ext_metadata_never_panics() {
    // ext2 (1 KiB blocks): superblock, descriptors, bitmaps, inode table (blocks 20-147), the
    // directories (148, 205) and the indirect blocks (218, 475, 476).
    run_variants("ext2", 0..480 * 1024, variants());
    // ext4 (4 KiB blocks, flex_bg): superblock, descriptors, bitmaps, root directory (block 3)
    // and inode table (blocks 34-161), extents in the inodes.
    run_variants("ext4-extent-loop", 0..162 * 4096, variants());
}
