//! Whether two snapshots can be read at the same time without running the machine out of memory.

use std::path::Path;

/// Memory that reading and analysing a snapshot takes, per byte of file: about 83 bytes a
/// node against about 87 bytes of file a node (README, "Getting a snapshot"), with a margin.
const MEMORY_PER_FILE_BYTE: f64 = 1.05;

/// Whether snapshots of `sizes` bytes can be read at once when `available` bytes of memory are
/// free; with `available` unknown, they are.
pub(crate) fn fit_at_once(sizes: &[u64], available: Option<u64>) -> bool {
    let Some(available) = available else { return true };
    let needed: f64 = sizes.iter().map(|&size| size as f64 * MEMORY_PER_FILE_BYTE).sum();
    needed <= available as f64
}

/// The sizes of the files at `paths`, 0 for one that cannot be read (its error comes later).
pub(crate) fn file_sizes(paths: &[&Path]) -> Vec<u64> {
    paths.iter().map(|path| std::fs::metadata(path).map(|meta| meta.len()).unwrap_or(0)).collect()
}

/// The memory the kernel says is available to new work (`MemAvailable`), where it says so.
pub(crate) fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|line| line.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::fit_at_once;

    #[test]
    fn two_files_fit_when_their_memory_is_available() {
        let gb = 1_000_000_000;
        assert!(fit_at_once(&[4 * gb, 4 * gb], Some(24 * gb)));
        assert!(!fit_at_once(&[4 * gb, 4 * gb], Some(8 * gb)));
        assert!(fit_at_once(&[4 * gb, 4 * gb], Some(9 * gb)));
        assert!(!fit_at_once(&[4 * gb, 4 * gb], Some(8 * gb + gb / 4)));
        assert!(fit_at_once(&[4 * gb, 4 * gb], None));
    }
}
